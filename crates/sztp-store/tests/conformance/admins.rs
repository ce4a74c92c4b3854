//! Conformance cases for system-wide administrators and preferences.

use std::sync::Arc;

use sztp_store::*;

use crate::fixtures::at;

fn admin(login: &str, level: AccessLevel) -> Administrator {
    Administrator {
        login: login.to_owned(),
        email: format!("{login}@example.net"),
        password_hash: Some("$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2g".to_owned()),
        client_cert_der: Some(vec![0x30, 0x82, 0x01, 0x00, 0xff]),
        access_level: level,
        tenants: vec![],
        failed_logins: 0,
        locked_until: None,
        password_changed_at: Some(at(0)),
        last_login: None,
    }
}

pub(crate) async fn administrators_round_trip(store: &Store) {
    assert_eq!(store.schema_version().await.unwrap(), 7);
    assert!(store.list_administrators().await.unwrap().is_empty());
    let root = admin("root", AccessLevel::Unrestricted);
    store.put_administrator(&root).await.unwrap();
    assert_eq!(store.get_administrator("root").await.unwrap(), Some(root.clone()));

    let ops = Administrator {
        password_hash: None,
        tenants: vec!["acme".into(), "default".into()],
        failed_logins: 3,
        locked_until: Some(at(900)),
        password_changed_at: None,
        last_login: Some(at(5)),
        ..admin("ops.team@acme", AccessLevel::ReadWrite)
    };
    store.put_administrator(&ops).await.unwrap();
    let certless = Administrator { client_cert_der: None, ..admin("auditor", AccessLevel::ReadOnly) };
    store.put_administrator(&certless).await.unwrap();
    assert_eq!(store.list_administrators().await.unwrap(), vec![certless.clone(), ops.clone(), root.clone()]);

    let changed = Administrator { email: "new@example.net".into(), access_level: AccessLevel::ReadOnly, ..root };
    store.put_administrator(&changed).await.unwrap();
    assert_eq!(store.get_administrator("root").await.unwrap(), Some(changed));
    assert_eq!(store.get_administrator("Root").await.unwrap(), None);

    assert!(matches!(store.put_administrator(&admin("", AccessLevel::ReadOnly)).await, Err(StoreError::Invalid(_))));
    let bad_tenant = Administrator { tenants: vec![String::new()], ..admin("x", AccessLevel::ReadOnly) };
    assert!(matches!(store.put_administrator(&bad_tenant).await, Err(StoreError::Invalid(_))));

    store.delete_administrator("auditor").await.unwrap();
    assert_eq!(store.get_administrator("auditor").await.unwrap(), None);
    let err = store.delete_administrator("auditor").await.unwrap_err();
    assert!(matches!(&err, StoreError::NotFound { kind: "administrator", name } if name == "auditor"), "{err}");
}

pub(crate) async fn unrestricted_administrators_are_counted_and_guarded(store: &Store) {
    assert_eq!(store.count_unrestricted_administrators().await.unwrap(), 0);
    // The first administrator must be unrestricted and system-wide.
    let err = store.put_administrator_guarded(&admin("ro", AccessLevel::ReadOnly)).await.unwrap_err();
    assert!(matches!(&err, StoreError::Refused(m) if m.contains("unrestricted")), "{err}");
    assert!(store.list_administrators().await.unwrap().is_empty());

    store.put_administrator_guarded(&admin("root", AccessLevel::Unrestricted)).await.unwrap();
    store.put_administrator_guarded(&admin("ro", AccessLevel::ReadOnly)).await.unwrap();
    let scoped = Administrator { tenants: vec!["acme".into()], ..admin("acme-root", AccessLevel::Unrestricted) };
    store.put_administrator_guarded(&scoped).await.unwrap();
    assert_eq!(store.count_unrestricted_administrators().await.unwrap(), 1);

    // The last unrestricted system-wide administrator can be neither demoted nor deleted.
    let demoted = admin("root", AccessLevel::ReadWrite);
    assert!(matches!(store.put_administrator_guarded(&demoted).await, Err(StoreError::Refused(_))));
    let narrowed = Administrator { tenants: vec!["default".into()], ..admin("root", AccessLevel::Unrestricted) };
    assert!(matches!(store.put_administrator_guarded(&narrowed).await, Err(StoreError::Refused(_))));
    let err = store.delete_administrator_guarded("root").await.unwrap_err();
    assert!(matches!(&err, StoreError::Refused(m) if m.contains("'root' is the last")), "{err}");
    assert_eq!(store.get_administrator("root").await.unwrap(), Some(admin("root", AccessLevel::Unrestricted)));
    store.delete_administrator_guarded("ro").await.unwrap();
    assert!(matches!(store.delete_administrator_guarded("ro").await, Err(StoreError::NotFound { .. })));

    // With a second one, either may go, but not both.
    store.put_administrator_guarded(&admin("root2", AccessLevel::Unrestricted)).await.unwrap();
    assert_eq!(store.count_unrestricted_administrators().await.unwrap(), 2);
    let (a, b) = tokio::join!(store.delete_administrator_guarded("root"), store.delete_administrator_guarded("root2"));
    assert!(a.is_ok() != b.is_ok(), "{a:?} {b:?}");
    assert_eq!(store.count_unrestricted_administrators().await.unwrap(), 1);

    // The unguarded delete is the caller's responsibility.
    let last = if a.is_ok() { "root2" } else { "root" };
    store.delete_administrator(last).await.unwrap();
    assert_eq!(store.count_unrestricted_administrators().await.unwrap(), 0);
}

pub(crate) async fn login_failures_lock_at_the_threshold(store: &Store) {
    let prefs = Preferences { lockout_threshold: 3, lockout_duration_secs: 60, ..Preferences::default() };
    store.put_administrator(&admin("alice", AccessLevel::ReadOnly)).await.unwrap();
    assert_eq!(store.record_login_failure("alice", at(0), &prefs).await.unwrap(), None);
    assert_eq!(store.record_login_failure("alice", at(1), &prefs).await.unwrap(), None);
    assert_eq!(store.record_login_failure("alice", at(2), &prefs).await.unwrap(), Some(at(62)));
    // Failures while locked count but do not extend the lock.
    assert_eq!(store.record_login_failure("alice", at(3), &prefs).await.unwrap(), Some(at(62)));
    let a = store.get_administrator("alice").await.unwrap().unwrap();
    assert_eq!((a.failed_logins, a.locked_until), (4, Some(at(62))));

    // After the lock expires, counting starts again.
    assert_eq!(store.record_login_failure("alice", at(62), &prefs).await.unwrap(), None);
    let a = store.get_administrator("alice").await.unwrap().unwrap();
    assert_eq!((a.failed_logins, a.locked_until), (1, None));

    store.record_login_failure("alice", at(63), &prefs).await.unwrap();
    store.record_login_success("alice", at(64)).await.unwrap();
    let a = store.get_administrator("alice").await.unwrap().unwrap();
    assert_eq!((a.failed_logins, a.locked_until, a.last_login), (0, None, Some(at(64))));

    // Threshold 0 disables lockout.
    let never = Preferences { lockout_threshold: 0, ..prefs };
    for i in 0..5 {
        assert_eq!(store.record_login_failure("alice", at(100 + i), &never).await.unwrap(), None);
    }
    assert_eq!(store.get_administrator("alice").await.unwrap().unwrap().failed_logins, 5);

    let err = store.record_login_failure("nobody", at(0), &prefs).await.unwrap_err();
    assert!(matches!(err, StoreError::NotFound { kind: "administrator", .. }), "{err}");
    let err = store.record_login_success("nobody", at(0)).await.unwrap_err();
    assert!(matches!(err, StoreError::NotFound { kind: "administrator", .. }), "{err}");
}

pub(crate) async fn concurrent_login_failures_lock_exactly_once(store: &Store) {
    let prefs = Preferences::default();
    store.put_administrator(&admin("bob", AccessLevel::ReadWrite)).await.unwrap();
    let now = at(1000);
    let mut tasks = Vec::new();
    let prefs = Arc::new(prefs);
    for _ in 0..20 {
        let (store, prefs) = (store.clone(), prefs.clone());
        tasks.push(tokio::spawn(async move { store.record_login_failure("bob", now, &prefs).await.unwrap() }));
    }
    let mut results = Vec::new();
    for t in tasks {
        results.push(t.await.unwrap());
    }
    let until = now + time::Duration::seconds(900);
    let unlocked = results.iter().filter(|r| r.is_none()).count();
    assert_eq!(unlocked, prefs.lockout_threshold as usize - 1, "{results:?}");
    assert!(results.iter().flatten().all(|t| *t == until), "{results:?}");
    let b = store.get_administrator("bob").await.unwrap().unwrap();
    assert_eq!((b.failed_logins, b.locked_until), (20, Some(until)));
}

/// Attempts counted before their password is checked: of 20 racing guesses, exactly the
/// threshold may be checked; a success clears the count; an expired lock lets one through.
pub(crate) async fn racing_login_attempts_check_at_most_the_threshold(store: &Store) {
    let prefs = Arc::new(Preferences::default());
    store.put_administrator(&admin("eve", AccessLevel::ReadWrite)).await.unwrap();
    let now = at(2000);
    let mut tasks = Vec::new();
    for _ in 0..20 {
        let (store, prefs) = (store.clone(), prefs.clone());
        tasks.push(tokio::spawn(async move { store.count_login_attempt("eve", now, &prefs).await.unwrap() }));
    }
    let mut checked = 0;
    for t in tasks {
        checked += usize::from(t.await.unwrap());
    }
    assert_eq!(checked, prefs.lockout_threshold as usize);
    assert!(!store.count_login_attempt("eve", now, &prefs).await.unwrap(), "locked");
    let later = now + time::Duration::seconds(i64::from(prefs.lockout_duration_secs) + 1);
    assert!(store.count_login_attempt("eve", later, &prefs).await.unwrap(), "the lock expired");
    store.record_login_success("eve", later).await.unwrap();
    let e = store.get_administrator("eve").await.unwrap().unwrap();
    assert_eq!((e.failed_logins, e.locked_until), (0, None));
}

pub(crate) async fn preferences_have_defaults_and_round_trip(store: &Store) {
    let defaults = store.get_preferences().await.unwrap();
    assert_eq!(defaults, Preferences::default());
    assert_eq!(
        (defaults.min_password_length, defaults.password_max_age_days, defaults.lockout_threshold),
        (12, None, 5)
    );
    assert_eq!(defaults.lockout_duration_secs, 900);
    let strict = Preferences {
        min_password_length: 16,
        password_max_age_days: Some(90),
        lockout_threshold: 0,
        lockout_duration_secs: u32::MAX,
    };
    store.put_preferences(&strict).await.unwrap();
    assert_eq!(store.get_preferences().await.unwrap(), strict);
    let relaxed = Preferences { password_max_age_days: None, ..strict };
    store.put_preferences(&relaxed).await.unwrap();
    assert_eq!(store.get_preferences().await.unwrap(), relaxed);
    let huge = Preferences { min_password_length: u32::MAX, ..relaxed };
    assert!(matches!(store.put_preferences(&huge).await, Err(StoreError::Invalid(_))));
}
