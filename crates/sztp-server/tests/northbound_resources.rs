//! The tenant lists of the northbound API beyond devices: device types, responses, trust bags,
//! owner certificates and vouchers — CRUD round trips, validation that changes nothing, the
//! in-use guard, and a response changed through the API reaching a device.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use reqwest::Method as M;
use serde_json::{Value, json};
use support::{Demo, GBD, JSON, post};
use sztp_protocol::cms::content_type::ContentType;
use sztp_protocol::codec::Encoding;
use sztp_protocol::model::YangDocument;
use sztp_protocol::model::bootstrap_rpc::GetBootstrappingDataOutput;
use sztp_protocol::model::conveyed_info::ConveyedInformation;
use sztp_protocol::trust::{DeviceContext, SignedArtifacts, verify_signed_data};
use sztp_protocol::x509::load_certificates;

struct Nbi {
    base: String,
    client: reqwest::Client,
}

const ROOT: (&str, &str) = ("root", "correct horse battery staple");
const T: &str = "sztp-server:tenants/tenant=default";

impl Nbi {
    /// Connects and creates the unrestricted administrator (the first-use rule).
    async fn new(demo: &Demo) -> Self {
        let nbi = Nbi {
            base: format!("http://{}/restconf/data/", demo.nbi),
            client: reqwest::Client::builder().no_proxy().build().unwrap(),
        };
        let root = json!({"sztp-server:administrator": [{"login": ROOT.0, "password": ROOT.1, "access-level": "unrestricted"}]});
        let req = nbi
            .client
            .post(format!("{}sztp-server:administrators", nbi.base))
            .header("content-type", "application/yang-data+json")
            .body(root.to_string());
        assert_eq!(req.send().await.unwrap().status().as_u16(), 201);
        nbi
    }

    async fn call(&self, method: M, path: &str, body: Option<Value>) -> (u16, Value, Option<String>) {
        let mut req = self.client.request(method, format!("{}{T}/{path}", self.base)).basic_auth(ROOT.0, Some(ROOT.1));
        if let Some(b) = body {
            req = req.header("content-type", "application/yang-data+json").body(b.to_string());
        }
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        let location = resp.headers().get("location").map(|v| v.to_str().unwrap().to_owned());
        let text = resp.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null), location)
    }

    async fn get(&self, path: &str) -> Value {
        let (status, body, _) = self.call(M::GET, path, None).await;
        assert_eq!(status, 200, "GET {path}: {body}");
        body
    }
}

fn tag(v: &Value) -> String {
    v["ietf-restconf:errors"]["error"][0]["error-tag"].as_str().unwrap_or_default().to_owned()
}

/// Create (POST, then POST again → 409), read, replace (PUT → 204), delete (→ 204, then 404).
async fn round_trip(nbi: &Nbi, container: &str, list: &str, key: &str, created: Value, replaced: Value) {
    let wrap = |v: &Value| json!({ format!("sztp-server:{list}"): [v] });
    let item = format!("{container}/{list}={key}");
    let (status, body, location) = nbi.call(M::POST, container, Some(wrap(&created))).await;
    assert_eq!(status, 201, "POST {container}: {body}");
    assert_eq!(location.unwrap(), format!("/restconf/data/{T}/{item}"));
    assert_eq!(nbi.call(M::POST, container, Some(wrap(&created))).await.0, 409);
    let got = nbi.get(&item).await;
    assert_eq!(got[format!("sztp-server:{list}")][0], created, "{item} reads back as written");
    let listed = nbi.get(container).await;
    let key_leaf = if list == "voucher" { "serial" } else { "name" };
    assert!(
        listed[format!("sztp-server:{container}")][list].as_array().unwrap().iter().any(|e| e[key_leaf] == key),
        "{container} lists {key}"
    );
    let (status, body, _) = nbi.call(M::PUT, &item, Some(wrap(&replaced))).await;
    assert_eq!(status, 204, "PUT {item}: {body}");
    assert_eq!(nbi.get(&item).await[format!("sztp-server:{list}")][0], replaced);
    // The key in the body must be the one in the path.
    let mut other = replaced.clone();
    other[key_leaf] = json!("someone-else");
    assert_eq!(nbi.call(M::PUT, &item, Some(wrap(&other))).await.0, 400);
    assert_eq!(nbi.call(M::DELETE, &item, None).await.0, 204);
    assert_eq!(nbi.call(M::GET, &item, None).await.0, 404);
    assert_eq!(nbi.call(M::DELETE, &item, None).await.0, 404);
    // PUT creates too.
    let (status, _, _) = nbi.call(M::PUT, &item, Some(wrap(&created))).await;
    assert_eq!(status, 201);
    assert_eq!(nbi.call(M::DELETE, &item, None).await.0, 204);
}

/// A rejected write answers 400 with `expected_tag` and leaves `item` as it was.
async fn rejected(nbi: &Nbi, item: &str, list: &str, body: Value, expected_tag: &str) {
    let before = nbi.call(M::GET, item, None).await;
    let (status, reply, _) = nbi.call(M::PUT, item, Some(json!({ format!("sztp-server:{list}"): [body] }))).await;
    assert_eq!(status, 400, "PUT {item}: {reply}");
    assert_eq!(tag(&reply), expected_tag, "{reply}");
    assert_eq!(nbi.call(M::GET, item, None).await, before, "{item} unchanged");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tenant_lists_round_trip_and_validate() {
    let demo = Demo::start(1).await;
    let nbi = Nbi::new(&demo).await;
    let mfg = nbi.get("truststore/certificate-bag=manufacturer").await["sztp-server:certificate-bag"][0]["certificate"]
        [0]
    .clone();
    let owner = nbi.get("owner-certificates/owner-certificate=demo-owner").await["sztp-server:owner-certificate"][0]
        ["certificate"]
        .clone();
    assert_eq!(owner.as_array().unwrap().len(), 2, "owner certificate then root");
    let voucher = nbi.get("vouchers/voucher=SN-0001").await["sztp-server:voucher"][0].clone();
    assert!(voucher["expires-at"].is_string(), "{voucher}");

    // Device types.
    let dt = json!({"name": "lab", "trust-bag": "manufacturer", "allow-sha1": false,
        "serial-rule": {"source": "common-name", "token-prefix": "SN:"}, "profile": "opi-agent",
        "signing": "unsigned", "encrypt": false, "reporting-level": "verbose",
        "match-rule": [{"name": "rule-1", "condition": [{"id": 1, "field": "hw-model", "op": "regex", "value": "^lab-", "negate": false}], "response": "demo-onboarding"}]});
    let mut dt2 = dt.clone();
    dt2["signing"] = json!("signed");
    dt2["owner-certificate"] = json!("demo-owner");
    round_trip(&nbi, "device-types", "device-type", "lab", dt, dt2).await;
    let item = "device-types/device-type=demo-device";
    let bad_rule = json!({"name": "demo-device", "match-rule": [{"condition": [{"field": "hw-model", "op": "regex", "value": "("}], "response": "x"}]});
    rejected(&nbi, item, "device-type", bad_rule, "invalid-value").await;
    let no_value = json!({"name": "demo-device", "match-rule": [{"condition": [{"field": "os-name", "op": "equals"}], "response": "x"}]});
    rejected(&nbi, item, "device-type", no_value, "invalid-value").await;
    rejected(&nbi, item, "device-type", json!({"name": "demo-device", "colour": "red"}), "unknown-element").await;
    // SN-0001 uses demo-device: it cannot go.
    let (status, body, _) = nbi.call(M::DELETE, item, None).await;
    assert_eq!((status, tag(&body).as_str()), (409, "in-use"), "{body}");
    nbi.get(item).await;

    // Responses.
    let onboarding = json!({"name": "lab-config", "onboarding": {"configuration-handling": "replace", "configuration": "hostname lab\n"}});
    let redirect = json!({"name": "lab-config", "redirect": {"server": [{"address": "192.0.2.9", "port": 8443, "trust-anchor": [mfg]}]}});
    round_trip(&nbi, "responses", "response", "lab-config", onboarding, redirect).await;
    let item = "responses/response=demo-onboarding";
    rejected(&nbi, item, "response", json!({"name": "demo-onboarding", "onboarding": {}}), "invalid-value").await;
    rejected(&nbi, item, "response", json!({"name": "demo-onboarding", "redirect": {"server": []}}), "invalid-value")
        .await;
    let bad_anchor =
        json!({"name": "demo-onboarding", "redirect": {"server": [{"address": "x", "trust-anchor": ["AAAA"]}]}});
    rejected(&nbi, item, "response", bad_anchor, "invalid-value").await;
    let unknown = json!({"name": "demo-onboarding", "onboarding": {"configuration": "x", "extra": 1}});
    rejected(&nbi, item, "response", unknown, "unknown-element").await;

    // Trust bags.
    let bag = json!({"name": "lab-anchors", "description": "lab", "certificate": [mfg]});
    let bag2 = json!({"name": "lab-anchors", "certificate": [mfg, owner[1]]});
    round_trip(&nbi, "truststore", "certificate-bag", "lab-anchors", bag, bag2).await;
    let item = "truststore/certificate-bag=manufacturer";
    rejected(&nbi, item, "certificate-bag", json!({"name": "manufacturer", "certificate": ["AAAA"]}), "invalid-value")
        .await;
    rejected(&nbi, item, "certificate-bag", json!({"name": "manufacturer", "certificate": ["%%%"]}), "invalid-value")
        .await;
    rejected(&nbi, item, "certificate-bag", json!({"name": "manufacturer", "certs": []}), "unknown-element").await;

    // Owner certificates.
    let oc = json!({"name": "lab-owner", "key": "owner-signer", "certificate": owner});
    let oc2 = json!({"name": "lab-owner", "key": "owner-signer", "certificate": [owner[0]]});
    round_trip(&nbi, "owner-certificates", "owner-certificate", "lab-owner", oc, oc2).await;
    let item = "owner-certificates/owner-certificate=demo-owner";
    let empty = json!({"name": "demo-owner", "key": "owner-signer", "certificate": []});
    rejected(&nbi, item, "owner-certificate", empty, "missing-element").await;
    let garbage = json!({"name": "demo-owner", "key": "owner-signer", "certificate": ["MAA="]});
    rejected(&nbi, item, "owner-certificate", garbage, "invalid-value").await;
    let unknown = json!({"name": "demo-owner", "key": "owner-signer", "certificate": owner, "pem": "x"});
    rejected(&nbi, item, "owner-certificate", unknown, "unknown-element").await;

    // Vouchers: SN-0001's own voucher, removed and written back.
    let item = "vouchers/voucher=SN-0001";
    assert_eq!(nbi.call(M::DELETE, item, None).await.0, 204);
    assert_eq!(nbi.call(M::GET, item, None).await.0, 404);
    let input = json!({"serial": "SN-0001", "cms": voucher["cms"]});
    round_trip(&nbi, "vouchers", "voucher", "SN-0001", voucher.clone(), voucher.clone()).await;
    assert_eq!(nbi.call(M::POST, "vouchers", Some(json!({"sztp-server:voucher": [input]}))).await.0, 201);
    assert_eq!(nbi.get(item).await["sztp-server:voucher"][0], voucher, "expires-at is read from the voucher");
    rejected(&nbi, item, "voucher", json!({"serial": "SN-0001", "cms": mfg}), "invalid-value").await;
    rejected(&nbi, item, "voucher", json!({"serial": "SN-0001", "cms": "bm90IGNtcw=="}), "invalid-value").await;
    rejected(&nbi, item, "voucher", json!({"serial": "SN-0001"}), "missing-element").await;
    rejected(&nbi, item, "voucher", json!({"serial": "SN-0001", "cms": voucher["cms"], "x": 1}), "unknown-element")
        .await;
    demo.stop().await;
}

fn device_context(demo: &Demo, serial: &str) -> DeviceContext {
    let anchors = load_certificates(&std::fs::read(demo.path().join("trust/manufacturer-ca.pem")).unwrap()).unwrap();
    let chain = load_certificates(&std::fs::read(demo.device_dir(serial).join("idevid.pem")).unwrap()).unwrap();
    let mut ctx = DeviceContext::new(serial, anchors);
    ctx.idevid = chain.first().cloned();
    ctx.now = Some(time::OffsetDateTime::now_utc());
    ctx
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_response_changed_through_the_api_reaches_the_device() {
    let demo = Demo::start(1).await;
    let nbi = Nbi::new(&demo).await;
    let item = "responses/response=demo-onboarding";
    let mut response = nbi.get(item).await["sztp-server:response"][0].clone();
    let config = "hostname changed-through-the-api\n";
    response["onboarding"]["configuration"] = json!(config);
    response["onboarding"]["configuration-handling"] = json!("replace");
    let (status, body, _) = nbi.call(M::PUT, item, Some(json!({"sztp-server:response": [response]}))).await;
    assert_eq!(status, 204, "{body}");

    let client = demo.client(Some("SN-0001"));
    let input = r#"{"ietf-sztp-bootstrap-server:input":{"signed-data-preferred":[null]}}"#;
    let (status, _, reply) = post(&client, &demo.url(GBD), None, Some(JSON), Some(JSON), input).await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&reply));
    let output = GetBootstrappingDataOutput::decode(Encoding::Json, &reply).unwrap();
    let artifacts = SignedArtifacts {
        conveyed_information: &output.conveyed_information,
        owner_certificate: output.owner_certificate.as_deref().expect("owner certificate"),
        ownership_voucher: output.ownership_voucher.as_deref().expect("voucher"),
    };
    let verified = verify_signed_data(&artifacts, &device_context(&demo, "SN-0001")).expect("RFC 8572 §5.4 chain");
    assert_eq!(verified.content_type, ContentType::ConveyedInfoJson);
    let ConveyedInformation::Onboarding(info) = ConveyedInformation::decode(Encoding::Json, &verified.payload).unwrap()
    else {
        panic!("onboarding")
    };
    assert_eq!(info.configuration.as_deref(), Some(config.as_bytes()));
    assert!(info.boot_image.is_some(), "the rest of the response is kept");
    demo.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn match_rules_keep_their_names_which_are_unique() {
    let demo = Demo::start(1).await;
    let nbi = Nbi::new(&demo).await;
    let item = "device-types/device-type=demo-device";
    let named = json!({"sztp-server:device-type": [{"name": "demo-device", "trust-bag": "manufacturer",
        "owner-certificate": "demo-owner", "signing": "signed", "match-rule": [
            {"name": "lab", "condition": [{"field": "hw-model", "op": "prefix", "value": "lab-"}], "response": "demo-onboarding"},
            {"name": "everyone-else", "response": "demo-onboarding"}]}]});
    let (status, body, _) = nbi.call(M::PUT, item, Some(named)).await;
    assert_eq!(status, 204, "{body}");
    let rules = nbi.get(item).await["sztp-server:device-type"][0]["match-rule"].clone();
    let names: Vec<&str> = rules.as_array().unwrap().iter().filter_map(|r| r["name"].as_str()).collect();
    assert_eq!(names, ["lab", "everyone-else"]);
    let twice = json!({"name": "demo-device", "match-rule": [
        {"name": "x", "response": "demo-onboarding"}, {"name": "x", "response": "demo-onboarding"}]});
    rejected(&nbi, item, "device-type", twice, "data-exists").await;
    demo.stop().await;
}
