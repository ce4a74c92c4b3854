//! RFC 7951 JSON ⇄ tree. Member names carry a module prefix at the top and wherever the module
//! changes; arrays are lists/leaf-lists; `[null]` is the `empty` type. Duplicate members are refused.

use std::cell::RefCell;
use std::collections::HashSet;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

use super::tree::{Multi, Node, Scalar, Value};
use super::values::is_yang_identifier;
use super::{DecodeError, DecodeErrorKind as K, MAX_DEPTH, module_by_name};

/// Parses a JSON document whose top level is one module-qualified member.
pub(super) fn decode(bytes: &[u8]) -> Result<Node, DecodeError> {
    let ctx = Ctx { error: RefCell::new(None) };
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let parsed = TopSeed { ctx: &ctx }.deserialize(&mut de).and_then(|n| de.end().map(|()| n));
    match parsed {
        Ok(node) => Ok(node),
        Err(e) => Err(ctx
            .error
            .borrow_mut()
            .take()
            .unwrap_or_else(|| DecodeError::new("/", K::Malformed, format!("invalid JSON: {e}")))),
    }
}

struct Ctx {
    error: RefCell<Option<DecodeError>>,
}

impl Ctx {
    fn fail<E: de::Error>(&self, path: &str, kind: K, message: impl Into<String>) -> E {
        let err = DecodeError::new(path, kind, message);
        let text = err.to_string();
        self.error.borrow_mut().get_or_insert(err);
        E::custom(text)
    }
}

struct TopSeed<'c> {
    ctx: &'c Ctx,
}

impl<'de> DeserializeSeed<'de> for TopSeed<'_> {
    type Value = Node;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Node, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for TopSeed<'_> {
    type Value = Node;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object with one module-qualified member")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let Some(key) = map.next_key::<String>()? else {
            return Err(self.ctx.fail("/", K::Malformed, "empty document"));
        };
        let Some((prefix, name)) = key.split_once(':') else {
            return Err(self.ctx.fail(&format!("/{key}"), K::Malformed, "top-level member must be module-qualified"));
        };
        let path = format!("/{key}");
        if !is_yang_identifier(name) {
            return Err(self.ctx.fail(&path, K::Malformed, "member name is not a YANG identifier"));
        }
        let module = module_by_name(prefix).ok_or_else(|| {
            self.ctx.fail::<A::Error>(&path, K::UnknownNamespace, format!("unknown module \"{prefix}\""))
        })?;
        let seed =
            MemberSeed { ctx: self.ctx, module: module.name, name: name.to_owned(), path: path.clone(), depth: 1 };
        let mut nodes = map.next_value_seed(seed)?;
        if map.next_key::<String>()?.is_some() {
            return Err(self.ctx.fail("/", K::Malformed, "document must have exactly one top-level member"));
        }
        match (nodes.pop(), nodes.is_empty()) {
            (Some(node), true) if node.multi == Multi::Single => Ok(node),
            _ => Err(self.ctx.fail(&path, K::Malformed, "top-level member must be an object")),
        }
    }
}

/// One member's value; arrays expand into several nodes.
struct MemberSeed<'c> {
    ctx: &'c Ctx,
    module: &'static str,
    name: String,
    path: String,
    depth: usize,
}

impl MemberSeed<'_> {
    fn leaf(&self, s: Scalar) -> Vec<Node> {
        vec![Node { module: self.module, name: self.name.clone(), value: Value::Leaf(s), multi: Multi::Single }]
    }
}

impl<'de> DeserializeSeed<'de> for MemberSeed<'_> {
    type Value = Vec<Node>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Vec<Node>, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for MemberSeed<'_> {
    type Value = Vec<Node>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Vec<Node>, E> {
        Ok(self.leaf(Scalar::Text(v.to_owned())))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Vec<Node>, E> {
        Ok(self.leaf(Scalar::Text(v)))
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Vec<Node>, E> {
        Ok(self.leaf(Scalar::Bool(v)))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Vec<Node>, E> {
        Ok(self.leaf(Scalar::Number(v.to_string())))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Vec<Node>, E> {
        Ok(self.leaf(Scalar::Number(v.to_string())))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Vec<Node>, E> {
        Ok(self.leaf(Scalar::Number(v.to_string())))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Vec<Node>, E> {
        Err(self.ctx.fail(&self.path, K::Malformed, "bare null is not a YANG value (type empty is [null])"))
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Vec<Node>, A::Error> {
        let children = read_children(self.ctx, self.module, &self.path, self.depth, map)?;
        Ok(vec![Node { module: self.module, name: self.name, value: Value::Inner(children), multi: Multi::Single }])
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<Node>, A::Error> {
        let mut out = Vec::new();
        let mut saw_null = false;
        while let Some(el) = seq.next_element_seed(ElementSeed { member: &self })? {
            match el {
                None if out.is_empty() && !saw_null => saw_null = true,
                None => return Err(self.ctx.fail(&self.path, K::Malformed, "null is only valid as [null]")),
                Some(_) if saw_null => {
                    return Err(self.ctx.fail(&self.path, K::Malformed, "null is only valid as [null]"));
                }
                Some(v) => {
                    out.push(Node { module: self.module, name: self.name.clone(), value: v, multi: Multi::Entry })
                }
            }
        }
        if saw_null {
            return Ok(self.leaf(Scalar::Empty));
        }
        Ok(out)
    }
}

/// One array element: `None` for null, a scalar leaf-list entry, or a list entry object.
struct ElementSeed<'m, 'c> {
    member: &'m MemberSeed<'c>,
}

impl<'de> DeserializeSeed<'de> for ElementSeed<'_, '_> {
    type Value = Option<Value>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Option<Value>, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ElementSeed<'_, '_> {
    type Value = Option<Value>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array element")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Option<Value>, E> {
        Ok(Some(Value::Leaf(Scalar::Text(v.to_owned()))))
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Option<Value>, E> {
        Ok(Some(Value::Leaf(Scalar::Bool(v))))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Option<Value>, E> {
        Ok(Some(Value::Leaf(Scalar::Number(v.to_string()))))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Option<Value>, E> {
        Ok(Some(Value::Leaf(Scalar::Number(v.to_string()))))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Option<Value>, E> {
        Ok(Some(Value::Leaf(Scalar::Number(v.to_string()))))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Option<Value>, E> {
        Ok(None)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, _seq: A) -> Result<Option<Value>, A::Error> {
        Err(self.member.ctx.fail(&self.member.path, K::Malformed, "nested arrays are not YANG data"))
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Option<Value>, A::Error> {
        let m = self.member;
        let children = read_children(m.ctx, m.module, &m.path, m.depth, map)?;
        Ok(Some(Value::Inner(children)))
    }
}

fn read_children<'de, A: MapAccess<'de>>(
    ctx: &Ctx,
    parent_module: &'static str,
    path: &str,
    depth: usize,
    mut map: A,
) -> Result<Vec<Node>, A::Error> {
    if depth >= MAX_DEPTH {
        return Err(ctx.fail(path, K::TooBig, "nesting too deep"));
    }
    let mut seen = HashSet::new();
    let mut children = Vec::new();
    while let Some(key) = map.next_key::<String>()? {
        let child_path = format!("{path}/{key}");
        let (module, name) = match key.split_once(':') {
            Some((prefix, name)) => {
                let m = module_by_name(prefix).ok_or_else(|| {
                    ctx.fail::<A::Error>(&child_path, K::UnknownNamespace, format!("unknown module \"{prefix}\""))
                })?;
                (m.name, name.to_owned())
            }
            None => (parent_module, key.clone()),
        };
        if !is_yang_identifier(&name) {
            return Err(ctx.fail(&child_path, K::Malformed, "member name is not a YANG identifier"));
        }
        if !seen.insert((module, name.clone())) {
            return Err(ctx.fail(&child_path, K::Malformed, "duplicate member"));
        }
        let seed = MemberSeed { ctx, module, name, path: child_path, depth: depth + 1 };
        children.extend(map.next_value_seed(seed)?);
    }
    Ok(children)
}

/// Writes a tree as compact RFC 7951 JSON.
pub(super) fn encode(node: &Node) -> Vec<u8> {
    let mut out = String::with_capacity(256);
    out.push('{');
    write_member(&mut out, None, &[node]);
    out.push('}');
    out.into_bytes()
}

fn write_member(out: &mut String, parent: Option<&str>, group: &[&Node]) {
    let first = group[0];
    let key =
        if parent == Some(first.module) { first.name.clone() } else { format!("{}:{}", first.module, first.name) };
    push_json_string(out, &key);
    out.push(':');
    if first.multi == Multi::Entry {
        out.push('[');
        for (i, n) in group.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            write_value(out, n);
        }
        out.push(']');
    } else {
        write_value(out, first);
    }
}

fn write_value(out: &mut String, node: &Node) {
    match &node.value {
        Value::Leaf(s) => match s {
            Scalar::Text(t) | Scalar::Qualified { text: t, .. } => push_json_string(out, t),
            Scalar::Number(n) => out.push_str(n),
            Scalar::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Scalar::Empty => out.push_str("[null]"),
            Scalar::Identity(m, n) => push_json_string(out, &format!("{m}:{n}")),
        },
        Value::Inner(children) => {
            out.push('{');
            for (i, group) in members(children).iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_member(out, Some(node.module), group);
            }
            out.push('}');
        }
    }
}

/// The JSON members of an inner node's children, in order: entries of one list are one member
/// (one array) wherever they sit, any other node is a member of its own.
fn members(children: &[Node]) -> Vec<Vec<&Node>> {
    let mut done = vec![false; children.len()];
    let mut out = Vec::new();
    for (i, c) in children.iter().enumerate() {
        if done[i] {
            continue;
        }
        let group: Vec<&Node> = children
            .iter()
            .enumerate()
            .filter(|(j, o)| o.module == c.module && o.name == c.name && (*j == i || c.multi == Multi::Entry))
            .map(|(j, o)| {
                done[j] = true;
                o
            })
            .collect();
        out.push(group);
    }
    out
}

/// The same tree as a JSON value, grouped and named exactly as [`encode`] writes it.
pub(super) fn to_value(node: &Node) -> serde_json::Value {
    let mut top = serde_json::Map::new();
    value_member(&mut top, None, &[node]);
    serde_json::Value::Object(top)
}

fn value_member(out: &mut serde_json::Map<String, serde_json::Value>, parent: Option<&str>, group: &[&Node]) {
    let first = group[0];
    let key =
        if parent == Some(first.module) { first.name.clone() } else { format!("{}:{}", first.module, first.name) };
    let value = if first.multi == Multi::Entry {
        serde_json::Value::Array(group.iter().map(|n| value_of(n)).collect())
    } else {
        value_of(first)
    };
    out.insert(key, value);
}

fn value_of(node: &Node) -> serde_json::Value {
    use serde_json::Value as J;
    match &node.value {
        Value::Leaf(s) => match s {
            Scalar::Text(t) | Scalar::Qualified { text: t, .. } => J::String(t.clone()),
            Scalar::Number(n) => n.parse::<serde_json::Number>().map_or_else(|_| J::String(n.clone()), J::Number),
            Scalar::Bool(b) => J::Bool(*b),
            Scalar::Empty => J::Array(vec![J::Null]),
            Scalar::Identity(m, n) => J::String(format!("{m}:{n}")),
        },
        Value::Inner(children) => {
            let mut out = serde_json::Map::new();
            for group in members(children) {
                value_member(&mut out, Some(node.module), &group);
            }
            J::Object(out)
        }
    }
}

fn push_json_string(out: &mut String, s: &str) {
    // serde_json's escaping of a &str cannot fail.
    out.push_str(&serde_json::to_string(s).unwrap_or_else(|_| String::from("\"\"")));
}

#[cfg(test)]
mod identifier_tests {
    use crate::codec::{DecodeErrorKind, Encoding, decode_document};

    /// Fuzz regression (fuzz/regressions/yang_json/colon-in-member-name.json): a member named
    /// `m:a:b` was accepted with local name `a:b`, which the XML writer turned into a prefixed name.
    #[test]
    fn member_names_must_be_yang_identifiers() {
        let json = include_bytes!("../../../../fuzz/regressions/yang_json/colon-in-member-name.json");
        let err = decode_document(Encoding::Json, json).expect_err("refused");
        assert_eq!(err.kind, DecodeErrorKind::Malformed);
        for bad in [r#"{"ietf-restconf:errors":{"a b":1}}"#, r#"{"ietf-restconf:9errors":{}}"#] {
            assert!(decode_document(Encoding::Json, bad.as_bytes()).is_err(), "{bad}");
        }
    }
}
