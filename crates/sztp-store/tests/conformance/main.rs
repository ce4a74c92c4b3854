//! Store conformance suite: every case runs on each backend (SQLite memory and file; PostgreSQL
//! and MySQL/MariaDB with the `postgres`/`mysql` features and SZTP_TEST_*_URL set).
#![allow(clippy::unwrap_used)]

mod admins;
mod config;
mod devices;
mod fixtures;
mod logs;
mod sqlite;
mod tenants;
mod uow;

use sztp_store::{OpenOptions, Store};

/// A store plus whatever must live as long as it (a temporary directory or database).
pub(crate) struct TestDb {
    pub(crate) store: Store,
    _dir: Option<tempfile::TempDir>,
    #[cfg_attr(not(any(feature = "postgres", feature = "mysql")), allow(dead_code))]
    server: Option<(sea_orm::DatabaseConnection, String)>,
}

impl TestDb {
    /// Closes the store and drops a server database made for the test.
    pub(crate) async fn finish(self) {
        self.store.close().await.unwrap();
        if let Some((admin, name)) = self.server {
            use sea_orm::ConnectionTrait as _;
            admin.execute_unprepared(&format!("DROP DATABASE {name}")).await.unwrap();
        }
    }
}

pub(crate) async fn sqlite_memory() -> Option<TestDb> {
    let store = Store::open("sqlite::memory:", &OpenOptions { events: true, ..OpenOptions::default() }).await.unwrap();
    Some(TestDb { store, _dir: None, server: None })
}

pub(crate) async fn sqlite_file() -> Option<TestDb> {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("sztp.db").display());
    let store = Store::open(&url, &OpenOptions { events: true, ..OpenOptions::default() }).await.unwrap();
    Some(TestDb { store, _dir: Some(dir), server: None })
}

/// A fresh database on the server named by `var` (e.g. `postgres://postgres@127.0.0.1/test`), or
/// `None` (test skipped) when the variable is unset.
#[cfg(any(feature = "postgres", feature = "mysql"))]
async fn server_db(var: &str) -> Option<TestDb> {
    use sea_orm::ConnectionTrait as _;
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(0);

    let Ok(base) = std::env::var(var) else {
        eprintln!("skipped: {var} is not set");
        return None;
    };
    let admin = sea_orm::Database::connect(base.as_str()).await.unwrap();
    let stamp = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos();
    let name = format!("sztp_store_{}_{}_{stamp}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed));
    admin.execute_unprepared(&format!("CREATE DATABASE {name}")).await.unwrap();
    let (without_query, query) = base.split_once('?').map_or((base.as_str(), ""), |(a, q)| (a, q));
    let prefix = without_query.rsplit_once('/').map_or(without_query, |(p, _)| p);
    let url = if query.is_empty() { format!("{prefix}/{name}") } else { format!("{prefix}/{name}?{query}") };
    let store = Store::open(&url, &OpenOptions { events: true, ..OpenOptions::default() }).await.unwrap();
    Some(TestDb { store, _dir: None, server: Some((admin, name)) })
}

#[cfg(feature = "postgres")]
pub(crate) async fn postgres() -> Option<TestDb> {
    server_db("SZTP_TEST_POSTGRES_URL").await
}

#[cfg(feature = "mysql")]
pub(crate) async fn mysql() -> Option<TestDb> {
    server_db("SZTP_TEST_MYSQL_URL").await
}

/// Instantiates every conformance case for one backend.
macro_rules! conformance {
    ($backend:ident, $open:path) => {
        mod $backend {
            conformance!(@cases $open;
                admins::administrators_round_trip,
                admins::unrestricted_administrators_are_counted_and_guarded,
                admins::login_failures_lock_at_the_threshold,
                admins::concurrent_login_failures_lock_exactly_once,
                admins::racing_login_attempts_check_at_most_the_threshold,
                admins::preferences_have_defaults_and_round_trip,
                config::default_tenant_exists,
                config::tenant_names_are_unique,
                config::endpoints_round_trip_and_notify_changes,
                config::keys_round_trip_per_tenant,
                config::trust_bags_keep_their_certificates_in_order,
                config::owner_certificates_round_trip,
                config::vouchers_round_trip,
                config::artifacts_keep_large_content_and_list_without_it,
                config::artifacts_stream_in_chunks_and_old_content_is_collected,
                config::responses_round_trip_as_json,
                config::writes_for_a_missing_tenant_are_not_found,
                devices::device_types_round_trip_all_rule_forms,
                devices::devices_need_an_existing_device_type,
                devices::devices_round_trip_and_page_by_serial,
                devices::device_with_type_reads_both_or_nothing,
                devices::a_device_type_in_use_cannot_be_deleted,
                devices::bulk_import_reports_each_item,
                devices::bulk_import_replaces_existing_devices,
                devices::tenants_do_not_see_each_other,
                devices::bulk_import_of_10k_devices,
                logs::record_bootstrap_tracks_a_whole_bootstrap,
                logs::unidentified_requests_are_logged_without_status,
                logs::failed_requests_set_last_error,
                logs::old_log_records_are_pruned_in_batches,
                logs::log_records_beyond_the_row_budget_are_pruned_in_batches,
                logs::log_queries_filter_and_page,
                logs::audit_records_are_logged_and_queued,
                logs::outbox_delivers_each_event_once,
                logs::concurrent_reports_count_every_attempt,
                logs::grouped_request_records_match_one_by_one,
                tenants::deleting_a_tenant_removes_everything_it_owns,
                tenants::writes_racing_a_tenant_deletion_leave_nothing_behind,
                uow::a_unit_of_work_commits_everything_or_nothing,
                uow::endpoint_watchers_hear_of_committed_changes_only,
                uow::concurrent_units_of_work_do_not_both_create,
            );
        }
    };
    (@cases $open:path; $($module:ident :: $case:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() {
                let Some(db) = $open().await else { return };
                crate::$module::$case(&db.store).await;
                db.finish().await;
            }
        )*
    };
}

conformance!(sqlite_memory, crate::sqlite_memory);
conformance!(sqlite_file, crate::sqlite_file);
#[cfg(feature = "postgres")]
conformance!(postgres, crate::postgres);
#[cfg(feature = "mysql")]
conformance!(mysql, crate::mysql);
