//! X.509 helpers: certificate loading, subject attributes, and certification path validation
//! (RFC 5280 §6, the subset RFC 8572 §5.4 relies on) with signatures checked by aws-lc-rs.

mod certificate;
mod crl;
mod error;
mod path;
pub(crate) mod signature;
pub(crate) mod tlv;

pub use certificate::{
    AltName, AuthorityKeyId, Certificate, ID_AT_COMMON_NAME, ID_AT_SERIAL_NUMBER, load_certificates, pem_blocks,
};
pub(crate) use certificate::{rfc3339, to_offset as to_offset_time};
pub use crl::{Crl, RevocationMode, check_revocation};
pub use error::X509Error;
pub use path::{PathOptions, validate_path};
