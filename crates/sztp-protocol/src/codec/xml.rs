//! RFC 7950 §4.3 / RFC 8040 XML ⇄ tree. Namespaces map to known modules; identityref prefixes
//! in text are resolved while their declarations are in scope. DTDs and unknown entities are refused.

use quick_xml::NsReader;
use quick_xml::escape::escape;
use quick_xml::events::Event;
use quick_xml::name::{QName, ResolveResult};

use super::tree::{Multi, Node, Scalar, Value};
use super::values::is_yang_identifier;
use super::{DecodeError, DecodeErrorKind as K, MAX_DEPTH, module_by_name, module_by_namespace};

struct Open {
    module: &'static str,
    name: String,
    path: String,
    children: Vec<Node>,
    text: String,
}

/// Parses an XML document with one top-level element.
pub(super) fn decode(bytes: &[u8]) -> Result<Node, DecodeError> {
    let mut reader = NsReader::from_reader(bytes);
    reader.config_mut().trim_text(false);
    let mut stack: Vec<Open> = Vec::new();
    let mut root: Option<Node> = None;
    loop {
        let pos = reader.buffer_position();
        let (ns, event) = reader
            .read_resolved_event()
            .map_err(|e| DecodeError::new(path_of(&stack), K::Malformed, format!("invalid XML at byte {pos}: {e}")))?;
        match event {
            Event::Start(ref start) | Event::Empty(ref start) => {
                let is_empty = matches!(event, Event::Empty(_));
                let local = String::from_utf8_lossy(start.local_name().as_ref()).into_owned();
                let path = format!("{}/{}", path_of(&stack), local);
                if !is_yang_identifier(&local) {
                    return Err(DecodeError::new(path, K::Malformed, "element name is not a YANG identifier"));
                }
                if root.is_some() {
                    return Err(DecodeError::new(path, K::Malformed, "content after the document element"));
                }
                if stack.len() >= MAX_DEPTH {
                    return Err(DecodeError::new(path, K::TooBig, "nesting too deep"));
                }
                if stack.last().is_some_and(|p| !p.text.trim().is_empty()) {
                    return Err(DecodeError::new(path, K::Malformed, "mixed content"));
                }
                let module = match ns {
                    ResolveResult::Bound(ns) => {
                        let uri = String::from_utf8_lossy(ns.as_ref()).into_owned();
                        module_by_namespace(&uri)
                            .ok_or_else(|| {
                                DecodeError::new(&path, K::UnknownNamespace, format!("unknown namespace {uri}"))
                            })?
                            .name
                    }
                    _ => return Err(DecodeError::new(path, K::UnknownNamespace, "element has no namespace")),
                };
                let open = Open { module, name: local, path, children: Vec::new(), text: String::new() };
                if is_empty {
                    let node = close(&reader, open)?;
                    attach(&mut stack, &mut root, node);
                } else {
                    stack.push(open);
                }
            }
            Event::End(_) => {
                let Some(open) = stack.pop() else {
                    return Err(DecodeError::new("/", K::Malformed, "unbalanced end tag"));
                };
                let node = close(&reader, open)?;
                attach(&mut stack, &mut root, node);
            }
            Event::Text(t) => {
                let text = t
                    .decode()
                    .map_err(|e| DecodeError::new(path_of(&stack), K::Malformed, format!("invalid text: {e}")))?;
                push_text(&mut stack, &root, &text)?;
            }
            Event::GeneralRef(r) => {
                let name = r.decode().map_err(|e| DecodeError::new(path_of(&stack), K::Malformed, e.to_string()))?;
                let ch = resolve_reference(&name).ok_or_else(|| {
                    DecodeError::new(path_of(&stack), K::Malformed, format!("unknown entity &{name};"))
                })?;
                push_text(&mut stack, &root, &ch.to_string())?;
            }
            Event::CData(c) => {
                let text = String::from_utf8(c.into_inner().into_owned())
                    .map_err(|_| DecodeError::new(path_of(&stack), K::Malformed, "CDATA is not UTF-8"))?;
                push_text(&mut stack, &root, &text)?;
            }
            Event::DocType(_) => return Err(DecodeError::new("/", K::Malformed, "DOCTYPE is not allowed")),
            Event::PI(_) => return Err(DecodeError::new("/", K::Malformed, "processing instructions are not allowed")),
            Event::Decl(_) | Event::Comment(_) => {}
            Event::Eof => break,
        }
    }
    if !stack.is_empty() {
        return Err(DecodeError::new(path_of(&stack), K::Malformed, "unexpected end of document"));
    }
    root.ok_or_else(|| DecodeError::new("/", K::Malformed, "empty document"))
}

fn path_of(stack: &[Open]) -> String {
    stack.last().map(|o| o.path.clone()).unwrap_or_default()
}

fn push_text(stack: &mut [Open], root: &Option<Node>, text: &str) -> Result<(), DecodeError> {
    match stack.last_mut() {
        Some(open) => {
            if !open.children.is_empty() && !text.trim().is_empty() {
                return Err(DecodeError::new(open.path.clone(), K::Malformed, "mixed content"));
            }
            open.text.push_str(text);
            Ok(())
        }
        None if text.trim().is_empty() => Ok(()),
        None => {
            let _ = root;
            Err(DecodeError::new("/", K::Malformed, "text outside the document element"))
        }
    }
}

fn resolve_reference(name: &str) -> Option<char> {
    match name {
        "lt" => Some('<'),
        "gt" => Some('>'),
        "amp" => Some('&'),
        "apos" => Some('\''),
        "quot" => Some('"'),
        _ => {
            let num = name.strip_prefix('#')?;
            let code = match num.strip_prefix('x') {
                Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                None => num.parse().ok()?,
            };
            char::from_u32(code)
        }
    }
}

fn close(reader: &NsReader<&[u8]>, open: Open) -> Result<Node, DecodeError> {
    let value = if open.children.is_empty() {
        let text = open.text;
        let identity = identity_prefix(reader, &text);
        Value::Leaf(match identity {
            Some(identity) => Scalar::Qualified { text, identity },
            None => Scalar::Text(text),
        })
    } else {
        Value::Inner(open.children)
    };
    Ok(Node { module: open.module, name: open.name, value, multi: Multi::Unknown })
}

/// Resolves `prefix:name` text against the namespace declarations in scope, if it looks like one.
fn identity_prefix(reader: &NsReader<&[u8]>, text: &str) -> Option<(&'static str, String)> {
    let t = text.trim();
    let (prefix, local) = t.split_once(':')?;
    let ncname = |s: &str| {
        s.chars().next().is_some_and(|c| c.is_alphabetic() || c == '_')
            && s.chars().all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'))
    };
    if !ncname(prefix) || !ncname(local) {
        return None;
    }
    let (ns, _) = reader.resolve_element(QName(t.as_bytes()));
    match ns {
        ResolveResult::Bound(ns) => {
            let uri = String::from_utf8_lossy(ns.as_ref()).into_owned();
            module_by_namespace(&uri).map(|m| (m.name, local.to_owned()))
        }
        _ => None,
    }
}

fn attach(stack: &mut [Open], root: &mut Option<Node>, node: Node) {
    match stack.last_mut() {
        Some(parent) => {
            parent.text.clear();
            parent.children.push(node);
        }
        None => *root = Some(node),
    }
}

/// Writes a tree as XML; namespaces are declared where the module changes.
pub(super) fn encode(node: &Node) -> Vec<u8> {
    let mut out = String::with_capacity(256);
    write_node(&mut out, None, node);
    out.into_bytes()
}

fn write_node(out: &mut String, parent: Option<&'static str>, node: &Node) {
    out.push('<');
    out.push_str(&node.name);
    if parent != Some(node.module)
        && let Some(m) = module_by_name(node.module)
    {
        out.push_str(&format!(" xmlns=\"{}\"", m.namespace));
    }
    match &node.value {
        Value::Leaf(Scalar::Empty) => out.push_str("/>"),
        Value::Leaf(s) => {
            let text = match s {
                Scalar::Identity(m, name) => {
                    if let Some(module) = module_by_name(m) {
                        out.push_str(&format!(" xmlns:{m}=\"{}\"", module.namespace));
                    }
                    format!("{m}:{name}")
                }
                Scalar::Text(t) | Scalar::Number(t) | Scalar::Qualified { text: t, .. } => t.clone(),
                Scalar::Bool(b) => b.to_string(),
                Scalar::Empty => String::new(),
            };
            out.push('>');
            // A literal CR would be normalised away by XML parsers; a character reference survives.
            out.push_str(&escape(text.as_str()).replace('\r', "&#13;"));
            out.push_str(&format!("</{}>", node.name));
        }
        Value::Inner(children) => {
            out.push('>');
            for c in children {
                write_node(out, Some(node.module), c);
            }
            out.push_str(&format!("</{}>", node.name));
        }
    }
}
