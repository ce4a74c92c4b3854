//! The sztp bootstrap server daemon (RFC 8572): listeners, the southbound bootstrap API and the
//! northbound RESTCONF operator API over the bootstrap domain (`domain`) and `sztp-store`.

pub mod api;
pub mod audit;
pub mod cli;
pub mod domain;
pub mod endpoints;
pub mod listen;
pub mod northbound;
pub mod password;
pub mod quickstart;
pub use api::{restconf, southbound};
pub mod server;
pub mod state;
pub mod telemetry;
