//! Tenants are kept apart in the audit log: an action on a tenant's resources is recorded in
//! that tenant's log, whichever endpoint carried it, so another tenant's administrators (the
//! default tenant's included) never see it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use reqwest::Method as M;
use serde_json::json;
use support::{Demo, nbi_call};

async fn audit_paths(http: &reqwest::Client, nbi: &str, tenant: &str) -> Vec<String> {
    let url = format!("{nbi}sztp-server:tenants/tenant={tenant}/audit-log");
    let (status, body) = nbi_call(http, M::GET, url, None).await;
    assert_eq!(status, 200, "{body}");
    let entries = body["sztp-server:audit-log"]["entry"].as_array().cloned().unwrap_or_default();
    entries.iter().filter_map(|e| e["path"].as_str().map(str::to_owned)).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tenants_actions_go_to_its_own_audit_log() {
    let demo = Demo::start(1).await;
    let (http, nbi) = support::nbi_as_root(&demo).await;
    let tenant = json!({"sztp-server:tenant": [{"name": "acme"}]});
    assert_eq!(nbi_call(&http, M::POST, format!("{nbi}sztp-server:tenants"), Some(tenant)).await.0, 201);
    let response = json!({"sztp-server:response": [{"name": "acme-secret-plan",
        "onboarding": {"configuration-handling": "replace", "configuration": "hostname acme\n"}}]});
    let acme = format!("{nbi}sztp-server:tenants/tenant=acme/responses");
    assert_eq!(nbi_call(&http, M::POST, acme, Some(response)).await.0, 201);

    let in_acme = audit_paths(&http, &nbi, "acme").await;
    assert!(in_acme.iter().any(|p| p.ends_with("tenant=acme/responses")), "{in_acme:?}");
    let in_default = audit_paths(&http, &nbi, "default").await;
    assert!(!in_default.iter().any(|p| p.contains("tenant=acme/")), "{in_default:?}");
    assert!(in_default.iter().any(|p| p.ends_with("sztp-server:tenants")), "system-wide actions stay: {in_default:?}");
    demo.stop().await;
}
