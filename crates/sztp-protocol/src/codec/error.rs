//! Decode errors that name the offending node and map to an RFC 8040 error-tag.

use std::fmt;

/// What is wrong with a node; each kind maps to one RFC 8040 §7 error-tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecodeErrorKind {
    /// Not well-formed JSON/XML, or the wrong JSON type for a node (`malformed-message`).
    Malformed,
    /// A node the schema does not have here (`unknown-element`).
    UnknownElement,
    /// A module prefix or XML namespace that is not known (`unknown-namespace`).
    UnknownNamespace,
    /// A mandatory node is absent (`missing-element`).
    MissingElement,
    /// A node present where the schema forbids it (e.g. both cases of a choice) (`bad-element`).
    BadElement,
    /// A value outside its type, range, length or pattern, or a failed `must` (`invalid-value`).
    InvalidValue,
    /// The document exceeds a size or depth limit (`too-big`).
    TooBig,
    /// Two list entries with one key (`data-exists`).
    DataExists,
}

impl DecodeErrorKind {
    /// The RFC 8040 `error-tag` for this kind.
    pub fn error_tag(self) -> &'static str {
        match self {
            DecodeErrorKind::Malformed => "malformed-message",
            DecodeErrorKind::UnknownElement => "unknown-element",
            DecodeErrorKind::UnknownNamespace => "unknown-namespace",
            DecodeErrorKind::MissingElement => "missing-element",
            DecodeErrorKind::BadElement => "bad-element",
            DecodeErrorKind::InvalidValue => "invalid-value",
            DecodeErrorKind::TooBig => "too-big",
            DecodeErrorKind::DataExists => "data-exists",
        }
    }
}

/// Input that is not valid YANG-modelled data; `path` names the node (instance-identifier style).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError {
    /// Path of the offending node, e.g. `/ietf-sztp-bootstrap-server:input/nonce`.
    pub path: String,
    /// Classification, for the RFC 8040 error-tag.
    pub kind: DecodeErrorKind,
    /// Human-readable reason.
    pub message: String,
}

impl DecodeError {
    /// Builds an error at `path`.
    pub fn new(path: impl Into<String>, kind: DecodeErrorKind, message: impl Into<String>) -> Self {
        DecodeError { path: path.into(), kind, message: message.into() }
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at {}", self.message, self.path)
    }
}

impl std::error::Error for DecodeError {}
