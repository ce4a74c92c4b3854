//! CMS (RFC 5652) as RFC 8572 §3 uses it: unsigned ContentInfo, SignedData with signed attributes,
//! degenerate certs-only SignedData, and EnvelopedData to a device certificate (signed-then-encrypted).

mod error;

pub mod certs_only;
pub mod content_type;
pub mod ecdh;
pub mod enveloped_data;
pub mod signed_data;
pub mod signer;

pub use error::CmsError;
