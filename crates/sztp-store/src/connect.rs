//! Database URLs and connection pools: SQLite always; PostgreSQL and MySQL/MariaDB behind the
//! `postgres` and `mysql` cargo features (refused with a clear error without them).

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use sea_orm::sqlx::sqlite::SqliteJournalMode;
use sea_orm::{ConnectOptions, Database, DatabaseConnection};

use crate::error::{Result, StoreError};

/// What is needed to reach the database besides its URL (TLS material for server backends).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OpenOptions {
    /// CA certificate that verifies the database server (PostgreSQL/MySQL).
    pub db_ca_cert: Option<PathBuf>,
    /// Client certificate presented to the database server.
    pub db_client_cert: Option<PathBuf>,
    /// Private key of the client certificate.
    pub db_client_key: Option<PathBuf>,
    /// Write events to the outbox. Off unless something delivers them: an outbox nobody reads
    /// only grows.
    pub events: bool,
}

/// How long a writer waits for SQLite's write lock before failing.
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(10);
/// Connections in a file database's pool (WAL lets readers run beside the one writer).
const SQLITE_FILE_POOL: u32 = 8;
/// Connections to a database server.
#[cfg(any(feature = "postgres", feature = "mysql"))]
const SERVER_POOL: u32 = 16;

/// A database URL sorted by what it needs.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Target {
    SqliteMemory(String),
    SqliteFile(String),
    #[cfg(feature = "postgres")]
    Postgres(String),
    #[cfg(feature = "mysql")]
    MySql(String),
}

impl Target {
    /// Backend name for diagnostics.
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Target::SqliteMemory(_) => "sqlite-memory",
            Target::SqliteFile(_) => "sqlite",
            #[cfg(feature = "postgres")]
            Target::Postgres(_) => "postgres",
            #[cfg(feature = "mysql")]
            Target::MySql(_) => "mysql",
        }
    }
}

const EXPECTED: &str = "use sqlite://PATH, sqlite::memory:, postgres://… or mysql://…";

/// Sorts a URL by backend; never echoes the URL, which may hold a password.
pub(crate) fn parse_url(url: &str) -> Result<Target> {
    let Some((scheme, rest)) = url.split_once(':') else {
        return Err(StoreError::BadUrl(format!("the database URL has no scheme; {EXPECTED}")));
    };
    match scheme.to_ascii_lowercase().as_str() {
        "sqlite" => parse_sqlite(url, rest),
        #[cfg(feature = "postgres")]
        "postgres" | "postgresql" => Ok(Target::Postgres(url.to_owned())),
        #[cfg(not(feature = "postgres"))]
        "postgres" | "postgresql" => {
            Err(StoreError::UnsupportedBackend("PostgreSQL support arrives in a later release; use sqlite://".into()))
        }
        #[cfg(feature = "mysql")]
        "mysql" => Ok(Target::MySql(url.to_owned())),
        #[cfg(feature = "mysql")]
        "mariadb" => Ok(Target::MySql(format!("mysql:{rest}"))),
        #[cfg(not(feature = "mysql"))]
        "mysql" | "mariadb" => Err(StoreError::UnsupportedBackend(
            "MySQL/MariaDB support arrives in a later release; use sqlite://".into(),
        )),
        other => Err(StoreError::BadUrl(format!("unknown database URL scheme '{}'; {EXPECTED}", other.escape_debug()))),
    }
}

fn parse_sqlite(url: &str, rest: &str) -> Result<Target> {
    let after_slashes = rest.strip_prefix("//").unwrap_or(rest);
    let (path, query) = after_slashes.split_once('?').unwrap_or((after_slashes, ""));
    if path.is_empty() {
        return Err(StoreError::BadUrl("the SQLite URL names no file; use sqlite://PATH or sqlite::memory:".into()));
    }
    if path == ":memory:" || query.split('&').any(|p| p == "mode=memory") {
        Ok(Target::SqliteMemory(url.to_owned()))
    } else if query.split('&').any(|p| p.starts_with("mode=")) {
        Ok(Target::SqliteFile(url.to_owned()))
    } else if query.is_empty() {
        Ok(Target::SqliteFile(format!("{url}?mode=rwc")))
    } else {
        Ok(Target::SqliteFile(format!("{url}&mode=rwc")))
    }
}

/// Opens the connection pool for `target`.
pub(crate) async fn connect(
    target: &Target,
    options: &OpenOptions,
    commits: Arc<AtomicU64>,
) -> Result<DatabaseConnection> {
    let mut opts = match target {
        Target::SqliteMemory(url) => {
            // Every connection to ":memory:" is its own database, and it vanishes with its connection.
            let mut o = ConnectOptions::new(url.as_str());
            o.min_connections(1).max_connections(1).idle_timeout(None).max_lifetime(None);
            o.map_sqlx_sqlite_opts(|o| o.foreign_keys(true).busy_timeout(SQLITE_BUSY_TIMEOUT));
            sqlite_pool_hooks(&mut o, commits, false);
            o
        }
        Target::SqliteFile(url) => {
            create_private(url)?;
            // Opened for writing (not `mode=ro`): SQLite would open a read-only file and fail
            // at the first write, or say only "unable to open".
            if url.contains("mode=rwc") && !writable(url) {
                let path = sqlite_path(url);
                return Err(StoreError::Unavailable(format!(
                    "{} or its directory is read-only; the server writes the database, its WAL and its shared memory there",
                    path.display()
                )));
            }
            let mut o = ConnectOptions::new(url.as_str());
            o.min_connections(1).max_connections(SQLITE_FILE_POOL);
            o.map_sqlx_sqlite_opts(|o| {
                o.foreign_keys(true).busy_timeout(SQLITE_BUSY_TIMEOUT).journal_mode(SqliteJournalMode::Wal)
            });
            sqlite_pool_hooks(&mut o, commits, true);
            o
        }
        #[cfg(feature = "postgres")]
        Target::Postgres(url) => {
            use sea_orm::sqlx::postgres::PgSslMode;
            let mut o = ConnectOptions::new(url.as_str());
            o.max_connections(SERVER_POOL);
            let tls = options.clone();
            o.map_sqlx_postgres_opts(move |mut o| {
                if let Some(ca) = &tls.db_ca_cert {
                    o = o.ssl_root_cert(ca).ssl_mode(PgSslMode::VerifyFull);
                }
                if let (Some(cert), Some(key)) = (&tls.db_client_cert, &tls.db_client_key) {
                    o = o.ssl_client_cert(cert).ssl_client_key(key);
                }
                o
            });
            o
        }
        #[cfg(feature = "mysql")]
        Target::MySql(url) => {
            use sea_orm::sqlx::mysql::MySqlSslMode;
            let mut o = ConnectOptions::new(url.as_str());
            o.max_connections(SERVER_POOL);
            let tls = options.clone();
            o.map_sqlx_mysql_opts(move |mut o| {
                if let Some(ca) = &tls.db_ca_cert {
                    o = o.ssl_ca(ca).ssl_mode(MySqlSslMode::VerifyIdentity);
                }
                if let (Some(cert), Some(key)) = (&tls.db_client_cert, &tls.db_client_key) {
                    o = o.ssl_client_cert(cert).ssl_client_key(key);
                }
                o
            });
            o
        }
    };
    // SQLite has no TLS; the options are kept for server backends.
    let _ = options;
    opts.sqlx_logging(false);
    Database::connect(opts).await.map_err(|e| StoreError::Database(format!("cannot open the database: {e}")))
}

/// The file a SQLite URL names.
fn sqlite_path(url: &str) -> PathBuf {
    use std::str::FromStr;
    sea_orm::sqlx::sqlite::SqliteConnectOptions::from_str(url)
        .map(|o| o.get_filename().to_path_buf())
        .unwrap_or_else(|_| PathBuf::from(url))
}

/// Whether the SQLite file (and so its WAL and shared memory beside it) can be written: a
/// read-only file or file system makes SQLite's own error a bare "unable to open".
fn writable(url: &str) -> bool {
    let path = sqlite_path(url);
    let file_ok = std::fs::OpenOptions::new().read(true).write(true).open(&path).is_ok();
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(std::path::Path::new("."));
    let dir_ok = std::fs::metadata(dir).is_ok_and(|m| !m.permissions().readonly());
    file_ok && dir_ok
}

/// Creates a missing SQLite database file readable by its owner only (SQLite gives its WAL and
/// shared-memory files the same mode): it holds activation-code hashes and encrypted keys.
fn create_private(url: &str) -> Result<()> {
    use std::str::FromStr;
    let Ok(parsed) = sea_orm::sqlx::sqlite::SqliteConnectOptions::from_str(url) else { return Ok(()) };
    let path = parsed.get_filename();
    let mut file = std::fs::OpenOptions::new();
    file.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut file, 0o600);
    match file.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(StoreError::Database(format!("cannot create the database file {}: {e}", path.display()))),
    }
}

/// Counts every commit on every pooled SQLite connection (SQLite calls the hook for write
/// transactions only, explicit or one statement's); for a file, also closes connections a
/// failed transaction left unclean ([`released_cleanly`]).
fn sqlite_pool_hooks(o: &mut ConnectOptions, commits: Arc<AtomicU64>, file: bool) {
    o.map_sqlx_sqlite_pool_opts(move |pool| {
        let commits = commits.clone();
        let pool = pool.after_connect(move |conn, _| {
            let commits = commits.clone();
            Box::pin(async move {
                conn.lock_handle().await?.set_commit_hook(move || {
                    commits.fetch_add(1, Ordering::Relaxed);
                    true
                });
                Ok(())
            })
        });
        // Not for ":memory:": its one connection is the database.
        if file { pool.after_release(|conn, _| Box::pin(released_cleanly(conn))) } else { pool }
    });
}

/// Whether a SQLite connection goes back to the pool. When the disk fills up (or I/O fails)
/// SQLite may roll a whole transaction back by itself; sqlx still counts it open, so the
/// rollback it sends fails and every later transaction on that connection is a savepoint
/// inside a phantom one, whose failure keeps the write lock and locks the database for good.
/// Such a connection is closed (closing rolls back whatever is left), never reused.
async fn released_cleanly(conn: &mut sea_orm::sqlx::SqliteConnection) -> Result<bool, sea_orm::sqlx::Error> {
    use sea_orm::sqlx::Connection;
    if !conn.is_in_transaction() {
        return Ok(true);
    }
    // A dropped transaction queued its rollback. The worker runs commands in order: once this
    // answers, that rollback has run (or failed).
    conn.ping().await?;
    if conn.is_in_transaction() {
        tracing::warn!("a database connection still counts an open transaction after release; closing it");
        return Ok(false);
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_urls_get_create_mode_unless_they_say_otherwise() {
        let file = |u: &str| Some(Target::SqliteFile(u.into()));
        assert_eq!(parse_url("sqlite://a.db").ok(), file("sqlite://a.db?mode=rwc"));
        assert_eq!(parse_url("sqlite://a.db?cache=shared").ok(), file("sqlite://a.db?cache=shared&mode=rwc"));
        assert_eq!(parse_url("sqlite://a.db?mode=ro").ok(), file("sqlite://a.db?mode=ro"));
        assert_eq!(parse_url("sqlite::memory:").ok(), Some(Target::SqliteMemory("sqlite::memory:".into())));
    }

    #[cfg(not(any(feature = "postgres", feature = "mysql")))]
    #[test]
    fn server_urls_are_refused_without_their_feature() {
        for url in ["postgres://u:secret@h/db", "postgresql://h/db", "mysql://h/db", "mariadb://h/db"] {
            let err = parse_url(url).err();
            assert!(matches!(err, Some(StoreError::UnsupportedBackend(_))), "{url}");
            let msg = err.map(|e| e.to_string()).unwrap_or_default();
            assert!(msg.contains("use sqlite://") && !msg.contains("secret"), "{msg}");
        }
    }

    #[test]
    fn other_urls_are_bad() {
        for url in ["redis://h", "just-a-file.db", "sqlite://", "sqlite:", ""] {
            assert!(matches!(parse_url(url), Err(StoreError::BadUrl(_))), "{url}");
        }
    }
}
