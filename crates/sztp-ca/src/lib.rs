//! Integrated certificate authority: keys, profiles, issuance from verified CSRs, revocation (no HTTP, no SQL).
//!
//! Not built yet: this crate is a skeleton that fixes the workspace layout and its dependency rules.
