//! CMS SignedData (RFC 5652 §5) as RFC 8572 §3 and RFC 8366 §5.4 use it: one signer identified
//! by issuerAndSerialNumber, signed attributes (content-type, message-digest, signing-time) over
//! an encapsulated OCTET STRING eContent. Verification works on the exact received bytes.

use cms::cert::IssuerAndSerialNumber;
use cms::content_info::CmsVersion;
use cms::signed_data::{EncapsulatedContentInfo, SignedData, SignerIdentifier, SignerInfo};
use const_oid::ObjectIdentifier;
use der::asn1::{OctetString, SetOfVec};
use der::{Any, Decode, Encode, Tag, Tagged};
use time::OffsetDateTime;
use x509_cert::attr::Attribute;
use x509_cert::time::Time;

use super::CmsError;
use super::content_type::{ContentType, ID_DATA, ID_SIGNED_DATA};
use super::signer::Signer;
use crate::x509::signature::{self, Hash, SigError};
use crate::x509::{Certificate, tlv};

/// id-contentType signed attribute (RFC 5652 §11.1).
pub const ID_CONTENT_TYPE: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.3");
/// id-messageDigest signed attribute (RFC 5652 §11.2).
pub const ID_MESSAGE_DIGEST: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.4");
/// id-signingTime signed attribute (RFC 5652 §11.3).
pub const ID_SIGNING_TIME: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.5");

/// Which certificates a built SignedData carries in its `certificates` field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum IncludeCertificates {
    /// No certificates: the relying party has the signer certificate already.
    None,
    /// Only the signer's own certificate.
    Leaf,
    /// The signer's whole chain as given to the [`Signer`].
    #[default]
    Chain,
}

/// Options of [`sign`].
#[derive(Debug, Clone, Default)]
pub struct SignOptions {
    /// Certificates to include.
    pub certificates: IncludeCertificates,
    /// Adds a signing-time signed attribute with this time.
    pub signing_time: Option<OffsetDateTime>,
}

/// The result of a successful [`verify_signed`].
#[derive(Debug, Clone)]
pub struct VerifiedSignedData {
    /// The eContentType.
    pub content_type: ContentType,
    /// The eContent octets.
    pub content: Vec<u8>,
    /// The certificate whose key made the signature.
    pub signer: Certificate,
    /// Every certificate the SignedData carries (unverified; for path building).
    pub certificates: Vec<Certificate>,
    /// Every CRL the SignedData carries, DER (unverified).
    pub crls: Vec<Vec<u8>>,
    /// The signing-time signed attribute, if present.
    pub signing_time: Option<OffsetDateTime>,
    /// Whether signed attributes were present (always, unless eContentType is id-data).
    pub signed_attributes: bool,
}

/// Builds `ContentInfo { id-signedData, SignedData }` over `content` labelled `content_type`.
pub fn sign(
    content_type: ContentType,
    content: &[u8],
    signer: &Signer,
    options: &SignOptions,
) -> Result<Vec<u8>, CmsError> {
    let leaf = signer.certificate();
    let mut attrs = SetOfVec::<Attribute>::new();
    attrs.insert(attribute(ID_CONTENT_TYPE, Any::encode_from(&content_type.oid())?)?)?;
    attrs.insert(attribute(ID_MESSAGE_DIGEST, Any::new(Tag::OctetString, signer.digest(content))?)?)?;
    if let Some(t) = options.signing_time {
        attrs.insert(attribute(ID_SIGNING_TIME, Any::encode_from(&to_x509_time(t)?)?)?)?;
    }
    // The signature covers the DER SET OF attributes (tag 0x31), RFC 5652 §5.4.
    let signature = signer.sign(&attrs.to_der()?)?;
    let signer_info = SignerInfo {
        version: CmsVersion::V1,
        sid: SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
            issuer: leaf.issuer_name().clone(),
            serial_number: leaf.inner().tbs_certificate().serial_number().clone(),
        }),
        digest_alg: signer.digest_algorithm(),
        signed_attrs: Some(attrs),
        signature_algorithm: signer.signature_algorithm(),
        signature: OctetString::new(signature)?,
        unsigned_attrs: None,
    };
    // RFC 5652 §5.1: version 3 when eContentType is not id-data (no v2 certs/crls here).
    let version = if content_type == ContentType::Data { CmsVersion::V1 } else { CmsVersion::V3 };
    let digest_algorithms: SetOfVec<_> = SetOfVec::try_from(vec![signer.digest_algorithm()])?;
    let encap = EncapsulatedContentInfo {
        econtent_type: content_type.oid(),
        econtent: Some(Any::new(Tag::OctetString, content)?),
    };
    let certs: Vec<&[u8]> = match options.certificates {
        IncludeCertificates::None => vec![],
        IncludeCertificates::Leaf => vec![leaf.der()],
        IncludeCertificates::Chain => signer.chain().iter().map(Certificate::der).collect(),
    };
    let mut body = [version.to_der()?, digest_algorithms.to_der()?, encap.to_der()?].concat();
    if !certs.is_empty() {
        // Certificates are spliced in as received: re-encoding through x509-cert may alter them.
        body.extend(tlv::encode_set(0xa0, &certs));
    }
    body.extend(tlv::encode_set(0x31, &[&signer_info.to_der()?]));
    Ok(content_info_signed(&tlv::encode(0x30, &body)))
}

/// Wraps DER SignedData in `ContentInfo { id-signedData, [0] EXPLICIT SignedData }`.
pub(crate) fn content_info_signed(signed_data: &[u8]) -> Vec<u8> {
    let oid = tlv::encode(0x06, ID_SIGNED_DATA.as_bytes());
    tlv::encode(0x30, &[oid, tlv::encode(0xa0, signed_data)].concat())
}

/// Verifies a SignedData with exactly one signer; the signer certificate is looked up among
/// `candidates` first, then among the certificates the SignedData carries.
///
/// Only the signature is checked here; the caller must still validate the returned signer
/// certificate (path, usage) before trusting the content.
pub fn verify_signed(der: &[u8], candidates: &[Certificate]) -> Result<VerifiedSignedData, CmsError> {
    verify_inner(der, candidates, true)
}

/// Verifies a SignedData that must be signed by exactly `signer` (embedded certificates are
/// ignored for the lookup).
pub fn verify_signed_by(der: &[u8], signer: &Certificate) -> Result<VerifiedSignedData, CmsError> {
    verify_inner(der, std::slice::from_ref(signer), false)
}

/// The SignedData fields of a ContentInfo, with the exact bytes of the parts that matter.
pub(crate) struct ParsedSignedData<'a> {
    pub(crate) typed: SignedData,
    pub(crate) certificates: Vec<&'a [u8]>,
    pub(crate) crls: Vec<&'a [u8]>,
    pub(crate) signer_infos: Vec<&'a [u8]>,
}

/// Parses `ContentInfo { id-signedData, SignedData }` strictly (DER, no trailing bytes).
pub(crate) fn parse_signed_data(der: &[u8]) -> Result<ParsedSignedData<'_>, CmsError> {
    let ci = cms::content_info::ContentInfo::from_der(der)?;
    if ci.content_type != ID_SIGNED_DATA {
        return Err(CmsError::UnexpectedContentType {
            expected: ContentType::SignedData.to_string(),
            found: ContentType::from_oid(ci.content_type).to_string(),
        });
    }
    let malformed = |e: String| CmsError::Malformed(e);
    let outer = tlv::single(der).map_err(malformed)?;
    let explicit = tlv::children(outer.value).map_err(malformed)?;
    let sd = match explicit.as_slice() {
        [_, wrapper] => tlv::single(wrapper.value).map_err(malformed)?,
        _ => return Err(CmsError::Malformed("ContentInfo is not { contentType, [0] content }".into())),
    };
    let typed = SignedData::from_der(sd.raw)?;
    if !matches!(typed.version, CmsVersion::V1 | CmsVersion::V3 | CmsVersion::V4 | CmsVersion::V5) {
        return Err(CmsError::Unsupported(format!("SignedData version {}", typed.version as u8)));
    }
    let fields = tlv::children(sd.value).map_err(malformed)?;
    let (mut certificates, mut crls, mut signer_infos) = (Vec::new(), Vec::new(), None);
    for f in fields.iter().skip(3) {
        match f.tag {
            0xa0 => certificates = children_with_tag(f.value, 0x30)?,
            0xa1 => crls = children_with_tag(f.value, 0x30)?,
            0x31 => signer_infos = Some(tlv::children(f.value).map_err(malformed)?.iter().map(|t| t.raw).collect()),
            t => return Err(CmsError::Malformed(format!("unexpected SignedData field tag 0x{t:02x}"))),
        }
    }
    let signer_infos = signer_infos.ok_or_else(|| CmsError::Malformed("SignedData without signerInfos".into()))?;
    Ok(ParsedSignedData { typed, certificates, crls, signer_infos })
}

fn children_with_tag(value: &[u8], tag: u8) -> Result<Vec<&[u8]>, CmsError> {
    let all = tlv::children(value).map_err(CmsError::Malformed)?;
    Ok(all.iter().filter(|t| t.tag == tag).map(|t| t.raw).collect())
}

fn verify_inner(der: &[u8], candidates: &[Certificate], use_embedded: bool) -> Result<VerifiedSignedData, CmsError> {
    let parsed = parse_signed_data(der)?;
    let raw_si = match parsed.signer_infos.as_slice() {
        [one] => *one,
        [] => return Err(CmsError::Signature("no signerInfo: the SignedData is unsigned".into())),
        many => {
            return Err(CmsError::Unsupported(format!("{} signerInfos; exactly one signer is supported", many.len())));
        }
    };
    let si = SignerInfo::from_der(raw_si)?;
    match (&si.version, &si.sid) {
        (CmsVersion::V1, SignerIdentifier::IssuerAndSerialNumber(_))
        | (CmsVersion::V3, SignerIdentifier::SubjectKeyIdentifier(_)) => {}
        (v, _) => return Err(CmsError::Unsupported(format!("SignerInfo version {} with this sid", *v as u8))),
    }
    let encap = &parsed.typed.encap_content_info;
    let content_type = ContentType::from_oid(encap.econtent_type);
    let econtent =
        encap.econtent.as_ref().ok_or_else(|| CmsError::Unsupported("detached content (no eContent)".into()))?;
    if econtent.tag() != Tag::OctetString {
        return Err(CmsError::Malformed(format!("eContent is {}, not an OCTET STRING", econtent.tag())));
    }
    let content = econtent.value();
    let hash = Hash::from_digest_algorithm(&si.digest_alg).map_err(CmsError::Unsupported)?;
    if !parsed.typed.digest_algorithms.iter().any(|a| a.oid == si.digest_alg.oid) {
        return Err(CmsError::Malformed("the signer's digest algorithm is not listed in digestAlgorithms".into()));
    }
    if hash == Hash::Sha1 {
        return Err(CmsError::Unsupported("SHA-1 message digests are not accepted".into()));
    }
    let (message, signing_time) = match &si.signed_attrs {
        Some(attrs) => {
            let signing_time = check_signed_attributes(attrs, encap.econtent_type, &hash.digest(content))?;
            (signed_attrs_bytes(raw_si)?, signing_time)
        }
        None if encap.econtent_type == ID_DATA => (content.to_vec(), None),
        None => {
            return Err(CmsError::Signature(format!(
                "signedAttrs missing while eContentType is {content_type} (RFC 5652 §5.3)"
            )));
        }
    };
    let embedded: Vec<Certificate> = parsed
        .certificates
        .iter()
        .map(|c| Certificate::from_der(c).map_err(|e| CmsError::Malformed(format!("embedded certificate: {e}"))))
        .collect::<Result<_, _>>()?;
    let pool = candidates.iter().chain(embedded.iter().filter(|_| use_embedded));
    let matching: Vec<&Certificate> = pool.filter(|c| sid_matches(&si.sid, c)).collect();
    if matching.is_empty() {
        return Err(CmsError::Signature("signer certificate not found".into()));
    }
    let sig = si.signature.as_bytes();
    let mut last = None;
    for cert in matching {
        let spki = cert.inner().tbs_certificate().subject_public_key_info();
        match signature::verify(spki, &si.signature_algorithm, Some(hash), &message, sig, false) {
            Ok(()) => {
                return Ok(VerifiedSignedData {
                    content_type,
                    content: content.to_vec(),
                    signer: cert.clone(),
                    certificates: embedded,
                    crls: parsed.crls.iter().map(|c| c.to_vec()).collect(),
                    signing_time,
                    signed_attributes: si.signed_attrs.is_some(),
                });
            }
            Err(SigError::Invalid) => {
                last = Some(CmsError::Signature(format!("signature by '{}' does not verify", cert.subject())))
            }
            Err(SigError::Unsupported(r)) => last = Some(CmsError::Unsupported(r)),
        }
    }
    Err(last.unwrap_or_else(|| CmsError::Signature("signature does not verify".into())))
}

/// Whether the (single) signer of the SignedData `der` is identified as `cert` (no verification).
pub(crate) fn signer_is(der: &[u8], cert: &Certificate) -> bool {
    let Ok(parsed) = parse_signed_data(der) else { return false };
    parsed.signer_infos.iter().filter_map(|raw| SignerInfo::from_der(raw).ok()).any(|si| sid_matches(&si.sid, cert))
}

fn sid_matches(sid: &SignerIdentifier, cert: &Certificate) -> bool {
    match sid {
        SignerIdentifier::IssuerAndSerialNumber(isn) => {
            cert.issuer_name() == &isn.issuer && cert.inner().tbs_certificate().serial_number() == &isn.serial_number
        }
        SignerIdentifier::SubjectKeyIdentifier(ski) => {
            matches!(cert.subject_key_identifier(), Ok(Some(k)) if k == ski.0.as_bytes())
        }
    }
}

/// The exact received signedAttrs with the [0] IMPLICIT tag replaced by SET OF (0x31).
fn signed_attrs_bytes(raw_si: &[u8]) -> Result<Vec<u8>, CmsError> {
    let si = tlv::single(raw_si).map_err(CmsError::Malformed)?;
    let fields = tlv::children(si.value).map_err(CmsError::Malformed)?;
    let attrs =
        fields.iter().find(|f| f.tag == 0xa0).ok_or_else(|| CmsError::Malformed("signedAttrs not found".into()))?;
    let mut bytes = attrs.raw.to_vec();
    bytes[0] = 0x31;
    Ok(bytes)
}

/// RFC 5652 §11: content-type equals eContentType, message-digest equals the content hash,
/// each exactly once with one value; returns the signing-time if present.
fn check_signed_attributes(
    attrs: &SetOfVec<Attribute>,
    econtent_type: ObjectIdentifier,
    digest: &[u8],
) -> Result<Option<OffsetDateTime>, CmsError> {
    let single = |oid: ObjectIdentifier, name: &str| -> Result<Option<&Any>, CmsError> {
        let mut found = attrs.iter().filter(|a| a.oid == oid);
        let Some(attr) = found.next() else { return Ok(None) };
        if found.next().is_some() || attr.values.len() != 1 {
            return Err(CmsError::Malformed(format!("{name} attribute must appear once with one value")));
        }
        Ok(attr.values.get(0))
    };
    let ct = single(ID_CONTENT_TYPE, "content-type")?
        .ok_or_else(|| CmsError::Signature("content-type signed attribute missing".into()))?;
    if ct.decode_as::<ObjectIdentifier>()? != econtent_type {
        return Err(CmsError::Signature("content-type attribute differs from eContentType".into()));
    }
    let md = single(ID_MESSAGE_DIGEST, "message-digest")?
        .ok_or_else(|| CmsError::Signature("message-digest signed attribute missing".into()))?;
    if md.decode_as::<OctetString>()?.as_bytes() != digest {
        return Err(CmsError::Signature("message-digest does not match the content".into()));
    }
    match single(ID_SIGNING_TIME, "signing-time")? {
        None => Ok(None),
        Some(t) => Ok(Some(crate::x509::to_offset_time(Time::from_der(&t.to_der()?)?))),
    }
}

fn attribute(oid: ObjectIdentifier, value: Any) -> Result<Attribute, CmsError> {
    Ok(Attribute { oid, values: SetOfVec::try_from(vec![value])? })
}

fn to_x509_time(t: OffsetDateTime) -> Result<Time, CmsError> {
    let secs =
        u64::try_from(t.unix_timestamp()).map_err(|_| CmsError::Unsupported("signing-time before 1970".into()))?;
    Ok(Time::from(der::DateTime::from_unix_duration(std::time::Duration::from_secs(secs))?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use sztp_testkit::{KeyAlg, TestPki};

    fn signer(pki: &TestPki) -> Signer {
        Signer::from_pem(pki.owner.key_pem.as_bytes(), pki.owner_chain_pem().as_bytes()).unwrap()
    }

    #[test]
    fn round_trips_for_each_algorithm_and_content_type() {
        for alg in [KeyAlg::P256, KeyAlg::P384, KeyAlg::Rsa2048] {
            let pki = TestPki::generate_with(alg);
            let s = signer(&pki);
            for ct in [
                ContentType::ConveyedInfoJson,
                ContentType::ConveyedInfoXml,
                ContentType::AnimaJsonVoucher,
                ContentType::Data,
            ] {
                let der = sign(ct, b"{\"a\":1}", &s, &SignOptions::default()).unwrap();
                let v = verify_signed(&der, &[]).unwrap();
                assert_eq!((v.content_type, v.content.as_slice()), (ct, b"{\"a\":1}".as_slice()));
                assert_eq!(&v.signer, s.certificate());
                assert_eq!(v.certificates.len(), 2);
                assert!(v.signed_attributes);
                verify_signed_by(&der, s.certificate()).unwrap();
            }
        }
    }

    #[test]
    fn certificate_inclusion_and_signing_time() {
        let pki = TestPki::generate();
        let s = signer(&pki);
        let t = time::macros::datetime!(2031-02-03 04:05:06 UTC);
        let opts = SignOptions { certificates: IncludeCertificates::None, signing_time: Some(t) };
        let der = sign(ContentType::ConveyedInfoJson, b"x", &s, &opts).unwrap();
        assert!(matches!(verify_signed(&der, &[]), Err(CmsError::Signature(_))));
        let v = verify_signed(&der, s.chain()).unwrap();
        assert_eq!((v.signing_time, v.certificates.len()), (Some(t), 0));
        let opts = SignOptions { certificates: IncludeCertificates::Leaf, signing_time: None };
        let v = verify_signed(&sign(ContentType::ConveyedInfoJson, b"x", &s, &opts).unwrap(), &[]).unwrap();
        assert_eq!(v.certificates, vec![s.certificate().clone()]);
    }

    #[test]
    fn verify_signed_by_ignores_embedded_certificates() {
        let pki = TestPki::generate();
        let der = sign(ContentType::ConveyedInfoJson, b"x", &signer(&pki), &SignOptions::default()).unwrap();
        let other = Certificate::from_der(&pki.masa.cert_der).unwrap();
        assert!(verify_signed_by(&der, &other).is_err());
        let ca = Certificate::from_der(&pki.owner_ca.issued.cert_der).unwrap();
        assert!(verify_signed_by(&der, &ca).is_err());
        assert!(signer_is(&der, &Certificate::from_der(&pki.owner.cert_der).unwrap()));
        assert!(!signer_is(&der, &other));
    }

    #[test]
    fn an_impostor_certificate_with_the_same_issuer_and_serial_does_not_help() {
        let pki = TestPki::generate();
        let der = sign(ContentType::ConveyedInfoJson, b"x", &signer(&pki), &SignOptions::default()).unwrap();
        // Another PKI with the same names but other keys: the signature must still fail.
        let other = TestPki::generate();
        let impostor = Certificate::from_der(&other.owner.cert_der).unwrap();
        assert!(verify_signed_by(&der, &impostor).is_err());
    }

    #[test]
    fn tampered_content_or_wrong_type_is_rejected_and_nothing_panics() {
        let pki = TestPki::generate();
        let s = signer(&pki);
        let opts = SignOptions { certificates: IncludeCertificates::None, signing_time: None };
        let der = sign(ContentType::ConveyedInfoJson, b"{\"payload\":true}", &s, &opts).unwrap();
        for i in 0..der.len() {
            let mut bad = der.clone();
            bad[i] ^= 0x01;
            if let Ok(v) = verify_signed(&bad, s.chain()) {
                panic!("flip at {i} accepted: {:?}", v.content_type);
            }
        }
        for n in 0..der.len() {
            assert!(verify_signed(&der[..n], s.chain()).is_err());
        }
        let unsigned = crate::cms::content_type::wrap_unsigned(ContentType::Data, b"x").unwrap();
        assert!(matches!(verify_signed(&unsigned, &[]), Err(CmsError::UnexpectedContentType { .. })));
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..512)) {
            let _ = verify_signed(&bytes, &[]);
            let _ = crate::cms::certs_only::parse_certs_only(&bytes);
            let _ = crate::cms::content_type::unwrap_unsigned(&bytes);
            let _ = Certificate::from_der(&bytes);
            let _ = crate::x509::Crl::from_der(&bytes);
        }

        #[test]
        fn mutated_signed_data_never_panics(pos in 0usize..2000, val in proptest::prelude::any::<u8>()) {
            static DER: std::sync::OnceLock<(Vec<u8>, Vec<Certificate>)> = std::sync::OnceLock::new();
            let (der, chain) = DER.get_or_init(|| {
                let pki = TestPki::generate();
                let s = signer(&pki);
                (sign(ContentType::ConveyedInfoJson, b"{}", &s, &SignOptions::default()).unwrap(), s.chain().to_vec())
            });
            let mut bad = der.clone();
            let i = pos % bad.len();
            bad[i] = val;
            let _ = verify_signed(&bad, chain);
        }
    }
}
