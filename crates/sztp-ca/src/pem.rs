//! PEM (RFC 7468) encoding and decoding of DER objects: certificates, chains and keys.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::CaError;

/// Encodes `der` as one PEM block with `label` (e.g. `CERTIFICATE`), 64-character lines, LF endings.
pub fn pem_encode(label: &str, der: &[u8]) -> String {
    let body = STANDARD.encode(der);
    let mut out = String::with_capacity(body.len() + body.len() / 64 + 2 * label.len() + 40);
    out.push_str("-----BEGIN ");
    out.push_str(label);
    out.push_str("-----\n");
    // Base64 output is ASCII, so slicing at any byte offset is safe.
    let mut rest = body.as_str();
    while !rest.is_empty() {
        let (line, tail) = rest.split_at(rest.len().min(64));
        out.push_str(line);
        out.push('\n');
        rest = tail;
    }
    out.push_str("-----END ");
    out.push_str(label);
    out.push_str("-----\n");
    out
}

/// Decodes every PEM block labelled `label`, in order; blocks with other labels are skipped.
/// Finding no such block is an error.
pub fn pem_decode_all(pem: &str, label: &str) -> Result<Vec<Vec<u8>>, CaError> {
    let found = blocks_labelled(pem, label)?;
    if found.is_empty() {
        return Err(CaError::Pem(format!("no {label} block found")));
    }
    Ok(found)
}

/// Every block labelled `label` (possibly none).
pub(crate) fn blocks_labelled(pem: &str, label: &str) -> Result<Vec<Vec<u8>>, CaError> {
    let blocks = sztp_protocol::x509::pem_blocks(pem.as_bytes()).map_err(|e| CaError::Pem(e.to_string()))?;
    Ok(blocks.into_iter().filter(|(l, _)| l == label).map(|(_, der)| der).collect())
}

/// Encodes DER certificates as consecutive PEM `CERTIFICATE` blocks.
pub fn pem_encode_certificates<'a>(ders: impl IntoIterator<Item = &'a [u8]>) -> String {
    ders.into_iter().map(|der| pem_encode("CERTIFICATE", der)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_with_64_character_lines() {
        let der: Vec<u8> = (0..=255u8).collect();
        let pem = pem_encode("CERTIFICATE", &der);
        let lines: Vec<&str> = pem.lines().collect();
        assert_eq!(lines[0], "-----BEGIN CERTIFICATE-----");
        assert_eq!(*lines.last().unwrap(), "-----END CERTIFICATE-----");
        assert!(lines[1..lines.len() - 1].iter().all(|l| l.len() <= 64));
        assert_eq!(lines[1].len(), 64);
        assert_eq!(pem_decode_all(&pem, "CERTIFICATE").unwrap(), vec![der]);
    }

    #[test]
    fn decodes_only_the_wanted_label_in_order() {
        let text = format!(
            "junk\n{}{}{}",
            pem_encode("CERTIFICATE", b"one"),
            pem_encode("PRIVATE KEY", b"key"),
            pem_encode("CERTIFICATE", b"two")
        );
        assert_eq!(pem_decode_all(&text, "CERTIFICATE").unwrap(), vec![b"one".to_vec(), b"two".to_vec()]);
        assert_eq!(pem_decode_all(&text, "PRIVATE KEY").unwrap(), vec![b"key".to_vec()]);
        let err = pem_decode_all(&text, "X509 CRL").unwrap_err().to_string();
        assert_eq!(err, "invalid PEM: no X509 CRL block found");
        assert_eq!(pem_encode_certificates([b"one".as_slice(), b"two"]), {
            let mut s = pem_encode("CERTIFICATE", b"one");
            s.push_str(&pem_encode("CERTIFICATE", b"two"));
            s
        });
    }

    #[test]
    fn empty_input_encodes_an_empty_body() {
        assert_eq!(pem_encode("X", b""), "-----BEGIN X-----\n-----END X-----\n");
    }

    #[test]
    fn rejects_a_corrupt_block() {
        let bad = "-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n";
        assert!(pem_decode_all(bad, "CERTIFICATE").is_err());
    }
}
