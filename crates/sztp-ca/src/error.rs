//! The one error type of the CA crate; messages name the thing that was wrong and, where it
//! helps, what to do about it.

use std::path::PathBuf;

/// Everything that can go wrong in key handling, issuance and key encryption at rest.
#[derive(Debug, thiserror::Error)]
pub enum CaError {
    /// A private key could not be read, or is of a kind this CA does not support.
    #[error("invalid private key: {0}")]
    InvalidKey(String),

    /// Key generation failed in the crypto library.
    #[error("could not generate a {0} key")]
    KeyGeneration(String),

    /// Signing with a private key failed in the crypto library.
    #[error("signing with the {0} key failed")]
    Signing(String),

    /// PEM text that could not be decoded, or that lacks the expected block.
    #[error("invalid PEM: {0}")]
    Pem(String),

    /// A subject name string that is not a valid RFC 4514 distinguished name.
    #[error("invalid subject name '{subject}': {reason}")]
    InvalidName {
        /// The string as given.
        subject: String,
        /// What is wrong with it.
        reason: String,
    },

    /// A certificate that could not be parsed or is unfit for its role.
    #[error("invalid certificate: {0}")]
    InvalidCertificate(String),

    /// The private key given for a CA does not belong to its certificate.
    #[error("the private key does not match the public key of certificate '{0}'")]
    KeyMismatch(String),

    /// A public key in an issuance request that cannot be certified.
    #[error("unsupported subject public key: {0}")]
    UnsupportedPublicKey(String),

    /// The parameters of a profile (SANs, device serial number, path length) are unusable.
    #[error("invalid {profile} request: {reason}")]
    InvalidRequest {
        /// The profile name.
        profile: &'static str,
        /// What is wrong.
        reason: String,
    },

    /// The requested validity period is empty or extends beyond the issuing CA's.
    #[error("invalid validity period: {0}")]
    InvalidValidity(String),

    /// DER encoding or certificate assembly failed.
    #[error("encoding failed: {0}")]
    Encoding(String),

    /// A key-encryption key file or value that is malformed.
    #[error("invalid key-encryption key {source_name}: {reason}")]
    InvalidKek {
        /// The file path or other source of the key.
        source_name: String,
        /// What is wrong.
        reason: String,
    },

    /// A key-encryption key file that other users can read.
    #[error(
        "key-encryption key file {} is accessible by group or others (mode {mode:04o}); \
         restrict it with `chmod 600 {}`",
        path.display(),
        path.display()
    )]
    KekPermissions {
        /// The file.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },

    /// A sealed blob that does not decrypt: wrong key-encryption key, wrong name, or tampering.
    #[error("cannot decrypt sealed data: {0}")]
    Unseal(String),

    /// A file system operation failed.
    #[error("{action} {}: {source}", path.display())]
    Io {
        /// What was being done ("cannot read", "cannot create", ...).
        action: &'static str,
        /// The file involved.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
}

impl CaError {
    pub(crate) fn encoding(e: impl std::fmt::Display) -> Self {
        CaError::Encoding(e.to_string())
    }

    pub(crate) fn io(action: &'static str, path: &std::path::Path, source: std::io::Error) -> Self {
        CaError::Io { action, path: path.to_path_buf(), source }
    }
}
