//! XML request bodies on the northbound API (RFC 8040 §4.4–4.5, RFC 8072, action input): a whole
//! bootstrap configuration written in XML reads back equal to the same written in JSON, and
//! bad XML (malformed, with a DTD, of unknown elements) answers 400 with `ietf-restconf:errors`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/fresh.rs"]
mod fresh;

use base64::Engine;
use fresh::{Fresh, issue, loopback_server, root};
use reqwest::Method as M;
use serde_json::{Value, json};
use sztp_ca::Profile;
use sztp_protocol::cms::content_type::ContentType;
use sztp_protocol::cms::signed_data::{SignOptions, sign};
use sztp_protocol::cms::signer::Signer;
use sztp_protocol::model::voucher::{Assertion, Voucher};
use sztp_protocol::x509::Certificate;
use time::{Duration, OffsetDateTime};

const ROOT: (&str, &str) = ("root", "correct horse battery staple");
const T: &str = "sztp-server:tenants/tenant=default";
const NS: &str = "urn:sztp:params:xml:ns:yang:sztp-server";
const JSON: &str = "application/yang-data+json";
const XML: &str = "application/yang-data+xml";
const PATCH_JSON: &str = "application/yang-patch+json";
const PATCH_XML: &str = "application/yang-patch+xml";

fn b64(der: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(der)
}

struct Api {
    http: reqwest::Client,
    data: String,
}

impl Api {
    fn new(server: &Fresh) -> Api {
        Api { http: reqwest::Client::builder().no_proxy().build().unwrap(), data: server.data() }
    }

    async fn send(&self, method: M, path: &str, content_type: &str, body: String) -> (u16, Value) {
        let resp = self
            .http
            .request(method, format!("{}{path}", self.data))
            .basic_auth(ROOT.0, Some(ROOT.1))
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap_or(Value::Null))
    }

    /// A write that must succeed.
    async fn write(&self, method: M, path: &str, content_type: &str, body: String) {
        let (status, reply) = self.send(method.clone(), path, content_type, body).await;
        assert!((200..300).contains(&status), "{method} {path} ({content_type}): {status} {reply}");
    }

    async fn get(&self, path: &str) -> Value {
        let resp = self.http.get(format!("{}{path}", self.data)).basic_auth(ROOT.0, Some(ROOT.1)).send().await;
        let resp = resp.unwrap();
        assert_eq!(resp.status().as_u16(), 200, "GET {path}");
        resp.json().await.unwrap()
    }
}

/// The material of the configuration, made once and written to both servers.
struct Material {
    owner_key: String,
    tls_key: String,
    manufacturer: String,
    other_anchor: String,
    owner: String,
    owner_root: String,
    tls: String,
    voucher: String,
}

fn material() -> Material {
    let now = OffsetDateTime::now_utc();
    let mfg = root("CN=Test Manufacturer Root,O=Test Manufacturer");
    let masa = issue(&mfg, "CN=Test MASA,O=Test Manufacturer", Profile::CmsSigner);
    let owner_root = root("CN=Test Owner Root,O=Test Owner");
    let owner = issue(&owner_root, "CN=Test Owner Certificate,O=Test Owner", Profile::CmsSigner);
    let server_ca = root("CN=Test Server CA,O=Test Owner");
    let tls = loopback_server(&server_ca);
    let voucher = Voucher {
        created_on: now - Duration::minutes(5),
        expires_on: Some(now + Duration::days(30)),
        assertion: Assertion::Verified,
        serial_number: "SN-1".into(),
        idevid_issuer: None,
        pinned_domain_cert: owner_root.certificate_der().to_vec(),
        domain_cert_revocation_checks: Some(false),
        nonce: None,
        last_renewal_date: None,
    };
    let signer = Signer::new(masa.key.pkcs8_der(), vec![Certificate::from_der(&masa.der).unwrap()]).unwrap();
    let cms = sign(ContentType::AnimaJsonVoucher, &voucher.to_json(), &signer, &SignOptions::default()).unwrap();
    Material {
        owner_key: b64(owner.key.pkcs8_der()),
        tls_key: b64(tls.key.pkcs8_der()),
        manufacturer: b64(mfg.certificate_der()),
        other_anchor: b64(server_ca.certificate_der()),
        owner: b64(&owner.der),
        owner_root: b64(owner_root.certificate_der()),
        tls: b64(&tls.der),
        voucher: b64(&cms),
    }
}

/// One write of the configuration: method, path, and the same body in JSON and in XML.
struct Write {
    method: M,
    path: String,
    json: Value,
    xml: String,
}

fn write(method: M, path: &str, json: Value, xml: &str) -> Write {
    Write { method, path: path.to_owned(), json, xml: xml.to_owned() }
}

/// The whole configuration, in the order it is written (after the first administrator).
fn configuration(m: &Material) -> Vec<Write> {
    let admins = "sztp-server:administrators";
    let boot = "hostname from-the-api\n<&> \"quoted\" 'single'\n";
    vec![
        write(
            M::POST,
            admins,
            json!({"sztp-server:administrator": [{"login": "ops", "password": "another long passphrase",
                "access-level": "read-write", "email": "ops@example.com", "tenant": ["default"]}]}),
            &format!(
                "<administrator xmlns=\"{NS}\"><login>ops</login><password>another long passphrase</password>\
                <access-level>read-write</access-level><email>ops@example.com</email><tenant>default</tenant>\
                </administrator>"
            ),
        ),
        write(
            M::PUT,
            "sztp-server:preferences",
            json!({"sztp-server:preferences": {"password": {"min-length": 10, "max-age": 90},
                "lockout": {"threshold": 3, "duration": 600}}}),
            &format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<preferences xmlns=\"{NS}\">\n  <password>\n    \
                <min-length>10</min-length>\n    <max-age>90</max-age>\n  </password>\n  <lockout>\n    \
                <threshold>3</threshold>\n    <duration>600</duration>\n  </lockout>\n</preferences>\n"
            ),
        ),
        write(
            M::POST,
            "sztp-server:tenants",
            json!({"sztp-server:tenant": [{"name": "lab"}]}),
            &format!("<tenant xmlns=\"{NS}\"><name>lab</name></tenant>"),
        ),
        // Action inputs.
        write(
            M::POST,
            &format!("{T}/keystore/import"),
            json!({"sztp-server:input": {"name": "owner-signer", "private-key": m.owner_key}}),
            &format!(
                "<input xmlns=\"{NS}\"><name>owner-signer</name><private-key>{}</private-key></input>",
                m.owner_key
            ),
        ),
        write(
            M::POST,
            &format!("{T}/keystore/import"),
            json!({"sztp-server:input": {"name": "sbi-tls", "private-key": m.tls_key}}),
            &format!(
                "<sz:input xmlns:sz=\"{NS}\"><sz:name>sbi-tls</sz:name>\
                <sz:private-key>\n{}\n</sz:private-key></sz:input>",
                m.tls_key
            ),
        ),
        write(
            M::POST,
            &format!("{T}/keystore/generate"),
            json!({"sztp-server:input": {"name": "spare", "algorithm": "ecdsa-p384"}}),
            &format!("<input xmlns=\"{NS}\"><name>spare</name><algorithm>ecdsa-p384</algorithm></input>"),
        ),
        write(
            M::POST,
            &format!("{T}/truststore"),
            json!({"sztp-server:certificate-bag": [{"name": "manufacturer", "description": "IDevID roots",
                "certificate": [m.manufacturer, m.other_anchor]}]}),
            &format!(
                "<certificate-bag xmlns=\"{NS}\"><name>manufacturer</name><certificate>{}</certificate>\
                <description>IDevID roots</description><certificate>{}</certificate></certificate-bag>",
                m.manufacturer, m.other_anchor
            ),
        ),
        write(
            M::POST,
            &format!("{T}/owner-certificates"),
            json!({"sztp-server:owner-certificate": [{"name": "owner", "key": "owner-signer",
                "certificate": [m.owner, m.owner_root]}]}),
            &format!(
                "<owner-certificate xmlns=\"{NS}\"><name>owner</name><key>owner-signer</key>\
                <certificate>{}</certificate><certificate>{}</certificate></owner-certificate>",
                m.owner, m.owner_root
            ),
        ),
        write(
            M::POST,
            &format!("{T}/responses"),
            json!({"sztp-server:response": [{"name": "onboard", "onboarding": {
                "boot-image": {"os-name": "TestOS", "os-version": "2.0",
                    "download-uri": ["https://a.example/img", "https://b.example/img"]},
                "configuration-handling": "merge", "configuration": boot}}]}),
            &format!(
                "<response xmlns=\"{NS}\"><name>onboard</name><onboarding><boot-image><os-name>TestOS</os-name>\
                <os-version>2.0</os-version><download-uri>https://a.example/img</download-uri>\
                <download-uri>https://b.example/img</download-uri></boot-image>\
                <configuration-handling>merge</configuration-handling><configuration>hostname from-the-api\n\
                &lt;&amp;&gt; \"quoted\" &apos;single&apos;&#10;</configuration></onboarding></response>"
            ),
        ),
        write(
            M::POST,
            &format!("{T}/responses"),
            json!({"sztp-server:response": [{"name": "elsewhere", "redirect": {"server": [
                {"address": "bootstrap.example", "port": 8443, "trust-anchor": [m.other_anchor]},
                {"address": "2001:db8::1"}]}}]}),
            &format!(
                "<response xmlns=\"{NS}\"><name>elsewhere</name><redirect><server>\
                <address>bootstrap.example</address><port>8443</port><trust-anchor>{}</trust-anchor></server>\
                <server><address>2001:db8::1</address></server></redirect></response>",
                m.other_anchor
            ),
        ),
        write(
            M::POST,
            &format!("{T}/device-types"),
            json!({"sztp-server:device-type": [{"name": "dpu", "trust-bag": "manufacturer", "allow-sha1": true,
                "serial-rule": {"source": "common-name", "token-prefix": "SN:"}, "signing": "signed",
                "encrypt": false, "owner-certificate": "owner", "reporting-level": "verbose",
                "match-rule": [
                    {"name": "lab", "condition": [{"id": 1, "field": "source-address", "op": "prefix",
                        "value": "10.0.0.0/8"}, {"id": 2, "field": "hw-model", "op": "regex", "value": "^M-",
                        "negate": true}], "response": "elsewhere"},
                    {"name": "all", "response": "onboard"}]}]}),
            &format!(
                "<device-type xmlns=\"{NS}\"><name>dpu</name><trust-bag>manufacturer</trust-bag>\
                <allow-sha1>true</allow-sha1><serial-rule><source>common-name</source>\
                <token-prefix>SN:</token-prefix></serial-rule><signing>signed</signing><encrypt>false</encrypt>\
                <owner-certificate>owner</owner-certificate><reporting-level>verbose</reporting-level>\
                <match-rule><name>lab</name><condition><id>1</id><field>source-address</field><op>prefix</op>\
                <value>10.0.0.0/8</value></condition><condition><id>2</id><field>hw-model</field><op>regex</op>\
                <value>^M-</value><negate>true</negate></condition><response>elsewhere</response></match-rule>\
                <match-rule><name>all</name><response>onboard</response></match-rule></device-type>"
            ),
        ),
        write(
            M::PUT,
            &format!("{T}/devices/device=SN-1"),
            json!({"sztp-server:device": [{"serial": "SN-1", "device-type": "dpu", "enabled": false,
                "overrides": {"reporting-level": "minimal", "signing": "when-required", "encrypt": true,
                    "owner-certificate": "owner"},
                "match-rule": [{"name": "first", "condition": [{"id": 1, "field": "signed-data-preferred",
                    "op": "present"}], "response": "onboard"}]}]}),
            &format!(
                "<device xmlns=\"{NS}\"><serial>SN-1</serial><device-type>dpu</device-type>\
                <enabled>false</enabled><overrides><reporting-level>minimal</reporting-level>\
                <signing>when-required</signing><encrypt>true</encrypt><owner-certificate>owner</owner-certificate>\
                </overrides><match-rule><name>first</name><condition><id>1</id>\
                <field>signed-data-preferred</field><op>present</op></condition><response>onboard</response>\
                </match-rule></device>"
            ),
        ),
        write(
            M::POST,
            &format!("{T}/devices/import"),
            json!({"sztp-server:input": {"on-conflict": "skip", "device": [
                {"serial": "SN-2", "device-type": "dpu"},
                {"serial": "SN-1", "device-type": "dpu", "enabled": true}]}}),
            &format!(
                "<input xmlns=\"{NS}\"><on-conflict>skip</on-conflict><device><serial>SN-2</serial>\
                <device-type>dpu</device-type></device><device><serial>SN-1</serial><device-type>dpu</device-type>\
                <enabled>true</enabled></device></input>"
            ),
        ),
        write(
            M::PATCH,
            &format!("{T}/devices/device=SN-2"),
            json!({"sztp-server:device": [{"serial": "SN-2", "enabled": false}]}),
            &format!("<device xmlns=\"{NS}\"><serial>SN-2</serial><enabled>false</enabled></device>"),
        ),
        write(
            M::POST,
            &format!("{T}/vouchers"),
            json!({"sztp-server:voucher": [{"serial": "SN-1", "cms": m.voucher}]}),
            &format!("<voucher xmlns=\"{NS}\"><serial>SN-1</serial><cms>{}</cms></voucher>", m.voucher),
        ),
        write(
            M::POST,
            &format!("{T}/endpoints"),
            json!({"sztp-server:endpoint": [{"name": "sbi", "address": "127.0.0.1", "port": 0,
                "protocol": "https", "apis": ["rfc8572", "files"], "external-address": "sbi.example",
                "tls": {"server-key": "sbi-tls", "certificate": [m.tls], "client-auth": "required",
                    "client-trust-bag": "manufacturer", "min-version": "tls1.3"}}]}),
            &format!(
                "<endpoint xmlns=\"{NS}\"><name>sbi</name><address>127.0.0.1</address><port>0</port>\
                <protocol>https</protocol><apis>rfc8572</apis><apis>files</apis>\
                <external-address>sbi.example</external-address><tls><server-key>sbi-tls</server-key>\
                <certificate>{}</certificate><client-auth>required</client-auth>\
                <client-trust-bag>manufacturer</client-trust-bag><min-version>tls1.3</min-version></tls>\
                </endpoint>",
                m.tls
            ),
        ),
        write(
            M::POST,
            &format!("{T}/artifacts"),
            json!({"sztp-server:artifact": [{"name": "image.bin", "media-type": "application/x-image"}]}),
            &format!(
                "<artifact xmlns=\"{NS}\"><name>image.bin</name><media-type>application/x-image</media-type>\
                </artifact>"
            ),
        ),
    ]
}

/// One YANG Patch across the tenant's lists.
fn patch() -> (Value, String) {
    let json = json!({"ietf-yang-patch:yang-patch": {"patch-id": "more", "comment": "in one go", "edit": [
        {"edit-id": "type", "operation": "create", "target": "/device-types/device-type=switch",
         "value": {"sztp-server:device-type": [{"name": "switch", "profile": "cisco-iosxe"}]}},
        {"edit-id": "new", "operation": "create", "target": "/devices/device=SN-3",
         "value": {"sztp-server:device": [{"serial": "SN-3", "device-type": "switch", "enabled": false}]}},
        {"edit-id": "on", "operation": "merge", "target": "/devices/device=SN-2",
         "value": {"sztp-server:device": [{"serial": "SN-2", "enabled": true}]}}]}});
    let xml = format!(
        "<yang-patch xmlns=\"urn:ietf:params:xml:ns:yang:ietf-yang-patch\"><patch-id>more</patch-id>\
         <comment>in one go</comment>\
         <edit><edit-id>type</edit-id><operation>create</operation><target>/device-types/device-type=switch</target>\
         <value><device-type xmlns=\"{NS}\"><name>switch</name><profile>cisco-iosxe</profile></device-type></value>\
         </edit><edit><edit-id>new</edit-id><operation>create</operation><target>/devices/device=SN-3</target>\
         <value><device xmlns=\"{NS}\"><serial>SN-3</serial><device-type>switch</device-type>\
         <enabled>false</enabled></device></value></edit>\
         <edit><edit-id>on</edit-id><operation>merge</operation><target>/devices/device=SN-2</target>\
         <value><device xmlns=\"{NS}\"><serial>SN-2</serial><enabled>true</enabled></device></value></edit>\
         </yang-patch>"
    );
    (json, xml)
}

/// Writes the configuration in one encoding and reads every resource back in JSON.
async fn configure(m: &Material, xml: bool) -> Vec<(String, Value)> {
    let server = Fresh::start().await;
    let api = Api::new(&server);
    let (data, patch_type) = if xml { (XML, PATCH_XML) } else { (JSON, PATCH_JSON) };
    let first = if xml {
        format!(
            "<administrator xmlns=\"{NS}\"><login>{}</login><password>{}</password>\
            <access-level>unrestricted</access-level></administrator>",
            ROOT.0, ROOT.1
        )
    } else {
        json!({"sztp-server:administrator": [{"login": ROOT.0, "password": ROOT.1, "access-level": "unrestricted"}]})
            .to_string()
    };
    let created = api.http.post(format!("{}sztp-server:administrators", api.data)).header("content-type", data);
    assert_eq!(created.body(first).send().await.unwrap().status().as_u16(), 201, "first administrator");
    for w in configuration(m) {
        let body = if xml { w.xml } else { w.json.to_string() };
        api.write(w.method, &w.path, data, body).await;
    }
    let (json_patch, xml_patch) = patch();
    let (status, reply) = api.send(M::PATCH, T, patch_type, if xml { xml_patch } else { json_patch.to_string() }).await;
    assert_eq!(status, 200, "{reply}");
    assert_eq!(reply, json!({"ietf-yang-patch:yang-patch-status": {"patch-id": "more", "ok": [null]}}));

    let mut paths = vec![
        "sztp-server:administrators?content=config".to_owned(),
        "sztp-server:preferences".to_owned(),
        "sztp-server:tenants?content=config".to_owned(),
    ];
    for list in ["keystore", "truststore", "owner-certificates", "responses", "device-types", "devices", "vouchers"] {
        paths.push(format!("{T}/{list}?content=config"));
    }
    paths.push(format!("{T}/endpoints/endpoint=sbi?content=config"));
    paths.push(format!("{T}/artifacts/artifact=image.bin?content=config"));
    let mut read = Vec::new();
    for path in paths {
        let value = api.get(&path).await;
        read.push((path, value));
    }
    server.stop().await;
    read
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_configuration_written_in_xml_reads_back_as_the_same_written_in_json() {
    let m = material();
    let from_xml = configure(&m, true).await;
    let from_json = configure(&m, false).await;
    for ((path, xml), (_, json)) in from_xml.iter().zip(&from_json) {
        assert_eq!(xml, json, "{path}");
    }
    // The comparison is of something: types, lists and values came through XML.
    let devices = &from_xml.iter().find(|(p, _)| p.starts_with(&format!("{T}/devices"))).unwrap().1;
    let sn1 = &devices["sztp-server:devices"]["device"][0];
    assert_eq!(sn1["serial"], "SN-1", "{devices}");
    assert_eq!(sn1["enabled"], false, "the import skipped the existing device");
    assert_eq!(sn1["overrides"]["encrypt"], true);
    assert_eq!(devices["sztp-server:devices"]["device"].as_array().unwrap().len(), 3);
    let tenants = &from_xml[2].1;
    let default = &tenants["sztp-server:tenants"]["tenant"].as_array().unwrap()[0];
    let onboard = &default["responses"]["response"].as_array().unwrap().iter().find(|r| r["name"] == "onboard");
    let configuration = &onboard.unwrap()["onboarding"]["configuration"];
    assert_eq!(configuration, "hostname from-the-api\n<&> \"quoted\" 'single'\n");
    assert_eq!(default["keystore"]["asymmetric-key"].as_array().unwrap().len(), 3, "{default}");
    let prefs = &from_xml[1].1;
    assert_eq!(prefs["sztp-server:preferences"]["lockout"]["duration"], 600);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_xml_bodies_answer_400_with_restconf_errors() {
    let server = Fresh::start().await;
    let api = Api::new(&server);
    let admin = json!({"sztp-server:administrator": [{"login": ROOT.0, "password": ROOT.1,
        "access-level": "unrestricted"}]});
    api.write(M::POST, "sztp-server:administrators", JSON, admin.to_string()).await;
    let device = format!("{T}/devices/device=SN-1");

    let cases = [
        (M::PUT, XML, format!("<device xmlns=\"{NS}\"><serial>SN-1</serial>"), "malformed-message"),
        (
            M::PUT,
            XML,
            format!(
                "<!DOCTYPE device [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>\
                 <device xmlns=\"{NS}\"><serial>&x;</serial></device>"
            ),
            "malformed-message",
        ),
        (M::PUT, XML, format!("<device xmlns=\"{NS}\"><colour>red</colour></device>"), "unknown-element"),
        (M::PUT, XML, "<device xmlns=\"urn:example:other\"/>".to_owned(), "unknown-element"),
        (M::PUT, XML, format!("<device xmlns=\"{NS}\"><enabled>yes</enabled></device>"), "invalid-value"),
        (
            M::PATCH,
            PATCH_XML,
            "<yang-patch xmlns=\"urn:ietf:params:xml:ns:yang:ietf-yang-patch\">".into(),
            "malformed-message",
        ),
    ];
    for (method, content_type, body, tag) in cases {
        let (status, reply) = api.send(method, &device, content_type, body.clone()).await;
        assert_eq!(status, 400, "{body}: {reply}");
        let error = &reply["ietf-restconf:errors"]["error"][0];
        assert_eq!(error["error-tag"], tag, "{body}: {reply}");
        assert!(error["error-message"].as_str().is_some_and(|m| !m.is_empty()), "{reply}");
    }
    let (status, _) = api.send(M::GET, &device, JSON, String::new()).await;
    assert_eq!(status, 404, "nothing was written");

    // Asked for XML, the error is an ietf-restconf errors document in XML.
    let resp = api
        .http
        .put(format!("{}{device}", api.data))
        .basic_auth(ROOT.0, Some(ROOT.1))
        .header("content-type", XML)
        .header("accept", XML)
        .body("<!DOCTYPE d [<!ENTITY a \"aaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;\">]><d>&b;</d>")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 400);
    assert_eq!(resp.headers()["content-type"], XML);
    let text = resp.text().await.unwrap();
    assert!(text.starts_with("<errors xmlns=\"urn:ietf:params:xml:ns:yang:ietf-restconf\"><error>"), "{text}");
    assert!(text.contains("<error-tag>malformed-message</error-tag>"), "{text}");
    sztp_testkit::yanglint::yanglint(sztp_testkit::yanglint::Schema::Errors, text.as_bytes(), true).unwrap();
    server.stop().await;
}
