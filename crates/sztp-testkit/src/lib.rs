//! Test PKI and fixtures shared by the sztp test suites. Everything is generated in code with
//! rcgen (keys are random, names and validity fixed); nothing here is for production use.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod pki;
pub mod yanglint;

pub use pki::{Issued, KeyAlg, TestCa, ca_params, idevid_params, not_after, not_before, params, pem, signer_params};
pub use rcgen;

/// The whole RFC 8572 cast: manufacturer PKI (IDevIDs, MASA voucher signer) and owner PKI
/// (pinned-domain-cert root → intermediate → owner certificate).
#[derive(Debug)]
pub struct TestPki {
    /// Manufacturer root CA: the device's trust anchor for vouchers and IDevIDs.
    pub manufacturer_root: TestCa,
    /// Manufacturer intermediate CA: issues IDevIDs and the MASA certificate.
    pub manufacturer_ca: TestCa,
    /// MASA voucher-signing certificate (no EKU, KU digitalSignature).
    pub masa: Issued,
    /// Owner root CA: the voucher's pinned-domain-cert.
    pub owner_root: TestCa,
    /// Owner intermediate CA.
    pub owner_ca: TestCa,
    /// Owner end-entity certificate that signs conveyed information (no EKU, KU digitalSignature).
    pub owner: Issued,
}

impl TestPki {
    /// A PKI with P-256 keys throughout.
    pub fn generate() -> Self {
        Self::generate_with(KeyAlg::P256)
    }

    /// A PKI whose every key is of `alg`.
    pub fn generate_with(alg: KeyAlg) -> Self {
        let manufacturer_root = TestCa::root("Example Manufacturer", "Manufacturer Root CA", alg);
        let manufacturer_ca = manufacturer_root.intermediate("Example Manufacturer", "Manufacturer Device CA", alg);
        let masa = manufacturer_ca.issue(&signer_params("Example Manufacturer", "MASA Voucher Signer"), alg);
        let owner_root = TestCa::root("Example Owner", "Owner Root CA", alg);
        let owner_ca = owner_root.intermediate("Example Owner", "Owner Intermediate CA", alg);
        let owner = owner_ca.issue(&signer_params("Example Owner", "Owner Certificate"), alg);
        TestPki { manufacturer_root, manufacturer_ca, masa, owner_root, owner_ca, owner }
    }

    /// An IDevID (P-256, no EKU) for the device with this serial number.
    pub fn idevid(&self, serial_number: &str) -> Issued {
        self.idevid_with(serial_number, KeyAlg::P256, false)
    }

    /// An IDevID with the given key algorithm, optionally with an EKU holding clientAuth.
    pub fn idevid_with(&self, serial_number: &str, alg: KeyAlg, client_auth_eku: bool) -> Issued {
        self.manufacturer_ca.issue(&idevid_params(serial_number, alg, client_auth_eku), alg)
    }

    /// Another owner end-entity certificate under the owner intermediate.
    pub fn new_owner(&self, alg: KeyAlg) -> Issued {
        self.owner_ca.issue(&signer_params("Example Owner", "Owner Certificate 2"), alg)
    }

    /// The manufacturer root, DER: the device's trust anchor.
    pub fn manufacturer_anchor_der(&self) -> Vec<u8> {
        self.manufacturer_root.issued.cert_der.clone()
    }

    /// The pinned-domain-cert (owner root), DER.
    pub fn pinned_domain_cert_der(&self) -> Vec<u8> {
        self.owner_root.issued.cert_der.clone()
    }

    /// MASA certificate then manufacturer intermediate, DER: what a voucher CMS carries.
    pub fn voucher_chain_der(&self) -> Vec<Vec<u8>> {
        vec![self.masa.cert_der.clone(), self.manufacturer_ca.issued.cert_der.clone()]
    }

    /// Owner certificate then owner intermediate, DER: what the owner-certificate artifact carries.
    pub fn owner_chain_der(&self) -> Vec<Vec<u8>> {
        vec![self.owner.cert_der.clone(), self.owner_ca.issued.cert_der.clone()]
    }

    /// The owner chain as concatenated PEM, leaf first.
    pub fn owner_chain_pem(&self) -> String {
        format!("{}{}", self.owner.cert_pem, self.owner_ca.issued.cert_pem)
    }

    /// The voucher chain as concatenated PEM, signer first.
    pub fn voucher_chain_pem(&self) -> String {
        format!("{}{}", self.masa.cert_pem, self.manufacturer_ca.issued.cert_pem)
    }
}
