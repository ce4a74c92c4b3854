//! A CMS signer: a private key loaded with aws-lc-rs (ECDSA P-256 → SHA-256, P-384 → SHA-384,
//! RSA → PKCS#1 v1.5 with SHA-256) and its certificate chain, leaf first.

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{
    ECDSA_P256_SHA256_ASN1_SIGNING, ECDSA_P384_SHA384_ASN1_SIGNING, EcdsaKeyPair, KeyPair, RSA_PKCS1_SHA256, RsaKeyPair,
};
use der::Any;
use der::asn1::Null;
use spki::AlgorithmIdentifierOwned;

use super::CmsError;
use crate::x509::signature::{ECDSA_WITH_SHA256, ECDSA_WITH_SHA384, Hash, SHA256_WITH_RSA};
use crate::x509::{Certificate, pem_blocks};

/// The signature scheme a [`Signer`] uses, fixed by its key type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureScheme {
    /// ECDSA on P-256 with SHA-256.
    EcdsaP256Sha256,
    /// ECDSA on P-384 with SHA-384.
    EcdsaP384Sha384,
    /// RSA PKCS#1 v1.5 with SHA-256.
    RsaPkcs1Sha256,
}

enum Key {
    Ecdsa(EcdsaKeyPair),
    Rsa(RsaKeyPair),
}

/// A private key and its certificate chain (leaf first, DER), able to sign CMS content.
pub struct Signer {
    key: Key,
    scheme: SignatureScheme,
    chain: Vec<Certificate>,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signer").field("scheme", &self.scheme).field("chain", &self.chain).finish_non_exhaustive()
    }
}

impl Signer {
    /// Loads a key (PKCS#8 DER, or PEM `PRIVATE KEY` / `EC PRIVATE KEY` / `RSA PRIVATE KEY`)
    /// and its chain, leaf first; the leaf's public key must match the private key.
    pub fn new(private_key: &[u8], chain: Vec<Certificate>) -> Result<Self, CmsError> {
        let (label, der) = if private_key.first() == Some(&0x30) {
            ("PRIVATE KEY".to_string(), private_key.to_vec())
        } else {
            let blocks = pem_blocks(private_key).map_err(|e| CmsError::Key(e.to_string()))?;
            blocks
                .into_iter()
                .find(|(label, _)| label.ends_with("PRIVATE KEY"))
                .ok_or_else(|| CmsError::Key("no PRIVATE KEY block in the PEM text".into()))?
        };
        let (key, scheme) = load_key(&label, &der)?;
        let leaf = chain.first().ok_or_else(|| CmsError::Key("the certificate chain is empty".into()))?;
        let key_public: &[u8] = match &key {
            Key::Ecdsa(k) => k.public_key().as_ref(),
            Key::Rsa(k) => k.public_key().as_ref(),
        };
        let cert_public = leaf.inner().tbs_certificate().subject_public_key_info().subject_public_key.raw_bytes();
        if key_public != cert_public {
            return Err(CmsError::Key(format!("the private key does not match certificate '{}'", leaf.subject())));
        }
        Ok(Signer { key, scheme, chain })
    }

    /// Loads a key and a chain given as PEM (or DER) texts.
    pub fn from_pem(private_key: &[u8], chain_pem: &[u8]) -> Result<Self, CmsError> {
        let chain = crate::x509::load_certificates(chain_pem).map_err(|e| CmsError::Key(e.to_string()))?;
        Signer::new(private_key, chain)
    }

    /// The signature scheme.
    pub fn scheme(&self) -> SignatureScheme {
        self.scheme
    }

    /// The signer's own (leaf) certificate.
    pub fn certificate(&self) -> &Certificate {
        &self.chain[0]
    }

    /// The chain, leaf first.
    pub fn chain(&self) -> &[Certificate] {
        &self.chain
    }

    pub(crate) fn hash(&self) -> Hash {
        match self.scheme {
            SignatureScheme::EcdsaP384Sha384 => Hash::Sha384,
            SignatureScheme::EcdsaP256Sha256 | SignatureScheme::RsaPkcs1Sha256 => Hash::Sha256,
        }
    }

    /// The digest AlgorithmIdentifier (SHA-256 or SHA-384, parameters absent per RFC 5754).
    pub fn digest_algorithm(&self) -> AlgorithmIdentifierOwned {
        AlgorithmIdentifierOwned { oid: self.hash().oid(), parameters: None }
    }

    /// The signature AlgorithmIdentifier (ecdsa-with-SHA256/384, or sha256WithRSAEncryption).
    pub fn signature_algorithm(&self) -> AlgorithmIdentifierOwned {
        match self.scheme {
            SignatureScheme::EcdsaP256Sha256 => AlgorithmIdentifierOwned { oid: ECDSA_WITH_SHA256, parameters: None },
            SignatureScheme::EcdsaP384Sha384 => AlgorithmIdentifierOwned { oid: ECDSA_WITH_SHA384, parameters: None },
            SignatureScheme::RsaPkcs1Sha256 => {
                AlgorithmIdentifierOwned { oid: SHA256_WITH_RSA, parameters: Some(Any::from(Null)) }
            }
        }
    }

    /// The digest of `data` with the signer's digest algorithm.
    pub fn digest(&self, data: &[u8]) -> Vec<u8> {
        self.hash().digest(data)
    }

    /// Signs `message` (hashing it first); ECDSA signatures are DER `Ecdsa-Sig-Value`.
    pub fn sign(&self, message: &[u8]) -> Result<Vec<u8>, CmsError> {
        let rng = SystemRandom::new();
        match &self.key {
            Key::Ecdsa(k) => k
                .sign(&rng, message)
                .map(|s| s.as_ref().to_vec())
                .map_err(|_| CmsError::Crypto("ECDSA signing failed".into())),
            Key::Rsa(k) => {
                let mut sig = vec![0u8; k.public_modulus_len()];
                k.sign(&RSA_PKCS1_SHA256, &rng, message, &mut sig)
                    .map_err(|_| CmsError::Crypto("RSA signing failed".into()))?;
                Ok(sig)
            }
        }
    }
}

fn load_key(label: &str, der: &[u8]) -> Result<(Key, SignatureScheme), CmsError> {
    let ec = |alg, scheme| {
        let k = if label == "EC PRIVATE KEY" {
            EcdsaKeyPair::from_private_key_der(alg, der).ok()
        } else {
            EcdsaKeyPair::from_pkcs8(alg, der).ok()
        };
        k.map(|k| (Key::Ecdsa(k), scheme))
    };
    if let Some(found) = ec(&ECDSA_P256_SHA256_ASN1_SIGNING, SignatureScheme::EcdsaP256Sha256)
        .or_else(|| ec(&ECDSA_P384_SHA384_ASN1_SIGNING, SignatureScheme::EcdsaP384Sha384))
    {
        return Ok(found);
    }
    let rsa = if label == "RSA PRIVATE KEY" { RsaKeyPair::from_der(der) } else { RsaKeyPair::from_pkcs8(der) };
    // aws-lc-rs accepts RSA keys of 2048 to 8192 bits only.
    match rsa {
        Ok(k) => Ok((Key::Rsa(k), SignatureScheme::RsaPkcs1Sha256)),
        Err(e) => Err(CmsError::Key(format!("not a P-256, P-384 or RSA private key ({label}): {e}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::x509::load_certificates;
    use sztp_testkit::{KeyAlg, TestPki};

    #[test]
    fn loads_each_key_type_from_pkcs8_der_and_pem() {
        for (alg, scheme) in [
            (KeyAlg::P256, SignatureScheme::EcdsaP256Sha256),
            (KeyAlg::P384, SignatureScheme::EcdsaP384Sha384),
            (KeyAlg::Rsa2048, SignatureScheme::RsaPkcs1Sha256),
        ] {
            let pki = TestPki::generate_with(alg);
            let chain = load_certificates(pki.owner_chain_pem().as_bytes()).unwrap();
            let s = Signer::new(&pki.owner.key_pkcs8_der, chain).unwrap();
            assert_eq!(s.scheme(), scheme);
            assert_eq!(s.chain().len(), 2);
            let s2 = Signer::from_pem(pki.owner.key_pem.as_bytes(), pki.owner_chain_pem().as_bytes()).unwrap();
            assert_eq!(s2.certificate(), s.certificate());
            let sig = s.sign(b"hello").unwrap();
            let spki = s.certificate().inner().tbs_certificate().subject_public_key_info();
            crate::x509::signature::verify(spki, &s.signature_algorithm(), None, b"hello", &sig, false).unwrap();
            assert_eq!(s.digest(b"x").len(), if alg == KeyAlg::P384 { 48 } else { 32 });
        }
    }

    #[test]
    fn refuses_a_key_that_does_not_match_the_leaf() {
        let pki = TestPki::generate();
        let chain = load_certificates(pki.owner_chain_pem().as_bytes()).unwrap();
        let err = Signer::new(&pki.masa.key_pkcs8_der, chain.clone()).unwrap_err();
        assert!(err.to_string().contains("does not match"), "{err}");
        assert!(Signer::new(&pki.owner.key_pkcs8_der, vec![]).is_err());
        assert!(Signer::new(b"-----BEGIN NOTHING-----\n-----END NOTHING-----\n", chain.clone()).is_err());
        assert!(Signer::new(&[0x30, 0x03, 0x02, 0x01, 0x00], chain).is_err());
    }
}
