//! Private keys of the CA and the certificates it issues: generation, PKCS#8 and PEM import and
//! export, and signing with aws-lc-rs (ECDSA P-256/P-384, RSA PKCS#1 v1.5 with SHA-256).

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use aws_lc_rs::encoding::{AsDer, PublicKeyX509Der};
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{
    ECDSA_P256_SHA256_ASN1_SIGNING, ECDSA_P384_SHA384_ASN1_SIGNING, EcdsaKeyPair, EcdsaSigningAlgorithm, KeyPair,
    RSA_PKCS1_SHA256, RsaKeyPair,
};
use der::asn1::Null;
use der::{Any, oid::ObjectIdentifier};
use spki::AlgorithmIdentifierOwned;
use zeroize::Zeroizing;

use crate::CaError;
use crate::pem::{blocks_labelled, pem_encode};

/// ecdsa-with-SHA256 (RFC 5758 §3.2).
const ECDSA_WITH_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");
/// ecdsa-with-SHA384 (RFC 5758 §3.2).
const ECDSA_WITH_SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.3");
/// sha256WithRSAEncryption (RFC 4055 §5).
const SHA256_WITH_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.11");

/// The key types this CA generates, loads and signs with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyAlgorithm {
    /// ECDSA on NIST P-256; signs with SHA-256.
    EcdsaP256,
    /// ECDSA on NIST P-384; signs with SHA-384.
    EcdsaP384,
    /// RSA with a 2048-bit modulus; signs PKCS#1 v1.5 with SHA-256.
    Rsa2048,
    /// RSA with a 3072-bit modulus; signs PKCS#1 v1.5 with SHA-256.
    Rsa3072,
    /// RSA with a 4096-bit modulus; signs PKCS#1 v1.5 with SHA-256.
    Rsa4096,
}

impl KeyAlgorithm {
    /// Every algorithm, in the order of their names.
    pub const ALL: [KeyAlgorithm; 5] = [
        KeyAlgorithm::EcdsaP256,
        KeyAlgorithm::EcdsaP384,
        KeyAlgorithm::Rsa2048,
        KeyAlgorithm::Rsa3072,
        KeyAlgorithm::Rsa4096,
    ];

    /// The name used in configuration and APIs, e.g. `ecdsa-p256` or `rsa-3072`.
    pub fn as_str(self) -> &'static str {
        match self {
            KeyAlgorithm::EcdsaP256 => "ecdsa-p256",
            KeyAlgorithm::EcdsaP384 => "ecdsa-p384",
            KeyAlgorithm::Rsa2048 => "rsa-2048",
            KeyAlgorithm::Rsa3072 => "rsa-3072",
            KeyAlgorithm::Rsa4096 => "rsa-4096",
        }
    }

    /// Whether this is an RSA key type.
    pub fn is_rsa(self) -> bool {
        matches!(self, KeyAlgorithm::Rsa2048 | KeyAlgorithm::Rsa3072 | KeyAlgorithm::Rsa4096)
    }

    fn ecdsa(self) -> Option<&'static EcdsaSigningAlgorithm> {
        match self {
            KeyAlgorithm::EcdsaP256 => Some(&ECDSA_P256_SHA256_ASN1_SIGNING),
            KeyAlgorithm::EcdsaP384 => Some(&ECDSA_P384_SHA384_ASN1_SIGNING),
            _ => None,
        }
    }
}

impl fmt::Display for KeyAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for KeyAlgorithm {
    type Err = CaError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_ascii_lowercase();
        KeyAlgorithm::ALL.into_iter().find(|a| a.as_str() == wanted).ok_or_else(|| {
            let names: Vec<&str> = KeyAlgorithm::ALL.iter().map(|a| a.as_str()).collect();
            CaError::InvalidKey(format!("unknown key algorithm '{s}' (expected one of {})", names.join(", ")))
        })
    }
}

enum Pair {
    Ecdsa(EcdsaKeyPair),
    Rsa(RsaKeyPair),
}

/// A private key: its PKCS#8 DER (wiped on drop) plus the loaded key pair used for signing.
#[derive(Clone)]
pub struct PrivateKey {
    pkcs8: Arc<Zeroizing<Vec<u8>>>,
    pair: Arc<Pair>,
    algorithm: KeyAlgorithm,
    public_key_der: Vec<u8>,
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PrivateKey").field("algorithm", &self.algorithm).finish_non_exhaustive()
    }
}

impl PrivateKey {
    /// Generates a fresh key of the given type.
    pub fn generate(algorithm: KeyAlgorithm) -> Result<Self, CaError> {
        let failed = |_| CaError::KeyGeneration(algorithm.to_string());
        let size = match algorithm {
            KeyAlgorithm::EcdsaP256 | KeyAlgorithm::EcdsaP384 => {
                let alg = algorithm.ecdsa().ok_or_else(|| CaError::KeyGeneration(algorithm.to_string()))?;
                return PrivateKey::from_ecdsa(algorithm, EcdsaKeyPair::generate(alg).map_err(failed)?);
            }
            KeyAlgorithm::Rsa2048 => KeySize::Rsa2048,
            KeyAlgorithm::Rsa3072 => KeySize::Rsa3072,
            KeyAlgorithm::Rsa4096 => KeySize::Rsa4096,
        };
        PrivateKey::from_rsa(RsaKeyPair::generate(size).map_err(failed)?)
    }

    /// Loads an unencrypted PKCS#8 (RFC 5208) private key.
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self, CaError> {
        for alg in [KeyAlgorithm::EcdsaP256, KeyAlgorithm::EcdsaP384] {
            if let Some(pair) = alg.ecdsa().and_then(|a| EcdsaKeyPair::from_pkcs8(a, der).ok()) {
                return PrivateKey::from_ecdsa(alg, pair);
            }
        }
        match RsaKeyPair::from_pkcs8(der) {
            Ok(pair) => PrivateKey::from_rsa(pair),
            Err(e) => Err(CaError::InvalidKey(format!("not a PKCS#8 P-256, P-384 or RSA private key ({e})"))),
        }
    }

    /// Loads the first private key of a PEM text: `PRIVATE KEY` (PKCS#8), or the legacy
    /// `EC PRIVATE KEY` (RFC 5915) and `RSA PRIVATE KEY` (PKCS#1) forms, which are converted.
    pub fn from_pem(pem: &str) -> Result<Self, CaError> {
        for label in ["PRIVATE KEY", "EC PRIVATE KEY", "RSA PRIVATE KEY"] {
            let Some(der) = blocks_labelled(pem, label)?.into_iter().next() else { continue };
            let der = Zeroizing::new(der);
            return match label {
                "PRIVATE KEY" => PrivateKey::from_pkcs8_der(&der),
                "EC PRIVATE KEY" => [KeyAlgorithm::EcdsaP256, KeyAlgorithm::EcdsaP384]
                    .into_iter()
                    .find_map(|alg| {
                        let pair = EcdsaKeyPair::from_private_key_der(alg.ecdsa()?, &der).ok()?;
                        Some(PrivateKey::from_ecdsa(alg, pair))
                    })
                    .unwrap_or_else(|| Err(CaError::InvalidKey("EC PRIVATE KEY is not on P-256 or P-384".into()))),
                _ => RsaKeyPair::from_der(&der)
                    .map_err(|e| CaError::InvalidKey(format!("unreadable RSA PRIVATE KEY ({e})")))
                    .and_then(PrivateKey::from_rsa),
            };
        }
        Err(CaError::Pem("no PRIVATE KEY, EC PRIVATE KEY or RSA PRIVATE KEY block found".into()))
    }

    fn from_ecdsa(algorithm: KeyAlgorithm, pair: EcdsaKeyPair) -> Result<Self, CaError> {
        let pkcs8 = pair.to_pkcs8v1().map_err(|_| CaError::InvalidKey("cannot export the EC key".into()))?;
        let public = pair.public_key().as_der();
        PrivateKey::assemble(algorithm, pkcs8.as_ref().to_vec(), public, Pair::Ecdsa(pair))
    }

    fn from_rsa(pair: RsaKeyPair) -> Result<Self, CaError> {
        let algorithm = match pair.public_modulus_len() * 8 {
            2048 => KeyAlgorithm::Rsa2048,
            3072 => KeyAlgorithm::Rsa3072,
            4096 => KeyAlgorithm::Rsa4096,
            bits => {
                return Err(CaError::InvalidKey(format!(
                    "RSA keys of {bits} bits are not supported (2048, 3072 or 4096)"
                )));
            }
        };
        let pkcs8 = pair.as_der().map_err(|_| CaError::InvalidKey("cannot export the RSA key".into()))?;
        let public = pair.public_key().as_der();
        PrivateKey::assemble(algorithm, pkcs8.as_ref().to_vec(), public, Pair::Rsa(pair))
    }

    fn assemble(
        algorithm: KeyAlgorithm,
        pkcs8: Vec<u8>,
        public: Result<PublicKeyX509Der<'static>, aws_lc_rs::error::Unspecified>,
        pair: Pair,
    ) -> Result<Self, CaError> {
        let pkcs8 = Arc::new(Zeroizing::new(pkcs8));
        let public_key_der = public.map_err(|_| CaError::InvalidKey("cannot export the public key".into()))?;
        Ok(PrivateKey { pkcs8, pair: Arc::new(pair), algorithm, public_key_der: public_key_der.as_ref().to_vec() })
    }

    /// The key type.
    pub fn algorithm(&self) -> KeyAlgorithm {
        self.algorithm
    }

    /// The PKCS#8 v1 DER encoding (normalised on load).
    pub fn pkcs8_der(&self) -> &[u8] {
        &self.pkcs8
    }

    /// The PKCS#8 DER as a PEM `PRIVATE KEY` block.
    pub fn to_pem(&self) -> Zeroizing<String> {
        Zeroizing::new(pem_encode("PRIVATE KEY", &self.pkcs8))
    }

    /// The public key as a DER SubjectPublicKeyInfo (RFC 5280 §4.1.2.7).
    pub fn public_key_der(&self) -> Vec<u8> {
        self.public_key_der.clone()
    }

    /// The signature AlgorithmIdentifier this key signs with: ecdsa-with-SHA256 (P-256),
    /// ecdsa-with-SHA384 (P-384) or sha256WithRSAEncryption with NULL parameters (RSA).
    pub fn signature_algorithm(&self) -> AlgorithmIdentifierOwned {
        match self.algorithm {
            KeyAlgorithm::EcdsaP256 => AlgorithmIdentifierOwned { oid: ECDSA_WITH_SHA256, parameters: None },
            KeyAlgorithm::EcdsaP384 => AlgorithmIdentifierOwned { oid: ECDSA_WITH_SHA384, parameters: None },
            _ => AlgorithmIdentifierOwned { oid: SHA256_WITH_RSA, parameters: Some(Any::from(Null)) },
        }
    }

    /// Hashes and signs `message`; ECDSA signatures are DER `Ecdsa-Sig-Value`s.
    pub fn sign(&self, message: &[u8]) -> Result<Vec<u8>, CaError> {
        let rng = SystemRandom::new();
        let failed = |_| CaError::Signing(self.algorithm.to_string());
        match self.pair.as_ref() {
            Pair::Ecdsa(k) => k.sign(&rng, message).map(|s| s.as_ref().to_vec()).map_err(failed),
            Pair::Rsa(k) => {
                let mut signature = vec![0u8; k.public_modulus_len()];
                k.sign(&RSA_PKCS1_SHA256, &rng, message, &mut signature).map_err(failed)?;
                Ok(signature)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_lc_rs::signature::{
        ECDSA_P256_SHA256_ASN1, ECDSA_P384_SHA384_ASN1, RSA_PKCS1_2048_8192_SHA256, UnparsedPublicKey,
        VerificationAlgorithm,
    };
    use der::Decode;
    use spki::SubjectPublicKeyInfoOwned;

    fn verify(key: &PrivateKey, message: &[u8], signature: &[u8]) -> bool {
        let alg: &dyn VerificationAlgorithm = match key.algorithm() {
            KeyAlgorithm::EcdsaP256 => &ECDSA_P256_SHA256_ASN1,
            KeyAlgorithm::EcdsaP384 => &ECDSA_P384_SHA384_ASN1,
            _ => &RSA_PKCS1_2048_8192_SHA256,
        };
        let spki = SubjectPublicKeyInfoOwned::from_der(&key.public_key_der()).unwrap();
        UnparsedPublicKey::new(alg, spki.subject_public_key.raw_bytes()).verify(message, signature).is_ok()
    }

    #[test]
    fn algorithm_names_round_trip() {
        for alg in KeyAlgorithm::ALL {
            assert_eq!(alg.to_string().parse::<KeyAlgorithm>().unwrap(), alg);
        }
        assert_eq!("ECDSA-P384".parse::<KeyAlgorithm>().unwrap(), KeyAlgorithm::EcdsaP384);
        let err = "ed448".parse::<KeyAlgorithm>().unwrap_err().to_string();
        assert!(err.contains("ecdsa-p256, ecdsa-p384, rsa-2048"), "{err}");
    }

    #[test]
    fn generated_keys_sign_and_survive_pkcs8_and_pem() {
        for alg in [KeyAlgorithm::EcdsaP256, KeyAlgorithm::EcdsaP384, KeyAlgorithm::Rsa2048] {
            let key = PrivateKey::generate(alg).unwrap();
            assert_eq!(key.algorithm(), alg);
            let sig = key.sign(b"message").unwrap();
            assert!(verify(&key, b"message", &sig), "{alg}");
            assert!(!verify(&key, b"other", &sig), "{alg}");

            let again = PrivateKey::from_pkcs8_der(key.pkcs8_der()).unwrap();
            assert_eq!(again.algorithm(), alg);
            assert_eq!(again.public_key_der(), key.public_key_der());
            let pem = key.to_pem();
            assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----\n"));
            let from_pem = PrivateKey::from_pem(&pem).unwrap();
            assert_eq!(from_pem.pkcs8_der(), key.pkcs8_der());
        }
    }

    #[test]
    fn rsa_3072_is_recognised_by_modulus_size() {
        let key = PrivateKey::generate(KeyAlgorithm::Rsa3072).unwrap();
        assert_eq!(PrivateKey::from_pkcs8_der(key.pkcs8_der()).unwrap().algorithm(), KeyAlgorithm::Rsa3072);
        assert_eq!(key.sign(b"x").unwrap().len(), 384);
    }

    #[test]
    fn debug_output_does_not_leak_the_key() {
        let key = PrivateKey::generate(KeyAlgorithm::EcdsaP256).unwrap();
        let debug = format!("{key:?}");
        assert_eq!(debug, "PrivateKey { algorithm: EcdsaP256, .. }");
    }

    #[test]
    fn garbage_is_rejected_with_a_clear_message() {
        let err = PrivateKey::from_pkcs8_der(&[0x30, 0x03, 0x02, 0x01, 0x00]).unwrap_err().to_string();
        assert!(err.starts_with("invalid private key: not a PKCS#8"), "{err}");
        let err = PrivateKey::from_pem("-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n").unwrap_err();
        assert!(err.to_string().contains("no PRIVATE KEY"), "{err}");
    }
}
