//! Schema-directed reading of a decoded tree: each typed model walks its nodes through a `Cursor`,
//! which checks JSON types, multiplicity and unknown children, and names the path in every error.

use super::tree::{Multi, Node, Scalar, Value};
use super::values::{decode_base64, decode_hex_string};
use super::{DecodeError, DecodeErrorKind as K};

/// Reads the children of one inner node; `finish` rejects children nobody asked for.
pub(crate) struct Cursor<'a> {
    path: String,
    module: &'static str,
    children: &'a [Node],
    used: Vec<bool>,
}

impl<'a> Cursor<'a> {
    /// Opens the top-level node, which must be `module:name` and an inner node.
    pub(crate) fn root(node: &'a Node, module: &'static str, name: &str) -> Result<Self, DecodeError> {
        let path = format!("/{}:{}", node.module, node.name);
        if node.module != module || node.name != name {
            return Err(DecodeError::new(path, K::UnknownElement, format!("expected top-level node {module}:{name}")));
        }
        Self::inner_of(node, path, module)
    }

    fn inner_of(node: &'a Node, path: String, module: &'static str) -> Result<Self, DecodeError> {
        match &node.value {
            Value::Inner(children) => Ok(Cursor { path, module, children, used: vec![false; children.len()] }),
            // In XML an empty container and an empty leaf look alike.
            Value::Leaf(Scalar::Text(t)) if node.multi == Multi::Unknown && t.trim().is_empty() => {
                Ok(Cursor { path, module, children: &[], used: Vec::new() })
            }
            Value::Leaf(_) => Err(DecodeError::new(path, K::Malformed, "expected a container, found a value")),
        }
    }

    /// The path a child `name` of `module` would have.
    pub(crate) fn child_path(&self, module: &str, name: &str) -> String {
        if module == self.module { format!("{}/{name}", self.path) } else { format!("{}/{module}:{name}", self.path) }
    }

    /// An error about child `name` (of this node's module).
    pub(crate) fn error(&self, name: &str, kind: K, message: impl Into<String>) -> DecodeError {
        DecodeError::new(self.child_path(self.module, name), kind, message)
    }

    /// An error about this node itself.
    pub(crate) fn error_here(&self, kind: K, message: impl Into<String>) -> DecodeError {
        DecodeError::new(self.path.clone(), kind, message)
    }

    fn take(&mut self, module: &'static str, name: &str) -> Vec<&'a Node> {
        let mut found = Vec::new();
        for (i, child) in self.children.iter().enumerate() {
            if child.module == module && child.name == name {
                self.used[i] = true;
                found.push(child);
            }
        }
        found
    }

    /// Whether a child exists (without consuming it).
    pub(crate) fn has(&self, module: &'static str, name: &str) -> bool {
        self.children.iter().any(|c| c.module == module && c.name == name)
    }

    /// The single instance of a non-list child of module `module`, if present.
    pub(crate) fn single_in(&mut self, module: &'static str, name: &str) -> Result<Option<&'a Node>, DecodeError> {
        let found = self.take(module, name);
        let path = self.child_path(module, name);
        match found.as_slice() {
            [] => Ok(None),
            [one] if one.multi == Multi::Entry => {
                Err(DecodeError::new(path, K::Malformed, "expected a single value, found an array"))
            }
            [one] => Ok(Some(one)),
            _ => Err(DecodeError::new(path, K::BadElement, "node appears more than once")),
        }
    }

    /// All entries of a list or leaf-list child of module `module`.
    pub(crate) fn multi_in(&mut self, module: &'static str, name: &str) -> Result<Vec<&'a Node>, DecodeError> {
        let found = self.take(module, name);
        if found.iter().any(|n| n.multi == Multi::Single) {
            return Err(DecodeError::new(self.child_path(module, name), K::Malformed, "expected an array"));
        }
        Ok(found)
    }

    fn scalar_of(&self, node: &'a Node) -> Result<&'a Scalar, DecodeError> {
        match &node.value {
            Value::Leaf(s) => Ok(s),
            Value::Inner(_) => Err(DecodeError::new(
                self.child_path(node.module, &node.name),
                K::Malformed,
                "expected a value, found a container",
            )),
        }
    }

    fn text_of(&self, node: &'a Node) -> Result<&'a str, DecodeError> {
        match self.scalar_of(node)? {
            Scalar::Text(t) | Scalar::Qualified { text: t, .. } if t.chars().all(is_yang_char) => Ok(t),
            Scalar::Text(_) | Scalar::Qualified { .. } => Err(DecodeError::new(
                self.child_path(node.module, &node.name),
                K::InvalidValue,
                "string holds a character YANG does not allow (control character or non-character)",
            )),
            _ => Err(DecodeError::new(self.child_path(node.module, &node.name), K::InvalidValue, "expected a string")),
        }
    }

    /// Optional `string` leaf.
    pub(crate) fn string(&mut self, name: &str) -> Result<Option<String>, DecodeError> {
        let module = self.module;
        match self.single_in(module, name)? {
            Some(n) => Ok(Some(self.text_of(n)?.to_owned())),
            None => Ok(None),
        }
    }

    /// Mandatory `string` leaf.
    pub(crate) fn req_string(&mut self, name: &str) -> Result<String, DecodeError> {
        self.string(name)?.ok_or_else(|| self.error(name, K::MissingElement, "mandatory node missing"))
    }

    /// Optional `binary` leaf (base64).
    pub(crate) fn binary(&mut self, name: &str) -> Result<Option<Vec<u8>>, DecodeError> {
        let module = self.module;
        self.binary_in(module, name)
    }

    /// Optional `binary` leaf of another module (an augmentation).
    pub(crate) fn binary_in(&mut self, module: &'static str, name: &str) -> Result<Option<Vec<u8>>, DecodeError> {
        match self.single_in(module, name)? {
            Some(n) => {
                let text = self.text_of(n)?;
                decode_base64(text)
                    .map(Some)
                    .ok_or_else(|| DecodeError::new(self.child_path(module, name), K::InvalidValue, "invalid base64"))
            }
            None => Ok(None),
        }
    }

    /// Mandatory `binary` leaf.
    pub(crate) fn req_binary(&mut self, name: &str) -> Result<Vec<u8>, DecodeError> {
        self.binary(name)?.ok_or_else(|| self.error(name, K::MissingElement, "mandatory node missing"))
    }

    /// `binary` leaf-list.
    pub(crate) fn binary_list(&mut self, name: &str) -> Result<Vec<Vec<u8>>, DecodeError> {
        let module = self.module;
        let nodes = self.multi_in(module, name)?;
        nodes
            .into_iter()
            .map(|n| decode_base64(self.text_of(n)?).ok_or_else(|| self.error(name, K::InvalidValue, "invalid base64")))
            .collect()
    }

    /// `string` leaf-list.
    pub(crate) fn string_list(&mut self, name: &str) -> Result<Vec<String>, DecodeError> {
        let module = self.module;
        let nodes = self.multi_in(module, name)?;
        nodes.into_iter().map(|n| self.text_of(n).map(str::to_owned)).collect()
    }

    /// Optional `yang:hex-string` leaf.
    pub(crate) fn hex_string(&mut self, name: &str) -> Result<Option<Vec<u8>>, DecodeError> {
        match self.string(name)? {
            Some(t) => decode_hex_string(&t)
                .map(Some)
                .ok_or_else(|| self.error(name, K::InvalidValue, "not a colon-separated hex-string (e.g. \"ab:cd\")")),
            None => Ok(None),
        }
    }

    /// Optional `empty` leaf: JSON `[null]`, XML empty element.
    pub(crate) fn empty(&mut self, name: &str) -> Result<bool, DecodeError> {
        let module = self.module;
        match self.single_in(module, name)? {
            None => Ok(false),
            Some(n) => match self.scalar_of(n)? {
                Scalar::Empty => Ok(true),
                Scalar::Text(t) if n.multi == Multi::Unknown && t.trim().is_empty() => Ok(true),
                _ => Err(self.error(name, K::InvalidValue, "type empty takes no value (JSON: [null])")),
            },
        }
    }

    /// Optional `boolean` leaf.
    pub(crate) fn boolean(&mut self, name: &str) -> Result<Option<bool>, DecodeError> {
        let module = self.module;
        match self.single_in(module, name)? {
            None => Ok(None),
            Some(n) => match self.scalar_of(n)? {
                Scalar::Bool(b) => Ok(Some(*b)),
                Scalar::Text(t) if n.multi == Multi::Unknown && (t == "true" || t == "false") => Ok(Some(t == "true")),
                _ => Err(self.error(name, K::InvalidValue, "expected a boolean (true or false)")),
            },
        }
    }

    /// Optional `uint16` leaf.
    pub(crate) fn uint16(&mut self, name: &str) -> Result<Option<u16>, DecodeError> {
        let module = self.module;
        match self.single_in(module, name)? {
            None => Ok(None),
            Some(n) => {
                let literal = match self.scalar_of(n)? {
                    Scalar::Number(t) => t.as_str(),
                    Scalar::Text(t) if n.multi == Multi::Unknown => t.trim(),
                    _ => return Err(self.error(name, K::InvalidValue, "expected a number")),
                };
                literal
                    .parse::<u16>()
                    .map(Some)
                    .map_err(|_| self.error(name, K::InvalidValue, format!("{literal} is not in range 0..65535")))
            }
        }
    }

    /// Optional `enumeration` leaf, parsed by `parse`.
    pub(crate) fn enumeration<T>(
        &mut self,
        name: &str,
        parse: fn(&str) -> Option<T>,
    ) -> Result<Option<T>, DecodeError> {
        match self.string(name)? {
            None => Ok(None),
            Some(t) => parse(&t)
                .map(Some)
                .ok_or_else(|| self.error(name, K::InvalidValue, format!("\"{t}\" is not a valid enumeration value"))),
        }
    }

    /// Resolves an identityref value to (module, identity); unqualified names belong to `leaf_module`.
    pub(crate) fn identity_of(
        &self,
        node: &'a Node,
        leaf_module: &'static str,
    ) -> Result<(&'static str, String), DecodeError> {
        let path = self.child_path(node.module, &node.name);
        match self.scalar_of(node)? {
            Scalar::Qualified { identity, .. } => Ok(identity.clone()),
            Scalar::Identity(m, n) => Ok((m, n.clone())),
            Scalar::Text(t) => match t.split_once(':') {
                None => Ok((leaf_module, t.clone())),
                Some((prefix, local)) => match super::module_by_name(prefix) {
                    Some(m) => Ok((m.name, local.to_owned())),
                    None => {
                        Err(DecodeError::new(path, K::UnknownNamespace, format!("unknown module prefix \"{prefix}\"")))
                    }
                },
            },
            _ => Err(DecodeError::new(path, K::InvalidValue, "expected an identity name")),
        }
    }

    /// Optional inner child of this node's module.
    pub(crate) fn container(&mut self, name: &str) -> Result<Option<Cursor<'a>>, DecodeError> {
        let module = self.module;
        self.container_in(module, name)
    }

    /// Optional inner child of module `module` (an augmentation).
    pub(crate) fn container_in(&mut self, module: &'static str, name: &str) -> Result<Option<Cursor<'a>>, DecodeError> {
        match self.single_in(module, name)? {
            Some(n) => Ok(Some(Cursor::inner_of(n, self.child_path(module, name), module)?)),
            None => Ok(None),
        }
    }

    /// Entries of a list child of this node's module.
    pub(crate) fn list(&mut self, name: &str) -> Result<Vec<Cursor<'a>>, DecodeError> {
        let module = self.module;
        let path = self.child_path(module, name);
        let nodes = self.multi_in(module, name)?;
        nodes.into_iter().enumerate().map(|(i, n)| Cursor::inner_of(n, format!("{path}[{}]", i + 1), module)).collect()
    }

    /// Ends reading: any child not asked for is an unknown element.
    pub(crate) fn finish(self) -> Result<(), DecodeError> {
        match self.used.iter().position(|u| !u) {
            None => Ok(()),
            Some(i) => {
                let c = &self.children[i];
                Err(DecodeError::new(self.child_path(c.module, &c.name), K::UnknownElement, "unknown node"))
            }
        }
    }
}

/// RFC 7950 §9.4: YANG strings hold only the characters XML 1.0 allows.
fn is_yang_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}
