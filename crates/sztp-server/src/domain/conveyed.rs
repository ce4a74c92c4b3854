//! From a configured response to the `get-bootstrapping-data` output: conveyed information built
//! per compatibility profile, the signing decision (with `signed-data-preferred` enforced), CMS
//! signing with the owner key, the owner-certificate and voucher artifacts, optional encryption.

use sztp_protocol::cms::certs_only::build_certs_only;
use sztp_protocol::cms::content_type::{ContentType, ID_SIGNED_DATA, wrap_unsigned};
use sztp_protocol::cms::enveloped_data::encrypt_to_certificate;
use sztp_protocol::cms::signed_data::{IncludeCertificates, SignOptions, sign};
use sztp_protocol::cms::signer::Signer;
use sztp_protocol::codec::Encoding;
use sztp_protocol::model::YangDocument;
use sztp_protocol::model::bootstrap_rpc::{GetBootstrappingDataOutput, ReportingLevel};
use sztp_protocol::model::conveyed_info::{
    BootImage, BootstrapServer, ConfigurationHandling, ConveyedInformation, HashAlgorithm, ImageVerification,
    OnboardingInformation, RedirectInformation,
};
use sztp_protocol::x509::load_certificates;
use sztp_store::{CompatProfile, ConfigurationHandling as StoredHandling, ResponseSpec, SigningPolicy};
use time::OffsetDateTime;

/// Why an output could not be built; every variant is a configuration problem on the server
/// side except [`BuildError::SignedDataRequired`], which follows from the device's request.
#[derive(Debug, thiserror::Error)]
pub(crate) enum BuildError {
    /// `signed-data-preferred` with onboarding information, and nothing to sign with.
    #[error(
        "the device asked for signed data (signed-data-preferred) but no owner certificate and voucher are configured for it, and unsigned onboarding information must not be returned"
    )]
    SignedDataRequired,
    /// Signing is configured but the owner certificate or voucher is missing.
    #[error("signed responses are configured but {0}")]
    MissingSigningMaterial(String),
    /// A configured value is unusable.
    #[error("response configuration: {0}")]
    BadConfiguration(String),
    /// Encryption is configured but no device certificate is known.
    #[error("encryption is configured but no device certificate is known (no TLS client certificate and none stored)")]
    NoRecipient,
    /// CMS construction failed.
    #[error("CMS: {0}")]
    Cms(#[from] sztp_protocol::cms::CmsError),
}

/// Whether to sign, after policy, profile and the RFC 8572 §7.3 rule.
pub(crate) fn must_sign(
    policy: SigningPolicy,
    profile: CompatProfile,
    onboarding: bool,
    signed_data_preferred: bool,
    material_available: bool,
) -> Result<bool, BuildError> {
    let wanted = match (profile, policy) {
        (CompatProfile::CiscoIosXe, _) | (_, SigningPolicy::Signed) => true,
        (_, SigningPolicy::WhenRequired) => signed_data_preferred,
        (_, SigningPolicy::Unsigned) => false,
    };
    // Never unsigned onboarding information to a device that sent signed-data-preferred.
    let required = signed_data_preferred && onboarding;
    match (wanted || required, material_available) {
        (false, _) => Ok(false),
        (true, true) => Ok(true),
        (true, false) if required => Err(BuildError::SignedDataRequired),
        (true, false) if wanted && policy == SigningPolicy::WhenRequired => Ok(false),
        (true, false) => Err(BuildError::MissingSigningMaterial("the owner certificate or voucher is missing".into())),
    }
}

/// The conveyed information a response describes, shaped for the device's profile.
pub(crate) fn conveyed_information(
    spec: &ResponseSpec,
    profile: CompatProfile,
) -> Result<ConveyedInformation, BuildError> {
    match spec {
        ResponseSpec::Redirect { servers } => {
            if servers.is_empty() {
                return Err(BuildError::BadConfiguration("a redirect response needs at least one server".into()));
            }
            let bootstrap_servers = servers
                .iter()
                .map(|s| {
                    let trust_anchor = match &s.trust_anchor_pem {
                        None => None,
                        Some(pem) => Some(trust_anchor_cms(pem)?),
                    };
                    Ok(BootstrapServer { address: s.address.clone(), port: s.port, trust_anchor })
                })
                .collect::<Result<_, BuildError>>()?;
            Ok(ConveyedInformation::Redirect(RedirectInformation { bootstrap_servers }))
        }
        ResponseSpec::Onboarding(o) => {
            let boot_image = match &o.boot_image {
                None => None,
                Some(b) => {
                    let image_verification = match &b.sha256_hex {
                        None => Vec::new(),
                        Some(hex) => vec![ImageVerification {
                            hash_algorithm: HashAlgorithm::Sha256,
                            hash_value: parse_sha256(hex)?,
                        }],
                    };
                    // The OPI agent rejects boot-image entries it does not know (os-name, os-version).
                    let with_os = profile != CompatProfile::OpiAgent;
                    Some(BootImage {
                        os_name: with_os.then(|| b.os_name.clone()),
                        os_version: with_os.then(|| b.os_version.clone()),
                        download_uri: b.download_uris.clone(),
                        image_verification,
                    })
                }
            };
            let configuration = o.configuration.as_ref().map(|c| c.as_bytes().to_vec());
            let configuration_handling = configuration.as_ref().map(|_| match o.configuration_handling {
                Some(StoredHandling::Replace) => ConfigurationHandling::Replace,
                Some(StoredHandling::Merge) | None => ConfigurationHandling::Merge,
            });
            let info = OnboardingInformation {
                boot_image,
                configuration_handling,
                pre_configuration_script: o.pre_configuration_script.as_ref().map(|s| s.as_bytes().to_vec()),
                configuration,
                post_configuration_script: o.post_configuration_script.as_ref().map(|s| s.as_bytes().to_vec()),
            };
            if info == OnboardingInformation::default() {
                return Err(BuildError::BadConfiguration("an onboarding response must carry at least one item".into()));
            }
            Ok(ConveyedInformation::Onboarding(info))
        }
    }
}

/// A degenerate certs-only CMS of a PEM chain, as `trust-anchor` and `owner-certificate` need.
pub(crate) fn trust_anchor_cms(pem: &str) -> Result<Vec<u8>, BuildError> {
    let certs = load_certificates(pem.as_bytes())
        .map_err(|e| BuildError::BadConfiguration(format!("certificate chain: {e}")))?;
    if certs.is_empty() {
        return Err(BuildError::BadConfiguration("the certificate chain is empty".into()));
    }
    let ders: Vec<&[u8]> = certs.iter().map(|c| c.der()).collect();
    Ok(build_certs_only(&ders, &[] as &[&[u8]])?)
}

/// Parses a SHA-256 value written as hex, with or without colons.
pub(crate) fn parse_sha256(text: &str) -> Result<Vec<u8>, BuildError> {
    let hex: String = text.chars().filter(|c| *c != ':').collect();
    let bytes = (0..hex.len())
        .step_by(2)
        .map(|i| hex.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok()))
        .collect::<Option<Vec<u8>>>();
    match bytes {
        Some(b) if b.len() == 32 && hex.len() == 64 => Ok(b),
        _ => Err(BuildError::BadConfiguration(format!("\"{text}\" is not a SHA-256 value (64 hex digits)"))),
    }
}

/// An owner certificate ready to sign: its key and chain, and its owner-certificate artifact
/// (certs-only CMS). The same for every device of the owner.
pub(crate) struct OwnerMaterial {
    /// The owner certificate's key and chain.
    pub signer: Signer,
    /// The owner-certificate artifact (certs-only CMS).
    pub owner_certificate: Vec<u8>,
}

/// Conveyed information encoded once, as every device given the same response receives it.
#[derive(Debug)]
pub(crate) struct Prepared {
    /// Onboarding (else redirect) information.
    pub onboarding: bool,
    /// `.43` JSON or `.42` XML.
    pub content_type: ContentType,
    /// The encoded conveyed information.
    pub payload: Vec<u8>,
}

/// Encodes conveyed information in `encoding`.
pub(crate) fn prepare(info: &ConveyedInformation, encoding: Encoding) -> Prepared {
    let content_type = match encoding {
        Encoding::Json => ContentType::ConveyedInfoJson,
        Encoding::Xml => ContentType::ConveyedInfoXml,
    };
    Prepared {
        onboarding: matches!(info, ConveyedInformation::Onboarding(_)),
        content_type,
        payload: info.encode(encoding),
    }
}

/// Signs prepared conveyed information with the owner's key (SignedData with signing time).
pub(crate) fn sign_conveyed(p: &Prepared, owner: &OwnerMaterial, now: OffsetDateTime) -> Result<Vec<u8>, BuildError> {
    let options = SignOptions { certificates: IncludeCertificates::Leaf, signing_time: Some(now) };
    Ok(sign(p.content_type, &p.payload, &owner.signer, &options)?)
}

/// Signed conveyed information with its two companion artifacts.
pub(crate) struct Signed<'a> {
    /// The SignedData ([`sign_conveyed`]).
    pub conveyed: &'a [u8],
    /// The owner-certificate artifact.
    pub owner_certificate: &'a [u8],
    /// The ownership-voucher artifact (signed CMS, .40).
    pub ownership_voucher: &'a [u8],
}

/// How to package the output.
pub(crate) struct Packaging<'a> {
    /// Signed, or sent unsigned.
    pub signed: Option<Signed<'a>>,
    /// Encrypt every artifact to this certificate (DER).
    pub encrypt_to: Option<&'a [u8]>,
    /// `reporting-level` to include.
    pub reporting_level: Option<ReportingLevel>,
}

/// Builds the RPC output from prepared conveyed information.
pub(crate) fn package(p: &Prepared, pk: &Packaging<'_>) -> Result<GetBootstrappingDataOutput, BuildError> {
    let (mut ci, mut oc, mut ov, ci_inner) = match &pk.signed {
        None => (wrap_unsigned(p.content_type, &p.payload)?, None, None, p.content_type.oid()),
        Some(s) => (
            s.conveyed.to_vec(),
            Some(s.owner_certificate.to_vec()),
            Some(s.ownership_voucher.to_vec()),
            ID_SIGNED_DATA,
        ),
    };
    if let Some(recipient) = pk.encrypt_to {
        ci = match pk.signed {
            Some(_) => encrypt_to_certificate(recipient, ci_inner, &ci)?,
            // Unsigned: the EnvelopedData carries the conveyed-information payload itself.
            None => encrypt_to_certificate(recipient, ci_inner, &p.payload)?,
        };
        oc = oc.map(|a| encrypt_to_certificate(recipient, ID_SIGNED_DATA, &a)).transpose()?;
        ov = ov.map(|a| encrypt_to_certificate(recipient, ID_SIGNED_DATA, &a)).transpose()?;
    }
    Ok(GetBootstrappingDataOutput {
        reporting_level: if p.onboarding { pk.reporting_level } else { None },
        conveyed_information: ci,
        owner_certificate: oc,
        ownership_voucher: ov,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signing_decision_enforces_signed_data_preferred() {
        use CompatProfile::*;
        use SigningPolicy::*;
        assert!(!must_sign(Unsigned, Rfc8572, true, false, true).expect("ok"));
        assert!(must_sign(Unsigned, Rfc8572, true, true, true).expect("ok"));
        assert!(matches!(must_sign(Unsigned, Rfc8572, true, true, false), Err(BuildError::SignedDataRequired)));
        assert!(!must_sign(Unsigned, Rfc8572, false, true, false).expect("unsigned redirect is allowed"));
        assert!(!must_sign(WhenRequired, Rfc8572, false, true, false).expect("unsigned redirect is allowed"));
        assert!(must_sign(WhenRequired, Rfc8572, false, true, true).expect("ok"));
        assert!(matches!(must_sign(Signed, Rfc8572, true, false, false), Err(BuildError::MissingSigningMaterial(_))));
        assert!(must_sign(Unsigned, CiscoIosXe, true, false, true).expect("cisco is always signed"));
    }

    #[test]
    fn sha256_forms() {
        let hex = "ab".repeat(32);
        assert_eq!(parse_sha256(&hex).expect("plain").len(), 32);
        let colon: Vec<&str> = std::iter::repeat_n("ab", 32).collect();
        assert_eq!(parse_sha256(&colon.join(":")).expect("colons").len(), 32);
        assert!(parse_sha256("abc").is_err());
        assert!(parse_sha256(&"zz".repeat(32)).is_err());
    }
}
