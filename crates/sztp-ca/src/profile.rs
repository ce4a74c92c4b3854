//! Certificate profiles: which extensions a CA, IEEE 802.1AR device identity, TLS or CMS signer
//! certificate carries (RFC 5280 §4.2), and the checks on the subject key they apply.

use std::net::IpAddr;

use aws_lc_rs::signature::{
    ECDSA_P256_SHA256_ASN1, ECDSA_P384_SHA384_ASN1, ECDSA_P521_SHA512_ASN1, ED25519, ParsedPublicKey, RsaParameters,
    VerificationAlgorithm,
};
use const_oid::{AssociatedOid, ObjectIdentifier};
use der::Encode;
use der::asn1::{Ia5String, OctetString, PrintableStringRef};
use der::flagset::FlagSet;
use spki::SubjectPublicKeyInfoOwned;
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{BasicConstraints, ExtendedKeyUsage, KeyUsage, KeyUsages, SubjectAltName};

use crate::CaError;

const ID_EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const SECP256R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
const SECP384R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.34");
const SECP521R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.35");
const RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
const ID_ED25519: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.112");
/// id-kp-serverAuth (RFC 5280 §4.2.1.12).
const ID_KP_SERVER_AUTH: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.1");
/// id-kp-clientAuth (RFC 5280 §4.2.1.12).
const ID_KP_CLIENT_AUTH: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.2");

/// What a certificate is for; fixes its extensions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Profile {
    /// A self-signed root CA: basicConstraints CA (no path length), keyCertSign and cRLSign.
    /// Only [`CertificateAuthority::new_root`](crate::CertificateAuthority::new_root) makes one.
    RootCa,
    /// A subordinate CA: basicConstraints CA with an optional pathLenConstraint, keyCertSign, cRLSign.
    IntermediateCa {
        /// How many further CA levels may follow below it (`None`: unlimited).
        path_len: Option<u8>,
    },
    /// An IEEE 802.1AR device identity (IDevID or LDevID): the subject carries the device serial
    /// number as X.520 serialNumber; keyUsage digitalSignature plus keyEncipherment (RSA) or
    /// keyAgreement (EC) so the device can also receive EnvelopedData; no extendedKeyUsage.
    DeviceIdentity {
        /// The device serial number (PrintableString, at most 64 characters).
        serial_number: String,
    },
    /// A TLS server: extendedKeyUsage serverAuth and these subjectAltNames (at least one).
    TlsServer {
        /// dNSName entries.
        dns_names: Vec<String>,
        /// iPAddress entries.
        ip_addresses: Vec<IpAddr>,
    },
    /// A TLS client (e.g. an administrator): extendedKeyUsage clientAuth.
    TlsClient,
    /// An owner certificate or voucher signer: keyUsage digitalSignature and no extendedKeyUsage,
    /// so that OpenSSL's `cms -verify` purpose check (smimesign) accepts it.
    CmsSigner,
}

/// The kind of key a certificate certifies, which decides its keyUsage bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SubjectKeyKind {
    Ec,
    Rsa,
    EdDsa,
}

impl Profile {
    /// A short name for messages (`root-ca`, `device-identity`, ...).
    pub fn name(&self) -> &'static str {
        match self {
            Profile::RootCa => "root-ca",
            Profile::IntermediateCa { .. } => "intermediate-ca",
            Profile::DeviceIdentity { .. } => "device-identity",
            Profile::TlsServer { .. } => "tls-server",
            Profile::TlsClient => "tls-client",
            Profile::CmsSigner => "cms-signer",
        }
    }

    /// Whether the profile makes a CA certificate.
    pub fn is_ca(&self) -> bool {
        matches!(self, Profile::RootCa | Profile::IntermediateCa { .. })
    }

    fn invalid(&self, reason: impl Into<String>) -> CaError {
        CaError::InvalidRequest { profile: self.name(), reason: reason.into() }
    }

    /// The profile's extensions, except the key identifiers the issuer adds.
    pub(crate) fn extensions(&self, key: SubjectKeyKind, subject_is_empty: bool) -> Result<Vec<Extension>, CaError> {
        use KeyUsages::{CRLSign, DigitalSignature, KeyAgreement, KeyCertSign, KeyEncipherment};
        if subject_is_empty && !matches!(self, Profile::TlsServer { .. }) {
            return Err(self.invalid("the subject name must not be empty"));
        }
        let leaf = BasicConstraints { ca: false, path_len_constraint: None };
        let mut out = Vec::new();
        match self {
            Profile::RootCa | Profile::IntermediateCa { .. } => {
                let path_len_constraint = match self {
                    Profile::IntermediateCa { path_len } => *path_len,
                    _ => None,
                };
                out.push(extension(true, &BasicConstraints { ca: true, path_len_constraint })?);
                out.push(extension(true, &KeyUsage(KeyCertSign | CRLSign))?);
            }
            Profile::DeviceIdentity { .. } => {
                out.push(extension(true, &leaf)?);
                let usage = match key {
                    SubjectKeyKind::Rsa => DigitalSignature | KeyEncipherment,
                    SubjectKeyKind::Ec => DigitalSignature | KeyAgreement,
                    SubjectKeyKind::EdDsa => FlagSet::from(DigitalSignature),
                };
                out.push(extension(true, &KeyUsage(usage))?);
            }
            Profile::TlsServer { dns_names, ip_addresses } => {
                out.push(extension(true, &leaf)?);
                let usage = match key {
                    SubjectKeyKind::Rsa => DigitalSignature | KeyEncipherment,
                    _ => FlagSet::from(DigitalSignature),
                };
                out.push(extension(true, &KeyUsage(usage))?);
                out.push(extension(false, &ExtendedKeyUsage(vec![ID_KP_SERVER_AUTH]))?);
                let san = self.subject_alt_names(dns_names, ip_addresses)?;
                // RFC 5280 §4.2.1.6: critical when the subject is empty.
                out.push(extension(subject_is_empty, &san)?);
            }
            Profile::TlsClient => {
                out.push(extension(true, &leaf)?);
                out.push(extension(true, &KeyUsage(FlagSet::from(DigitalSignature)))?);
                out.push(extension(false, &ExtendedKeyUsage(vec![ID_KP_CLIENT_AUTH]))?);
            }
            Profile::CmsSigner => {
                out.push(extension(true, &leaf)?);
                out.push(extension(true, &KeyUsage(FlagSet::from(DigitalSignature)))?);
            }
        }
        Ok(out)
    }

    fn subject_alt_names(&self, dns_names: &[String], ip_addresses: &[IpAddr]) -> Result<SubjectAltName, CaError> {
        if dns_names.is_empty() && ip_addresses.is_empty() {
            return Err(self.invalid("at least one DNS name or IP address is required"));
        }
        let mut names = Vec::new();
        for dns in dns_names {
            check_dns_name(dns).map_err(|reason| self.invalid(format!("DNS name '{dns}': {reason}")))?;
            let ia5 = Ia5String::new(dns).map_err(|e| self.invalid(format!("DNS name '{dns}': {e}")))?;
            names.push(GeneralName::DnsName(ia5));
        }
        names.extend(ip_addresses.iter().map(|ip| GeneralName::from(*ip)));
        Ok(SubjectAltName(names))
    }

    /// Checks the device serial number of a [`Profile::DeviceIdentity`] (X.520 ub-serial-number 64).
    pub(crate) fn check_serial_number(&self, serial: &str) -> Result<(), CaError> {
        if serial.is_empty() || serial.len() > 64 {
            return Err(self.invalid(format!("serial number '{serial}' must be 1 to 64 characters long")));
        }
        PrintableStringRef::new(serial).map(|_| ()).map_err(|_| {
            self.invalid(format!(
                "serial number '{serial}' must be a PrintableString (letters, digits, space and '()+,-./:=?)"
            ))
        })
    }
}

/// Encodes one extension with an explicit criticality.
pub(crate) fn extension<T: AssociatedOid + Encode>(critical: bool, value: &T) -> Result<Extension, CaError> {
    let der = value.to_der().map_err(CaError::encoding)?;
    Ok(Extension { extn_id: T::OID, critical, extn_value: OctetString::new(der).map_err(CaError::encoding)? })
}

/// Classifies and sanity-checks a subject public key: EC on P-256/P-384/P-521 with a valid
/// point, RSA of at least 2048 bits, or Ed25519.
pub(crate) fn check_public_key(spki: &SubjectPublicKeyInfoOwned) -> Result<SubjectKeyKind, CaError> {
    let unsupported = |m: String| CaError::UnsupportedPublicKey(m);
    let bits = spki
        .subject_public_key
        .as_bytes()
        .ok_or_else(|| unsupported("the public key BIT STRING has unused bits".into()))?;
    let parse = |alg: &'static dyn VerificationAlgorithm, what: &str| {
        ParsedPublicKey::new(alg, bits).map(|_| ()).map_err(|e| unsupported(format!("invalid {what} public key: {e}")))
    };
    match spki.algorithm.oid {
        ID_EC_PUBLIC_KEY => {
            let curve = spki
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.decode_as::<ObjectIdentifier>().ok())
                .ok_or_else(|| unsupported("EC key without a named curve".into()))?;
            match curve {
                SECP256R1 => parse(&ECDSA_P256_SHA256_ASN1, "P-256")?,
                SECP384R1 => parse(&ECDSA_P384_SHA384_ASN1, "P-384")?,
                SECP521R1 => parse(&ECDSA_P521_SHA512_ASN1, "P-521")?,
                other => return Err(unsupported(format!("EC curve {other} (use P-256, P-384 or P-521)"))),
            }
            Ok(SubjectKeyKind::Ec)
        }
        RSA_ENCRYPTION => {
            let size =
                RsaParameters::public_modulus_len(bits).map_err(|_| unsupported("unreadable RSA public key".into()))?;
            if size < 2048 {
                return Err(unsupported(format!("RSA keys of {size} bits are too short (at least 2048)")));
            }
            Ok(SubjectKeyKind::Rsa)
        }
        ID_ED25519 => {
            parse(&ED25519, "Ed25519")?;
            Ok(SubjectKeyKind::EdDsa)
        }
        other => Err(unsupported(format!("public key algorithm {other} (use EC, RSA or Ed25519)"))),
    }
}

/// A DNS name (RFC 1035 preferred syntax, as RFC 5280 §4.2.1.6 asks), optionally `*.`-prefixed.
fn check_dns_name(name: &str) -> Result<(), &'static str> {
    let rest = name.strip_prefix("*.").unwrap_or(name);
    if rest.is_empty() || name.len() > 253 {
        return Err("must be 1 to 253 characters long");
    }
    for label in rest.trim_end_matches('.').split('.') {
        if label.is_empty() || label.len() > 63 {
            return Err("each label must be 1 to 63 characters long");
        }
        if !label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
            return Err("only letters, digits and '-' are allowed (use punycode for IDNs)");
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err("a label must not start or end with '-'");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{KeyAlgorithm, PrivateKey};
    use der::Decode;

    #[test]
    fn dns_names_are_checked() {
        for good in ["example.com", "*.example.com", "a-b.c", "localhost", "host.example."] {
            assert_eq!(check_dns_name(good), Ok(()), "{good}");
        }
        for bad in ["", "*.", "exa mple.com", "-a.com", "a..b", "ex_ample.com", "*.*.a"] {
            assert!(check_dns_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn serial_numbers_must_be_printable() {
        let p = Profile::DeviceIdentity { serial_number: String::new() };
        assert!(p.check_serial_number("SN-0001 (A)").is_ok());
        assert!(p.check_serial_number("").is_err());
        assert!(p.check_serial_number("sn_1").is_err());
        assert!(p.check_serial_number(&"9".repeat(65)).is_err());
    }

    #[test]
    fn public_keys_are_classified() {
        for (alg, kind) in [(KeyAlgorithm::EcdsaP384, SubjectKeyKind::Ec), (KeyAlgorithm::Rsa2048, SubjectKeyKind::Rsa)]
        {
            let key = PrivateKey::generate(alg).unwrap();
            let spki = SubjectPublicKeyInfoOwned::from_der(&key.public_key_der()).unwrap();
            assert_eq!(check_public_key(&spki).unwrap(), kind);
        }
        let key = PrivateKey::generate(KeyAlgorithm::EcdsaP256).unwrap();
        let mut spki = SubjectPublicKeyInfoOwned::from_der(&key.public_key_der()).unwrap();
        let mut point = spki.subject_public_key.raw_bytes().to_vec();
        point[10] ^= 0xff;
        spki.subject_public_key = der::asn1::BitString::from_bytes(&point).unwrap();
        let err = check_public_key(&spki).unwrap_err().to_string();
        assert!(err.contains("invalid P-256 public key"), "{err}");
    }

    #[test]
    fn an_empty_subject_is_only_allowed_for_tls_servers() {
        let server = Profile::TlsServer { dns_names: vec!["a.example".into()], ip_addresses: vec![] };
        let exts = server.extensions(SubjectKeyKind::Ec, true).unwrap();
        let san = exts.iter().find(|e| e.extn_id == SubjectAltName::OID).unwrap();
        assert!(san.critical);
        assert!(Profile::CmsSigner.extensions(SubjectKeyKind::Ec, true).is_err());
        let none = Profile::TlsServer { dns_names: vec![], ip_addresses: vec![] };
        let err = none.extensions(SubjectKeyKind::Ec, false).unwrap_err().to_string();
        assert_eq!(err, "invalid tls-server request: at least one DNS name or IP address is required");
    }
}
