//! Who the device is: serial number, IDevID chain and key (from files), the hardware model and
//! OS it reports (from the system unless given), and the trust anchors it is given (PEM files).

use std::path::{Path, PathBuf};

use sztp_protocol::x509::{Certificate, load_certificates, pem_blocks};

use crate::error::AgentError;

/// The device's identity and what it says about itself.
#[derive(Clone)]
pub struct Identity {
    /// Serial number (must match the IDevID and the voucher).
    pub serial: String,
    /// IDevID chain, leaf first (DER).
    pub chain: Vec<Certificate>,
    /// IDevID private key, PKCS#8 DER.
    pub key_pkcs8: Vec<u8>,
    /// Hardware model sent as `hw-model`.
    pub hw_model: String,
    /// OS name sent as `os-name`.
    pub os_name: String,
    /// OS version sent as `os-version`; replaced by the new one after an image install.
    pub os_version: String,
}

impl std::fmt::Debug for Identity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Identity").field("serial", &self.serial).field("hw_model", &self.hw_model).finish()
    }
}

impl Identity {
    /// Reads the IDevID chain (PEM, leaf first) and PKCS#8 key (PEM or DER).
    pub(crate) fn from_files(serial: &str, chain: &Path, key: &Path) -> Result<Identity, AgentError> {
        let read = |p: &Path| std::fs::read(p).map_err(|e| AgentError::Config(format!("{}: {e}", p.display())));
        let chain_bytes = read(chain)?;
        let certs =
            load_certificates(&chain_bytes).map_err(|e| AgentError::Config(format!("{}: {e}", chain.display())))?;
        if certs.is_empty() {
            return Err(AgentError::Config(format!("{}: no certificate", chain.display())));
        }
        let key_bytes = read(key)?;
        let key_pkcs8 = match pem_blocks(&key_bytes) {
            Ok(blocks) if !blocks.is_empty() => blocks
                .into_iter()
                .find(|(label, _)| label == "PRIVATE KEY")
                .map(|(_, der)| der)
                .ok_or_else(|| AgentError::Config(format!("{}: no PKCS#8 \"PRIVATE KEY\" block", key.display())))?,
            _ => key_bytes,
        };
        let (os_name, os_version) = os_release(Path::new("/etc/os-release"));
        Ok(Identity {
            serial: serial.to_owned(),
            chain: certs,
            key_pkcs8,
            hw_model: hw_model(Path::new("/sys/class/dmi/id/product_name")),
            os_name,
            os_version,
        })
    }

    /// The reqwest identity: chain then key, PEM.
    pub(crate) fn tls_identity(&self) -> Result<reqwest::Identity, AgentError> {
        let mut pem = String::new();
        for c in &self.chain {
            pem.push_str(&pem_encode("CERTIFICATE", c.der()));
        }
        pem.push_str(&pem_encode("PRIVATE KEY", &self.key_pkcs8));
        reqwest::Identity::from_pem(pem.as_bytes()).map_err(|e| AgentError::Config(format!("IDevID: {e}")))
    }
}

/// The certificates of PEM files, in order.
pub(crate) fn read_anchors(paths: &[PathBuf]) -> Result<Vec<Certificate>, AgentError> {
    let mut out = Vec::new();
    for p in paths {
        let bytes = std::fs::read(p).map_err(|e| AgentError::Config(format!("{}: {e}", p.display())))?;
        out.extend(load_certificates(&bytes).map_err(|e| AgentError::Config(format!("{}: {e}", p.display())))?);
    }
    Ok(out)
}

/// PEM text of one DER block.
pub(crate) fn pem_encode(label: &str, der: &[u8]) -> String {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(chunk));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

/// The hardware model from DMI, or "unknown".
pub(crate) fn hw_model(path: &Path) -> String {
    std::fs::read_to_string(path)
        .map(|s| s.trim().to_owned())
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "unknown".into())
}

/// `NAME`/`ID` and `VERSION_ID` from os-release, or "unknown".
pub(crate) fn os_release(path: &Path) -> (String, String) {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let field = |key: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(key).and_then(|v| v.strip_prefix('=')))
            .map(|v| v.trim().trim_matches('"').to_owned())
            .filter(|v| !v.is_empty())
    };
    (
        field("ID").or_else(|| field("NAME")).unwrap_or_else(|| "unknown".into()),
        field("VERSION_ID").unwrap_or_else(|| "unknown".into()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn os_release_and_dmi_fall_back_to_unknown() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let f = dir.path().join("os-release");
        std::fs::write(&f, "NAME=\"Debian GNU/Linux\"\nID=debian\nVERSION_ID=\"12\"\n").unwrap_or_default();
        assert_eq!(os_release(&f), ("debian".into(), "12".into()));
        assert_eq!(os_release(&dir.path().join("none")), ("unknown".into(), "unknown".into()));
        assert_eq!(hw_model(&dir.path().join("none")), "unknown");
    }

    #[test]
    fn pem_lines_are_64_columns() {
        let pem = pem_encode("X", &[0u8; 100]);
        assert!(pem.lines().all(|l| l.len() <= 64 || l.starts_with("-----")));
        assert_eq!(pem_blocks(pem.as_bytes()).ok().map(|b| b[0].1.clone()), Some(vec![0u8; 100]));
    }
}
