//! Errors of the CMS layer.

use thiserror::Error;

/// A CMS structure that could not be built, parsed, verified or decrypted.
#[derive(Debug, Error)]
pub enum CmsError {
    /// The bytes are not the DER structure expected; the text says which part.
    #[error("malformed CMS: {0}")]
    Malformed(String),
    /// A content type other than the one(s) the caller accepts.
    #[error("unexpected content type {found} (expected {expected})")]
    UnexpectedContentType {
        /// What the caller accepts, as text.
        expected: String,
        /// The OID found.
        found: String,
    },
    /// An algorithm, version or structure that this implementation does not handle.
    #[error("unsupported: {0}")]
    Unsupported(String),
    /// A signature (or signed attribute) that does not verify.
    #[error("signature verification failed: {0}")]
    Signature(String),
    /// No recipient matches the key, or decryption failed.
    #[error("decryption failed: {0}")]
    Decrypt(String),
    /// A key that cannot be loaded or used.
    #[error("key error: {0}")]
    Key(String),
    /// A failure inside the crypto library while building.
    #[error("crypto failure: {0}")]
    Crypto(String),
}

impl From<der::Error> for CmsError {
    fn from(e: der::Error) -> Self {
        CmsError::Malformed(e.to_string())
    }
}
