//! EnvelopedData (RFC 8572 §3.4) checked against the `openssl cms` CLI as an oracle: what we encrypt
//! to RSA (OAEP, v1.5), P-256 and P-384 certificates OpenSSL decrypts; what OpenSSL encrypts with
//! its various key-transport, KDF and wrap choices we decrypt; and tampering never passes silently.

#![allow(clippy::unwrap_used)] // test helpers outside #[test] functions

use std::process::Command;

use cms::content_info::ContentInfo;
use cms::enveloped_data::{EnvelopedData, RecipientInfo};
use const_oid::ObjectIdentifier;
use der::{Decode, Encode};
use sztp_protocol::cms::content_type::{ID_CT_SZTP_CONVEYED_INFO_JSON as JSON, ID_DATA, ID_SIGNED_DATA};
use sztp_protocol::cms::enveloped_data::{
    EncryptOptions, RsaKeyTransport, decrypt, encrypt_to_certificate, encrypt_to_certificate_with,
    signed_data_content_info,
};

const CI_JSON: &[u8] = br#"{"ietf-sztp-conveyed-info:redirect-information":{"bootstrap-server":[{"address":"sztp.example.com","port":8443}]}}"#;

/// Runs openssl; panics with its stderr unless it succeeds. Returns stdout.
fn openssl(args: &[&str]) -> Vec<u8> {
    let out = Command::new("openssl").args(args).output().expect("openssl is installed");
    assert!(out.status.success(), "openssl {} failed:\n{}", args.join(" "), String::from_utf8_lossy(&out.stderr));
    out.stdout
}

fn openssl_fails(args: &[&str]) -> bool {
    !Command::new("openssl").args(args).output().expect("openssl is installed").status.success()
}

/// A device identity made by `openssl req -x509`, as files and as DER.
struct Device {
    dir: tempfile::TempDir,
    cert_der: Vec<u8>,
    key_der: Vec<u8>,
}

#[derive(Clone, Copy, Debug)]
enum Kind {
    Rsa,
    P256,
    P384,
}

impl Device {
    fn new(kind: Kind) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let p = |n: &str| dir.path().join(n).to_str().unwrap().to_string();
        let newkey: &[&str] = match kind {
            Kind::Rsa => &["-newkey", "rsa:2048"],
            Kind::P256 => &["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"],
            Kind::P384 => &["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-384"],
        };
        let (key, cert) = (p("key.pem"), p("cert.pem"));
        let mut args = vec!["req", "-x509", "-nodes", "-subj", "/CN=SN-1/serialNumber=SN-1", "-days", "1"];
        args.extend_from_slice(newkey);
        args.extend_from_slice(&["-keyout", &key, "-out", &cert]);
        openssl(&args);
        let cert_der = openssl(&["x509", "-in", &cert, "-outform", "DER"]);
        let key_der = openssl(&["pkcs8", "-topk8", "-nocrypt", "-in", &key, "-outform", "DER"]);
        Device { dir, cert_der, key_der }
    }
    fn path(&self, name: &str) -> String {
        self.dir.path().join(name).to_str().unwrap().to_string()
    }
    fn write(&self, name: &str, bytes: &[u8]) -> String {
        let p = self.path(name);
        std::fs::write(&p, bytes).unwrap();
        p
    }
    /// `openssl cms -decrypt` of DER `envelope` with this device's key.
    fn openssl_decrypt(&self, envelope: &[u8]) -> Vec<u8> {
        let input = self.write("in.cms", envelope);
        let (cert, key) = (self.path("cert.pem"), self.path("key.pem"));
        openssl(&["cms", "-decrypt", "-binary", "-inform", "DER", "-in", &input, "-recip", &cert, "-inkey", &key])
    }
    /// `openssl cms -encrypt -binary -outform DER <extra>` of `plaintext` to this device.
    fn openssl_encrypt(&self, plaintext: &[u8], extra: &[&str]) -> Vec<u8> {
        let (input, out) = (self.write("plain", plaintext), self.path("enc.cms"));
        let cert = self.path("cert.pem");
        // -keyopt applies to the preceding -recip.
        let mut args =
            vec!["cms", "-encrypt", "-binary", "-outform", "DER", "-in", &input, "-out", &out, "-recip", &cert];
        args.extend_from_slice(extra);
        openssl(&args);
        std::fs::read(out).unwrap()
    }
    fn print(&self, envelope: &[u8]) -> String {
        let input = self.write("print.cms", envelope);
        String::from_utf8(openssl(&["cms", "-cmsout", "-print", "-inform", "DER", "-in", &input])).unwrap()
    }
}

fn rsa_options(rsa_key_transport: RsaKeyTransport) -> EncryptOptions {
    EncryptOptions { rsa_key_transport }
}

#[test]
fn openssl_decrypts_ours_for_rsa_oaep_rsa_v15_p256_and_p384() {
    let cases = [
        (Kind::Rsa, RsaKeyTransport::OaepSha256, &["d.ktri", "rsaesOaep", "sha256", "mgf1"][..]),
        (Kind::Rsa, RsaKeyTransport::Pkcs1V15, &["d.ktri", "rsaEncryption"][..]),
        (Kind::P256, RsaKeyTransport::default(), &["d.kari", "dhSinglePass-stdDH-sha256kdf-scheme", "id-aes256-wrap"]),
        (Kind::P384, RsaKeyTransport::default(), &["d.kari", "dhSinglePass-stdDH-sha384kdf-scheme", "id-aes256-wrap"]),
    ];
    for (kind, transport, printed) in cases {
        let dev = Device::new(kind);
        let der = encrypt_to_certificate_with(&dev.cert_der, JSON, CI_JSON, &rsa_options(transport)).unwrap();
        assert_eq!(dev.openssl_decrypt(&der), CI_JSON, "{kind:?} {transport:?}");
        let print = dev.print(&der);
        let eci = &print[print.find("encryptedContentInfo:").unwrap()..];
        let content_type = eci.lines().nth(1).unwrap();
        assert!(content_type.contains("contentType: undefined (1.2.840.113549.1.9.16.1.43)"), "{print}");
        assert!(eci.contains("aes-256-cbc"), "{print}");
        for needle in printed {
            assert!(print.contains(needle), "{kind:?}: {needle} missing in\n{print}");
        }
    }
}

#[test]
fn signed_then_encrypted_layout_survives_openssl_and_verifies() {
    let owner = Device::new(Kind::P256);
    let (input, signed) = (owner.write("ci.json", CI_JSON), owner.path("signed.cms"));
    let (cert, key) = (owner.path("cert.pem"), owner.path("key.pem"));
    openssl(&[
        "cms",
        "-sign",
        "-binary",
        "-nodetach",
        "-outform",
        "DER",
        "-md",
        "sha256",
        "-econtent_type",
        "1.2.840.113549.1.9.16.1.43",
        "-signer",
        &cert,
        "-inkey",
        &key,
        "-in",
        &input,
        "-out",
        &signed,
    ]);
    let content_info = std::fs::read(&signed).unwrap();
    let bare_signed_data = ContentInfo::from_der(&content_info).unwrap().content.to_der().unwrap();

    for kind in [Kind::Rsa, Kind::P384] {
        let dev = Device::new(kind);
        let der = encrypt_to_certificate(&dev.cert_der, ID_SIGNED_DATA, &content_info).unwrap();
        assert!(dev.print(&der).contains("contentType: pkcs7-signedData (1.2.840.113549.1.7.2)"));
        // RFC 5652 nesting: the plaintext is the SignedData itself.
        assert_eq!(dev.openssl_decrypt(&der), bare_signed_data);

        let (content_type, plaintext) = decrypt(&der, &dev.cert_der, &dev.key_der).unwrap();
        assert_eq!(content_type, ID_SIGNED_DATA);
        let normalised = signed_data_content_info(content_type, &plaintext).unwrap();
        assert_eq!(normalised, content_info);
        let (file, out) = (dev.write("normalised.cms", &normalised), dev.path("out.json"));
        openssl(&["cms", "-verify", "-binary", "-inform", "DER", "-in", &file, "-noverify", "-out", &out]);
        assert_eq!(std::fs::read(out).unwrap(), CI_JSON);
    }

    // OpenSSL's own layout (id-data around a ContentInfo) normalises to the same ContentInfo.
    let dev = Device::new(Kind::P256);
    let theirs = dev.openssl_encrypt(&content_info, &["-aes256"]);
    let (content_type, plaintext) = decrypt(&theirs, &dev.cert_der, &dev.key_der).unwrap();
    assert_eq!(content_type, ID_DATA);
    assert_eq!(signed_data_content_info(content_type, &plaintext).unwrap(), content_info);
}

#[test]
fn we_decrypt_what_openssl_encrypts_with_each_transport_kdf_and_wrap() {
    // (recipient, extra openssl arguments, what `-cmsout -print` must show so the case is real)
    let cases: &[(Kind, &[&str], &[&str])] = &[
        (Kind::Rsa, &["-aes256"], &["rsaEncryption", "d.issuerAndSerialNumber"]),
        (Kind::Rsa, &["-aes128", "-keyopt", "rsa_padding_mode:oaep"], &["rsaesOaep", "aes-128-cbc"]), // SHA-1 defaults
        (
            Kind::Rsa,
            &["-aes192", "-keyopt", "rsa_padding_mode:oaep", "-keyopt", "rsa_oaep_md:sha256"],
            &[":sha256", ":mgf1", "aes-192-cbc"],
        ),
        (Kind::Rsa, &["-aes256", "-keyid"], &["d.ktri", "d.subjectKeyIdentifier"]),
        (Kind::P256, &["-aes256"], &["dhSinglePass-stdDH-sha1kdf-scheme", ":id-aes256-wrap"]),
        (Kind::P256, &["-aes128", "-keyopt", "ecdh_kdf_md:sha256"], &["sha256kdf", ":id-aes128-wrap"]),
        (Kind::P256, &["-aes256", "-keyid", "-keyopt", "ecdh_kdf_md:sha512"], &["sha512kdf", "d.rKeyId"]),
        (Kind::P384, &["-aes192", "-keyopt", "ecdh_kdf_md:sha384"], &["sha384kdf", ":id-aes192-wrap"]),
        (Kind::P384, &["-aes256", "-keyopt", "ecdh_kdf_md:sha224"], &["sha224kdf", "aes-256-cbc"]),
    ];
    let big: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
    for (kind, extra, printed) in cases {
        let dev = Device::new(*kind);
        for plaintext in [CI_JSON, &big[..], b""] {
            let theirs = dev.openssl_encrypt(plaintext, extra);
            let print = dev.print(&theirs);
            assert!(printed.iter().all(|needle| print.contains(needle)), "{extra:?}: {printed:?} not in\n{print}");
            let got = decrypt(&theirs, &dev.cert_der, &dev.key_der);
            assert_eq!(got.unwrap(), (ID_DATA, plaintext.to_vec()), "{kind:?} {extra:?}");
        }
    }
}

#[test]
fn wrong_key_fails_on_both_sides() {
    let (dev, other) = (Device::new(Kind::P256), Device::new(Kind::Rsa));
    let ours = encrypt_to_certificate(&dev.cert_der, JSON, CI_JSON).unwrap();
    assert!(decrypt(&ours, &other.cert_der, &other.key_der).is_err());
    assert!(decrypt(&ours, &dev.cert_der, &other.key_der).is_err());
    let input = other.write("ours.cms", &ours);
    let (cert, key) = (other.path("cert.pem"), other.path("key.pem"));
    assert!(openssl_fails(&["cms", "-decrypt", "-inform", "DER", "-in", &input, "-recip", &cert, "-inkey", &key]));
    let theirs = dev.openssl_encrypt(CI_JSON, &["-aes256"]);
    assert!(decrypt(&theirs, &other.cert_der, &other.key_der).is_err());
}

/// Offsets of the encrypted key and of the encrypted content inside `der`.
fn secret_regions(der: &[u8]) -> Vec<std::ops::Range<usize>> {
    let env: EnvelopedData = ContentInfo::from_der(der).unwrap().content.decode_as().unwrap();
    let enc_key = match env.recip_infos.0.get(0).unwrap() {
        RecipientInfo::Ktri(k) => k.enc_key.as_bytes().to_vec(),
        RecipientInfo::Kari(k) => k.recipient_enc_keys[0].enc_key.as_bytes().to_vec(),
        _ => unreachable!(),
    };
    let content = env.encrypted_content.encrypted_content.unwrap().as_bytes().to_vec();
    [enc_key, content]
        .iter()
        .map(|needle| {
            let at = der.windows(needle.len()).position(|w| w == needle.as_slice()).unwrap();
            at..at + needle.len()
        })
        .collect()
}

#[test]
fn flipped_bytes_never_panic_nor_decrypt_to_the_original() {
    let expected = |ct: ObjectIdentifier| (ct, CI_JSON.to_vec());
    for kind in [Kind::Rsa, Kind::P256, Kind::P384] {
        let dev = Device::new(kind);
        let ours = encrypt_to_certificate(&dev.cert_der, JSON, CI_JSON).unwrap();
        let theirs = dev.openssl_encrypt(CI_JSON, &["-aes256"]);
        for (der, ct) in [(ours, JSON), (theirs, ID_DATA)] {
            assert_eq!(decrypt(&der, &dev.cert_der, &dev.key_der).unwrap(), expected(ct));
            for range in secret_regions(&der) {
                for i in range {
                    for mask in [0x01, 0x80] {
                        let mut bad = der.clone();
                        bad[i] ^= mask;
                        if let Ok(got) = decrypt(&bad, &dev.cert_der, &dev.key_der) {
                            assert_ne!(got, expected(ct), "{kind:?}: flip at {i} went unnoticed");
                        }
                    }
                }
            }
            // Anywhere else: no panic (Ok is possible where a flip hits something not checked).
            for i in 0..der.len() {
                let mut bad = der.clone();
                bad[i] ^= 0xff;
                let _ = decrypt(&bad, &dev.cert_der, &dev.key_der);
            }
        }
    }
}
