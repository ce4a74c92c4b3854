//! What one request can make the store keep: free text is clipped to a few KiB, and the event
//! outbox is not written unless something delivers it (`OpenOptions::events`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use sztp_store::{AuditRecord, BootstrapEvent, LogQuery, OpenOptions, ProgressReport, Store, TenantId};
use time::OffsetDateTime;

fn huge(c: char) -> String {
    std::iter::repeat_n(c, 100_000).collect()
}

#[tokio::test]
async fn log_text_is_clipped_and_no_outbox_is_written_by_default() {
    let store = Store::open("sqlite::memory:", &OpenOptions::default()).await.unwrap();
    let progress = ProgressReport {
        progress_type: "config-error".into(),
        message: Some(huge('m')),
        ssh_host_keys: None,
        trust_anchor_certs: Vec::new(),
    };
    let event = BootstrapEvent {
        tenant: TenantId::DEFAULT,
        serial: Some("SN-1".into()),
        time: OffsetDateTime::now_utc(),
        source: "192.0.2.1:4000".into(),
        operation: BootstrapEvent::REPORT_PROGRESS.into(),
        status: 204,
        outcome: huge('o'),
        progress: Some(progress),
        detail: Some(serde_json::json!({ "input": huge('d') })),
        change: Default::default(),
    };
    store.record_bootstrap(&event).await.unwrap();
    let audit = AuditRecord {
        tenant: TenantId::DEFAULT,
        time: OffsetDateTime::now_utc(),
        principal: Some(huge('p')),
        source: huge('s'),
        api: "rfc8572".into(),
        method: "POST".into(),
        path: huge('/'),
        status: 204,
    };
    store.append_audit(&audit).await.unwrap();

    let log = store.bootstrap_log(TenantId::DEFAULT, &LogQuery::default()).await.unwrap();
    let entry = &log[0];
    assert!(entry.outcome.len() <= 2048 && entry.message.as_ref().unwrap().len() <= 2048, "{}", entry.outcome.len());
    assert!(entry.detail.as_ref().unwrap().to_string().len() <= 8192);
    let (_, kept) = &store.audit_log(TenantId::DEFAULT, &LogQuery::default()).await.unwrap()[0];
    assert!(kept.path.len() <= 2048 && kept.principal.as_ref().unwrap().len() <= 255 && kept.source.len() <= 255);
    assert!(store.outbox_pending(10).await.unwrap().is_empty(), "nothing delivers events: none are queued");
}
