//! Certificates and vouchers of a tenant: `truststore/certificate-bag` (trust anchors),
//! `owner-certificates/owner-certificate` (a signing chain and its key's name) and
//! `vouchers/voucher` (one ownership voucher per device).

use serde_json::Value;
use time::OffsetDateTime;

use super::{Fields, ListEntry, Out};
use crate::codec::DecodeError;

/// A named set of trust anchors.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CertificateBag {
    /// Name (the key).
    pub name: String,
    /// What the bag is for.
    pub description: Option<String>,
    /// DER certificates.
    pub certificates: Vec<Vec<u8>>,
}

impl ListEntry for CertificateBag {
    const LIST: &'static str = "certificate-bag";

    fn read_entry(mut f: Fields<'_>) -> Result<Self, DecodeError> {
        let bag = CertificateBag {
            name: f.required_string("name")?,
            description: f.string("description")?,
            certificates: f.binary_list("certificate")?,
        };
        f.finish()?;
        Ok(bag)
    }

    fn to_value(&self) -> Value {
        let mut o = Out::default();
        o.put("name", self.name.as_str()).opt("description", self.description.clone());
        o.binaries("certificate", &self.certificates).done()
    }
}

/// An owner certificate: the chain that signs conveyed information, and its key.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OwnerCertificate {
    /// Name (the key).
    pub name: String,
    /// The keystore key that signs.
    pub key: String,
    /// DER certificates, the owner certificate first.
    pub certificates: Vec<Vec<u8>>,
}

impl ListEntry for OwnerCertificate {
    const LIST: &'static str = "owner-certificate";

    fn read_entry(mut f: Fields<'_>) -> Result<Self, DecodeError> {
        let oc = OwnerCertificate {
            name: f.required_string("name")?,
            key: f.required_string("key")?,
            certificates: f.binary_list("certificate")?,
        };
        if oc.certificates.is_empty() {
            return Err(f.missing("certificate", "at least one certificate is required"));
        }
        f.finish()?;
        Ok(oc)
    }

    fn to_value(&self) -> Value {
        let mut o = Out::default();
        o.put("name", self.name.as_str()).put("key", self.key.as_str());
        o.binaries("certificate", &self.certificates).done()
    }
}

/// A device's ownership voucher.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Voucher {
    /// The device's serial number (the key).
    pub serial: String,
    /// The voucher, a CMS SignedData (DER).
    pub cms: Vec<u8>,
    /// When it expires, as read from it (read-only; ignored on input).
    pub expires_at: Option<OffsetDateTime>,
}

impl ListEntry for Voucher {
    const LIST: &'static str = "voucher";

    fn read_entry(mut f: Fields<'_>) -> Result<Self, DecodeError> {
        let serial = f.required_string("serial")?;
        let cms = f.binary("cms")?.ok_or_else(|| f.missing("cms", "is mandatory"))?;
        let expires_at = if f.is_reply() { f.date_time("expires-at")? } else { None };
        f.ignore("expires-at");
        f.finish()?;
        Ok(Voucher { serial, cms, expires_at })
    }

    fn to_value(&self) -> Value {
        let mut o = Out::default();
        o.put("serial", self.serial.as_str()).binary("cms", &self.cms);
        o.date_time("expires-at", self.expires_at).done()
    }
}
