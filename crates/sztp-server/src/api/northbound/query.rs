//! The RFC 8040 §4.8 query parameters of a GET, applied to the JSON reply: `content`
//! (config / nonconfig / all), `fields` and `depth`.

use serde_json::{Map, Value};

/// The data nodes of the `sztp-server` module that are `config false`, as (parent, name): a
/// boot image's `sha-256` is configuration, an artifact's is state. A test checks the list
/// against the module.
pub(super) const NONCONFIG: [(&str, &str); 15] = [
    ("administrator", "last-login"),
    ("administrator", "locked-until"),
    ("administrator", "password-changed-at"),
    ("artifact", "sha-256"),
    ("artifact", "size"),
    ("artifact", "updated-at"),
    ("asymmetric-key", "created-at"),
    ("asymmetric-key", "public-key"),
    ("device", "status"),
    ("endpoint", "error"),
    ("endpoint", "listening"),
    ("tenant", "audit-log"),
    ("tenant", "bootstrapping-log"),
    ("tenant", "created-at"),
    ("voucher", "expires-at"),
];

fn is_state(parent: &str, name: &str) -> bool {
    NONCONFIG.contains(&(parent, name))
}

/// Keys of the module's lists, kept in `content=nonconfig` replies so entries stay identifiable.
const KEYS: [&str; 3] = ["name", "serial", "login"];

/// Which data a GET returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) enum Content {
    /// Configuration and state.
    #[default]
    All,
    /// Configuration only.
    Config,
    /// State only.
    Nonconfig,
}

/// The read options of a GET.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct ReadOptions {
    /// `content`.
    pub content: Content,
    /// `depth`: the target node is depth 1; `None` is unbounded.
    pub depth: Option<u32>,
    /// `fields`, parsed.
    pub fields: Option<Vec<Selector>>,
}

/// One node selected by `fields`, with the selection below it (empty: the whole subtree).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Selector {
    name: String,
    below: Vec<Selector>,
}

impl ReadOptions {
    /// Whether the reply is returned as is.
    pub(super) fn is_identity(&self) -> bool {
        *self == ReadOptions::default()
    }
}

/// Splits a query string into the read options and the parameters left for the resource.
pub(super) fn parse(query: Option<&str>) -> Result<(ReadOptions, String), String> {
    let mut opts = ReadOptions::default();
    let mut rest = Vec::new();
    for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let value = super::logs::decode(value);
        match name {
            "content" => {
                opts.content = match value.as_str() {
                    "all" => Content::All,
                    "config" => Content::Config,
                    "nonconfig" => Content::Nonconfig,
                    other => return Err(format!("content: \"{other}\" is not config, nonconfig or all")),
                }
            }
            "depth" => {
                opts.depth = match value.as_str() {
                    "unbounded" => None,
                    v => match v.parse::<u32>() {
                        Ok(n @ 1..=65535) => Some(n),
                        _ => return Err(format!("depth: \"{v}\" is not 1..65535 or unbounded")),
                    },
                }
            }
            "fields" => opts.fields = Some(parse_fields(&value)?),
            _ => rest.push(pair),
        }
    }
    Ok((opts, rest.join("&")))
}

/// Parses a `fields` expression: `a/b;c(d;e)`.
pub(super) fn parse_fields(text: &str) -> Result<Vec<Selector>, String> {
    let mut chars = text.chars().peekable();
    let list = fields_list(&mut chars, 0)?;
    match chars.next() {
        None => Ok(list),
        Some(c) => Err(format!("fields: unexpected \"{c}\"")),
    }
}

fn fields_list(chars: &mut std::iter::Peekable<std::str::Chars<'_>>, nesting: u32) -> Result<Vec<Selector>, String> {
    if nesting > 16 {
        return Err("fields: nested too deeply".into());
    }
    let mut list = Vec::new();
    loop {
        let mut path = Vec::new();
        loop {
            let mut name = String::new();
            while let Some(&c) = chars.peek() {
                if c.is_ascii_alphanumeric() || "_-.:".contains(c) {
                    name.push(c);
                    chars.next();
                } else {
                    break;
                }
            }
            // A module prefix may qualify the name; the module has one namespace.
            let local = name.rsplit(':').next().unwrap_or_default().to_owned();
            if local.is_empty() || local.starts_with(|c: char| c.is_ascii_digit() || c == '-' || c == '.') {
                return Err("fields: a node name is missing or malformed".into());
            }
            path.push(local);
            if chars.peek() == Some(&'/') {
                chars.next();
            } else {
                break;
            }
        }
        let mut below = Vec::new();
        if chars.peek() == Some(&'(') {
            chars.next();
            below = fields_list(chars, nesting + 1)?;
            if chars.next() != Some(')') {
                return Err("fields: \"(\" without \")\"".into());
            }
        }
        let selector = path.into_iter().rev().fold(below, |below, name| vec![Selector { name, below }]);
        list.extend(selector);
        match chars.peek() {
            Some(';') => {
                chars.next();
            }
            _ => return Ok(list),
        }
    }
}

/// Applies the options to a reply of the form `{"module:target": value}`.
pub(super) fn apply(reply: &mut Value, opts: &ReadOptions) {
    let Value::Object(top) = reply else { return };
    for (name, value) in top.iter_mut() {
        let node = name.rsplit(':').next().unwrap_or_default();
        match opts.content {
            Content::All => {}
            Content::Config => strip_state(value, node),
            Content::Nonconfig => keep_nonconfig(value, node),
        }
        if let Some(fields) = &opts.fields {
            select(value, fields);
        }
        if let Some(depth) = opts.depth {
            prune(value, 1, depth);
        }
    }
}

/// Removes the state nodes below `node` (whose value `v` is).
fn strip_state(v: &mut Value, node: &str) {
    match v {
        Value::Object(o) => {
            o.retain(|k, _| !is_state(node, k));
            o.iter_mut().for_each(|(k, c)| strip_state(c, k));
        }
        Value::Array(a) => a.iter_mut().for_each(|c| strip_state(c, node)),
        _ => {}
    }
}

/// Keeps state nodes (whole), list keys, and the containers on the way to state.
fn keep_nonconfig(v: &mut Value, node: &str) {
    match v {
        Value::Object(o) => {
            let mut kept = Map::new();
            for (k, mut c) in std::mem::take(o) {
                if is_state(node, &k) {
                    kept.insert(k, c);
                } else if c.is_object() || c.as_array().is_some_and(|a| a.iter().any(Value::is_object)) {
                    keep_nonconfig(&mut c, &k);
                    if !is_empty(&c) {
                        kept.insert(k, c);
                    }
                } else if KEYS.contains(&k.as_str()) {
                    kept.insert(k, c);
                }
            }
            // An entry left with only its key holds no state.
            if kept.keys().all(|k| KEYS.contains(&k.as_str())) {
                kept.clear();
            }
            *o = kept;
        }
        Value::Array(a) => {
            a.iter_mut().for_each(|e| keep_nonconfig(e, node));
            a.retain(|e| !is_empty(e));
        }
        _ => {}
    }
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Object(o) => o.is_empty(),
        Value::Array(a) => a.is_empty(),
        _ => false,
    }
}

/// Keeps only the selected members of an object (of each entry of a list).
fn select(v: &mut Value, fields: &[Selector]) {
    match v {
        Value::Object(o) => {
            // `a/b;a/c` selects twice below `a`: group by name; an empty selection takes all.
            let mut groups: Vec<(String, Option<Vec<Selector>>)> = Vec::new();
            for s in fields {
                let below = (!s.below.is_empty()).then(|| s.below.clone());
                if let Some(g) = groups.iter_mut().find(|g| g.0 == s.name) {
                    g.1 = match (g.1.take(), below) {
                        (Some(mut a), Some(b)) => {
                            a.extend(b);
                            Some(a)
                        }
                        _ => None,
                    };
                } else {
                    groups.push((s.name.clone(), below));
                }
            }
            let mut kept = Map::new();
            for (name, below) in groups {
                if let Some(mut c) = o.remove(&name) {
                    if let Some(below) = below {
                        select(&mut c, &below);
                    }
                    kept.insert(name, c);
                }
            }
            *o = kept;
        }
        Value::Array(a) => a.iter_mut().for_each(|e| select(e, fields)),
        _ => {}
    }
}

/// Drops data nodes deeper than `max`; `level` is the depth of the node `v` is the value of.
fn prune(v: &mut Value, level: u32, max: u32) {
    match v {
        Value::Object(o) => {
            if level >= max {
                o.clear();
            } else {
                o.values_mut().for_each(|c| prune(c, level + 1, max));
            }
        }
        // List entries are at the list's level; a leaf-list's values are leaves.
        Value::Array(a) => a.iter_mut().for_each(|e| prune(e, level, max)),
        _ => {}
    }
}

#[cfg(test)]
mod tests;
