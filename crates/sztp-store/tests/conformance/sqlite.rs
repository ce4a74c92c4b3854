//! SQLite-only cases: URL handling, file creation, reopening, in-memory lifetime.

use sztp_store::*;

use crate::fixtures::{device, device_type};

#[cfg(not(any(feature = "postgres", feature = "mysql")))]
#[tokio::test]
async fn server_database_urls_are_refused_until_supported() {
    for url in ["postgres://u:secret@db/sztp", "postgresql://db/sztp", "mysql://db/sztp", "mariadb://db/sztp"] {
        let err = Store::open(url, &OpenOptions::default()).await.unwrap_err();
        assert!(matches!(err, StoreError::UnsupportedBackend(_)), "{url}: {err}");
        let text = err.to_string();
        assert!(text.contains("later release") && text.contains("sqlite://") && !text.contains("secret"), "{text}");
    }
}

#[tokio::test]
async fn unknown_database_urls_are_bad() {
    for url in ["ftp://x/y", "sztp.db", "", "sqlite://"] {
        let err = Store::open(url, &OpenOptions::default()).await.unwrap_err();
        assert!(matches!(err, StoreError::BadUrl(_)), "{url}: {err}");
    }
}

#[tokio::test]
async fn a_file_database_is_created_and_reopened_without_rerunning_migrations() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("new.db");
    let url = format!("sqlite://{}", path.display());
    let options = OpenOptions { db_ca_cert: Some("/etc/ca.pem".into()), ..OpenOptions::default() };
    let store = Store::open(&url, &options).await.unwrap();
    assert!(path.exists());
    // It holds hashes and encrypted keys: readable by its owner only, WAL files included.
    #[cfg(unix)]
    for file in ["new.db", "new.db-wal", "new.db-shm"] {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(dir.path().join(file)).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{file}: {mode:o}");
    }
    assert_eq!(store.options(), &options);
    let version = store.schema_version().await.unwrap();
    store.put_device_type(TenantId::DEFAULT, &device_type("switch")).await.unwrap();
    store.put_device(TenantId::DEFAULT, &device("SN-1", "switch")).await.unwrap();
    store.create_tenant("acme").await.unwrap();
    store.close().await.unwrap();

    let again = Store::open(&url, &OpenOptions::default()).await.unwrap();
    assert_eq!(again.schema_version().await.unwrap(), version);
    assert_eq!(again.list_tenants().await.unwrap().len(), 2);
    assert_eq!(again.get_device(TenantId::DEFAULT, "SN-1").await.unwrap(), Some(device("SN-1", "switch")));
}

#[tokio::test]
async fn a_memory_database_outlives_idle_periods_and_clones() {
    let store = Store::open("sqlite::memory:", &OpenOptions::default()).await.unwrap();
    store.create_tenant("acme").await.unwrap();
    let clone = store.clone();
    drop(store);
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    assert!(clone.tenant_by_name("acme").await.unwrap().is_some());
}

#[tokio::test]
async fn a_database_at_schema_1_is_migrated_to_the_latest_schema_on_open() {
    use sea_orm::ConnectionTrait as _;
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("old.db").display());
    let store = Store::open(&url, &OpenOptions::default()).await.unwrap();
    store.put_device_type(TenantId::DEFAULT, &device_type("switch")).await.unwrap();
    store.close().await.unwrap();

    // Take the database back to what the first release left behind: m0001 only.
    let raw = sea_orm::Database::connect(format!("{url}?mode=rw")).await.unwrap();
    for sql in [
        "DROP TABLE administrators",
        "DROP TABLE preferences",
        "ALTER TABLE endpoints DROP COLUMN behind_tls_terminator",
        "ALTER TABLE endpoints DROP COLUMN limits",
        "DROP TABLE artifact_blobs",
        "DROP TABLE artifact_chunks",
        "ALTER TABLE artifacts DROP COLUMN blob_id",
        "ALTER TABLE artifacts ADD COLUMN content BLOB NOT NULL DEFAULT x''",
        "DELETE FROM seaql_migrations WHERE version <> 'm0001_initial_schema'",
    ] {
        raw.execute_unprepared(sql).await.unwrap();
    }
    raw.close().await.unwrap();

    let again = Store::open(&url, &OpenOptions::default()).await.unwrap();
    assert_eq!(again.schema_version().await.unwrap(), 7);
    assert_eq!(again.get_device_type(TenantId::DEFAULT, "switch").await.unwrap(), Some(device_type("switch")));
    assert_eq!(again.get_preferences().await.unwrap(), Preferences::default());
    assert!(again.list_administrators().await.unwrap().is_empty());
    again.close().await.unwrap();
}

#[tokio::test]
async fn grouped_request_records_use_multi_row_inserts_without_events() {
    // Without the outbox, groups take the multi-row path; it must record the same as one by one.
    let store = Store::open("sqlite::memory:", &OpenOptions::default()).await.unwrap();
    crate::logs::grouped_request_records_match_one_by_one(&store).await;
}
