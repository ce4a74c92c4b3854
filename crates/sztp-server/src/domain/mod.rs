//! The bootstrap domain, free of HTTP: device authentication, response selection, conveyed
//! information, signing and encryption, the two RFC 8572 RPCs as services, and their records.

pub(crate) mod bootstrap;
pub(crate) mod compat;
pub(crate) mod conveyed;
pub(crate) mod identity;
pub(crate) mod keys;
pub(crate) mod material;
pub(crate) mod progress;
pub(crate) mod request_log;
pub(crate) mod select;
pub(crate) mod serial;

use sztp_ca::KeyEncryptionKey;
use sztp_store::{Store, TenantId};

/// Where a southbound request arrived: the store, the key-encryption key, and the endpoint with
/// the tenant whose devices it serves.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Site<'a> {
    /// The store.
    pub store: &'a Store,
    /// Opens the owner keys.
    pub kek: &'a KeyEncryptionKey,
    /// The tenant whose devices the endpoint serves.
    pub tenant: TenantId,
    /// The endpoint's name (for logs and messages).
    pub endpoint: &'a str,
    /// Whether the endpoint serves `/files/{name}`.
    pub serves_files: bool,
    /// What need not be loaded again.
    pub caches: &'a crate::cache::Caches,
}
