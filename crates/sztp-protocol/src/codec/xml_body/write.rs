//! XML replies (RFC 8040 §5.2, RFC 7950 §4.3) written from the RFC 7951 JSON of the same data:
//! the other direction of [`super::json_from_xml`]. Our modules have no identityref, anydata or
//! anyxml leaves, so the mapping is one to one: a member is an element, an array repeats it,
//! `[null]` is an empty leaf, a module prefix is a namespace.

use serde_json::{Map, Value};

use crate::codec::module_by_name;

/// The namespace of our own module (yang/sztp/sztp-server@….yang).
const SZTP_SERVER_NS: &str = "urn:sztp:params:xml:ns:yang:sztp-server";

/// The key of each list of our module (one leaf each), which RFC 7950 §7.8.5 puts first in an
/// entry; JSON objects carry no order. A unit test checks this against the YANG module.
const LIST_KEYS: [(&str, &str); 16] = [
    ("administrator", "login"),
    ("artifact", "name"),
    ("asymmetric-key", "name"),
    ("certificate-bag", "name"),
    ("condition", "id"),
    ("device", "serial"),
    ("device-type", "name"),
    ("endpoint", "name"),
    ("entry", "id"),
    ("failure", "index"),
    ("match-rule", "name"),
    ("owner-certificate", "name"),
    ("response", "name"),
    ("server", "address"),
    ("tenant", "name"),
    ("voucher", "serial"),
];

/// Our actions' output leaves in schema order, which XML keeps (RFC 7950 §7.15.3, as §7.14.4):
/// keystore import (algorithm, public-key), devices import (created … failure), revoke, issue.
const OUTPUT_ORDER: [&str; 8] =
    ["algorithm", "public-key", "created", "replaced", "skipped", "failure", "revoked-at", "cms"];

fn namespace(module: &str) -> Option<&'static str> {
    match module {
        "sztp-server" => Some(SZTP_SERVER_NS),
        "ietf-yang-patch" => Some("urn:ietf:params:xml:ns:yang:ietf-yang-patch"),
        other => module_by_name(other).map(|m| m.namespace),
    }
}

/// The XML form of an RFC 7951 JSON document (one top-level member). `Err` says why it has none: a
/// module we cannot name, several top-level entries (XML has one root), or text XML cannot hold.
pub fn xml_from_json(doc: &Value) -> Result<String, String> {
    let Some(object) = doc.as_object().filter(|o| o.len() == 1) else {
        return Err("the reply is not one top-level node".into());
    };
    let Some((name, value)) = object.iter().next() else { return Err("empty reply".into()) };
    if let Value::Array(entries) = value
        && entries.len() != 1
    {
        return Err(format!("{} entries have no single XML root; ask for JSON", entries.len()));
    }
    let mut out = String::with_capacity(256);
    element(&mut out, name, value, None)?;
    Ok(out)
}

fn element(out: &mut String, member: &str, value: &Value, parent: Option<&str>) -> Result<(), String> {
    let (module, local) = match member.split_once(':') {
        Some((module, local)) => (module, local),
        None => (parent.ok_or_else(|| format!("\"{member}\" has no module"))?, member),
    };
    if !is_identifier(local) {
        return Err(format!("\"{member}\" is not a YANG identifier"));
    }
    match value {
        Value::Array(items) => {
            for item in items {
                element(out, &format!("{module}:{local}"), item, parent)?;
            }
            return Ok(());
        }
        _ => open(out, module, local, parent)?,
    }
    match value {
        Value::Null | Value::Array(_) => {}
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => escape(out, s)?,
        Value::Object(children) => members(out, local, children, module)?,
    }
    out.push_str("</");
    out.push_str(local);
    out.push('>');
    Ok(())
}

fn members(out: &mut String, local: &str, children: &Map<String, Value>, module: &str) -> Result<(), String> {
    let key = LIST_KEYS.iter().find(|(list, _)| *list == local).map(|(_, key)| *key);
    let is_key = |name: &str| key.is_some_and(|k| name == k || name.split_once(':').is_some_and(|(_, n)| n == k));
    for (name, child) in children.iter().filter(|(n, _)| is_key(n)) {
        element(out, name, child, Some(module))?;
    }
    let mut rest: Vec<(&String, &Value)> = children.iter().filter(|(n, _)| !is_key(n)).collect();
    if local == "output" {
        rest.sort_by_key(|(n, _)| OUTPUT_ORDER.iter().position(|o| o == n).unwrap_or(OUTPUT_ORDER.len()));
    }
    for (name, child) in rest {
        element(out, name, child, Some(module))?;
    }
    Ok(())
}

fn open(out: &mut String, module: &str, local: &str, parent: Option<&str>) -> Result<(), String> {
    out.push('<');
    out.push_str(local);
    if parent != Some(module) {
        let ns = namespace(module).ok_or_else(|| format!("module \"{module}\" has no known XML namespace"))?;
        out.push_str(" xmlns=\"");
        out.push_str(ns);
        out.push('"');
    }
    out.push('>');
    Ok(())
}

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

fn escape(out: &mut String, text: &str) -> Result<(), String> {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            // Kept as a reference so that XML end-of-line handling does not turn it into \n.
            '\r' => out.push_str("&#13;"),
            '\t' | '\n' => out.push(c),
            c if (c as u32) < 0x20 || matches!(c, '\u{FFFE}' | '\u{FFFF}') => {
                return Err(format!("a value holds U+{:04X}, which XML 1.0 cannot carry; ask for JSON", c as u32));
            }
            c => out.push(c),
        }
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use serde_json::json;

    use super::xml_from_json as to_xml;

    #[test]
    fn containers_lists_leaf_lists_and_empty_leaves_map_to_elements() {
        let doc = json!({"sztp-server:tenants": {"tenant": [{"name": "a", "devices": {"device": [
            {"serial": "S<1>&", "enabled": true, "port": 8443, "rule": ["x", "y"]}, {"serial": "S2"}]}}]}});
        assert_eq!(
            to_xml(&doc).unwrap(),
            "<tenants xmlns=\"urn:sztp:params:xml:ns:yang:sztp-server\"><tenant><name>a</name><devices>\
             <device><serial>S&lt;1&gt;&amp;</serial><enabled>true</enabled><port>8443</port><rule>x</rule>\
             <rule>y</rule></device><device><serial>S2</serial></device></devices></tenant></tenants>",
            "list keys come first (RFC 7950 §7.8.5)"
        );
        let status = json!({"ietf-yang-patch:yang-patch-status": {"patch-id": "p", "ok": [null]}});
        assert_eq!(
            to_xml(&status).unwrap(),
            "<yang-patch-status xmlns=\"urn:ietf:params:xml:ns:yang:ietf-yang-patch\"><ok></ok>\
             <patch-id>p</patch-id></yang-patch-status>"
        );
    }

    #[test]
    fn the_list_keys_match_the_yang_module() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../yang/sztp/sztp-server@2026-11-30.yang");
        let text = std::fs::read_to_string(path).unwrap();
        let mut found: Vec<(String, String)> = Vec::new();
        let mut list = None;
        for line in text.lines().map(str::trim) {
            if let Some(name) = line.strip_prefix("list ").and_then(|l| l.strip_suffix(" {")) {
                list = Some(name.to_owned());
            } else if let Some(key) = line.strip_prefix("key \"").and_then(|k| k.strip_suffix("\";")) {
                assert!(!key.contains(' '), "a list with several keys: {key}");
                found.extend(list.take().map(|l| (l, key.to_owned())));
            }
        }
        found.sort();
        found.dedup();
        let ours: Vec<(String, String)> =
            super::LIST_KEYS.iter().map(|(l, k)| (l.to_string(), k.to_string())).collect();
        assert_eq!(ours, found, "LIST_KEYS is sorted and complete");
    }

    #[test]
    fn output_order_matches_the_yang_module() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../yang/sztp/sztp-server@2026-11-30.yang");
        let text = std::fs::read_to_string(path).unwrap();
        // Each action's output children, in schema order.
        let mut outputs: Vec<Vec<String>> = Vec::new();
        let mut depth: Option<i32> = None;
        for line in text.lines().map(str::trim) {
            if line == "output {" {
                outputs.push(Vec::new());
                depth = Some(0);
                continue;
            }
            let Some(d) = depth.as_mut() else { continue };
            let words: Vec<&str> = line.split_whitespace().collect();
            if *d == 0
                && let [kind, name, "{"] = words.as_slice()
                && ["leaf", "leaf-list", "list", "container"].contains(kind)
                && let Some(current) = outputs.last_mut()
            {
                current.push((*name).to_owned());
            }
            *d += line.matches('{').count() as i32 - line.matches('}').count() as i32;
            if *d < 0 {
                depth = None;
            }
        }
        assert!(outputs.len() >= 3, "{outputs:?}");
        for names in outputs {
            let positions: Vec<usize> = names
                .iter()
                .map(|n| {
                    super::OUTPUT_ORDER.iter().position(|o| o == n).unwrap_or_else(|| panic!("{n} not in OUTPUT_ORDER"))
                })
                .collect();
            assert!(positions.windows(2).all(|w| w[0] < w[1]), "OUTPUT_ORDER breaks the schema order of {names:?}");
        }
    }

    #[test]
    fn action_output_keeps_the_schema_order() {
        let out = json!({"sztp-server:output": {"skipped": 0, "failure": [{"serial": "s", "index": 2, "reason": "r"}],
            "created": 1, "replaced": 0}});
        assert_eq!(
            to_xml(&out).unwrap(),
            "<output xmlns=\"urn:sztp:params:xml:ns:yang:sztp-server\"><created>1</created><replaced>0</replaced>\
             <skipped>0</skipped><failure><index>2</index><reason>r</reason><serial>s</serial></failure></output>"
        );
    }

    #[test]
    fn a_member_of_another_module_declares_its_namespace() {
        let doc = json!({"ietf-restconf:errors": {"error": [{"error-type": "protocol", "error-tag": "invalid-value",
            "error-info": {"sztp-server:hint": "h"}}]}});
        let xml = to_xml(&doc).unwrap();
        assert!(xml.starts_with("<errors xmlns=\"urn:ietf:params:xml:ns:yang:ietf-restconf\"><error>"), "{xml}");
        assert!(xml.contains("<hint xmlns=\"urn:sztp:params:xml:ns:yang:sztp-server\">h</hint>"), "{xml}");
    }

    #[test]
    fn what_xml_cannot_say_is_an_error_not_a_bad_document() {
        assert!(to_xml(&json!({"sztp-server:device": [{"serial": "a"}, {"serial": "b"}]})).is_err());
        assert!(to_xml(&json!({"sztp-server:device": [{"serial": "a"}]})).is_ok(), "one entry has a root");
        assert!(to_xml(&json!({"nobody:x": 1})).unwrap_err().contains("namespace"));
        assert!(to_xml(&json!({"sztp-server:x": "nul\u{0}"})).unwrap_err().contains("U+0000"));
        assert!(to_xml(&json!({"sztp-server:x": {"a b": 1}})).is_err(), "element names are identifiers");
        assert!(to_xml(&json!({"sztp-server:x": 1, "sztp-server:y": 2})).is_err());
        assert_eq!(
            to_xml(&json!({"sztp-server:x": "a\r\nb"})).unwrap(),
            "<x xmlns=\"urn:sztp:params:xml:ns:yang:sztp-server\">a&#13;\nb</x>"
        );
    }

    /// What the writer writes, the body reader (`sztp_protocol::codec::xml_body`) reads back equal.
    #[test]
    fn what_the_xml_writer_writes_reads_back_equal() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../yang/sztp/examples/");
        let read = |file: &str| -> serde_json::Value {
            serde_json::from_str(&std::fs::read_to_string(format!("{dir}{file}")).unwrap()).unwrap()
        };
        let mut documents = Vec::new();
        for file in ["quickstart-config.json", "quickstart-operational.json"] {
            documents.extend(read(file).as_object().unwrap().iter().map(|(name, value)| json!({ name: value })));
        }
        // yanglint's action form nests the input in its data path; RESTCONF sends the input alone.
        let import = read("action-devices-import.json");
        documents.push(json!({"sztp-server:input": import["sztp-server:tenants"]["tenant"][0]["devices"]["import"]}));
        for doc in documents {
            let text = to_xml(&doc).unwrap();
            assert_eq!(crate::codec::xml_body::json_from_xml(text.as_bytes()).unwrap(), doc);
        }
    }
}
