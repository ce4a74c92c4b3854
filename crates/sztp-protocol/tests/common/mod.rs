//! Shared helpers for the protocol crate's integration tests: paths and the yanglint oracle.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

pub(crate) use sztp_testkit::yanglint::{Schema, yanglint};

/// The repository root.
pub(crate) fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A file under `testdata/rfc-examples`.
pub(crate) fn example(rel: &str) -> Vec<u8> {
    std::fs::read(repo().join("testdata/rfc-examples").join(rel)).expect("example file")
}
