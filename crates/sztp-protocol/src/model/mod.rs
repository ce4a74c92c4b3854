//! Typed models of the SZTP YANG modules, each with JSON and XML encode/decode via [`crate::codec`].

pub mod bootstrap_rpc;
pub mod conveyed_info;
pub mod csr;
pub mod northbound;
pub mod progress;
pub mod restconf_errors;
pub mod voucher;
pub mod yang_patch;

use crate::codec::tree::Node;
use crate::codec::{DecodeError, Encoding, decode_document, encode_document};

/// A YANG-modelled document with one top-level node, encodable as RFC 7951 JSON or XML.
pub trait YangDocument: Sized {
    /// Reads and validates the typed value from a decoded tree.
    fn from_tree(node: &Node) -> Result<Self, DecodeError>;
    /// Builds the tree to encode.
    fn to_tree(&self) -> Node;

    /// Decodes and validates `bytes` in `encoding`.
    fn decode(encoding: Encoding, bytes: &[u8]) -> Result<Self, DecodeError> {
        Self::from_tree(&decode_document(encoding, bytes)?)
    }
    /// Encodes in `encoding`.
    fn encode(&self, encoding: Encoding) -> Vec<u8> {
        encode_document(encoding, &self.to_tree())
    }
    /// The RFC 7951 JSON value, as [`YangDocument::to_json`] would write it.
    fn to_json_value(&self) -> serde_json::Value {
        crate::codec::json_value(&self.to_tree())
    }
    /// Decodes RFC 7951 JSON.
    fn from_json(bytes: &[u8]) -> Result<Self, DecodeError> {
        Self::decode(Encoding::Json, bytes)
    }
    /// Encodes RFC 7951 JSON.
    fn to_json(&self) -> Vec<u8> {
        self.encode(Encoding::Json)
    }
    /// Decodes XML.
    fn from_xml(bytes: &[u8]) -> Result<Self, DecodeError> {
        Self::decode(Encoding::Xml, bytes)
    }
    /// Encodes XML.
    fn to_xml(&self) -> Vec<u8> {
        self.encode(Encoding::Xml)
    }
}

/// Small helpers for building trees.
pub(crate) mod build {
    use crate::codec::tree::{Node, Scalar};
    use crate::codec::{encode_base64, encode_date_and_time};

    /// Pushes an optional string leaf.
    pub(crate) fn opt_string(out: &mut Vec<Node>, module: &'static str, name: &str, v: &Option<String>) {
        if let Some(v) = v {
            out.push(Node::leaf(module, name, Scalar::Text(v.clone())));
        }
    }
    /// Pushes an optional binary leaf.
    pub(crate) fn opt_binary(out: &mut Vec<Node>, module: &'static str, name: &str, v: &Option<Vec<u8>>) {
        if let Some(v) = v {
            out.push(binary(module, name, v));
        }
    }
    /// A binary leaf.
    pub(crate) fn binary(module: &'static str, name: &str, v: &[u8]) -> Node {
        Node::leaf(module, name, Scalar::Text(encode_base64(v)))
    }
    /// A date-and-time leaf.
    pub(crate) fn date_time(module: &'static str, name: &str, v: time::OffsetDateTime) -> Node {
        Node::leaf(module, name, Scalar::Text(encode_date_and_time(v)))
    }
    /// A string leaf.
    pub(crate) fn string(module: &'static str, name: &str, v: &str) -> Node {
        Node::leaf(module, name, Scalar::Text(v.to_owned()))
    }
}
