//! Strict reading of one RFC 7951 JSON entry: every member must be known, each value must have
//! its YANG type's JSON form, and every error names the node by its path in the entry.

use serde_json::{Map, Value};
use time::OffsetDateTime;

use super::YangEnum;
use crate::codec::{DecodeError, DecodeErrorKind as K, decode_base64, decode_date_and_time};

/// The members of one JSON object, taken one by one; [`Fields::finish`] rejects leftovers.
pub struct Fields<'a> {
    value: &'a Value,
    object: &'a Map<String, Value>,
    taken: Vec<&'static str>,
    path: String,
    /// Replies are read leniently: a newer server may send leaves this reader does not know.
    lenient: bool,
}

impl<'a> Fields<'a> {
    /// Starts reading `v` (at `path`), which must be an object.
    pub fn new(v: &'a Value, path: impl Into<String>) -> Result<Self, DecodeError> {
        let path = path.into();
        match v.as_object() {
            Some(object) => Ok(Fields { value: v, object, taken: Vec::new(), path, lenient: false }),
            None => Err(DecodeError::new(path, K::Malformed, "must be a JSON object")),
        }
    }

    /// Like [`Fields::new`], but unknown members are skipped, here and below (for replies).
    pub fn lenient(v: &'a Value, path: impl Into<String>) -> Result<Self, DecodeError> {
        Ok(Fields { lenient: true, ..Fields::new(v, path)? })
    }

    fn child(&self, v: &'a Value, path: String) -> Result<Fields<'a>, DecodeError> {
        Ok(Fields { lenient: self.lenient, ..Fields::new(v, path)? })
    }

    /// Whether this is a reply being read (state leaves are read, not skipped).
    pub fn is_reply(&self) -> bool {
        self.lenient
    }

    /// The path of member `name`.
    pub fn path_of(&self, name: &str) -> String {
        format!("{}/{name}", self.path)
    }

    /// An `invalid-value` error about member `name`.
    pub fn invalid(&self, name: &str, message: impl Into<String>) -> DecodeError {
        DecodeError::new(self.path_of(name), K::InvalidValue, message)
    }

    /// A `missing-element` error about member `name`.
    pub fn missing(&self, name: &str, message: impl Into<String>) -> DecodeError {
        DecodeError::new(self.path_of(name), K::MissingElement, message)
    }

    /// An error about this object itself.
    pub fn here(&self, kind: K, message: impl Into<String>) -> DecodeError {
        DecodeError::new(self.path.clone(), kind, message)
    }

    fn take(&mut self, name: &'static str) -> Option<&'a Value> {
        self.taken.push(name);
        self.object.get(name).filter(|v| !v.is_null())
    }

    /// Skips a member (read-only state a client echoes back).
    pub fn ignore(&mut self, name: &'static str) {
        self.taken.push(name);
    }

    /// An optional string leaf.
    pub fn string(&mut self, name: &'static str) -> Result<Option<String>, DecodeError> {
        match self.take(name) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(self.invalid(name, "must be a string")),
        }
    }

    /// A mandatory, non-empty string leaf.
    pub fn required_string(&mut self, name: &'static str) -> Result<String, DecodeError> {
        self.string(name)?.filter(|s| !s.is_empty()).ok_or_else(|| self.missing(name, "is mandatory"))
    }

    /// An optional boolean leaf.
    pub fn boolean(&mut self, name: &'static str) -> Result<Option<bool>, DecodeError> {
        match self.take(name) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(self.invalid(name, "must be true or false")),
        }
    }

    /// An optional unsigned integer leaf in `min..=max` (a JSON number, or a string for 64 bits).
    pub fn integer(&mut self, name: &'static str, (min, max): (u64, u64)) -> Result<Option<u64>, DecodeError> {
        let n = match self.take(name) {
            None => return Ok(None),
            Some(Value::Number(n)) => n.as_u64(),
            Some(Value::String(s)) if max > u64::from(u32::MAX) => s.parse().ok(),
            Some(_) => None,
        };
        match n.filter(|n| (min..=max).contains(n)) {
            Some(n) => Ok(Some(n)),
            None => Err(self.invalid(name, format!("must be an integer from {min} to {max}"))),
        }
    }

    /// An optional enumeration leaf.
    pub fn enumeration<T: YangEnum>(&mut self, name: &'static str) -> Result<Option<T>, DecodeError> {
        match self.string(name)? {
            None => Ok(None),
            Some(s) => match T::parse(&s) {
                Some(v) => Ok(Some(v)),
                None => Err(self.invalid(name, format!("\"{s}\" is not one of {}", T::NAMES.join(", ")))),
            },
        }
    }

    /// A leaf-list of strings.
    pub fn string_list(&mut self, name: &'static str) -> Result<Vec<String>, DecodeError> {
        match self.take(name) {
            None => Ok(Vec::new()),
            Some(Value::Array(items)) => items
                .iter()
                .map(|i| i.as_str().map(str::to_owned).ok_or_else(|| self.invalid(name, "entries must be strings")))
                .collect(),
            Some(_) => Err(self.invalid(name, "a leaf-list is a JSON array")),
        }
    }

    /// An optional `binary` leaf (base64).
    pub fn binary(&mut self, name: &'static str) -> Result<Option<Vec<u8>>, DecodeError> {
        match self.string(name)? {
            None => Ok(None),
            Some(s) => decode_base64(&s).map(Some).ok_or_else(|| self.invalid(name, "is not base64")),
        }
    }

    /// A leaf-list of `binary` (base64) values.
    pub fn binary_list(&mut self, name: &'static str) -> Result<Vec<Vec<u8>>, DecodeError> {
        let texts = self.string_list(name)?;
        texts
            .iter()
            .enumerate()
            .map(|(i, t)| decode_base64(t).ok_or_else(|| self.invalid(name, format!("entry {} is not base64", i + 1))))
            .collect()
    }

    /// An optional `yang:date-and-time` leaf.
    pub fn date_time(&mut self, name: &'static str) -> Result<Option<OffsetDateTime>, DecodeError> {
        match self.string(name)? {
            None => Ok(None),
            Some(s) => decode_date_and_time(&s).map(Some).ok_or_else(|| self.invalid(name, "is not a date-and-time")),
        }
    }

    /// An optional container, read by `read` at its path.
    pub fn container<T>(
        &mut self,
        name: &'static str,
        read: impl FnOnce(Fields<'a>) -> Result<T, DecodeError>,
    ) -> Result<Option<T>, DecodeError> {
        match self.take(name) {
            None => Ok(None),
            Some(v) => read(self.child(v, self.path_of(name))?).map(Some),
        }
    }

    /// A list (a JSON array of objects), each entry read by `read` at its path.
    pub fn list<T>(
        &mut self,
        name: &'static str,
        mut read: impl FnMut(Fields<'a>) -> Result<T, DecodeError>,
    ) -> Result<Vec<T>, DecodeError> {
        match self.take(name) {
            None => Ok(Vec::new()),
            Some(Value::Array(items)) => items
                .iter()
                .enumerate()
                .map(|(i, item)| read(self.child(item, format!("{}[{}]", self.path_of(name), i + 1))?))
                .collect(),
            Some(_) => Err(self.invalid(name, "a list is a JSON array")),
        }
    }

    /// A member of any content (anydata), unread.
    pub fn raw_member(&mut self, name: &'static str) -> Option<Value> {
        self.take(name).cloned()
    }

    /// The object itself, unread (its entries are read later, one by one).
    pub fn raw(self) -> &'a Value {
        self.value
    }

    /// Ends reading: a member nobody asked for is an unknown element.
    pub fn finish(self) -> Result<(), DecodeError> {
        if self.lenient {
            return Ok(());
        }
        match self.object.keys().find(|k| !self.taken.contains(&k.as_str())) {
            Some(k) => Err(DecodeError::new(self.path_of(k), K::UnknownElement, "unknown node")),
            None => Ok(()),
        }
    }
}
