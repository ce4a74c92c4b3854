//! Integrated certificate authority of sztp: keys, certificate profiles (802.1AR device identity,
//! TLS, CMS signer, CAs), issuance, and key encryption at rest. No HTTP, no SQL, no async runtime.

mod builder;
mod error;
mod issuer;
mod kek;
mod key;
mod name;
mod pem;
mod profile;

pub use error::CaError;
pub use issuer::{CertificateAuthority, IssueRequest};
pub use kek::KeyEncryptionKey;
pub use key::{KeyAlgorithm, PrivateKey};
pub use name::{name_to_string, parse_name};
pub use pem::{pem_decode_all, pem_encode, pem_encode_certificates};
pub use profile::Profile;
