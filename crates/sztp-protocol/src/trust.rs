//! RFC 8572 §5.4 as a device performs it: ownership voucher → owner certificate → signed
//! conveyed information. Each failed step has its own [`TrustError`] variant.

use thiserror::Error;
use time::OffsetDateTime;

use crate::cms::CmsError;
use crate::cms::certs_only::parse_certs_only;
use crate::cms::content_type::{ContentType, unwrap_unsigned};
use crate::cms::signed_data::{signer_is, verify_signed, verify_signed_by};
use crate::codec::DecodeError;
use crate::model::voucher::{Assertion, Voucher};
use crate::x509::{Certificate, Crl, PathOptions, RevocationMode, X509Error, check_revocation, rfc3339, validate_path};

/// Why signed data failed RFC 8572 §5.4; the variant names the step.
#[derive(Debug, Error)]
pub enum TrustError {
    /// Step 1: the voucher CMS does not parse or its signature does not verify.
    #[error("ownership voucher: signature does not verify: {0}")]
    VoucherSignature(CmsError),
    /// Step 1: the voucher's eContentType is neither id-ct-animaJSONVoucher nor id-data.
    #[error("ownership voucher: eContentType is {0}, not id-ct-animaJSONVoucher")]
    VoucherContentType(String),
    /// Step 1: the voucher signer does not chain to a manufacturer trust anchor.
    #[error("ownership voucher: signer not trusted: {0}")]
    VoucherSignerUntrusted(X509Error),
    /// Step 1: the signed voucher is not a valid JSON voucher.
    #[error("ownership voucher: invalid voucher document: {0}")]
    VoucherDecode(DecodeError),
    /// Step 2: created-on is later than the device's clock.
    #[error("ownership voucher: created-on {created_on} is in the future (now {now})")]
    VoucherNotYetValid {
        /// created-on, RFC 3339.
        created_on: String,
        /// The device's time, RFC 3339.
        now: String,
    },
    /// Step 2: expires-on has passed.
    #[error("ownership voucher: expired at {expires_on} (now {now})")]
    VoucherExpired {
        /// expires-on, RFC 3339.
        expires_on: String,
        /// The device's time, RFC 3339.
        now: String,
    },
    /// Step 3: the assertion is not one the device accepts.
    #[error("ownership voucher: assertion '{}' is not acceptable", .0.as_str())]
    AssertionNotAccepted(Assertion),
    /// Step 4: the voucher is for another device.
    #[error("ownership voucher: serial-number '{voucher}' is not this device's '{device}'")]
    SerialNumberMismatch {
        /// The voucher's serial-number.
        voucher: String,
        /// The device's serial number.
        device: String,
    },
    /// Step 4: idevid-issuer does not match the IDevID's authority key identifier.
    #[error("ownership voucher: idevid-issuer does not match: {0}")]
    IdevidIssuerMismatch(String),
    /// Step 4: the voucher's nonce differs from the nonce the device sent.
    #[error("ownership voucher: nonce does not match the nonce the device sent")]
    NonceMismatch,
    /// Step 4: the device sent a nonce and needs it back, but the voucher has none.
    #[error("ownership voucher: the device expected a nonce but the voucher has none")]
    NonceMissing,
    /// Step 4: the voucher carries a nonce the device never sent.
    #[error("ownership voucher: has a nonce but the device sent none")]
    NonceUnexpected,
    /// Step 5: the owner-certificate artifact is not a certs-only SignedData.
    #[error("owner certificate: artifact malformed: {0}")]
    OwnerCertificateArtifact(CmsError),
    /// Step 5: no single owner (end-entity) certificate could be identified in the artifact.
    #[error("owner certificate: {0}")]
    OwnerCertificateMissing(String),
    /// Step 5: the voucher's pinned-domain-cert is not a usable certificate.
    #[error("ownership voucher: pinned-domain-cert unusable: {0}")]
    PinnedDomainCert(X509Error),
    /// Step 5: the owner certificate does not chain to the pinned-domain-cert.
    #[error("owner certificate: no valid path to the pinned-domain-cert: {0}")]
    OwnerCertificateUntrusted(X509Error),
    /// Step 5: the owner certificate's keyUsage lacks digitalSignature.
    #[error("owner certificate: {0}")]
    OwnerKeyUsage(X509Error),
    /// Step 5: revocation checking failed or was required and impossible.
    #[error("owner certificate: revocation check failed: {0}")]
    OwnerRevocation(X509Error),
    /// Step 6: the conveyed information is not validly signed by the owner certificate.
    #[error("conveyed information: not signed by the owner certificate: {0}")]
    ConveyedInformationSignature(CmsError),
    /// Step 6: the conveyed information's eContentType is not .42, .43 or id-data.
    #[error("conveyed information: eContentType is {0}")]
    ConveyedInformationContentType(String),
    /// Unsigned conveyed information that is not a plain ContentInfo with .42/.43/id-data.
    #[error("unsigned conveyed information: {0}")]
    UnsignedConveyedInformation(CmsError),
}

impl TrustError {
    /// The RFC 8572 §5.4 step (1–6) that failed; 0 for unsigned conveyed information.
    pub fn step(&self) -> u8 {
        use TrustError::*;
        match self {
            VoucherSignature(_) | VoucherContentType(_) | VoucherSignerUntrusted(_) | VoucherDecode(_) => 1,
            VoucherNotYetValid { .. } | VoucherExpired { .. } => 2,
            AssertionNotAccepted(_) => 3,
            SerialNumberMismatch { .. } | IdevidIssuerMismatch(_) | NonceMismatch | NonceMissing | NonceUnexpected => 4,
            OwnerCertificateArtifact(_)
            | OwnerCertificateMissing(_)
            | PinnedDomainCert(_)
            | OwnerCertificateUntrusted(_)
            | OwnerKeyUsage(_)
            | OwnerRevocation(_) => 5,
            ConveyedInformationSignature(_) | ConveyedInformationContentType(_) => 6,
            UnsignedConveyedInformation(_) => 0,
        }
    }
}

/// What the device knows about itself and its policy.
#[derive(Debug, Clone)]
pub struct DeviceContext {
    /// The device's serial number (as in its IDevID's subject serialNumber).
    pub serial_number: String,
    /// Manufacturer trust anchors for the voucher signer (self-signed roots or not).
    pub manufacturer_anchors: Vec<Certificate>,
    /// The device's IDevID, for the voucher's `idevid-issuer` check (fails closed if absent
    /// while the voucher has `idevid-issuer`).
    pub idevid: Option<Certificate>,
    /// The device's current time, if it has an accurate clock; `None` skips time checks and
    /// makes required revocation checks fail (freshness cannot be judged).
    pub now: Option<OffsetDateTime>,
    /// The nonce the device sent in `get-bootstrapping-data`, if any.
    pub expected_nonce: Option<Vec<u8>>,
    /// With `expected_nonce` set, also accept a voucher that has no nonce (a lifetime voucher).
    pub accept_nonceless_voucher: bool,
    /// Assertions the device accepts (RFC 8572 §5.4 step 3).
    pub acceptable_assertions: Vec<Assertion>,
    /// Accept SHA-1 signatures in certificate chains (legacy vendor PKIs); off by default.
    pub allow_sha1: bool,
}

impl DeviceContext {
    /// A context with no clock, no nonce, every assertion acceptable and SHA-1 refused.
    pub fn new(serial_number: impl Into<String>, manufacturer_anchors: Vec<Certificate>) -> Self {
        DeviceContext {
            serial_number: serial_number.into(),
            manufacturer_anchors,
            idevid: None,
            now: None,
            expected_nonce: None,
            accept_nonceless_voucher: false,
            acceptable_assertions: vec![Assertion::Verified, Assertion::Logged, Assertion::Proximity],
            allow_sha1: false,
        }
    }

    fn path_options(&self) -> PathOptions {
        PathOptions { time: self.now, allow_sha1: self.allow_sha1, ..PathOptions::default() }
    }
}

/// The three signed artifacts of RFC 8572 §3.5, each already decrypted (DER ContentInfo).
#[derive(Debug, Clone, Copy)]
pub struct SignedArtifacts<'a> {
    /// The conveyed-information artifact (SignedData, eContentType .42/.43/id-data).
    pub conveyed_information: &'a [u8],
    /// The owner-certificate artifact (certs-only SignedData).
    pub owner_certificate: &'a [u8],
    /// The ownership-voucher artifact (SignedData, eContentType .40).
    pub ownership_voucher: &'a [u8],
}

/// Signed data that passed every RFC 8572 §5.4 step.
#[derive(Debug, Clone)]
pub struct VerifiedConveyedInformation {
    /// The verified voucher.
    pub voucher: Voucher,
    /// The validated owner certificate that signed the conveyed information.
    pub owner_certificate: Certificate,
    /// The conveyed information's eContentType (.42 XML, .43 JSON, or id-data).
    pub content_type: ContentType,
    /// The conveyed information payload (XML or JSON bytes).
    pub payload: Vec<u8>,
}

/// Runs RFC 8572 §5.4 steps 1–6 over the three artifacts.
pub fn verify_signed_data(
    artifacts: &SignedArtifacts<'_>,
    device: &DeviceContext,
) -> Result<VerifiedConveyedInformation, TrustError> {
    let voucher = verify_voucher(artifacts.ownership_voucher, device)?;
    let owner =
        verify_owner_certificate(artifacts.owner_certificate, artifacts.conveyed_information, &voucher, device)?;
    let ci =
        verify_signed_by(artifacts.conveyed_information, &owner).map_err(TrustError::ConveyedInformationSignature)?;
    if !ci.content_type.is_conveyed_information() {
        return Err(TrustError::ConveyedInformationContentType(ci.content_type.to_string()));
    }
    Ok(VerifiedConveyedInformation {
        voucher,
        owner_certificate: owner,
        content_type: ci.content_type,
        payload: ci.content,
    })
}

/// Unwraps unsigned conveyed information (`ContentInfo { .42/.43/id-data, OCTET STRING }`).
pub fn verify_unsigned_conveyed_information(der: &[u8]) -> Result<(ContentType, Vec<u8>), TrustError> {
    let (content_type, payload) = unwrap_unsigned(der).map_err(TrustError::UnsignedConveyedInformation)?;
    if !content_type.is_conveyed_information() {
        return Err(TrustError::UnsignedConveyedInformation(CmsError::UnexpectedContentType {
            expected: "id-ct-sztpConveyedInfoXML, id-ct-sztpConveyedInfoJSON or id-data".into(),
            found: content_type.to_string(),
        }));
    }
    Ok((content_type, payload))
}

/// Steps 1–4: verifies the ownership voucher artifact and checks it against the device.
pub fn verify_voucher(der: &[u8], device: &DeviceContext) -> Result<Voucher, TrustError> {
    let signed = verify_signed(der, &device.manufacturer_anchors).map_err(TrustError::VoucherSignature)?;
    if !matches!(signed.content_type, ContentType::AnimaJsonVoucher | ContentType::Data) {
        return Err(TrustError::VoucherContentType(signed.content_type.to_string()));
    }
    if !signed.signed_attributes {
        // rfc8366bis: "Decoders MUST verify that SignedAttributes is present".
        return Err(TrustError::VoucherSignature(CmsError::Signature("signedAttrs missing".into())));
    }
    validate_path(&signed.signer, &signed.certificates, &device.manufacturer_anchors, &device.path_options())
        .map_err(TrustError::VoucherSignerUntrusted)?;
    require_digital_signature(&signed.signer).map_err(TrustError::VoucherSignerUntrusted)?;
    let voucher = Voucher::from_json(&signed.content).map_err(TrustError::VoucherDecode)?;

    if let Some(now) = device.now {
        if voucher.created_on > now {
            return Err(TrustError::VoucherNotYetValid { created_on: rfc3339(voucher.created_on), now: rfc3339(now) });
        }
        if let Some(expires_on) = voucher.expires_on
            && now >= expires_on
        {
            return Err(TrustError::VoucherExpired { expires_on: rfc3339(expires_on), now: rfc3339(now) });
        }
    }
    if !device.acceptable_assertions.contains(&voucher.assertion) {
        return Err(TrustError::AssertionNotAccepted(voucher.assertion));
    }
    if voucher.serial_number != device.serial_number {
        return Err(TrustError::SerialNumberMismatch {
            voucher: voucher.serial_number.clone(),
            device: device.serial_number.clone(),
        });
    }
    if let Some(issuer) = &voucher.idevid_issuer {
        let idevid = device
            .idevid
            .as_ref()
            .ok_or_else(|| TrustError::IdevidIssuerMismatch("the device has no IDevID to compare with".into()))?;
        if !idevid.matches_idevid_issuer(issuer) {
            return Err(TrustError::IdevidIssuerMismatch(format!(
                "not the authorityKeyIdentifier of IDevID '{}'",
                idevid.subject()
            )));
        }
    }
    match (&voucher.nonce, &device.expected_nonce) {
        (Some(got), Some(sent)) if got != sent => return Err(TrustError::NonceMismatch),
        (Some(_), None) => return Err(TrustError::NonceUnexpected),
        (None, Some(_)) if !device.accept_nonceless_voucher => return Err(TrustError::NonceMissing),
        _ => {}
    }
    Ok(voucher)
}

/// Step 5: finds the owner certificate in its artifact, validates it to the pinned-domain-cert
/// and checks its key usage and (as the voucher asks) revocation.
fn verify_owner_certificate(
    artifact: &[u8],
    conveyed_information: &[u8],
    voucher: &Voucher,
    device: &DeviceContext,
) -> Result<Certificate, TrustError> {
    let contents = parse_certs_only(artifact).map_err(TrustError::OwnerCertificateArtifact)?;
    let artifact_error = |e: X509Error| TrustError::OwnerCertificateArtifact(CmsError::Malformed(e.to_string()));
    let certs: Vec<Certificate> = contents
        .certificates
        .iter()
        .map(|c| Certificate::from_der(c))
        .collect::<Result<_, _>>()
        .map_err(artifact_error)?;
    let crls: Vec<Crl> =
        contents.crls.iter().map(|c| Crl::from_der(c)).collect::<Result<_, _>>().map_err(artifact_error)?;
    let pinned = Certificate::from_der(&voucher.pinned_domain_cert).map_err(TrustError::PinnedDomainCert)?;
    let owner = select_owner(&certs, conveyed_information)?;

    let path = validate_path(&owner, &certs, std::slice::from_ref(&pinned), &device.path_options())
        .map_err(TrustError::OwnerCertificateUntrusted)?;
    require_digital_signature(&owner).map_err(TrustError::OwnerKeyUsage)?;
    let mode = match voucher.domain_cert_revocation_checks {
        Some(true) => RevocationMode::Required,
        Some(false) => RevocationMode::Skip,
        None => RevocationMode::IfAvailable,
    };
    check_revocation(&path, &crls, mode, device.now, device.allow_sha1).map_err(TrustError::OwnerRevocation)?;
    Ok(owner)
}

/// The owner certificate is the artifact's end-entity: the certificate that issues no other
/// one in the artifact. If there are several, the conveyed information's signer picks one.
fn select_owner(certs: &[Certificate], conveyed_information: &[u8]) -> Result<Certificate, TrustError> {
    let issues_another = |c: &Certificate| {
        if c.is_self_issued() {
            // A self-signed certificate next to others is a root, not the owner certificate.
            certs.len() > 1
        } else {
            certs.iter().any(|o| o != c && o.issuer_name() == c.subject_name())
        }
    };
    let leaves: Vec<&Certificate> = certs.iter().filter(|c| !issues_another(c)).collect();
    match leaves.as_slice() {
        [] => Err(TrustError::OwnerCertificateMissing("the artifact holds no end-entity certificate".into())),
        [one] => Ok((*one).clone()),
        many => {
            let signers: Vec<&&Certificate> = many.iter().filter(|c| signer_is(conveyed_information, c)).collect();
            match signers.as_slice() {
                [one] => Ok((**one).clone()),
                _ => Err(TrustError::OwnerCertificateMissing(format!(
                    "{} end-entity certificates and none singled out by the conveyed information's signer",
                    many.len()
                ))),
            }
        }
    }
}

/// RFC 8572 §3.2: keyUsage absent, or with digitalSignature.
fn require_digital_signature(cert: &Certificate) -> Result<(), X509Error> {
    match cert.key_usage()? {
        Some(ku) if !ku.digital_signature() => {
            Err(X509Error::KeyUsage { subject: cert.subject(), missing: "digitalSignature" })
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cms::certs_only::build_certs_only;
    use crate::cms::content_type::wrap_unsigned;
    use crate::cms::signed_data::{SignOptions, sign};
    use crate::cms::signer::Signer;
    use sztp_testkit::rcgen::date_time_ymd;
    use sztp_testkit::{KeyAlg, TestPki};
    use time::macros::datetime;

    const CI: &[u8] = br#"{"ietf-sztp-conveyed-info:onboarding-information":{"configuration-handling":"merge","configuration":"Y29uZmln"}}"#;

    struct Fixture {
        pki: TestPki,
        voucher: Voucher,
        device: DeviceContext,
        crls: Vec<Vec<u8>>,
    }

    impl Fixture {
        fn new() -> Self {
            let pki = TestPki::generate();
            let voucher = Voucher {
                created_on: datetime!(2030-01-01 00:00 UTC),
                expires_on: None,
                assertion: Assertion::Verified,
                serial_number: "SN-1".into(),
                idevid_issuer: None,
                pinned_domain_cert: pki.pinned_domain_cert_der(),
                domain_cert_revocation_checks: None,
                nonce: None,
                last_renewal_date: None,
            };
            let anchor = Certificate::from_der(&pki.manufacturer_anchor_der()).unwrap();
            let mut device = DeviceContext::new("SN-1", vec![anchor]);
            device.now = Some(datetime!(2030-06-01 00:00 UTC));
            Fixture { pki, voucher, device, crls: vec![] }
        }

        fn verify(&self) -> Result<VerifiedConveyedInformation, TrustError> {
            let masa =
                Signer::from_pem(self.pki.masa.key_pem.as_bytes(), self.pki.voucher_chain_pem().as_bytes()).unwrap();
            let ov =
                sign(ContentType::AnimaJsonVoucher, &self.voucher.to_json(), &masa, &SignOptions::default()).unwrap();
            let oc = build_certs_only(&self.pki.owner_chain_der(), &self.crls).unwrap();
            let owner =
                Signer::from_pem(self.pki.owner.key_pem.as_bytes(), self.pki.owner_chain_pem().as_bytes()).unwrap();
            let ci = sign(ContentType::ConveyedInfoJson, CI, &owner, &SignOptions::default()).unwrap();
            verify_signed_data(
                &SignedArtifacts { conveyed_information: &ci, owner_certificate: &oc, ownership_voucher: &ov },
                &self.device,
            )
        }
    }

    #[test]
    fn good_signed_data_passes_and_returns_the_payload() {
        let f = Fixture::new();
        let v = f.verify().unwrap();
        assert_eq!((v.content_type, v.payload.as_slice()), (ContentType::ConveyedInfoJson, CI));
        assert_eq!(v.owner_certificate.der(), f.pki.owner.cert_der.as_slice());
        assert_eq!(v.voucher, f.voucher);
    }

    #[test]
    fn pinned_domain_cert_may_be_an_intermediate_or_the_owner_certificate_itself() {
        let mut f = Fixture::new();
        f.voucher.pinned_domain_cert = f.pki.owner_ca.issued.cert_der.clone();
        f.verify().unwrap();
        f.voucher.pinned_domain_cert = f.pki.owner.cert_der.clone();
        f.verify().unwrap();
        f.voucher.pinned_domain_cert = f.pki.masa.cert_der.clone();
        assert!(matches!(f.verify(), Err(TrustError::OwnerCertificateUntrusted(_))));
        f.voucher.pinned_domain_cert = b"not a certificate".to_vec();
        assert!(matches!(f.verify(), Err(TrustError::PinnedDomainCert(_))));
    }

    #[test]
    fn assertion_policy_is_step_3() {
        let mut f = Fixture::new();
        f.voucher.assertion = Assertion::Logged;
        f.device.acceptable_assertions = vec![Assertion::Verified];
        let e = f.verify().unwrap_err();
        assert!(matches!(e, TrustError::AssertionNotAccepted(Assertion::Logged)) && e.step() == 3, "{e}");
    }

    #[test]
    fn voucher_from_the_future_is_step_2_but_passes_without_a_clock() {
        let mut f = Fixture::new();
        f.voucher.created_on = datetime!(2031-01-01 00:00 UTC);
        assert!(matches!(f.verify(), Err(TrustError::VoucherNotYetValid { .. })));
        f.device.now = None;
        f.verify().unwrap();
    }

    #[test]
    fn idevid_issuer_accepts_both_encodings_and_fails_closed() {
        let mut f = Fixture::new();
        let idevid = Certificate::from_der(&f.pki.idevid("SN-1").cert_der).unwrap();
        let aki = idevid.authority_key_identifier().unwrap().unwrap();
        f.voucher.idevid_issuer = Some(aki.extn_value.clone());
        assert!(matches!(f.verify(), Err(TrustError::IdevidIssuerMismatch(_))));
        f.device.idevid = Some(idevid);
        f.verify().unwrap();
        f.voucher.idevid_issuer = aki.key_identifier.clone();
        f.verify().unwrap();
        f.voucher.idevid_issuer = Some(vec![1, 2, 3]);
        assert_eq!(f.verify().unwrap_err().step(), 4);
    }

    #[test]
    fn nonce_rules() {
        let mut f = Fixture::new();
        f.voucher.nonce = Some(b"0123456789abcdef".to_vec());
        assert!(matches!(f.verify(), Err(TrustError::NonceUnexpected)));
        f.device.expected_nonce = Some(b"0123456789abcdef".to_vec());
        f.verify().unwrap();
        f.device.expected_nonce = Some(b"fedcba9876543210".to_vec());
        assert!(matches!(f.verify(), Err(TrustError::NonceMismatch)));
        f.voucher.nonce = None;
        assert!(matches!(f.verify(), Err(TrustError::NonceMissing)));
        f.device.accept_nonceless_voucher = true;
        f.verify().unwrap();
    }

    #[test]
    fn revocation_checks_true_fails_closed_without_crls_and_on_revoked_owner() {
        let mut f = Fixture::new();
        f.voucher.domain_cert_revocation_checks = Some(true);
        assert!(matches!(f.verify(), Err(TrustError::OwnerRevocation(X509Error::RevocationUnavailable { .. }))));
        let (this, next) = (date_time_ymd(2030, 1, 1), date_time_ymd(2031, 1, 1));
        let good = vec![f.pki.owner_ca.crl(&[], this, next), f.pki.owner_root.crl(&[], this, next)];
        f.crls = good.clone();
        f.verify().unwrap();
        f.device.now = None;
        assert!(matches!(f.verify(), Err(TrustError::OwnerRevocation(_))));
        f.device.now = Some(datetime!(2030-06-01 00:00 UTC));
        f.crls = vec![f.pki.owner_ca.crl(&[&f.pki.owner.serial], this, next), good[1].clone()];
        assert!(matches!(f.verify(), Err(TrustError::OwnerRevocation(X509Error::Revoked { .. }))));
        f.voucher.domain_cert_revocation_checks = None;
        assert!(matches!(f.verify(), Err(TrustError::OwnerRevocation(X509Error::Revoked { .. }))));
        f.voucher.domain_cert_revocation_checks = Some(false);
        f.verify().unwrap();
    }

    #[test]
    fn owner_certificate_without_digital_signature_is_refused() {
        let mut f = Fixture::new();
        let mut p = sztp_testkit::signer_params("Example Owner", "Owner KeyAgreement only");
        p.key_usages = vec![sztp_testkit::rcgen::KeyUsagePurpose::KeyAgreement];
        f.pki.owner = f.pki.owner_ca.issue(&p, KeyAlg::P256);
        assert!(matches!(f.verify(), Err(TrustError::OwnerKeyUsage(_))));
    }

    #[test]
    fn the_owner_certificate_is_picked_by_the_signer_when_the_artifact_has_several_leaves() {
        let f = Fixture::new();
        let extra = f.pki.new_owner(KeyAlg::P256);
        let masa = Signer::from_pem(f.pki.masa.key_pem.as_bytes(), f.pki.voucher_chain_pem().as_bytes()).unwrap();
        let ov = sign(ContentType::AnimaJsonVoucher, &f.voucher.to_json(), &masa, &SignOptions::default()).unwrap();
        let mut certs = f.pki.owner_chain_der();
        certs.push(extra.cert_der.clone());
        let oc = build_certs_only(&certs, &Vec::<Vec<u8>>::new()).unwrap();
        let owner = Signer::from_pem(f.pki.owner.key_pem.as_bytes(), f.pki.owner_chain_pem().as_bytes()).unwrap();
        let ci = sign(ContentType::ConveyedInfoXml, b"<x/>", &owner, &SignOptions::default()).unwrap();
        let a = SignedArtifacts { conveyed_information: &ci, owner_certificate: &oc, ownership_voucher: &ov };
        let v = verify_signed_data(&a, &f.device).unwrap();
        assert_eq!(
            (v.owner_certificate.der(), v.content_type),
            (f.pki.owner.cert_der.as_slice(), ContentType::ConveyedInfoXml)
        );
    }

    #[test]
    fn unsigned_conveyed_information_is_unwrapped_and_checked() {
        let der = wrap_unsigned(ContentType::ConveyedInfoJson, CI).unwrap();
        assert_eq!(verify_unsigned_conveyed_information(&der).unwrap(), (ContentType::ConveyedInfoJson, CI.to_vec()));
        let voucher_typed = wrap_unsigned(ContentType::AnimaJsonVoucher, CI).unwrap();
        assert_eq!(verify_unsigned_conveyed_information(&voucher_typed).unwrap_err().step(), 0);
        assert!(verify_unsigned_conveyed_information(&der[..der.len() - 1]).is_err());
    }
}
