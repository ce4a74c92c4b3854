use super::*;

#[test]
fn seal_and_open_round_trip() {
    let kek = KeyEncryptionKey::generate();
    let sealed = kek.seal(b"secret key bytes", b"ca/root").unwrap();
    assert_eq!(sealed[0], VERSION_1);
    assert_eq!(sealed.len(), 1 + NONCE_LEN + 16 + TAG_LEN);
    assert_eq!(kek.open(&sealed, b"ca/root").unwrap().as_slice(), b"secret key bytes");
    // A fresh nonce every time.
    assert_ne!(kek.seal(b"secret key bytes", b"ca/root").unwrap(), sealed);
    assert_eq!(kek.open(&kek.seal(b"", b"").unwrap(), b"").unwrap().len(), 0);
}

#[test]
fn tampering_wrong_name_and_wrong_key_are_detected() {
    let kek = KeyEncryptionKey::generate();
    let sealed = kek.seal(b"secret", b"key-1").unwrap();
    for i in 0..sealed.len() {
        let mut bad = sealed.clone();
        bad[i] ^= 0x01;
        assert!(kek.open(&bad, b"key-1").is_err(), "flipped byte {i} went unnoticed");
    }
    let err = kek.open(&sealed, b"key-2").unwrap_err().to_string();
    assert!(err.contains("authentication failed"), "{err}");
    assert!(KeyEncryptionKey::generate().open(&sealed, b"key-1").is_err());
    assert!(kek.open(&sealed[..sealed.len() - 1], b"key-1").is_err());
    assert!(matches!(kek.open(&sealed[..10], b"key-1"), Err(CaError::Unseal(m)) if m.contains("truncated")));
    assert!(kek.open(&[], b"key-1").is_err());
    let mut v2 = sealed.clone();
    v2[0] = 2;
    assert!(kek.open(&v2, b"key-1").unwrap_err().to_string().contains("version 2"));
}

#[test]
fn text_form_accepts_base64_and_hex() {
    let bytes: Vec<u8> = (0..32).collect();
    let from_b64 = KeyEncryptionKey::from_encoded(&KeyEncryptionKey::encode(&bytes)).unwrap();
    let from_hex = KeyEncryptionKey::from_encoded(&format!("  {}\n", hex(&bytes))).unwrap();
    assert_eq!(from_b64.fingerprint(), from_hex.fingerprint());
    assert_eq!(from_b64.fingerprint().len(), 16);
    let sealed = from_b64.seal(b"x", b"n").unwrap();
    assert_eq!(from_hex.open(&sealed, b"n").unwrap().as_slice(), b"x");
    for bad in ["", "abc", "AAAA", "zz", "a\nb"] {
        assert!(KeyEncryptionKey::from_encoded(bad).is_err(), "{bad:?}");
    }
}

#[test]
fn debug_shows_only_the_fingerprint() {
    let kek = KeyEncryptionKey::generate();
    assert_eq!(format!("{kek:?}"), format!("KeyEncryptionKey {{ fingerprint: {:?}, .. }}", kek.fingerprint()));
}
