//! Device-side RFC 8572 agent: discovery, the bootstrap client with full verification of what
//! servers send, onboarding in RFC order, progress reports, and a status kept on disk.

pub mod agent;
pub mod cli;
pub mod client;
pub mod conveyed;
pub mod discovery;
pub mod error;
pub mod identity;
pub mod onboard;
pub mod shutdown;
pub mod simulate;
pub mod state;
