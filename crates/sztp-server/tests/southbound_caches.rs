//! The southbound caches never serve a change late: a changed response, activation code, trust
//! anchor or device reaches the very next request, through the store or through the operator
//! API; signed data is reused while unchanged, and signed afresh when the device sends a nonce.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/fresh.rs"]
mod fresh;
mod support;

use base64::Engine;
use reqwest::Method as M;
use serde_json::json;
use support::{Demo, GBD, JSON, nbi_as_root, nbi_call, post};
use sztp_protocol::model::YangDocument;
use sztp_protocol::model::bootstrap_rpc::GetBootstrappingDataOutput;
use sztp_store::{ResponseSpec, TenantId, TrustBag};

const T: TenantId = TenantId::DEFAULT;
const SDP: &str = r#"{"ietf-sztp-bootstrap-server:input":{"signed-data-preferred":[null]}}"#;
const NONCE: &str =
    r#"{"ietf-sztp-bootstrap-server:input":{"signed-data-preferred":[null],"nonce":"AAECAwQFBgcICQoLDA0ODw=="}}"#;

async fn conveyed(demo: &Demo, body: &str) -> Vec<u8> {
    let client = demo.client(Some("SN-0001"));
    let (status, _, reply) = post(&client, &demo.url(GBD), None, Some(JSON), Some(JSON), body.to_owned()).await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&reply));
    GetBootstrappingDataOutput::from_json(&reply).unwrap().conveyed_information
}

/// Whether signed conveyed information carries this configuration (binary leaves are base64 in
/// the JSON payload, which the SignedData holds as is).
fn contains(signed: &[u8], configuration: &str) -> bool {
    let needle = base64::engine::general_purpose::STANDARD.encode(configuration);
    signed.windows(needle.len()).any(|w| w == needle.as_bytes())
}

async fn set_configuration(demo: &Demo, text: &str, through_unit_of_work: bool) {
    let mut response = demo.store.get_response(T, "demo-onboarding").await.unwrap().expect("demo response");
    let ResponseSpec::Onboarding(o) = &mut response.spec else { panic!("onboarding") };
    o.configuration = Some(text.into());
    if through_unit_of_work {
        let uow = demo.store.begin().await.unwrap();
        uow.put_response(T, &response).await.unwrap();
        uow.commit().await.unwrap();
    } else {
        demo.store.put_response(T, &response).await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signed_data_is_reused_while_unchanged_and_a_changed_response_is_served_at_once() {
    let demo = Demo::start(1).await;
    let first = conveyed(&demo, SDP).await;
    assert_eq!(conveyed(&demo, SDP).await, first, "the same signed conveyed information, not signed again");
    let fresh = conveyed(&demo, NONCE).await;
    assert_ne!(fresh, first, "a nonce asks for data signed now");
    assert_ne!(conveyed(&demo, NONCE).await, fresh, "every nonce-bound request is signed afresh");

    set_configuration(&demo, "hostname changed-once", false).await;
    let changed = conveyed(&demo, SDP).await;
    assert!(contains(&changed, "hostname changed-once"), "the next request sees the new response");
    set_configuration(&demo, "hostname changed-twice", true).await;
    assert!(contains(&conveyed(&demo, SDP).await, "hostname changed-twice"), "also after a unit of work commits");
    assert!(!contains(&conveyed(&demo, SDP).await, "hostname changed-once"));
    demo.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_changed_activation_code_or_a_disabled_device_is_refused_at_once() {
    let demo = Demo::start(1).await;
    let (http, nbi) = nbi_as_root(&demo).await;
    let device_url = format!("{nbi}sztp-server:tenants/tenant=default/devices/device=SN-0001");
    let client = demo.client(None);
    let old = demo.password("SN-0001");
    let basic = |code: &str| {
        let (client, url, code) = (client.clone(), demo.url(GBD), code.to_owned());
        async move { post(&client, &url, Some(("SN-0001", &code)), Some(JSON), Some(JSON), SDP).await.0 }
    };
    assert_eq!(basic(&old).await, 200);
    assert_eq!(basic(&old).await, 200, "verified once, then from the cache");
    assert_eq!(basic("not the code").await, 401, "a wrong code never matches a cached one");

    let change = json!({"sztp-server:device": [{"activation-code": "the new code"}]});
    assert_eq!(nbi_call(&http, M::PATCH, device_url.clone(), Some(change)).await.0, 204);
    assert_eq!(basic(&old).await, 401, "the old code stops working at once");
    assert_eq!(basic("the new code").await, 200);

    let disable = json!({"sztp-server:device": [{"enabled": false}]});
    assert_eq!(nbi_call(&http, M::PATCH, device_url, Some(disable)).await.0, 204);
    assert_eq!(basic("the new code").await, 401, "a disabled device is refused although its code is cached");
    demo.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replaced_trust_anchor_refuses_a_chain_validated_before() {
    let demo = Demo::start(1).await;
    assert!(!conveyed(&demo, SDP).await.is_empty());
    let dt = demo.store.get_device_type(T, "demo-device").await.unwrap().expect("demo type");
    let bag_name = dt.trust_bag.clone().expect("demo type has anchors");
    let other = fresh::root("CN=Some Other Manufacturer");
    let bag = TrustBag { name: bag_name, description: None, certificates_der: vec![other.certificate_der().to_vec()] };
    demo.store.put_trust_bag(T, &bag).await.unwrap();
    let client = demo.client(Some("SN-0001"));
    let (status, _, _) = post(&client, &demo.url(GBD), None, Some(JSON), Some(JSON), SDP).await;
    assert_eq!(status, 401, "the chain validated a moment ago no longer leads to a trusted anchor");
    demo.stop().await;
}
