//! The generic YANG data tree both encodings decode into and encode from.

/// One data node: a leaf (or leaf-list entry) with a scalar, or an inner node with children.
///
/// Equality compares module, name and value only: `multi` is a hint of the source encoding
/// (XML cannot mark list entries), not part of the data.
#[derive(Debug, Clone)]
pub struct Node {
    /// Module the node belongs to (its JSON prefix / XML namespace).
    pub module: &'static str,
    /// Local name.
    pub name: String,
    /// Leaf value or children.
    pub value: Value,
    /// Whether this node is an entry of a list or leaf-list (a JSON array member).
    pub multi: Multi,
}

impl PartialEq for Node {
    fn eq(&self, other: &Self) -> bool {
        self.module == other.module && self.name == other.name && self.value == other.value
    }
}

/// Multiplicity as the source encoding told it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Multi {
    /// A JSON array member, or a list/leaf-list entry built for encoding.
    Entry,
    /// A JSON non-array member, or a single node built for encoding.
    Single,
    /// XML, which does not mark list entries.
    Unknown,
}

/// The content of a node.
///
/// Equality is modulo what the encodings cannot tell apart in schema-less (anydata) content:
/// scalars compare by their lexical form (`1` and `"1"`, `[null]` and `""`), and an empty
/// inner node equals an empty leaf (XML writes both as `<x/>`).
#[derive(Debug, Clone)]
pub enum Value {
    /// A leaf value.
    Leaf(Scalar),
    /// A container or list entry.
    Inner(Vec<Node>),
}

impl Value {
    fn lexical(&self) -> Option<std::borrow::Cow<'_, str>> {
        use std::borrow::Cow;
        match self {
            Value::Inner(children) if children.is_empty() => Some(Cow::Borrowed("")),
            Value::Inner(_) => None,
            Value::Leaf(Scalar::Text(t) | Scalar::Number(t)) => Some(Cow::Borrowed(t)),
            Value::Leaf(Scalar::Bool(b)) => Some(Cow::Borrowed(if *b { "true" } else { "false" })),
            Value::Leaf(Scalar::Empty) => Some(Cow::Borrowed("")),
            Value::Leaf(Scalar::Identity(m, n) | Scalar::Qualified { identity: (m, n), .. }) => {
                Some(Cow::Owned(format!("{m}:{n}")))
            }
        }
    }
}

impl PartialEq for Value {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Value::Inner(a), Value::Inner(b)) => a == b,
            _ => match (self.lexical(), other.lexical()) {
                (Some(a), Some(b)) => a == b,
                _ => false,
            },
        }
    }
}

/// A leaf value as encoded.
#[derive(Debug, Clone, PartialEq)]
pub enum Scalar {
    /// JSON string or XML text.
    Text(String),
    /// A JSON number, kept as its literal.
    Number(String),
    /// A JSON boolean.
    Bool(bool),
    /// JSON `[null]` (YANG type `empty`).
    Empty,
    /// An identityref value (module, identity) built for encoding.
    Identity(&'static str, String),
    /// XML text of the form `prefix:name` whose prefix resolved to a known module (for identityrefs).
    Qualified {
        /// The text as written.
        text: String,
        /// The module the prefix is bound to, and the local part.
        identity: (&'static str, String),
    },
}

impl Node {
    /// A leaf built for encoding.
    pub fn leaf(module: &'static str, name: &str, value: Scalar) -> Node {
        Node { module, name: name.to_owned(), value: Value::Leaf(value), multi: Multi::Single }
    }

    /// An inner node built for encoding.
    pub fn inner(module: &'static str, name: &str, children: Vec<Node>) -> Node {
        Node { module, name: name.to_owned(), value: Value::Inner(children), multi: Multi::Single }
    }

    /// Marks this node as a list or leaf-list entry.
    pub fn entry(mut self) -> Node {
        self.multi = Multi::Entry;
        self
    }
}
