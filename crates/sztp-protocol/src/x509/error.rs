//! Errors of the X.509 layer: each names the certificate (by subject) it is about and says why.

use thiserror::Error;

/// A certificate, CRL or certification path that is not acceptable.
#[derive(Debug, Error)]
pub enum X509Error {
    /// Bytes that are not a DER (or PEM) certificate or CRL.
    #[error("malformed {what}: {reason}")]
    Malformed {
        /// What was being parsed ("certificate", "CRL", "PEM", …).
        what: &'static str,
        /// The parser's complaint.
        reason: String,
    },
    /// An extension that cannot be decoded, or that appears twice.
    #[error("certificate '{subject}': bad {extension} extension: {reason}")]
    BadExtension {
        /// Subject of the certificate.
        subject: String,
        /// The extension's name.
        extension: &'static str,
        /// The decoder's complaint.
        reason: String,
    },
    /// A signature or key algorithm this implementation does not accept.
    #[error("certificate '{subject}': unsupported algorithm: {reason}")]
    UnsupportedAlgorithm {
        /// Subject of the certificate (or the CRL issuer).
        subject: String,
        /// Which algorithm, and why it is refused.
        reason: String,
    },
    /// A signature that does not verify with the issuer's public key.
    #[error("certificate '{subject}': signature does not verify with the key of '{issuer}'")]
    BadSignature {
        /// Subject of the signed certificate (or "CRL of …").
        subject: String,
        /// Subject of the certificate whose key was used.
        issuer: String,
    },
    /// The validation time is before notBefore.
    #[error("certificate '{subject}' is not valid before {not_before} (validation time {time})")]
    NotYetValid {
        /// Subject of the certificate.
        subject: String,
        /// Its notBefore, RFC 3339.
        not_before: String,
        /// The validation time, RFC 3339.
        time: String,
    },
    /// The validation time is after notAfter.
    #[error("certificate '{subject}' expired at {not_after} (validation time {time})")]
    Expired {
        /// Subject of the certificate.
        subject: String,
        /// Its notAfter, RFC 3339.
        not_after: String,
        /// The validation time, RFC 3339.
        time: String,
    },
    /// An issuer that is not a CA (basicConstraints) or may not sign certificates (keyUsage).
    #[error("certificate '{subject}' may not issue certificates: {reason}")]
    NotCa {
        /// Subject of the would-be issuer.
        subject: String,
        /// What is missing.
        reason: String,
    },
    /// A certificate whose keyUsage does not allow the use it is put to.
    #[error("certificate '{subject}': keyUsage lacks {missing}")]
    KeyUsage {
        /// Subject of the certificate.
        subject: String,
        /// The missing bit, e.g. "digitalSignature".
        missing: &'static str,
    },
    /// A pathLenConstraint that the path exceeds.
    #[error("certificate '{subject}': pathLenConstraint {limit} exceeded ({found} intermediate CAs below it)")]
    PathLength {
        /// Subject of the constraining CA.
        subject: String,
        /// Its pathLenConstraint.
        limit: u32,
        /// Non-self-issued intermediates found below it.
        found: u32,
    },
    /// A critical extension this validator does not process.
    #[error("certificate '{subject}': unsupported critical extension {oid}")]
    UnknownCriticalExtension {
        /// Subject of the certificate.
        subject: String,
        /// The extension's OID.
        oid: String,
    },
    /// No chain from the end-entity certificate to any trust anchor.
    #[error("no certification path from '{subject}' to a trust anchor: {reason}")]
    NoPath {
        /// Subject of the end-entity certificate.
        subject: String,
        /// Why: the most specific failure found while building.
        reason: String,
    },
    /// A certificate that a current CRL from its issuer lists as revoked.
    #[error("certificate '{subject}' (serial {serial}) is revoked by its issuer's CRL")]
    Revoked {
        /// Subject of the certificate.
        subject: String,
        /// Its serial number, hex.
        serial: String,
    },
    /// Revocation status that is required but cannot be established (no usable, current CRL).
    #[error("revocation status of '{subject}' unavailable: {reason}")]
    RevocationUnavailable {
        /// Subject of the certificate.
        subject: String,
        /// Why no CRL could be used.
        reason: String,
    },
}

impl X509Error {
    pub(crate) fn malformed(what: &'static str, reason: impl ToString) -> Self {
        X509Error::Malformed { what, reason: reason.to_string() }
    }
}
