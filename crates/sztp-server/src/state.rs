//! Shared server state handed to every API router: the store and the key-encryption key.

use std::sync::Arc;

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
}

impl AppState {
    /// Wraps the store and key-encryption key.
    pub fn new(store: Store, kek: KeyEncryptionKey) -> Self {
        AppState { inner: Arc::new(Inner { store, kek }) }
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.inner.store
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
