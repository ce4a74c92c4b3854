//! sea-orm entities, one per table; columns mirror the migrations (timestamps in microseconds).
// The derive macros emit `pub` items; they stay private to this crate.
#![allow(unreachable_pub)]

pub(crate) mod admin;
pub(crate) mod config;
pub(crate) mod journal;
pub(crate) mod logs;
pub(crate) mod pki;
