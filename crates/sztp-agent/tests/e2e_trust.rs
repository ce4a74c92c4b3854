//! The device refuses signed data that fails RFC 8572 §5.4, and its status says which step:
//! a tampered voucher, a voucher for another serial, an expired voucher, an owner certificate
//! outside the pinned domain, conveyed information signed by another key, and a voucher whose
//! nonce is not the one the device sent. Nothing runs.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod e2e_support;

use base64::Engine;
use e2e_support::{Device, Nbi, Server, genuine_reply};
use reqwest::Method as M;
use serde_json::{Value, json};
use sztp_ca::{CertificateAuthority, IssueRequest, KeyAlgorithm, PrivateKey, Profile};
use sztp_protocol::cms::content_type::ContentType;
use sztp_protocol::cms::signed_data::{SignOptions, sign};
use sztp_protocol::cms::signer::Signer;
use sztp_protocol::model::voucher::{Assertion, Voucher};
use sztp_protocol::x509::Certificate;
use time::{Duration, OffsetDateTime};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// Runs SN-0001 and returns its last error, after checking nothing was applied.
fn refused(server: &Server, extra: &[(&str, &str)]) -> String {
    let mut device = Device::new(server, "SN-0001").trusting(server).with("--os-version", "1.0");
    for (flag, value) in extra {
        device = device.with(flag, value);
    }
    let run = device.run();
    assert_eq!(run.code, 1, "{run:?}");
    assert!(device.file("applied-merge").is_none() && device.file("installed").is_none(), "something ran");
    let status = device.status();
    let stages = e2e_support::stages(&status);
    assert_eq!(stages.last().map(|(n, o)| (n.as_str(), o.as_str())), Some(("verification", "failed")), "{status:#}");
    status["last_error"].as_str().unwrap().to_owned()
}

async fn voucher(nbi: &Nbi, serial: &str) -> Value {
    nbi.get(&format!("vouchers/voucher={serial}")).await["sztp-server:voucher"][0].clone()
}

fn key_pair() -> PrivateKey {
    PrivateKey::generate(KeyAlgorithm::EcdsaP256).unwrap()
}

fn issue(ca: &CertificateAuthority, subject: &str, key: &PrivateKey) -> Vec<u8> {
    let now = OffsetDateTime::now_utc();
    let req = IssueRequest {
        subject,
        public_key_der: &key.public_key_der(),
        profile: Profile::CmsSigner,
        not_before: now - Duration::days(10),
        not_after: now + Duration::days(10),
    };
    ca.issue(&req).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tampered_and_misaddressed_vouchers_are_refused() {
    let server = Server::start(2);
    let nbi = Nbi::new(&server).await;
    let mut mine = voucher(&nbi, "SN-0001").await;
    let original = mine["cms"].clone();

    // One flipped byte in the voucher's signed content.
    let mut der = B64.decode(original.as_str().unwrap()).unwrap();
    let at = der.windows(13).position(|w| w == b"serial-number").expect("voucher JSON inside") + 20;
    der[at] ^= 0x01;
    mine["cms"] = json!(B64.encode(&der));
    mine.as_object_mut().unwrap().remove("expires-at");
    nbi.send(M::PUT, "vouchers/voucher=SN-0001", json!({"sztp-server:voucher": [mine.clone()]})).await;
    let error = refused(&server, &[]);
    assert!(error.starts_with("trust:") && error.contains("voucher"), "{error}");

    // SN-0002's genuine voucher served to SN-0001.
    let theirs = voucher(&nbi, "SN-0002").await;
    mine["cms"] = theirs["cms"].clone();
    nbi.send(M::PUT, "vouchers/voucher=SN-0001", json!({"sztp-server:voucher": [mine]})).await;
    let error = refused(&server, &[]);
    assert!(error.contains("serial"), "{error}");
}

/// A voucher signed by a manufacturer of the test's own, stored for SN-0001; returns the
/// manufacturer's anchor file for `--manufacturer-trust`.
async fn own_voucher(server: &Server, nbi: &Nbi, shape: impl FnOnce(&mut Voucher)) -> String {
    let mfg = CertificateAuthority::new_root("CN=Test Manufacturer,O=Test", key_pair(), 365).unwrap();
    let masa_key = key_pair();
    let masa = Signer::new(
        masa_key.pkcs8_der(),
        vec![Certificate::from_der(&issue(&mfg, "CN=MASA,O=Test", &masa_key)).unwrap()],
    )
    .unwrap();
    let owner = nbi.get("owner-certificates/owner-certificate=demo-owner").await;
    let pinned = B64.decode(owner["sztp-server:owner-certificate"][0]["certificate"][1].as_str().unwrap()).unwrap();
    let now = OffsetDateTime::now_utc();
    let mut v = Voucher {
        created_on: now - Duration::days(3),
        expires_on: Some(now + Duration::days(1)),
        assertion: Assertion::Verified,
        serial_number: "SN-0001".into(),
        idevid_issuer: None,
        pinned_domain_cert: pinned,
        domain_cert_revocation_checks: Some(false),
        nonce: None,
        last_renewal_date: None,
    };
    shape(&mut v);
    let cms = sign(ContentType::AnimaJsonVoucher, &v.to_json(), &masa, &SignOptions::default()).unwrap();
    nbi.send(
        M::PUT,
        "vouchers/voucher=SN-0001",
        json!({"sztp-server:voucher": [{"serial": "SN-0001", "cms": B64.encode(&cms)}]}),
    )
    .await;
    let anchor = server.dir.path().join("test-mfg.pem");
    std::fs::write(&anchor, sztp_ca::pem_encode("CERTIFICATE", mfg.certificate_der())).unwrap();
    anchor.display().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_voucher_is_refused() {
    let server = Server::start(1);
    let nbi = Nbi::new(&server).await;
    let anchor =
        own_voucher(&server, &nbi, |v| v.expires_on = Some(OffsetDateTime::now_utc() - Duration::days(1))).await;
    let error = refused(&server, &[("--manufacturer-trust", &anchor)]);
    assert!(error.contains("expire"), "{error}");
}

/// `--nonce`: a fresh nonce goes out with each request; a voucher echoing another one (a replay)
/// is refused, `require` refuses a lifetime voucher, `request` accepts one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn voucher_nonces_are_checked_against_the_nonce_sent() {
    let server = Server::start(1);
    let nbi = Nbi::new(&server).await;
    // The quickstart's vouchers carry no nonce.
    let error = refused(&server, &[("--nonce", "require")]);
    assert!(error.contains("expected a nonce"), "{error}");
    // The nonce really goes out: a rule on "nonce present" picks a response of its own.
    let mut seen = nbi.get("responses/response=demo-onboarding").await["sztp-server:response"][0].clone();
    seen["name"] = json!("nonce-seen");
    seen["onboarding"]["configuration"] = json!("hostname nonce-seen\n");
    nbi.send(M::POST, "responses", json!({"sztp-server:response": [seen]})).await;
    let rules = json!({"sztp-server:device-type": [{"name": "demo-device", "match-rule": [
        {"name": "nonce", "condition": [{"id": 1, "field": "nonce", "op": "present"}], "response": "nonce-seen"},
        {"name": "other", "response": "demo-onboarding"}]}]});
    nbi.send(M::PATCH, "device-types/device-type=demo-device", rules).await;
    let device =
        Device::new(&server, "SN-0001").trusting(&server).with("--os-version", "1.0").with("--nonce", "request");
    let run = device.run();
    assert_eq!(run.code, 0, "a lifetime voucher is fine when the nonce is only requested: {run:?}");
    let applied = String::from_utf8(device.file("applied-merge").unwrap()).unwrap();
    assert!(applied.contains("hostname nonce-seen"), "the server saw no nonce: {applied}");
    let without = Device::new(&server, "SN-0001").trusting(&server).with("--os-version", "1.0");
    assert_eq!(without.run().code, 0);
    assert!(String::from_utf8(without.file("applied-merge").unwrap()).unwrap().contains("hostname demo-device"));

    // A nonceful voucher (RFC 8366: no expiry) from an earlier exchange: its nonce is not this request's.
    let anchor = own_voucher(&server, &nbi, |v| {
        v.expires_on = None;
        v.nonce = Some(b"an-earlier-nonce".to_vec());
    })
    .await;
    for mode in ["request", "require"] {
        let error = refused(&server, &[("--manufacturer-trust", &anchor), ("--nonce", mode)]);
        assert!(error.contains("nonce does not match"), "{mode}: {error}");
    }
    // Without a nonce sent, a voucher that carries one is refused too.
    let error = refused(&server, &[("--manufacturer-trust", &anchor)]);
    assert!(error.contains("device sent none"), "{error}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn owner_certificates_outside_the_pinned_domain_and_foreign_signatures_are_refused() {
    let server = Server::start(1);
    let nbi = Nbi::new(&server).await;
    let rogue_key = key_pair();
    let import = json!({"sztp-server:input": {"name": "rogue", "private-key": B64.encode(rogue_key.pkcs8_der())}});
    nbi.send(M::POST, "keystore/import", import).await;
    let path = "owner-certificates/owner-certificate=demo-owner";
    let genuine = nbi.get(path).await["sztp-server:owner-certificate"][0].clone();

    // An owner certificate from another root than the voucher's pinned-domain-cert.
    let other_root = CertificateAuthority::new_root("CN=Other Owner,O=Elsewhere", key_pair(), 365).unwrap();
    let cert = issue(&other_root, "CN=Other Owner Signer,O=Elsewhere", &rogue_key);
    let outsider = json!({"name": "demo-owner", "key": "rogue", "certificate": [B64.encode(&cert), B64.encode(other_root.certificate_der())]});
    nbi.send(M::PUT, path, json!({"sztp-server:owner-certificate": [outsider]})).await;
    let error = refused(&server, &[]);
    assert!(error.starts_with("trust:") && error.contains("owner"), "{error}");

    // Conveyed information signed by another key, next to the genuine owner certificate and
    // voucher (our server refuses to sign that way, so it comes on removable storage).
    nbi.send(M::PUT, path, json!({"sztp-server:owner-certificate": [genuine]})).await;
    let device = Device::new(&server, "SN-0001").trusting(&server);
    let output = genuine_reply(&server).await;
    let stick = device.path().join("usb");
    std::fs::create_dir_all(&stick).unwrap();
    let rogue = Signer::new(rogue_key.pkcs8_der(), vec![Certificate::from_der(&cert).unwrap()]).unwrap();
    let info = br#"{"ietf-sztp-conveyed-info:onboarding-information":{"configuration-handling":"merge","configuration":"aG9zdG5hbWUgeAo="}}"#;
    let forged = sign(ContentType::ConveyedInfoJson, info, &rogue, &SignOptions::default()).unwrap();
    std::fs::write(stick.join("conveyed-information.cms"), forged).unwrap();
    std::fs::write(stick.join("owner-certificate.cms"), output.owner_certificate.unwrap()).unwrap();
    std::fs::write(stick.join("ownership-voucher.cms"), output.ownership_voucher.unwrap()).unwrap();
    let offline = device.without("--bootstrap-url").with("--storage", &stick.display().to_string());
    let run = offline.run();
    assert_eq!(run.code, 1, "{run:?}");
    assert!(offline.file("applied-merge").is_none());
    let error = offline.status()["last_error"].as_str().unwrap().to_owned();
    assert!(error.starts_with("trust:") && error.contains("conveyed"), "{error}");
}
