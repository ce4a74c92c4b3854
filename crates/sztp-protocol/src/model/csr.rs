//! RFC 9646 CSR exchange (`ietf-sztp-csr`, `ietf-ztp-types`): the `csr-support` / CSR choice added
//! to get-bootstrapping-data input, and the `csr-request` structure returned in `error-info`.

use super::YangDocument;
use super::build;
use crate::codec::tree::{Node, Scalar};
use crate::codec::{Cursor, DecodeError, DecodeErrorKind as K};

pub(crate) const CSR: &str = "ietf-sztp-csr";
const ZT: &str = "ietf-ztp-types";

/// Identities derived from `zt:certificate-request-format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CsrFormat {
    /// `p10-csr`: a PKCS#10 CertificationRequest (RFC 2986).
    P10,
    /// `cmp-csr`: a CMP PKIMessage (RFC 4210).
    Cmp,
    /// `cmc-csr`: a CMC Full PKI Request (RFC 5272).
    Cmc,
}

impl CsrFormat {
    /// The identity name in `ietf-ztp-types`.
    pub fn identity(self) -> &'static str {
        match self {
            CsrFormat::P10 => "p10-csr",
            CsrFormat::Cmp => "cmp-csr",
            CsrFormat::Cmc => "cmc-csr",
        }
    }
    fn from_identity(module: &str, name: &str) -> Option<Self> {
        match (module, name) {
            (ZT, "p10-csr") => Some(CsrFormat::P10),
            (ZT, "cmp-csr") => Some(CsrFormat::Cmp),
            (ZT, "cmc-csr") => Some(CsrFormat::Cmc),
            _ => None,
        }
    }
    fn leaf(self, name: &str) -> Node {
        Node::leaf(CSR, name, Scalar::Identity(ZT, self.identity().to_owned()))
    }
}

/// `csr-support`: what the client can do.
#[derive(Debug, Clone, PartialEq)]
pub struct CsrSupport {
    /// `key-generation` (presence): the DER AlgorithmIdentifiers the client can generate keys for.
    pub key_generation: Option<Vec<Vec<u8>>>,
    /// `csr-generation/supported-formats` (min-elements 1).
    pub supported_formats: Vec<CsrFormat>,
}

/// A certificate signing request in one of the three formats (DER).
#[derive(Debug, Clone, PartialEq)]
pub enum Csr {
    /// `p10-csr`.
    P10(Vec<u8>),
    /// `cmc-csr`.
    Cmc(Vec<u8>),
    /// `cmp-csr`.
    Cmp(Vec<u8>),
}

/// The RFC 9646 `msg-type` choice in get-bootstrapping-data input.
#[derive(Debug, Clone, PartialEq)]
pub enum MsgType {
    /// The client says what it supports.
    CsrSupport(CsrSupport),
    /// The client sends a CSR.
    Csr(Csr),
}

/// `csr-request`: the server's request for a CSR, carried in RESTCONF `error-info`.
#[derive(Debug, Clone, PartialEq)]
pub struct CsrRequest {
    /// `key-generation/selected-algorithm/algorithm-identifier`: generate a new key of this algorithm.
    pub key_generation: Option<Vec<u8>>,
    /// `csr-generation/selected-format/format-identifier`.
    pub selected_format: CsrFormat,
    /// `cert-req-info`: a DER CertificationRequestInfo the client must use.
    pub cert_req_info: Option<Vec<u8>>,
}

fn format_of(c: &Cursor<'_>, node: &Node) -> Result<CsrFormat, DecodeError> {
    let (m, n) = c.identity_of(node, CSR)?;
    CsrFormat::from_identity(m, &n).ok_or_else(|| {
        DecodeError::new(c.child_path(node.module, &node.name), K::InvalidValue, format!("unknown CSR format {m}:{n}"))
    })
}

/// Reads the `msg-type` choice from a get-bootstrapping-data input cursor.
pub(crate) fn read_msg_type(c: &mut Cursor<'_>) -> Result<Option<MsgType>, DecodeError> {
    let present: Vec<&str> =
        ["csr-support", "p10-csr", "cmc-csr", "cmp-csr"].into_iter().filter(|n| c.has(CSR, n)).collect();
    if present.len() > 1 {
        return Err(DecodeError::new(
            c.child_path(CSR, present[1]),
            K::BadElement,
            format!("{} and {} are mutually exclusive (choice msg-type)", present[0], present[1]),
        ));
    }
    if let Some(mut s) = c.container_in(CSR, "csr-support")? {
        let key_generation = match s.container("key-generation")? {
            None => None,
            Some(mut kg) => {
                let mut sa = kg.container("supported-algorithms")?.ok_or_else(|| {
                    kg.error("supported-algorithms", K::MissingElement, "algorithm-identifier is required")
                })?;
                let algs = sa.binary_list("algorithm-identifier")?;
                if algs.is_empty() {
                    return Err(sa.error("algorithm-identifier", K::MissingElement, "at least one is required"));
                }
                sa.finish()?;
                kg.finish()?;
                Some(algs)
            }
        };
        let mut cg = s
            .container("csr-generation")?
            .ok_or_else(|| s.error("csr-generation", K::MissingElement, "supported-formats is required"))?;
        let mut sf = cg
            .container("supported-formats")?
            .ok_or_else(|| cg.error("supported-formats", K::MissingElement, "format-identifier is required"))?;
        let nodes = sf.multi_in(CSR, "format-identifier")?;
        let supported_formats = nodes.into_iter().map(|n| format_of(&sf, n)).collect::<Result<Vec<_>, _>>()?;
        if supported_formats.is_empty() {
            return Err(sf.error("format-identifier", K::MissingElement, "at least one is required"));
        }
        sf.finish()?;
        cg.finish()?;
        s.finish()?;
        return Ok(Some(MsgType::CsrSupport(CsrSupport { key_generation, supported_formats })));
    }
    if let Some(der) = c.binary_in(CSR, "p10-csr")? {
        return Ok(Some(MsgType::Csr(Csr::P10(der))));
    }
    if let Some(der) = c.binary_in(CSR, "cmc-csr")? {
        return Ok(Some(MsgType::Csr(Csr::Cmc(der))));
    }
    if let Some(der) = c.binary_in(CSR, "cmp-csr")? {
        return Ok(Some(MsgType::Csr(Csr::Cmp(der))));
    }
    Ok(None)
}

/// Appends the `msg-type` nodes to a get-bootstrapping-data input.
pub(crate) fn write_msg_type(out: &mut Vec<Node>, m: &MsgType) {
    match m {
        MsgType::CsrSupport(s) => {
            let mut v = Vec::new();
            if let Some(algs) = &s.key_generation {
                let ids = algs.iter().map(|a| build::binary(CSR, "algorithm-identifier", a).entry()).collect();
                v.push(Node::inner(CSR, "key-generation", vec![Node::inner(CSR, "supported-algorithms", ids)]));
            }
            let fmts = s.supported_formats.iter().map(|f| f.leaf("format-identifier").entry()).collect();
            v.push(Node::inner(CSR, "csr-generation", vec![Node::inner(CSR, "supported-formats", fmts)]));
            out.push(Node::inner(CSR, "csr-support", v));
        }
        MsgType::Csr(Csr::P10(d)) => out.push(build::binary(CSR, "p10-csr", d)),
        MsgType::Csr(Csr::Cmc(d)) => out.push(build::binary(CSR, "cmc-csr", d)),
        MsgType::Csr(Csr::Cmp(d)) => out.push(build::binary(CSR, "cmp-csr", d)),
    }
}

impl YangDocument for CsrRequest {
    fn from_tree(node: &Node) -> Result<Self, DecodeError> {
        let mut c = Cursor::root(node, CSR, "csr-request")?;
        let key_generation = match c.container("key-generation")? {
            None => None,
            Some(mut kg) => {
                let mut sa = kg
                    .container("selected-algorithm")?
                    .ok_or_else(|| kg.error("selected-algorithm", K::MissingElement, "mandatory node missing"))?;
                let alg = sa.req_binary("algorithm-identifier")?;
                sa.finish()?;
                kg.finish()?;
                Some(alg)
            }
        };
        let mut cg = c
            .container("csr-generation")?
            .ok_or_else(|| c.error("csr-generation", K::MissingElement, "mandatory node missing"))?;
        let mut sf = cg
            .container("selected-format")?
            .ok_or_else(|| cg.error("selected-format", K::MissingElement, "mandatory node missing"))?;
        let node = sf
            .single_in(CSR, "format-identifier")?
            .ok_or_else(|| sf.error("format-identifier", K::MissingElement, "mandatory node missing"))?;
        let selected_format = format_of(&sf, node)?;
        sf.finish()?;
        cg.finish()?;
        let cert_req_info = c.binary("cert-req-info")?;
        c.finish()?;
        Ok(CsrRequest { key_generation, selected_format, cert_req_info })
    }

    fn to_tree(&self) -> Node {
        let mut v = Vec::new();
        if let Some(a) = &self.key_generation {
            v.push(Node::inner(
                CSR,
                "key-generation",
                vec![Node::inner(CSR, "selected-algorithm", vec![build::binary(CSR, "algorithm-identifier", a)])],
            ));
        }
        v.push(Node::inner(
            CSR,
            "csr-generation",
            vec![Node::inner(CSR, "selected-format", vec![self.selected_format.leaf("format-identifier")])],
        ));
        build::opt_binary(&mut v, CSR, "cert-req-info", &self.cert_req_info);
        Node::inner(CSR, "csr-request", v)
    }
}
