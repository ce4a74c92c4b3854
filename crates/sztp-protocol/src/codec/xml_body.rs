//! XML request bodies (RFC 7950 §4.3; RFC 8040 §4.4–4.5 and action input; RFC 8072 YANG Patch)
//! turned into the RFC 7951 JSON a JSON client sends for the same data, with the schema
//! knowledge XML lacks ([`schema`]), and replies written back ([`xml_from_json`]). DTDs, mixed
//! content and unknown namespaces are refused.

mod parse;
mod schema;
#[cfg(test)]
mod tests;
mod write;

use crate::model::restconf_errors::ErrorTag;
use serde_json::{Map, Value};

use parse::{Document, Element, is_blank};
use schema::{Kind, SZTP_SERVER, Scalar, Schema, YANG_PATCH};
pub use write::xml_from_json;

/// The media type of a YANG Patch in XML (RFC 8072).
pub const PATCH_XML: &str = "application/yang-patch+xml";

/// The modules a request body may use.
const MODULES: [&Schema; 2] = [&SZTP_SERVER, &YANG_PATCH];

/// Why an XML body was refused; [`XmlBodyError::tag`] is its RFC 8040 error-tag, all of which
/// RFC 8040 §7 answers with 400.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum XmlBodyError {
    /// Not well-formed XML, or XML that no YANG data is encoded as (DTD, mixed content, …).
    #[error("the body is not acceptable XML: {0}")]
    Malformed(String),
    /// An element, namespace or attribute that our modules do not define there.
    #[error("{0}")]
    UnknownElement(String),
    /// A value the node's YANG type cannot have, or an element that is no such node.
    #[error("{0}")]
    InvalidValue(String),
}

impl XmlBodyError {
    /// The RFC 8040 §7 error-tag.
    pub fn tag(&self) -> ErrorTag {
        match self {
            XmlBodyError::Malformed(_) => ErrorTag::MalformedMessage,
            XmlBodyError::UnknownElement(_) => ErrorTag::UnknownElement,
            XmlBodyError::InvalidValue(_) => ErrorTag::InvalidValue,
        }
    }
}

/// The RFC 7951 JSON of an RFC 7950 XML request body of the `sztp-server` or `ietf-yang-patch`
/// module: exactly the value a JSON client sends for the same data.
pub fn json_from_xml(body: &[u8]) -> Result<Value, XmlBodyError> {
    convert(&parse::parse(body)?, &MODULES)
}

/// A schema node an element may be: its path in the module and its kind.
type Candidate = (&'static str, Kind);

/// Converts with the schemas of `modules`.
fn convert(doc: &Document, modules: &[&'static Schema]) -> Result<Value, XmlBodyError> {
    let mut members = Map::new();
    Converter { doc, modules }.top_level(&doc.root, "", &mut members)?;
    Ok(Value::Object(members))
}

struct Converter<'a> {
    doc: &'a Document,
    modules: &'a [&'static Schema],
}

impl Converter<'_> {
    /// Adds a top-level node (of the body, or of a YANG Patch `value`) to `members`: a data
    /// node of its module, or the `input` of one of the module's actions (RFC 8040 §3.6.1).
    fn top_level(&self, e: &Element, parent: &str, members: &mut Map<String, Value>) -> Result<(), XmlBodyError> {
        let path = format!("{parent}/{}", e.name);
        let Some(ns) = self.doc.namespace(e) else {
            let hint = format!("write xmlns=\"{}\"", SZTP_SERVER.namespace);
            return Err(XmlBodyError::UnknownElement(format!("{path}: no XML namespace; {hint}")));
        };
        let Some(schema) = self.modules.iter().find(|m| m.namespace == ns) else {
            return Err(XmlBodyError::UnknownElement(format!("{path}: unknown namespace \"{ns}\"")));
        };
        let name = e.name.as_str();
        let in_action = |p: &str| p.split('/').any(|step| step == "input");
        let candidates = schema
            .nodes
            .iter()
            .filter(|(p, _)| p.rsplit('/').next() == Some(name) && (name == "input") == in_action(p))
            .copied()
            .collect();
        let (kind, paths) = resolve(e, candidates, &path)?;
        let value = self.value(e, schema, kind, &paths, &path)?;
        insert(members, format!("{}:{name}", schema.module), kind, value, &path)
    }

    /// The JSON of one element (one entry, for a list or leaf-list) that is the node `kind`
    /// at `paths` of `schema`.
    fn value(
        &self,
        e: &Element,
        schema: &Schema,
        kind: Kind,
        paths: &[&'static str],
        path: &str,
    ) -> Result<Value, XmlBodyError> {
        match kind {
            Kind::Leaf(_) | Kind::LeafList(_) if !e.children.is_empty() => {
                Err(XmlBodyError::InvalidValue(format!("{path}: a leaf holds text, not elements")))
            }
            Kind::Leaf(scalar) | Kind::LeafList(scalar) => scalar_value(&e.text, scalar, path),
            Kind::Container | Kind::List | Kind::Anydata if !is_blank(&e.text) => {
                Err(XmlBodyError::InvalidValue(format!("{path}: holds elements, not text")))
            }
            Kind::Anydata => {
                let mut members = Map::new();
                for child in &e.children {
                    self.top_level(child, path, &mut members)?;
                }
                Ok(Value::Object(members))
            }
            Kind::Container | Kind::List => {
                let mut members = Map::new();
                for child in &e.children {
                    let child_path = format!("{path}/{}", child.name);
                    let ns = self.doc.namespace(child);
                    if ns != Some(schema.namespace) {
                        let ns = ns.unwrap_or("none");
                        let message = format!("{child_path}: namespace \"{ns}\" is not expected here");
                        return Err(XmlBodyError::UnknownElement(message));
                    }
                    let candidates = paths.iter().filter_map(|p| schema.node(&format!("{p}/{}", child.name))).collect();
                    let (kind, child_paths) = resolve(child, candidates, &child_path)?;
                    let value = self.value(child, schema, kind, &child_paths, &child_path)?;
                    insert(&mut members, child.name.clone(), kind, value, &child_path)?;
                }
                Ok(Value::Object(members))
            }
        }
    }
}

/// The kind of an element that may be any of `candidates`, and the candidates of that kind.
/// Where the name alone is ambiguous (a list and a leaf both called `owner-certificate`),
/// child elements mean an inner node and text a leaf.
fn resolve(e: &Element, mut candidates: Vec<Candidate>, path: &str) -> Result<(Kind, Vec<&'static str>), XmlBodyError> {
    let Some(&(_, first)) = candidates.first() else {
        return Err(XmlBodyError::UnknownElement(format!("{path}: unknown element")));
    };
    if candidates.iter().any(|(_, k)| *k != first) {
        let inner = !e.children.is_empty();
        candidates.retain(|(_, k)| matches!(k, Kind::Container | Kind::List | Kind::Anydata) == inner);
    }
    match candidates.first() {
        Some(&(_, kind)) if candidates.iter().all(|(_, k)| *k == kind) => {
            Ok((kind, candidates.into_iter().map(|(p, _)| p).collect()))
        }
        _ => Err(XmlBodyError::InvalidValue(format!("{path}: ambiguous as a top-level element; send its parent"))),
    }
}

/// Adds a member; list and leaf-list entries gather into one array wherever they stand.
fn insert(
    map: &mut Map<String, Value>,
    name: String,
    kind: Kind,
    value: Value,
    path: &str,
) -> Result<(), XmlBodyError> {
    if matches!(kind, Kind::List | Kind::LeafList(_)) {
        if let Value::Array(entries) = map.entry(name).or_insert_with(|| Value::Array(Vec::new())) {
            entries.push(value);
        }
        return Ok(());
    }
    if map.insert(name, value).is_some() {
        return Err(XmlBodyError::InvalidValue(format!("{path}: given twice, and it is not a list")));
    }
    Ok(())
}

/// A leaf's text as RFC 7951 writes it: numbers and booleans bare, `empty` as `[null]`.
fn scalar_value(text: &str, scalar: Scalar, path: &str) -> Result<Value, XmlBodyError> {
    let invalid = |what: &str| XmlBodyError::InvalidValue(format!("{path}: \"{text}\" is not {what}"));
    let lexical = text.trim_matches([' ', '\t', '\r', '\n']);
    match scalar {
        Scalar::Text => Ok(Value::String(text.to_owned())),
        Scalar::Number => {
            let digits = lexical.strip_prefix(['+', '-']).unwrap_or(lexical);
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return Err(invalid("an integer"));
            }
            let n: i64 = lexical.strip_prefix('+').unwrap_or(lexical).parse().map_err(|_| invalid("in range"))?;
            Ok(Value::from(n))
        }
        Scalar::Boolean => match lexical {
            "true" => Ok(Value::Bool(true)),
            "false" => Ok(Value::Bool(false)),
            _ => Err(invalid("true or false")),
        },
        Scalar::Empty if text.is_empty() => Ok(Value::Array(vec![Value::Null])),
        Scalar::Empty => Err(invalid("empty (the leaf is of type empty)")),
    }
}
