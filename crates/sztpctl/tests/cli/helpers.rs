//! Running the real binary, and a signed-bootstrap fixture written to a temporary directory.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;

use sztp_protocol::cms::certs_only::build_certs_only;
use sztp_protocol::cms::content_type::{ContentType, ID_SIGNED_DATA, wrap_unsigned};
use sztp_protocol::cms::enveloped_data::encrypt_to_certificate;
use sztp_protocol::cms::signed_data::{IncludeCertificates, SignOptions, sign};
use sztp_protocol::cms::signer::Signer;
use sztp_protocol::model::YangDocument;
use sztp_protocol::model::bootstrap_rpc::GetBootstrappingDataOutput;
use sztp_protocol::model::conveyed_info::{
    BootImage, ConfigurationHandling, ConveyedInformation, HashAlgorithm, ImageVerification, OnboardingInformation,
};
use sztp_protocol::model::voucher::{Assertion, Voucher};
use sztp_testkit::TestPki;
use tempfile::TempDir;
use time::{Duration, OffsetDateTime};

/// The serial number the fixture's voucher and IDevID are for.
pub(crate) const SERIAL: &str = "SN-0001";

/// What one run of the binary produced.
pub(crate) struct Run {
    pub(crate) code: i32,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

/// Runs `sztpctl` with `args`.
pub(crate) fn sztpctl<I, S>(args: I) -> Run
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let out = Command::new(env!("CARGO_BIN_EXE_sztpctl")).args(args).output().expect("run sztpctl");
    Run {
        code: out.status.code().expect("exit code"),
        stdout: String::from_utf8(out.stdout).expect("UTF-8 stdout"),
        stderr: String::from_utf8(out.stderr).expect("UTF-8 stderr"),
    }
}

/// Signed artifacts, their encrypted forms and the device's files, in a temporary directory.
pub(crate) struct Fixture {
    pub(crate) dir: TempDir,
}

impl Fixture {
    /// Builds the PKI, the voucher, owner certificate and signed onboarding information, and writes:
    /// `anchor.pem`, `idevid.pem`, `idevid.key`, `{ci,oc,ov}.cms` (DER), `{ci,oc,ov}.enc.cms`,
    /// `ov.pem`, `output.json`, `output.xml`, `output-enc.json`, `unsigned.cms`.
    pub(crate) fn new() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let pki = TestPki::generate();
        let idevid = pki.idevid(SERIAL);
        let now = OffsetDateTime::now_utc();

        let owner =
            Signer::from_pem(pki.owner.key_pem.as_bytes(), pki.owner_chain_pem().as_bytes()).expect("build fixture");
        let options = SignOptions { certificates: IncludeCertificates::None, signing_time: Some(now) };
        let ci = sign(ContentType::ConveyedInfoJson, &onboarding().to_json(), &owner, &options).expect("build fixture");
        let oc = build_certs_only(&pki.owner_chain_der(), &Vec::<Vec<u8>>::new()).expect("build fixture");
        let voucher = Voucher {
            created_on: now - Duration::hours(1),
            expires_on: Some(now + Duration::days(30)),
            assertion: Assertion::Verified,
            serial_number: SERIAL.into(),
            idevid_issuer: None,
            pinned_domain_cert: pki.pinned_domain_cert_der(),
            domain_cert_revocation_checks: Some(false),
            nonce: None,
            last_renewal_date: None,
        };
        let masa =
            Signer::from_pem(pki.masa.key_pem.as_bytes(), pki.voucher_chain_pem().as_bytes()).expect("build fixture");
        let chain = SignOptions { certificates: IncludeCertificates::Chain, signing_time: Some(now) };
        let ov = sign(ContentType::AnimaJsonVoucher, &voucher.to_json(), &masa, &chain).expect("build fixture");
        let enc = |der: &[u8]| encrypt_to_certificate(&idevid.cert_der, ID_SIGNED_DATA, der).expect("build fixture");
        let (ci_enc, oc_enc, ov_enc) = (enc(&ci), enc(&oc), enc(&ov));

        let f = Fixture { dir };
        f.write("anchor.pem", pki.manufacturer_root.issued.cert_pem.as_bytes());
        f.write("idevid.pem", idevid.cert_pem.as_bytes());
        f.write("idevid.key", idevid.key_pem.as_bytes());
        for (name, der) in [("ci", &ci), ("oc", &oc), ("ov", &ov)] {
            f.write(&format!("{name}.cms"), der);
        }
        for (name, der) in [("ci", &ci_enc), ("oc", &oc_enc), ("ov", &ov_enc)] {
            f.write(&format!("{name}.enc.cms"), der);
        }
        f.write("ov.pem", sztp_testkit::pem("CMS", &ov).as_bytes());
        let output = |ci: &[u8], oc: &[u8], ov: &[u8]| GetBootstrappingDataOutput {
            reporting_level: None,
            conveyed_information: ci.to_vec(),
            owner_certificate: Some(oc.to_vec()),
            ownership_voucher: Some(ov.to_vec()),
        };
        f.write("output.json", &output(&ci, &oc, &ov).to_json());
        f.write("output.xml", &output(&ci, &oc, &ov).to_xml());
        f.write("output-enc.json", &output(&ci_enc, &oc_enc, &ov_enc).to_json());
        f.write(
            "unsigned.cms",
            &wrap_unsigned(ContentType::ConveyedInfoJson, &onboarding().to_json()).expect("build fixture"),
        );
        f
    }

    /// The path of a fixture file.
    pub(crate) fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Writes a file into the fixture directory.
    pub(crate) fn write(&self, name: &str, bytes: &[u8]) {
        std::fs::write(self.path(name), bytes).expect("write fixture");
    }

    /// `cms verify` arguments for the three separate artifacts named `{ci,oc,ov}{suffix}`, plus `extra`.
    pub(crate) fn verify_files(&self, suffix: &str, extra: &[&str]) -> Vec<String> {
        let mut args = vec!["cms".to_string(), "verify".into()];
        for (flag, name) in
            [("--conveyed-information", "ci"), ("--owner-certificate", "oc"), ("--ownership-voucher", "ov")]
        {
            args.push(flag.into());
            args.push(path_str(&self.path(&format!("{name}{suffix}"))));
        }
        args.extend(["--anchor".into(), path_str(&self.path("anchor.pem"))]);
        args.extend(extra.iter().map(|s| s.to_string()));
        args
    }
}

/// A path as a `String` argument.
pub(crate) fn path_str(p: &Path) -> String {
    p.to_str().expect("UTF-8 temp path").to_owned()
}

/// Onboarding information with every field present.
fn onboarding() -> ConveyedInformation {
    ConveyedInformation::Onboarding(OnboardingInformation {
        boot_image: Some(BootImage {
            os_name: Some("DemoOS".into()),
            os_version: Some("1.0".into()),
            download_uri: vec!["https://images.example.net/demoos-1.0.img".into()],
            image_verification: vec![ImageVerification {
                hash_algorithm: HashAlgorithm::Sha256,
                hash_value: vec![0xab; 32],
            }],
        }),
        configuration_handling: Some(ConfigurationHandling::Merge),
        pre_configuration_script: Some(b"#!/bin/sh\necho pre\n".to_vec()),
        configuration: Some(b"hostname demo-1\n".to_vec()),
        post_configuration_script: None,
    })
}
