//! `sztpctl` API commands, run as the real binary against a real server (in-process, quickstart
//! database, loopback): one module per command group, exit codes included.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../../../sztp-server/tests/support/mod.rs"]
mod support;

mod artifacts;
mod devices;
mod helpers;
mod keys;
mod logs;
mod responses;
mod trust;
