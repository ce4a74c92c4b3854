//! Signature verification with aws-lc-rs for the algorithms X.509 and CMS use here: ECDSA on
//! P-256/P-384 and RSA PKCS#1 v1.5, with SHA-256/384/512 (SHA-1 only when explicitly allowed).

use aws_lc_rs::signature::{self as sig, UnparsedPublicKey, VerificationAlgorithm};
use const_oid::ObjectIdentifier;
use der::Tag;
use der::Tagged;
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};

/// id-ecPublicKey (RFC 5480).
pub(crate) const ID_EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
/// secp256r1 (RFC 5480).
pub(crate) const SECP256R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
/// secp384r1 (RFC 5480).
pub(crate) const SECP384R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.34");
/// rsaEncryption (RFC 8017).
pub(crate) const RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
const SHA1_WITH_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.5");
/// sha256WithRSAEncryption (RFC 4055).
pub(crate) const SHA256_WITH_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.11");
const SHA384_WITH_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.12");
const SHA512_WITH_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.13");
const ECDSA_WITH_SHA1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.1");
/// ecdsa-with-SHA256 (RFC 5758).
pub(crate) const ECDSA_WITH_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");
/// ecdsa-with-SHA384 (RFC 5758).
pub(crate) const ECDSA_WITH_SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.3");
const ECDSA_WITH_SHA512: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.4");
const ID_SHA1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.14.3.2.26");
/// id-sha256 (RFC 5754).
pub(crate) const ID_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");
/// id-sha384 (RFC 5754).
pub(crate) const ID_SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.2");
const ID_SHA512: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.3");

/// A hash function named by a digest or signature AlgorithmIdentifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Hash {
    Sha1,
    Sha256,
    Sha384,
    Sha512,
}

impl Hash {
    /// The hash named by a digest AlgorithmIdentifier (parameters absent or NULL).
    pub(crate) fn from_digest_algorithm(alg: &AlgorithmIdentifierOwned) -> Result<Hash, String> {
        check_absent_or_null(alg)?;
        match alg.oid {
            ID_SHA1 => Ok(Hash::Sha1),
            ID_SHA256 => Ok(Hash::Sha256),
            ID_SHA384 => Ok(Hash::Sha384),
            ID_SHA512 => Ok(Hash::Sha512),
            oid => Err(format!("digest algorithm {oid} not supported")),
        }
    }

    /// Computes the hash of `data`.
    pub(crate) fn digest(self, data: &[u8]) -> Vec<u8> {
        use aws_lc_rs::digest;
        let alg = match self {
            Hash::Sha1 => &digest::SHA1_FOR_LEGACY_USE_ONLY,
            Hash::Sha256 => &digest::SHA256,
            Hash::Sha384 => &digest::SHA384,
            Hash::Sha512 => &digest::SHA512,
        };
        digest::digest(alg, data).as_ref().to_vec()
    }

    /// The digest AlgorithmIdentifier OID.
    pub(crate) fn oid(self) -> ObjectIdentifier {
        match self {
            Hash::Sha1 => ID_SHA1,
            Hash::Sha256 => ID_SHA256,
            Hash::Sha384 => ID_SHA384,
            Hash::Sha512 => ID_SHA512,
        }
    }
}

/// Why a signature was not accepted.
#[derive(Debug)]
pub(crate) enum SigError {
    /// The algorithm (or key type, or combination) is not supported or not allowed.
    Unsupported(String),
    /// The signature does not verify.
    Invalid,
}

#[derive(Clone, Copy)]
enum KeyKind {
    P256,
    P384,
    Rsa,
}

fn check_absent_or_null(alg: &AlgorithmIdentifierOwned) -> Result<(), String> {
    match &alg.parameters {
        None => Ok(()),
        Some(p) if p.tag() == Tag::Null && p.value().is_empty() => Ok(()),
        Some(_) => Err(format!("unexpected parameters in algorithm {}", alg.oid)),
    }
}

fn key_kind(spki: &SubjectPublicKeyInfoOwned) -> Result<KeyKind, SigError> {
    match spki.algorithm.oid {
        ID_EC_PUBLIC_KEY => {
            let curve = spki
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.decode_as::<ObjectIdentifier>().ok())
                .ok_or_else(|| SigError::Unsupported("EC key without a namedCurve".into()))?;
            match curve {
                SECP256R1 => Ok(KeyKind::P256),
                SECP384R1 => Ok(KeyKind::P384),
                c => Err(SigError::Unsupported(format!("EC curve {c} not supported"))),
            }
        }
        RSA_ENCRYPTION => Ok(KeyKind::Rsa),
        oid => Err(SigError::Unsupported(format!("public key algorithm {oid} not supported"))),
    }
}

/// Verifies `signature` over `message` with the key in `spki`.
///
/// `sig_alg` is the signature AlgorithmIdentifier. CMS may name only the key algorithm
/// (rsaEncryption, id-ecPublicKey); then `cms_digest` supplies the hash.
pub(crate) fn verify(
    spki: &SubjectPublicKeyInfoOwned,
    sig_alg: &AlgorithmIdentifierOwned,
    cms_digest: Option<Hash>,
    message: &[u8],
    signature: &[u8],
    allow_sha1: bool,
) -> Result<(), SigError> {
    let kind = key_kind(spki)?;
    let (family_rsa, hash) = match sig_alg.oid {
        SHA1_WITH_RSA => (true, Hash::Sha1),
        SHA256_WITH_RSA => (true, Hash::Sha256),
        SHA384_WITH_RSA => (true, Hash::Sha384),
        SHA512_WITH_RSA => (true, Hash::Sha512),
        RSA_ENCRYPTION => {
            (true, cms_digest.ok_or_else(|| SigError::Unsupported("rsaEncryption without digest".into()))?)
        }
        ECDSA_WITH_SHA1 => (false, Hash::Sha1),
        ECDSA_WITH_SHA256 => (false, Hash::Sha256),
        ECDSA_WITH_SHA384 => (false, Hash::Sha384),
        ECDSA_WITH_SHA512 => (false, Hash::Sha512),
        ID_EC_PUBLIC_KEY => {
            (false, cms_digest.ok_or_else(|| SigError::Unsupported("id-ecPublicKey without digest".into()))?)
        }
        oid => return Err(SigError::Unsupported(format!("signature algorithm {oid} not supported"))),
    };
    if family_rsa {
        check_absent_or_null(sig_alg).map_err(SigError::Unsupported)?;
    } else if sig_alg.parameters.is_some() && sig_alg.oid != ID_EC_PUBLIC_KEY {
        return Err(SigError::Unsupported(format!("ECDSA algorithm {} must not have parameters", sig_alg.oid)));
    }
    if hash == Hash::Sha1 && !allow_sha1 {
        return Err(SigError::Unsupported("SHA-1 signatures are not allowed".into()));
    }
    let alg: &'static dyn VerificationAlgorithm = match (kind, family_rsa, hash) {
        (KeyKind::P256, false, Hash::Sha1) => &sig::ECDSA_P256_SHA1_ASN1,
        (KeyKind::P256, false, Hash::Sha256) => &sig::ECDSA_P256_SHA256_ASN1,
        (KeyKind::P256, false, Hash::Sha384) => &sig::ECDSA_P256_SHA384_ASN1,
        (KeyKind::P256, false, Hash::Sha512) => &sig::ECDSA_P256_SHA512_ASN1,
        (KeyKind::P384, false, Hash::Sha256) => &sig::ECDSA_P384_SHA256_ASN1,
        (KeyKind::P384, false, Hash::Sha384) => &sig::ECDSA_P384_SHA384_ASN1,
        (KeyKind::P384, false, Hash::Sha512) => &sig::ECDSA_P384_SHA512_ASN1,
        (KeyKind::Rsa, true, Hash::Sha1) => &sig::RSA_PKCS1_2048_8192_SHA1_FOR_LEGACY_USE_ONLY,
        (KeyKind::Rsa, true, Hash::Sha256) => &sig::RSA_PKCS1_2048_8192_SHA256,
        (KeyKind::Rsa, true, Hash::Sha384) => &sig::RSA_PKCS1_2048_8192_SHA384,
        (KeyKind::Rsa, true, Hash::Sha512) => &sig::RSA_PKCS1_2048_8192_SHA512,
        _ => {
            return Err(SigError::Unsupported(format!(
                "signature algorithm {} does not fit the {} key",
                sig_alg.oid, spki.algorithm.oid
            )));
        }
    };
    let key_bytes = spki
        .subject_public_key
        .as_bytes()
        .ok_or_else(|| SigError::Unsupported("public key BIT STRING has unused bits".into()))?;
    UnparsedPublicKey::new(alg, key_bytes).verify(message, signature).map_err(|_| SigError::Invalid)
}
