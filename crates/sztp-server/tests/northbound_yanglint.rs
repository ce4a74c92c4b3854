//! What the northbound API returns is valid instance data of our YANG module, checked by
//! yanglint: the whole datastore with state (`-t data`) and with `content=config` (`-t config`),
//! in JSON and, asked for with `Accept`, in XML; errors come in XML too.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::process::Command;

use reqwest::Method as M;
use serde_json::{Value, json};
use support::{Demo, GBD, JSON, nbi_call, post};

const MODULE: &str = "yang/sztp/sztp-server@2026-11-30.yang";
const XML: &str = "application/yang-data+xml";

/// The datastore as the API returns it, in one document.
async fn datastore(http: &reqwest::Client, nbi: &str, query: &str) -> Value {
    let mut doc = serde_json::Map::new();
    for top in ["administrators", "preferences", "tenants"] {
        let (status, v) = nbi_call(http, M::GET, format!("{nbi}sztp-server:{top}{query}"), None).await;
        assert_eq!(status, 200, "{top}: {v}");
        let key = format!("sztp-server:{top}");
        doc.insert(key.clone(), v[&key].clone());
    }
    Value::Object(doc)
}

/// The same datastore in XML: the three top-level nodes side by side in one file.
async fn datastore_xml(http: &reqwest::Client, nbi: &str, query: &str) -> String {
    let mut doc = String::new();
    for top in ["administrators", "preferences", "tenants"] {
        let resp = http
            .get(format!("{nbi}sztp-server:{top}{query}"))
            .basic_auth(support::ROOT.0, Some(support::ROOT.1))
            .header("Accept", XML)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        assert_eq!(resp.headers()["content-type"], XML);
        doc.push_str(&resp.text().await.unwrap());
        doc.push('\n');
    }
    doc
}

fn validate(doc: &Value, kind: &str) {
    validate_file("datastore.json", &serde_json::to_vec_pretty(doc).unwrap(), kind, &format!("{doc:#}"));
}

fn validate_file(name: &str, bytes: &[u8], kind: &str, shown: &str) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join(name);
    std::fs::write(&file, bytes).unwrap();
    let doc = shown;
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let out = Command::new("yanglint")
        .current_dir(&root)
        .args(["-D", "-p", "yang/ietf", "-p", "yang/sztp", "-t", kind, MODULE])
        .arg(&file)
        .output()
        .expect("yanglint runs");
    let said = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success() && out.stderr.is_empty(), "-t {kind}: {said}\n{doc:#}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_datastore_the_api_returns_is_valid_instance_data() {
    if !support::yanglint_available() {
        return;
    }
    let demo = Demo::start(2).await;
    let (http, nbi) = support::nbi_as_root(&demo).await;
    // Some state: a bootstrap, a progress report, a read-only administrator with a client certificate.
    let input = r#"{"ietf-sztp-bootstrap-server:input":{"signed-data-preferred":[null]}}"#;
    let client = demo.client(Some("SN-0001"));
    assert_eq!(post(&client, &demo.url(GBD), None, Some(JSON), Some(JSON), input).await.0, 200);
    let progress = r#"{"ietf-sztp-bootstrap-server:input":{"progress-type":"bootstrap-initiated"}}"#;
    assert_eq!(post(&client, &demo.url(support::PROGRESS), None, Some(JSON), None, progress).await.0, 204);
    let idevid = std::fs::read(demo.device_dir("SN-0002").join("idevid.pem")).unwrap();
    let der = sztp_protocol::x509::load_certificates(&idevid).unwrap()[0].der().to_vec();
    let cert = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, der);
    let viewer = json!({"sztp-server:administrator": [{"login": "viewer", "password": "long enough password",
        "client-certificate": cert, "access-level": "read-only", "tenant": ["default"]}]});
    let (status, body) = nbi_call(&http, M::POST, format!("{nbi}sztp-server:administrators"), Some(viewer)).await;
    assert_eq!(status, 201, "{body}");

    let all = datastore(&http, &nbi, "").await;
    let tenant = &all["sztp-server:tenants"]["tenant"][0];
    assert!(tenant["devices"]["device"][0]["status"].is_object(), "state is there to be checked: {tenant}");
    validate(&all, "data");
    validate(&datastore(&http, &nbi, "?content=config").await, "config");
    let xml = datastore_xml(&http, &nbi, "").await;
    assert!(xml.contains("<serial>SN-0001</serial>"), "{xml}");
    validate_file("datastore.xml", xml.as_bytes(), "data", &xml);
    let xml = datastore_xml(&http, &nbi, "?content=config").await;
    validate_file("datastore.xml", xml.as_bytes(), "config", &xml);

    // A long list (written entry by entry) comes in XML too.
    let devices = http
        .get(format!("{nbi}sztp-server:tenants/tenant=default/devices?fields=device(serial)"))
        .basic_auth(support::ROOT.0, Some(support::ROOT.1))
        .header("Accept", XML)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(
        devices,
        "<devices xmlns=\"urn:sztp:params:xml:ns:yang:sztp-server\"><device><serial>SN-0001</serial></device>\
         <device><serial>SN-0002</serial></device></devices>"
    );

    // Errors in XML are ietf-restconf errors; an XML body is read as JSON would be (no device-type: 400).
    let missing = format!("{nbi}sztp-server:tenants/tenant=default/devices/device=NOPE");
    let resp = http.get(&missing).basic_auth(support::ROOT.0, Some(support::ROOT.1)).header("Accept", XML);
    let resp = resp.send().await.unwrap();
    assert_eq!(resp.status(), 404);
    let text = resp.text().await.unwrap();
    assert!(text.starts_with("<errors xmlns=\"urn:ietf:params:xml:ns:yang:ietf-restconf\">"), "{text}");
    sztp_testkit::yanglint::yanglint(sztp_testkit::yanglint::Schema::Errors, text.as_bytes(), true).unwrap();
    let put = http
        .put(&missing)
        .basic_auth(support::ROOT.0, Some(support::ROOT.1))
        .header("Content-Type", XML)
        .body("<device xmlns=\"urn:sztp:params:xml:ns:yang:sztp-server\"><serial>NOPE</serial></device>")
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), 400);
    demo.stop().await;
}
