//! The protocol crate's error type: one enum that wraps the error of each area.

use thiserror::Error;

/// Any failure of the protocol core.
#[derive(Debug, Error)]
pub enum ProtocolError {
    /// Input that is not valid YANG-modelled data in JSON or XML.
    #[error(transparent)]
    Decode(#[from] crate::codec::DecodeError),
    /// A CMS structure that could not be built, parsed, verified or decrypted.
    #[error(transparent)]
    Cms(#[from] crate::cms::CmsError),
    /// A certificate or certification path that is not acceptable.
    #[error(transparent)]
    X509(#[from] crate::x509::X509Error),
    /// Signed data that fails the RFC 8572 §5.4 checks.
    #[error(transparent)]
    Trust(#[from] crate::trust::TrustError),
    /// A DHCP option that cannot be encoded or decoded.
    #[error(transparent)]
    Dhcp(#[from] crate::dhcp::DhcpError),
    /// A DNS record form that cannot be encoded or decoded.
    #[error(transparent)]
    Dns(#[from] crate::dns::DnsError),
}
