//! Conformance cases for tenants, endpoints, keys, trust bags, owner certificates, vouchers,
//! artifacts and responses.

use sztp_store::*;

use crate::fixtures::{at, onboarding, redirect};

pub(crate) async fn default_tenant_exists(store: &Store) {
    assert_eq!(store.default_tenant(), TenantId::DEFAULT);
    let t = store.get_tenant(TenantId::DEFAULT).await.unwrap().expect("default tenant");
    assert_eq!(t.name, "default");
    assert_eq!(store.list_tenants().await.unwrap().len(), 1);
    assert!(store.schema_version().await.unwrap() >= 1);
}

pub(crate) async fn tenant_names_are_unique(store: &Store) {
    let acme = store.create_tenant("acme").await.unwrap();
    assert_ne!(acme.id, TenantId::DEFAULT);
    let err = store.create_tenant("acme").await.unwrap_err();
    assert!(matches!(&err, StoreError::Conflict { kind: "tenant", name } if name == "acme"), "{err}");
    assert_eq!(err.to_string(), "tenant 'acme' already exists");
    assert_eq!(store.tenant_by_name("acme").await.unwrap(), Some(acme));
    assert!(matches!(store.create_tenant("").await, Err(StoreError::Invalid(_))));
}

fn endpoint(name: &str, port: u16) -> Endpoint {
    Endpoint {
        name: name.to_owned(),
        tenant_id: TenantId::DEFAULT,
        address: "::1".to_owned(),
        port,
        tls: Some(EndpointTls {
            server_key: "server-key".to_owned(),
            cert_chain_pem: "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n".to_owned(),
            client_auth: ClientAuth::Required,
            client_trust_bag: Some("idevid-roots".to_owned()),
            min_version: TlsVersion::Tls13,
        }),
        apis: vec!["rfc8572".to_owned(), "metrics".to_owned()],
        external_address: Some("bootstrap.example".to_owned()),
        enabled: true,
        behind_tls_terminator: false,
        limits: Default::default(),
    }
}

pub(crate) async fn endpoints_round_trip_and_notify_changes(store: &Store) {
    let mut changes = store.endpoint_changes();
    let before = *changes.borrow_and_update();
    let south = endpoint("south", 8443);
    store.put_endpoint(&south).await.unwrap();
    assert!(changes.has_changed().unwrap());
    assert_eq!(store.get_endpoint("south").await.unwrap(), Some(south.clone()));

    let limits =
        EndpointLimits { max_connections_per_source: Some(8), idle_timeout_secs: Some(5), ..Default::default() };
    let plain = Endpoint {
        tls: None,
        address: "127.0.0.1".into(),
        apis: vec!["native".into()],
        behind_tls_terminator: true,
        limits,
        ..endpoint("north", 8080)
    };
    store.put_endpoint(&plain).await.unwrap();
    let moved = Endpoint { port: 9443, enabled: false, external_address: None, ..south };
    store.put_endpoint(&moved).await.unwrap();
    assert_eq!(store.list_endpoints().await.unwrap(), vec![plain, moved]);

    let bad = Endpoint { address: "localhost".into(), ..endpoint("bad", 1) };
    assert!(matches!(store.put_endpoint(&bad).await, Err(StoreError::Invalid(_))));
    for limits in [
        EndpointLimits { max_connections: Some(0), ..Default::default() },
        EndpointLimits { header_timeout_secs: Some(601), ..Default::default() },
    ] {
        let unbounded = Endpoint { limits, ..endpoint("bad", 1) };
        assert!(matches!(store.put_endpoint(&unbounded).await, Err(StoreError::Invalid(_))), "{limits:?}");
    }
    let terminated_tls = Endpoint { behind_tls_terminator: true, ..endpoint("bad", 1) };
    assert!(
        matches!(store.put_endpoint(&terminated_tls).await, Err(StoreError::Invalid(_))),
        "https is not terminated in front"
    );
    store.delete_endpoint("north").await.unwrap();
    assert_eq!(store.get_endpoint("north").await.unwrap(), None);
    assert!(matches!(store.delete_endpoint("north").await, Err(StoreError::NotFound { kind: "endpoint", .. })));
    assert_eq!(*changes.borrow_and_update(), before + 4);
}

pub(crate) async fn keys_round_trip_per_tenant(store: &Store) {
    let t = TenantId::DEFAULT;
    let key = StoredKey {
        name: "owner-key".into(),
        algorithm: "p256".into(),
        public_key_der: vec![1, 2, 3],
        sealed_private_key: vec![0; 300],
        created_at: at(0),
    };
    store.put_key(t, &key).await.unwrap();
    assert_eq!(store.get_key(t, "owner-key").await.unwrap(), Some(key.clone()));
    let rotated = StoredKey { algorithm: "p384".into(), sealed_private_key: vec![9; 10], created_at: at(60), ..key };
    store.put_key(t, &rotated).await.unwrap();
    let other = StoredKey { name: "a-key".into(), ..rotated.clone() };
    store.put_key(t, &other).await.unwrap();
    assert_eq!(store.list_keys(t).await.unwrap(), vec![other, rotated]);

    let acme = store.create_tenant("acme").await.unwrap().id;
    assert_eq!(store.get_key(acme, "owner-key").await.unwrap(), None);
    assert!(store.list_keys(acme).await.unwrap().is_empty());
    store.delete_key(t, "owner-key").await.unwrap();
    assert!(matches!(store.delete_key(t, "owner-key").await, Err(StoreError::NotFound { kind: "key", .. })));
}

pub(crate) async fn trust_bags_keep_their_certificates_in_order(store: &Store) {
    let t = TenantId::DEFAULT;
    let bag = TrustBag {
        name: "roots".into(),
        description: Some("manufacturer roots".into()),
        certificates_der: vec![vec![3; 10], vec![1; 70_000], vec![2; 5]],
    };
    store.put_trust_bag(t, &bag).await.unwrap();
    assert_eq!(store.get_trust_bag(t, "roots").await.unwrap(), Some(bag.clone()));
    let smaller = TrustBag { description: None, certificates_der: vec![vec![7; 3]], ..bag };
    store.put_trust_bag(t, &smaller).await.unwrap();
    let empty = TrustBag { name: "empty".into(), description: None, certificates_der: vec![] };
    store.put_trust_bag(t, &empty).await.unwrap();
    assert_eq!(store.list_trust_bags(t).await.unwrap(), vec![empty, smaller.clone()]);
    store.delete_trust_bag(t, "roots").await.unwrap();
    assert_eq!(store.get_trust_bag(t, "roots").await.unwrap(), None);
    assert!(matches!(store.delete_trust_bag(t, "roots").await, Err(StoreError::NotFound { .. })));
    store.put_trust_bag(t, &smaller).await.unwrap();
    assert_eq!(store.get_trust_bag(t, "roots").await.unwrap().unwrap().certificates_der.len(), 1);
}

pub(crate) async fn owner_certificates_round_trip(store: &Store) {
    let t = TenantId::DEFAULT;
    let oc = OwnerCertificate { name: "owner".into(), key: "owner-key".into(), cert_chain_pem: "PEM".repeat(30_000) };
    store.put_owner_certificate(t, &oc).await.unwrap();
    assert_eq!(store.get_owner_certificate(t, "owner").await.unwrap(), Some(oc.clone()));
    let renewed = OwnerCertificate { cert_chain_pem: "NEW".into(), ..oc };
    store.put_owner_certificate(t, &renewed).await.unwrap();
    assert_eq!(store.list_owner_certificates(t).await.unwrap(), vec![renewed]);
    store.delete_owner_certificate(t, "owner").await.unwrap();
    assert!(store.list_owner_certificates(t).await.unwrap().is_empty());
    assert!(matches!(store.delete_owner_certificate(t, "owner").await, Err(StoreError::NotFound { .. })));
}

pub(crate) async fn vouchers_round_trip(store: &Store) {
    let t = TenantId::DEFAULT;
    let v = StoredVoucher { serial: "SN-1".into(), cms_der: vec![0x30, 1, 2], expires_at: Some(at(86_400)) };
    store.put_voucher(t, &v).await.unwrap();
    assert_eq!(store.get_voucher(t, "SN-1").await.unwrap(), Some(v.clone()));
    let forever = StoredVoucher { expires_at: None, ..v };
    store.put_voucher(t, &forever).await.unwrap();
    assert_eq!(store.list_vouchers(t, 10, 0).await.unwrap(), vec![forever.clone()]);
    let second = StoredVoucher { serial: "SN-2".into(), ..forever.clone() };
    store.put_voucher(t, &second).await.unwrap();
    assert_eq!(store.list_vouchers_after(t, None, 1).await.unwrap(), vec![forever]);
    assert_eq!(store.list_vouchers_after(t, Some("SN-1"), 10).await.unwrap(), vec![second]);
    store.delete_voucher(t, "SN-1").await.unwrap();
    assert_eq!(store.get_voucher(t, "SN-1").await.unwrap(), None);
    assert!(matches!(store.delete_voucher(t, "SN-1").await, Err(StoreError::NotFound { kind: "voucher", .. })));
}

pub(crate) async fn artifacts_keep_large_content_and_list_without_it(store: &Store) {
    let t = TenantId::DEFAULT;
    let content: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    let a = Artifact {
        name: "os.img".into(),
        media_type: "application/octet-stream".into(),
        sha256: vec![0xab; 32],
        size: content.len() as u64,
        content,
    };
    store.put_artifact(t, &a).await.unwrap();
    assert_eq!(store.get_artifact(t, "os.img").await.unwrap(), Some(a.clone()));
    let meta = store.artifact_meta(t, "os.img").await.unwrap().unwrap();
    assert_eq!((meta.name.as_str(), meta.size, meta.sha256.as_slice()), ("os.img", 200_000, &[0xab; 32][..]));
    assert_eq!(store.list_artifacts(t).await.unwrap(), vec![meta]);

    let wrong_size = Artifact { size: 1, ..a.clone() };
    assert!(matches!(store.put_artifact(t, &wrong_size).await, Err(StoreError::Invalid(_))));
    let wrong_hash = Artifact { sha256: vec![1], ..a };
    assert!(matches!(store.put_artifact(t, &wrong_hash).await, Err(StoreError::Invalid(_))));
    store.delete_artifact(t, "os.img").await.unwrap();
    assert_eq!(store.artifact_meta(t, "os.img").await.unwrap(), None);
    assert!(matches!(store.delete_artifact(t, "os.img").await, Err(StoreError::NotFound { .. })));
}

/// Content goes in chunks; a reader keeps reading content that was replaced under it, and
/// collection takes only blobs nothing names, once they are old enough.
pub(crate) async fn artifacts_stream_in_chunks_and_old_content_is_collected(store: &Store) {
    let t = TenantId::DEFAULT;
    let first: Vec<u8> = (0..ARTIFACT_CHUNK * 3 + 1000).map(|i| (i % 253) as u8).collect();
    let mut upload = store.begin_artifact_upload().await.unwrap();
    for piece in first.chunks(77_777) {
        upload.write(piece).await.unwrap();
    }
    assert_eq!(upload.size(), first.len() as u64);
    assert!(!upload.finish(t, "big.img", "application/octet-stream", &[1; 32]).await.unwrap(), "created");

    let (meta, mut reader) = store.read_artifact(t, "big.img").await.unwrap().unwrap();
    assert_eq!((meta.size, meta.sha256.as_slice()), (first.len() as u64, &[1u8; 32][..]));
    let chunk = reader.next_chunk().await.unwrap().unwrap();
    assert_eq!(chunk.len(), ARTIFACT_CHUNK, "one chunk at a time");

    let second = Artifact {
        name: "big.img".into(),
        media_type: "application/x-image".into(),
        sha256: vec![2; 32],
        size: 5,
        content: b"small".to_vec(),
    };
    store.put_artifact(t, &second).await.unwrap();
    let mut rest = chunk;
    while let Some(c) = reader.next_chunk().await.unwrap() {
        rest.extend_from_slice(&c);
    }
    assert_eq!(rest, first, "a download under way finishes with the content it started");
    assert_eq!(store.get_artifact(t, "big.img").await.unwrap(), Some(second.clone()));

    let mut abandoned = store.begin_artifact_upload().await.unwrap();
    abandoned.write(&[9; 1000]).await.unwrap();
    drop(abandoned);
    let now = time::OffsetDateTime::now_utc();
    assert_eq!(store.collect_artifact_blobs(now - time::Duration::hours(1), 100).await.unwrap(), 0, "too young");
    let later = now + time::Duration::seconds(5);
    assert_eq!(store.collect_artifact_blobs(later, 100).await.unwrap(), 2, "the replaced and the abandoned");
    assert_eq!(store.get_artifact(t, "big.img").await.unwrap(), Some(second.clone()), "the named one stays");

    // Metadata alone: a new artifact starts empty, an existing one keeps its content.
    assert!(!store.put_artifact_meta(t, "empty.txt", "text/plain").await.unwrap());
    let empty = store.get_artifact(t, "empty.txt").await.unwrap().unwrap();
    assert_eq!((empty.size, empty.content.len()), (0, 0));
    assert!(store.put_artifact_meta(t, "big.img", "application/x-other").await.unwrap());
    let kept = store.get_artifact(t, "big.img").await.unwrap().unwrap();
    assert_eq!((kept.media_type.as_str(), kept.content), ("application/x-other", second.content));

    store.delete_artifact(t, "big.img").await.unwrap();
    assert_eq!(store.collect_artifact_blobs(later, 100).await.unwrap(), 1, "deleted content goes too");
}

pub(crate) async fn responses_round_trip_as_json(store: &Store) {
    let t = TenantId::DEFAULT;
    store.put_response(t, &onboarding()).await.unwrap();
    store.put_response(t, &redirect()).await.unwrap();
    assert_eq!(store.get_response(t, "onboard").await.unwrap(), Some(onboarding()));
    assert_eq!(store.list_responses(t).await.unwrap(), vec![redirect(), onboarding()]);
    let flipped = Response { name: "onboard".into(), spec: redirect().spec };
    store.put_response(t, &flipped).await.unwrap();
    assert_eq!(store.get_response(t, "onboard").await.unwrap(), Some(flipped));
    store.delete_response(t, "onboard").await.unwrap();
    assert!(matches!(store.delete_response(t, "onboard").await, Err(StoreError::NotFound { .. })));
}

pub(crate) async fn writes_for_a_missing_tenant_are_not_found(store: &Store) {
    let ghost = TenantId(999);
    let oc = OwnerCertificate { name: "o".into(), key: "k".into(), cert_chain_pem: "P".into() };
    let err = store.put_owner_certificate(ghost, &oc).await.unwrap_err();
    assert!(matches!(&err, StoreError::NotFound { kind: "tenant", name } if name == "999"), "{err}");
    let err = store.put_device_type(ghost, &crate::fixtures::device_type("t")).await.unwrap_err();
    assert!(matches!(err, StoreError::NotFound { kind: "tenant", .. }), "{err}");
}
