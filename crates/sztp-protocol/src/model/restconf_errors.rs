//! RFC 8040 error bodies (`ietf-restconf:errors`, §3.6.3/§7), including RFC 9646 `csr-request`
//! carried in `error-info`, and the error-tag → HTTP status table of RFC 8040 §7.

use super::YangDocument;
use super::build;
use super::csr::{CSR, CsrRequest};
use crate::codec::tree::{Multi, Node, Scalar, Value};
use crate::codec::{Cursor, DecodeError, DecodeErrorKind as K};

const RC: &str = "ietf-restconf";

/// `error-type`: the layer where the error occurred.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorType {
    /// Transport layer.
    Transport,
    /// RPC layer.
    Rpc,
    /// Protocol layer.
    Protocol,
    /// Application layer.
    Application,
}

impl ErrorType {
    /// The YANG enumeration name.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorType::Transport => "transport",
            ErrorType::Rpc => "rpc",
            ErrorType::Protocol => "protocol",
            ErrorType::Application => "application",
        }
    }
    /// Parses the YANG enumeration name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "transport" => Some(ErrorType::Transport),
            "rpc" => Some(ErrorType::Rpc),
            "protocol" => Some(ErrorType::Protocol),
            "application" => Some(ErrorType::Application),
            _ => None,
        }
    }
}

macro_rules! error_tags {
    ($($variant:ident => $name:literal, $status:literal;)*) => {
        /// `error-tag` (RFC 6241 Appendix A as used by RFC 8040 §7); unknown tags are kept as text.
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum ErrorTag {
            $(#[doc = concat!("`", $name, "`")] $variant,)*
            /// A tag this table does not know.
            Other(String),
        }

        impl ErrorTag {
            /// The tag text.
            pub fn as_str(&self) -> &str {
                match self { $(ErrorTag::$variant => $name,)* ErrorTag::Other(s) => s }
            }
            /// Parses a tag; unknown text becomes [`ErrorTag::Other`].
            pub fn parse(s: &str) -> Self {
                match s { $($name => ErrorTag::$variant,)* other => ErrorTag::Other(other.to_owned()) }
            }
            /// The HTTP status RFC 8040 §7 gives first for this tag (500 for unknown tags).
            pub fn default_status(&self) -> u16 {
                match self { $(ErrorTag::$variant => $status,)* ErrorTag::Other(_) => 500 }
            }
        }
    };
}

error_tags! {
    InUse => "in-use", 409;
    InvalidValue => "invalid-value", 400;
    TooBig => "too-big", 413;
    MissingAttribute => "missing-attribute", 400;
    BadAttribute => "bad-attribute", 400;
    UnknownAttribute => "unknown-attribute", 400;
    MissingElement => "missing-element", 400;
    BadElement => "bad-element", 400;
    UnknownElement => "unknown-element", 400;
    UnknownNamespace => "unknown-namespace", 400;
    AccessDenied => "access-denied", 401;
    LockDenied => "lock-denied", 409;
    ResourceDenied => "resource-denied", 409;
    RollbackFailed => "rollback-failed", 500;
    DataExists => "data-exists", 409;
    DataMissing => "data-missing", 409;
    OperationNotSupported => "operation-not-supported", 405;
    OperationFailed => "operation-failed", 500;
    PartialOperation => "partial-operation", 500;
    MalformedMessage => "malformed-message", 400;
}

/// Content of `error-info` (anydata).
#[derive(Debug, Clone, PartialEq)]
pub enum ErrorInfo {
    /// RFC 9646: the server asks for a CSR.
    CsrRequest(CsrRequest),
    /// Any other content, kept as decoded nodes.
    Other(Vec<Node>),
}

/// One `error` entry.
#[derive(Debug, Clone, PartialEq)]
pub struct RestconfError {
    /// Layer (mandatory).
    pub error_type: ErrorType,
    /// Tag (mandatory).
    pub error_tag: ErrorTag,
    /// Application-specific tag.
    pub error_app_tag: Option<String>,
    /// Instance identifier of the offending node.
    pub error_path: Option<String>,
    /// Human-readable message.
    pub error_message: Option<String>,
    /// Extra content.
    pub error_info: Option<ErrorInfo>,
}

impl RestconfError {
    /// An error with just type, tag and message.
    pub fn new(error_type: ErrorType, error_tag: ErrorTag, message: impl Into<String>) -> Self {
        RestconfError {
            error_type,
            error_tag,
            error_app_tag: None,
            error_path: None,
            error_message: Some(message.into()),
            error_info: None,
        }
    }

    /// The RFC 8040 error for input that failed to decode; the message names the node.
    ///
    /// The path goes in `error-message`, not `error-path`: an instance-identifier must name an
    /// existing data instance, and RPC input nodes (or nodes of a rejected document) never exist
    /// as data, so validators such as yanglint refuse such an `error-path`.
    pub fn from_decode(e: &DecodeError) -> Self {
        RestconfError::new(ErrorType::Protocol, ErrorTag::parse(e.kind.error_tag()), e.to_string())
    }
}

/// `ietf-restconf:errors`: one or more errors.
#[derive(Debug, Clone, PartialEq)]
pub struct RestconfErrors {
    /// The `error` list.
    pub errors: Vec<RestconfError>,
}

impl From<RestconfError> for RestconfErrors {
    fn from(e: RestconfError) -> Self {
        RestconfErrors { errors: vec![e] }
    }
}

impl YangDocument for RestconfErrors {
    fn from_tree(node: &Node) -> Result<Self, DecodeError> {
        let mut c = Cursor::root(node, RC, "errors")?;
        let mut errors = Vec::new();
        for mut e in c.list("error")? {
            let error_type = e
                .enumeration("error-type", ErrorType::parse)?
                .ok_or_else(|| e.error("error-type", K::MissingElement, "mandatory node missing"))?;
            let error_tag = ErrorTag::parse(&e.req_string("error-tag")?);
            let error_app_tag = e.string("error-app-tag")?;
            let error_path = e.string("error-path")?;
            let error_message = e.string("error-message")?;
            let error_info = match e.single_in(RC, "error-info")? {
                None => None,
                Some(info) => Some(match &info.value {
                    Value::Inner(children) => match children.as_slice() {
                        [one] if one.module == CSR && one.name == "csr-request" => {
                            ErrorInfo::CsrRequest(CsrRequest::from_tree(one)?)
                        }
                        other => ErrorInfo::Other(other.to_vec()),
                    },
                    // XML writes anydata without children (JSON `{}`) as `<error-info></error-info>`.
                    Value::Leaf(Scalar::Text(t)) if info.multi == Multi::Unknown && t.trim().is_empty() => {
                        ErrorInfo::Other(Vec::new())
                    }
                    Value::Leaf(_) => {
                        return Err(e.error("error-info", K::Malformed, "error-info must be a container"));
                    }
                }),
            };
            e.finish()?;
            errors.push(RestconfError { error_type, error_tag, error_app_tag, error_path, error_message, error_info });
        }
        if errors.is_empty() {
            return Err(c.error("error", K::MissingElement, "at least one error is expected"));
        }
        c.finish()?;
        Ok(RestconfErrors { errors })
    }

    fn to_tree(&self) -> Node {
        let entries = self
            .errors
            .iter()
            .map(|e| {
                let mut v = vec![
                    build::string(RC, "error-type", e.error_type.as_str()),
                    build::string(RC, "error-tag", e.error_tag.as_str()),
                ];
                build::opt_string(&mut v, RC, "error-app-tag", &e.error_app_tag);
                build::opt_string(&mut v, RC, "error-path", &e.error_path);
                build::opt_string(&mut v, RC, "error-message", &e.error_message);
                match &e.error_info {
                    Some(ErrorInfo::CsrRequest(r)) => v.push(Node::inner(RC, "error-info", vec![r.to_tree()])),
                    Some(ErrorInfo::Other(nodes)) => v.push(Node::inner(RC, "error-info", nodes.clone())),
                    None => {}
                }
                Node::inner(RC, "error", v).entry()
            })
            .collect();
        Node::inner(RC, "errors", entries)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Fuzz regression (fuzz/regressions/yang_json/anydata-multiplicity.json): anydata error-info
    /// decoded from JSON changed value after an XML round trip, because XML cannot mark list
    /// entries and the tree compared that encoding hint.
    #[test]
    fn anydata_error_info_survives_xml_round_trip() {
        round_trip(include_bytes!("../../../../fuzz/regressions/yang_json/anydata-multiplicity.json"));
        // An empty JSON object in anydata comes back from XML as an empty leaf.
        round_trip(include_bytes!("../../../../fuzz/regressions/yang_json/anydata-empty-container.json"));
    }

    /// Fuzz regression (fuzz/regressions/yang_json/anydata-empty.json): an empty error-info
    /// (`{}`) re-encoded as XML was refused as "error-info must be a container".
    #[test]
    fn empty_error_info_survives_xml_round_trip() {
        round_trip(include_bytes!("../../../../fuzz/regressions/yang_json/anydata-empty.json"));
        let xml = "<errors xmlns=\"urn:ietf:params:xml:ns:yang:ietf-restconf\"><error><error-type>rpc</error-type>\
                   <error-tag>too-big</error-tag><error-info>\n  </error-info></error></errors>";
        let errors = RestconfErrors::from_xml(xml.as_bytes()).expect("blank error-info decodes");
        assert_eq!(errors.errors[0].error_info, Some(ErrorInfo::Other(Vec::new())));
        let leaf = r#"{"ietf-restconf:errors":{"error":[{"error-type":"rpc","error-tag":"too-big","error-info":""}]}}"#;
        assert!(RestconfErrors::from_json(leaf.as_bytes()).is_err(), "in JSON, anydata is an object");
    }

    fn round_trip(json: &[u8]) {
        let errors = RestconfErrors::from_json(json).expect("decodes");
        assert!(matches!(errors.errors[0].error_info, Some(ErrorInfo::Other(_))));
        let again = RestconfErrors::from_xml(&errors.to_xml()).expect("XML re-encoding decodes");
        assert_eq!(again, errors);
        let again = RestconfErrors::from_json(&errors.to_json()).expect("JSON re-encoding decodes");
        assert_eq!(again, errors);
        let written: serde_json::Value = serde_json::from_slice(&errors.to_json()).expect("JSON");
        assert_eq!(errors.to_json_value(), written, "the value is what the text says");
    }
}
