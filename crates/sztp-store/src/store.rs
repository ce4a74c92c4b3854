//! Opening a database (URL → connection pool → migrations) and the tenant table.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, DatabaseExecutor, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder,
};
use sea_orm_migration::{MigratorTrait, seaql_migrations};
use tokio::sync::watch;

use crate::codec::{check_name, from_micros, micros, now};
use crate::connect::{connect, parse_url};
use crate::entity::config::tenant;
use crate::error::{Result, StoreError, db_err, write_err};
use crate::migration::Migrator;
use crate::model::{Tenant, TenantId};
use crate::unit_of_work::Tx;

/// What is needed to reach the database besides its URL (TLS material for server backends).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OpenOptions {
    /// CA certificate that verifies the database server (PostgreSQL/MySQL).
    pub db_ca_cert: Option<PathBuf>,
    /// Client certificate presented to the database server.
    pub db_client_cert: Option<PathBuf>,
    /// Private key of the client certificate.
    pub db_client_key: Option<PathBuf>,
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
    /// Commits seen by SQLite's commit hook on every pooled connection.
    pub(crate) commits: Arc<AtomicU64>,
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
        Migrator::up(&db, None).await.map_err(|e| StoreError::Database(format!("cannot migrate the database: {e}")))?;
        let (endpoint_version, _) = watch::channel(0);
        let kind = target.kind();
        let inner = Arc::new(Inner { db, endpoint_version, commits, options: options.clone(), kind });
        Ok(Store { inner, tx: None })
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
