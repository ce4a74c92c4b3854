#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::model::restconf_errors::ErrorTag;
use serde_json::{Value, json};

use super::parse::{MAX_DEPTH, parse};
use super::schema::{Kind, SZTP_SERVER, Scalar, Schema, YANG_PATCH};
use super::{XmlBodyError, convert, json_from_xml};

const NS: &str = "urn:sztp:params:xml:ns:yang:sztp-server";

fn xml(body: &str) -> Value {
    json_from_xml(body.as_bytes()).unwrap_or_else(|e| panic!("{e}: {body}"))
}

fn refused(body: &str) -> XmlBodyError {
    json_from_xml(body.as_bytes()).expect_err(body)
}

fn malformed(body: &str) -> String {
    match refused(body) {
        XmlBodyError::Malformed(m) => m,
        other => panic!("{other:?} instead of malformed-message for {body}"),
    }
}

fn unknown(body: &str) -> String {
    match refused(body) {
        XmlBodyError::UnknownElement(m) => m,
        other => panic!("{other:?} instead of unknown-element for {body}"),
    }
}

fn invalid(body: &str) -> String {
    match refused(body) {
        XmlBodyError::InvalidValue(m) => m,
        other => panic!("{other:?} instead of invalid-value for {body}"),
    }
}

#[test]
fn a_list_entry_becomes_the_json_a_client_would_send() {
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!-- a device -->\n<device xmlns=\"{NS}\">\n  \
         <serial>SN-1</serial>\n  <device-type>dpu</device-type>\n  <enabled>false</enabled>\n  \
         <match-rule><name>r</name><condition><id>7</id><field>hw-model</field><op>equals</op>\
         <value> M 1 </value><negate>true</negate></condition><response>onboard</response></match-rule>\n\
         <overrides><encrypt>true</encrypt></overrides></device>\n"
    );
    assert_eq!(
        xml(&body),
        json!({"sztp-server:device": [{"serial": "SN-1", "device-type": "dpu", "enabled": false,
            "match-rule": [{"name": "r", "condition": [{"id": 7, "field": "hw-model", "op": "equals",
                "value": " M 1 ", "negate": true}], "response": "onboard"}],
            "overrides": {"encrypt": true}}]}),
        "lists are arrays even with one entry; strings keep their spaces"
    );
}

#[test]
fn leaf_lists_are_arrays_and_list_entries_gather_wherever_they_stand() {
    let body = format!(
        "<endpoint xmlns=\"{NS}\"><name>sbi</name><apis>rfc8572</apis><address>::</address><port>+0443</port>\
         <apis>files</apis><tls><server-key>k</server-key><certificate>QUJD</certificate></tls></endpoint>"
    );
    assert_eq!(
        xml(&body),
        json!({"sztp-server:endpoint": [{"name": "sbi", "apis": ["rfc8572", "files"], "address": "::",
            "port": 443, "tls": {"server-key": "k", "certificate": ["QUJD"]}}]})
    );
    let bag = format!(
        "<truststore xmlns=\"{NS}\"><certificate-bag><name>m</name><certificate>QQ==</certificate>\
        </certificate-bag><certificate-bag><name>n</name></certificate-bag></truststore>"
    );
    assert_eq!(
        xml(&bag),
        json!({"sztp-server:truststore": {"certificate-bag": [{"name": "m", "certificate": ["QQ=="]}, {"name": "n"}]}})
    );
}

#[test]
fn sixty_four_bit_integers_stay_strings_and_state_converts_too() {
    let body = format!(
        "<device xmlns=\"{NS}\"><serial>S</serial><status><attempts>18446744073709551615</attempts></status></device>"
    );
    assert_eq!(
        xml(&body),
        json!({"sztp-server:device": [{"serial": "S", "status": {"attempts": "18446744073709551615"}}]})
    );
    let log = format!("<entry xmlns=\"{NS}\"><id>12</id><status>200</status></entry>");
    assert_eq!(xml(&log), json!({"sztp-server:entry": [{"id": "12", "status": 200}]}));
}

#[test]
fn a_yang_patch_carries_data_of_our_module_in_value() {
    let body = format!(
        "<yang-patch xmlns=\"urn:ietf:params:xml:ns:yang:ietf-yang-patch\"><patch-id>p1</patch-id>\
         <edit><edit-id>1</edit-id><operation>create</operation><target>/device=SN-1</target>\
         <value><device xmlns=\"{NS}\"><serial>SN-1</serial><enabled>true</enabled></device></value></edit>\
         <edit><edit-id>2</edit-id><operation>delete</operation><target>/device=SN-2</target></edit>\
         <edit><edit-id>3</edit-id><operation>merge</operation><target>/device=SN-3/enabled</target>\
         <value><enabled xmlns=\"{NS}\">false</enabled></value></edit></yang-patch>"
    );
    assert_eq!(
        xml(&body),
        json!({"ietf-yang-patch:yang-patch": {"patch-id": "p1", "edit": [
            {"edit-id": "1", "operation": "create", "target": "/device=SN-1",
             "value": {"sztp-server:device": [{"serial": "SN-1", "enabled": true}]}},
            {"edit-id": "2", "operation": "delete", "target": "/device=SN-2"},
            {"edit-id": "3", "operation": "merge", "target": "/device=SN-3/enabled",
             "value": {"sztp-server:enabled": false}}]}})
    );
}

#[test]
fn action_inputs_convert_with_the_input_schema() {
    let import = format!(
        "<input xmlns=\"{NS}\"><on-conflict>skip</on-conflict><device><serial>a</serial><device-type>t</device-type>\
         </device><device><serial>b</serial><device-type>t</device-type><enabled>false</enabled></device></input>"
    );
    assert_eq!(
        xml(&import),
        json!({"sztp-server:input": {"on-conflict": "skip", "device": [{"serial": "a", "device-type": "t"},
            {"serial": "b", "device-type": "t", "enabled": false}]}})
    );
    let key = format!("<input xmlns=\"{NS}\"><name>k</name><private-key>AAEC</private-key></input>");
    assert_eq!(xml(&key), json!({"sztp-server:input": {"name": "k", "private-key": "AAEC"}}));
    // revoke's `certificate` is a leaf, unlike the leaf-lists of the same name in the datastore.
    let revoke = format!("<input xmlns=\"{NS}\"><certificate>QQ==</certificate></input>");
    assert_eq!(xml(&revoke), json!({"sztp-server:input": {"certificate": "QQ=="}}));
    let bare = format!("<certificate xmlns=\"{NS}\">QQ==</certificate>");
    assert_eq!(xml(&bare), json!({"sztp-server:certificate": ["QQ=="]}));
}

#[test]
fn a_name_shared_by_a_list_and_a_leaf_is_told_apart_by_its_content() {
    let list = format!("<owner-certificate xmlns=\"{NS}\"><name>o</name><key>k</key></owner-certificate>");
    assert_eq!(xml(&list), json!({"sztp-server:owner-certificate": [{"name": "o", "key": "k"}]}));
    let leaf = format!("<owner-certificate xmlns=\"{NS}\">o</owner-certificate>");
    assert_eq!(xml(&leaf), json!({"sztp-server:owner-certificate": "o"}));
    let tenants = format!("<tenant xmlns=\"{NS}\">a</tenant>");
    assert_eq!(xml(&tenants), json!({"sztp-server:tenant": ["a"]}));
}

#[test]
fn xml_lexical_details_are_undone() {
    let body = format!(
        "\u{feff}<s:device xmlns:s=\"{NS}\"><s:serial>a&amp;b&#x3C;&#13;<![CDATA[<c>]]>\r\nd</s:serial></s:device>"
    );
    assert_eq!(xml(&body), json!({"sztp-server:device": [{"serial": "a&b<\r<c>\nd"}]}), "CR LF is LF, &#13; is CR");
    let empty = format!("<device xmlns=\"{NS}\"><serial/><overrides/></device>");
    assert_eq!(xml(&empty), json!({"sztp-server:device": [{"serial": "", "overrides": {}}]}));
}

/// A module with what ours lack: `empty` leaves and leaf-lists of numbers.
const TEST: Schema = Schema {
    module: "t",
    namespace: "urn:t",
    nodes: &[("c", Kind::Container), ("c/flag", Kind::Leaf(Scalar::Empty)), ("c/n", Kind::LeafList(Scalar::Number))],
};

#[test]
fn empty_leaves_are_null_in_an_array_and_leaf_lists_keep_their_type() {
    let doc = parse(b"<c xmlns=\"urn:t\"><flag/><n>1</n><n>-2</n></c>").unwrap();
    assert_eq!(convert(&doc, &[&TEST]).unwrap(), json!({"t:c": {"flag": [null], "n": [1, -2]}}));
    let doc = parse(b"<c xmlns=\"urn:t\"><flag>x</flag></c>").unwrap();
    assert!(matches!(convert(&doc, &[&TEST]), Err(XmlBodyError::InvalidValue(m)) if m.contains("empty")));
}

#[test]
fn bad_xml_is_a_malformed_message() {
    assert!(malformed("").contains("no element"));
    assert!(malformed("   ").contains("no element"));
    assert!(malformed("</device>").contains("byte"));
    assert!(json_from_xml(b"<device xmlns=\"x\">\xff</device>").is_err_and(|e| e.to_string().contains("UTF-8")));
    assert!(malformed(&format!("<device xmlns=\"{NS}\"><serial>a</device>")).contains("byte"));
    assert!(malformed(&format!("<device xmlns=\"{NS}\"><serial>a</serial>")).contains("ends inside /device"));
    assert!(malformed(&format!("<device xmlns=\"{NS}\"/><device xmlns=\"{NS}\"/>")).contains("top-level"));
    assert!(malformed(&format!("<device xmlns=\"{NS}\"/>tail")).contains("outside"));
    assert!(malformed(&format!("<device xmlns=\"{NS}\"><serial>a & b</serial></device>")).contains("byte"));
    assert!(malformed(&format!("<device xmlns=\"{NS}\" a=\"1\" a=\"2\"/>")).contains("/device"));
    assert!(malformed("<p:device xmlns=\"x\"/>").contains("undeclared prefix p"));
    assert!(malformed(&format!("<device xmlns=\"{NS}\"><serial>&#0;</serial></device>")).contains("U+0000"));
    assert!(malformed(&format!("<device xmlns=\"{NS}\"><serial>\u{1}</serial></device>")).contains("U+0001"));
    assert!(malformed(&format!("<device xmlns=\"{NS}\"><!-- a -- b --></device>")).contains("byte"));
}

#[test]
fn dtds_and_entities_are_refused() {
    let laughs = "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;&lol;\">]>\
                  <serial xmlns=\"urn:sztp:params:xml:ns:yang:sztp-server\">&lol2;</serial>";
    assert!(malformed(laughs).contains("DTD"));
    let xxe = "<!DOCTYPE d [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><d>&x;</d>";
    assert!(malformed(xxe).contains("DTD"));
    assert!(malformed(&format!("<serial xmlns=\"{NS}\">&x;</serial>")).contains("unknown entity &x;"));
    assert!(malformed(&format!("<?pi x?><serial xmlns=\"{NS}\"/>")).contains("processing instruction"));
    assert!(
        malformed(&format!("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><serial xmlns=\"{NS}\"/>"))
            .contains("UTF-8")
    );
}

#[test]
fn nesting_is_bounded_before_the_schema_is_read() {
    let deep = format!("{}{}", "<a xmlns=\"x\">".repeat(MAX_DEPTH + 1), "</a>".repeat(MAX_DEPTH + 1));
    assert!(malformed(&deep).contains("deeper"));
    let fits = format!("{}{}", "<a>".repeat(MAX_DEPTH), "</a>".repeat(MAX_DEPTH));
    assert!(parse(fits.as_bytes()).is_ok());
}

#[test]
fn mixed_content_is_refused() {
    assert!(malformed(&format!("<device xmlns=\"{NS}\">x<serial>a</serial></device>")).contains("mixed content"));
    assert!(malformed(&format!("<device xmlns=\"{NS}\"><serial>a</serial>x</device>")).contains("mixed content"));
}

#[test]
fn unknown_namespaces_elements_and_attributes_are_unknown_elements() {
    assert!(unknown("<device><serial>a</serial></device>").contains("no XML namespace"));
    assert!(unknown("<device xmlns=\"urn:other\"/>").contains("unknown namespace \"urn:other\""));
    assert!(unknown(&format!("<device xmlns=\"{NS}\"><colour>red</colour></device>")).contains("/device/colour"));
    assert!(unknown(&format!("<gadget xmlns=\"{NS}\"/>")).contains("/gadget: unknown element"));
    let foreign = format!("<device xmlns=\"{NS}\"><serial xmlns=\"urn:other\">a</serial></device>");
    assert!(unknown(&foreign).contains("not expected"));
    assert!(unknown(&format!("<device xmlns=\"{NS}\" operation=\"merge\"/>")).contains("attribute operation"));
    let patch_in_data =
        "<yang-patch xmlns=\"urn:ietf:params:xml:ns:yang:ietf-yang-patch\"><edit><colour/></edit></yang-patch>";
    assert!(unknown(patch_in_data).contains("/yang-patch/edit/colour"));
    assert!(unknown(&format!("<input xmlns=\"{NS}\"><serial-rule/></input>")).contains("/input/serial-rule"));
}

#[test]
fn values_the_type_cannot_hold_are_invalid() {
    let port = |v: &str| format!("<server xmlns=\"{NS}\"><address>a</address><port>{v}</port></server>");
    assert!(invalid(&port("https")).contains("not an integer"));
    assert!(invalid(&port("")).contains("not an integer"));
    assert!(invalid(&port("1.5")).contains("not an integer"));
    assert!(invalid(&port("99999999999999999999")).contains("in range"));
    assert_eq!(xml(&port("\n 443 \n"))["sztp-server:server"][0]["port"], 443, "XML whitespace around a number");
    assert!(invalid(&format!("<enabled xmlns=\"{NS}\">yes</enabled>")).contains("true or false"));
    assert!(invalid(&format!("<device xmlns=\"{NS}\"><serial><x/></serial></device>")).contains("a leaf holds text"));
    assert!(invalid(&format!("<devices xmlns=\"{NS}\">SN-1</devices>")).contains("holds elements"));
    let twice = format!("<device xmlns=\"{NS}\"><serial>a</serial><serial>b</serial></device>");
    assert!(invalid(&twice).contains("given twice"));
    assert!(invalid(&format!("<id xmlns=\"{NS}\">1</id>")).contains("ambiguous"));
}

#[test]
fn each_refusal_has_its_restconf_error_tag() {
    assert_eq!(refused("<x").tag(), ErrorTag::MalformedMessage);
    assert_eq!(refused("<x xmlns=\"urn:x\"/>").tag(), ErrorTag::UnknownElement);
    assert_eq!(refused(&format!("<enabled xmlns=\"{NS}\">1</enabled>")).tag(), ErrorTag::InvalidValue);
    for tag in [ErrorTag::MalformedMessage, ErrorTag::UnknownElement, ErrorTag::InvalidValue] {
        assert_eq!(tag.default_status(), 400);
    }
}

#[test]
fn the_tables_are_sorted_for_binary_search() {
    for schema in [&SZTP_SERVER, &YANG_PATCH] {
        assert!(schema.nodes.windows(2).all(|w| w[0].0 < w[1].0), "{} is sorted", schema.module);
    }
}

/// The nodes of a module, as `yanglint -f info` prints its compiled schema: every data node
/// (configuration and state, which clients echo back) and every action input, or with
/// `yang_data`, the nodes of that `rc:yang-data` structure.
fn nodes_by_yanglint(module: &str, yang_data: Option<&str>) -> Option<(String, Vec<(String, Kind)>)> {
    if std::process::Command::new("yanglint").arg("--version").output().is_err() {
        assert!(std::env::var_os("CI").is_none(), "yanglint is required under CI (apt-get install libyang2-tools)");
        eprintln!("yanglint not installed: schema check skipped");
        return None;
    }
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../../");
    let out = std::process::Command::new("yanglint")
        .current_dir(root)
        .args(["-D", "-p", "yang/ietf", "-p", "yang/sztp", "-f", "info", module])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    let mut tokens = info::tokens(&text).into_iter();
    let top = info::statements(&mut tokens);
    let body = &top.first().expect("a module").subs;
    let namespace = body.iter().find(|s| s.keyword == "namespace").map(|s| s.arg.clone()).unwrap();
    let mut nodes = Vec::new();
    match yang_data {
        Some(name) => {
            let data = body.iter().find(|s| s.keyword.ends_with(":yang-data") && s.arg == name).unwrap();
            info::walk(&data.subs, "", &mut nodes);
        }
        None => info::walk(body, "", &mut nodes),
    }
    nodes.sort_by(|a, b| a.0.cmp(&b.0));
    Some((namespace, nodes))
}

fn table(schema: &Schema) -> Vec<(String, Kind)> {
    schema.nodes.iter().map(|(p, k)| ((*p).to_owned(), *k)).collect()
}

#[test]
fn the_sztp_server_table_matches_the_yang_module() {
    let Some((namespace, nodes)) = nodes_by_yanglint("yang/sztp/sztp-server@2026-11-30.yang", None) else { return };
    assert_eq!(namespace, SZTP_SERVER.namespace);
    assert!(nodes.len() > 150, "{} nodes", nodes.len());
    let ours = table(&SZTP_SERVER);
    for node in &nodes {
        assert!(ours.contains(node), "SZTP_SERVER_NODES lacks (or mistypes) {node:?}");
    }
    assert_eq!(ours, nodes, "SZTP_SERVER_NODES has an entry the module does not");
}

#[test]
fn the_yang_patch_table_matches_rfc_8072() {
    let module = "yang/ietf/ietf-yang-patch@2017-02-22.yang";
    let Some((namespace, nodes)) = nodes_by_yanglint(module, Some("yang-patch")) else { return };
    assert_eq!(namespace, YANG_PATCH.namespace);
    assert_eq!(table(&YANG_PATCH), nodes);
}

/// A reader of `yanglint -f info` output (compiled YANG: groupings expanded, types resolved).
mod info {
    use super::{Kind, Scalar};

    pub(super) struct Statement {
        pub(super) keyword: String,
        pub(super) arg: String,
        pub(super) subs: Vec<Statement>,
    }

    pub(super) enum Token {
        Open,
        Close,
        End,
        Word(String),
    }

    pub(super) fn tokens(text: &str) -> Vec<Token> {
        let mut out = Vec::new();
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                c if c.is_whitespace() => {}
                '{' => out.push(Token::Open),
                '}' => out.push(Token::Close),
                ';' => out.push(Token::End),
                '"' => {
                    let mut s = String::new();
                    while let Some(c) = chars.next() {
                        match c {
                            '"' => break,
                            '\\' => s.extend(chars.next()),
                            c => s.push(c),
                        }
                    }
                    out.push(Token::Word(s));
                }
                '\'' => out.push(Token::Word(chars.by_ref().take_while(|c| *c != '\'').collect())),
                c => {
                    let mut s = String::from(c);
                    while let Some(&n) = chars.peek().filter(|n| !n.is_whitespace() && !"{};".contains(**n)) {
                        s.push(n);
                        chars.next();
                    }
                    out.push(Token::Word(s));
                }
            }
        }
        out
    }

    pub(super) fn statements(tokens: &mut impl Iterator<Item = Token>) -> Vec<Statement> {
        let mut out = Vec::new();
        while let Some(Token::Word(keyword)) = tokens.next() {
            let mut args = Vec::new();
            loop {
                match tokens.next() {
                    Some(Token::Word(w)) => args.push(w),
                    Some(Token::End) => break out.push(Statement { keyword, arg: args.join(" "), subs: Vec::new() }),
                    Some(Token::Open) => {
                        let subs = statements(tokens);
                        break out.push(Statement { keyword, arg: args.join(" "), subs });
                    }
                    _ => panic!("unexpected end of the info output"),
                }
            }
        }
        out
    }

    fn scalar(leaf: &Statement) -> Scalar {
        json_type(leaf.subs.iter().find(|s| s.keyword == "type").expect("a type"))
    }

    fn json_type(ty: &Statement) -> Scalar {
        let members = || ty.subs.iter().filter(|s| s.keyword == "type").map(json_type);
        match ty.arg.as_str() {
            "string" | "binary" | "enumeration" | "bits" | "int64" | "uint64" | "decimal64" => Scalar::Text,
            "int8" | "int16" | "int32" | "uint8" | "uint16" | "uint32" => Scalar::Number,
            "boolean" => Scalar::Boolean,
            "empty" => Scalar::Empty,
            "leafref" => members().next().expect("the type a leafref refers to"),
            "union" => {
                let types: Vec<Scalar> = members().collect();
                assert!(types.windows(2).all(|w| w[0] == w[1]), "a union of JSON types: {types:?}");
                types[0]
            }
            other => panic!("type {other} is not handled by the XML reader"),
        }
    }

    pub(super) fn walk(statements: &[Statement], parent: &str, out: &mut Vec<(String, Kind)>) {
        for s in statements {
            let path = if parent.is_empty() { s.arg.clone() } else { format!("{parent}/{}", s.arg) };
            match s.keyword.as_str() {
                "container" => {
                    out.push((path.clone(), Kind::Container));
                    walk(&s.subs, &path, out);
                }
                "list" => {
                    out.push((path.clone(), Kind::List));
                    walk(&s.subs, &path, out);
                }
                "leaf" => out.push((path, Kind::Leaf(scalar(s)))),
                "leaf-list" => out.push((path, Kind::LeafList(scalar(s)))),
                "anydata" => out.push((path, Kind::Anydata)),
                "choice" | "case" => walk(&s.subs, parent, out),
                "action" => {
                    for input in s.subs.iter().filter(|i| i.keyword == "input") {
                        let input_path = format!("{path}/input");
                        out.push((input_path.clone(), Kind::Container));
                        walk(&input.subs, &input_path, out);
                    }
                }
                "anyxml" | "rpc" | "notification" => panic!("{} {path} is not handled by the XML reader", s.keyword),
                _ => {}
            }
        }
    }
}
