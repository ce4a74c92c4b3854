//! A unit of work: one database transaction through which a request's changes commit together or
//! not at all. It derefs to a [`Store`] whose every method runs inside the transaction.

use std::ops::Deref;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use sea_orm::{DbBackend, IsolationLevel, SqliteTransactionMode, TransactionOptions, TransactionTrait};

use crate::error::{Result, StoreError, db_err};
use crate::store::{Store, Tx};

/// Changes that commit together ([`UnitOfWork::commit`]) or not at all (dropped, or
/// [`UnitOfWork::rollback`]). Use the [`Store`] methods on it through `Deref`. After a failed
/// write, drop it: PostgreSQL has aborted the transaction, and a commit would not keep the rest.
pub struct UnitOfWork {
    store: Store,
}

impl std::fmt::Debug for UnitOfWork {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UnitOfWork").finish_non_exhaustive()
    }
}

impl Store {
    /// Starts a unit of work. Units of work are serializable: on SQLite each takes the write lock
    /// at once (`BEGIN IMMEDIATE`), so they queue; on PostgreSQL and MySQL they run at the
    /// SERIALIZABLE level, where one of two that conflict fails instead of both acting on a read
    /// the other has made stale.
    pub async fn begin(&self) -> Result<UnitOfWork> {
        if self.tx.is_some() {
            return Err(StoreError::Invalid("a unit of work cannot begin inside another".into()));
        }
        let sqlite = self.inner.db.get_database_backend() == DbBackend::Sqlite;
        let options = TransactionOptions {
            isolation_level: (!sqlite).then_some(IsolationLevel::Serializable),
            access_mode: None,
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        };
        let txn = self.inner.db.begin_with_options(options).await.map_err(db_err)?;
        let tx = Tx { txn, endpoints_changed: AtomicBool::new(false), config_changed: AtomicBool::new(false) };
        Ok(UnitOfWork { store: Store { inner: self.inner.clone(), tx: Some(Arc::new(tx)) } })
    }

    /// Whether this handle runs inside a unit of work.
    pub fn in_unit_of_work(&self) -> bool {
        self.tx.is_some()
    }
}

impl UnitOfWork {
    /// Commits every change made through this unit of work, then tells endpoint watchers.
    pub async fn commit(self) -> Result<()> {
        let UnitOfWork { store } = self;
        let Some(tx) = store.tx else { return Ok(()) };
        let tx = Arc::try_unwrap(tx)
            .map_err(|_| StoreError::Invalid("a unit of work was committed while a clone of it was alive".into()))?;
        let changed = tx.endpoints_changed.load(Ordering::Relaxed);
        let config = tx.config_changed.load(Ordering::Relaxed);
        tx.txn.commit().await.map_err(db_err)?;
        if config {
            store.inner.config_version.fetch_add(1, Ordering::AcqRel);
        }
        if changed {
            store.inner.endpoint_version.send_modify(|v| *v = v.wrapping_add(1));
        }
        Ok(())
    }

    /// A handle on this unit of work's store, for state that outlives a borrow; it must be
    /// dropped before [`UnitOfWork::commit`], which fails while a handle is alive.
    pub fn store(&self) -> Store {
        self.store.clone()
    }

    /// Drops every change made through this unit of work (as dropping it does, but waits).
    pub async fn rollback(self) -> Result<()> {
        let UnitOfWork { store } = self;
        let Some(tx) = store.tx else { return Ok(()) };
        match Arc::try_unwrap(tx) {
            Ok(tx) => tx.txn.rollback().await.map_err(db_err),
            Err(_) => Ok(()), // the last clone's drop rolls back
        }
    }
}

impl Deref for UnitOfWork {
    type Target = Store;
    fn deref(&self) -> &Store {
        &self.store
    }
}
