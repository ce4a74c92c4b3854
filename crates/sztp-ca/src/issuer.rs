//! A certificate authority: a CA certificate, its private key and the chain above it, issuing
//! certificates for the profiles in [`Profile`](crate::Profile).

use std::fmt;

use der::Decode;
use spki::SubjectPublicKeyInfoOwned;
use time::{Duration, OffsetDateTime};
use x509_cert::Certificate;
use x509_cert::attr::AttributeTypeAndValue;
use x509_cert::ext::pkix::{BasicConstraints, KeyUsage, KeyUsages, SubjectKeyIdentifier};
use x509_cert::name::{Name, RdnSequence, RelativeDistinguishedName};

use crate::builder::{CertificateSpec, build_certificate, key_identifier};
use crate::name::{name_from_rdns, name_to_string, parse_name};
use crate::profile::check_public_key;
use crate::{CaError, PrivateKey, Profile};

/// id-at-serialNumber (X.520), where IEEE 802.1AR device identities carry the serial number.
const ID_AT_SERIAL_NUMBER: const_oid::ObjectIdentifier = const_oid::ObjectIdentifier::new_unwrap("2.5.4.5");
/// How far notBefore of certificates made from a validity in days is backdated (clock skew).
const BACKDATE: Duration = Duration::minutes(5);

/// One certificate to issue.
#[derive(Debug, Clone)]
pub struct IssueRequest<'a> {
    /// The subject as `TYPE=value` pairs in the order they should appear, e.g. `CN=x,O=y`.
    pub subject: &'a str,
    /// The subject public key as a DER SubjectPublicKeyInfo.
    pub public_key_der: &'a [u8],
    /// What the certificate is for.
    pub profile: Profile,
    /// Start of validity.
    pub not_before: OffsetDateTime,
    /// End of validity; must not be after the CA's own.
    pub not_after: OffsetDateTime,
}

/// A CA certificate with its private key and the chain above it.
#[derive(Clone)]
pub struct CertificateAuthority {
    cert_der: Vec<u8>,
    cert: Certificate,
    chain_der: Vec<Vec<u8>>,
    key: PrivateKey,
    key_id: Vec<u8>,
    path_len: Option<u8>,
}

impl fmt::Debug for CertificateAuthority {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CertificateAuthority")
            .field("subject", &self.subject())
            .field("key", &self.key)
            .field("chain_len", &self.chain_der.len())
            .finish_non_exhaustive()
    }
}

impl CertificateAuthority {
    /// Makes a self-signed root CA valid from now (less five minutes) for `validity_days`.
    pub fn new_root(subject: &str, key: PrivateKey, validity_days: u32) -> Result<Self, CaError> {
        let name = parse_name(subject)?;
        let spki = decode_spki(&key.public_key_der())?;
        let (not_before, not_after) = validity_from_days(validity_days)?;
        let key_id = key_identifier(&spki);
        let spec = CertificateSpec {
            extensions: Profile::RootCa.extensions(check_public_key(&spki)?, name_is_empty(&name))?,
            subject: name.clone(),
            issuer: name,
            subject_public_key: spki,
            authority_key_id: key_id,
            not_before,
            not_after,
        };
        let der = build_certificate(spec, &key)?;
        CertificateAuthority::from_parts(der, Vec::new(), key)
    }

    /// Assembles a CA from its certificate, the chain above it (issuer first) and its key.
    /// The certificate must be a CA certificate whose public key is the key's.
    pub fn from_parts(cert_der: Vec<u8>, chain_der: Vec<Vec<u8>>, key: PrivateKey) -> Result<Self, CaError> {
        let cert = Certificate::from_der(&cert_der).map_err(|e| CaError::InvalidCertificate(e.to_string()))?;
        for (i, der) in chain_der.iter().enumerate() {
            Certificate::from_der(der)
                .map_err(|e| CaError::InvalidCertificate(format!("chain certificate {}: {e}", i + 1)))?;
        }
        let subject = name_to_string(cert.tbs_certificate().subject());
        let cert_spki = cert.tbs_certificate().subject_public_key_info();
        let key_spki = decode_spki(&key.public_key_der())?;
        if cert_spki.algorithm.oid != key_spki.algorithm.oid
            || cert_spki.subject_public_key != key_spki.subject_public_key
        {
            return Err(CaError::KeyMismatch(subject));
        }
        let not_ca = |why: &str| CaError::InvalidCertificate(format!("'{subject}' is not a CA certificate: {why}"));
        let constraints = extension::<BasicConstraints>(&cert)?.ok_or_else(|| not_ca("no basicConstraints"))?;
        if !constraints.ca {
            return Err(not_ca("basicConstraints has cA false"));
        }
        if let Some(usage) = extension::<KeyUsage>(&cert)?
            && !usage.0.contains(KeyUsages::KeyCertSign)
        {
            return Err(not_ca("keyUsage lacks keyCertSign"));
        }
        let key_id = match extension::<SubjectKeyIdentifier>(&cert)? {
            Some(ski) => ski.0.as_bytes().to_vec(),
            None => key_identifier(cert_spki),
        };
        Ok(CertificateAuthority { cert_der, cert, chain_der, key, key_id, path_len: constraints.path_len_constraint })
    }

    /// Issues one certificate; returns its DER.
    pub fn issue(&self, req: &IssueRequest<'_>) -> Result<Vec<u8>, CaError> {
        let profile = &req.profile;
        let mut subject = parse_name(req.subject)?;
        match profile {
            Profile::RootCa => {
                return Err(CaError::InvalidRequest {
                    profile: profile.name(),
                    reason: "a root CA is self-signed; use CertificateAuthority::new_root".into(),
                });
            }
            Profile::IntermediateCa { path_len } => self.check_path_len(*path_len)?,
            Profile::DeviceIdentity { serial_number } => {
                profile.check_serial_number(serial_number)?;
                subject = with_serial_number(subject, serial_number, profile)?;
            }
            _ => {}
        }
        let spki = decode_spki(req.public_key_der)?;
        let kind = check_public_key(&spki)?;
        let (_, ca_not_after) = self.validity();
        if req.not_after > ca_not_after {
            return Err(CaError::InvalidValidity(format!(
                "the certificate would expire on {}, after the issuing CA '{}' (expires {}); shorten its validity",
                req.not_after,
                self.subject(),
                ca_not_after
            )));
        }
        let spec = CertificateSpec {
            extensions: profile.extensions(kind, name_is_empty(&subject))?,
            subject,
            issuer: self.cert.tbs_certificate().subject().clone(),
            subject_public_key: spki,
            authority_key_id: self.key_id.clone(),
            not_before: req.not_before,
            not_after: req.not_after,
        };
        build_certificate(spec, &self.key)
    }

    /// Issues a subordinate CA for `key`, valid from now (less five minutes) for `validity_days`.
    /// Its pathLenConstraint is 0 (it issues end-entity certificates only), or one less than
    /// this CA's if that is already constrained.
    pub fn issue_intermediate(
        &self,
        subject: &str,
        key: PrivateKey,
        validity_days: u32,
    ) -> Result<CertificateAuthority, CaError> {
        let (not_before, not_after) = validity_from_days(validity_days)?;
        let path_len = Some(self.path_len.map_or(0, |n| n.saturating_sub(1)));
        let public_key_der = key.public_key_der();
        let der = self.issue(&IssueRequest {
            subject,
            public_key_der: &public_key_der,
            profile: Profile::IntermediateCa { path_len },
            not_before,
            not_after,
        })?;
        CertificateAuthority::from_parts(der, self.chain_der(), key)
    }

    /// This CA's certificate, DER.
    pub fn certificate_der(&self) -> &[u8] {
        &self.cert_der
    }

    /// This CA's certificate, decoded.
    pub fn certificate(&self) -> &Certificate {
        &self.cert
    }

    /// This CA's certificate followed by the chain above it, DER.
    pub fn chain_der(&self) -> Vec<Vec<u8>> {
        std::iter::once(self.cert_der.clone()).chain(self.chain_der.iter().cloned()).collect()
    }

    /// The CA's private key.
    pub fn key(&self) -> &PrivateKey {
        &self.key
    }

    /// The CA's subject, in the order [`parse_name`] reads (e.g. `CN=Example CA,O=Example`).
    pub fn subject(&self) -> String {
        name_to_string(self.cert.tbs_certificate().subject())
    }

    /// The CA's key identifier (its subjectKeyIdentifier).
    pub fn key_id(&self) -> &[u8] {
        &self.key_id
    }

    /// notBefore and notAfter of the CA certificate.
    pub fn validity(&self) -> (OffsetDateTime, OffsetDateTime) {
        let v = self.cert.tbs_certificate().validity();
        (to_offset(v.not_before), to_offset(v.not_after))
    }

    fn check_path_len(&self, requested: Option<u8>) -> Result<(), CaError> {
        match (self.path_len, requested) {
            (Some(0), _) => {
                Err(format!("'{}' has pathLenConstraint 0 and cannot issue CA certificates", self.subject()))
            }
            (Some(n), None) => {
                Err(format!("'{}' has pathLenConstraint {n}; request path_len at most {}", self.subject(), n - 1))
            }
            (Some(n), Some(p)) if p >= n => {
                Err(format!("path_len {p} exceeds what '{}' allows (at most {})", self.subject(), n - 1))
            }
            _ => Ok(()),
        }
        .map_err(|reason| CaError::InvalidRequest { profile: "intermediate-ca", reason })
    }
}

fn decode_spki(der: &[u8]) -> Result<SubjectPublicKeyInfoOwned, CaError> {
    SubjectPublicKeyInfoOwned::from_der(der)
        .map_err(|e| CaError::UnsupportedPublicKey(format!("not a DER SubjectPublicKeyInfo: {e}")))
}

fn extension<'a, T: Decode<'a> + const_oid::AssociatedOid>(cert: &'a Certificate) -> Result<Option<T>, CaError> {
    cert.tbs_certificate()
        .get_extension::<T>()
        .map(|found| found.map(|(_, value)| value))
        .map_err(|e| CaError::InvalidCertificate(format!("extension {}: {e}", T::OID)))
}

fn name_is_empty(name: &Name) -> bool {
    let rdns: &RdnSequence = name.as_ref();
    rdns.is_empty()
}

/// Appends `serialNumber=<serial>` to the subject unless it already carries that exact value.
fn with_serial_number(subject: Name, serial: &str, profile: &Profile) -> Result<Name, CaError> {
    let mut rdns: Vec<RelativeDistinguishedName> = RdnSequence::from(subject).into();
    let existing: Vec<&AttributeTypeAndValue> =
        rdns.iter().flat_map(|rdn| rdn.iter()).filter(|atv| atv.oid == ID_AT_SERIAL_NUMBER).collect();
    let printable = der::asn1::PrintableStringRef::new(serial).map_err(CaError::encoding)?;
    let value = der::Any::encode_from(&printable).map_err(CaError::encoding)?;
    match existing.as_slice() {
        [] => {}
        [one] if one.value == value => return name_from_rdns(rdns),
        _ => {
            return Err(CaError::InvalidRequest {
                profile: profile.name(),
                reason: format!("the subject already has a serialNumber other than '{serial}'"),
            });
        }
    }
    let atv = AttributeTypeAndValue { oid: ID_AT_SERIAL_NUMBER, value };
    rdns.push(RelativeDistinguishedName::try_from(vec![atv]).map_err(CaError::encoding)?);
    name_from_rdns(rdns)
}

fn validity_from_days(days: u32) -> Result<(OffsetDateTime, OffsetDateTime), CaError> {
    if days == 0 {
        return Err(CaError::InvalidValidity("the validity must be at least one day".into()));
    }
    let now = OffsetDateTime::now_utc();
    Ok((now - BACKDATE, now + Duration::days(i64::from(days))))
}

fn to_offset(t: x509_cert::time::Time) -> OffsetDateTime {
    let secs = i64::try_from(t.to_unix_duration().as_secs()).unwrap_or(i64::MAX);
    OffsetDateTime::from_unix_timestamp(secs).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

#[cfg(test)]
mod tests;
