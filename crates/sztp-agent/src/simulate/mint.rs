//! Virtual devices made on the fly: an IEEE 802.1AR IDevID per device from a manufacturer CA
//! (serial in the subject serialNumber), and RFC 8366 ownership vouchers signed by a MASA key.

use std::path::Path;

use sztp_ca::{CertificateAuthority, IssueRequest, KeyAlgorithm, PrivateKey, Profile};
use sztp_protocol::cms::content_type::ContentType;
use sztp_protocol::cms::signed_data::{SignOptions, sign};
use sztp_protocol::cms::signer::Signer;
use sztp_protocol::model::voucher::{Assertion, Voucher};
use sztp_protocol::x509::{Certificate, load_certificates};
use time::{Duration, OffsetDateTime};

use crate::error::AgentError;
use crate::identity::Identity;

/// How long minted IDevIDs and vouchers are valid (capped by the issuing CA).
const VALIDITY: Duration = Duration::days(365);
/// Clock skew allowance: certificates and vouchers start a little in the past.
const BACKDATE: Duration = Duration::minutes(5);

/// A manufacturer CA (its certificate, the chain above it, its key) that issues IDevIDs.
#[derive(Debug, Clone)]
pub(crate) struct Manufacturer {
    ca: CertificateAuthority,
}

impl Manufacturer {
    /// Reads the CA certificate (PEM, followed by the chain above it) and its private key (PEM).
    pub(crate) fn from_files(cert: &Path, key: &Path) -> Result<Manufacturer, AgentError> {
        let (first, rest) = read_chain(cert)?;
        let key_pem = std::fs::read_to_string(key).map_err(|e| config(key, e))?;
        let key = PrivateKey::from_pem(&key_pem).map_err(|e| config(key, e))?;
        let chain = rest.iter().map(|c| c.der().to_vec()).collect();
        let ca = CertificateAuthority::from_parts(first.der().to_vec(), chain, key).map_err(|e| config(cert, e))?;
        Ok(Manufacturer { ca })
    }

    /// Wraps a CA already in memory.
    #[cfg(test)]
    pub(crate) fn new(ca: CertificateAuthority) -> Manufacturer {
        Manufacturer { ca }
    }

    /// The top certificate of the CA's chain: the manufacturer root devices would ship with.
    pub(crate) fn root(&self) -> Result<Certificate, AgentError> {
        let chain = self.ca.chain_der();
        let top = chain.last().ok_or_else(|| AgentError::Config("the manufacturer CA has no certificate".into()))?;
        Certificate::from_der(top).map_err(|e| AgentError::Config(format!("manufacturer CA: {e}")))
    }

    /// A fresh P-256 key and an IDevID for `serial`, with the CA chain after the leaf.
    pub(crate) fn mint(&self, serial: &str) -> Result<Identity, AgentError> {
        let fail = |e: sztp_ca::CaError| AgentError::Config(format!("minting the IDevID of {serial}: {e}"));
        let key = PrivateKey::generate(KeyAlgorithm::EcdsaP256).map_err(fail)?;
        let now = OffsetDateTime::now_utc();
        let (_, ca_not_after) = self.ca.validity();
        let der = self
            .ca
            .issue(&IssueRequest {
                subject: &format!("CN=Simulated Device {serial},serialNumber={serial}"),
                public_key_der: &key.public_key_der(),
                profile: Profile::DeviceIdentity { serial_number: serial.to_owned() },
                not_before: now - BACKDATE,
                not_after: (now + VALIDITY).min(ca_not_after),
            })
            .map_err(fail)?;
        let mut chain = vec![Certificate::from_der(&der).map_err(|e| AgentError::Config(format!("{serial}: {e}")))?];
        for c in self.ca.chain_der() {
            chain.push(Certificate::from_der(&c).map_err(|e| AgentError::Config(format!("manufacturer CA: {e}")))?);
        }
        Ok(Identity {
            serial: serial.to_owned(),
            chain,
            key_pkcs8: key.pkcs8_der().to_vec(),
            hw_model: "simulated".into(),
            os_name: "unknown".into(),
            os_version: "0".into(),
        })
    }
}

/// A MASA: the key and certificate chain that sign ownership vouchers.
pub(crate) struct Masa {
    signer: Signer,
}

impl std::fmt::Debug for Masa {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Masa").field("subject", &self.signer.certificate().subject()).finish_non_exhaustive()
    }
}

impl Masa {
    /// Reads the signer certificate (PEM, leaf first, chain optional) and its private key.
    pub(crate) fn from_files(cert: &Path, key: &Path) -> Result<Masa, AgentError> {
        let (first, rest) = read_chain(cert)?;
        let key_bytes = std::fs::read(key).map_err(|e| config(key, e))?;
        let chain = std::iter::once(first).chain(rest).collect();
        let signer = Signer::new(&key_bytes, chain).map_err(|e| config(key, e))?;
        Ok(Masa { signer })
    }

    /// Wraps a signer already in memory.
    #[cfg(test)]
    pub(crate) fn new(signer: Signer) -> Masa {
        Masa { signer }
    }

    /// A verified-assertion voucher for `serial` pinning `domain_cert` (the owner's root), as
    /// CMS SignedData (RFC 8366 §5.3).
    pub(crate) fn voucher(&self, serial: &str, domain_cert: &[u8]) -> Result<Vec<u8>, AgentError> {
        let now = OffsetDateTime::now_utc();
        let voucher = Voucher {
            created_on: now - BACKDATE,
            expires_on: Some(now + VALIDITY),
            assertion: Assertion::Verified,
            serial_number: serial.to_owned(),
            idevid_issuer: None,
            pinned_domain_cert: domain_cert.to_vec(),
            domain_cert_revocation_checks: Some(false),
            nonce: None,
            last_renewal_date: None,
        };
        sign(ContentType::AnimaJsonVoucher, &voucher.to_json(), &self.signer, &SignOptions::default())
            .map_err(|e| AgentError::Config(format!("signing the voucher of {serial}: {e}")))
    }
}

/// `count` serial numbers: the prefix and a zero-padded number from 1 (at least four digits).
pub(crate) fn serials(prefix: &str, count: usize) -> Vec<String> {
    let width = count.to_string().len().max(4);
    (1..=count).map(|n| format!("{prefix}{n:0width$}")).collect()
}

fn read_chain(path: &Path) -> Result<(Certificate, Vec<Certificate>), AgentError> {
    let bytes = std::fs::read(path).map_err(|e| config(path, e))?;
    let mut certs = load_certificates(&bytes).map_err(|e| config(path, e))?.into_iter();
    let first = certs.next().ok_or_else(|| AgentError::Config(format!("{}: no certificate", path.display())))?;
    Ok((first, certs.collect()))
}

fn config(path: &Path, e: impl std::fmt::Display) -> AgentError {
    AgentError::Config(format!("{}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use sztp_ca::pem_encode;
    use sztp_protocol::trust::{DeviceContext, verify_voucher};

    fn p256() -> PrivateKey {
        PrivateKey::generate(KeyAlgorithm::EcdsaP256).unwrap_or_else(|e| panic!("{e}"))
    }

    fn ok<T, E: std::fmt::Display>(r: Result<T, E>) -> T {
        r.unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn serials_are_prefixed_and_zero_padded() {
        assert_eq!(serials("SIM-", 3), ["SIM-0001", "SIM-0002", "SIM-0003"]);
        assert_eq!(serials("X", 12_000)[11_999], "X12000");
        assert_eq!(serials("X", 12_000)[0], "X00001");
        assert!(serials("X", 0).is_empty());
    }

    #[test]
    fn minted_idevids_carry_the_serial_and_chain_to_the_root() {
        let root = ok(CertificateAuthority::new_root("CN=Test Root,O=Test", p256(), 30));
        let device_ca = ok(root.issue_intermediate("CN=Test Device CA,O=Test", p256(), 20));
        let mfg = Manufacturer::new(device_ca);
        let id = ok(mfg.mint("SIM-0001"));
        assert_eq!(id.serial, "SIM-0001");
        assert_eq!(id.chain.len(), 3, "leaf, device CA, root");
        assert_eq!(id.chain[0].subject_serial_number().as_deref(), Some("SIM-0001"));
        assert_eq!(ok(mfg.root()).der(), root.certificate_der());
        let anchors = [ok(mfg.root())];
        let options = sztp_protocol::x509::PathOptions::default();
        ok(sztp_protocol::x509::validate_path(&id.chain[0], &id.chain[1..], &anchors, &options));
        ok(id.tls_identity());
    }

    #[test]
    fn files_with_a_key_of_another_certificate_are_refused() {
        let dir = ok(tempfile::tempdir());
        let root = ok(CertificateAuthority::new_root("CN=Test Root,O=Test", p256(), 30));
        let (cert, key, other) = (dir.path().join("ca.pem"), dir.path().join("ca.key"), dir.path().join("other.key"));
        ok(std::fs::write(&cert, pem_encode("CERTIFICATE", root.certificate_der())));
        ok(std::fs::write(&key, root.key().to_pem().as_bytes()));
        ok(std::fs::write(&other, p256().to_pem().as_bytes()));
        ok(Manufacturer::from_files(&cert, &key));
        let e = Manufacturer::from_files(&cert, &other).map(|_| ()).unwrap_err().to_string();
        assert!(e.contains("does not match"), "{e}");
        assert!(Masa::from_files(&cert, &other).is_err());
        let e = Manufacturer::from_files(&key, &key).map(|_| ()).unwrap_err().to_string();
        assert!(e.contains("no CERTIFICATE"), "{e}");
    }

    #[test]
    fn vouchers_verify_against_the_masa_root_and_pin_the_owner() {
        let root = ok(CertificateAuthority::new_root("CN=Test Root,O=Test", p256(), 30));
        let masa_key = p256();
        let now = OffsetDateTime::now_utc();
        let masa_cert = ok(root.issue(&IssueRequest {
            subject: "CN=Test MASA",
            public_key_der: &masa_key.public_key_der(),
            profile: Profile::CmsSigner,
            not_before: now - BACKDATE,
            not_after: now + Duration::days(10),
        }));
        let masa = Masa::new(ok(Signer::new(masa_key.pkcs8_der(), vec![ok(Certificate::from_der(&masa_cert))])));
        let cms = ok(masa.voucher("SIM-0007", b"owner root"));
        let device = DeviceContext::new("SIM-0007", vec![ok(Certificate::from_der(root.certificate_der()))]);
        let voucher = ok(verify_voucher(&cms, &device));
        assert_eq!(voucher.pinned_domain_cert, b"owner root");
        let other = DeviceContext::new("SIM-0008", device.manufacturer_anchors.clone());
        assert!(verify_voucher(&cms, &other).is_err(), "another device's voucher");
    }
}
