//! Typed entries of the operator API's lists (module `sztp-server`), read strictly from and
//! written to RFC 7951 JSON (an XML body is first read as that JSON by [`crate::codec::xml_body`]).
//! The server, `sztpctl` and the simulator's registration all speak these types.

pub mod admin;
pub mod artifact;
pub mod device;
pub mod device_type;
pub mod endpoint;
pub mod import;
pub mod keys;
pub mod preferences;
mod read;
pub mod response;
pub mod rules;
pub mod tenant;
pub mod trust;

use serde_json::{Map, Value};

use crate::codec::{DecodeError, encode_base64, encode_date_and_time};
pub use read::Fields;

/// The module's name, the RFC 7951 prefix of its top-level nodes.
pub const MODULE: &str = "sztp-server";

/// An entry of one list of the module.
pub trait ListEntry: Sized {
    /// The list's name (`device`), also the path every error of a read starts with.
    const LIST: &'static str;

    /// Reads one entry strictly (unknown members, wrong JSON types and bad values refused).
    fn read_entry(f: Fields<'_>) -> Result<Self, DecodeError>;
    /// The entry as RFC 7951 JSON.
    fn to_value(&self) -> Value;

    /// Reads one entry from its JSON object.
    fn from_value(v: &Value) -> Result<Self, DecodeError> {
        Self::read_entry(Fields::new(v, Self::LIST)?)
    }
    /// The document a POST or PUT of this one entry sends: `{"sztp-server:<list>": [entry]}`.
    fn document(&self) -> Value {
        let mut o = Map::new();
        o.insert(format!("{MODULE}:{}", Self::LIST), Value::Array(vec![self.to_value()]));
        Value::Object(o)
    }
    /// The entries of a reply (read leniently: members this reader does not know are skipped):
    /// the list member of `{"sztp-server:<list>": […]}` or of a
    /// container `{"sztp-server:<container>": {"<list>": […]}}`.
    fn from_reply(reply: &Value) -> Result<Vec<Self>, DecodeError> {
        let top = reply.as_object().and_then(|o| o.values().next());
        let list = match top {
            Some(Value::Array(items)) => items.as_slice(),
            Some(Value::Object(c)) => c.get(Self::LIST).and_then(Value::as_array).map_or(&[][..], Vec::as_slice),
            _ => return Err(DecodeError::new("/", crate::codec::DecodeErrorKind::Malformed, "not a list reply")),
        };
        list.iter().map(|v| Self::read_entry(Fields::lenient(v, Self::LIST)?)).collect()
    }
}

/// A YANG enumeration with its names.
pub trait YangEnum: Sized + Copy + 'static {
    /// Every name, in module order.
    const NAMES: &'static [&'static str];
    /// The YANG name.
    fn as_str(self) -> &'static str;
    /// The value of a YANG name.
    fn parse(name: &str) -> Option<Self>;
}

/// Declares a YANG enumeration: its variants with their names, and the default the module
/// gives it when it has one.
macro_rules! yang_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $text:literal,)* } $(default = $default:ident)?) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name { $($(#[$vdoc])* $variant,)* }
        impl $crate::model::northbound::YangEnum for $name {
            const NAMES: &'static [&'static str] = &[$($text,)*];
            fn as_str(self) -> &'static str { match self { $($name::$variant => $text,)* } }
            fn parse(name: &str) -> Option<Self> { match name { $($text => Some($name::$variant),)* _ => None } }
        }
        $(impl Default for $name { fn default() -> Self { $name::$default } })?
    };
}
pub(crate) use yang_enum;

/// Building one entry's JSON object leaf by leaf.
#[derive(Default)]
pub(crate) struct Out(Map<String, Value>);

impl Out {
    pub(crate) fn put(&mut self, name: &str, v: impl Into<Value>) -> &mut Self {
        self.0.insert(name.to_owned(), v.into());
        self
    }
    pub(crate) fn opt(&mut self, name: &str, v: Option<impl Into<Value>>) -> &mut Self {
        if let Some(v) = v {
            self.0.insert(name.to_owned(), v.into());
        }
        self
    }
    pub(crate) fn binary(&mut self, name: &str, v: &[u8]) -> &mut Self {
        self.put(name, encode_base64(v))
    }
    pub(crate) fn binaries(&mut self, name: &str, v: &[Vec<u8>]) -> &mut Self {
        self.put(name, v.iter().map(|b| Value::String(encode_base64(b))).collect::<Vec<_>>())
    }
    pub(crate) fn date_time(&mut self, name: &str, v: Option<time::OffsetDateTime>) -> &mut Self {
        self.opt(name, v.map(encode_date_and_time))
    }
    pub(crate) fn nonempty(&mut self, name: &str, v: Vec<Value>) -> &mut Self {
        if !v.is_empty() {
            self.0.insert(name.to_owned(), Value::Array(v));
        }
        self
    }
    pub(crate) fn done(&mut self) -> Value {
        Value::Object(std::mem::take(&mut self.0))
    }
}

#[cfg(test)]
mod tests;
