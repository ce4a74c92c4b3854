//! The store's error type: one enum whose messages an operator can act on.

use sea_orm::{DbErr, SqlErr};

/// Everything that can go wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database URL could not be understood.
    #[error("bad database URL: {0}")]
    BadUrl(String),
    /// The URL names a database this build cannot use yet.
    #[error("unsupported database: {0}")]
    UnsupportedBackend(String),
    /// The named record does not exist.
    #[error("{kind} '{name}' does not exist")]
    NotFound {
        /// What kind of record was looked for ("device", "device type", …).
        kind: &'static str,
        /// Its name, serial number or id.
        name: String,
    },
    /// A record with the same unique name already exists.
    #[error("{kind} '{name}' already exists")]
    Conflict {
        /// What kind of record collided.
        kind: &'static str,
        /// The colliding name.
        name: String,
    },
    /// The record cannot be deleted because other records refer to it.
    #[error("{kind} '{name}' is still used by {used_by}")]
    InUse {
        /// What kind of record was to be deleted.
        kind: &'static str,
        /// Its name.
        name: String,
        /// What still refers to it ("devices", …).
        used_by: &'static str,
    },
    /// The input breaks a rule of the data model (empty name, bad address, …).
    #[error("invalid input: {0}")]
    Invalid(String),
    /// The input is well formed but the change would break a rule about the data as a whole
    /// (the last unrestricted administrator, a tenant still in use); nothing was written.
    #[error("{0}")]
    Refused(String),
    /// The database cannot take writes now: its disk is full, or it is read-only. Nothing was
    /// written; the same request may succeed once the operator makes room.
    #[error("the database cannot take writes (disk full or read-only): {0}")]
    Unavailable(String),
    /// The database failed, or returned data this version cannot read.
    #[error("database error: {0}")]
    Database(String),
}

/// Result alias used throughout the store.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Maps a database error without further context.
pub(crate) fn db_err(e: DbErr) -> StoreError {
    if cannot_write(&e) { StoreError::Unavailable(e.to_string()) } else { StoreError::Database(e.to_string()) }
}

/// Whether the database refused a write for lack of room or permission: SQLite's FULL (13) and
/// READONLY (8, with its extended codes), PostgreSQL's `disk_full` and `read_only_sql_transaction`,
/// MySQL's "table is full", "disk full" and `--read-only` (1114, 1021, 1290).
fn cannot_write(e: &DbErr) -> bool {
    use sea_orm::RuntimeErr;
    let (DbErr::Exec(RuntimeErr::SqlxError(e))
    | DbErr::Query(RuntimeErr::SqlxError(e))
    | DbErr::Conn(RuntimeErr::SqlxError(e))) = e
    else {
        return false;
    };
    let Some(db) = e.as_database_error() else { return false };
    #[cfg(feature = "mysql")]
    if let Some(my) = db.try_downcast_ref::<sea_orm::sqlx::mysql::MySqlDatabaseError>() {
        return matches!(my.number(), 1021 | 1114 | 1290);
    }
    if db.try_downcast_ref::<sea_orm::sqlx::sqlite::SqliteError>().is_some() {
        let code = db.code().and_then(|c| c.parse::<u32>().ok()).unwrap_or_default();
        return matches!(code & 0xff, 8 | 13);
    }
    matches!(db.code().as_deref(), Some("53100" | "25006"))
}

/// Maps a write error: unique violations become [`StoreError::Conflict`] on `kind`/`name`.
pub(crate) fn write_err(e: DbErr, kind: &'static str, name: &str) -> StoreError {
    match e.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => StoreError::Conflict { kind, name: name.to_owned() },
        _ => db_err(e),
    }
}

/// Returns true when the error is a foreign-key violation.
pub(crate) fn is_fk_violation(e: &DbErr) -> bool {
    matches!(e.sql_err(), Some(SqlErr::ForeignKeyConstraintViolation(_)))
}
