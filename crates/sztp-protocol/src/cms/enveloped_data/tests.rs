//! Unit tests of EnvelopedData encryption and decryption.
use super::*;
use crate::cms::content_type::ID_CT_SZTP_CONVEYED_INFO_JSON as JSON;

const MSG: &[u8] = br#"{"ietf-sztp-conveyed-info:onboarding-information":{}}"#;

/// (certificate DER, PKCS#8 DER) of a fresh self-signed rcgen certificate.
fn device(alg: &'static rcgen::SignatureAlgorithm) -> (Vec<u8>, Vec<u8>) {
    let key = rcgen::KeyPair::generate_for(alg).unwrap();
    let mut params = rcgen::CertificateParams::new(vec!["device".into()]).unwrap();
    params.is_ca = rcgen::IsCa::ExplicitNoCa; // makes rcgen write a subjectKeyIdentifier
    let cert = params.self_signed(&key).unwrap();
    (cert.der().to_vec(), key.serialize_der())
}

fn all_devices() -> Vec<(Vec<u8>, Vec<u8>)> {
    [&rcgen::PKCS_RSA_SHA256, &rcgen::PKCS_ECDSA_P256_SHA256, &rcgen::PKCS_ECDSA_P384_SHA384]
        .into_iter()
        .map(device)
        .collect()
}

fn enveloped(der: &[u8]) -> EnvelopedData {
    ContentInfo::from_der(der).unwrap().content.decode_as().unwrap()
}

fn rewrap(env: &EnvelopedData) -> Vec<u8> {
    ContentInfo { content_type: ID_ENVELOPED_DATA, content: Any::encode_from(env).unwrap() }.to_der().unwrap()
}

#[test]
fn round_trips_for_rsa_p256_and_p384_with_both_rsa_transports() {
    for (cert, key) in all_devices() {
        for rsa_key_transport in [RsaKeyTransport::OaepSha256, RsaKeyTransport::Pkcs1V15] {
            let der = encrypt_to_certificate_with(&cert, JSON, MSG, &EncryptOptions { rsa_key_transport }).unwrap();
            assert_eq!(decrypt(&der, &cert, &key).unwrap(), (JSON, MSG.to_vec()));
        }
    }
}

#[test]
fn versions_follow_rfc5652_for_each_recipient_kind() {
    let (rsa, ec) = (device(&rcgen::PKCS_RSA_SHA256).0, device(&rcgen::PKCS_ECDSA_P256_SHA256).0);
    let env = enveloped(&encrypt_to_certificate(&rsa, JSON, MSG).unwrap());
    assert_eq!(env.version, CmsVersion::V0);
    assert!(matches!(env.recip_infos.0.get(0), Some(RecipientInfo::Ktri(k)) if k.version == CmsVersion::V0));
    let env = enveloped(&encrypt_to_certificate(&ec, JSON, MSG).unwrap());
    assert_eq!(env.version, CmsVersion::V2);
    assert!(matches!(env.recip_infos.0.get(0), Some(RecipientInfo::Kari(k)) if k.version == CmsVersion::V3));
    assert_eq!(env.encrypted_content.content_enc_alg.oid, AES256_CBC);
}

#[test]
fn recipients_are_also_found_by_subject_key_identifier() {
    for (cert, key) in all_devices() {
        let ski = Recipient::from_certificate(&cert).unwrap().ski.unwrap();
        let ski = SubjectKeyIdentifier(OctetString::new(ski).unwrap());
        let mut env = enveloped(&encrypt_to_certificate(&cert, JSON, MSG).unwrap());
        let mut infos: Vec<RecipientInfo> = env.recip_infos.0.iter().cloned().collect();
        match &mut infos[0] {
            RecipientInfo::Ktri(k) => k.rid = RecipientIdentifier::SubjectKeyIdentifier(ski),
            RecipientInfo::Kari(k) => {
                k.recipient_enc_keys[0].rid =
                    KeyAgreeRecipientIdentifier::RKeyId(cms::enveloped_data::RecipientKeyIdentifier {
                        subject_key_identifier: ski,
                        date: None,
                        other: None,
                    })
            }
            _ => unreachable!(),
        }
        env.recip_infos = RecipientInfos::try_from(infos).unwrap();
        assert_eq!(decrypt(&rewrap(&env), &cert, &key).unwrap().1, MSG);
    }
}

#[test]
fn wrong_certificate_or_key_is_refused() {
    let devices = all_devices();
    let other = device(&rcgen::PKCS_ECDSA_P256_SHA256);
    for (cert, key) in &devices {
        let der = encrypt_to_certificate(cert, JSON, MSG).unwrap();
        assert!(matches!(decrypt(&der, &other.0, &other.1), Err(CmsError::Decrypt(_))));
        assert!(matches!(decrypt(&der, cert, &other.1), Err(CmsError::Key(_))));
        assert!(decrypt(&der, &other.0, key).is_err());
    }
}

#[test]
fn tampered_encrypted_keys_fail_uniformly() {
    for (cert, key) in all_devices() {
        let mut env = enveloped(&encrypt_to_certificate(&cert, JSON, MSG).unwrap());
        let mut infos: Vec<RecipientInfo> = env.recip_infos.0.iter().cloned().collect();
        let enc_key = match &mut infos[0] {
            RecipientInfo::Ktri(k) => &mut k.enc_key,
            RecipientInfo::Kari(k) => &mut k.recipient_enc_keys[0].enc_key,
            _ => unreachable!(),
        };
        let mut bytes = enc_key.as_bytes().to_vec();
        bytes[5] ^= 0x40;
        *enc_key = OctetString::new(bytes).unwrap();
        env.recip_infos = RecipientInfos::try_from(infos).unwrap();
        match decrypt(&rewrap(&env), &cert, &key) {
            Err(e) => assert_eq!(e.to_string(), "decryption failed: decryption failed"),
            Ok((_, plaintext)) => assert_ne!(plaintext, MSG), // random CEK with valid padding: 1 in ~256
        }
    }
}

#[test]
fn signed_layouts_normalise_to_one_content_info() {
    let (cert, _) = device(&rcgen::PKCS_ECDSA_P256_SHA256);
    let sd = SignedData::from_der(&certs_only(&cert)).unwrap();
    let bare = sd.to_der().unwrap();
    let ci = ContentInfo { content_type: ID_SIGNED_DATA, content: Any::encode_from(&sd).unwrap() }.to_der().unwrap();
    assert_eq!(signed_data_content_info(ID_SIGNED_DATA, &bare).unwrap(), ci);
    assert_eq!(signed_data_content_info(ID_SIGNED_DATA, &ci).unwrap(), ci);
    assert_eq!(signed_data_content_info(ID_DATA, &ci).unwrap(), ci);
    assert!(signed_data_content_info(ID_DATA, &bare).is_err());
    assert!(signed_data_content_info(JSON, &ci).is_err());
    assert!(signed_data_content_info(ID_SIGNED_DATA, MSG).is_err());
    // Either input layout is encrypted as the bare SignedData.
    for input in [&bare, &ci] {
        let (cert, key) = device(&rcgen::PKCS_ECDSA_P256_SHA256);
        let der = encrypt_to_certificate(&cert, ID_SIGNED_DATA, input).unwrap();
        assert_eq!(decrypt(&der, &cert, &key).unwrap(), (ID_SIGNED_DATA, bare.clone()));
    }
    assert!(encrypt_to_certificate(&cert, ID_SIGNED_DATA, MSG).is_err());
    assert!(encrypt_to_certificate(&cert, ID_ENVELOPED_DATA, MSG).is_err());
}

/// A degenerate SignedData holding `cert` (RFC 5652 §5.2), built from the cms types.
fn certs_only(cert: &[u8]) -> Vec<u8> {
    let cert = Certificate::from_der(cert).unwrap();
    ContentInfo::try_from(cert).unwrap().content.to_der().unwrap()
}

#[test]
fn never_panics_on_truncated_or_garbage_input() {
    let (cert, key) = device(&rcgen::PKCS_ECDSA_P384_SHA384);
    let der = encrypt_to_certificate(&cert, JSON, MSG).unwrap();
    for n in 0..der.len() {
        assert!(decrypt(&der[..n], &cert, &key).is_err());
    }
    assert!(decrypt(&der, &der, &key).is_err());
    assert!(decrypt(&der, &cert, &der).is_err());
    assert!(encrypt_to_certificate(&der, JSON, MSG).is_err());
}
