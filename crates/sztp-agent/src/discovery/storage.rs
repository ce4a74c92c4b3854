//! Removable storage (RFC 8572 §4.1): artifact files in a directory, e.g. a mounted USB stick.
//! An untrusted source: the caller must verify signed data or treat it as unsigned redirect only.
//!
//! Layout read: `<dir>/<serial>/` first when a serial number is configured (the per-device naming
//! §4.1 recommends), then `<dir>/` itself; each holding `conveyed-information.cms` and, for signed
//! data, `owner-certificate.cms` plus `ownership-voucher.cms` (or `ownership-voucher.vcj`).

use std::path::{Path, PathBuf};

use super::DiscoveryError;
use super::candidate::ConveyedArtifacts;
use super::lease::read_bounded_bytes;

/// File name of the conveyed-information artifact (§4.1).
pub const CONVEYED_INFORMATION_FILE: &str = "conveyed-information.cms";
/// File name of the owner-certificate artifact (§4.1).
pub const OWNER_CERTIFICATE_FILE: &str = "owner-certificate.cms";
/// File names of the ownership-voucher artifact, in order of preference (§4.1, RFC 8366 §8.3).
pub const OWNERSHIP_VOUCHER_FILES: [&str; 2] = ["ownership-voucher.cms", "ownership-voucher.vcj"];
/// Largest artifact read; conveyed information may embed scripts and configuration.
pub const MAX_ARTIFACT_SIZE: u64 = 8 * 1024 * 1024;

/// Reads the artifacts under `dir`: from `<dir>/<serial>/` and then `<dir>/`, each directory
/// that holds a conveyed-information file giving one entry. A missing directory yields nothing.
pub fn read_storage_dir(
    dir: &Path,
    serial_number: Option<&str>,
) -> (Vec<(PathBuf, ConveyedArtifacts)>, Vec<DiscoveryError>) {
    let per_device = serial_number.filter(|s| is_plain_file_name(s)).map(|serial| dir.join(serial));
    let mut found = Vec::new();
    let mut problems = Vec::new();
    for candidate_dir in per_device.into_iter().chain([dir.to_path_buf()]) {
        match read_artifacts(&candidate_dir) {
            Ok(Some(artifacts)) => found.push((candidate_dir, artifacts)),
            Ok(None) => {}
            Err(err) => problems.push(err),
        }
    }
    (found, problems)
}

/// Reads one directory's artifacts; `None` when it has no conveyed-information file.
fn read_artifacts(dir: &Path) -> Result<Option<ConveyedArtifacts>, DiscoveryError> {
    let Some(conveyed_information) = read_optional(&dir.join(CONVEYED_INFORMATION_FILE))? else {
        return Ok(None);
    };
    if conveyed_information.is_empty() {
        return Err(DiscoveryError::Storage { path: dir.join(CONVEYED_INFORMATION_FILE), reason: "empty file" });
    }
    let owner_certificate = read_optional(&dir.join(OWNER_CERTIFICATE_FILE))?;
    let mut ownership_voucher = None;
    for name in OWNERSHIP_VOUCHER_FILES {
        if let Some(bytes) = read_optional(&dir.join(name))? {
            ownership_voucher = Some(bytes);
            break;
        }
    }
    if owner_certificate.is_some() != ownership_voucher.is_some() {
        // Signed data needs both (§3.5); report it, and still hand the files over so the
        // verifier gives the precise reason.
        tracing::warn!(dir = %dir.display(), "owner certificate and ownership voucher must come together");
    }
    Ok(Some(ConveyedArtifacts { conveyed_information, owner_certificate, ownership_voucher }))
}

fn read_optional(path: &Path) -> Result<Option<Vec<u8>>, DiscoveryError> {
    match read_bounded_bytes(path, MAX_ARTIFACT_SIZE) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(DiscoveryError::Io { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(err) => Err(err),
    }
}

/// A serial number usable as one path component (no separators, not `.`/`..`).
fn is_plain_file_name(serial: &str) -> bool {
    !serial.is_empty() && serial != "." && serial != ".." && !serial.contains(['/', '\\', '\0'])
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn fixture() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/discovery/usb")
    }

    #[test]
    fn per_device_directory_comes_before_the_shared_one() {
        let (found, problems) = read_storage_dir(&fixture(), Some("SN-1"));
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(found.len(), 2);
        assert!(found[0].0.ends_with("usb/SN-1"));
        let signed = &found[0].1;
        assert!(signed.owner_certificate.is_some() && signed.ownership_voucher.is_some());
        assert_eq!(signed.ownership_voucher.as_deref(), Some(&b"fixture: ownership voucher (.vcj) for SN-1\n"[..]));
        let shared = &found[1].1;
        assert!(shared.owner_certificate.is_none() && shared.ownership_voucher.is_none());
        assert!(!shared.conveyed_information.is_empty());
    }

    #[test]
    fn other_devices_see_only_the_shared_directory_and_odd_serials_are_not_paths() {
        for serial in [Some("SN-2"), None, Some("../usb"), Some("..")] {
            let (found, _) = read_storage_dir(&fixture(), serial);
            assert_eq!(found.len(), 1, "{serial:?}");
            assert!(found[0].0.ends_with("usb"));
        }
    }

    #[test]
    fn missing_directory_and_empty_file() {
        let dir = tempfile::tempdir().unwrap();
        assert!(read_storage_dir(&dir.path().join("absent"), None).0.is_empty());
        std::fs::write(dir.path().join(CONVEYED_INFORMATION_FILE), b"").unwrap();
        let (found, problems) = read_storage_dir(dir.path(), None);
        assert!(found.is_empty());
        assert!(matches!(problems[..], [DiscoveryError::Storage { reason: "empty file", .. }]));
    }

    #[test]
    fn oversized_artifacts_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let file = std::fs::File::create(dir.path().join(CONVEYED_INFORMATION_FILE)).unwrap();
        file.set_len(MAX_ARTIFACT_SIZE + 1).unwrap();
        let (found, problems) = read_storage_dir(dir.path(), None);
        assert!(found.is_empty());
        assert!(matches!(problems[..], [DiscoveryError::TooLarge { .. }]));
    }
}
