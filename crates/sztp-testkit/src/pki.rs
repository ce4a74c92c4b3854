//! Certificate authorities and issued certificates for tests, generated with rcgen.

use rcgen::string::PrintableString;
use rcgen::{
    BasicConstraints, CertificateParams, CertificateRevocationListParams, DistinguishedName, DnType, DnValue,
    ExtendedKeyUsagePurpose, IsCa, Issuer, KeyIdMethod, KeyPair, KeyUsagePurpose, RevokedCertParams, RsaKeySize,
    SerialNumber,
};
use time::OffsetDateTime;

/// The key algorithm of a generated certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyAlg {
    /// ECDSA P-256, certificates signed with ecdsa-with-SHA256.
    P256,
    /// ECDSA P-384, certificates signed with ecdsa-with-SHA384.
    P384,
    /// RSA 2048, certificates signed with sha256WithRSAEncryption.
    Rsa2048,
}

impl KeyAlg {
    /// Generates a fresh key of this algorithm.
    pub fn generate(self) -> KeyPair {
        let key = match self {
            KeyAlg::P256 => KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256),
            KeyAlg::P384 => KeyPair::generate_for(&rcgen::PKCS_ECDSA_P384_SHA384),
            KeyAlg::Rsa2048 => KeyPair::generate_rsa_for(&rcgen::PKCS_RSA_SHA256, RsaKeySize::_2048),
        };
        key.expect("key generation")
    }
}

/// A certificate and its private key, in the forms tests need.
#[derive(Debug, Clone)]
pub struct Issued {
    /// The certificate, DER.
    pub cert_der: Vec<u8>,
    /// The certificate, PEM.
    pub cert_pem: String,
    /// The private key, PKCS#8 DER.
    pub key_pkcs8_der: Vec<u8>,
    /// The private key, PKCS#8 PEM (`PRIVATE KEY`).
    pub key_pem: String,
    /// The certificate serial number, big-endian without sign padding.
    pub serial: Vec<u8>,
    /// The key algorithm.
    pub alg: KeyAlg,
}

/// A certificate authority: its own certificate plus the rcgen issuer that signs with its key.
pub struct TestCa {
    /// The CA's certificate and key.
    pub issued: Issued,
    issuer: Issuer<'static, KeyPair>,
}

impl std::fmt::Debug for TestCa {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestCa").field("issued", &self.issued).finish_non_exhaustive()
    }
}

/// Start of the validity of every generated certificate (2020-01-01T00:00:00Z).
pub fn not_before() -> OffsetDateTime {
    rcgen::date_time_ymd(2020, 1, 1)
}

/// End of the validity of every generated certificate (2049-12-31T00:00:00Z).
pub fn not_after() -> OffsetDateTime {
    rcgen::date_time_ymd(2049, 12, 31)
}

/// Certificate parameters with the kit's defaults: fixed validity, a random serial, AKI, and a
/// distinguished name of `O=<organization>, CN=<common_name>`.
pub fn params(organization: &str, common_name: &str) -> CertificateParams {
    let mut p = CertificateParams::default();
    p.not_before = not_before();
    p.not_after = not_after();
    p.serial_number = Some(random_serial());
    let mut dn = DistinguishedName::new();
    dn.push(DnType::OrganizationName, organization);
    dn.push(DnType::CommonName, common_name);
    p.distinguished_name = dn;
    p.use_authority_key_identifier_extension = true;
    p.key_identifier_method = KeyIdMethod::Sha256;
    p
}

/// Parameters of a CA certificate (cA=true, keyCertSign + cRLSign + digitalSignature).
pub fn ca_params(organization: &str, common_name: &str) -> CertificateParams {
    let mut p = params(organization, common_name);
    p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    p.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign, KeyUsagePurpose::DigitalSignature];
    p
}

/// Parameters of a signing end-entity certificate: cA=false, SKI, KU digitalSignature, no EKU.
pub fn signer_params(organization: &str, common_name: &str) -> CertificateParams {
    let mut p = params(organization, common_name);
    p.is_ca = IsCa::ExplicitNoCa;
    p.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    p
}

/// Parameters of an IEEE 802.1AR IDevID: subject serialNumber (2.5.4.5, PrintableString),
/// KU digitalSignature plus keyEncipherment (RSA) or keyAgreement (EC), and optionally an EKU
/// with clientAuth.
pub fn idevid_params(serial_number: &str, alg: KeyAlg, client_auth_eku: bool) -> CertificateParams {
    let mut p = signer_params("Example Manufacturer", &format!("IDevID {serial_number}"));
    let sn = PrintableString::try_from(serial_number).expect("serial number is a PrintableString");
    p.distinguished_name.push(DnType::CustomDnType(vec![2, 5, 4, 5]), DnValue::PrintableString(sn));
    p.key_usages.push(match alg {
        KeyAlg::Rsa2048 => KeyUsagePurpose::KeyEncipherment,
        KeyAlg::P256 | KeyAlg::P384 => KeyUsagePurpose::KeyAgreement,
    });
    if client_auth_eku {
        p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    }
    p
}

impl TestCa {
    /// A self-signed root CA.
    pub fn root(organization: &str, common_name: &str, alg: KeyAlg) -> TestCa {
        let params = ca_params(organization, common_name);
        let key = alg.generate();
        let cert = params.self_signed(&key).expect("self-signed root");
        let issued = issued(cert.der().to_vec(), &params, &key, alg);
        TestCa { issued, issuer: Issuer::new(params, key) }
    }

    /// A CA issued by this one.
    pub fn intermediate(&self, organization: &str, common_name: &str, alg: KeyAlg) -> TestCa {
        self.sub_ca(ca_params(organization, common_name), alg)
    }

    /// A CA issued by this one from custom parameters (e.g. with a pathLenConstraint).
    pub fn sub_ca(&self, params: CertificateParams, alg: KeyAlg) -> TestCa {
        let key = alg.generate();
        let cert = params.signed_by(&key, &self.issuer).expect("intermediate");
        let issued = issued(cert.der().to_vec(), &params, &key, alg);
        TestCa { issued, issuer: Issuer::new(params, key) }
    }

    /// Issues a certificate for a fresh key of `alg` from `params`.
    pub fn issue(&self, params: &CertificateParams, alg: KeyAlg) -> Issued {
        let key = alg.generate();
        let cert = params.signed_by(&key, &self.issuer).expect("issue certificate");
        issued(cert.der().to_vec(), params, &key, alg)
    }

    /// A CRL from this CA listing `revoked` serial numbers.
    pub fn crl(&self, revoked: &[&[u8]], this_update: OffsetDateTime, next_update: OffsetDateTime) -> Vec<u8> {
        let params = CertificateRevocationListParams {
            this_update,
            next_update,
            crl_number: SerialNumber::from_slice(&[1]),
            issuing_distribution_point: None,
            revoked_certs: revoked
                .iter()
                .map(|s| RevokedCertParams {
                    serial_number: SerialNumber::from_slice(s),
                    revocation_time: this_update,
                    reason_code: None,
                    invalidity_date: None,
                })
                .collect(),
            key_identifier_method: KeyIdMethod::Sha256,
        };
        params.signed_by(&self.issuer).expect("CRL").der().to_vec()
    }
}

fn issued(cert_der: Vec<u8>, params: &CertificateParams, key: &KeyPair, alg: KeyAlg) -> Issued {
    let cert_pem = pem("CERTIFICATE", &cert_der);
    let serial = params.serial_number.as_ref().map(SerialNumber::to_bytes).unwrap_or_default();
    Issued { cert_der, cert_pem, key_pkcs8_der: key.serialize_der(), key_pem: key.serialize_pem(), serial, alg }
}

/// PEM-encodes DER under `label` (64-column base64, LF line endings).
pub fn pem(label: &str, der: &[u8]) -> String {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for line in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(line).expect("base64 is ASCII"));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

/// A random positive 16-byte serial number.
fn random_serial() -> SerialNumber {
    let mut bytes = [0u8; 16];
    aws_lc_rs::rand::fill(&mut bytes).expect("random serial");
    bytes[0] = (bytes[0] & 0x7f) | 0x40;
    SerialNumber::from_slice(&bytes)
}
