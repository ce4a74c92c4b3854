//! Conformance cases for record_bootstrap (log, status, progress, outbox in one transaction),
//! log queries, the audit log and the outbox.

use sztp_store::*;

use crate::fixtures::{at, event, refused};

const T: TenantId = TenantId::DEFAULT;
const GBD: &str = BootstrapEvent::GET_BOOTSTRAPPING_DATA;
const RP: &str = BootstrapEvent::REPORT_PROGRESS;

fn all() -> LogQuery {
    LogQuery { descending: false, limit: 1_000, ..LogQuery::default() }
}

pub(crate) async fn record_bootstrap_tracks_a_whole_bootstrap(store: &Store) {
    let sn = Some("SN-1");
    store.record_bootstrap(&event(sn, 0, GBD, None)).await.unwrap();
    let s = store.device_status(T, "SN-1").await.unwrap().unwrap();
    assert_eq!((s.first_seen, s.last_seen, s.attempts), (Some(at(0)), Some(at(0)), 1));
    assert_eq!((s.stage, s.last_error, s.completed_at), (None, None, None));

    store.record_bootstrap(&event(sn, 1, RP, Some(("bootstrap-initiated", None)))).await.unwrap();
    store.record_bootstrap(&event(sn, 2, RP, Some(("config-error", Some("bad xml"))))).await.unwrap();
    let s = store.device_status(T, "SN-1").await.unwrap().unwrap();
    assert_eq!((s.stage.as_deref(), s.last_error.as_deref()), (Some("config-error"), Some("config-error: bad xml")));

    store.record_bootstrap(&event(sn, 3, GBD, None)).await.unwrap();
    let s = store.device_status(T, "SN-1").await.unwrap().unwrap();
    assert_eq!((s.attempts, s.last_error.is_some()), (2, true));
    store.record_bootstrap(&event(sn, 4, RP, Some(("bootstrap-initiated", None)))).await.unwrap();
    assert_eq!(store.device_status(T, "SN-1").await.unwrap().unwrap().last_error, None);

    let mut done = event(sn, 5, RP, Some(("bootstrap-complete", Some("all good"))));
    let keys = serde_json::json!([{ "algorithm": "ssh-ed25519", "key-data": "AAAAC3Nz" }]);
    if let Some(p) = done.progress.as_mut() {
        p.ssh_host_keys = Some(keys.clone());
        p.trust_anchor_certs = vec![vec![0x30, 0x80, 0, 0], vec![0x30, 0]];
    }
    store.record_bootstrap(&done).await.unwrap();
    let s = store.device_status(T, "SN-1").await.unwrap().unwrap();
    assert_eq!(
        s,
        DeviceStatus {
            serial: "SN-1".into(),
            first_seen: Some(at(0)),
            last_seen: Some(at(5)),
            attempts: 2,
            stage: Some("bootstrap-complete".into()),
            last_error: None,
            completed_at: Some(at(5)),
        }
    );

    let reports = store.progress_reports(T, "SN-1").await.unwrap();
    let types: Vec<_> = reports.iter().map(|(_, r)| r.progress_type.as_str()).collect();
    assert_eq!(types, ["bootstrap-initiated", "config-error", "bootstrap-initiated", "bootstrap-complete"]);
    assert_eq!(reports[3], (at(5), done.progress.clone().unwrap()));
    assert_eq!(reports[3].1.ssh_host_keys, Some(keys));

    let log = store.bootstrap_log(T, &LogQuery { serial: Some("SN-1".into()), ..all() }).await.unwrap();
    assert_eq!(log.len(), 6);
    assert_eq!((log[0].operation.as_str(), log[0].status, log[0].time), (GBD, 200, at(0)));
    assert_eq!(log[0].detail, Some(serde_json::json!({ "hw-model": "model-x", "n": 1 })));
    assert_eq!((log[2].progress_type.as_deref(), log[2].message.as_deref()), (Some("config-error"), Some("bad xml")));

    let events = store.outbox_pending(100).await.unwrap();
    assert_eq!(events.len(), 6);
    for ((_, topic, payload), entry) in events.iter().zip(&log) {
        assert_eq!(topic, "bootstrap");
        assert_eq!(payload["serial"], "SN-1");
        assert_eq!(payload["log_id"], entry.id);
    }
}

pub(crate) async fn unidentified_requests_are_logged_without_status(store: &Store) {
    let ev = BootstrapEvent { status: 401, outcome: "unauthorized".into(), ..event(None, 0, GBD, None) };
    store.record_bootstrap(&ev).await.unwrap();
    let log = store.bootstrap_log(T, &all()).await.unwrap();
    assert_eq!((log.len(), log[0].serial.as_deref(), log[0].status), (1, None, 401));
    assert!(store.list_device_status(T, 10, 0).await.unwrap().is_empty());
    assert_eq!(store.outbox_pending(10).await.unwrap().len(), 1);
}

pub(crate) async fn failed_requests_set_last_error(store: &Store) {
    let ev = refused(event(Some("SN-9"), 0, GBD, None), 404, "no response matched");
    store.record_bootstrap(&ev).await.unwrap();
    let s = store.device_status(T, "SN-9").await.unwrap().unwrap();
    assert_eq!((s.attempts, s.last_error.as_deref()), (1, Some("no response matched")));
    let statuses = store.list_device_status(T, 10, 0).await.unwrap();
    assert_eq!(statuses, vec![s]);
}

pub(crate) async fn log_queries_filter_and_page(store: &Store) {
    for i in 0..10 {
        store.record_bootstrap(&event(Some("SN-A"), i, GBD, None)).await.unwrap();
    }
    for i in 0..5 {
        store.record_bootstrap(&event(Some("SN-B"), 100 + i, GBD, None)).await.unwrap();
    }
    let newest = store.bootstrap_log(T, &LogQuery::default()).await.unwrap();
    assert_eq!((newest.len(), newest[0].time, newest[14].time), (15, at(104), at(0)));

    let window = LogQuery { serial: Some("SN-A".into()), since: Some(at(3)), until: Some(at(7)), ..all() };
    let times: Vec<_> = store.bootstrap_log(T, &window).await.unwrap().iter().map(|e| e.time).collect();
    assert_eq!(times, [at(3), at(4), at(5), at(6)]);
    let page = LogQuery { limit: 2, offset: 1, ..window.clone() };
    let times: Vec<_> = store.bootstrap_log(T, &page).await.unwrap().iter().map(|e| e.time).collect();
    assert_eq!(times, [at(4), at(5)]);
    let back = LogQuery { descending: true, ..page };
    let times: Vec<_> = store.bootstrap_log(T, &back).await.unwrap().iter().map(|e| e.time).collect();
    assert_eq!(times, [at(5), at(4)]);

    let acme = store.create_tenant("acme").await.unwrap().id;
    assert!(store.bootstrap_log(acme, &all()).await.unwrap().is_empty());
    assert_eq!(store.list_device_status(T, 1, 1).await.unwrap()[0].serial, "SN-B");
    let range = |first: &'static str, last: &'static str| async move {
        store.device_status_range(T, first, last).await.unwrap().into_iter().map(|s| s.serial).collect::<Vec<_>>()
    };
    assert_eq!(range("SN-A", "SN-B").await, ["SN-A", "SN-B"]);
    assert_eq!(range("SN-B", "SN-Z").await, ["SN-B"]);
    assert!(range("SN-0", "SN-9").await.is_empty());
}

fn audit(seconds: i64, status: u16) -> AuditRecord {
    AuditRecord {
        tenant: T,
        time: at(seconds),
        principal: Some("admin".into()),
        source: "127.0.0.1:40000".into(),
        api: "native".into(),
        method: "PUT".into(),
        path: "/restconf/data/sztp:devices/device=SN-1".into(),
        status,
    }
}

pub(crate) async fn audit_records_are_logged_and_queued(store: &Store) {
    store.append_audit(&audit(0, 201)).await.unwrap();
    store.append_audit(&AuditRecord { principal: None, ..audit(1, 401) }).await.unwrap();
    let log = store.audit_log(T, &LogQuery::default()).await.unwrap();
    assert_eq!(log.len(), 2);
    assert_eq!(log[0].1, AuditRecord { principal: None, ..audit(1, 401) });
    assert_eq!(log[1].1, audit(0, 201));
    assert!(log[0].0 > log[1].0);
    let since = LogQuery { since: Some(at(1)), ..LogQuery::default() };
    assert_eq!(store.audit_log(T, &since).await.unwrap().len(), 1);
    let events = store.outbox_pending(10).await.unwrap();
    assert!(events.iter().all(|(_, topic, p)| topic == "audit" && p["api"] == "native"));
    assert_eq!(events.len(), 2);
}

pub(crate) async fn outbox_delivers_each_event_once(store: &Store) {
    for i in 0..3 {
        store.enqueue_event(T, "certificate-expiry", &serde_json::json!({ "n": i })).await.unwrap();
    }
    let pending = store.outbox_pending(10).await.unwrap();
    assert_eq!(pending.iter().map(|(_, _, p)| p["n"].as_i64().unwrap()).collect::<Vec<_>>(), [0, 1, 2]);
    let ids: Vec<i64> = pending.iter().map(|(id, _, _)| *id).collect();
    store.outbox_mark_delivered(&ids[..2]).await.unwrap();
    store.outbox_mark_delivered(&ids[..2]).await.unwrap();
    let left = store.outbox_pending(10).await.unwrap();
    assert_eq!(left.iter().map(|(id, _, _)| *id).collect::<Vec<_>>(), [ids[2]]);
    let purged =
        store.outbox_purge_delivered(time::OffsetDateTime::now_utc() + time::Duration::hours(1)).await.unwrap();
    assert_eq!(purged, 2);
    assert_eq!(store.outbox_pending(10).await.unwrap().len(), 1);
    assert!(matches!(store.enqueue_event(T, "", &serde_json::Value::Null).await, Err(StoreError::Invalid(_))));
    store.outbox_mark_delivered(&[]).await.unwrap();
}

pub(crate) async fn concurrent_reports_count_every_attempt(store: &Store) {
    let mut tasks = Vec::new();
    for i in 0..40 {
        let store = store.clone();
        let serial = if i % 4 == 0 { format!("SN-{i}") } else { "SN-hot".to_owned() };
        tasks.push(tokio::spawn(async move { store.record_bootstrap(&event(Some(&serial), i, GBD, None)).await }));
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    assert_eq!(store.device_status(T, "SN-hot").await.unwrap().unwrap().attempts, 30);
    assert_eq!(store.bootstrap_log(T, &all()).await.unwrap().len(), 40);
    assert_eq!(store.outbox_pending(100).await.unwrap().len(), 40);
    assert_eq!(store.list_device_status(T, 100, 0).await.unwrap().len(), 11);
}

/// Retention: records before the cutoff go in batches, oldest first; newer ones, device status
/// and undelivered events stay.
/// Beyond a table's row budget, the oldest rows go, in batches; the newest `budget` stay.
pub(crate) async fn log_records_beyond_the_row_budget_are_pruned_in_batches(store: &Store) {
    const PROGRESS: &str = BootstrapEvent::REPORT_PROGRESS;
    for i in 0..10 {
        store.record_bootstrap(&event(Some("SN-B"), i, PROGRESS, Some(("informational", Some("m"))))).await.unwrap();
        store.append_audit(&audit(i, 204)).await.unwrap();
    }
    assert_eq!(store.prune_logs_over(10, 100).await.unwrap().total(), 0, "within the budget");
    let mut rounds = Vec::new();
    loop {
        let pruned = store.prune_logs_over(4, 2).await.unwrap();
        if pruned.total() == 0 {
            break;
        }
        rounds.push(pruned);
    }
    let sum = |f: fn(&Pruned) -> u64| rounds.iter().map(f).sum::<u64>();
    assert_eq!((sum(|p| p.bootstrap_log), sum(|p| p.progress), sum(|p| p.audit)), (6, 6, 6));
    assert!(rounds.iter().all(|p| p.bootstrap_log <= 2 && p.audit <= 2), "{rounds:?}");
    let log = store.bootstrap_log(T, &all()).await.unwrap();
    assert_eq!(log.iter().map(|e| e.time).min(), Some(at(6)), "the newest four stay");
    assert_eq!(store.progress_reports(T, "SN-B").await.unwrap().len(), 4);
    assert_eq!(store.audit_log(T, &LogQuery::default()).await.unwrap().len(), 4);
    assert_eq!(sum(|p| p.outbox), 0, "undelivered events are kept");
}

pub(crate) async fn old_log_records_are_pruned_in_batches(store: &Store) {
    const PROGRESS: &str = BootstrapEvent::REPORT_PROGRESS;
    for i in 0..10 {
        store.record_bootstrap(&event(Some("SN-R"), i, PROGRESS, Some(("informational", Some("m"))))).await.unwrap();
        store.append_audit(&audit(i, 204)).await.unwrap();
    }
    let mut rounds = Vec::new();
    loop {
        let pruned = store.prune_logs_before(at(5), 3).await.unwrap();
        if pruned.total() == 0 {
            break;
        }
        rounds.push(pruned);
    }
    let sum = |f: fn(&Pruned) -> u64| rounds.iter().map(f).sum::<u64>();
    assert_eq!((sum(|p| p.bootstrap_log), sum(|p| p.progress), sum(|p| p.audit)), (5, 5, 5));
    assert!(rounds.iter().all(|p| p.bootstrap_log <= 3 && p.audit <= 3), "{rounds:?}");
    let log = store.bootstrap_log(T, &all()).await.unwrap();
    assert_eq!(log.iter().map(|e| e.time).min(), Some(at(5)));
    assert_eq!(store.progress_reports(T, "SN-R").await.unwrap().len(), 5);
    assert_eq!(store.audit_log(T, &LogQuery::default()).await.unwrap().len(), 5);
    assert_eq!(store.device_status(T, "SN-R").await.unwrap().map(|s| s.attempts), Some(0), "status stays");
    // Events: only delivered ones are pruned (these were written at `now`, after the cutoff
    // of the far future used here).
    let pending = store.outbox_pending(100).await.unwrap();
    let far = time::OffsetDateTime::now_utc() + time::Duration::days(1);
    let delivered: Vec<i64> = pending.iter().take(2).map(|(id, _, _)| *id).collect();
    store.outbox_mark_delivered(&delivered).await.unwrap();
    let pruned = store.prune_logs_before(far, 100).await.unwrap();
    assert_eq!(pruned.outbox, 2);
    assert_eq!(store.outbox_pending(100).await.unwrap().len(), pending.len() - 2);
}

/// Many requests' records in one group come out as if each had been written alone: every log row
/// in order, each device's status with every attempt counted, progress reports, audit records.
pub(crate) async fn grouped_request_records_match_one_by_one(store: &Store) {
    let sn = Some("SN-1");
    let first = [event(sn, 0, GBD, None)];
    let second = [event(sn, 1, RP, Some(("bootstrap-initiated", None))), event(Some("SN-2"), 1, GBD, None)];
    let third = [event(sn, 2, GBD, None), event(sn, 3, RP, Some(("bootstrap-complete", Some("done"))))];
    let nobody = [event(None, 4, GBD, None)];
    let audits = [audit(0, 200), audit(1, 204), audit(2, 204), audit(4, 401)];
    let records: Vec<RequestRecords<'_>> = [&first[..], &second[..], &third[..], &nobody[..]]
        .into_iter()
        .zip(&audits)
        .map(|(events, audit)| RequestRecords { events, audit })
        .collect();
    store.record_requests(&records).await.unwrap();

    let s = store.device_status(T, "SN-1").await.unwrap().unwrap();
    assert_eq!((s.first_seen, s.last_seen, s.attempts), (Some(at(0)), Some(at(3)), 2));
    assert_eq!((s.stage.as_deref(), s.completed_at), (Some("bootstrap-complete"), Some(at(3))));
    assert_eq!(store.device_status(T, "SN-2").await.unwrap().unwrap().attempts, 1);
    let reports = store.progress_reports(T, "SN-1").await.unwrap();
    let types: Vec<_> = reports.iter().map(|(_, r)| r.progress_type.as_str()).collect();
    assert_eq!(types, ["bootstrap-initiated", "bootstrap-complete"]);
    let log = store.bootstrap_log(T, &all()).await.unwrap();
    let rows: Vec<_> = log.iter().map(|e| (e.time, e.serial.as_deref(), e.operation.as_str())).collect();
    assert_eq!(
        rows,
        [
            (at(0), sn, GBD),
            (at(1), sn, RP),
            (at(1), Some("SN-2"), GBD),
            (at(2), sn, GBD),
            (at(3), sn, RP),
            (at(4), None, GBD)
        ]
    );
    assert_eq!(log[4].progress_type.as_deref(), Some("bootstrap-complete"));
    assert_eq!(store.audit_log(T, &all()).await.unwrap().len(), 4);
}
