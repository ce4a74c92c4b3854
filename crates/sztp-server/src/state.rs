//! Shared server state handed to every API router: the store and the key-encryption key.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, RwLock};

use sztp_ca::KeyEncryptionKey;
use sztp_store::Store;

/// What every request handler can reach. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    kek: KeyEncryptionKey,
    /// What the last rebind did per endpoint: the bound address or why it is down.
    endpoints: RwLock<HashMap<String, Result<SocketAddr, String>>>,
}

impl AppState {
    /// Wraps the store and key-encryption key.
    pub fn new(store: Store, kek: KeyEncryptionKey) -> Self {
        AppState { inner: Arc::new(Inner { store, kek, endpoints: RwLock::new(HashMap::new()) }) }
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    /// Records the outcome of a rebind (replacing the previous one).
    pub fn set_endpoint_status(&self, status: HashMap<String, Result<SocketAddr, String>>) {
        if let Ok(mut map) = self.inner.endpoints.write() {
            *map = status;
        }
    }

    /// Where an endpoint listens, or why it does not; `None` if it was never started.
    pub fn endpoint_status(&self, name: &str) -> Option<Result<SocketAddr, String>> {
        self.inner.endpoints.read().ok().and_then(|m| m.get(name).cloned())
    }

    /// The key-encryption key for private keys at rest.
    pub fn kek(&self) -> &KeyEncryptionKey {
        &self.inner.kek
    }
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState").finish_non_exhaustive()
    }
}
