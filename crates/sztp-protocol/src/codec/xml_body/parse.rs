//! Well-formed XML 1.0 (UTF-8, no DTD) into a tree of elements, with quick-xml: one top-level
//! element, namespaces resolved, no mixed content, nesting bounded.

use quick_xml::NsReader;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;

use super::XmlBodyError;

/// Deeper than any path of our modules (YANG Patch value included), shallow enough that a
/// hostile body cannot exhaust the stack of the recursive conversion.
pub(super) const MAX_DEPTH: usize = 32;

/// A parsed body: its top-level element and the namespaces its elements name by index.
#[derive(Debug)]
pub(super) struct Document {
    pub(super) root: Element,
    pub(super) namespaces: Vec<String>,
}

/// An element: namespace (an index into [`Document::namespaces`]), local name, text (empty
/// when there are children) and child elements.
#[derive(Debug)]
pub(super) struct Element {
    pub(super) namespace: Option<usize>,
    pub(super) name: String,
    pub(super) text: String,
    pub(super) children: Vec<Element>,
}

impl Document {
    /// The namespace URI of an element, if it has one.
    pub(super) fn namespace(&self, element: &Element) -> Option<&str> {
        element.namespace.and_then(|i| self.namespaces.get(i)).map(String::as_str)
    }
}

fn malformed(message: impl Into<String>) -> XmlBodyError {
    XmlBodyError::Malformed(message.into())
}

fn path(stack: &[Element]) -> String {
    stack.iter().map(|e| format!("/{}", e.name)).collect()
}

/// Parses `body`; DTDs, processing instructions and entities other than the predefined ones
/// are refused, so nothing is expanded and nothing is fetched.
pub(super) fn parse(body: &[u8]) -> Result<Document, XmlBodyError> {
    let text = std::str::from_utf8(body).map_err(|e| malformed(format!("not UTF-8 ({e})")))?;
    let mut reader = NsReader::from_str(text.strip_prefix('\u{feff}').unwrap_or(text));
    let config = reader.config_mut();
    config.trim_text(false);
    config.expand_empty_elements = true;
    config.check_comments = true;
    let mut namespaces: Vec<String> = Vec::new();
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    loop {
        let at = reader.buffer_position();
        let (ns, event) = reader.read_resolved_event().map_err(|e| malformed(format!("at byte {at}: {e}")))?;
        match event {
            Event::Start(start) => {
                if root.is_some() {
                    return Err(malformed("more than one top-level element"));
                }
                if stack.len() >= MAX_DEPTH {
                    return Err(malformed(format!("elements nested deeper than {MAX_DEPTH}")));
                }
                let name = String::from_utf8_lossy(start.local_name().as_ref()).into_owned();
                let namespace = match ns {
                    ResolveResult::Bound(ns) => {
                        let uri = String::from_utf8_lossy(ns.as_ref());
                        Some(namespaces.iter().position(|n| *n == uri).unwrap_or_else(|| {
                            namespaces.push(uri.into_owned());
                            namespaces.len() - 1
                        }))
                    }
                    ResolveResult::Unbound => None,
                    ResolveResult::Unknown(prefix) => {
                        let prefix = String::from_utf8_lossy(&prefix);
                        return Err(malformed(format!("{}/{name}: undeclared prefix {prefix}", path(&stack))));
                    }
                };
                let element = Element { namespace, name, text: String::new(), children: Vec::new() };
                stack.push(element);
                no_attributes(&start, &stack)?;
            }
            Event::End(_) => {
                if stack.last().is_some_and(|e| !e.children.is_empty() && !is_blank(&e.text)) {
                    return Err(malformed(format!("{}: mixed content (text beside elements)", path(&stack))));
                }
                let Some(mut done) = stack.pop() else { return Err(malformed("unbalanced end tag")) };
                if !done.children.is_empty() {
                    done.text = String::new();
                }
                match stack.last_mut() {
                    Some(parent) => parent.children.push(done),
                    None => root = Some(done),
                }
            }
            Event::Text(t) => push_text(&mut stack, &t.xml_content().map_err(|e| malformed(e.to_string()))?)?,
            Event::CData(c) => push_text(&mut stack, &c.xml_content().map_err(|e| malformed(e.to_string()))?)?,
            Event::GeneralRef(r) => {
                let name = r.decode().map_err(|e| malformed(e.to_string()))?;
                let c = reference(&name).ok_or_else(|| {
                    malformed(format!("unknown entity &{name}; (without a DTD only the predefined five exist)"))
                })?;
                push_text(&mut stack, c.encode_utf8(&mut [0; 4]))?;
            }
            Event::DocType(_) => return Err(malformed("a DTD (<!DOCTYPE …>) is refused")),
            Event::PI(_) => return Err(malformed("processing instructions are refused")),
            Event::Decl(decl) => {
                if let Some(encoding) = decl.encoding() {
                    let encoding = encoding.map_err(|e| malformed(e.to_string()))?;
                    if !encoding.eq_ignore_ascii_case(b"utf-8") {
                        return Err(malformed(format!("encoding {}: UTF-8 only", String::from_utf8_lossy(&encoding))));
                    }
                }
            }
            Event::Comment(_) => {}
            Event::Empty(_) => return Err(malformed("unexpected empty-element event")),
            Event::Eof => break,
        }
    }
    if !stack.is_empty() {
        return Err(malformed(format!("the body ends inside {}", path(&stack))));
    }
    let root = root.ok_or_else(|| malformed("no element"))?;
    Ok(Document { root, namespaces })
}

/// Only namespace declarations: no YANG metadata (RFC 7952) is defined for this API.
fn no_attributes(start: &BytesStart<'_>, stack: &[Element]) -> Result<(), XmlBodyError> {
    let mut foreign = None;
    for attribute in start.attributes() {
        let attribute = attribute.map_err(|e| malformed(format!("{}: {e}", path(stack))))?;
        if attribute.key.as_namespace_binding().is_none() && foreign.is_none() {
            foreign = Some(String::from_utf8_lossy(attribute.key.as_ref()).into_owned());
        }
    }
    match foreign {
        Some(name) => {
            Err(XmlBodyError::UnknownElement(format!("{}: attribute {name} is not accepted here", path(stack))))
        }
        None => Ok(()),
    }
}

fn push_text(stack: &mut [Element], text: &str) -> Result<(), XmlBodyError> {
    if let Some(c) = text.chars().find(|c| !is_xml_char(*c)) {
        return Err(malformed(format!("U+{:04X} is not an XML 1.0 character", c as u32)));
    }
    match stack.last_mut() {
        Some(open) => {
            open.text.push_str(text);
            Ok(())
        }
        None if is_blank(text) => Ok(()),
        None => Err(malformed("text outside the top-level element")),
    }
}

fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// Only XML white space (no other Unicode space) between elements.
pub(super) fn is_blank(text: &str) -> bool {
    text.chars().all(|c| matches!(c, ' ' | '\t' | '\r' | '\n'))
}

/// The character of a predefined entity or a character reference.
fn reference(name: &str) -> Option<char> {
    let c = match name {
        "lt" => '<',
        "gt" => '>',
        "amp" => '&',
        "apos" => '\'',
        "quot" => '"',
        _ => {
            let number = name.strip_prefix('#')?;
            let code = match number.strip_prefix('x') {
                Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                None => number.parse().ok()?,
            };
            char::from_u32(code)?
        }
    };
    Some(c)
}
