//! The sztp bootstrap server daemon (RFC 8572): listeners, the southbound bootstrap API and the
//! northbound RESTCONF operator API over the bootstrap domain (`domain`) and `sztp-store`.

pub(crate) mod api;
pub(crate) mod audit;
pub(crate) mod cache;
pub mod cli;
pub(crate) mod commits;
pub(crate) mod domain;
pub(crate) mod endpoints;
pub mod listen;
pub(crate) mod password;
pub mod quickstart;
pub(crate) mod rejections;
pub(crate) mod retention;
pub(crate) use api::restconf;
pub mod server;
pub mod state;
pub mod telemetry;
