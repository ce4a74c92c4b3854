//! RFC 5652 §6 EnvelopedData to one device certificate (RFC 8572 §3.4): AES-CBC content encryption
//! (RFC 3565) with an RSA key-transport (RFC 3560/8017) or ECDH key-agreement (RFC 5753) recipient.

use aws_lc_rs::agreement;
use aws_lc_rs::cipher::{
    AES_128, AES_192, AES_256, Algorithm, DecryptionContext, PaddedBlockDecryptingKey, PaddedBlockEncryptingKey,
    UnboundCipherKey,
};
use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::iv::FixedLength;
use aws_lc_rs::rand;
use aws_lc_rs::rsa::{
    OAEP_SHA1_MGF1SHA1, OAEP_SHA256_MGF1SHA256, OAEP_SHA384_MGF1SHA384, OAEP_SHA512_MGF1SHA512, OaepAlgorithm,
    OaepPrivateDecryptingKey, OaepPublicEncryptingKey, Pkcs1PrivateDecryptingKey, Pkcs1PublicEncryptingKey,
    PrivateDecryptingKey, PublicEncryptingKey,
};
use cms::cert::IssuerAndSerialNumber;
use cms::content_info::{CmsVersion, ContentInfo};
use cms::enveloped_data::{
    EncryptedContentInfo, EnvelopedData, KeyAgreeRecipientIdentifier, KeyTransRecipientInfo, RecipientIdentifier,
    RecipientInfo, RecipientInfos,
};
use cms::signed_data::SignedData;
use const_oid::ObjectIdentifier;
use der::asn1::OctetString;
use der::{Any, Decode, Encode, Sequence, Tag, Tagged};
use spki::AlgorithmIdentifierOwned;
use x509_cert::Certificate;
use x509_cert::ext::pkix::SubjectKeyIdentifier;
use zeroize::{Zeroize, Zeroizing};

use super::CmsError;
use super::content_type::{ID_DATA, ID_ENVELOPED_DATA, ID_SIGNED_DATA};
use super::ecdh::{self, Curve, decryption_failed};

const RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
const ID_RSAES_OAEP: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.7");
const ID_MGF1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.8");
const ID_P_SPECIFIED: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.9");
const ID_SHA1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.14.3.2.26");
const ID_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");
const ID_SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.2");
const ID_SHA512: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.3");
const ID_EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const AES128_CBC: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.1.2");
const AES192_CBC: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.1.22");
const AES256_CBC: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.1.42");

/// How the content-encryption key is transported to an RSA recipient.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum RsaKeyTransport {
    /// RSAES-OAEP with SHA-256 and MGF1-SHA-256 (RFC 3560, RFC 8017 §7.1).
    #[default]
    OaepSha256,
    /// RSAES-PKCS1-v1_5 (RFC 3370 §4.2.1), for older devices that lack OAEP.
    Pkcs1V15,
}

/// Options of [`encrypt_to_certificate_with`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EncryptOptions {
    /// Key transport used when the recipient certificate holds an RSA key.
    pub rsa_key_transport: RsaKeyTransport,
}

/// RSAES-OAEP-params (RFC 8017 Appendix A.2.1, RFC 4055 §4.1); absent fields mean SHA-1 defaults.
#[derive(Sequence)]
struct OaepParams {
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    hash: Option<AlgorithmIdentifierOwned>,
    #[asn1(context_specific = "1", tag_mode = "EXPLICIT", optional = "true")]
    mask_gen: Option<AlgorithmIdentifierOwned>,
    #[asn1(context_specific = "2", tag_mode = "EXPLICIT", optional = "true")]
    p_source: Option<AlgorithmIdentifierOwned>,
}

/// The recipient as its certificate describes it.
struct Recipient {
    ias: IssuerAndSerialNumber,
    ski: Option<Vec<u8>>,
    key: RecipientKey,
}

enum RecipientKey {
    /// SubjectPublicKeyInfo DER.
    Rsa(Vec<u8>),
    /// Curve and uncompressed point.
    Ec(Curve, Vec<u8>),
}

impl Recipient {
    fn from_certificate(der: &[u8]) -> Result<Self, CmsError> {
        let cert = Certificate::from_der(der).map_err(|e| CmsError::Key(format!("recipient certificate: {e}")))?;
        let tbs = cert.tbs_certificate();
        let spki = tbs.subject_public_key_info();
        let key = match spki.algorithm.oid {
            RSA_ENCRYPTION => RecipientKey::Rsa(spki.to_der()?),
            ID_EC_PUBLIC_KEY => {
                let curve = spki
                    .algorithm
                    .parameters
                    .as_ref()
                    .and_then(|p| p.decode_as::<ObjectIdentifier>().ok())
                    .and_then(|oid| Curve::from_oid(&oid))
                    .ok_or_else(|| CmsError::Unsupported("recipient EC key is not on P-256 or P-384".into()))?;
                RecipientKey::Ec(curve, spki.subject_public_key.raw_bytes().to_vec())
            }
            other => return Err(CmsError::Unsupported(format!("recipient key algorithm {other}"))),
        };
        let ski = tbs.get_extension::<SubjectKeyIdentifier>().ok().flatten().map(|(_, ski)| ski.0.as_bytes().to_vec());
        let ias = IssuerAndSerialNumber { issuer: tbs.issuer().clone(), serial_number: tbs.serial_number().clone() };
        Ok(Recipient { ias, ski, key })
    }

    fn is(&self, rid: &RecipientIdentifier) -> bool {
        match rid {
            RecipientIdentifier::IssuerAndSerialNumber(ias) => *ias == self.ias,
            RecipientIdentifier::SubjectKeyIdentifier(ski) => self.ski.as_deref() == Some(ski.0.as_bytes()),
        }
    }

    fn is_kari(&self, rid: &KeyAgreeRecipientIdentifier) -> bool {
        match rid {
            KeyAgreeRecipientIdentifier::IssuerAndSerialNumber(ias) => *ias == self.ias,
            KeyAgreeRecipientIdentifier::RKeyId(k) => {
                self.ski.as_deref() == Some(k.subject_key_identifier.0.as_bytes())
            }
        }
    }
}

/// [`encrypt_to_certificate_with`] with default options (RSA recipients get RSAES-OAEP-SHA-256).
pub fn encrypt_to_certificate(
    recipient_cert_der: &[u8],
    inner_content_type: ObjectIdentifier,
    inner_content: &[u8],
) -> Result<Vec<u8>, CmsError> {
    encrypt_to_certificate_with(recipient_cert_der, inner_content_type, inner_content, &EncryptOptions::default())
}

/// Encrypts `inner_content` to the key of one certificate; returns ContentInfo(id-envelopedData) DER.
///
/// `encryptedContentInfo.contentType` is `inner_content_type`. For id-signedData, `inner_content`
/// may be a bare SignedData or a ContentInfo(id-signedData); the bare SignedData is what is
/// encrypted (RFC 5652 nesting). Other types (.42, .43, .40, id-data) carry payload octets as-is.
/// The content is AES-256-CBC under a random key and IV; RSA keys get a KeyTransRecipientInfo,
/// P-256/P-384 keys a KeyAgreeRecipientInfo, both identified by issuerAndSerialNumber.
pub fn encrypt_to_certificate_with(
    recipient_cert_der: &[u8],
    inner_content_type: ObjectIdentifier,
    inner_content: &[u8],
    options: &EncryptOptions,
) -> Result<Vec<u8>, CmsError> {
    let recipient = Recipient::from_certificate(recipient_cert_der)?;
    let plaintext = match inner_content_type {
        ID_SIGNED_DATA => bare_signed_data(inner_content)?,
        ID_ENVELOPED_DATA => {
            return Err(CmsError::UnexpectedContentType {
                expected: "a payload or id-signedData content type".into(),
                found: inner_content_type.to_string(),
            });
        }
        _ => inner_content.to_vec(),
    };
    let crypto = |what: &str| CmsError::Crypto(format!("content encryption: {what}"));
    let mut cek = Zeroizing::new([0u8; 32]);
    rand::fill(&mut cek[..]).map_err(|_| crypto("random"))?;
    let key = UnboundCipherKey::new(&AES_256, &cek[..]).map_err(|_| crypto("key"))?;
    let mut ciphertext = plaintext;
    let iv_context = PaddedBlockEncryptingKey::cbc_pkcs7(key)
        .and_then(|k| k.encrypt(&mut ciphertext))
        .map_err(|_| crypto("AES-CBC"))?;
    let iv: &[u8] = (&iv_context).try_into().map_err(|_| crypto("IV"))?;

    let (version, recipient_info) = match &recipient.key {
        RecipientKey::Rsa(spki) => {
            (CmsVersion::V0, RecipientInfo::Ktri(build_ktri(&recipient, spki, &cek[..], options)?))
        }
        RecipientKey::Ec(curve, point) => {
            (CmsVersion::V2, RecipientInfo::Kari(ecdh::build_kari(*curve, point, recipient.ias.clone(), &cek[..])?))
        }
    };
    let enveloped = EnvelopedData {
        version,
        originator_info: None,
        recip_infos: RecipientInfos::try_from(vec![recipient_info])?,
        encrypted_content: EncryptedContentInfo {
            content_type: inner_content_type,
            content_enc_alg: AlgorithmIdentifierOwned {
                oid: AES256_CBC,
                parameters: Some(Any::new(Tag::OctetString, iv.to_vec())?),
            },
            encrypted_content: Some(OctetString::new(ciphertext)?),
        },
        unprotected_attrs: None,
    };
    let ci = ContentInfo { content_type: ID_ENVELOPED_DATA, content: Any::encode_from(&enveloped)? };
    Ok(ci.to_der()?)
}

fn build_ktri(
    recipient: &Recipient,
    spki: &[u8],
    cek: &[u8],
    options: &EncryptOptions,
) -> Result<KeyTransRecipientInfo, CmsError> {
    let public = PublicEncryptingKey::from_der(spki).map_err(|e| CmsError::Key(format!("recipient RSA key: {e}")))?;
    let crypto = || CmsError::Crypto("RSA key transport failed".into());
    let mut out = vec![0u8; public.key_size_bytes()];
    let (key_enc_alg, n) = match options.rsa_key_transport {
        RsaKeyTransport::OaepSha256 => {
            let sha256 = AlgorithmIdentifierOwned { oid: ID_SHA256, parameters: Some(Any::null()) };
            let params = OaepParams {
                hash: Some(sha256.clone()),
                mask_gen: Some(AlgorithmIdentifierOwned { oid: ID_MGF1, parameters: Some(Any::encode_from(&sha256)?) }),
                p_source: None,
            };
            let key = OaepPublicEncryptingKey::new(public).map_err(|_| crypto())?;
            let n = key.encrypt(&OAEP_SHA256_MGF1SHA256, cek, &mut out, None).map_err(|_| crypto())?.len();
            (AlgorithmIdentifierOwned { oid: ID_RSAES_OAEP, parameters: Some(Any::encode_from(&params)?) }, n)
        }
        RsaKeyTransport::Pkcs1V15 => {
            let key = Pkcs1PublicEncryptingKey::new(public).map_err(|_| crypto())?;
            let n = key.encrypt(cek, &mut out).map_err(|_| crypto())?.len();
            (AlgorithmIdentifierOwned { oid: RSA_ENCRYPTION, parameters: Some(Any::null()) }, n)
        }
    };
    out.truncate(n);
    Ok(KeyTransRecipientInfo {
        version: CmsVersion::V0,
        rid: RecipientIdentifier::IssuerAndSerialNumber(recipient.ias.clone()),
        key_enc_alg,
        enc_key: OctetString::new(out)?,
    })
}

/// Decrypts ContentInfo(id-envelopedData) DER for the recipient named by a certificate and its
/// PKCS#8 private key; returns `(encryptedContentInfo.contentType, plaintext)`.
///
/// Structural problems and unsupported algorithms are reported as such; every failure that depends
/// on the key or ciphertext is the same `CmsError::Decrypt("decryption failed")`. CMS content
/// encryption is not authenticated: the plaintext of an id-signedData layout must still be verified.
pub fn decrypt(
    der: &[u8],
    recipient_cert_der: &[u8],
    recipient_private_key_pkcs8_der: &[u8],
) -> Result<(ObjectIdentifier, Vec<u8>), CmsError> {
    let ci = ContentInfo::from_der(der)?;
    if ci.content_type != ID_ENVELOPED_DATA {
        return Err(CmsError::UnexpectedContentType {
            expected: "id-envelopedData".into(),
            found: ci.content_type.to_string(),
        });
    }
    let enveloped: EnvelopedData = ci.content.decode_as()?;
    let eci = &enveloped.encrypted_content;
    let (cipher, cek_len) = content_cipher(&eci.content_enc_alg)?;
    let iv: [u8; 16] = eci
        .content_enc_alg
        .parameters
        .as_ref()
        .filter(|p| p.tag() == Tag::OctetString)
        .and_then(|p| p.value().try_into().ok())
        .ok_or_else(|| CmsError::Malformed("AES-CBC parameters are not a 16-octet IV".into()))?;
    let ciphertext =
        eci.encrypted_content.as_ref().ok_or_else(|| CmsError::Unsupported("detached encrypted content".into()))?;

    let recipient = Recipient::from_certificate(recipient_cert_der)?;
    let cek = recover_cek(&enveloped.recip_infos, &recipient, recipient_private_key_pkcs8_der, cek_len)?;
    let key = UnboundCipherKey::new(cipher, &cek).map_err(|_| decryption_failed())?;
    let mut buf = ciphertext.as_bytes().to_vec();
    let decrypted = PaddedBlockDecryptingKey::cbc_pkcs7(key)
        .and_then(|k| k.decrypt(&mut buf, DecryptionContext::Iv128(FixedLength::from(iv))).map(|p| p.len()));
    match decrypted {
        Ok(n) => {
            buf.truncate(n);
            Ok((eci.content_type, buf))
        }
        Err(_) => {
            buf.zeroize();
            Err(decryption_failed())
        }
    }
}

/// Finds the RecipientInfo addressed to `recipient` and recovers the CEK with the private key.
fn recover_cek(
    infos: &RecipientInfos,
    recipient: &Recipient,
    private_key_der: &[u8],
    cek_len: usize,
) -> Result<Zeroizing<Vec<u8>>, CmsError> {
    let mismatch = || CmsError::Key("private key does not match the recipient certificate".into());
    match &recipient.key {
        RecipientKey::Rsa(spki) => {
            let key = PrivateDecryptingKey::from_pkcs8(private_key_der)
                .map_err(|_| CmsError::Key("private key is not a PKCS#8 RSA key".into()))?;
            if !same_rsa_key(&key, spki)? {
                return Err(mismatch());
            }
            let ktri = infos
                .0
                .iter()
                .find_map(|ri| match ri {
                    RecipientInfo::Ktri(k) if recipient.is(&k.rid) => Some(k),
                    _ => None,
                })
                .ok_or_else(no_recipient)?;
            ktri_cek(ktri, &key, cek_len)
        }
        RecipientKey::Ec(curve, point) => {
            // PKCS#8; aws-lc-rs also accepts an RFC 5915 ECPrivateKey here.
            let key = agreement::PrivateKey::from_private_key_der(curve.agreement(), private_key_der)
                .map_err(|_| CmsError::Key("private key is not a PKCS#8 key on the certificate's curve".into()))?;
            if !key.compute_public_key().is_ok_and(|p| p.as_ref() == point.as_slice()) {
                return Err(mismatch());
            }
            let (kari, rek) = infos
                .0
                .iter()
                .find_map(|ri| match ri {
                    RecipientInfo::Kari(k) => {
                        k.recipient_enc_keys.iter().find(|rek| recipient.is_kari(&rek.rid)).map(|rek| (k, rek))
                    }
                    _ => None,
                })
                .ok_or_else(no_recipient)?;
            ecdh::unwrap_kari(kari, rek.enc_key.as_bytes(), &key, *curve)
        }
    }
}

fn no_recipient() -> CmsError {
    CmsError::Decrypt("no recipient info matches the certificate".into())
}

/// The AES-CBC cipher (RFC 3565 §4.1) and its key length.
fn content_cipher(alg: &AlgorithmIdentifierOwned) -> Result<(&'static Algorithm, usize), CmsError> {
    match alg.oid {
        AES128_CBC => Ok((&AES_128, 16)),
        AES192_CBC => Ok((&AES_192, 24)),
        AES256_CBC => Ok((&AES_256, 32)),
        other => Err(CmsError::Unsupported(format!("content encryption algorithm {other}"))),
    }
}

/// Whether the private key's public half is the certificate's key (compared as aws-lc-rs DER).
fn same_rsa_key(key: &PrivateDecryptingKey, cert_spki: &[u8]) -> Result<bool, CmsError> {
    let ours = key.public_key().as_der().map_err(|_| CmsError::Key("RSA public key".into()))?;
    let theirs = PublicEncryptingKey::from_der(cert_spki)
        .map_err(|e| CmsError::Key(format!("recipient RSA key: {e}")))?
        .as_der()
        .map_err(|_| CmsError::Key("recipient RSA key".into()))?;
    Ok(ours.as_ref() == theirs.as_ref())
}

enum KeyTransport {
    Pkcs1,
    Oaep(&'static OaepAlgorithm, Vec<u8>),
}

fn key_transport(alg: &AlgorithmIdentifierOwned) -> Result<KeyTransport, CmsError> {
    let unsupported = || CmsError::Unsupported(format!("parameters of key transport algorithm {}", alg.oid));
    // Hash and rsaEncryption parameters are absent or NULL (RFC 4055 §2.1, RFC 3370 §4.2.1).
    let null_or_absent = |a: &AlgorithmIdentifierOwned| a.parameters.as_ref().is_none_or(|p| p.is_null());
    match alg.oid {
        RSA_ENCRYPTION if null_or_absent(alg) => Ok(KeyTransport::Pkcs1),
        ID_RSAES_OAEP => {
            let params: OaepParams = match &alg.parameters {
                Some(p) => p.decode_as()?,
                None => OaepParams { hash: None, mask_gen: None, p_source: None },
            };
            let hash = params.hash.unwrap_or(AlgorithmIdentifierOwned { oid: ID_SHA1, parameters: None });
            let mgf_hash = match &params.mask_gen {
                None => AlgorithmIdentifierOwned { oid: ID_SHA1, parameters: None },
                Some(m) if m.oid == ID_MGF1 => m.parameters.as_ref().ok_or_else(unsupported)?.decode_as()?,
                Some(_) => return Err(unsupported()),
            };
            if !null_or_absent(&hash) || !null_or_absent(&mgf_hash) {
                return Err(unsupported());
            }
            let label = match &params.p_source {
                None => Vec::new(),
                Some(p) if p.oid == ID_P_SPECIFIED => {
                    p.parameters.as_ref().ok_or_else(unsupported)?.decode_as::<OctetString>()?.as_bytes().to_vec()
                }
                Some(_) => return Err(unsupported()),
            };
            let oaep = match (hash.oid, mgf_hash.oid) {
                (ID_SHA1, ID_SHA1) => &OAEP_SHA1_MGF1SHA1,
                (ID_SHA256, ID_SHA256) => &OAEP_SHA256_MGF1SHA256,
                (ID_SHA384, ID_SHA384) => &OAEP_SHA384_MGF1SHA384,
                (ID_SHA512, ID_SHA512) => &OAEP_SHA512_MGF1SHA512,
                _ => return Err(unsupported()),
            };
            Ok(KeyTransport::Oaep(oaep, label))
        }
        RSA_ENCRYPTION => Err(unsupported()),
        other => Err(CmsError::Unsupported(format!("key transport algorithm {other}"))),
    }
}

/// RSA-decrypts the CEK. Any RSA failure or wrong length yields a random CEK instead (RFC 3218
/// §2.3.2), so padding errors surface only as the uniform content decryption failure.
fn ktri_cek(
    ktri: &KeyTransRecipientInfo,
    key: &PrivateDecryptingKey,
    cek_len: usize,
) -> Result<Zeroizing<Vec<u8>>, CmsError> {
    let transport = key_transport(&ktri.key_enc_alg)?;
    let mut fallback = Zeroizing::new(vec![0u8; cek_len]);
    rand::fill(&mut fallback).map_err(|_| CmsError::Crypto("random".into()))?;
    let mut out = Zeroizing::new(vec![0u8; key.key_size_bytes()]);
    let ct = ktri.enc_key.as_bytes();
    let n = match transport {
        KeyTransport::Pkcs1 => {
            Pkcs1PrivateDecryptingKey::new(key.clone()).and_then(|k| k.decrypt(ct, &mut out).map(|p| p.len()))
        }
        KeyTransport::Oaep(alg, label) => OaepPrivateDecryptingKey::new(key.clone()).and_then(|k| {
            let label = (!label.is_empty()).then_some(label.as_slice());
            k.decrypt(alg, ct, &mut out, label).map(|p| p.len())
        }),
    };
    match n {
        Ok(n) if n == cek_len => {
            out.truncate(n);
            Ok(out)
        }
        _ => Ok(fallback),
    }
}

/// Returns ContentInfo(id-signedData) DER for decrypted `(contentType, content)`, accepting the
/// layouts seen in the wild: id-signedData with a bare SignedData (RFC 5652 nesting) or with a full
/// ContentInfo, and id-data with a ContentInfo(id-signedData) (what `openssl cms -encrypt` makes).
pub fn signed_data_content_info(content_type: ObjectIdentifier, content: &[u8]) -> Result<Vec<u8>, CmsError> {
    let unexpected = || CmsError::UnexpectedContentType {
        expected: "id-signedData (or id-data carrying a ContentInfo(id-signedData))".into(),
        found: content_type.to_string(),
    };
    match content_type {
        ID_SIGNED_DATA | ID_DATA => {}
        _ => return Err(unexpected()),
    }
    if let Ok(ci) = ContentInfo::from_der(content) {
        if ci.content_type != ID_SIGNED_DATA {
            return Err(unexpected());
        }
        ci.content.decode_as::<SignedData>()?;
        return Ok(content.to_vec());
    }
    if content_type == ID_DATA {
        return Err(unexpected());
    }
    SignedData::from_der(content)?;
    let ci = ContentInfo { content_type: ID_SIGNED_DATA, content: Any::from_der(content)? };
    Ok(ci.to_der()?)
}

/// The bare SignedData DER of either a SignedData or a ContentInfo(id-signedData).
fn bare_signed_data(content: &[u8]) -> Result<Vec<u8>, CmsError> {
    let ci_der = signed_data_content_info(ID_SIGNED_DATA, content)?;
    Ok(ContentInfo::from_der(&ci_der)?.content.to_der()?)
}

#[cfg(test)]
mod tests;
