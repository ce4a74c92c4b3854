//! CMS artifacts and the RFC 8572 §5.4 chain checked against the `openssl` CLI as an oracle
//! (commands as in the project's rfc-digest §5.4): what we sign, OpenSSL verifies; what OpenSSL
//! signs, we verify; and every tampering or wrong artifact fails at the right step.

#![allow(clippy::unwrap_used)] // test helpers outside #[test] functions

use std::path::{Path, PathBuf};
use std::process::Command;

use sztp_protocol::cms::certs_only::{build_certs_only, parse_certs_only};
use sztp_protocol::cms::content_type::ContentType;
use sztp_protocol::cms::signed_data::{IncludeCertificates, SignOptions, sign, verify_signed, verify_signed_by};
use sztp_protocol::cms::signer::Signer;
use sztp_protocol::model::voucher::{Assertion, Voucher};
use sztp_protocol::trust::{DeviceContext, SignedArtifacts, TrustError, verify_signed_data};
use sztp_protocol::x509::{Certificate, PathOptions, X509Error, load_certificates, validate_path};
use sztp_testkit::rcgen::date_time_ymd;
use sztp_testkit::{KeyAlg, TestPki};
use time::macros::datetime;

const CI_JSON: &[u8] = br#"{"ietf-sztp-conveyed-info:redirect-information":{"bootstrap-server":[{"address":"sztp.example.com","port":8443}]}}"#;
const JSON: &str = "1.2.840.113549.1.9.16.1.43";
const VOUCHER: &str = "1.2.840.113549.1.9.16.1.40";

struct Dir(tempfile::TempDir);

impl Dir {
    fn new() -> Self {
        Dir(tempfile::tempdir().unwrap())
    }
    fn file(&self, name: &str, bytes: impl AsRef<[u8]>) -> String {
        let p = self.0.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        p.to_str().unwrap().to_string()
    }
    fn path(&self, name: &str) -> String {
        self.0.path().join(name).to_str().unwrap().to_string()
    }
    fn read(&self, name: &str) -> Vec<u8> {
        std::fs::read(PathBuf::from(self.path(name))).unwrap()
    }
}

/// Runs openssl; panics with its stderr unless it succeeds. Returns stdout.
fn openssl(args: &[&str]) -> String {
    let out = Command::new("openssl").args(args).output().expect("openssl is installed");
    assert!(out.status.success(), "openssl {} failed:\n{}", args.join(" "), String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn openssl_fails(args: &[&str]) -> bool {
    !Command::new("openssl").args(args).output().expect("openssl is installed").status.success()
}

fn md(alg: KeyAlg) -> &'static str {
    if alg == KeyAlg::P384 { "sha384" } else { "sha256" }
}

fn voucher(pki: &TestPki) -> Voucher {
    Voucher {
        created_on: datetime!(2030-01-01 00:00 UTC),
        expires_on: None,
        assertion: Assertion::Verified,
        serial_number: "SN-1".into(),
        idevid_issuer: None,
        pinned_domain_cert: pki.pinned_domain_cert_der(),
        domain_cert_revocation_checks: None,
        nonce: Some(b"nonce-0123456789".to_vec()),
        last_renewal_date: None,
    }
}

fn device(pki: &TestPki) -> DeviceContext {
    let mut d = DeviceContext::new("SN-1", vec![Certificate::from_der(&pki.manufacturer_anchor_der()).unwrap()]);
    d.now = Some(datetime!(2030-06-01 00:00 UTC));
    d.expected_nonce = Some(b"nonce-0123456789".to_vec());
    d
}

fn masa_signer(pki: &TestPki) -> Signer {
    Signer::from_pem(pki.masa.key_pem.as_bytes(), pki.voucher_chain_pem().as_bytes()).unwrap()
}

fn owner_signer(pki: &TestPki) -> Signer {
    Signer::from_pem(pki.owner.key_pem.as_bytes(), pki.owner_chain_pem().as_bytes()).unwrap()
}

/// (conveyed information, owner certificate, ownership voucher) made by our code.
fn our_artifacts(pki: &TestPki, v: &Voucher) -> (Vec<u8>, Vec<u8>, Vec<u8>) {
    let ci = sign(ContentType::ConveyedInfoJson, CI_JSON, &owner_signer(pki), &SignOptions::default()).unwrap();
    let oc = build_certs_only(&pki.owner_chain_der(), &Vec::<Vec<u8>>::new()).unwrap();
    let ov = sign(ContentType::AnimaJsonVoucher, &v.to_json(), &masa_signer(pki), &SignOptions::default()).unwrap();
    (ci, oc, ov)
}

fn check(ci: &[u8], oc: &[u8], ov: &[u8], device: &DeviceContext) -> Result<Vec<u8>, TrustError> {
    let a = SignedArtifacts { conveyed_information: ci, owner_certificate: oc, ownership_voucher: ov };
    verify_signed_data(&a, device).map(|v| v.payload)
}

#[test]
fn openssl_verifies_our_conveyed_information_and_vouchers_for_each_algorithm() {
    for alg in [KeyAlg::P256, KeyAlg::P384, KeyAlg::Rsa2048] {
        let pki = TestPki::generate_with(alg);
        let dir = Dir::new();
        let (ci, _, ov) = our_artifacts(&pki, &voucher(&pki));
        let ci_path = dir.file("ci.cms", &ci);
        let owner_root = dir.file("owner-root.pem", &pki.owner_root.issued.cert_pem);
        openssl(&[
            "cms",
            "-verify",
            "-binary",
            "-inform",
            "DER",
            "-in",
            &ci_path,
            "-CAfile",
            &owner_root,
            "-purpose",
            "any",
            "-out",
            &dir.path("ci.out"),
        ]);
        assert_eq!(dir.read("ci.out"), CI_JSON, "{alg:?}");
        let printed = openssl(&["cms", "-cmsout", "-print", "-inform", "DER", "-in", &ci_path]);
        assert!(printed.contains(JSON), "{printed}");

        let ov_path = dir.file("ov.cms", &ov);
        let vendor_root = dir.file("vendor-root.pem", &pki.manufacturer_root.issued.cert_pem);
        openssl(&[
            "cms",
            "-verify",
            "-binary",
            "-inform",
            "DER",
            "-in",
            &ov_path,
            "-CAfile",
            &vendor_root,
            "-purpose",
            "any",
            "-out",
            &dir.path("voucher.json"),
        ]);
        assert_eq!(Voucher::from_json(&dir.read("voucher.json")).unwrap(), voucher(&pki));

        // Pinned to the owner certificate, without the chain (rfc-digest §5.4 step 4).
        let lone = sign(
            ContentType::ConveyedInfoJson,
            CI_JSON,
            &owner_signer(&pki),
            &SignOptions {
                certificates: IncludeCertificates::None,
                signing_time: Some(datetime!(2030-02-02 0:00 UTC)),
            },
        )
        .unwrap();
        let lone_path = dir.file("lone.cms", &lone);
        let owner_pem = dir.file("owner.pem", &pki.owner.cert_pem);
        openssl(&[
            "cms",
            "-verify",
            "-binary",
            "-inform",
            "DER",
            "-in",
            &lone_path,
            "-certfile",
            &owner_pem,
            "-nointern",
            "-noverify",
            "-out",
            &dir.path("lone.out"),
        ]);
        assert_eq!(dir.read("lone.out"), CI_JSON);
        let mut tampered = lone.clone();
        let at = tampered.windows(8).position(|w| w == b"redirect").unwrap();
        tampered[at] ^= 0x20;
        let bad = dir.file("bad.cms", &tampered);
        assert!(openssl_fails(&[
            "cms",
            "-verify",
            "-binary",
            "-inform",
            "DER",
            "-in",
            &bad,
            "-certfile",
            &owner_pem,
            "-nointern",
            "-noverify",
            "-out",
            &dir.path("bad.out")
        ]));
    }
}

#[test]
fn openssl_reads_our_certs_only_artifact() {
    let pki = TestPki::generate();
    let dir = Dir::new();
    let crl = pki.owner_ca.crl(&[], date_time_ymd(2030, 1, 1), date_time_ymd(2031, 1, 1));
    let oc = dir.file("oc.cms", build_certs_only(&pki.owner_chain_der(), &[crl]).unwrap());
    let certs = openssl(&["pkcs7", "-inform", "DER", "-in", &oc, "-print_certs"]);
    assert!(certs.contains("CN = Owner Certificate") && certs.contains("CN = Owner Intermediate CA"), "{certs}");
    assert!(certs.contains("Last Update"), "the CRL is listed too: {certs}");
    let printed = openssl(&["cms", "-cmsout", "-print", "-inform", "DER", "-in", &oc]);
    let squeezed: String = printed.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(squeezed.contains("signerInfos: <EMPTY>"), "{printed}");
    assert!(squeezed.contains("eContent: <ABSENT>"), "{printed}");
    assert!(squeezed.contains("eContentType: pkcs7-data"), "{printed}");
}

/// Artifacts made entirely by OpenSSL, as a server built on it would.
fn openssl_artifacts(
    pki: &TestPki,
    alg: KeyAlg,
    v: &Voucher,
    dir: &Dir,
    crl: Option<&[u8]>,
) -> (Vec<u8>, Vec<u8>, Vec<u8>) {
    let ci = dir.file("ci.json", CI_JSON);
    let owner = dir.file("owner.pem", &pki.owner.cert_pem);
    let owner_key = dir.file("owner.key", &pki.owner.key_pem);
    openssl(&[
        "cms",
        "-sign",
        "-binary",
        "-nodetach",
        "-outform",
        "DER",
        "-md",
        md(alg),
        "-econtent_type",
        JSON,
        "-signer",
        &owner,
        "-inkey",
        &owner_key,
        "-nocerts",
        "-in",
        &ci,
        "-out",
        &dir.path("ci.cms"),
    ]);
    let chain = dir.file("owner-chain.pem", pki.owner_chain_pem());
    match crl {
        None => openssl(&["crl2pkcs7", "-nocrl", "-certfile", &chain, "-outform", "DER", "-out", &dir.path("oc.cms")]),
        Some(crl) => {
            let crl = dir.file("owner.crl", crl);
            openssl(&[
                "crl2pkcs7",
                "-inform",
                "DER",
                "-in",
                &crl,
                "-certfile",
                &chain,
                "-outform",
                "DER",
                "-out",
                &dir.path("oc.cms"),
            ])
        }
    };
    let vj = dir.file("voucher.json", v.to_json());
    let masa = dir.file("masa.pem", &pki.masa.cert_pem);
    let masa_key = dir.file("masa.key", &pki.masa.key_pem);
    let vendor_chain = dir.file("vendor-chain.pem", &pki.manufacturer_ca.issued.cert_pem);
    openssl(&[
        "cms",
        "-sign",
        "-binary",
        "-nodetach",
        "-outform",
        "DER",
        "-md",
        md(alg),
        "-econtent_type",
        VOUCHER,
        "-signer",
        &masa,
        "-inkey",
        &masa_key,
        "-certfile",
        &vendor_chain,
        "-in",
        &vj,
        "-out",
        &dir.path("ov.cms"),
    ]);
    (dir.read("ci.cms"), dir.read("oc.cms"), dir.read("ov.cms"))
}

#[test]
fn we_accept_openssl_made_artifacts_for_each_algorithm() {
    for alg in [KeyAlg::P256, KeyAlg::P384, KeyAlg::Rsa2048] {
        let pki = TestPki::generate_with(alg);
        let dir = Dir::new();
        let v = voucher(&pki);
        let (ci, oc, ov) = openssl_artifacts(&pki, alg, &v, &dir, None);
        let owner = Certificate::from_der(&pki.owner.cert_der).unwrap();
        let signed = verify_signed_by(&ci, &owner).unwrap();
        assert_eq!((signed.content_type, signed.content.as_slice()), (ContentType::ConveyedInfoJson, CI_JSON));
        let voucher_signed = verify_signed(&ov, &[]).unwrap();
        assert_eq!(voucher_signed.signer.der(), pki.masa.cert_der.as_slice());
        assert_eq!(voucher_signed.content_type, ContentType::AnimaJsonVoucher);
        let parsed = parse_certs_only(&oc).unwrap();
        assert_eq!(parsed.certificates.len(), 2);
        assert_eq!(check(&ci, &oc, &ov, &device(&pki)).unwrap(), CI_JSON, "{alg:?}");

        // Signer identified by subjectKeyIdentifier (SignerInfo v3).
        let (owner_pem, owner_key) = (dir.path("owner.pem"), dir.path("owner.key"));
        openssl(&[
            "cms",
            "-sign",
            "-binary",
            "-nodetach",
            "-outform",
            "DER",
            "-md",
            md(alg),
            "-econtent_type",
            JSON,
            "-keyid",
            "-signer",
            &owner_pem,
            "-inkey",
            &owner_key,
            "-nocerts",
            "-in",
            &dir.path("ci.json"),
            "-out",
            &dir.path("ci-keyid.cms"),
        ]);
        let by_ski = dir.read("ci-keyid.cms");
        assert_eq!(verify_signed_by(&by_ski, &owner).unwrap().content, CI_JSON);
        assert_eq!(check(&by_ski, &oc, &ov, &device(&pki)).unwrap(), CI_JSON);
        let mut trailing = by_ski.clone();
        trailing.push(0);
        assert!(verify_signed_by(&trailing, &owner).is_err());
    }
}

#[test]
fn openssl_crl_in_owner_artifact_satisfies_required_revocation_checks() {
    let pki = TestPki::generate();
    let dir = Dir::new();
    let mut v = voucher(&pki);
    v.domain_cert_revocation_checks = Some(true);
    let (this, next) = (date_time_ymd(2030, 1, 1), date_time_ymd(2031, 1, 1));
    // crl2pkcs7 takes one CRL; the intermediate's CRL goes in, the root's is added by us below.
    let (ci, oc, ov) = openssl_artifacts(&pki, KeyAlg::P256, &v, &dir, Some(&pki.owner_ca.crl(&[], this, next)));
    assert_eq!(parse_certs_only(&oc).unwrap().crls.len(), 1);
    let err = check(&ci, &oc, &ov, &device(&pki)).unwrap_err();
    assert!(matches!(err, TrustError::OwnerRevocation(X509Error::RevocationUnavailable { .. })), "{err}");
    let crls = [pki.owner_ca.crl(&[], this, next), pki.owner_root.crl(&[], this, next)];
    let oc = build_certs_only(&pki.owner_chain_der(), &crls).unwrap();
    assert_eq!(check(&ci, &oc, &ov, &device(&pki)).unwrap(), CI_JSON);
    let revoking = [pki.owner_ca.crl(&[&pki.owner.serial], this, next), pki.owner_root.crl(&[], this, next)];
    let oc = build_certs_only(&pki.owner_chain_der(), &revoking).unwrap();
    let err = check(&ci, &oc, &ov, &device(&pki)).unwrap_err();
    assert!(matches!(err, TrustError::OwnerRevocation(X509Error::Revoked { .. })), "{err}");
}

#[test]
fn the_chain_fails_at_the_right_step() {
    let pki = TestPki::generate();
    let other = TestPki::generate();
    let dev = device(&pki);
    let (ci, oc, ov) = our_artifacts(&pki, &voucher(&pki));
    assert_eq!(check(&ci, &oc, &ov, &dev).unwrap(), CI_JSON);

    // Tampered voucher (a byte of the signed JSON).
    let mut bad_ov = ov.clone();
    let at = bad_ov
        .windows(6)
        .position(|w| w == b"SN-1\"}")
        .unwrap_or_else(|| bad_ov.windows(4).position(|w| w == b"SN-1").unwrap());
    bad_ov[at + 3] = b'2';
    let e = check(&ci, &oc, &bad_ov, &dev).unwrap_err();
    assert!(matches!(e, TrustError::VoucherSignature(_)) && e.step() == 1, "{e}");

    // Voucher signed by a MASA the device does not trust.
    let (_, _, foreign_ov) = our_artifacts(&other, &voucher(&pki));
    let e = check(&ci, &oc, &foreign_ov, &dev).unwrap_err();
    assert!(matches!(e, TrustError::VoucherSignerUntrusted(_)), "{e}");

    // Wrong serial number.
    let mut v = voucher(&pki);
    v.serial_number = "SN-2".into();
    let (_, _, ov2) = our_artifacts(&pki, &v);
    let e = check(&ci, &oc, &ov2, &dev).unwrap_err();
    assert!(matches!(&e, TrustError::SerialNumberMismatch { voucher, .. } if voucher == "SN-2") && e.step() == 4);

    // Expired voucher (with a clock).
    let mut v = voucher(&pki);
    v.nonce = None;
    v.expires_on = Some(datetime!(2030-03-01 00:00 UTC));
    let (_, _, ov3) = our_artifacts(&pki, &v);
    let mut lifetime_ok = dev.clone();
    lifetime_ok.accept_nonceless_voucher = true;
    let e = check(&ci, &oc, &ov3, &lifetime_ok).unwrap_err();
    assert!(matches!(e, TrustError::VoucherExpired { .. }) && e.step() == 2, "{e}");

    // Wrong nonce.
    let mut v = voucher(&pki);
    v.nonce = Some(b"another-nonce-99".to_vec());
    let (_, _, ov4) = our_artifacts(&pki, &v);
    assert!(matches!(check(&ci, &oc, &ov4, &dev), Err(TrustError::NonceMismatch)));

    // Owner certificate not under the pinned-domain-cert.
    let mut v = voucher(&pki);
    v.pinned_domain_cert = other.pinned_domain_cert_der();
    let (_, _, ov5) = our_artifacts(&pki, &v);
    let e = check(&ci, &oc, &ov5, &dev).unwrap_err();
    assert!(matches!(e, TrustError::OwnerCertificateUntrusted(_)) && e.step() == 5, "{e}");

    // Conveyed information signed by another key (same names, other PKI).
    let (other_ci, _, _) = our_artifacts(&other, &voucher(&other));
    let e = check(&other_ci, &oc, &ov, &dev).unwrap_err();
    assert!(matches!(e, TrustError::ConveyedInformationSignature(_)) && e.step() == 6, "{e}");

    // Owner certificate artifact that is not degenerate (a signed conveyed information instead).
    let e = check(&ci, &ci, &ov, &dev).unwrap_err();
    assert!(matches!(e, TrustError::OwnerCertificateArtifact(_)), "{e}");
}

/// Flips every bit-0 of every byte of each artifact: each flip must be rejected, or (in an
/// unsigned area) leave the accepted result identical.
#[test]
fn tampering_any_byte_of_any_artifact_is_detected() {
    let pki = TestPki::generate();
    let dev = device(&pki);
    let v = voucher(&pki);
    let ci = sign(
        ContentType::ConveyedInfoJson,
        CI_JSON,
        &owner_signer(&pki),
        &SignOptions { certificates: IncludeCertificates::Leaf, signing_time: None },
    )
    .unwrap();
    let oc = build_certs_only(&pki.owner_chain_der(), &Vec::<Vec<u8>>::new()).unwrap();
    let ov = sign(ContentType::AnimaJsonVoucher, &v.to_json(), &masa_signer(&pki), &SignOptions::default()).unwrap();
    let a = SignedArtifacts { conveyed_information: &ci, owner_certificate: &oc, ownership_voucher: &ov };
    let good = verify_signed_data(&a, &dev).unwrap();

    // The only unsigned bytes the verifier may ignore: the conveyed information's embedded
    // certificate (the signer is pinned to the owner certificate from its own artifact).
    let cert_at = ci.windows(pki.owner.cert_der.len()).position(|w| w == pki.owner.cert_der.as_slice()).unwrap();
    let ignorable = cert_at..cert_at + pki.owner.cert_der.len();
    let mut accepted = 0;
    for which in 0..3 {
        let original = [&ci, &oc, &ov][which];
        for i in 0..original.len() {
            let mut bad = original.clone();
            bad[i] ^= 0x01;
            let mut set = [ci.as_slice(), oc.as_slice(), ov.as_slice()];
            set[which] = &bad;
            let a =
                SignedArtifacts { conveyed_information: set[0], owner_certificate: set[1], ownership_voucher: set[2] };
            if let Ok(r) = verify_signed_data(&a, &dev) {
                accepted += 1;
                assert!(which == 0 && ignorable.contains(&i), "artifact {which}, byte {i}: flip accepted");
                assert_eq!(
                    (&r.payload, &r.voucher, &r.owner_certificate, r.content_type),
                    (&good.payload, &good.voucher, &good.owner_certificate, good.content_type),
                    "artifact {which}, byte {i}: a different result was accepted"
                );
            }
        }
    }
    assert!(accepted < ignorable.len(), "{accepted} flips accepted");
}

#[test]
fn sha1_signed_chains_need_the_explicit_option() {
    let dir = Dir::new();
    let root_key = dir.path("root.key");
    let root = dir.path("root.pem");
    openssl(&[
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        &root_key,
        "-out",
        &root,
        "-subj",
        "/CN=SHA1 Root",
        "-days",
        "3650",
        "-sha1",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign",
    ]);
    let leaf_key = dir.path("leaf.key");
    let csr = dir.path("leaf.csr");
    openssl(&[
        "req",
        "-new",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        &leaf_key,
        "-out",
        &csr,
        "-subj",
        "/CN=SHA1 Device/serialNumber=SN-SHA1",
    ]);
    let leaf = dir.path("leaf.pem");
    openssl(&[
        "x509",
        "-req",
        "-in",
        &csr,
        "-CA",
        &root,
        "-CAkey",
        &root_key,
        "-CAcreateserial",
        "-days",
        "365",
        "-sha1",
        "-out",
        &leaf,
    ]);
    let root = load_certificates(&std::fs::read(Path::new(&root)).unwrap()).unwrap();
    let leaf = load_certificates(&std::fs::read(Path::new(&leaf)).unwrap()).unwrap().remove(0);
    assert_eq!(leaf.subject_serial_number().as_deref(), Some("SN-SHA1"));
    let err = validate_path(&leaf, &[], &root, &PathOptions::default()).unwrap_err();
    assert!(matches!(err, X509Error::UnsupportedAlgorithm { .. }), "{err}");
    let path = validate_path(&leaf, &[], &root, &PathOptions { allow_sha1: true, ..PathOptions::default() }).unwrap();
    assert_eq!(path.len(), 2);
}
