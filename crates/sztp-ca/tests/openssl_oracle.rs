//! Certificates from our CA checked with the `openssl` CLI as an independent oracle: strict path
//! validation per profile and purpose, the printed subject, SANs and EKUs, CMS signatures made
//! with an issued owner certificate, and key interchange in both directions.

mod common;

use std::net::{IpAddr, Ipv4Addr};

use common::{Pki, key, openssl_available, openssl_in, openssl_ok};
use sztp_ca::{CertificateAuthority, KeyAlgorithm, PrivateKey, Profile, pem_decode_all};
use sztp_protocol::cms::content_type::ContentType;
use sztp_protocol::cms::signed_data::{SignOptions, sign};
use sztp_protocol::cms::signer::Signer;
use sztp_protocol::x509::Certificate;

const CA_ALGORITHMS: [KeyAlgorithm; 3] = [KeyAlgorithm::EcdsaP256, KeyAlgorithm::EcdsaP384, KeyAlgorithm::Rsa2048];

fn server_profile() -> Profile {
    Profile::TlsServer {
        dns_names: vec!["sztp.example.com".into(), "*.boot.example.com".into()],
        ip_addresses: vec![IpAddr::V4(Ipv4Addr::new(192, 0, 2, 10))],
    }
}

/// `openssl verify -x509_strict` with `-purpose`, through the intermediate to the root.
fn verify(pki: &Pki, leaf: &str, purpose: &str) {
    let out = openssl_ok(
        pki.dir.path(),
        &["verify", "-x509_strict", "-purpose", purpose, "-CAfile", "root.pem", "-untrusted", "inter.pem", leaf],
    );
    assert_eq!(out.trim(), format!("{leaf}: OK"));
}

#[test]
fn every_profile_passes_openssl_strict_verification_under_each_ca_algorithm() {
    if !openssl_available() {
        return;
    }
    for alg in CA_ALGORITHMS {
        let pki = Pki::new(alg);
        openssl_ok(pki.dir.path(), &["verify", "-x509_strict", "-CAfile", "root.pem", "inter.pem"]);
        for leaf_alg in [KeyAlgorithm::EcdsaP256, KeyAlgorithm::Rsa2048] {
            let k = key(leaf_alg);
            let device = Profile::DeviceIdentity { serial_number: "SN-1001".into() };
            pki.leaf("device.pem", "CN=Device,O=Vendor", &k, device);
            // No EKU: any purpose passes, in particular TLS client authentication.
            verify(&pki, "device.pem", "sslclient");
            verify(&pki, "device.pem", "sslserver");
            pki.leaf("server.pem", "CN=sztp.example.com", &k, server_profile());
            verify(&pki, "server.pem", "sslserver");
            pki.leaf("client.pem", "CN=admin", &k, Profile::TlsClient);
            verify(&pki, "client.pem", "sslclient");
            pki.leaf("owner.pem", "CN=Owner,O=Example", &k, Profile::CmsSigner);
            verify(&pki, "owner.pem", "smimesign");
        }
    }
}

#[test]
fn openssl_rejects_a_profile_used_for_the_wrong_purpose() {
    if !openssl_available() {
        return;
    }
    let pki = Pki::new(KeyAlgorithm::EcdsaP256);
    let k = key(KeyAlgorithm::EcdsaP256);
    pki.leaf("server.pem", "CN=sztp.example.com", &k, server_profile());
    pki.leaf("client.pem", "CN=admin", &k, Profile::TlsClient);
    let args = |leaf, purpose| ["verify", "-purpose", purpose, "-CAfile", "root.pem", "-untrusted", "inter.pem", leaf];
    assert!(!openssl_in(pki.dir.path(), &args("server.pem", "sslclient")).status.success());
    assert!(!openssl_in(pki.dir.path(), &args("client.pem", "sslserver")).status.success());
    // Without the intermediate there is no path.
    let out = openssl_in(pki.dir.path(), &["verify", "-CAfile", "root.pem", "server.pem"]);
    assert!(!out.status.success());
}

#[test]
fn openssl_prints_the_subject_in_written_order_with_serial_number_sans_and_ekus() {
    if !openssl_available() {
        return;
    }
    let pki = Pki::new(KeyAlgorithm::EcdsaP256);
    let text = |name: &str| openssl_ok(pki.dir.path(), &["x509", "-noout", "-text", "-in", name]);

    let root = text("root.pem");
    assert!(root.contains("Subject: CN = Oracle Root CA, O = sztp tests"), "{root}");
    assert!(root.contains("CA:TRUE") && root.contains("Certificate Sign, CRL Sign"), "{root}");
    let inter = text("inter.pem");
    assert!(inter.contains("CA:TRUE, pathlen:0"), "{inter}");
    assert!(inter.contains("Issuer: CN = Oracle Root CA, O = sztp tests"), "{inter}");

    pki.leaf(
        "device.pem",
        "CN=Device,O=Vendor",
        &key(KeyAlgorithm::EcdsaP256),
        Profile::DeviceIdentity { serial_number: "SN-1001".into() },
    );
    let device = text("device.pem");
    assert!(device.contains("Subject: CN = Device, O = Vendor, serialNumber = SN-1001"), "{device}");
    assert!(device.contains("Digital Signature, Key Agreement"), "{device}");
    assert!(!device.contains("Extended Key Usage"), "{device}");
    assert!(device.contains("Signature Algorithm: ecdsa-with-SHA256"), "{device}");
    let printable = openssl_ok(pki.dir.path(), &["asn1parse", "-in", "device.pem"]);
    assert!(printable.contains("PRINTABLESTRING   :SN-1001"), "{printable}");

    pki.leaf(
        "rsa-device.pem",
        "CN=Device",
        &key(KeyAlgorithm::Rsa2048),
        Profile::DeviceIdentity { serial_number: "SN-1002".into() },
    );
    assert!(text("rsa-device.pem").contains("Digital Signature, Key Encipherment"));

    pki.leaf("server.pem", "CN=sztp.example.com", &key(KeyAlgorithm::EcdsaP256), server_profile());
    let server = text("server.pem");
    assert!(server.contains("TLS Web Server Authentication"), "{server}");
    assert!(server.contains("DNS:sztp.example.com, DNS:*.boot.example.com, IP Address:192.0.2.10"), "{server}");

    pki.leaf("client.pem", "CN=admin", &key(KeyAlgorithm::EcdsaP256), Profile::TlsClient);
    assert!(text("client.pem").contains("TLS Web Client Authentication"));

    pki.leaf("owner.pem", "CN=Owner", &key(KeyAlgorithm::EcdsaP256), Profile::CmsSigner);
    let owner = text("owner.pem");
    assert!(owner.contains("Digital Signature") && !owner.contains("Extended Key Usage"), "{owner}");
    assert!(owner.contains("X509v3 Subject Key Identifier") && owner.contains("X509v3 Authority Key Identifier"));
}

#[test]
fn a_cms_signer_certificate_signs_cms_that_openssl_verifies() {
    if !openssl_available() {
        return;
    }
    for alg in CA_ALGORITHMS {
        let pki = Pki::new(alg);
        let owner_key = key(alg);
        let owner_der = pki.leaf("owner.pem", "CN=Owner,O=Example", &owner_key, Profile::CmsSigner);
        let chain = vec![
            Certificate::from_der(&owner_der).unwrap(),
            Certificate::from_der(pki.inter.certificate_der()).unwrap(),
        ];
        let signer = Signer::new(owner_key.pkcs8_der(), chain).unwrap();
        let content = br#"{"ietf-sztp-conveyed-info:onboarding-information":{"boot-image":{}}}"#;
        let cms = sign(ContentType::ConveyedInfoJson, content, &signer, &SignOptions::default()).unwrap();
        std::fs::write(pki.path("signed.der"), cms).unwrap();
        openssl_ok(
            pki.dir.path(),
            &[
                "cms",
                "-verify",
                "-binary",
                "-inform",
                "DER",
                "-in",
                "signed.der",
                "-CAfile",
                "root.pem",
                "-out",
                "content",
            ],
        );
        assert_eq!(std::fs::read(pki.path("content")).unwrap(), content, "{alg}");
    }
}

#[test]
fn keys_and_a_ca_made_by_openssl_are_usable_and_ours_are_readable_by_openssl() {
    if !openssl_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    openssl_ok(
        d,
        &[
            "req",
            "-x509",
            "-nodes",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-384",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-subj",
            "/CN=OpenSSL CA",
            "-days",
            "30",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ],
    );
    let read = |n: &str| std::fs::read_to_string(d.join(n)).unwrap();
    let ca_der = pem_decode_all(&read("ca.pem"), "CERTIFICATE").unwrap().remove(0);
    let ca = CertificateAuthority::from_parts(ca_der, vec![], PrivateKey::from_pem(&read("ca.key")).unwrap()).unwrap();
    assert_eq!(ca.key().algorithm(), KeyAlgorithm::EcdsaP384);

    // Legacy PEM forms are converted to PKCS#8.
    openssl_ok(d, &["ec", "-in", "ca.key", "-out", "ec.key"]);
    assert!(read("ec.key").contains("BEGIN EC PRIVATE KEY"));
    assert_eq!(PrivateKey::from_pem(&read("ec.key")).unwrap().pkcs8_der(), ca.key().pkcs8_der());
    openssl_ok(d, &["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", "rsa.key"]);
    openssl_ok(d, &["rsa", "-traditional", "-in", "rsa.key", "-out", "rsa1.key"]);
    assert!(read("rsa1.key").contains("BEGIN RSA PRIVATE KEY"));
    let rsa = PrivateKey::from_pem(&read("rsa1.key")).unwrap();
    assert_eq!(rsa.pkcs8_der(), PrivateKey::from_pem(&read("rsa.key")).unwrap().pkcs8_der());

    // Issue a TLS server certificate for the OpenSSL RSA key from the OpenSSL CA.
    let now = time::OffsetDateTime::now_utc();
    let spki = rsa.public_key_der();
    let leaf = ca
        .issue(&sztp_ca::IssueRequest {
            subject: "CN=server",
            public_key_der: &spki,
            profile: server_profile(),
            not_before: now,
            not_after: now + time::Duration::days(2),
        })
        .unwrap();
    std::fs::write(d.join("leaf.pem"), sztp_ca::pem_encode("CERTIFICATE", &leaf)).unwrap();
    let out = openssl_ok(d, &["verify", "-x509_strict", "-purpose", "sslserver", "-CAfile", "ca.pem", "leaf.pem"]);
    assert_eq!(out.trim(), "leaf.pem: OK");
    let text = openssl_ok(d, &["x509", "-noout", "-text", "-in", "leaf.pem"]);
    assert!(text.contains("Signature Algorithm: ecdsa-with-SHA384"), "{text}");

    // Our keys in OpenSSL: PKCS#8 PEM parses and the public keys agree.
    for alg in CA_ALGORITHMS {
        let ours = key(alg);
        std::fs::write(d.join("ours.key"), ours.to_pem().as_bytes()).unwrap();
        openssl_ok(d, &["pkey", "-in", "ours.key", "-check", "-noout"]);
        let public = openssl_ok(d, &["pkey", "-in", "ours.key", "-pubout"]);
        assert_eq!(pem_decode_all(&public, "PUBLIC KEY").unwrap(), vec![ours.public_key_der()], "{alg}");
    }
}
