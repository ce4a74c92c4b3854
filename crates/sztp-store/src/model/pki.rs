//! Keys, trust bags, owner certificates, vouchers and downloadable artifacts.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// A private key as stored: sealed by the caller, never cleartext.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredKey {
    /// Unique name within the tenant.
    pub name: String,
    /// Algorithm label chosen by the caller ("p256", "rsa2048", …).
    pub algorithm: String,
    /// SubjectPublicKeyInfo DER.
    #[serde(with = "crate::b64::bytes")]
    pub public_key_der: Vec<u8>,
    /// The private key, encrypted by the caller.
    #[serde(with = "crate::b64::bytes")]
    pub sealed_private_key: Vec<u8>,
    /// When the key was made.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// A named set of trust anchor certificates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrustBag {
    /// Unique name within the tenant.
    pub name: String,
    /// Free text.
    #[serde(default)]
    pub description: Option<String>,
    /// The certificates, DER, in the order given.
    #[serde(default, with = "crate::b64::bytes_list")]
    pub certificates_der: Vec<Vec<u8>>,
}

/// An owner certificate and the key that signs with it (RFC 8572 §3.2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwnerCertificate {
    /// Unique name within the tenant.
    pub name: String,
    /// Keystore name of the signing key.
    pub key: String,
    /// PEM chain, owner certificate first.
    pub cert_chain_pem: String,
}

/// An ownership voucher (RFC 8366) for one device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredVoucher {
    /// Serial number of the device it names.
    pub serial: String,
    /// The signed voucher, CMS DER.
    #[serde(with = "crate::b64::bytes")]
    pub cms_der: Vec<u8>,
    /// When it expires, if it does.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub expires_at: Option<OffsetDateTime>,
}

/// A file served to devices (boot image, script, …).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Artifact {
    /// Unique name within the tenant; the file name it is served under.
    pub name: String,
    /// Media type sent with it.
    pub media_type: String,
    /// SHA-256 of the content, filled by the caller.
    #[serde(with = "crate::b64::bytes")]
    pub sha256: Vec<u8>,
    /// Length of the content in bytes, filled by the caller.
    pub size: u64,
    /// The content.
    #[serde(with = "crate::b64::bytes")]
    pub content: Vec<u8>,
}

/// An artifact without its content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArtifactMeta {
    /// Its name.
    pub name: String,
    /// Its media type.
    pub media_type: String,
    /// SHA-256 of the content.
    #[serde(with = "crate::b64::bytes")]
    pub sha256: Vec<u8>,
    /// Length of the content in bytes.
    pub size: u64,
    /// When it was last written.
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}
