//! The sztp bootstrap server daemon (RFC 8572): listeners, the southbound bootstrap API, the
//! northbound admin API (later) and the device CA API (later), over the storage in `sztp-store`.

pub mod audit;
pub mod bootstrap_api;
pub mod cli;
pub mod endpoints;
pub mod listen;
pub mod northbound;
pub mod password;
pub mod provisioning;
pub mod quickstart;
pub mod restconf;
pub mod server;
pub mod state;
pub mod telemetry;
