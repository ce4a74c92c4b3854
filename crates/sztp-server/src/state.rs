//! Shared server state handed to every API router: the store and the key-encryption key.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, RwLock};

use sztp_ca::KeyEncryptionKey;
use sztp_store::{Store, UnitOfWork};

/// What every request handler can reach. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
    /// The store of one request's unit of work, which [`AppState::store`] then returns.
    unit_of_work: Option<Store>,
}

struct Inner {
    store: Store,
    kek: KeyEncryptionKey,
    /// Bounds on the cost of password checks.
    guard: crate::password::Guard,
    /// Unauthenticated requests, counted instead of stored.
    rejections: crate::rejections::Rejections,
    /// What the last rebind did per endpoint: the bound address or why it is down.
    endpoints: RwLock<HashMap<String, Result<SocketAddr, String>>>,
    /// When configuration last changed through the API (Unix seconds); the start time until
    /// the first write, which errs towards "modified" for caches older than this process.
    config_changed: AtomicI64,
    /// What the southbound API need not load again (invalidated by every configuration write).
    caches: crate::cache::Caches,
    /// Request records, committed in groups.
    committer: crate::commits::Committer,
}

impl AppState {
    /// Wraps the store and key-encryption key.
    pub fn new(store: Store, kek: KeyEncryptionKey) -> Self {
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let endpoints = RwLock::new(HashMap::new());
        let inner = Arc::new(Inner {
            store: store.clone(),
            kek,
            guard: crate::password::Guard::for_this_machine(),
            rejections: Default::default(),
            endpoints,
            config_changed: AtomicI64::new(now),
            caches: crate::cache::Caches::new(store.clone()),
            committer: crate::commits::Committer::new(store.clone()),
        });
        AppState { inner, unit_of_work: None }
    }

    /// The store: the unit of work's inside one ([`AppState::within`]), else the pool's.
    pub fn store(&self) -> &Store {
        self.unit_of_work.as_ref().unwrap_or(&self.inner.store)
    }

    /// This state with every store call going through `uow` (drop it before the commit).
    pub fn within(&self, uow: &UnitOfWork) -> AppState {
        AppState { inner: self.inner.clone(), unit_of_work: Some(uow.store()) }
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

    /// When configuration last changed (the datastore's Last-Modified).
    pub fn config_changed_at(&self) -> time::OffsetDateTime {
        let secs = self.inner.config_changed.load(Ordering::Relaxed);
        time::OffsetDateTime::from_unix_timestamp(secs).unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
    }

    /// Records a configuration change now.
    pub fn touch_config(&self) {
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        self.inner.config_changed.fetch_max(now, Ordering::Relaxed);
    }

    /// Commits request records in groups.
    pub(crate) fn committer(&self) -> &crate::commits::Committer {
        &self.inner.committer
    }

    /// The caches of configuration and verified credentials.
    pub(crate) fn caches(&self) -> &crate::cache::Caches {
        &self.inner.caches
    }

    /// The verification pool and per-source budget of password checks.
    pub(crate) fn guard(&self) -> &crate::password::Guard {
        &self.inner.guard
    }

    /// Unauthenticated requests, counted instead of stored.
    pub(crate) fn rejections(&self) -> &crate::rejections::Rejections {
        &self.inner.rejections
    }

    /// How many requests nobody authenticated this process answered (counted, never stored).
    pub fn unauthenticated_requests(&self) -> u64 {
        self.inner.rejections.total()
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
