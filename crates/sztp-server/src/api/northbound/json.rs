//! Reading RFC 7951 JSON list entries strictly: every member must be known, values must have
//! the YANG type's JSON form, and errors name the node.

use base64::Engine;
use serde_json::{Map, Value};
use time::OffsetDateTime;

/// A bad input node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FieldError {
    /// The node (relative name).
    pub node: String,
    /// RFC 8040 error-tag.
    pub tag: &'static str,
    /// What is wrong.
    pub message: String,
}

impl FieldError {
    /// An invalid value.
    pub(crate) fn invalid(node: &str, message: impl Into<String>) -> Self {
        FieldError { node: node.to_owned(), tag: "invalid-value", message: message.into() }
    }
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.node, self.message)
    }
}

/// Merges `patch` into `target` (RFC 7396 style, as a RESTCONF plain PATCH on one entry):
/// objects merge member by member, `null` removes a member, anything else replaces.
pub(super) fn merge(target: &mut Value, patch: &Value) {
    match (target, patch) {
        (Value::Object(t), Value::Object(p)) => {
            for (k, v) in p {
                if v.is_null() {
                    t.remove(k);
                } else {
                    merge(t.entry(k.clone()).or_insert(Value::Null), v);
                }
            }
        }
        (t, p) => *t = p.clone(),
    }
}

/// Base64 of bytes (YANG `binary`).
pub(super) fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// `yang:date-and-time` of a time.
pub(super) fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}

/// The members of one JSON object, taken one by one; [`Fields::finish`] rejects leftovers.
pub(super) struct Fields<'a> {
    object: &'a Map<String, Value>,
    taken: Vec<&'static str>,
    context: &'static str,
}

impl<'a> Fields<'a> {
    /// Starts reading `v`, which must be an object.
    pub(super) fn new(v: &'a Value, context: &'static str) -> Result<Self, FieldError> {
        let object = v.as_object().ok_or_else(|| FieldError::invalid(context, "must be a JSON object"))?;
        Ok(Fields { object, taken: Vec::new(), context })
    }

    fn take(&mut self, name: &'static str) -> Option<&'a Value> {
        self.taken.push(name);
        self.object.get(name)
    }

    /// Any member's raw value.
    pub(super) fn value(&mut self, name: &'static str) -> Option<&'a Value> {
        self.take(name)
    }

    /// Skips a member (read-only state echoed back by a client).
    pub(super) fn ignore(&mut self, name: &'static str) {
        self.taken.push(name);
    }

    /// An optional string leaf.
    pub(super) fn string(&mut self, name: &'static str) -> Result<Option<String>, FieldError> {
        match self.take(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(FieldError::invalid(name, "must be a string")),
        }
    }

    /// A mandatory string leaf.
    pub(super) fn required_string(&mut self, name: &'static str) -> Result<String, FieldError> {
        self.string(name)?.filter(|s| !s.is_empty()).ok_or(FieldError {
            node: name.to_owned(),
            tag: "missing-element",
            message: "is mandatory".into(),
        })
    }

    /// An optional boolean leaf.
    pub(super) fn boolean(&mut self, name: &'static str) -> Result<Option<bool>, FieldError> {
        match self.take(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(FieldError::invalid(name, "must be true or false")),
        }
    }

    /// A leaf-list of strings.
    pub(super) fn string_list(&mut self, name: &'static str) -> Result<Vec<String>, FieldError> {
        match self.take(name) {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::Array(items)) => items
                .iter()
                .map(|i| {
                    i.as_str().map(str::to_owned).ok_or_else(|| FieldError::invalid(name, "entries must be strings"))
                })
                .collect(),
            Some(_) => Err(FieldError::invalid(name, "a leaf-list is a JSON array")),
        }
    }

    /// An optional `binary` leaf (base64).
    pub(super) fn binary(&mut self, name: &'static str) -> Result<Option<Vec<u8>>, FieldError> {
        match self.string(name)? {
            None => Ok(None),
            Some(s) => base64::engine::general_purpose::STANDARD
                .decode(s.trim())
                .map(Some)
                .map_err(|_| FieldError::invalid(name, "is not base64")),
        }
    }

    /// An optional nested object.
    pub(super) fn object(&mut self, name: &'static str) -> Result<Option<&'a Value>, FieldError> {
        match self.take(name) {
            None | Some(Value::Null) => Ok(None),
            Some(v @ Value::Object(_)) => Ok(Some(v)),
            Some(_) => Err(FieldError::invalid(name, "must be a JSON object")),
        }
    }

    /// An optional list (JSON array of objects).
    pub(super) fn list(&mut self, name: &'static str) -> Result<&'a [Value], FieldError> {
        match self.take(name) {
            None | Some(Value::Null) => Ok(&[]),
            Some(Value::Array(items)) => Ok(items),
            Some(_) => Err(FieldError::invalid(name, "a list is a JSON array")),
        }
    }

    /// Rejects members that were not read.
    pub(super) fn finish(self) -> Result<(), FieldError> {
        match self.object.keys().find(|k| !self.taken.contains(&k.as_str())) {
            Some(k) => Err(FieldError {
                node: format!("{}/{k}", self.context),
                tag: "unknown-element",
                message: "unknown node".into(),
            }),
            None => Ok(()),
        }
    }
}
