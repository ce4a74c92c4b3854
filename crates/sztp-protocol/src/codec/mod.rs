//! RFC 7951 JSON and RFC 7950 XML encodings of YANG data, through one generic tree.
//! Both encodings decode into [`tree::Node`]s; the typed models validate the tree in one place, so
//! JSON and XML input obey exactly the same YANG constraints and report the same node paths.

mod cursor;
mod error;
mod json;
mod modules;
pub mod tree;
mod values;
mod xml;
pub mod xml_body;

pub(crate) use cursor::Cursor;
pub use error::{DecodeError, DecodeErrorKind};
pub use modules::{Module, module_by_name, module_by_namespace};
pub(crate) use values::*;

/// The two RESTCONF encodings (RFC 8040 §5.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Encoding {
    /// `application/yang-data+json` (RFC 7951).
    Json,
    /// `application/yang-data+xml` (RFC 7950 §4.3).
    Xml,
}

impl Encoding {
    /// The RESTCONF media type of this encoding.
    pub fn media_type(self) -> &'static str {
        match self {
            Encoding::Json => "application/yang-data+json",
            Encoding::Xml => "application/yang-data+xml",
        }
    }
}

/// Largest document either decoder accepts; bigger input is refused before parsing.
pub const MAX_DOCUMENT_BYTES: usize = 16 * 1024 * 1024;
/// Deepest nesting either decoder accepts (the SZTP models are at most 8 levels deep).
pub const MAX_DEPTH: usize = 32;

/// Decodes a document in `encoding` into its single top-level node.
pub fn decode_document(encoding: Encoding, bytes: &[u8]) -> Result<tree::Node, DecodeError> {
    if bytes.len() > MAX_DOCUMENT_BYTES {
        return Err(DecodeError::new("/", DecodeErrorKind::TooBig, "document too large"));
    }
    match encoding {
        Encoding::Json => json::decode(bytes),
        Encoding::Xml => xml::decode(bytes),
    }
}

/// A top-level node as the RFC 7951 JSON value [`encode_document`] would write, without
/// writing it (for a document that travels on as a value).
pub fn json_value(node: &tree::Node) -> serde_json::Value {
    json::to_value(node)
}

/// Encodes a top-level node in `encoding`.
pub fn encode_document(encoding: Encoding, node: &tree::Node) -> Vec<u8> {
    match encoding {
        Encoding::Json => json::encode(node),
        Encoding::Xml => xml::encode(node),
    }
}
