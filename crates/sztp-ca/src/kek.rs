//! The key-encryption key (KEK) that protects private keys at rest: AES-256-GCM with a random
//! 96-bit nonce per blob and associated data that binds each blob to the name of what it holds.
//!
//! Sealed blob, version 1: `0x01 || nonce (12) || ciphertext || tag (16)`; the GCM associated
//! data is `0x01 || aad`. KEK file: one line holding the 32 key bytes as base64 (written) or
//! hex (also read), mode 0600, refused when group or others have any access.

use std::fmt;
use std::fs::{self, OpenOptions};
use std::io::{ErrorKind, Write};
use std::path::Path;

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use aws_lc_rs::digest::{Context, SHA256};
use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use zeroize::Zeroizing;

use crate::CaError;

const VERSION_1: u8 = 1;
const KEY_LEN: usize = 32;
const TAG_LEN: usize = 16;

/// An AES-256-GCM key that seals and opens private keys stored in the database.
pub struct KeyEncryptionKey {
    key: LessSafeKey,
    fingerprint: String,
}

impl fmt::Debug for KeyEncryptionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyEncryptionKey").field("fingerprint", &self.fingerprint).finish_non_exhaustive()
    }
}

impl KeyEncryptionKey {
    /// A fresh random key.
    pub fn generate() -> Self {
        let bytes = random_key();
        // 32 bytes are always a valid AES-256 key.
        Self::from_bytes(&bytes).unwrap_or_else(|_| unreachable!("AES-256 accepts any 32-byte key"))
    }

    /// Uses 32 raw key bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, CaError> {
        let invalid = |reason: String| CaError::InvalidKek { source_name: "value".into(), reason };
        if bytes.len() != KEY_LEN {
            return Err(invalid(format!("expected {KEY_LEN} bytes, got {}", bytes.len())));
        }
        let unbound = UnboundKey::new(&AES_256_GCM, bytes).map_err(|_| invalid("rejected by AES-256-GCM".into()))?;
        let mut ctx = Context::new(&SHA256);
        ctx.update(b"sztp-kek-fingerprint:");
        ctx.update(bytes);
        let fingerprint = hex(&ctx.finish().as_ref()[..8]);
        Ok(KeyEncryptionKey { key: LessSafeKey::new(unbound), fingerprint })
    }

    /// Parses the one-line text form: base64 (standard alphabet, padded) or 64 hex digits.
    pub fn from_encoded(text: &str) -> Result<Self, CaError> {
        Self::decode_line(text, "value")
    }

    /// The one-line text form (base64), as written to a KEK file; handle it as a secret.
    fn encode(bytes: &[u8]) -> Zeroizing<String> {
        Zeroizing::new(format!("{}\n", STANDARD.encode(bytes)))
    }

    /// A short, non-secret identifier of the key (16 hex digits), to record which KEK sealed a blob.
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// Loads the key from `path`, or creates the file with a new key if it does not exist.
    /// Returns the key and whether it was created. Creation is atomic: the key is written to a
    /// temporary file (mode 0600) that is then linked into place without overwriting anything.
    pub fn load_or_create(path: &Path) -> Result<(Self, bool), CaError> {
        match fs::symlink_metadata(path) {
            Ok(_) => return Ok((Self::load(path)?, false)),
            Err(e) if e.kind() == ErrorKind::NotFound => {}
            Err(e) => return Err(CaError::io("cannot access", path, e)),
        }
        let bytes = random_key();
        let text = Self::encode(bytes.as_slice());
        let tmp = temp_path(path)?;
        let written = write_private(&tmp, text.as_bytes());
        let linked =
            written.and_then(|()| fs::hard_link(&tmp, path).map_err(|e| CaError::io("cannot create", path, e)));
        let _ = fs::remove_file(&tmp);
        match linked {
            Ok(()) => {
                sync_parent(path);
                Ok((Self::from_bytes(bytes.as_slice())?, true))
            }
            // Another process created it first: use theirs.
            Err(CaError::Io { source, .. }) if source.kind() == ErrorKind::AlreadyExists => {
                Ok((Self::load(path)?, false))
            }
            Err(e) => Err(e),
        }
    }

    /// Loads the key from `path`, refusing a file that group or others can access.
    pub fn load(path: &Path) -> Result<Self, CaError> {
        let meta = fs::metadata(path).map_err(|e| CaError::io("cannot read key-encryption key file", path, e))?;
        if !meta.is_file() {
            return Err(CaError::InvalidKek {
                source_name: path.display().to_string(),
                reason: "not a regular file".into(),
            });
        }
        check_private_mode(path, &meta)?;
        let text = Zeroizing::new(
            fs::read_to_string(path).map_err(|e| CaError::io("cannot read key-encryption key file", path, e))?,
        );
        Self::decode_line(&text, &path.display().to_string())
    }

    fn decode_line(text: &str, source_name: &str) -> Result<Self, CaError> {
        let invalid = |reason: &str| CaError::InvalidKek { source_name: source_name.into(), reason: reason.into() };
        let line = text.trim();
        if line.lines().count() != 1 {
            return Err(invalid("expected exactly one line of base64 or hex"));
        }
        let bytes = Zeroizing::new(if line.len() == 2 * KEY_LEN && line.bytes().all(|b| b.is_ascii_hexdigit()) {
            (0..KEY_LEN)
                .map(|i| u8::from_str_radix(&line[2 * i..2 * i + 2], 16))
                .collect::<Result<Vec<u8>, _>>()
                .map_err(|_| invalid("bad hex"))?
        } else {
            STANDARD.decode(line).map_err(|_| invalid("neither 64 hex digits nor base64"))?
        });
        if bytes.len() != KEY_LEN {
            return Err(invalid("the key must be 32 bytes (AES-256)"));
        }
        Self::from_bytes(&bytes).map_err(|_| invalid("unusable key"))
    }

    /// Encrypts `plaintext`; `aad` (e.g. the stored key's name) must be given again to open it.
    pub fn seal(&self, plaintext: &[u8], aad: &[u8]) -> Result<Vec<u8>, CaError> {
        let mut nonce = [0u8; NONCE_LEN];
        SystemRandom::new().fill(&mut nonce).map_err(|_| CaError::Encoding("the random generator failed".into()))?;
        let mut out = Vec::with_capacity(1 + NONCE_LEN + plaintext.len() + TAG_LEN);
        out.push(VERSION_1);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(plaintext);
        let tag = self
            .key
            .seal_in_place_separate_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(bound_aad(aad)),
                &mut out[1 + NONCE_LEN..],
            )
            .map_err(|_| CaError::Encoding("AES-256-GCM encryption failed".into()))?;
        out.extend_from_slice(tag.as_ref());
        Ok(out)
    }

    /// Decrypts a blob made by [`seal`](Self::seal) with the same `aad`.
    pub fn open(&self, sealed: &[u8], aad: &[u8]) -> Result<Zeroizing<Vec<u8>>, CaError> {
        let (&version, rest) = sealed.split_first().ok_or_else(|| CaError::Unseal("the blob is empty".into()))?;
        if version != VERSION_1 {
            return Err(CaError::Unseal(format!("unknown blob format version {version}")));
        }
        if rest.len() < NONCE_LEN + TAG_LEN {
            return Err(CaError::Unseal("the blob is truncated".into()));
        }
        let (nonce, ciphertext) = rest.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| CaError::Unseal("bad nonce".into()))?;
        let mut buffer = Zeroizing::new(ciphertext.to_vec());
        let len = self
            .key
            .open_in_place(nonce, Aad::from(bound_aad(aad)), &mut buffer)
            .map_err(|_| {
                CaError::Unseal(format!(
                    "authentication failed (wrong key-encryption key {}, wrong name, or modified data)",
                    self.fingerprint
                ))
            })?
            .len();
        buffer.truncate(len);
        Ok(buffer)
    }
}

fn bound_aad(aad: &[u8]) -> Vec<u8> {
    [&[VERSION_1], aad].concat()
}

fn random_key() -> Zeroizing<Vec<u8>> {
    let mut bytes = Zeroizing::new(vec![0u8; KEY_LEN]);
    // aws-lc's RNG aborts the process rather than fail; treat an error as fatal too.
    if SystemRandom::new().fill(&mut bytes).is_err() {
        panic!("the system random generator failed");
    }
    bytes
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn temp_path(path: &Path) -> Result<std::path::PathBuf, CaError> {
    let mut suffix = [0u8; 6];
    SystemRandom::new().fill(&mut suffix).map_err(|_| CaError::Encoding("the random generator failed".into()))?;
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "kek".into());
    Ok(path.with_file_name(format!(".{name}.{}.{}.tmp", std::process::id(), hex(&suffix))))
}

/// Writes a new file readable by its owner only, and flushes it to disk.
fn write_private(path: &Path, contents: &[u8]) -> Result<(), CaError> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).map_err(|e| CaError::io("cannot create", path, e))?;
    file.write_all(contents).and_then(|()| file.sync_all()).map_err(|e| CaError::io("cannot write", path, e))
}

/// Makes the new directory entry durable; best effort, as not every file system supports it.
fn sync_parent(path: &Path) {
    #[cfg(unix)]
    if let Some(dir) =
        path.parent().and_then(|p| fs::File::open(if p.as_os_str().is_empty() { Path::new(".") } else { p }).ok())
    {
        let _ = dir.sync_all();
    }
}

#[cfg(unix)]
fn check_private_mode(path: &Path, meta: &fs::Metadata) -> Result<(), CaError> {
    use std::os::unix::fs::PermissionsExt;
    let mode = meta.permissions().mode() & 0o7777;
    if mode & 0o077 != 0 {
        return Err(CaError::KekPermissions { path: path.to_path_buf(), mode });
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_private_mode(_path: &Path, _meta: &fs::Metadata) -> Result<(), CaError> {
    Ok(())
}

#[cfg(test)]
mod tests;
