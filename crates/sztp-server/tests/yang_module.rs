//! The northbound YANG module `sztp-server` (yang/sztp/) checked with yanglint: it compiles
//! without warnings, the quickstart examples validate, and each invalid example is refused
//! for the reason it was written for.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const MODULE: &str = "yang/sztp/sztp-server@2026-11-30.yang";
const EXAMPLES: &str = "yang/sztp/examples";
/// The configuration datastore actions are validated against (leafref targets).
const CONFIG_EXAMPLE: &str = "quickstart-config.json";

/// Valid instance documents and the yanglint data type (`-t`) each is validated as.
const VALID: &[(&str, &str)] = &[(CONFIG_EXAMPLE, "config"), ("quickstart-operational.json", "data")];

/// Valid action invocations (`-t rpc`, against [`CONFIG_EXAMPLE`]).
const ACTIONS: &[&str] = &["action-devices-import.json"];

/// Invalid configuration documents, each breaking one rule, and a fragment of the error expected.
const INVALID: &[(&str, &str)] = &[
    ("invalid-bad-enum.json", "Invalid enumeration value \"junos\""),
    ("invalid-dangling-leafref.json", "Invalid leafref value \"no-such-type\""),
    ("invalid-https-without-tls.json", "An https endpoint needs a 'tls' container."),
    ("invalid-endpoint-name-reused.json", "Endpoint names are unique across all tenants."),
    ("invalid-no-system-administrator.json", "At least one administrator must have unrestricted access"),
    ("invalid-configuration-without-handling.json", "'configuration' needs 'configuration-handling'."),
    ("invalid-state-in-config.json", "Unexpected data state node \"size\""),
];

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

/// Whether yanglint can run; without it the tests are skipped, except under CI.
fn have_yanglint() -> bool {
    if Command::new("yanglint").arg("--version").output().is_ok() {
        return true;
    }
    assert!(std::env::var_os("CI").is_none(), "yanglint is required under CI (apt-get install libyang2-tools)");
    eprintln!("yanglint not installed: YANG module checks skipped");
    false
}

/// Runs yanglint in the repository root with the module's import paths.
fn yanglint(args: &[&str]) -> Output {
    Command::new("yanglint")
        .current_dir(repo_root())
        .args(["-D", "-p", "yang/ietf", "-p", "yang/sztp"])
        .args(args)
        .output()
        .expect("yanglint runs")
}

fn text(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

fn example(name: &str) -> String {
    format!("{EXAMPLES}/{name}")
}

#[test]
fn module_compiles_without_warnings() {
    if !have_yanglint() {
        return;
    }
    // The documented command line, run as given (it searches the working directory too).
    let out = Command::new("yanglint")
        .current_dir(repo_root())
        .args(["-p", "yang/ietf", "-p", "yang/sztp", MODULE])
        .output()
        .expect("yanglint runs");
    assert!(out.status.success() && out.stdout.is_empty() && out.stderr.is_empty(), "{}", text(&out));
    // And strictly: only the given paths are searched.
    let out = yanglint(&[MODULE]);
    assert!(out.status.success() && out.stderr.is_empty(), "{}", text(&out));
    let tree = yanglint(&["-f", "tree", MODULE]);
    let tree = text(&tree);
    for node in ["+--rw administrators", "+--rw preferences", "+--rw tenants", "+---x import", "+---x revoke"] {
        assert!(tree.contains(node), "tree lacks {node}:\n{tree}");
    }
}

#[test]
fn valid_examples_validate() {
    if !have_yanglint() {
        return;
    }
    for (file, kind) in VALID {
        let path = example(file);
        let out = yanglint(&["-t", kind, MODULE, &path]);
        assert!(out.status.success() && out.stderr.is_empty(), "{file} (-t {kind}): {}", text(&out));
    }
    for file in ACTIONS {
        let path = example(file);
        let config = example(CONFIG_EXAMPLE);
        let out = yanglint(&["-t", "rpc", "-O", &config, MODULE, &path]);
        assert!(out.status.success() && out.stderr.is_empty(), "{file} (-t rpc): {}", text(&out));
    }
}

#[test]
fn operational_example_is_not_configuration() {
    if !have_yanglint() {
        return;
    }
    let out = yanglint(&["-t", "config", MODULE, &example("quickstart-operational.json")]);
    assert!(!out.status.success(), "state data accepted as configuration");
}

#[test]
fn invalid_examples_are_refused_for_their_reason() {
    if !have_yanglint() {
        return;
    }
    for (file, expected) in INVALID {
        let out = yanglint(&["-t", "config", MODULE, &example(file)]);
        let said = text(&out);
        assert!(!out.status.success(), "{file} was accepted");
        assert!(said.contains(expected), "{file} refused for another reason: {said}");
    }
}

#[test]
fn every_example_is_checked() {
    let dir = repo_root().join(EXAMPLES);
    let mut listed: Vec<&str> = VALID.iter().map(|(f, _)| *f).collect();
    listed.extend(ACTIONS);
    listed.extend(INVALID.iter().map(|(f, _)| *f));
    for entry in std::fs::read_dir(&dir).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        if name.ends_with(".json") {
            assert!(listed.contains(&name.as_str()), "{name} is not checked by this test");
        }
    }
    for name in listed {
        assert!(dir.join(name).is_file(), "{name} is missing");
    }
}

/// A YANG statement: keyword, argument, substatements.
struct Stmt {
    keyword: String,
    arg: String,
    line: usize,
    children: Vec<Stmt>,
}

/// Splits YANG text into tokens (with their line numbers): `{`, `}`, `;`, `+`, quoted strings
/// (unquoted) and bare words. Comments are dropped.
fn tokens(src: &str) -> Vec<(String, usize)> {
    let chars: Vec<char> = src.chars().collect();
    let (mut out, mut i, mut line) = (Vec::new(), 0, 1);
    while i < chars.len() {
        let c = chars[i];
        if c == '\n' {
            line += 1;
            i += 1;
        } else if c.is_whitespace() {
            i += 1;
        } else if c == '/' && chars.get(i + 1) == Some(&'/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && chars.get(i + 1) == Some(&'*') {
            i += 2;
            while i + 1 < chars.len() && !(chars[i] == '*' && chars[i + 1] == '/') {
                line += usize::from(chars[i] == '\n');
                i += 1;
            }
            i += 2;
        } else if c == '"' || c == '\'' {
            let (start, mut s) = (line, String::new());
            i += 1;
            while i < chars.len() && chars[i] != c {
                if c == '"' && chars[i] == '\\' {
                    i += 1;
                }
                line += usize::from(chars[i] == '\n');
                s.push(chars[i]);
                i += 1;
            }
            i += 1;
            out.push((s, start));
        } else if "{};".contains(c) {
            out.push((c.to_string(), line));
            i += 1;
        } else {
            let mut s = String::new();
            while i < chars.len() && !chars[i].is_whitespace() && !"{};".contains(chars[i]) {
                s.push(chars[i]);
                i += 1;
            }
            out.push((s, line));
        }
    }
    out
}

fn statements(toks: &[(String, usize)], pos: &mut usize) -> Vec<Stmt> {
    let mut out = Vec::new();
    while *pos < toks.len() && toks[*pos].0 != "}" {
        let (keyword, line) = toks[*pos].clone();
        *pos += 1;
        let mut arg = String::new();
        while !matches!(toks[*pos].0.as_str(), "{" | ";") {
            if toks[*pos].0 != "+" {
                arg.push_str(&toks[*pos].0);
            }
            *pos += 1;
        }
        let children = if toks[*pos].0 == "{" {
            *pos += 1;
            let children = statements(toks, pos);
            assert_eq!(toks[*pos].0, "}", "unbalanced braces near line {line}");
            children
        } else {
            Vec::new()
        };
        *pos += 1;
        out.push(Stmt { keyword, arg, line, children });
    }
    out
}

fn undocumented(stmts: &[Stmt], path: &str, missing: &mut Vec<String>) {
    const DOCUMENTED: &[&str] = &[
        "module",
        "container",
        "leaf",
        "leaf-list",
        "list",
        "choice",
        "case",
        "action",
        "rpc",
        "notification",
        "anydata",
        "anyxml",
        "typedef",
        "grouping",
        "enum",
        "extension",
        "feature",
        "identity",
        "must",
        "when",
        "revision",
    ];
    for s in stmts {
        let here = format!("{path}/{} {}", s.keyword, s.arg);
        if DOCUMENTED.contains(&s.keyword.as_str()) && !s.children.iter().any(|c| c.keyword == "description") {
            missing.push(format!("line {}: {here}", s.line));
        }
        undocumented(&s.children, &here, missing);
    }
}

#[test]
fn every_node_has_a_description() {
    let src = std::fs::read_to_string(repo_root().join(MODULE)).unwrap();
    let toks = tokens(&src);
    let mut pos = 0;
    let module = statements(&toks, &mut pos);
    assert_eq!(pos, toks.len(), "trailing tokens after the module");
    assert_eq!(module.len(), 1);
    assert_eq!((module[0].keyword.as_str(), module[0].arg.as_str()), ("module", "sztp-server"));
    let mut missing = Vec::new();
    undocumented(&module, "", &mut missing);
    assert!(missing.is_empty(), "statements without a description:\n{}", missing.join("\n"));
}
