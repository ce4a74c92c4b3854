//! `docs/api-reference.md` kept in step with the code: its schema tree is what yanglint prints
//! for the `sztp-server` module, and it names every resource the northbound dispatcher serves.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

const REFERENCE: &str = "docs/api-reference.md";
const MODULE: &str = "yang/sztp/sztp-server@2026-11-30.yang";
const BEGIN: &str = "<!-- tree:begin -->";
const END: &str = "<!-- tree:end -->";

/// Top-level resource paths served by `northbound::mod.rs` and `northbound::artifacts`.
const RESOURCES: &[&str] = &[
    "administrators",
    "preferences",
    "tenants/tenant",
    "devices",
    "device-types",
    "responses",
    "truststore",
    "owner-certificates",
    "vouchers",
    "endpoints",
    "artifacts",
    "keystore",
    "bootstrapping-log",
    "audit-log",
];

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

fn reference() -> String {
    std::fs::read_to_string(repo_root().join(REFERENCE)).expect("docs/api-reference.md is readable")
}

/// Whether yanglint can run; without it the tree check is skipped, except under CI.
fn have_yanglint() -> bool {
    if Command::new("yanglint").arg("--version").output().is_ok() {
        return true;
    }
    assert!(std::env::var_os("CI").is_none(), "yanglint is required under CI (apt-get install libyang2-tools)");
    eprintln!("yanglint not installed: schema tree check skipped");
    false
}

/// The text inside the fenced block between the tree markers.
fn documented_tree(doc: &str) -> &str {
    let start = doc.find(BEGIN).unwrap_or_else(|| panic!("{REFERENCE} lacks {BEGIN}")) + BEGIN.len();
    let len = doc[start..].find(END).unwrap_or_else(|| panic!("{REFERENCE} lacks {END} after {BEGIN}"));
    let block = doc[start..start + len].trim();
    let block = block.strip_prefix("```text").expect("the tree is in a ```text fence");
    block.strip_suffix("```").expect("the tree fence is closed before the end marker").trim_matches('\n')
}

#[test]
fn schema_tree_matches_yanglint_output() {
    if !have_yanglint() {
        return;
    }
    let out = Command::new("yanglint")
        .current_dir(repo_root())
        .args(["-D", "-p", "yang/ietf", "-p", "yang/sztp", "-f", "tree", MODULE])
        .output()
        .expect("yanglint runs");
    assert!(out.status.success() && out.stderr.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));
    let generated = String::from_utf8(out.stdout).expect("the tree is UTF-8");
    let doc = reference();
    assert!(
        documented_tree(&doc) == generated.trim_end_matches('\n'),
        "the schema tree in {REFERENCE} is stale; regenerate it with\n  \
         yanglint -p yang/ietf -p yang/sztp -f tree {MODULE}\n\
         and paste the output between {BEGIN} and {END}, inside the ```text fence.\nExpected:\n{generated}"
    );
}

#[test]
fn reference_names_every_served_resource() {
    let doc = reference();
    let prose = match (doc.find(BEGIN), doc.find(END)) {
        (Some(begin), Some(end)) if begin < end => format!("{}{}", &doc[..begin], &doc[end..]),
        _ => doc.clone(),
    };
    let missing: Vec<&str> = RESOURCES.iter().copied().filter(|r| !prose.contains(r)).collect();
    assert!(missing.is_empty(), "{REFERENCE} does not mention {missing:?} outside the schema tree");
    assert!(prose.contains("/artifacts/{tenant}/{name}"), "{REFERENCE} does not describe the artifact content API");
}
