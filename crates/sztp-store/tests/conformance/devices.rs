//! Conformance cases for device types, devices, bulk imports and the hot-path lookup.

use sztp_store::*;

use crate::fixtures::{bare_device, device, device_type};

const T: TenantId = TenantId::DEFAULT;

pub(crate) async fn device_types_round_trip_all_rule_forms(store: &Store) {
    let full = device_type("switch");
    store.put_device_type(T, &full).await.unwrap();
    assert_eq!(store.get_device_type(T, "switch").await.unwrap(), Some(full.clone()));
    let plain = DeviceType {
        name: "dpu".into(),
        trust_bag: None,
        allow_sha1: false,
        serial_rule: SerialRule::default(),
        profile: CompatProfile::OpiAgent,
        signing: SigningPolicy::Unsigned,
        encrypt: false,
        owner_certificate: None,
        reporting_level: ReportingLevel::Minimal,
        rules: vec![],
    };
    store.put_device_type(T, &plain).await.unwrap();
    let changed = DeviceType { profile: CompatProfile::Rfc8572, signing: SigningPolicy::Signed, ..full };
    store.put_device_type(T, &changed).await.unwrap();
    assert_eq!(store.list_device_types(T).await.unwrap(), vec![plain, changed]);
    store.delete_device_type(T, "dpu").await.unwrap();
    assert!(matches!(store.delete_device_type(T, "dpu").await, Err(StoreError::NotFound { .. })));
}

pub(crate) async fn devices_need_an_existing_device_type(store: &Store) {
    let err = store.put_device(T, &device("SN-1", "nope")).await.unwrap_err();
    assert!(matches!(&err, StoreError::NotFound { kind: "device type", name } if name == "nope"), "{err}");
    assert!(matches!(store.put_device(T, &device("", "nope")).await, Err(StoreError::Invalid(_))));
    assert_eq!(store.count_devices(T).await.unwrap(), 0);
}

pub(crate) async fn devices_round_trip_and_page_by_serial(store: &Store) {
    store.put_device_type(T, &device_type("switch")).await.unwrap();
    store.put_device_type(T, &device_type("router")).await.unwrap();
    let full = device("SN-2", "switch");
    let bare = bare_device("SN-1", "switch");
    store.put_device(T, &full).await.unwrap();
    store.put_device(T, &bare).await.unwrap();
    assert_eq!(store.get_device(T, "SN-2").await.unwrap(), Some(full.clone()));
    assert_eq!(store.get_device(T, "SN-1").await.unwrap(), Some(bare.clone()));

    let moved = Device { device_type: "router".into(), enabled: false, encrypt: None, ..full };
    store.put_device(T, &moved).await.unwrap();
    store.put_device(T, &bare_device("SN-3", "router")).await.unwrap();
    assert_eq!(store.count_devices(T).await.unwrap(), 3);
    assert_eq!(store.list_devices(T, 2, 0).await.unwrap(), vec![bare, moved]);
    let rest = store.list_devices(T, 2, 2).await.unwrap();
    assert_eq!(rest.iter().map(|d| d.serial.as_str()).collect::<Vec<_>>(), ["SN-3"]);
    let serials = |page: Vec<Device>| page.into_iter().map(|d| d.serial).collect::<Vec<_>>();
    assert_eq!(serials(store.list_devices_after(T, None, 1).await.unwrap()), ["SN-1"]);
    assert_eq!(serials(store.list_devices_after(T, Some("SN-1"), 10).await.unwrap()), ["SN-2", "SN-3"]);
    assert!(store.list_devices_after(T, Some("SN-3"), 10).await.unwrap().is_empty());

    store.delete_device(T, "SN-3").await.unwrap();
    assert!(matches!(store.delete_device(T, "SN-3").await, Err(StoreError::NotFound { kind: "device", .. })));
    assert_eq!(store.count_devices(T).await.unwrap(), 2);
}

pub(crate) async fn device_with_type_reads_both_or_nothing(store: &Store) {
    let ty = device_type("switch");
    store.put_device_type(T, &ty).await.unwrap();
    let d = device("SN-1", "switch");
    store.put_device(T, &d).await.unwrap();
    assert_eq!(store.device_with_type(T, "SN-1").await.unwrap(), Some((d, ty)));
    assert_eq!(store.device_with_type(T, "SN-404").await.unwrap(), None);
}

pub(crate) async fn a_device_type_in_use_cannot_be_deleted(store: &Store) {
    store.put_device_type(T, &device_type("switch")).await.unwrap();
    store.put_device(T, &device("SN-1", "switch")).await.unwrap();
    let err = store.delete_device_type(T, "switch").await.unwrap_err();
    assert!(matches!(err, StoreError::InUse { kind: "device type", used_by: "devices", .. }), "{err}");
    assert!(store.get_device_type(T, "switch").await.unwrap().is_some());
    store.delete_device(T, "SN-1").await.unwrap();
    store.delete_device_type(T, "switch").await.unwrap();
}

pub(crate) async fn bulk_import_reports_each_item(store: &Store) {
    store.put_device_type(T, &device_type("switch")).await.unwrap();
    let input = vec![
        device("SN-1", "switch"),
        bare_device("", "switch"),
        bare_device("SN-2", "unknown"),
        bare_device("SN-3", "switch"),
        bare_device("SN-1", "switch"),
    ];
    let results = store.put_devices_bulk(T, &input).await.unwrap();
    assert_eq!(results.len(), 5);
    assert!(results[0].is_ok() && results[3].is_ok());
    assert!(matches!(results[1], Err(StoreError::Invalid(_))));
    assert!(matches!(&results[2], Err(StoreError::NotFound { kind: "device type", name }) if name == "unknown"));
    assert!(matches!(&results[4], Err(StoreError::Conflict { kind: "device", name }) if name == "SN-1"));
    assert_eq!(store.count_devices(T).await.unwrap(), 2);
    assert_eq!(store.get_device(T, "SN-1").await.unwrap(), Some(input[0].clone()));
    assert!(store.put_devices_bulk(T, &[]).await.unwrap().is_empty());
}

pub(crate) async fn bulk_import_replaces_existing_devices(store: &Store) {
    store.put_device_type(T, &device_type("switch")).await.unwrap();
    let first: Vec<Device> = (0..1_200).map(|i| bare_device(&format!("SN-{i:05}"), "switch")).collect();
    assert!(store.put_devices_bulk(T, &first).await.unwrap().iter().all(Result::is_ok));
    let second: Vec<Device> = (600..1_800).map(|i| device(&format!("SN-{i:05}"), "switch")).collect();
    assert!(store.put_devices_bulk(T, &second).await.unwrap().iter().all(Result::is_ok));
    assert_eq!(store.count_devices(T).await.unwrap(), 1_800);
    assert_eq!(store.get_device(T, "SN-00599").await.unwrap(), Some(bare_device("SN-00599", "switch")));
    assert_eq!(store.get_device(T, "SN-00600").await.unwrap(), Some(device("SN-00600", "switch")));
}

pub(crate) async fn tenants_do_not_see_each_other(store: &Store) {
    let acme = store.create_tenant("acme").await.unwrap().id;
    store.put_device_type(T, &device_type("switch")).await.unwrap();
    store.put_device(T, &device("SN-1", "switch")).await.unwrap();
    let err = store.put_device(acme, &device("SN-1", "switch")).await.unwrap_err();
    assert!(matches!(err, StoreError::NotFound { kind: "device type", .. }), "{err}");
    store.put_device_type(acme, &device_type("switch")).await.unwrap();
    store.put_device(acme, &bare_device("SN-1", "switch")).await.unwrap();
    assert_eq!(store.get_device(T, "SN-1").await.unwrap(), Some(device("SN-1", "switch")));
    assert_eq!(store.get_device(acme, "SN-1").await.unwrap(), Some(bare_device("SN-1", "switch")));
    assert_eq!(store.count_devices(acme).await.unwrap(), 1);
    store.delete_device(acme, "SN-1").await.unwrap();
    assert!(store.get_device(T, "SN-1").await.unwrap().is_some());
}

pub(crate) async fn bulk_import_of_10k_devices(store: &Store) {
    store.put_device_type(T, &device_type("switch")).await.unwrap();
    let devices: Vec<Device> = (0..10_000).map(|i| device(&format!("SN-{i:06}"), "switch")).collect();
    let started = std::time::Instant::now();
    let results = store.put_devices_bulk(T, &devices).await.unwrap();
    let took = started.elapsed();
    assert!(results.iter().all(Result::is_ok));
    assert_eq!(store.count_devices(T).await.unwrap(), 10_000);
    println!("bulk import of 10,000 devices into {store:?}: {took:?}");
}
