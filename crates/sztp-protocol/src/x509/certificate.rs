//! A parsed X.509 certificate that keeps its exact DER, with the accessors RFC 8572 needs:
//! subject attributes (X520 serialNumber, CN), key identifiers, usages and constraints.

use std::fmt;

use const_oid::ObjectIdentifier;
use der::asn1::{Ia5StringRef, PrintableStringRef, TeletexStringRef, Utf8StringRef};
use der::{Decode, Encode, Tag, Tagged};
use time::OffsetDateTime;
use x509_cert::ext::pkix::{AuthorityKeyIdentifier, BasicConstraints, KeyUsage, SubjectKeyIdentifier};
use x509_cert::name::Name;

use super::X509Error;
use super::signature::{self, SigError};
use super::tlv;

/// id-at-serialNumber (X.520), where IEEE 802.1AR IDevIDs carry the device serial number.
pub const ID_AT_SERIAL_NUMBER: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.5");
/// id-at-commonName (X.520).
pub const ID_AT_COMMON_NAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.3");
const ID_CE_AUTHORITY_KEY_IDENTIFIER: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.35");

/// One subjectAltName entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AltName {
    /// dNSName.
    Dns(String),
    /// uniformResourceIdentifier.
    Uri(String),
    /// rfc822Name.
    Email(String),
    /// iPAddress octets (4 or 16).
    Ip(Vec<u8>),
}

/// An X.509 certificate: the decoded structure plus the exact DER it was decoded from.
#[derive(Clone)]
pub struct Certificate {
    der: Vec<u8>,
    inner: x509_cert::Certificate,
    tbs_len: usize,
    tbs_start: usize,
}

/// The authorityKeyIdentifier extension in both forms the voucher's `idevid-issuer` may use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorityKeyId {
    /// The whole extnValue contents: the DER `AuthorityKeyIdentifier` SEQUENCE (rfc8366bis).
    pub extn_value: Vec<u8>,
    /// Just the keyIdentifier octets, if present (RFC 8366 as commonly implemented).
    pub key_identifier: Option<Vec<u8>>,
}

impl Certificate {
    /// Parses one DER certificate; trailing bytes are an error.
    pub fn from_der(der: &[u8]) -> Result<Self, X509Error> {
        let inner = x509_cert::Certificate::from_der(der).map_err(|e| X509Error::malformed("certificate", e))?;
        let tbs = tlv::first_child(der).map_err(|e| X509Error::malformed("certificate", e))?;
        let tbs_start = tbs.as_ptr() as usize - der.as_ptr() as usize;
        Ok(Certificate { der: der.to_vec(), inner, tbs_start, tbs_len: tbs.len() })
    }

    /// Parses the single certificate in a PEM text (or DER bytes).
    pub fn from_pem_or_der(input: &[u8]) -> Result<Self, X509Error> {
        let mut all = load_certificates(input)?;
        match all.len() {
            1 => Ok(all.remove(0)),
            n => Err(X509Error::malformed("certificate", format!("expected one certificate, found {n}"))),
        }
    }

    /// The exact DER encoding.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// The decoded structure (x509-cert).
    pub fn inner(&self) -> &x509_cert::Certificate {
        &self.inner
    }

    /// The exact DER of the TBSCertificate, the bytes the issuer signed.
    pub(crate) fn tbs_der(&self) -> &[u8] {
        &self.der[self.tbs_start..self.tbs_start + self.tbs_len]
    }

    /// The subject as an RFC 4514 string, for messages.
    pub fn subject(&self) -> String {
        name_to_string(self.subject_name())
    }

    /// The issuer as an RFC 4514 string, for messages.
    pub fn issuer(&self) -> String {
        name_to_string(self.issuer_name())
    }

    /// The subject Name.
    pub fn subject_name(&self) -> &Name {
        self.inner.tbs_certificate().subject()
    }

    /// The issuer Name.
    pub fn issuer_name(&self) -> &Name {
        self.inner.tbs_certificate().issuer()
    }

    /// The certificate serial number (big-endian, leading zeros stripped).
    pub fn serial_number(&self) -> &[u8] {
        self.inner.tbs_certificate().serial_number().as_bytes()
    }

    /// The certificate serial number as lowercase hex, for messages.
    pub fn serial_hex(&self) -> String {
        self.serial_number().iter().map(|b| format!("{b:02x}")).collect()
    }

    /// The first subject attribute of type `oid`, as text (Printable/UTF8/IA5/Teletex strings).
    pub fn subject_attribute(&self, oid: ObjectIdentifier) -> Option<String> {
        self.subject_name().iter().filter(|atv| atv.oid == oid).find_map(|atv| directory_string(&atv.value))
    }

    /// The X520 serialNumber (2.5.4.5) of the subject: the device serial number of an IDevID.
    pub fn subject_serial_number(&self) -> Option<String> {
        self.subject_attribute(ID_AT_SERIAL_NUMBER)
    }

    /// The subject common name.
    pub fn common_name(&self) -> Option<String> {
        self.subject_attribute(ID_AT_COMMON_NAME)
    }

    /// notBefore and notAfter.
    pub fn validity(&self) -> (OffsetDateTime, OffsetDateTime) {
        let v = self.inner.tbs_certificate().validity();
        (to_offset(v.not_before), to_offset(v.not_after))
    }

    /// Whether subject and issuer names are equal (a self-issued certificate).
    pub fn is_self_issued(&self) -> bool {
        self.subject_name() == self.issuer_name()
    }

    /// The subjectKeyIdentifier octets, if the extension is present.
    pub fn subject_key_identifier(&self) -> Result<Option<Vec<u8>>, X509Error> {
        let ski = self.extension::<SubjectKeyIdentifier>("subjectKeyIdentifier")?;
        Ok(ski.map(|s| s.0.as_bytes().to_vec()))
    }

    /// The authorityKeyIdentifier, if present, as raw extnValue and keyIdentifier.
    pub fn authority_key_identifier(&self) -> Result<Option<AuthorityKeyId>, X509Error> {
        let Some(aki) = self.extension::<AuthorityKeyIdentifier>("authorityKeyIdentifier")? else {
            return Ok(None);
        };
        let extn_value = self
            .inner
            .tbs_certificate()
            .extensions()
            .into_iter()
            .flatten()
            .find(|e| e.extn_id == ID_CE_AUTHORITY_KEY_IDENTIFIER)
            .map(|e| e.extn_value.as_bytes().to_vec())
            .unwrap_or_default();
        Ok(Some(AuthorityKeyId { extn_value, key_identifier: aki.key_identifier.map(|k| k.as_bytes().to_vec()) }))
    }

    /// Whether a voucher's `idevid-issuer` names this certificate's issuer: equal to the whole
    /// AKI extnValue (rfc8366bis) or to just its keyIdentifier octets (RFC 8366 practice).
    pub fn matches_idevid_issuer(&self, idevid_issuer: &[u8]) -> bool {
        match self.authority_key_identifier() {
            Ok(Some(aki)) => aki.extn_value == idevid_issuer || aki.key_identifier.as_deref() == Some(idevid_issuer),
            _ => false,
        }
    }

    /// The subjectAltName entries of the kinds device identities use (dNSName, URI, rfc822Name,
    /// iPAddress); other kinds are skipped.
    pub fn subject_alt_names(&self) -> Result<Vec<AltName>, X509Error> {
        use x509_cert::ext::pkix::SubjectAltName;
        use x509_cert::ext::pkix::name::GeneralName;
        let Some(san) = self.extension::<SubjectAltName>("subjectAltName")? else { return Ok(Vec::new()) };
        Ok(san
            .0
            .iter()
            .filter_map(|n| match n {
                GeneralName::DnsName(v) => Some(AltName::Dns(v.to_string())),
                GeneralName::UniformResourceIdentifier(v) => Some(AltName::Uri(v.to_string())),
                GeneralName::Rfc822Name(v) => Some(AltName::Email(v.to_string())),
                GeneralName::IpAddress(v) => Some(AltName::Ip(v.as_bytes().to_vec())),
                _ => None,
            })
            .collect())
    }

    /// The keyUsage extension, if present.
    pub fn key_usage(&self) -> Result<Option<KeyUsage>, X509Error> {
        self.extension::<KeyUsage>("keyUsage")
    }

    /// The basicConstraints extension, if present.
    pub fn basic_constraints(&self) -> Result<Option<BasicConstraints>, X509Error> {
        self.extension::<BasicConstraints>("basicConstraints")
    }

    /// The DER SubjectPublicKeyInfo.
    pub fn public_key_info_der(&self) -> Result<Vec<u8>, X509Error> {
        self.inner
            .tbs_certificate()
            .subject_public_key_info()
            .to_der()
            .map_err(|e| X509Error::malformed("certificate", e))
    }

    /// Checks that `issuer`'s key made this certificate's signature (nothing else).
    pub fn verify_signed_by(&self, issuer: &Certificate, allow_sha1: bool) -> Result<(), X509Error> {
        let alg = self.inner.signature_algorithm();
        if alg != self.inner.tbs_certificate().signature() {
            return Err(X509Error::malformed(
                "certificate",
                format!("'{}': signatureAlgorithm differs from tbsCertificate.signature", self.subject()),
            ));
        }
        let sig = self.inner.signature().as_bytes().ok_or_else(|| {
            X509Error::malformed("certificate", format!("'{}': signature has unused bits", self.subject()))
        })?;
        let spki = issuer.inner.tbs_certificate().subject_public_key_info();
        signature::verify(spki, alg, None, self.tbs_der(), sig, allow_sha1).map_err(|e| match e {
            SigError::Invalid => X509Error::BadSignature { subject: self.subject(), issuer: issuer.subject() },
            SigError::Unsupported(reason) => X509Error::UnsupportedAlgorithm { subject: self.subject(), reason },
        })
    }

    fn extension<'a, T>(&'a self, name: &'static str) -> Result<Option<T>, X509Error>
    where
        T: Decode<'a, Error = der::Error> + const_oid::AssociatedOid,
    {
        self.inner
            .tbs_certificate()
            .get_extension::<T>()
            .map(|o| o.map(|(_, v)| v))
            .map_err(|e| X509Error::BadExtension { subject: self.subject(), extension: name, reason: e.to_string() })
    }
}

impl PartialEq for Certificate {
    fn eq(&self, other: &Self) -> bool {
        self.der == other.der
    }
}

impl Eq for Certificate {}

impl fmt::Debug for Certificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Certificate").field("subject", &self.subject()).field("serial", &self.serial_hex()).finish()
    }
}

/// Loads every certificate in `input`: one DER certificate, or PEM text with any number of
/// `CERTIFICATE` blocks (other PEM blocks are skipped).
pub fn load_certificates(input: &[u8]) -> Result<Vec<Certificate>, X509Error> {
    if input.first() == Some(&0x30) {
        return Ok(vec![Certificate::from_der(input)?]);
    }
    let blocks = pem_blocks(input)?;
    let certs: Vec<Certificate> = blocks
        .iter()
        .filter(|(label, _)| label == "CERTIFICATE")
        .map(|(_, der)| Certificate::from_der(der))
        .collect::<Result<_, _>>()?;
    if certs.is_empty() {
        return Err(X509Error::malformed("PEM", "no CERTIFICATE block found"));
    }
    Ok(certs)
}

/// Splits PEM text into (label, DER) blocks, each decoded strictly (RFC 7468).
pub fn pem_blocks(input: &[u8]) -> Result<Vec<(String, Vec<u8>)>, X509Error> {
    const BEGIN: &[u8] = b"-----BEGIN ";
    const END: &[u8] = b"-----END ";
    let mut out = Vec::new();
    let mut rest = input;
    while let Some(start) = find(rest, BEGIN) {
        let from = &rest[start..];
        let end = find(from, END).ok_or_else(|| X509Error::malformed("PEM", "BEGIN without END"))?;
        let after_end = &from[end + END.len()..];
        let close = find(after_end, b"-----").ok_or_else(|| X509Error::malformed("PEM", "unterminated END line"))?;
        let block_len = end + END.len() + close + 5;
        let (label, der) = der::pem::decode_vec(&from[..block_len]).map_err(|e| X509Error::malformed("PEM", e))?;
        out.push((label.to_string(), der));
        rest = &from[block_len..];
    }
    Ok(out)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Converts an X.509 Time to an OffsetDateTime (saturating at the Unix epoch range).
pub(crate) fn to_offset(t: x509_cert::time::Time) -> OffsetDateTime {
    let secs = i64::try_from(t.to_unix_duration().as_secs()).unwrap_or(i64::MAX);
    OffsetDateTime::from_unix_timestamp(secs).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// Formats a time as RFC 3339 for messages.
pub(crate) fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339).unwrap_or_else(|_| t.to_string())
}

/// RFC 4514 text of a Name; never panics (x509-cert's Display can return an error).
pub(crate) fn name_to_string(name: &Name) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    match write!(out, "{name}") {
        Ok(()) => out,
        Err(_) => "<unprintable name>".into(),
    }
}

fn directory_string(value: &der::Any) -> Option<String> {
    match value.tag() {
        Tag::PrintableString => value.decode_as::<PrintableStringRef<'_>>().ok().map(|s| s.as_str().to_string()),
        Tag::Utf8String => value.decode_as::<Utf8StringRef<'_>>().ok().map(|s| s.as_str().to_string()),
        Tag::Ia5String => value.decode_as::<Ia5StringRef<'_>>().ok().map(|s| s.as_str().to_string()),
        Tag::TeletexString => value.decode_as::<TeletexStringRef<'_>>().ok().map(|s| s.as_str().to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sztp_testkit::{KeyAlg, TestPki};

    #[test]
    fn loads_der_single_and_pem_chains() {
        let pki = TestPki::generate();
        let one = load_certificates(&pki.owner.cert_der).unwrap();
        assert_eq!(one[0].der(), pki.owner.cert_der.as_slice());
        let text = format!("junk before\n{}{}\n", pki.owner_chain_pem(), pki.owner.key_pem);
        let chain = load_certificates(text.as_bytes()).unwrap();
        assert_eq!(chain.len(), 2);
        assert_eq!(chain[1].der(), pki.owner_ca.issued.cert_der.as_slice());
        assert!(Certificate::from_pem_or_der(text.as_bytes()).is_err());
        assert!(load_certificates(b"no pem here").is_err());
    }

    #[test]
    fn reads_idevid_subject_serial_number_and_common_name() {
        let pki = TestPki::generate();
        for alg in [KeyAlg::P256, KeyAlg::Rsa2048] {
            let idevid = Certificate::from_der(&pki.idevid_with("SN-0042", alg, true).cert_der).unwrap();
            assert_eq!(idevid.subject_serial_number().as_deref(), Some("SN-0042"));
            assert_eq!(idevid.common_name().as_deref(), Some("IDevID SN-0042"));
            assert!(idevid.subject().to_lowercase().contains("serialnumber=sn-0042"), "{}", idevid.subject());
        }
    }

    #[test]
    fn idevid_issuer_matches_whole_aki_or_key_identifier_only() {
        let pki = TestPki::generate();
        let idevid = Certificate::from_der(&pki.idevid("SN-1").cert_der).unwrap();
        let ca = Certificate::from_der(&pki.manufacturer_ca.issued.cert_der).unwrap();
        let aki = idevid.authority_key_identifier().unwrap().unwrap();
        let kid = aki.key_identifier.clone().unwrap();
        assert_eq!(Some(kid.clone()), ca.subject_key_identifier().unwrap());
        assert_eq!(aki.extn_value[0], 0x30);
        assert!(idevid.matches_idevid_issuer(&aki.extn_value));
        assert!(idevid.matches_idevid_issuer(&kid));
        assert!(!idevid.matches_idevid_issuer(&kid[1..]));
        assert!(!idevid.matches_idevid_issuer(b""));
    }

    #[test]
    fn signature_check_uses_exact_tbs_bytes() {
        let pki = TestPki::generate();
        let owner = Certificate::from_der(&pki.owner.cert_der).unwrap();
        let ca = Certificate::from_der(&pki.owner_ca.issued.cert_der).unwrap();
        let root = Certificate::from_der(&pki.owner_root.issued.cert_der).unwrap();
        owner.verify_signed_by(&ca, false).unwrap();
        assert!(matches!(owner.verify_signed_by(&root, false), Err(X509Error::BadSignature { .. })));
        assert_eq!(owner.tbs_der()[0], 0x30);
        assert!(!owner.is_self_issued() && root.is_self_issued());
    }

    #[test]
    fn garbage_never_panics() {
        let pki = TestPki::generate();
        let der = &pki.owner.cert_der;
        for n in 0..der.len() {
            assert!(Certificate::from_der(&der[..n]).is_err());
        }
        let mut trailing = der.clone();
        trailing.push(0);
        assert!(Certificate::from_der(&trailing).is_err());
        for i in (0..der.len()).step_by(7) {
            let mut bad = der.clone();
            bad[i] ^= 0xff;
            let _ = Certificate::from_der(&bad).map(|c| (c.subject(), c.authority_key_identifier(), c.key_usage()));
        }
    }
}
