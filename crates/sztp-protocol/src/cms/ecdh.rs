//! ECDH key agreement for CMS (RFC 5753): ephemeral-static ECDH on P-256/P-384, the ANSI X9.63 KDF
//! over ECC-CMS-SharedInfo (RFC 5753 §7.2) and AES key wrap (RFC 3394, RFC 3565) of the CEK.

use aws_lc_rs::agreement::{self, UnparsedPublicKey};
use aws_lc_rs::cipher::{AES_192, DecryptingKey, DecryptionContext, UnboundCipherKey};
use aws_lc_rs::constant_time::verify_slices_are_equal;
use aws_lc_rs::digest;
use aws_lc_rs::key_wrap::{AES_128, AES_256, AesKek, KeyWrap};
use aws_lc_rs::rand::SystemRandom;
use cms::cert::IssuerAndSerialNumber;
use cms::content_info::CmsVersion;
use cms::enveloped_data::{
    KeyAgreeRecipientIdentifier, KeyAgreeRecipientInfo, OriginatorIdentifierOrKey, OriginatorPublicKey,
    RecipientEncryptedKey,
};
use const_oid::ObjectIdentifier;
use der::asn1::{BitString, OctetString};
use der::{Any, Encode, Sequence};
use spki::AlgorithmIdentifierOwned;
use zeroize::Zeroizing;

use super::CmsError;

const ID_EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const SECP256R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
const SECP384R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.34");
/// dhSinglePass-stdDH-sha1kdf-scheme (RFC 5753 §7.1.4); what `openssl cms -encrypt` uses by default.
const DH_SHA1KDF: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.133.16.840.63.0.2");
const DH_SHA224KDF: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.1.11.0");
const DH_SHA256KDF: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.1.11.1");
const DH_SHA384KDF: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.1.11.2");
const DH_SHA512KDF: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.1.11.3");
const ID_AES128_WRAP: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.1.5");
const ID_AES192_WRAP: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.1.25");
const ID_AES256_WRAP: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.1.45");

/// The one error every secret-dependent failure maps to, so callers cannot tell the steps apart.
pub(crate) fn decryption_failed() -> CmsError {
    CmsError::Decrypt("decryption failed".into())
}

/// A named curve usable for a CMS key-agreement recipient.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Curve {
    /// NIST P-256 (secp256r1).
    P256,
    /// NIST P-384 (secp384r1).
    P384,
}

impl Curve {
    /// The curve named by an id-ecPublicKey parameter OID, if supported.
    pub(crate) fn from_oid(oid: &ObjectIdentifier) -> Option<Self> {
        match *oid {
            SECP256R1 => Some(Curve::P256),
            SECP384R1 => Some(Curve::P384),
            _ => None,
        }
    }

    fn oid(self) -> ObjectIdentifier {
        match self {
            Curve::P256 => SECP256R1,
            Curve::P384 => SECP384R1,
        }
    }

    /// The aws-lc-rs ECDH algorithm of this curve.
    pub(crate) fn agreement(self) -> &'static agreement::Algorithm {
        match self {
            Curve::P256 => &agreement::ECDH_P256,
            Curve::P384 => &agreement::ECDH_P384,
        }
    }

    /// Length of an uncompressed SEC 1 point (0x04 || X || Y).
    fn point_len(self) -> usize {
        match self {
            Curve::P256 => 65,
            Curve::P384 => 97,
        }
    }

    /// The KDF scheme we send: the hash matching the curve strength (RFC 5753 §8, RFC 5008).
    fn kdf_scheme(self) -> ObjectIdentifier {
        match self {
            Curve::P256 => DH_SHA256KDF,
            Curve::P384 => DH_SHA384KDF,
        }
    }
}

fn kdf_digest(scheme: &ObjectIdentifier) -> Option<&'static digest::Algorithm> {
    match *scheme {
        DH_SHA1KDF => Some(&digest::SHA1_FOR_LEGACY_USE_ONLY),
        DH_SHA224KDF => Some(&digest::SHA224),
        DH_SHA256KDF => Some(&digest::SHA256),
        DH_SHA384KDF => Some(&digest::SHA384),
        DH_SHA512KDF => Some(&digest::SHA512),
        _ => None,
    }
}

/// AES key wrap (RFC 3394) with the KEK sizes of RFC 3565 §2.3.2.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Wrap {
    Aes128,
    Aes192,
    Aes256,
}

impl Wrap {
    fn from_oid(oid: &ObjectIdentifier) -> Option<Self> {
        match *oid {
            ID_AES128_WRAP => Some(Wrap::Aes128),
            ID_AES192_WRAP => Some(Wrap::Aes192),
            ID_AES256_WRAP => Some(Wrap::Aes256),
            _ => None,
        }
    }

    fn kek_len(self) -> usize {
        match self {
            Wrap::Aes128 => 16,
            Wrap::Aes192 => 24,
            Wrap::Aes256 => 32,
        }
    }

    fn wrap(self, kek: &[u8], cek: &[u8]) -> Option<Vec<u8>> {
        let cipher = match self {
            Wrap::Aes128 => &AES_128,
            Wrap::Aes256 => &AES_256,
            Wrap::Aes192 => return None, // never chosen for sending
        };
        let mut out = vec![0u8; cek.len() + 8];
        let n = AesKek::new(cipher, kek).ok()?.wrap(cek, &mut out).ok()?.len();
        out.truncate(n);
        Some(out)
    }

    fn unwrap(self, kek: &[u8], wrapped: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
        let cipher = match self {
            Wrap::Aes128 => &AES_128,
            Wrap::Aes256 => &AES_256,
            Wrap::Aes192 => return aes192_unwrap(kek, wrapped),
        };
        let mut out = Zeroizing::new(vec![0u8; wrapped.len().checked_sub(8)?]);
        let n = AesKek::new(cipher, kek).ok()?.unwrap(wrapped, &mut out).ok()?.len();
        out.truncate(n);
        Some(out)
    }
}

/// RFC 3394 §2.2.2 unwrap (index form) for AES-192, which aws-lc-rs `key_wrap` lacks; built on the
/// AES-192 block cipher of aws-lc-rs.
fn aes192_unwrap(kek: &[u8], wrapped: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
    const IV: [u8; 8] = [0xa6; 8];
    if wrapped.len() < 24 || !wrapped.len().is_multiple_of(8) {
        return None;
    }
    let n = wrapped.len() / 8 - 1;
    let key = DecryptingKey::ecb(UnboundCipherKey::new(&AES_192, kek).ok()?).ok()?;
    let mut a = [0u8; 8];
    a.copy_from_slice(&wrapped[..8]);
    let mut r = Zeroizing::new(wrapped[8..].to_vec());
    let mut block = Zeroizing::new([0u8; 16]);
    for j in (0..6u64).rev() {
        for i in (1..=n).rev() {
            let t = (n as u64) * j + i as u64;
            for (x, y) in a.iter_mut().zip(t.to_be_bytes()) {
                *x ^= y;
            }
            block[..8].copy_from_slice(&a);
            block[8..].copy_from_slice(&r[(i - 1) * 8..i * 8]);
            key.decrypt(&mut block[..], DecryptionContext::None).ok()?;
            a.copy_from_slice(&block[..8]);
            r[(i - 1) * 8..i * 8].copy_from_slice(&block[8..]);
        }
    }
    verify_slices_are_equal(&a, &IV).ok()?;
    Some(r)
}

/// ECC-CMS-SharedInfo (RFC 5753 §7.2).
#[derive(Sequence)]
struct EccCmsSharedInfo {
    key_info: AlgorithmIdentifierOwned,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    entity_u_info: Option<OctetString>,
    #[asn1(context_specific = "2", tag_mode = "EXPLICIT")]
    supp_pub_info: OctetString,
}

/// DER of ECC-CMS-SharedInfo (RFC 5753 §7.2): the wrap algorithm, the optional UKM, and the KEK
/// length in bits as a 4-octet big-endian suppPubInfo.
pub fn ecc_cms_shared_info(
    key_wrap_algorithm: &AlgorithmIdentifierOwned,
    ukm: Option<&[u8]>,
    kek_len_bytes: usize,
) -> Result<Vec<u8>, CmsError> {
    let bits = u32::try_from(kek_len_bytes.saturating_mul(8))
        .map_err(|_| CmsError::Unsupported("KEK length out of range".into()))?;
    let info = EccCmsSharedInfo {
        key_info: key_wrap_algorithm.clone(),
        entity_u_info: ukm.map(OctetString::new).transpose()?,
        supp_pub_info: OctetString::new(bits.to_be_bytes())?,
    };
    Ok(info.to_der()?)
}

/// ANSI X9.63 KDF (SEC 1 §3.6.1): `out = Hash(Z || counter32 || SharedInfo) || …`, counter from 1.
pub fn x963_kdf(
    hash: &'static digest::Algorithm,
    z: &[u8],
    shared_info: &[u8],
    out: &mut [u8],
) -> Result<(), CmsError> {
    let blocks = out.len().div_ceil(hash.output_len());
    if u32::try_from(blocks).is_err() {
        return Err(CmsError::Unsupported("X9.63 KDF output too long".into()));
    }
    for (counter, chunk) in (1u32..).zip(out.chunks_mut(hash.output_len())) {
        let mut ctx = digest::Context::new(hash);
        ctx.update(z);
        ctx.update(&counter.to_be_bytes());
        ctx.update(shared_info);
        let block = ctx.finish();
        chunk.copy_from_slice(&block.as_ref()[..chunk.len()]);
    }
    Ok(())
}

fn derive_kek(
    hash: &'static digest::Algorithm,
    z: &[u8],
    wrap_alg: &AlgorithmIdentifierOwned,
    wrap: Wrap,
    ukm: Option<&[u8]>,
) -> Result<Zeroizing<Vec<u8>>, CmsError> {
    let shared_info = ecc_cms_shared_info(wrap_alg, ukm, wrap.kek_len())?;
    let mut kek = Zeroizing::new(vec![0u8; wrap.kek_len()]);
    x963_kdf(hash, z, &shared_info, &mut kek)?;
    Ok(kek)
}

/// Builds a KeyAgreeRecipientInfo (version 3, RFC 5753 §3.1.1) for `cek`: a fresh ephemeral key on
/// `curve`, stdDH with the curve's SHA-2 KDF, and aes256-wrap.
///
/// aes256-wrap is used for both curves because our CEK is AES-256: a weaker KEK would cap its
/// protection, and it is what OpenSSL itself picks for an AES-256 CEK.
pub(crate) fn build_kari(
    curve: Curve,
    recipient_point: &[u8],
    rid: IssuerAndSerialNumber,
    cek: &[u8],
) -> Result<KeyAgreeRecipientInfo, CmsError> {
    let crypto = |what: &str| CmsError::Crypto(format!("ECDH recipient: {what}"));
    let ephemeral = agreement::EphemeralPrivateKey::generate(curve.agreement(), &SystemRandom::new())
        .map_err(|_| crypto("ephemeral key generation failed"))?;
    let ephemeral_public = ephemeral.compute_public_key().map_err(|_| crypto("public key"))?;
    let wrap_alg = AlgorithmIdentifierOwned { oid: ID_AES256_WRAP, parameters: None };
    let scheme = curve.kdf_scheme();
    let hash = kdf_digest(&scheme).ok_or_else(|| crypto("KDF"))?;
    let peer = UnparsedPublicKey::new(curve.agreement(), recipient_point);
    let kek = agreement::agree_ephemeral(ephemeral, peer, crypto("key agreement failed"), |z| {
        derive_kek(hash, z, &wrap_alg, Wrap::Aes256, None)
    })?;
    let wrapped = Wrap::Aes256.wrap(&kek, cek).ok_or_else(|| crypto("key wrap failed"))?;
    Ok(KeyAgreeRecipientInfo {
        version: CmsVersion::V3,
        originator: OriginatorIdentifierOrKey::OriginatorKey(OriginatorPublicKey {
            // Parameters absent (RFC 5753 §7.1.1 allows it; OpenSSL does the same): the recipient
            // knows the curve from its own certificate.
            algorithm: AlgorithmIdentifierOwned { oid: ID_EC_PUBLIC_KEY, parameters: None },
            public_key: BitString::from_bytes(ephemeral_public.as_ref())?,
        }),
        ukm: None,
        key_enc_alg: AlgorithmIdentifierOwned { oid: scheme, parameters: Some(Any::encode_from(&wrap_alg)?) },
        recipient_enc_keys: vec![RecipientEncryptedKey {
            rid: KeyAgreeRecipientIdentifier::IssuerAndSerialNumber(rid),
            enc_key: OctetString::new(wrapped)?,
        }],
    })
}

/// Recovers the CEK from `kari` and the `encrypted_key` addressed to us, with our static key.
///
/// Unsupported algorithms are reported as such; every failure that depends on secrets is
/// [`decryption_failed`].
pub(crate) fn unwrap_kari(
    kari: &KeyAgreeRecipientInfo,
    encrypted_key: &[u8],
    private_key: &agreement::PrivateKey,
    curve: Curve,
) -> Result<Zeroizing<Vec<u8>>, CmsError> {
    let OriginatorIdentifierOrKey::OriginatorKey(originator) = &kari.originator else {
        return Err(CmsError::Unsupported("key agreement with a static originator key".into()));
    };
    if originator.algorithm.oid != ID_EC_PUBLIC_KEY {
        return Err(CmsError::Unsupported(format!("originator key algorithm {}", originator.algorithm.oid)));
    }
    let curve_ok = match &originator.algorithm.parameters {
        None => true,
        Some(p) if p.is_null() => true,
        Some(p) => p.decode_as::<ObjectIdentifier>().is_ok_and(|oid| oid == curve.oid()),
    };
    let point = originator.public_key.as_bytes().unwrap_or_default();
    if !curve_ok || point.len() != curve.point_len() || point.first() != Some(&0x04) {
        return Err(CmsError::Malformed("originator key is not an uncompressed point on the recipient's curve".into()));
    }
    let hash = kdf_digest(&kari.key_enc_alg.oid)
        .ok_or_else(|| CmsError::Unsupported(format!("key agreement scheme {}", kari.key_enc_alg.oid)))?;
    let wrap_alg: AlgorithmIdentifierOwned = kari
        .key_enc_alg
        .parameters
        .as_ref()
        .ok_or_else(|| CmsError::Malformed("key agreement scheme without a key wrap algorithm".into()))?
        .decode_as()?;
    let wrap = Wrap::from_oid(&wrap_alg.oid)
        .filter(|_| wrap_alg.parameters.is_none())
        .ok_or_else(|| CmsError::Unsupported(format!("key wrap algorithm {}", wrap_alg.oid)))?;
    let ukm = kari.ukm.as_ref().map(|u| u.as_bytes());
    let peer = UnparsedPublicKey::new(curve.agreement(), point);
    let kek = agreement::agree(private_key, peer, decryption_failed(), |z| derive_kek(hash, z, &wrap_alg, wrap, ukm))?;
    wrap.unwrap(&kek, encrypted_key).ok_or_else(decryption_failed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
    }

    const SHARED_INFO_AES256: &str = "3015300b060960864801650304012da206040400000100";

    #[test]
    fn shared_info_is_the_rfc5753_der() {
        let alg = AlgorithmIdentifierOwned { oid: ID_AES256_WRAP, parameters: None };
        assert_eq!(ecc_cms_shared_info(&alg, None, 32).unwrap(), hex(SHARED_INFO_AES256));
        assert_eq!(
            ecc_cms_shared_info(&alg, Some(&[1, 2]), 32).unwrap(),
            hex("301b300b060960864801650304012da00404020102a206040400000100")
        );
    }

    /// Expected values from `openssl kdf -keylen N -kdfopt digest:SHA256|SHA384 -kdfopt hexsecret:…
    /// -kdfopt hexinfo:… X963KDF` (OpenSSL 3.0.19); SHA-1 is what `openssl cms` uses by default.
    #[test]
    fn x963_kdf_matches_openssl() {
        let z = hex("00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff");
        let mut out = [0u8; 32];
        x963_kdf(&digest::SHA256, &z, &hex(SHARED_INFO_AES256), &mut out).unwrap();
        assert_eq!(out.to_vec(), hex("74723f295a22ce0192572b5559057be8f3d53b7f63ab415540bf68efe132c164"));
        let mut out = [0u8; 48]; // two SHA-256 blocks, the second truncated
        x963_kdf(&digest::SHA256, &z, &hex(SHARED_INFO_AES256), &mut out).unwrap();
        let expected =
            "74723f295a22ce0192572b5559057be8f3d53b7f63ab415540bf68efe132c1648692b18dc2c0f8518bc4b47efac6a30e";
        assert_eq!(out.to_vec(), hex(expected));
        let mut out = [0u8; 32];
        x963_kdf(&digest::SHA1_FOR_LEGACY_USE_ONLY, &z, &hex(SHARED_INFO_AES256), &mut out).unwrap();
        assert_eq!(out.to_vec(), hex("ebaafad30f4ad4f97bfd0e22d379acec7a8e9ec6afa52b65593f6e85fab39f12"));
        let mut out = [0u8; 48];
        x963_kdf(&digest::SHA384, &hex("0102"), &hex("aabb"), &mut out).unwrap();
        let expected =
            "3f051a85e002e0f460e871e6aeeabf4586d820726b93ea4ad456c00bc91510034922c66a0b96c87488eabd7be91b9aa5";
        assert_eq!(out.to_vec(), hex(expected));
    }

    /// RFC 3394 §4.2 and §4.4 (192-bit KEK).
    #[test]
    fn aes192_unwrap_matches_rfc3394_vectors() {
        let kek = hex("000102030405060708090a0b0c0d0e0f1011121314151617");
        let cases = [
            ("96778b25ae6ca435f92b5b97c050aed2468ab8a17ad84e5d", "00112233445566778899aabbccddeeff"),
            (
                "031d33264e15d33268f24ec260743edce1c6c7ddee725a936ba814915c6762d2",
                "00112233445566778899aabbccddeeff0001020304050607",
            ),
        ];
        for (wrapped, key) in cases {
            assert_eq!(*Wrap::Aes192.unwrap(&kek, &hex(wrapped)).unwrap(), hex(key));
            let mut bad = hex(wrapped);
            bad[20] ^= 1;
            assert!(Wrap::Aes192.unwrap(&kek, &bad).is_none());
        }
        assert!(Wrap::Aes192.unwrap(&kek, &[0u8; 16]).is_none());
        assert!(Wrap::Aes192.unwrap(&kek, &[0u8; 25]).is_none());
    }

    #[test]
    fn aws_lc_wraps_round_trip_and_reject_short_input() {
        for (wrap, kek) in [(Wrap::Aes128, [7u8; 16].to_vec()), (Wrap::Aes256, [9u8; 32].to_vec())] {
            let w = wrap.wrap(&kek, &[5u8; 32]).unwrap();
            assert_eq!(*wrap.unwrap(&kek, &w).unwrap(), vec![5u8; 32]);
            assert!(wrap.unwrap(&kek, &w[..7]).is_none());
            assert!(wrap.unwrap(&kek, &[]).is_none());
        }
    }
}
