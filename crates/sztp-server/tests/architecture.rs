//! The server's shape, checked on its source: the domain stays free of HTTP, statuses are picked
//! in one module, files stay small, and `docs/design.md` names only files that exist.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn src() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&root, &mut files);
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            (p.strip_prefix(&root).unwrap().display().to_string(), text)
        })
        .collect()
}

/// The code of a file without its `#[cfg(test)]` module (tests may use anything).
fn code(text: &str) -> &str {
    text.find("#[cfg(test)]").map_or(text, |at| &text[..at])
}

#[test]
fn the_domain_does_not_know_http() {
    for (name, text) in src().iter().filter(|(n, _)| n.starts_with("domain/")) {
        for forbidden in ["axum", "hyper", "http::", "StatusCode"] {
            assert!(!code(text).contains(forbidden), "{name} uses {forbidden}: the domain is free of HTTP");
        }
    }
}

#[test]
fn statuses_are_picked_in_one_module() {
    for (name, text) in src() {
        let allowed = name == "api/restconf/status.rs" || name.starts_with("listen/");
        assert!(
            allowed || !code(&text).contains("StatusCode::"),
            "{name} picks an HTTP status; use api/restconf/status.rs"
        );
    }
}

#[test]
fn source_files_stay_under_400_lines() {
    for (name, text) in src().into_iter().filter(|(n, _)| !n.ends_with("tests.rs")) {
        let lines = code(&text).lines().count();
        assert!(lines < 400, "{name} has {lines} lines of code; split it");
    }
}

#[test]
fn the_design_map_names_files_that_exist() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let design = std::fs::read_to_string(root.join("docs/design.md")).expect("docs/design.md");
    let mut named = 0;
    for quoted in design.split('`').skip(1).step_by(2) {
        let path = quoted.split(['#', ' ', ':']).next().unwrap_or_default();
        if path.starts_with("crates/") || path.starts_with("docs/") || path.starts_with("yang/") {
            named += 1;
            assert!(root.join(path).exists(), "docs/design.md names {path}, which does not exist");
        }
    }
    assert!(named > 20, "docs/design.md should map concepts to files; it names {named}");
}
