//! Conformance cases for deleting a tenant: everything carrying its id goes in one transaction,
//! the other tenants keep theirs, and the refusals change nothing.

use sztp_store::*;

use crate::fixtures::{at, bare_device, device_type, event, onboarding};

fn all() -> LogQuery {
    LogQuery { descending: false, limit: 1_000, ..LogQuery::default() }
}

fn admin(login: &str, tenants: &[&str]) -> Administrator {
    Administrator {
        login: login.to_owned(),
        email: format!("{login}@example.com"),
        password_hash: Some("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".to_owned()),
        client_cert_der: None,
        access_level: AccessLevel::ReadWrite,
        tenants: tenants.iter().map(|t| (*t).to_owned()).collect(),
        failed_logins: 0,
        locked_until: None,
        password_changed_at: None,
        last_login: None,
    }
}

fn audit_record(tenant: TenantId, path: &str) -> AuditRecord {
    AuditRecord {
        tenant,
        time: at(10),
        principal: Some("root".to_owned()),
        source: "127.0.0.1:50000".to_owned(),
        api: "native".to_owned(),
        method: "GET".to_owned(),
        path: path.to_owned(),
        status: 200,
    }
}

/// One of every tenant-owned record, device log entries, an audit record and a queued event.
async fn populate(store: &Store, t: TenantId, endpoint: &str) {
    let key = StoredKey {
        name: "owner-key".into(),
        algorithm: "p256".into(),
        public_key_der: vec![1, 2, 3],
        sealed_private_key: vec![4; 40],
        created_at: at(0),
    };
    store.put_key(t, &key).await.unwrap();
    let bag = TrustBag { name: "manufacturer-roots".into(), description: None, certificates_der: vec![vec![7; 9]] };
    store.put_trust_bag(t, &bag).await.unwrap();
    let oc = OwnerCertificate { name: "owner".into(), key: "owner-key".into(), cert_chain_pem: "PEM".into() };
    store.put_owner_certificate(t, &oc).await.unwrap();
    let voucher = StoredVoucher { serial: "SN-1".into(), cms_der: vec![0x30, 0], expires_at: None };
    store.put_voucher(t, &voucher).await.unwrap();
    let artifact = Artifact {
        name: "os.img".into(),
        media_type: "application/octet-stream".into(),
        sha256: vec![0xab; 32],
        size: 100,
        content: vec![9; 100],
    };
    store.put_artifact(t, &artifact).await.unwrap();
    store.put_response(t, &onboarding()).await.unwrap();
    store.put_device_type(t, &device_type("switch")).await.unwrap();
    store.put_device(t, &bare_device("SN-1", "switch")).await.unwrap();
    let ep = Endpoint {
        name: endpoint.to_owned(),
        tenant_id: t,
        address: "127.0.0.1".into(),
        port: 0,
        tls: None,
        apis: vec!["rfc8572".into()],
        external_address: None,
        enabled: true,
        behind_tls_terminator: false,
        limits: Default::default(),
    };
    store.put_endpoint(&ep).await.unwrap();
    let mut seen = event(Some("SN-1"), 0, BootstrapEvent::GET_BOOTSTRAPPING_DATA, None);
    seen.tenant = t;
    store.record_bootstrap(&seen).await.unwrap();
    let mut report = event(Some("SN-1"), 1, BootstrapEvent::REPORT_PROGRESS, Some(("bootstrap-initiated", None)));
    report.tenant = t;
    store.record_bootstrap(&report).await.unwrap();
    store.append_audit(&audit_record(t, "/restconf/data/sztp-server:tenants")).await.unwrap();
    store.enqueue_event(t, "config", &serde_json::json!({ "tenant": t.0 })).await.unwrap();
}

/// Counts the records [`populate`] makes, for tenant `t`.
async fn records(store: &Store, t: TenantId) -> usize {
    let endpoints = store.list_endpoints().await.unwrap().into_iter().filter(|e| e.tenant_id == t).count();
    [
        store.list_keys(t).await.unwrap().len(),
        store.list_trust_bags(t).await.unwrap().len(),
        store.list_owner_certificates(t).await.unwrap().len(),
        store.list_vouchers(t, 10, 0).await.unwrap().len(),
        store.list_artifacts(t).await.unwrap().len(),
        store.list_responses(t).await.unwrap().len(),
        store.list_device_types(t).await.unwrap().len(),
        store.list_devices(t, 10, 0).await.unwrap().len(),
        endpoints,
        store.list_device_status(t, 10, 0).await.unwrap().len(),
        store.progress_reports(t, "SN-1").await.unwrap().len(),
        store.bootstrap_log(t, &all()).await.unwrap().len(),
        store.audit_log(t, &all()).await.unwrap().len(),
    ]
    .iter()
    .sum()
}

/// What [`populate`] makes: 9 configuration records, 1 status, 1 progress report, 2 log
/// entries and 1 audit record.
const POPULATED: usize = 14;

pub(crate) async fn deleting_a_tenant_removes_everything_it_owns(store: &Store) {
    let acme = store.create_tenant("acme").await.unwrap();
    populate(store, TenantId::DEFAULT, "default-sbi").await;
    populate(store, acme.id, "acme-sbi").await;
    assert_eq!(records(store, acme.id).await, POPULATED);
    let pending_before = store.outbox_pending(1_000).await.unwrap().len();

    // Refused while an administrator's scope lists it: nothing changes.
    store.put_administrator(&admin("root", &[])).await.unwrap();
    store.put_administrator(&admin("zed", &["default", "acme"])).await.unwrap();
    store.put_administrator(&admin("amy", &["acme"])).await.unwrap();
    let err = store.delete_tenant(acme.id).await.unwrap_err();
    let StoreError::Refused(message) = &err else { panic!("{err}") };
    assert!(message.contains("'acme'") && message.contains("'amy', 'zed'"), "{message}");
    assert_eq!(store.get_tenant(acme.id).await.unwrap(), Some(acme.clone()));
    assert_eq!(records(store, acme.id).await, POPULATED);
    assert_eq!(store.outbox_pending(1_000).await.unwrap().len(), pending_before);

    // The default tenant is never deleted.
    let err = store.delete_tenant(TenantId::DEFAULT).await.unwrap_err();
    assert!(matches!(&err, StoreError::Refused(m) if m.contains("'default'")), "{err}");

    store.delete_administrator("amy").await.unwrap();
    store.put_administrator(&admin("zed", &["default"])).await.unwrap();
    let mut changes = store.endpoint_changes();
    changes.borrow_and_update();
    store.delete_tenant(acme.id).await.unwrap();
    assert!(changes.has_changed().unwrap(), "its endpoints went: listeners must rebind");

    assert_eq!(store.get_tenant(acme.id).await.unwrap(), None);
    assert_eq!(store.tenant_by_name("acme").await.unwrap(), None);
    assert_eq!(records(store, acme.id).await, 0);
    assert_eq!(store.get_endpoint("acme-sbi").await.unwrap(), None);
    // Its 4 queued events went (2 bootstrap records, 1 audit record, 1 config event).
    assert_eq!(store.outbox_pending(1_000).await.unwrap().len(), pending_before - 4);
    assert_eq!(records(store, TenantId::DEFAULT).await, POPULATED, "the default tenant is untouched");
    assert_eq!(store.list_administrators().await.unwrap().len(), 2);

    let err = store.delete_tenant(acme.id).await.unwrap_err();
    assert!(matches!(err, StoreError::NotFound { kind: "tenant", .. }), "{err}");
    // The name is free again, under a new id that sees none of the old records.
    let again = store.create_tenant("acme").await.unwrap();
    assert_ne!(again.id, acme.id);
    assert_eq!(records(store, again.id).await, 0);
    store.delete_tenant(again.id).await.unwrap();
    assert_eq!(store.list_tenants().await.unwrap().len(), 1);
}

pub(crate) async fn writes_racing_a_tenant_deletion_leave_nothing_behind(store: &Store) {
    let acme = store.create_tenant("acme").await.unwrap().id;
    let writers: Vec<_> = (0..2)
        .map(|w| {
            let store = store.clone();
            tokio::spawn(async move {
                let mut outcomes = Vec::new();
                for i in 0..25 {
                    let key = StoredKey {
                        name: format!("k-{w}-{i}"),
                        algorithm: "p256".into(),
                        public_key_der: vec![1],
                        sealed_private_key: vec![2],
                        created_at: at(i),
                    };
                    outcomes.push(store.put_key(acme, &key).await);
                }
                outcomes
            })
        })
        .collect();
    store.delete_tenant(acme).await.unwrap();
    for writer in writers {
        for outcome in writer.await.unwrap() {
            assert!(
                matches!(&outcome, Ok(()) | Err(StoreError::NotFound { kind: "tenant", .. })),
                "a write racing the deletion: {outcome:?}"
            );
        }
    }
    assert!(store.list_keys(acme).await.unwrap().is_empty(), "a key outlived its tenant");
    assert_eq!(store.get_tenant(acme).await.unwrap(), None);
}
