//! Certificate assembly on x509-cert's builder with an aws-lc-rs signature: random serials,
//! key identifiers (RFC 7093 §2 method 1) and validity encoding (RFC 5280 §4.1.2.5).

use std::time::SystemTime;

use aws_lc_rs::digest::{SHA256, digest};
use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use der::asn1::{BitString, OctetString};
use der::{Decode, Encode};
use spki::{AlgorithmIdentifierOwned, DynSignatureAlgorithmIdentifier, EncodePublicKey, SubjectPublicKeyInfoOwned};
use time::OffsetDateTime;
use x509_cert::builder::profile::BuilderProfile;
use x509_cert::builder::{Builder, CertificateBuilder};
use x509_cert::certificate::TbsCertificate;
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::{AuthorityKeyIdentifier, SubjectKeyIdentifier};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::{Time, Validity};

use crate::profile::extension;
use crate::{CaError, PrivateKey};

/// Everything that goes into one certificate.
pub(crate) struct CertificateSpec {
    pub(crate) subject: Name,
    pub(crate) issuer: Name,
    pub(crate) subject_public_key: SubjectPublicKeyInfoOwned,
    /// Profile extensions; SKI and AKI are added here.
    pub(crate) extensions: Vec<Extension>,
    /// The issuer's key identifier, which becomes the authorityKeyIdentifier.
    pub(crate) authority_key_id: Vec<u8>,
    pub(crate) not_before: OffsetDateTime,
    pub(crate) not_after: OffsetDateTime,
}

/// Builds and signs a certificate with `issuer_key`; returns its DER.
pub(crate) fn build_certificate(spec: CertificateSpec, issuer_key: &PrivateKey) -> Result<Vec<u8>, CaError> {
    if spec.not_before >= spec.not_after {
        return Err(CaError::InvalidValidity("notBefore must be earlier than notAfter".into()));
    }
    let validity = Validity::new(x509_time(spec.not_before)?, x509_time(spec.not_after)?);
    let mut extensions = spec.extensions;
    let ski = key_identifier(&spec.subject_public_key);
    extensions.push(extension(false, &SubjectKeyIdentifier(OctetString::new(ski).map_err(CaError::encoding)?))?);
    let aki = AuthorityKeyIdentifier {
        key_identifier: Some(OctetString::new(spec.authority_key_id).map_err(CaError::encoding)?),
        ..Default::default()
    };
    extensions.push(extension(false, &aki)?);

    let profile = FixedProfile { subject: spec.subject, issuer: spec.issuer, extensions };
    let mut builder = CertificateBuilder::new(profile, random_serial()?, validity, spec.subject_public_key)
        .map_err(CaError::encoding)?;
    let signer = KeySigner(issuer_key);
    let tbs = builder.finalize(&signer).map_err(CaError::encoding)?;
    let signature = BitString::from_bytes(&issuer_key.sign(&tbs)?).map_err(CaError::encoding)?;
    let certificate = builder.assemble(signature, &signer).map_err(CaError::encoding)?;
    certificate.to_der().map_err(CaError::encoding)
}

/// A key identifier: the leftmost 160 bits of the SHA-256 of the subjectPublicKey bits (RFC 7093 §2).
pub(crate) fn key_identifier(spki: &SubjectPublicKeyInfoOwned) -> Vec<u8> {
    digest(&SHA256, spki.subject_public_key.raw_bytes()).as_ref()[..20].to_vec()
}

/// A positive 16-byte serial number with 126 random bits (RFC 5280 §4.1.2.2; CA/B BR 7.1).
pub(crate) fn random_serial() -> Result<SerialNumber, CaError> {
    let mut bytes = [0u8; 16];
    SystemRandom::new().fill(&mut bytes).map_err(|_| CaError::Encoding("the random generator failed".into()))?;
    // Clear the sign bit and set the next one, so every serial is positive and 16 octets long.
    bytes[0] = (bytes[0] & 0x7f) | 0x40;
    SerialNumber::new(&bytes).map_err(CaError::encoding)
}

/// An X.509 Time at whole seconds; the builder picks UTCTime before 2050 (RFC 5280 §4.1.2.5).
fn x509_time(t: OffsetDateTime) -> Result<Time, CaError> {
    let t = t.replace_nanosecond(0).map_err(CaError::encoding)?;
    Time::try_from(SystemTime::from(t))
        .map_err(|e| CaError::InvalidValidity(format!("{t} cannot be encoded in a certificate: {e}")))
}

/// A builder profile whose names and extensions were decided beforehand.
struct FixedProfile {
    subject: Name,
    issuer: Name,
    extensions: Vec<Extension>,
}

impl BuilderProfile for FixedProfile {
    fn get_issuer(&self, _subject: &Name) -> Name {
        self.issuer.clone()
    }

    fn get_subject(&self) -> Name {
        self.subject.clone()
    }

    fn build_extensions(
        &self,
        _spk: spki::SubjectPublicKeyInfoRef<'_>,
        _issuer_spk: spki::SubjectPublicKeyInfoRef<'_>,
        _tbs: &TbsCertificate,
    ) -> x509_cert::builder::Result<Vec<Extension>> {
        Ok(self.extensions.clone())
    }
}

/// Gives x509-cert's builder the issuer's public key and signature algorithm; the TBS bytes
/// themselves are signed by [`PrivateKey::sign`] between `finalize` and `assemble`.
struct KeySigner<'a>(&'a PrivateKey);

#[derive(Clone)]
struct PublicKeyDer(Vec<u8>);

impl EncodePublicKey for PublicKeyDer {
    fn to_public_key_der(&self) -> spki::Result<der::Document> {
        Ok(der::Document::from_der(&self.0)?)
    }
}

impl signature::Keypair for KeySigner<'_> {
    type VerifyingKey = PublicKeyDer;

    fn verifying_key(&self) -> PublicKeyDer {
        PublicKeyDer(self.0.public_key_der())
    }
}

impl DynSignatureAlgorithmIdentifier for KeySigner<'_> {
    fn signature_algorithm_identifier(&self) -> spki::Result<AlgorithmIdentifierOwned> {
        Ok(self.0.signature_algorithm())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serials_are_positive_sixteen_octets_and_distinct() {
        let a = random_serial().unwrap();
        let b = random_serial().unwrap();
        assert_ne!(a, b);
        assert_eq!(a.as_bytes().len(), 16);
        assert_eq!(a.as_bytes()[0] & 0xc0, 0x40);
        // DER INTEGER without a leading zero: tag, length 16, content.
        assert_eq!(&a.to_der().unwrap()[..2], &[0x02, 0x10]);
    }

    #[test]
    fn times_use_utc_time_before_2050_and_whole_seconds() {
        let t = x509_time(time::macros::datetime!(2030-01-02 03:04:05.678 UTC)).unwrap();
        assert_eq!(t.to_unix_duration().as_secs(), 1_893_553_445);
        assert!(x509_time(time::macros::datetime!(2060-01-01 00:00 UTC)).is_ok());
    }
}
