//! The key-encryption key file: created once with mode 0600, reloaded unchanged, refused when
//! group or others can read it, and safe when several processes create it at the same time.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::sync::{Arc, Barrier};

use sztp_ca::{CaError, KeyEncryptionKey};

fn mode(path: &std::path::Path) -> u32 {
    fs::metadata(path).expect("the key file exists").permissions().mode() & 0o7777
}

#[test]
fn created_file_is_private_one_line_and_reloads_the_same_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kek");
    let (kek, created) = KeyEncryptionKey::load_or_create(&path).unwrap();
    assert!(created);
    assert_eq!(mode(&path), 0o600);
    let text = fs::read_to_string(&path).unwrap();
    assert_eq!(text.len(), 45, "44 base64 characters and a newline: {text:?}");
    assert_eq!(text.lines().count(), 1);
    // Only the key file is left behind, no temporary file.
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);

    let sealed = kek.seal(b"-----BEGIN PRIVATE KEY-----", b"ca/root").unwrap();
    let (again, created) = KeyEncryptionKey::load_or_create(&path).unwrap();
    assert!(!created);
    assert_eq!(again.fingerprint(), kek.fingerprint());
    assert_eq!(again.open(&sealed, b"ca/root").unwrap().as_slice(), b"-----BEGIN PRIVATE KEY-----");
    assert_eq!(KeyEncryptionKey::load(&path).unwrap().fingerprint(), kek.fingerprint());
}

#[test]
fn a_group_or_world_readable_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kek");
    KeyEncryptionKey::load_or_create(&path).unwrap();
    for bad in [0o644, 0o640, 0o604, 0o660] {
        fs::set_permissions(&path, fs::Permissions::from_mode(bad)).unwrap();
        let err = KeyEncryptionKey::load(&path).unwrap_err();
        assert!(matches!(err, CaError::KekPermissions { mode, .. } if mode == bad), "{err}");
        let message = err.to_string();
        assert!(message.contains(&format!("mode {bad:04o}")) && message.contains("chmod 600"), "{message}");
        assert!(KeyEncryptionKey::load_or_create(&path).is_err());
    }
    fs::set_permissions(&path, fs::Permissions::from_mode(0o400)).unwrap();
    assert!(KeyEncryptionKey::load(&path).is_ok());
}

#[test]
fn hand_written_hex_and_base64_files_load() {
    let dir = tempfile::tempdir().unwrap();
    let hex_path = dir.path().join("hex");
    let b64_path = dir.path().join("b64");
    fs::write(&hex_path, format!("{}\n", "0f".repeat(32))).unwrap();
    fs::write(&b64_path, "Dw8PDw8PDw8PDw8PDw8PDw8PDw8PDw8PDw8PDw8PDw8=\n").unwrap();
    for p in [&hex_path, &b64_path] {
        fs::set_permissions(p, fs::Permissions::from_mode(0o600)).unwrap();
    }
    let a = KeyEncryptionKey::load(&hex_path).unwrap();
    let b = KeyEncryptionKey::load(&b64_path).unwrap();
    assert_eq!(a.fingerprint(), b.fingerprint());

    fs::write(&hex_path, "not a key\n").unwrap();
    let err = KeyEncryptionKey::load(&hex_path).unwrap_err().to_string();
    assert!(err.starts_with(&format!("invalid key-encryption key {}", hex_path.display())), "{err}");
    let missing = KeyEncryptionKey::load(&dir.path().join("missing")).unwrap_err();
    assert!(matches!(missing, CaError::Io { .. }), "{missing}");
    assert!(KeyEncryptionKey::load(dir.path()).is_err(), "a directory is not a key file");
}

#[test]
fn concurrent_creators_agree_on_one_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = Arc::new(dir.path().join("kek"));
    let barrier = Arc::new(Barrier::new(8));
    let handles: Vec<_> = (0..8)
        .map(|_| {
            let (path, barrier) = (Arc::clone(&path), Arc::clone(&barrier));
            std::thread::spawn(move || {
                barrier.wait();
                let (kek, created) = KeyEncryptionKey::load_or_create(&path).unwrap();
                (kek.fingerprint().to_string(), created)
            })
        })
        .collect();
    let results: Vec<(String, bool)> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    assert_eq!(results.iter().filter(|(_, created)| *created).count(), 1);
    assert!(results.iter().all(|(fp, _)| *fp == results[0].0));
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
}
