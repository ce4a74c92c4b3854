//! Response selection and signing policy against a real server: no rules, no match, unsigned
//! responses, `signed-data-preferred` enforcement, the OPI and Cisco profiles, encryption.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use support::{Demo, GBD, JSON, post};
use sztp_protocol::cms::content_type::{ContentType, ID_SIGNED_DATA, unwrap_unsigned};
use sztp_protocol::cms::enveloped_data::{decrypt, signed_data_content_info};
use sztp_protocol::model::YangDocument;
use sztp_protocol::model::bootstrap_rpc::GetBootstrappingDataOutput;
use sztp_protocol::model::conveyed_info::ConveyedInformation;
use sztp_protocol::model::restconf_errors::RestconfErrors;
use sztp_protocol::trust::{DeviceContext, SignedArtifacts, verify_signed_data};
use sztp_protocol::x509::load_certificates;
use sztp_store::{CompatProfile, Condition, DeviceType, MatchField, MatchOp, MatchRule, SigningPolicy, TenantId};

const T: TenantId = TenantId::DEFAULT;

async fn device_type(demo: &Demo) -> DeviceType {
    demo.store.get_device_type(T, "demo-device").await.unwrap().expect("demo type")
}

async fn gbd(demo: &Demo, body: &str) -> (u16, Vec<u8>) {
    let client = demo.client(Some("SN-0001"));
    let (status, _, reply) = post(&client, &demo.url(GBD), None, Some(JSON), Some(JSON), body.to_owned()).await;
    (status, reply)
}

fn error_message(body: &[u8]) -> String {
    let errors = RestconfErrors::from_json(body).expect("errors body");
    format!("{} {}", errors.errors[0].error_tag.as_str(), errors.errors[0].error_message.clone().unwrap_or_default())
}

const PLAIN: &str = r#"{"ietf-sztp-bootstrap-server:input":{"hw-model":"demo"}}"#;
const SDP: &str = r#"{"ietf-sztp-bootstrap-server:input":{"signed-data-preferred":[null]}}"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rules_select_and_missing_rules_are_404() {
    let demo = Demo::start(1).await;
    let mut dt = device_type(&demo).await;
    dt.rules = vec![MatchRule {
        name: None,
        conditions: vec![Condition {
            field: MatchField::HwModel,
            op: MatchOp::Equals,
            value: Some("other".into()),
            negate: false,
        }],
        response: "demo-onboarding".into(),
    }];
    demo.store.put_device_type(T, &dt).await.unwrap();
    let (status, body) = gbd(&demo, PLAIN).await;
    assert_eq!(status, 404);
    assert_eq!(error_message(&body), "data-missing No matching responses configured.");
    dt.rules.clear();
    demo.store.put_device_type(T, &dt).await.unwrap();
    let (status, body) = gbd(&demo, PLAIN).await;
    assert_eq!((status, error_message(&body).as_str()), (404, "data-missing No responses configured."));
    demo.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unsigned_onboarding_is_never_sent_to_a_device_preferring_signed_data() {
    let demo = Demo::start(1).await;
    let mut dt = device_type(&demo).await;
    dt.signing = SigningPolicy::Unsigned;
    dt.owner_certificate = None;
    demo.store.put_device_type(T, &dt).await.unwrap();
    let (status, body) = gbd(&demo, PLAIN).await;
    assert_eq!(status, 200);
    let output = GetBootstrappingDataOutput::from_json(&body).unwrap();
    assert!(output.owner_certificate.is_none() && output.ownership_voucher.is_none());
    let (ct, payload) = unwrap_unsigned(&output.conveyed_information).expect("unsigned ContentInfo");
    assert_eq!(ct, ContentType::ConveyedInfoJson);
    assert!(matches!(ConveyedInformation::from_json(&payload).unwrap(), ConveyedInformation::Onboarding(_)));
    // signed-data-preferred with nothing to sign with: refused, not downgraded.
    let (status, body) = gbd(&demo, SDP).await;
    assert_eq!(status, 404);
    assert!(error_message(&body).starts_with("data-missing"));
    // With the owner certificate back, the same request is answered with signed data even
    // though the policy says unsigned.
    dt.owner_certificate = Some("demo-owner".into());
    demo.store.put_device_type(T, &dt).await.unwrap();
    let (status, body) = gbd(&demo, SDP).await;
    assert_eq!(status, 200);
    assert!(GetBootstrappingDataOutput::from_json(&body).unwrap().ownership_voucher.is_some());
    demo.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn opi_profile_tolerates_an_empty_nonce_and_gets_only_conveyed_information() {
    let demo = Demo::start(1).await;
    let mut dt = device_type(&demo).await;
    dt.profile = CompatProfile::OpiAgent;
    dt.signing = SigningPolicy::Unsigned;
    demo.store.put_device_type(T, &dt).await.unwrap();
    let opi =
        r#"{"ietf-sztp-bootstrap-server:input":{"hw-model":"dpu","os-name":"linux","os-version":"1","nonce":""}}"#;
    let client = demo.client(Some("SN-0001"));
    let password = demo.password("SN-0001");
    // OPI sends no Accept header, and Basic together with its certificate.
    let (status, _, body) = post(&client, &demo.url(GBD), Some(("SN-0001", &password)), Some(JSON), None, opi).await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    let doc: serde_json::Value = serde_json::from_slice(&body).unwrap();
    let output = doc["ietf-sztp-bootstrap-server:output"].as_object().unwrap();
    assert_eq!(output.keys().collect::<Vec<_>>(), vec!["conveyed-information"]);
    let parsed = GetBootstrappingDataOutput::from_json(&body).unwrap();
    let (_, payload) = unwrap_unsigned(&parsed.conveyed_information).unwrap();
    let text = String::from_utf8(payload).unwrap();
    assert!(!text.contains("os-name") && !text.contains("os-version"), "{text}");
    // The same body is refused for a standard device type.
    dt.profile = CompatProfile::Rfc8572;
    demo.store.put_device_type(T, &dt).await.unwrap();
    assert_eq!(post(&client, &demo.url(GBD), None, Some(JSON), None, opi).await.0, 400);
    demo.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn encrypted_artifacts_decrypt_with_the_idevid_key_and_verify() {
    let demo = Demo::start(1).await;
    let mut dt = device_type(&demo).await;
    dt.encrypt = true;
    demo.store.put_device_type(T, &dt).await.unwrap();
    let (status, body) = gbd(&demo, SDP).await;
    assert_eq!(status, 200);
    let output = GetBootstrappingDataOutput::from_json(&body).unwrap();
    let dir = demo.device_dir("SN-0001");
    let chain = load_certificates(&std::fs::read(dir.join("idevid.pem")).unwrap()).unwrap();
    let key_pem = std::fs::read_to_string(dir.join("idevid.key")).unwrap();
    let key = sztp_ca::PrivateKey::from_pem(&key_pem).unwrap();
    let open = |der: &[u8]| {
        let (inner, content) = decrypt(der, chain[0].der(), key.pkcs8_der()).expect("decrypts");
        assert_eq!(inner, ID_SIGNED_DATA);
        signed_data_content_info(inner, &content).unwrap()
    };
    let ci = open(&output.conveyed_information);
    let oc = open(output.owner_certificate.as_deref().unwrap());
    let ov = open(output.ownership_voucher.as_deref().unwrap());
    let anchors = load_certificates(&std::fs::read(demo.path().join("trust/manufacturer-ca.pem")).unwrap()).unwrap();
    let mut ctx = DeviceContext::new("SN-0001", anchors);
    ctx.idevid = Some(chain[0].clone());
    let artifacts = SignedArtifacts { conveyed_information: &ci, owner_certificate: &oc, ownership_voucher: &ov };
    verify_signed_data(&artifacts, &ctx).expect("verifies after decryption");
    demo.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redirect_with_trust_anchor_and_the_cisco_profile() {
    let demo = Demo::start(1).await;
    let anchor = std::fs::read_to_string(demo.path().join("trust/server-ca.pem")).unwrap();
    let redirect = sztp_store::Response {
        name: "to-sbi".into(),
        spec: sztp_store::ResponseSpec::Redirect {
            servers: vec![sztp_store::RedirectServer {
                address: "127.0.0.1".into(),
                port: Some(demo.sbi.port()),
                trust_anchor_pem: Some(anchor),
            }],
        },
    };
    demo.store.put_response(T, &redirect).await.unwrap();
    // Per-device rule: a device preferring signed data is sent back (signed) to a trusted endpoint.
    let mut device = demo.store.get_device(T, "SN-0001").await.unwrap().unwrap();
    device.rules = vec![MatchRule {
        name: None,
        conditions: vec![Condition {
            field: MatchField::SignedDataPreferred,
            op: MatchOp::Present,
            value: None,
            negate: false,
        }],
        response: "to-sbi".into(),
    }];
    demo.store.put_device(T, &device).await.unwrap();
    let (status, body) = gbd(&demo, SDP).await;
    assert_eq!(status, 200);
    let output = GetBootstrappingDataOutput::from_json(&body).unwrap();
    assert!(output.reporting_level.is_none(), "no reporting-level with redirect information");
    let verified = sztp_protocol::cms::signed_data::verify_signed(&output.conveyed_information, &[]).expect("signed");
    let ConveyedInformation::Redirect(r) = ConveyedInformation::from_json(&verified.content).unwrap() else {
        panic!("redirect")
    };
    let ta = r.bootstrap_servers[0].trust_anchor.as_deref().expect("trust anchor");
    assert_eq!(sztp_protocol::cms::certs_only::parse_certs_only(ta).unwrap().certificates.len(), 1);
    // Without signed-data-preferred the type's onboarding rule applies.
    let (status, body) = gbd(&demo, PLAIN).await;
    assert_eq!(status, 200);
    assert!(GetBootstrappingDataOutput::from_json(&body).unwrap().reporting_level.is_some());

    // Cisco IOS-XE: signed JSON conveyed information (.43) even for an XML request.
    let mut dt = device_type(&demo).await;
    dt.profile = CompatProfile::CiscoIosXe;
    demo.store.put_device_type(T, &dt).await.unwrap();
    let xml =
        r#"<input xmlns="urn:ietf:params:xml:ns:yang:ietf-sztp-bootstrap-server"><hw-model>C9300</hw-model></input>"#;
    let client = demo.client(Some("SN-0001"));
    let (status, ct, body) = post(&client, &demo.url(GBD), None, Some(support::XML), Some(support::XML), xml).await;
    assert_eq!((status, ct.as_str()), (200, support::XML));
    let output = GetBootstrappingDataOutput::from_xml(&body).unwrap();
    let verified = sztp_protocol::cms::signed_data::verify_signed(&output.conveyed_information, &[]).expect("signed");
    assert_eq!(verified.content_type, ContentType::ConveyedInfoJson);
    demo.stop().await;
}
