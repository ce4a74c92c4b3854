//! RFC 8366 voucher (`ietf-voucher@2018-05-09`, the `voucher-artifact` yang-data), as carried in
//! the ownership-voucher artifact after CMS verification (digest §1.7).

use time::OffsetDateTime;

use super::YangDocument;
use super::build;
use crate::codec::tree::{Node, Scalar};
use crate::codec::{Cursor, DecodeError, DecodeErrorKind as K, decode_date_and_time};

const M: &str = "ietf-voucher";

/// The voucher's `assertion`: how the MASA established ownership.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Assertion {
    /// `verified`: ownership verified by the MASA.
    Verified,
    /// `logged`: the voucher was issued after logging only.
    Logged,
    /// `proximity`: the pledge and registrar were in proximity.
    Proximity,
}

impl Assertion {
    /// The YANG enumeration name.
    pub fn as_str(self) -> &'static str {
        match self {
            Assertion::Verified => "verified",
            Assertion::Logged => "logged",
            Assertion::Proximity => "proximity",
        }
    }
    /// Parses the YANG enumeration name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "verified" => Some(Assertion::Verified),
            "logged" => Some(Assertion::Logged),
            "proximity" => Some(Assertion::Proximity),
            _ => None,
        }
    }
}

/// An RFC 8366 voucher (`ietf-voucher:voucher`).
#[derive(Debug, Clone, PartialEq)]
pub struct Voucher {
    /// When the voucher was created (mandatory).
    pub created_on: OffsetDateTime,
    /// When the voucher expires; absent for nonceful or lifetime vouchers.
    pub expires_on: Option<OffsetDateTime>,
    /// How ownership was asserted (mandatory).
    pub assertion: Assertion,
    /// The pledge's serial number (mandatory); must equal the device's.
    pub serial_number: String,
    /// Authority key identifier of the IDevID issuer, if the voucher is bound to it.
    pub idevid_issuer: Option<Vec<u8>>,
    /// DER of the domain (owner) trust anchor certificate (mandatory).
    pub pinned_domain_cert: Vec<u8>,
    /// Whether revocation of the domain certificate must (true) or must not (false) be checked.
    pub domain_cert_revocation_checks: Option<bool>,
    /// The pledge's nonce, 8..32 octets; excludes `expires-on`.
    pub nonce: Option<Vec<u8>>,
    /// Informational date of the last renewal; requires `expires-on`.
    pub last_renewal_date: Option<OffsetDateTime>,
}

fn date(c: &mut Cursor<'_>, name: &str) -> Result<Option<OffsetDateTime>, DecodeError> {
    match c.string(name)? {
        None => Ok(None),
        Some(t) => decode_date_and_time(&t)
            .map(Some)
            .ok_or_else(|| c.error(name, K::InvalidValue, format!("\"{t}\" is not a yang:date-and-time"))),
    }
}

impl YangDocument for Voucher {
    fn from_tree(node: &Node) -> Result<Self, DecodeError> {
        let mut c = Cursor::root(node, M, "voucher")?;
        let created_on = date(&mut c, "created-on")?
            .ok_or_else(|| c.error("created-on", K::MissingElement, "mandatory node missing"))?;
        let expires_on = date(&mut c, "expires-on")?;
        let assertion = c
            .enumeration("assertion", Assertion::parse)?
            .ok_or_else(|| c.error("assertion", K::MissingElement, "mandatory node missing"))?;
        let serial_number = c.req_string("serial-number")?;
        let idevid_issuer = c.binary("idevid-issuer")?;
        let pinned_domain_cert = c.req_binary("pinned-domain-cert")?;
        let domain_cert_revocation_checks = c.boolean("domain-cert-revocation-checks")?;
        let nonce = c.binary("nonce")?;
        let last_renewal_date = date(&mut c, "last-renewal-date")?;
        if let Some(n) = &nonce {
            if !(8..=32).contains(&n.len()) {
                return Err(c.error("nonce", K::InvalidValue, format!("nonce is {} octets; must be 8..32", n.len())));
            }
            if expires_on.is_some() {
                return Err(c.error("nonce", K::InvalidValue, "nonce and expires-on are mutually exclusive"));
            }
        }
        if last_renewal_date.is_some() && expires_on.is_none() {
            return Err(c.error("last-renewal-date", K::InvalidValue, "last-renewal-date requires expires-on"));
        }
        c.finish()?;
        Ok(Voucher {
            created_on,
            expires_on,
            assertion,
            serial_number,
            idevid_issuer,
            pinned_domain_cert,
            domain_cert_revocation_checks,
            nonce,
            last_renewal_date,
        })
    }

    fn to_tree(&self) -> Node {
        let mut v = vec![build::date_time(M, "created-on", self.created_on)];
        if let Some(t) = self.expires_on {
            v.push(build::date_time(M, "expires-on", t));
        }
        v.push(build::string(M, "assertion", self.assertion.as_str()));
        v.push(build::string(M, "serial-number", &self.serial_number));
        build::opt_binary(&mut v, M, "idevid-issuer", &self.idevid_issuer);
        v.push(build::binary(M, "pinned-domain-cert", &self.pinned_domain_cert));
        if let Some(b) = self.domain_cert_revocation_checks {
            v.push(Node::leaf(M, "domain-cert-revocation-checks", Scalar::Bool(b)));
        }
        build::opt_binary(&mut v, M, "nonce", &self.nonce);
        if let Some(t) = self.last_renewal_date {
            v.push(build::date_time(M, "last-renewal-date", t));
        }
        Node::inner(M, "voucher", v)
    }
}

impl Voucher {
    /// Decodes the JSON voucher (`{"ietf-voucher:voucher": {…}}`), as signed in the .40 CMS.
    pub fn from_json(bytes: &[u8]) -> Result<Self, DecodeError> {
        <Self as YangDocument>::from_json(bytes)
    }
    /// Encodes the JSON voucher.
    pub fn to_json(&self) -> Vec<u8> {
        <Self as YangDocument>::to_json(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = r#"{"ietf-voucher:voucher":{"created-on":"2016-10-07T19:31:42Z","assertion":"logged",
        "serial-number":"JADA123456789","idevid-issuer":"base64encodedvalue==",
        "pinned-domain-cert":"base64encodedvalue==","nonce":"base64encodedvalue=="}}"#;

    #[test]
    fn decodes_rfc8366_example_and_round_trips() {
        let v = Voucher::from_json(EXAMPLE.as_bytes()).unwrap();
        assert_eq!(v.serial_number, "JADA123456789");
        assert_eq!(v.assertion, Assertion::Logged);
        let again = Voucher::from_json(&v.to_json()).unwrap();
        assert_eq!(v, again);
        assert_eq!(Voucher::from_xml(&v.to_xml()).unwrap(), v);
    }

    #[test]
    fn string_boolean_is_refused() {
        let bad = EXAMPLE.replace("\"nonce\":\"base64encodedvalue==\"", "\"domain-cert-revocation-checks\":\"true\"");
        let e = Voucher::from_json(bad.as_bytes()).unwrap_err();
        assert_eq!(e.path, "/ietf-voucher:voucher/domain-cert-revocation-checks");
    }

    #[test]
    fn nonce_excludes_expires_on() {
        let bad = EXAMPLE.replace("\"assertion\"", "\"expires-on\":\"2030-01-01T00:00:00Z\",\"assertion\"");
        assert_eq!(Voucher::from_json(bad.as_bytes()).unwrap_err().kind, K::InvalidValue);
    }

    #[test]
    fn missing_serial_is_reported() {
        let bad = EXAMPLE.replace("\"serial-number\":\"JADA123456789\",", "");
        let e = Voucher::from_json(bad.as_bytes()).unwrap_err();
        assert_eq!((e.kind, e.path.as_str()), (K::MissingElement, "/ietf-voucher:voucher/serial-number"));
    }
}
