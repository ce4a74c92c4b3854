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
    /// The database failed, or returned data this version cannot read.
    #[error("database error: {0}")]
    Database(String),
}

/// Result alias used throughout the store.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Maps a database error without further context.
pub(crate) fn db_err(e: DbErr) -> StoreError {
    StoreError::Database(e.to_string())
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
