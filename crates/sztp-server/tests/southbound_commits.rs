//! One southbound request is one database commit: its bootstrapping-log record, the device's
//! status and progress and the audit record go in together (SQLite's commit
//! hook counts them, through `Store::commit_count`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use support::{Demo, GBD, JSON, PROGRESS, post};
use sztp_store::{LogQuery, TenantId};

async fn commits_of<F: std::future::Future<Output = u16>>(demo: &Demo, request: F) -> (u64, u16) {
    let before = demo.store.commit_count();
    let status = request.await;
    (demo.store.commit_count() - before, status)
}

#[tokio::test]
async fn every_southbound_request_is_one_commit() {
    let demo = Demo::start(2).await;
    let client = demo.client(Some("SN-0001"));
    let signed = br#"{"ietf-sztp-bootstrap-server:input":{"signed-data-preferred":[null]}}"#.to_vec();
    let gbd = async { post(&client, &demo.url(GBD), None, Some(JSON), None, signed.clone()).await.0 };
    assert_eq!(commits_of(&demo, gbd).await, (1, 200), "signed get-bootstrapping-data");

    let report = br#"{"ietf-sztp-bootstrap-server:input":{"progress-type":"bootstrap-initiated"}}"#.to_vec();
    let progress = async { post(&client, &demo.url(PROGRESS), None, Some(JSON), None, report.clone()).await.0 };
    assert_eq!(commits_of(&demo, progress).await, (1, 204), "report-progress");

    let bad = async { post(&client, &demo.url(PROGRESS), None, Some(JSON), None, b"{".to_vec()).await.0 };
    assert_eq!(commits_of(&demo, bad).await, (1, 400), "a refused report");

    let stranger = demo.client(None);
    let unknown = async { post(&stranger, &demo.url(GBD), Some(("SN-9999", "nope")), None, None, Vec::new()).await.0 };
    assert_eq!(commits_of(&demo, unknown).await, (0, 401), "an unauthenticated request is counted, not stored");
    assert_eq!(demo.app.unauthenticated_requests(), 1);

    // What the single commits wrote: the records carry the statuses the devices were sent.
    let log =
        demo.store.bootstrap_log(TenantId::DEFAULT, &LogQuery { limit: 10, ..LogQuery::default() }).await.unwrap();
    let statuses: Vec<u16> = log.iter().map(|e| e.status).collect();
    assert_eq!(statuses, [400, 204, 200], "newest first");
    let status = demo.store.device_status(TenantId::DEFAULT, "SN-0001").await.unwrap().unwrap();
    assert_eq!((status.attempts, status.stage.as_deref()), (1, Some("bootstrap-initiated")));
    assert!(status.last_error.as_deref().is_some_and(|e| e.starts_with("bad report")), "{status:?}");
    let audit = demo.store.audit_log(TenantId::DEFAULT, &LogQuery { limit: 10, ..LogQuery::default() }).await.unwrap();
    assert_eq!(audit.iter().map(|(_, a)| a.status).collect::<Vec<_>>(), [400, 204, 200]);
    demo.stop().await;
}

/// A report is answered 204 only once it is stored: when the commit fails (here a trigger that
/// refuses bootstrapping-log rows, standing in for a full disk), the device gets a 500 and
/// reports again; nothing of the request is kept.
#[tokio::test]
async fn a_report_whose_commit_fails_is_a_500_not_a_204() {
    let demo = Demo::start(1).await;
    let db = demo.path().join("sztp.db");
    let sql = |statement: &str| {
        let script =
            format!("import sqlite3, sys\nc = sqlite3.connect(sys.argv[1])\nc.execute({statement:?})\nc.commit()");
        let status = std::process::Command::new("python3").arg("-c").arg(script).arg(&db).status().expect("python3");
        assert!(status.success());
    };
    sql("CREATE TRIGGER refuse BEFORE INSERT ON bootstrap_log BEGIN SELECT RAISE(ABORT, 'disk full'); END");
    let client = demo.client(Some("SN-0001"));
    let report = br#"{"ietf-sztp-bootstrap-server:input":{"progress-type":"bootstrap-initiated"}}"#.to_vec();
    let (status, _, body) = post(&client, &demo.url(PROGRESS), None, Some(JSON), None, report.clone()).await;
    assert_eq!(status, 500, "{}", String::from_utf8_lossy(&body));
    assert!(String::from_utf8_lossy(&body).contains("could not be recorded"));
    assert_eq!(demo.store.device_status(TenantId::DEFAULT, "SN-0001").await.unwrap(), None, "nothing kept");

    sql("DROP TRIGGER refuse");
    let (status, _, _) = post(&client, &demo.url(PROGRESS), None, Some(JSON), None, report).await;
    assert_eq!(status, 204, "the retry is stored");
    demo.stop().await;
}

/// Requests finishing together share a commit, yet each 204 still means its own report is stored:
/// after a burst of concurrent reports from two devices, every one is in the log, in the device's
/// progress, and counted in no more commits than there were requests.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_reports_are_each_stored_before_their_204() {
    const EACH: usize = 24;
    let demo = Demo::start(2).await;
    let before = demo.store.commit_count();
    let mut tasks = tokio::task::JoinSet::new();
    for serial in ["SN-0001", "SN-0002"] {
        let client = demo.client(Some(serial));
        for n in 0..EACH {
            let (client, url) = (client.clone(), demo.url(PROGRESS));
            let body = format!(
                r#"{{"ietf-sztp-bootstrap-server:input":{{"progress-type":"informational","message":"{n}"}}}}"#
            );
            tasks.spawn(async move { post(&client, &url, None, Some(JSON), None, body).await.0 });
        }
    }
    while let Some(status) = tasks.join_next().await {
        assert_eq!(status.unwrap(), 204);
    }
    let commits = demo.store.commit_count() - before;
    assert!((1..=2 * EACH as u64).contains(&commits), "{commits} commits for {} requests", 2 * EACH);
    for serial in ["SN-0001", "SN-0002"] {
        let reports = demo.store.progress_reports(TenantId::DEFAULT, serial).await.unwrap();
        let mut messages: Vec<usize> =
            reports.iter().map(|(_, r)| r.message.as_deref().unwrap().parse().unwrap()).collect();
        messages.sort_unstable();
        assert_eq!(messages, (0..EACH).collect::<Vec<_>>(), "{serial}: every report stored once");
    }
    let query = LogQuery { limit: 1_000, ..LogQuery::default() };
    assert_eq!(demo.store.bootstrap_log(TenantId::DEFAULT, &query).await.unwrap().len(), 2 * EACH);
    assert_eq!(demo.store.audit_log(TenantId::DEFAULT, &query).await.unwrap().len(), 2 * EACH);
    demo.stop().await;
}
