//! Conformance cases for units of work: changes commit together or not at all, reads inside see
//! the unit's own writes, and endpoint watchers hear of a change only once it is committed.

use sztp_store::*;

use crate::fixtures::{device, device_type};

pub(crate) async fn a_unit_of_work_commits_everything_or_nothing(store: &Store) {
    let t = TenantId::DEFAULT;
    let uow = store.begin().await.unwrap();
    uow.put_device_type(t, &device_type("dpu")).await.unwrap();
    uow.put_device(t, &device("SN-1", "dpu")).await.unwrap();
    assert!(uow.get_device(t, "SN-1").await.unwrap().is_some(), "a unit of work reads its own writes");
    drop(uow);
    assert_eq!(store.get_device_type(t, "dpu").await.unwrap(), None, "dropped: nothing stays");
    assert_eq!(store.get_device(t, "SN-1").await.unwrap(), None);

    let uow = store.begin().await.unwrap();
    uow.put_device_type(t, &device_type("dpu")).await.unwrap();
    uow.put_device(t, &device("SN-1", "dpu")).await.unwrap();
    uow.commit().await.unwrap();
    assert!(store.get_device(t, "SN-1").await.unwrap().is_some(), "committed");

    // A failed write spoils the unit (PostgreSQL aborts the transaction): it is dropped.
    let uow = store.begin().await.unwrap();
    uow.delete_device(t, "SN-1").await.unwrap();
    assert!(uow.put_device(t, &device("SN-2", "no-such-type")).await.is_err());
    drop(uow);
    assert!(store.get_device(t, "SN-1").await.unwrap().is_some(), "the delete before the failure is gone too");

    let uow = store.begin().await.unwrap();
    uow.delete_device(t, "SN-1").await.unwrap();
    uow.rollback().await.unwrap();
    assert!(store.get_device(t, "SN-1").await.unwrap().is_some(), "rolled back");
    assert!(matches!(store.begin().await.unwrap().begin().await, Err(StoreError::Invalid(_))), "no nesting");
}

pub(crate) async fn endpoint_watchers_hear_of_committed_changes_only(store: &Store) {
    let mut changes = store.endpoint_changes();
    let before = *changes.borrow_and_update();
    let endpoint = Endpoint {
        name: "north".into(),
        tenant_id: TenantId::DEFAULT,
        address: "127.0.0.1".into(),
        port: 8080,
        tls: None,
        apis: vec!["native".into()],
        external_address: None,
        behind_tls_terminator: false,
        limits: Default::default(),
        enabled: true,
    };
    let uow = store.begin().await.unwrap();
    uow.put_endpoint(&endpoint).await.unwrap();
    assert!(!changes.has_changed().unwrap(), "not before the commit");
    drop(uow);
    assert!(!changes.has_changed().unwrap(), "nor after a rollback");
    let uow = store.begin().await.unwrap();
    uow.put_endpoint(&endpoint).await.unwrap();
    uow.commit().await.unwrap();
    assert_eq!(*changes.borrow_and_update(), before + 1, "once, after the commit");
    assert_eq!(store.get_endpoint("north").await.unwrap(), Some(endpoint));
}

/// Two units of work that each read, then write what they read was absent: on every backend
/// the second either waits for the first and sees its row, or fails; never are both told "absent".
pub(crate) async fn concurrent_units_of_work_do_not_both_create(store: &Store) {
    let t = TenantId::DEFAULT;
    store.put_device_type(t, &device_type("dpu")).await.unwrap();
    let create = |store: Store| async move {
        let uow = store.begin().await?;
        if uow.get_device(t, "SN-RACE").await?.is_some() {
            return Ok::<bool, StoreError>(false);
        }
        uow.put_device(t, &device("SN-RACE", "dpu")).await?;
        uow.commit().await?;
        Ok(true)
    };
    let (a, b) = tokio::join!(tokio::spawn(create(store.clone())), tokio::spawn(create(store.clone())));
    let created = [a.unwrap(), b.unwrap()].into_iter().filter(|r| matches!(r, Ok(true))).count();
    assert_eq!(created, 1, "exactly one unit of work created the device");
}
