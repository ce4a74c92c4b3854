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

/// A device downloads only the artifacts its own responses serve; another device's boot image
/// is a 404, as if it did not exist.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_downloads_only_the_images_of_its_own_responses() {
    use sztp_store::{Artifact, MatchRule, Response, ResponseSpec, TenantId};
    let demo = Demo::start(2).await;
    let store = &demo.store;
    let t = TenantId::DEFAULT;
    let content = b"an image only SN-0002 may have".to_vec();
    let sha256 = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, &content).as_ref().to_vec();
    let artifact = Artifact {
        name: "special.img".into(),
        media_type: "application/octet-stream".into(),
        sha256,
        size: content.len() as u64,
        content,
    };
    store.put_artifact(t, &artifact).await.unwrap();
    let mut response: Response = store
        .list_responses(t)
        .await
        .unwrap()
        .into_iter()
        .find(|r| matches!(r.spec, ResponseSpec::Onboarding(_)))
        .unwrap();
    response.name = "special".into();
    if let ResponseSpec::Onboarding(spec) = &mut response.spec {
        spec.boot_image.as_mut().unwrap().artifact = Some("special.img".into());
    }
    store.put_response(t, &response).await.unwrap();
    let mut sn2 = store.get_device(t, "SN-0002").await.unwrap().unwrap();
    sn2.rules = vec![MatchRule { name: None, conditions: Vec::new(), response: "special".into() }];
    store.put_device(t, &sn2).await.unwrap();

    let get = |serial: &'static str, file: &'static str| {
        let client = demo.client(Some(serial));
        let url = demo.url(&format!("/files/{file}"));
        async move { client.get(url).send().await.unwrap().status().as_u16() }
    };
    assert_eq!(get("SN-0002", "special.img").await, 200);
    assert_eq!(get("SN-0001", "special.img").await, 404, "another device's image");
    assert_eq!(get("SN-0001", "no-such.img").await, 404);
    assert_eq!(get("SN-0001", "demo-boot-image.img").await, 200, "its own image");
    demo.stop().await;
}
