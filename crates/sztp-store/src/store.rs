//! Opening a database (URL → connection pool → migrations) and the tenant table.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, DatabaseExecutor, DatabaseTransaction, DbErr,
    EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
};
use sea_orm_migration::{MigratorTrait, seaql_migrations};
use tokio::sync::watch;

use crate::codec::{check_name, from_micros, micros, now};
pub use crate::connect::OpenOptions;
use crate::connect::{connect, parse_url};
use crate::entity::config::tenant;
use crate::error::{Result, StoreError, db_err, write_err};
use crate::migration::{Migrator, RETIRE_CHANGE_JOURNALS};
use crate::model::{Tenant, TenantId};

/// The open transaction behind a unit of work's [`Store`] view.
pub(crate) struct Tx {
    pub(crate) txn: DatabaseTransaction,
    /// An endpoint was written: listeners are told after the commit, never before.
    pub(crate) endpoints_changed: AtomicBool,
    /// Configuration was written: [`Store::config_version`] moves after the commit.
    pub(crate) config_changed: AtomicBool,
}

/// Handle to the database; cheap to clone and shared by all tasks. The same methods run inside a
/// [`UnitOfWork`] (through `Deref`), where they commit together or not at all.
#[derive(Clone)]
pub struct Store {
    pub(crate) inner: Arc<Inner>,
    /// The open transaction of a unit of work; `None` for the pool.
    pub(crate) tx: Option<Arc<Tx>>,
}

pub(crate) struct Inner {
    pub(crate) db: DatabaseConnection,
    pub(crate) endpoint_version: watch::Sender<u64>,
    /// Moved after every committed configuration write made through this process.
    pub(crate) config_version: AtomicU64,
    /// Commits seen by SQLite's commit hook on every pooled connection.
    pub(crate) commits: Arc<AtomicU64>,
    /// YANG Patches of an older release undone at the upgrade.
    recovered: AtomicUsize,
    options: OpenOptions,
    kind: &'static str,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("backend", &self.inner.kind).finish_non_exhaustive()
    }
}

impl Store {
    /// Opens (creating if needed) the database at `url` and applies pending migrations.
    ///
    /// Accepts `sqlite://PATH` (created if absent) and `sqlite::memory:`. `postgres://`, `mysql://`
    /// and `mariadb://` give [`StoreError::UnsupportedBackend`] unless the crate is built with the
    /// `postgres` or `mysql` feature; any other URL gives [`StoreError::BadUrl`].
    pub async fn open(url: &str, options: &OpenOptions) -> Result<Store> {
        let target = parse_url(url)?;
        let commits = Arc::new(AtomicU64::new(0));
        let db = connect(&target, options, commits.clone()).await?;
        let migrate = |e: DbErr| StoreError::Database(format!("cannot migrate the database: {e}"));
        let pending = Migrator::get_pending_migrations(&db).await.map_err(migrate)?;
        let pending: Vec<String> = pending.iter().map(|m| m.name().to_owned()).collect();
        // Journal tables exist, and are about to go: undo what a crash left in them first.
        let journals = pending.first().is_some_and(|m| m == RETIRE_CHANGE_JOURNALS);
        let (endpoint_version, _) = watch::channel(0);
        let kind = target.kind();
        let inner = Arc::new(Inner {
            db,
            endpoint_version,
            config_version: AtomicU64::new(1),
            commits,
            recovered: 0.into(),
            options: options.clone(),
            kind,
        });
        let store = Store { inner, tx: None };
        if journals {
            let undone = store.recover_legacy_journals().await?;
            store.inner.recovered.store(undone, Ordering::Relaxed);
        }
        Migrator::up(&store.inner.db, None).await.map_err(migrate)?;
        Ok(store)
    }

    /// Whether events go to the outbox ([`OpenOptions::events`]).
    pub(crate) fn events_enabled(&self) -> bool {
        self.inner.options.events
    }

    /// A store over a connection migrated elsewhere (tests of upgrades).
    #[cfg(test)]
    pub(crate) fn over(db: DatabaseConnection) -> Store {
        let (endpoint_version, _) = watch::channel(0);
        let commits = Arc::new(AtomicU64::new(0));
        let inner = Inner {
            db,
            endpoint_version,
            config_version: AtomicU64::new(1),
            commits,
            recovered: 0.into(),
            options: OpenOptions::default(),
            kind: "test",
        };
        Store { inner: Arc::new(inner), tx: None }
    }

    /// How many YANG Patches cut short by a crash under an older release were undone when
    /// this store upgraded the database (once; later opens find none).
    pub fn recovered_patches(&self) -> usize {
        self.inner.recovered.load(Ordering::Relaxed)
    }

    /// The connection the methods run on: the unit of work's transaction, else the pool.
    pub(crate) fn conn(&self) -> DatabaseExecutor<'_> {
        match &self.tx {
            Some(tx) => DatabaseExecutor::Transaction(&tx.txn),
            None => DatabaseExecutor::Connection(&self.inner.db),
        }
    }

    /// Number of transactions committed so far on an SQLite database (each statement outside a
    /// transaction is one); always 0 on other backends. Tests count a request's commits with it.
    pub fn commit_count(&self) -> u64 {
        self.inner.commits.load(Ordering::Relaxed)
    }

    /// Closes the connection pool; other clones of this store fail afterwards.
    pub async fn close(&self) -> Result<()> {
        self.inner.db.close_by_ref().await.map_err(db_err)
    }

    /// The connection options this store was opened with.
    pub fn options(&self) -> &OpenOptions {
        &self.inner.options
    }

    /// Number of migrations applied to the database.
    pub async fn schema_version(&self) -> Result<u64> {
        seaql_migrations::Entity::find().count(&self.conn()).await.map_err(db_err)
    }

    /// The tenant of single-tenant deployments.
    pub fn default_tenant(&self) -> TenantId {
        TenantId::DEFAULT
    }

    /// Creates a tenant; a taken name gives [`StoreError::Conflict`].
    pub async fn create_tenant(&self, name: &str) -> Result<Tenant> {
        check_name("tenant", name)?;
        let created_at = now();
        let row = tenant::ActiveModel {
            name: Set(name.to_owned()),
            created_at: Set(micros(created_at)),
            ..Default::default()
        }
        .insert(&self.conn())
        .await
        .map_err(|e| write_err(e, "tenant", name))?;
        Ok(Tenant { id: TenantId(row.id), name: row.name, created_at })
    }

    /// Looks a tenant up by id.
    pub async fn get_tenant(&self, id: TenantId) -> Result<Option<Tenant>> {
        tenant::Entity::find_by_id(id.0).one(&self.conn()).await.map_err(db_err)?.map(tenant_from_row).transpose()
    }

    /// Looks a tenant up by name.
    pub async fn tenant_by_name(&self, name: &str) -> Result<Option<Tenant>> {
        tenant::Entity::find()
            .filter(tenant::Column::Name.eq(name))
            .one(&self.conn())
            .await
            .map_err(db_err)?
            .map(tenant_from_row)
            .transpose()
    }

    /// All tenants, by id.
    pub async fn list_tenants(&self) -> Result<Vec<Tenant>> {
        let rows = tenant::Entity::find().order_by_asc(tenant::Column::Id).all(&self.conn()).await.map_err(db_err)?;
        rows.into_iter().map(tenant_from_row).collect()
    }
}

fn tenant_from_row(row: tenant::Model) -> Result<Tenant> {
    Ok(Tenant { id: TenantId(row.id), name: row.name, created_at: from_micros(row.created_at, "tenant creation")? })
}
