//! The `get-bootstrapping-data` RPC of `ietf-sztp-bootstrap-server@2019-04-30` (RFC 8572 §7.3),
//! with the RFC 9646 `msg-type` augmentation, in its RESTCONF form (`…:input` / `…:output`).

use super::YangDocument;
use super::build;
use super::csr::{MsgType, read_msg_type, write_msg_type};
use crate::codec::tree::{Node, Scalar};
use crate::codec::{Cursor, DecodeError, DecodeErrorKind as K};

pub(crate) const SVR: &str = "ietf-sztp-bootstrap-server";

/// A device nonce: 16..32 octets (RFC 8572 §7.3).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Nonce(Vec<u8>);

impl Nonce {
    /// Validates the length.
    pub fn new(bytes: Vec<u8>) -> Result<Self, usize> {
        if (16..=32).contains(&bytes.len()) { Ok(Nonce(bytes)) } else { Err(bytes.len()) }
    }
    /// The nonce octets.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

/// Input of `get-bootstrapping-data`; every leaf is optional.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct GetBootstrappingDataInput {
    /// `signed-data-preferred`: the server must not return unsigned onboarding information.
    pub signed_data_preferred: bool,
    /// Hardware model.
    pub hw_model: Option<String>,
    /// Operating system name.
    pub os_name: Option<String>,
    /// Operating system version.
    pub os_version: Option<String>,
    /// Nonce for a nonceful voucher.
    pub nonce: Option<Nonce>,
    /// RFC 9646 CSR support or CSR.
    pub msg_type: Option<MsgType>,
}

/// `reporting-level` in the output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ReportingLevel {
    /// Only the mandatory reports (the YANG default).
    #[default]
    Minimal,
    /// All progress reports.
    Verbose,
}

impl ReportingLevel {
    /// The YANG enumeration name.
    pub fn as_str(self) -> &'static str {
        match self {
            ReportingLevel::Minimal => "minimal",
            ReportingLevel::Verbose => "verbose",
        }
    }
    /// Parses the YANG enumeration name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "minimal" => Some(ReportingLevel::Minimal),
            "verbose" => Some(ReportingLevel::Verbose),
            _ => None,
        }
    }
}

/// Output of `get-bootstrapping-data`: conveyed information, and for signed data the owner
/// certificate and ownership voucher (both or neither).
#[derive(Debug, Clone, PartialEq)]
pub struct GetBootstrappingDataOutput {
    /// How much progress the device should report.
    pub reporting_level: Option<ReportingLevel>,
    /// The conveyed-information CMS (mandatory).
    pub conveyed_information: Vec<u8>,
    /// The owner-certificate CMS.
    pub owner_certificate: Option<Vec<u8>>,
    /// The ownership-voucher CMS.
    pub ownership_voucher: Option<Vec<u8>>,
}

impl YangDocument for GetBootstrappingDataInput {
    fn from_tree(node: &Node) -> Result<Self, DecodeError> {
        let mut c = Cursor::root(node, SVR, "input")?;
        let signed_data_preferred = c.empty("signed-data-preferred")?;
        let hw_model = c.string("hw-model")?;
        let os_name = c.string("os-name")?;
        let os_version = c.string("os-version")?;
        let nonce =
            match c.binary("nonce")? {
                None => None,
                Some(b) => Some(Nonce::new(b).map_err(|len| {
                    c.error("nonce", K::InvalidValue, format!("nonce is {len} octets; must be 16..32"))
                })?),
            };
        let msg_type = read_msg_type(&mut c)?;
        c.finish()?;
        Ok(GetBootstrappingDataInput { signed_data_preferred, hw_model, os_name, os_version, nonce, msg_type })
    }

    fn to_tree(&self) -> Node {
        let mut v = Vec::new();
        if self.signed_data_preferred {
            v.push(Node::leaf(SVR, "signed-data-preferred", Scalar::Empty));
        }
        build::opt_string(&mut v, SVR, "hw-model", &self.hw_model);
        build::opt_string(&mut v, SVR, "os-name", &self.os_name);
        build::opt_string(&mut v, SVR, "os-version", &self.os_version);
        if let Some(n) = &self.nonce {
            v.push(build::binary(SVR, "nonce", n.as_bytes()));
        }
        if let Some(m) = &self.msg_type {
            write_msg_type(&mut v, m);
        }
        Node::inner(SVR, "input", v)
    }
}

impl YangDocument for GetBootstrappingDataOutput {
    fn from_tree(node: &Node) -> Result<Self, DecodeError> {
        let mut c = Cursor::root(node, SVR, "output")?;
        let reporting_level = c.enumeration("reporting-level", ReportingLevel::parse)?;
        let conveyed_information = c.req_binary("conveyed-information")?;
        let owner_certificate = c.binary("owner-certificate")?;
        let ownership_voucher = c.binary("ownership-voucher")?;
        match (&owner_certificate, &ownership_voucher) {
            (Some(_), None) => {
                return Err(c.error(
                    "owner-certificate",
                    K::InvalidValue,
                    "owner-certificate requires ownership-voucher",
                ));
            }
            (None, Some(_)) => {
                return Err(c.error(
                    "ownership-voucher",
                    K::InvalidValue,
                    "ownership-voucher requires owner-certificate",
                ));
            }
            _ => {}
        }
        c.finish()?;
        Ok(GetBootstrappingDataOutput { reporting_level, conveyed_information, owner_certificate, ownership_voucher })
    }

    fn to_tree(&self) -> Node {
        let mut v = Vec::new();
        if let Some(r) = self.reporting_level {
            v.push(build::string(SVR, "reporting-level", r.as_str()));
        }
        v.push(build::binary(SVR, "conveyed-information", &self.conveyed_information));
        build::opt_binary(&mut v, SVR, "owner-certificate", &self.owner_certificate);
        build::opt_binary(&mut v, SVR, "ownership-voucher", &self.ownership_voucher);
        Node::inner(SVR, "output", v)
    }
}
