//! HTTPS listeners: ECDSA and RSA server keys, ALPN, client certificates, TLS versions, and
//! certificate changes in place.

mod listen_support;

use std::time::Duration;

use rustls::ProtocolVersion;
use rustls::version::{TLS12, TLS13};
use sztp_server::listen::{ClientAuth, ListenError, TlsMin};
use sztp_testkit::rcgen::CustomExtension;
use sztp_testkit::{KeyAlg, TestPki, idevid_params};

use listen_support::*;

#[tokio::test]
async fn https_with_ecdsa_and_rsa_server_certificates_negotiates_h2_and_http1() {
    for alg in [KeyAlg::P256, KeyAlg::P384, KeyAlg::Rsa2048] {
        let server = ServerPki::generate(alg);
        let (listeners, _gate) = listeners();
        let spec = tls("south", "127.0.0.1:0", server.settings(ClientAuth::None, TlsMin::Tls12));
        let addr = apply_ok(&listeners, vec![spec]).await[0];

        let client = https_client(&server.root, None);
        let response = client.get(format!("https://127.0.0.1:{}/peer", addr.port())).send().await.expect("GET");
        assert_eq!(response.version(), reqwest::Version::HTTP_2, "{alg:?}: ALPN should pick h2");
        let peer: serde_json::Value = response.json().await.expect("JSON");
        assert_eq!(peer["tls"], true);
        assert_eq!(peer["endpoint"], "south");
        assert!(peer["client_chain"].is_null());

        let http1 = reqwest::Client::builder()
            .no_proxy()
            .http1_only()
            .tls_certs_only([reqwest::Certificate::from_der(&server.root.issued.cert_der).expect("root")])
            .build()
            .expect("client");
        let response = http1.get(format!("https://localhost:{}/hello", addr.port())).send().await.expect("GET");
        assert_eq!(response.version(), reqwest::Version::HTTP_11);
        assert_eq!(response.text().await.expect("body"), "hello from south [test]");

        let plain = http_client().get(format!("http://127.0.0.1:{}/hello", addr.port())).send().await;
        assert!(plain.is_err() || plain.is_ok_and(|r| !r.status().is_success()), "plain HTTP served on HTTPS");
        listeners.shutdown(Duration::from_secs(5)).await;
    }
}

#[tokio::test]
async fn ipv6_https_endpoint_serves() {
    let server = ServerPki::generate(KeyAlg::P256);
    let (listeners, _gate) = listeners();
    let spec = tls("v6", "[::1]:0", server.settings(ClientAuth::None, TlsMin::Tls13));
    let addr = apply_ok(&listeners, vec![spec]).await[0];
    let text = get_text(&https_client(&server.root, None), format!("https://[::1]:{}/hello", addr.port())).await;
    assert_eq!(text, "hello from v6 [test]");
    listeners.shutdown(Duration::from_secs(5)).await;
}

#[tokio::test]
async fn optional_client_auth_passes_the_presented_chain_or_none() {
    let server = ServerPki::generate(KeyAlg::P256);
    let pki = TestPki::generate();
    let device = pki.idevid("SN-OPT-1");
    let mut settings = server.settings(ClientAuth::Optional, TlsMin::Tls12);
    settings.client_root_hints = vec![pki.manufacturer_anchor_der()];
    let (listeners, _gate) = listeners();
    let addr = apply_ok(&listeners, vec![tls("south", "127.0.0.1:0", settings)]).await[0];
    let url = format!("https://localhost:{}/peer", addr.port());

    let with_cert = get_json(&https_client(&server.root, Some(&device_identity(&pki, &device))), url.clone()).await;
    let chain: Vec<String> = serde_json::from_value(with_cert["client_chain"].clone()).expect("chain");
    assert_eq!(chain, vec![hex(&device.cert_der), hex(&pki.manufacturer_ca.issued.cert_der)]);

    let without = get_json(&https_client(&server.root, None), url).await;
    assert_eq!(without["tls"], true);
    assert!(without["client_chain"].is_null());
    listeners.shutdown(Duration::from_secs(5)).await;
}

#[tokio::test]
async fn required_client_auth_refuses_clients_without_a_certificate() {
    let server = ServerPki::generate(KeyAlg::P256);
    let pki = TestPki::generate();
    let device = pki.idevid("SN-REQ-1");
    let (listeners, _gate) = listeners();
    let spec = tls("south", "127.0.0.1:0", server.settings(ClientAuth::Required, TlsMin::Tls12));
    let addr = apply_ok(&listeners, vec![spec]).await[0];
    let url = format!("https://localhost:{}/peer", addr.port());

    // Under TLS 1.3 the refusal may reach the client only as a closed connection: assert no more.
    assert!(https_client(&server.root, None).get(&url).send().await.is_err(), "served without a certificate");
    let peer = get_json(&https_client(&server.root, Some(&device_identity(&pki, &device))), url).await;
    assert_eq!(peer["client_chain"][0], hex(&device.cert_der));
    listeners.shutdown(Duration::from_secs(5)).await;
}

/// With an endpoint's client trust bag, the chain is validated in the handshake: a device of
/// that manufacturer gets through, a self-signed certificate (or another PKI's) does not.
#[tokio::test]
async fn a_client_trust_bag_is_enforced_in_the_handshake() {
    let server = ServerPki::generate(KeyAlg::P256);
    let pki = TestPki::generate();
    let stranger = TestPki::generate();
    let mut settings = server.settings(ClientAuth::Required, TlsMin::Tls12);
    settings.client_root_hints = vec![pki.manufacturer_anchor_der()];
    settings.enforce_client_roots = true;
    let (listeners, _gate) = listeners();
    let addr = apply_ok(&listeners, vec![tls("south", "127.0.0.1:0", settings)]).await[0];
    let url = format!("https://localhost:{}/peer", addr.port());

    let device = pki.idevid("SN-BAG-1");
    let peer = get_json(&https_client(&server.root, Some(&device_identity(&pki, &device))), url.clone()).await;
    assert_eq!(peer["client_chain"][0], hex(&device.cert_der));
    let other = stranger.idevid("SN-BAG-2");
    let refused = https_client(&server.root, Some(&device_identity(&stranger, &other))).get(&url).send().await;
    assert!(refused.is_err(), "another manufacturer's device was served");
    let own_root = stranger.manufacturer_ca.issued.clone();
    let self_signed = format!("{}{}", own_root.cert_pem, own_root.key_pem);
    let refused = https_client(&server.root, Some(&self_signed)).get(&url).send().await;
    assert!(refused.is_err(), "a self-signed certificate was served");
    listeners.shutdown(Duration::from_secs(5)).await;
}

/// Client keys of every algorithm prove possession under TLS 1.3 and TLS 1.2, including a
/// certificate with an unknown critical extension that webpki itself would refuse to parse.
#[tokio::test]
async fn client_keys_of_every_algorithm_prove_possession_under_tls12_and_tls13() {
    let server = ServerPki::generate(KeyAlg::P256);
    let pki = TestPki::generate();
    let mut settings = server.settings(ClientAuth::Required, TlsMin::Tls12);
    settings.client_root_hints = vec![pki.manufacturer_anchor_der(), pki.owner_root.issued.cert_der.clone()];
    let (listeners, _gate) = listeners();
    let addr = apply_ok(&listeners, vec![tls("south", "127.0.0.1:0", settings)]).await[0];

    let mut odd = idevid_params("SN-ODD-1", KeyAlg::P256, false);
    let mut ext = CustomExtension::from_oid_content(&[1, 3, 6, 1, 4, 1, 32473, 99], vec![0x05, 0x00]);
    ext.set_criticality(true);
    odd.custom_extensions.push(ext);
    let devices = [
        pki.idevid_with("SN-P256", KeyAlg::P256, false),
        pki.idevid_with("SN-P384", KeyAlg::P384, true),
        pki.idevid_with("SN-RSA", KeyAlg::Rsa2048, false),
        pki.manufacturer_ca.issue(&odd, KeyAlg::P256),
    ];
    for device in &devices {
        for (version, expected) in [(&TLS13, ProtocolVersion::TLSv1_3), (&TLS12, ProtocolVersion::TLSv1_2)] {
            let identity = (vec![device.cert_der.clone()], device.key_pkcs8_der.clone());
            let response = rustls_get(addr, "/peer", &server.root.issued.cert_der, Some(identity), &[version])
                .await
                .unwrap_or_else(|e| panic!("{:?} {expected:?}: {e}", device.alg));
            assert_eq!(response.version, expected);
            assert_eq!(raw_json(&response)["client_chain"][0], hex(&device.cert_der), "{:?} {expected:?}", device.alg);
            assert_eq!(response.hints.len(), 2, "CA names sent");
        }
    }
    listeners.shutdown(Duration::from_secs(5)).await;
}

#[tokio::test]
async fn a_client_signing_with_a_key_other_than_its_certificates_is_refused() {
    let server = ServerPki::generate(KeyAlg::P256);
    let pki = TestPki::generate();
    let (listeners, _gate) = listeners();
    let spec = tls("south", "127.0.0.1:0", server.settings(ClientAuth::Optional, TlsMin::Tls12));
    let addr = apply_ok(&listeners, vec![spec]).await[0];
    let (device, impostor) = (pki.idevid("SN-VICTIM"), pki.idevid("SN-IMPOSTOR"));
    for version in [&TLS13, &TLS12] {
        let stolen = (vec![device.cert_der.clone()], impostor.key_pkcs8_der.clone());
        let result = rustls_get(addr, "/peer", &server.root.issued.cert_der, Some(stolen), &[version]).await;
        assert!(result.is_err() || !result.is_ok_and(|r| r.text.starts_with("HTTP/1.1 200")), "{version:?}");
    }
    listeners.shutdown(Duration::from_secs(5)).await;
}

#[tokio::test]
async fn no_client_auth_sends_no_certificate_request() {
    let server = ServerPki::generate(KeyAlg::P256);
    let pki = TestPki::generate();
    let device = pki.idevid("SN-NONE");
    let (listeners, _gate) = listeners();
    let spec = tls("south", "127.0.0.1:0", server.settings(ClientAuth::None, TlsMin::Tls12));
    let addr = apply_ok(&listeners, vec![spec]).await[0];
    let identity = (vec![device.cert_der.clone()], device.key_pkcs8_der.clone());
    let response =
        rustls_get(addr, "/peer", &server.root.issued.cert_der, Some(identity), &[&TLS13]).await.expect("GET");
    assert!(raw_json(&response)["client_chain"].is_null());
    listeners.shutdown(Duration::from_secs(5)).await;
}

#[tokio::test]
async fn a_tls12_client_is_served_only_when_the_minimum_allows_it() {
    let server = ServerPki::generate(KeyAlg::Rsa2048);
    let (listeners, _gate) = listeners();
    let specs = vec![
        tls("tls12", "127.0.0.1:0", server.settings(ClientAuth::None, TlsMin::Tls12)),
        tls("tls13", "127.0.0.1:0", server.settings(ClientAuth::None, TlsMin::Tls13)),
    ];
    let addrs = apply_ok(&listeners, specs).await;
    let anchor = reqwest::Certificate::from_der(&server.root.issued.cert_der).expect("root");
    let tls12_client = reqwest::Client::builder()
        .no_proxy()
        .tls_certs_only([anchor])
        .tls_version_max(reqwest::tls::Version::TLS_1_2)
        .build()
        .expect("client");
    let text = get_text(&tls12_client, format!("https://localhost:{}/hello", addrs[0].port())).await;
    assert_eq!(text, "hello from tls12 [test]");
    let refused = tls12_client.get(format!("https://localhost:{}/hello", addrs[1].port())).send().await;
    assert!(refused.is_err(), "a TLS 1.3-only endpoint served a TLS 1.2 client");
    listeners.shutdown(Duration::from_secs(5)).await;
}

#[tokio::test]
async fn a_certificate_change_keeps_the_port_and_drains_requests_under_the_old_one() {
    let (old, new) = (ServerPki::generate(KeyAlg::P256), ServerPki::generate(KeyAlg::Rsa2048));
    let (listeners, gate) = listeners();
    let spec = tls("south", "127.0.0.1:0", old.settings(ClientAuth::None, TlsMin::Tls12));
    let addr = apply_ok(&listeners, vec![spec]).await[0];
    let url = format!("https://localhost:{}", addr.port());
    let old_client = https_client(&old.root, None);
    let long = tokio::spawn({
        let (client, url) = (old_client.clone(), url.clone());
        async move { get_text(&client, format!("{url}/wait")).await }
    });
    gate.entered().await;

    let changed = tls("south", "127.0.0.1:0", new.settings(ClientAuth::None, TlsMin::Tls12));
    assert_eq!(apply_ok(&listeners, vec![changed.clone()]).await, vec![addr]);
    assert_eq!(get_text(&https_client(&new.root, None), format!("{url}/hello")).await, "hello from south [test]");
    let fresh_old_client = https_client(&old.root, None);
    assert!(fresh_old_client.get(format!("{url}/hello")).send().await.is_err(), "old certificate still served");

    gate.release();
    assert_eq!(long.await.expect("request task"), "released");

    // Unusable TLS material is reported and leaves the running configuration alone.
    let mut broken = changed.clone();
    if let Some(t) = broken.tls.as_mut() {
        t.key_pkcs8_der = old.leaf.key_pkcs8_der.clone();
    }
    let results = listeners.apply(vec![broken]).await;
    assert!(matches!(&results[0].1, Err(ListenError::Tls(_))), "{results:?}");
    assert_eq!(listeners.bound(), vec![("south".to_string(), addr)]);
    assert_eq!(get_text(&https_client(&new.root, None), format!("{url}/hello")).await, "hello from south [test]");
    listeners.shutdown(Duration::from_secs(5)).await;
}
