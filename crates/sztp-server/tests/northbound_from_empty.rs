//! From an empty database to a device's signed bootstrap, through the northbound API alone:
//! first use, keystore, truststore, device type, device, owner certificate, voucher, artifact
//! upload, response and an HTTPS endpoint — with ETags and the GET query parameters on the way.
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
use sztp_protocol::codec::Encoding;
use sztp_protocol::model::YangDocument;
use sztp_protocol::model::bootstrap_rpc::GetBootstrappingDataOutput;
use sztp_protocol::model::conveyed_info::ConveyedInformation;
use sztp_protocol::model::voucher::{Assertion, Voucher};
use sztp_protocol::trust::{DeviceContext, SignedArtifacts, verify_signed_data};
use sztp_protocol::x509::Certificate;
use time::{Duration, OffsetDateTime};

const ROOT: (&str, &str) = ("root", "correct horse battery staple");
const T: &str = "sztp-server:tenants/tenant=default";
const SERIAL: &str = "SN-7001";

fn b64(der: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(der)
}

struct Api {
    http: reqwest::Client,
    data: String,
}

impl Api {
    async fn send(&self, method: M, path: &str, body: Option<Value>, headers: &[(&str, &str)]) -> reqwest::Response {
        let mut req = self.http.request(method, format!("{}{path}", self.data)).basic_auth(ROOT.0, Some(ROOT.1));
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        if let Some(b) = body {
            req = req.header("content-type", "application/yang-data+json").body(b.to_string());
        }
        req.send().await.unwrap()
    }

    /// A write that must succeed; returns the status.
    async fn write(&self, method: M, path: &str, body: Value) -> u16 {
        let resp = self.send(method.clone(), path, Some(body), &[]).await;
        let status = resp.status().as_u16();
        assert!((200..300).contains(&status), "{method} {path}: {status} {}", resp.text().await.unwrap());
        status
    }

    async fn get(&self, path: &str) -> Value {
        let resp = self.send(M::GET, path, None, &[]).await;
        assert_eq!(resp.status().as_u16(), 200, "GET {path}");
        resp.json().await.unwrap()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_database_is_configured_through_the_api_until_a_device_bootstraps_signed() {
    let server = Fresh::start().await;
    let api = Api { http: reqwest::Client::builder().no_proxy().build().unwrap(), data: server.data() };

    // First use: reads need no credentials, the first write must create an unrestricted administrator.
    let anonymous = api.http.get(format!("{}sztp-server:administrators", api.data)).send().await.unwrap();
    assert_eq!(anonymous.status().as_u16(), 200);
    let device_first = api.http.post(format!("{}{T}/devices", api.data)).body("{}").send().await.unwrap();
    assert_eq!(device_first.status().as_u16(), 400);
    let admin =
        json!({"sztp-server:administrator": [{"login": ROOT.0, "password": ROOT.1, "access-level": "unrestricted"}]});
    let created = api.http.post(format!("{}sztp-server:administrators", api.data)).body(admin.to_string());
    assert_eq!(created.send().await.unwrap().status().as_u16(), 201);
    let anonymous = api.http.get(format!("{}sztp-server:administrators", api.data)).send().await.unwrap();
    assert_eq!(anonymous.status().as_u16(), 401, "credentials are needed once an administrator exists");

    // The PKI of the manufacturer, the owner and the server, made outside the server.
    let now = OffsetDateTime::now_utc();
    let mfg = root("CN=Test Manufacturer Root,O=Test Manufacturer");
    let idevid = issue(
        &mfg,
        &format!("CN=Device {SERIAL},serialNumber={SERIAL},O=Test Manufacturer"),
        Profile::DeviceIdentity { serial_number: SERIAL.into() },
    );
    let masa = issue(&mfg, "CN=Test MASA,O=Test Manufacturer", Profile::CmsSigner);
    let owner_root = root("CN=Test Owner Root,O=Test Owner");
    let owner = issue(&owner_root, "CN=Test Owner Certificate,O=Test Owner", Profile::CmsSigner);
    let server_ca = root("CN=Test Server CA,O=Test Owner");
    let tls = loopback_server(&server_ca);
    let voucher = Voucher {
        created_on: now - Duration::minutes(5),
        expires_on: Some(now + Duration::days(30)),
        assertion: Assertion::Verified,
        serial_number: SERIAL.into(),
        idevid_issuer: None,
        pinned_domain_cert: owner_root.certificate_der().to_vec(),
        domain_cert_revocation_checks: Some(false),
        nonce: None,
        last_renewal_date: None,
    };
    let masa_signer = Signer::new(masa.key.pkcs8_der(), vec![Certificate::from_der(&masa.der).unwrap()]).unwrap();
    let voucher_cms =
        sign(ContentType::AnimaJsonVoucher, &voucher.to_json(), &masa_signer, &SignOptions::default()).unwrap();

    // Keystore, truststore, owner certificate, device type, device, voucher. A key carries no
    // certificates (the owner certificate does), and an import that sends some creates nothing.
    let with_chain = json!({"sztp-server:input": {"name": "owner-signer",
        "private-key": b64(owner.key.pkcs8_der()), "certificate": [b64(&owner.der)]}});
    let refused = api.send(M::POST, &format!("{T}/keystore/import"), Some(with_chain), &[]).await;
    assert_eq!(refused.status().as_u16(), 400);
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["ietf-restconf:errors"]["error"][0]["error-tag"], "unknown-element", "{body}");
    for (name, leaf) in [("owner-signer", &owner), ("sbi-tls", &tls)] {
        let import = json!({"sztp-server:input": {"name": name, "private-key": b64(leaf.key.pkcs8_der())}});
        assert_eq!(api.write(M::POST, &format!("{T}/keystore/import"), import).await, 200);
    }
    let bag =
        json!({"sztp-server:certificate-bag": [{"name": "manufacturer", "certificate": [b64(mfg.certificate_der())]}]});
    api.write(M::POST, &format!("{T}/truststore"), bag).await;
    let oc = json!({"sztp-server:owner-certificate": [{"name": "owner", "key": "owner-signer",
        "certificate": [b64(&owner.der), b64(owner_root.certificate_der())]}]});
    api.write(M::POST, &format!("{T}/owner-certificates"), oc).await;
    let dt = json!({"sztp-server:device-type": [{"name": "dpu", "trust-bag": "manufacturer",
        "serial-rule": {"source": "subject-serial-number"}, "signing": "signed", "owner-certificate": "owner",
        "match-rule": [{"name": "all", "response": "onboard"}]}]});
    api.write(M::POST, &format!("{T}/device-types"), dt).await;
    let device = json!({"sztp-server:device": [{"serial": SERIAL, "device-type": "dpu"}]});
    api.write(M::POST, &format!("{T}/devices"), device).await;
    // An activation code or its hash, never both; a hash must be an argon2 PHC string.
    let both = json!({"sztp-server:device": [{"serial": SERIAL, "device-type": "dpu", "activation-code": "c",
        "activation-code-hash": "$argon2id$v=19$m=8,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$aQfSyBBzT2hMql2wSbhvXz3E2ZqP23oS6fqhKOa9ENc"}]});
    let device_path = format!("{T}/devices/device={SERIAL}");
    assert_eq!(api.send(M::PUT, &device_path, Some(both), &[]).await.status().as_u16(), 400);
    let bad =
        json!({"sztp-server:device": [{"serial": SERIAL, "device-type": "dpu", "activation-code-hash": "$5$x$y"}]});
    assert_eq!(api.send(M::PUT, &device_path, Some(bad), &[]).await.status().as_u16(), 400);
    let v = json!({"sztp-server:voucher": [{"serial": SERIAL, "cms": b64(&voucher_cms)}]});
    api.write(M::POST, &format!("{T}/vouchers"), v).await;

    // The boot image is uploaded as an artifact; its metadata shows in the datastore.
    let image: Vec<u8> = (0..100_000u32).map(|i| (i * 7 % 251) as u8).collect();
    let upload = api
        .http
        .put(format!("http://{}/artifacts/default/image.bin", server.nbi))
        .basic_auth(ROOT.0, Some(ROOT.1))
        .header("content-type", "application/octet-stream")
        .body(image.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(upload.status().as_u16(), 201);
    let meta = api.get(&format!("{T}/artifacts/artifact=image.bin")).await;
    assert_eq!(meta["sztp-server:artifact"][0]["size"], "100000");

    // An HTTPS southbound endpoint comes up live.
    let endpoint = json!({"sztp-server:endpoint": [{"name": "sbi", "address": "127.0.0.1", "port": 0,
        "protocol": "https", "apis": ["rfc8572", "files"],
        "tls": {"server-key": "sbi-tls", "certificate": [b64(&tls.der)], "client-auth": "optional",
                "client-trust-bag": "manufacturer"}}]});
    api.write(M::POST, &format!("{T}/endpoints"), endpoint).await;
    let mut sbi = None;
    for _ in 0..250 {
        let e = api.get(&format!("{T}/endpoints/endpoint=sbi")).await;
        if let Some(addr) = e["sztp-server:endpoint"][0]["listening"].as_str() {
            sbi = Some(addr.to_owned());
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let sbi = sbi.expect("the endpoint listens");
    let onboard = json!({"sztp-server:response": [{"name": "onboard", "onboarding": {
        "boot-image": {"os-name": "TestOS", "os-version": "2.0", "artifact": "image.bin"},
        "configuration-handling": "merge", "configuration": "hostname from-the-api\n"}}]});
    let nowhere = json!({"sztp-server:response": [{"name": "nowhere", "onboarding": {
        "boot-image": {"os-name": "TestOS", "os-version": "2.0"}}}]});
    let refused = api.send(M::POST, &format!("{T}/responses"), Some(nowhere), &[]).await;
    assert_eq!(refused.status().as_u16(), 400, "a boot image needs a download URI or an artifact");
    api.write(M::POST, &format!("{T}/responses"), onboard).await;

    // The device bootstraps and verifies the whole RFC 8572 §5.4 chain.
    let device_http = reqwest::Client::builder()
        .no_proxy()
        .tls_certs_only([reqwest::Certificate::from_der(server_ca.certificate_der()).unwrap()])
        .identity(idevid.identity(&[]))
        .build()
        .unwrap();
    let gbd = device_http
        .post(format!("https://{sbi}/restconf/operations/ietf-sztp-bootstrap-server:get-bootstrapping-data"))
        .header("content-type", "application/yang-data+json")
        .body(r#"{"ietf-sztp-bootstrap-server:input":{"signed-data-preferred":[null]}}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(gbd.status().as_u16(), 200);
    let output = GetBootstrappingDataOutput::decode(Encoding::Json, &gbd.bytes().await.unwrap()).unwrap();
    let artifacts = SignedArtifacts {
        conveyed_information: &output.conveyed_information,
        owner_certificate: output.owner_certificate.as_deref().expect("owner certificate"),
        ownership_voucher: output.ownership_voucher.as_deref().expect("voucher"),
    };
    let mut ctx = DeviceContext::new(SERIAL, vec![Certificate::from_der(mfg.certificate_der()).unwrap()]);
    ctx.idevid = Some(Certificate::from_der(&idevid.der).unwrap());
    ctx.now = Some(OffsetDateTime::now_utc());
    let verified = verify_signed_data(&artifacts, &ctx).expect("RFC 8572 §5.4 chain");
    let ConveyedInformation::Onboarding(info) = ConveyedInformation::decode(Encoding::Json, &verified.payload).unwrap()
    else {
        panic!("onboarding information expected")
    };
    // The artifact-only image is served from this endpoint, at the address the device used.
    let image_info = info.boot_image.as_ref().expect("boot image");
    assert_eq!(image_info.download_uri, [format!("https://{sbi}/files/image.bin")]);
    let hash = &info.boot_image.as_ref().expect("boot image").image_verification[0].hash_value;
    assert_eq!(hash.as_slice(), aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, &image).as_ref());
    let download = device_http.get(format!("https://{sbi}/files/image.bin")).send().await.unwrap();
    assert_eq!(download.bytes().await.unwrap().as_ref(), image.as_slice());

    // The device's status is state: content=nonconfig keeps it, content=config drops it.
    let path = format!("{T}/devices/device={SERIAL}");
    let state = api.get(&format!("{path}?content=nonconfig")).await;
    assert!(state["sztp-server:device"][0]["status"].is_object(), "{state}");
    assert!(state["sztp-server:device"][0].get("device-type").is_none(), "{state}");
    let config = api.get(&format!("{path}?content=config")).await;
    assert!(config["sztp-server:device"][0].get("status").is_none(), "{config}");
    let fields = api.get(&format!("{T}/devices?fields=device(serial)")).await;
    assert_eq!(fields, json!({"sztp-server:devices": {"device": [{"serial": SERIAL}]}}));
    assert_eq!(api.get(&format!("{T}/devices?depth=1")).await, json!({"sztp-server:devices": {}}));
    assert_eq!(api.send(M::GET, &format!("{path}?depth=0"), None, &[]).await.status().as_u16(), 400);
    assert_eq!(api.send(M::GET, &format!("{path}?colour=red"), None, &[]).await.status().as_u16(), 400);
    let xml = [("accept", "application/yang-data+xml")];
    let in_xml = api.send(M::GET, &path, None, &xml).await;
    assert_eq!(in_xml.status().as_u16(), 200, "replies in XML on request");
    assert_eq!(in_xml.headers()["content-type"], "application/yang-data+xml");
    let text = in_xml.text().await.unwrap();
    assert!(
        text.starts_with(&format!(
            "<device xmlns=\"urn:sztp:params:xml:ns:yang:sztp-server\"><serial>{SERIAL}</serial>"
        )),
        "{text}"
    );
    let html = [("accept", "text/html")];
    assert_eq!(api.send(M::GET, &path, None, &html).await.status().as_u16(), 406);
    let as_xml = api
        .http
        .put(format!("{}{path}", api.data))
        .basic_auth(ROOT.0, Some(ROOT.1))
        .header("content-type", "application/yang-data+xml")
        .body("<device/>")
        .send()
        .await
        .unwrap();
    assert_eq!(as_xml.status().as_u16(), 400, "XML bodies are read; this one has no namespace");

    // ETags: a conditional GET answers 304, a write with a stale If-Match changes nothing.
    let dt_path = format!("{T}/device-types/device-type=dpu");
    let first = api.send(M::GET, &dt_path, None, &[]).await;
    let etag = first.headers()["etag"].to_str().unwrap().to_owned();
    assert!(first.headers().contains_key("last-modified"));
    let again = api.send(M::GET, &dt_path, None, &[("if-none-match", &etag)]).await;
    assert_eq!(again.status().as_u16(), 304);
    let mut dt = first.json::<Value>().await.unwrap();
    dt["sztp-server:device-type"][0]["reporting-level"] = json!("verbose");
    let stale = api.send(M::PUT, &dt_path, Some(dt.clone()), &[("if-match", "\"stale\"")]).await;
    assert_eq!(stale.status().as_u16(), 412);
    assert_eq!(api.send(M::GET, &dt_path, None, &[("if-none-match", &etag)]).await.status().as_u16(), 304);
    let fresh = api.send(M::PUT, &dt_path, Some(dt), &[("if-match", &etag)]).await;
    assert_eq!(fresh.status().as_u16(), 204);
    let changed = api.send(M::GET, &dt_path, None, &[("if-none-match", &etag)]).await;
    assert_eq!(changed.status().as_u16(), 200, "the representation changed, so did its tag");
    server.stop().await;
}
