//! Schema migrations in Rust (sea-orm-migration), one code path for SQLite, PostgreSQL and MySQL.
//! Never edit a released migration; add a new one. The schema version is the number applied.

mod admins;
mod artifact_chunks;
mod initial_config;
mod initial_logs;
mod journal;

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

/// All migrations, in order.
pub(crate) struct Migrator;

impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(Initial),
            Box::new(Administrators),
            Box::new(TlsTerminator),
            Box::new(ChangeJournals),
            Box::new(RetireChangeJournals),
            Box::new(EndpointLimits),
            Box::new(ArtifactChunks),
        ]
    }
}

/// Migration 1: every table of the first release and the default tenant.
struct Initial;

impl MigrationName for Initial {
    fn name(&self) -> &str {
        "m0001_initial_schema"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Initial {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        initial_config::up(m).await?;
        initial_logs::up(m).await
    }

    /// A half-applied schema on SQLite or PostgreSQL rolls back instead of staying behind.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}

/// Migration 3: an endpoint may be declared as behind a TLS terminator (plain HTTP here, TLS
/// in front), which lets it take passwords from other hosts.
struct TlsTerminator;

#[derive(DeriveIden)]
enum Endpoints {
    Table,
    BehindTlsTerminator,
    Limits,
}

impl MigrationName for TlsTerminator {
    fn name(&self) -> &str {
        "m0003_endpoint_behind_tls_terminator"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for TlsTerminator {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let column = ColumnDef::new(Endpoints::BehindTlsTerminator).boolean().not_null().default(false).to_owned();
        m.alter_table(Table::alter().table(Endpoints::Table).add_column(column).to_owned()).await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}

/// Migration 4: undo journals of YANG Patches in progress (crash recovery).
struct ChangeJournals;

impl MigrationName for ChangeJournals {
    fn name(&self) -> &str {
        "m0004_change_journals"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for ChangeJournals {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        journal::up(m).await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}

/// Migration 5: units of work replace the undo journals; an open journal has been undone
/// (`legacy_journal`) before this runs.
pub(crate) struct RetireChangeJournals;

/// The name of migration 5, which [`crate::Store::open`] looks for.
pub(crate) const RETIRE_CHANGE_JOURNALS: &str = "m0005_retire_change_journals";

impl MigrationName for RetireChangeJournals {
    fn name(&self) -> &str {
        RETIRE_CHANGE_JOURNALS
    }
}

#[async_trait::async_trait]
impl MigrationTrait for RetireChangeJournals {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        journal::down(m).await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}

/// Migration 2: system-wide administrators and preferences.
struct Administrators;

impl MigrationName for Administrators {
    fn name(&self) -> &str {
        "m0002_administrators_and_preferences"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Administrators {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        admins::up(m).await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}

/// A text column that may exceed 64 KiB: LONGTEXT on MySQL, TEXT elsewhere.
fn long_text(b: DbBackend, col: impl IntoIden, null: bool) -> ColumnDef {
    let mut c = ColumnDef::new(col);
    match b {
        DbBackend::MySql => c.custom(Alias::new("longtext")),
        _ => c.text(),
    };
    nullable(c, null)
}

/// A binary column that may exceed 64 KiB: LONGBLOB on MySQL, BYTEA on PostgreSQL, BLOB on SQLite.
fn long_blob(b: DbBackend, col: impl IntoIden, null: bool) -> ColumnDef {
    let mut c = ColumnDef::new(col);
    match b {
        DbBackend::MySql => c.custom(Alias::new("longblob")),
        _ => c.blob(),
    };
    nullable(c, null)
}

/// A name or serial number: VARCHAR(255) so it can be part of a unique index everywhere.
fn name(col: impl IntoIden, null: bool) -> ColumnDef {
    let mut c = ColumnDef::new(col);
    c.string_len(255);
    nullable(c, null)
}

/// A short VARCHAR.
fn short(col: impl IntoIden, len: u32, null: bool) -> ColumnDef {
    let mut c = ColumnDef::new(col);
    c.string_len(len);
    nullable(c, null)
}

fn nullable(mut c: ColumnDef, null: bool) -> ColumnDef {
    if null {
        c.null();
    } else {
        c.not_null();
    }
    c
}

/// The auto-increment BIGINT primary key every table has.
fn id(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col).big_integer().not_null().auto_increment().primary_key().take()
}

/// A named UNIQUE constraint inside CREATE TABLE.
fn unique(name: &str, table: impl IntoIden, cols: &[DynIden]) -> IndexCreateStatement {
    let mut i = Index::create();
    i.name(name).table(table).unique();
    for c in cols {
        i.col(c.clone());
    }
    i
}

/// A plain index, created after its table.
fn index(name: &str, table: impl IntoIden, cols: &[DynIden]) -> IndexCreateStatement {
    let mut i = Index::create();
    i.name(name).table(table);
    for c in cols {
        i.col(c.clone());
    }
    i
}

/// Creates a table; on MySQL as InnoDB/utf8mb4 with binary collation, so that names compare
/// byte-wise (case-sensitive) as they do on SQLite and PostgreSQL.
async fn create_table(m: &SchemaManager<'_>, mut t: TableCreateStatement) -> Result<(), DbErr> {
    if m.get_database_backend() == DbBackend::MySql {
        t.engine("InnoDB").character_set("utf8mb4").collate("utf8mb4_bin");
    }
    m.create_table(t).await
}

/// Migration 6: an endpoint's connection limits (JSON; absent means the defaults).
struct EndpointLimits;

impl MigrationName for EndpointLimits {
    fn name(&self) -> &str {
        "m0006_endpoint_limits"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for EndpointLimits {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let column = ColumnDef::new(Endpoints::Limits).text().null().to_owned();
        m.alter_table(Table::alter().table(Endpoints::Table).add_column(column).to_owned()).await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}

/// Migration 7: artifact content in chunked blobs instead of the `artifacts` row.
struct ArtifactChunks;

impl MigrationName for ArtifactChunks {
    fn name(&self) -> &str {
        "m0007_artifact_chunks"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for ArtifactChunks {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        artifact_chunks::up(m).await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
