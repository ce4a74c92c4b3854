//! Reading operator input: files, hex strings, certificates, PKCS#8 keys, and CMS artifacts given
//! as DER, PEM or base64, or inside a get-bootstrapping-data output document (JSON or XML).

use std::path::Path;

use base64::Engine;
use sztp_protocol::model::YangDocument;
use sztp_protocol::model::bootstrap_rpc::GetBootstrappingDataOutput;
use sztp_protocol::x509::{Certificate, load_certificates, pem_blocks};

use crate::error::CtlError;

/// What an input file turned out to hold.
#[derive(Debug)]
pub(crate) enum Artifacts {
    /// One CMS ContentInfo, DER.
    Single(Vec<u8>),
    /// A get-bootstrapping-data output with its artifacts.
    Output(GetBootstrappingDataOutput),
}

/// Reads a whole file, naming it in the error.
pub(crate) fn read_file(path: &Path) -> Result<Vec<u8>, CtlError> {
    std::fs::read(path).map_err(|e| CtlError::input(format!("cannot read {}: {e}", path.display())))
}

/// Reads a file holding one CMS artifact or a get-bootstrapping-data output.
pub(crate) fn read_artifacts(path: &Path) -> Result<Artifacts, CtlError> {
    let bytes = read_file(path)?;
    classify(&bytes).map_err(|e| CtlError::input(format!("{}: {e}", path.display())))
}

/// Reads a file that must hold exactly one CMS artifact (DER, PEM or base64).
pub(crate) fn read_cms(path: &Path) -> Result<Vec<u8>, CtlError> {
    match read_artifacts(path)? {
        Artifacts::Single(der) => Ok(der),
        Artifacts::Output(_) => Err(CtlError::input(format!(
            "{}: is a get-bootstrapping-data output; pass it with --output",
            path.display()
        ))),
    }
}

/// Sorts input bytes into DER, PEM, base64 or a JSON/XML output document.
pub(crate) fn classify(bytes: &[u8]) -> Result<Artifacts, String> {
    if bytes.first() == Some(&0x30) {
        return Ok(Artifacts::Single(bytes.to_vec()));
    }
    let text = std::str::from_utf8(bytes).map_err(|_| "neither DER nor text".to_string())?.trim();
    if text.starts_with("-----BEGIN") {
        let blocks = pem_blocks(text.as_bytes()).map_err(|e| e.to_string())?;
        return match blocks.into_iter().next() {
            Some((_, der)) => Ok(Artifacts::Single(der)),
            None => Err("no PEM block".into()),
        };
    }
    if text.starts_with('{') {
        return GetBootstrappingDataOutput::from_json(text.as_bytes())
            .map(Artifacts::Output)
            .map_err(|e| format!("not a get-bootstrapping-data output: {e}"));
    }
    if text.starts_with('<') {
        return GetBootstrappingDataOutput::from_xml(text.as_bytes())
            .map(Artifacts::Output)
            .map_err(|e| format!("not a get-bootstrapping-data output: {e}"));
    }
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let der = base64::engine::general_purpose::STANDARD
        .decode(compact)
        .map_err(|_| "not DER, PEM, base64, JSON or XML".to_string())?;
    if der.first() != Some(&0x30) {
        return Err("base64 content is not a DER structure".into());
    }
    Ok(Artifacts::Single(der))
}

/// Parses hex octets, ignoring whitespace, `:` and `-` separators and a leading `0x`.
pub(crate) fn parse_hex(text: &str) -> Result<Vec<u8>, CtlError> {
    let text = text.trim();
    let text = text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")).unwrap_or(text);
    let digits: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace() && *b != b':' && *b != b'-').collect();
    if !digits.len().is_multiple_of(2) {
        return Err(CtlError::input("hex has an odd number of digits"));
    }
    digits
        .chunks(2)
        .map(|pair| {
            std::str::from_utf8(pair)
                .ok()
                .and_then(|s| u8::from_str_radix(s, 16).ok())
                .ok_or_else(|| CtlError::input(format!("invalid hex digits {:?}", String::from_utf8_lossy(pair))))
        })
        .collect()
}

/// Formats octets as lowercase hex with `sep` between octets.
pub(crate) fn to_hex(bytes: &[u8], sep: &str) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect::<Vec<_>>().join(sep)
}

/// Loads every certificate of each file (PEM or DER).
pub(crate) fn read_certificates(paths: &[impl AsRef<Path>]) -> Result<Vec<Certificate>, CtlError> {
    let mut out = Vec::new();
    for path in paths {
        let path = path.as_ref();
        let certs = load_certificates(&read_file(path)?)
            .map_err(|e| CtlError::input(format!("{}: no certificate: {e}", path.display())))?;
        out.extend(certs);
    }
    Ok(out)
}

/// Loads the first certificate of a file.
pub(crate) fn read_certificate(path: &Path) -> Result<Certificate, CtlError> {
    read_certificates(&[path])?
        .into_iter()
        .next()
        .ok_or_else(|| CtlError::input(format!("{}: no certificate", path.display())))
}

/// Loads a PKCS#8 private key (PEM `PRIVATE KEY`, or DER).
pub(crate) fn read_pkcs8_key(path: &Path) -> Result<Vec<u8>, CtlError> {
    let bytes = read_file(path)?;
    if bytes.first() == Some(&0x30) {
        return Ok(bytes);
    }
    let blocks = pem_blocks(&bytes).map_err(|e| CtlError::input(format!("{}: {e}", path.display())))?;
    match blocks.into_iter().find(|(label, _)| label.ends_with("PRIVATE KEY")) {
        Some((label, der)) if label == "PRIVATE KEY" => Ok(der),
        Some((label, _)) => Err(CtlError::input(format!(
            "{}: {label} is not PKCS#8; convert it with `openssl pkcs8 -topk8 -nocrypt`",
            path.display()
        ))),
        None => Err(CtlError::input(format!("{}: no PRIVATE KEY block", path.display()))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_accepts_separators_and_rejects_garbage() {
        assert_eq!(parse_hex("8f 37:00-1E").unwrap(), vec![0x8f, 0x37, 0x00, 0x1e]);
        assert_eq!(parse_hex("0xff").unwrap(), vec![0xff]);
        assert!(parse_hex("abc").is_err());
        assert!(parse_hex("zz").is_err());
        assert_eq!(to_hex(&[0x8f, 0x01], " "), "8f 01");
    }

    #[test]
    fn classify_recognises_der_pem_and_base64() {
        let der = vec![0x30, 0x03, 0x02, 0x01, 0x01];
        assert!(matches!(classify(&der), Ok(Artifacts::Single(d)) if d == der));
        let pem = "-----BEGIN CMS-----\nMAMCAQE=\n-----END CMS-----\n";
        assert!(matches!(classify(pem.as_bytes()), Ok(Artifacts::Single(d)) if d == der));
        assert!(matches!(classify(b"  MAMC\nAQE=\n"), Ok(Artifacts::Single(d)) if d == der));
        assert!(classify(b"hello world").is_err());
        assert!(classify(b"{\"x\":1}").is_err());
    }
}
