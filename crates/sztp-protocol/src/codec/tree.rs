//! The generic YANG data tree both encodings decode into and encode from.

/// One data node: a leaf (or leaf-list entry) with a scalar, or an inner node with children.
#[derive(Debug, Clone, PartialEq)]
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
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A leaf value.
    Leaf(Scalar),
    /// A container or list entry.
    Inner(Vec<Node>),
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
