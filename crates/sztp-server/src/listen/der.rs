//! Just enough DER to find a certificate's subject and public key without judging the
//! certificate: v1 certificates, unknown critical extensions, long serials and SHA-1 signatures
//! all pass. Judging certificates is the application's job.

/// The parts of a certificate the TLS layer needs, as slices of the certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct CertParts<'a> {
    /// The subject `Name`, whole TLV (the form TLS `certificate_authorities` carries).
    pub(crate) subject: &'a [u8],
    /// The `SubjectPublicKeyInfo`, whole TLV.
    pub(crate) spki: &'a [u8],
}

/// A `SubjectPublicKeyInfo` split into the contents of its `AlgorithmIdentifier` (the form
/// `rustls_pki_types::AlgorithmIdentifier` holds) and the public key bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PublicKey<'a> {
    /// Contents of the `AlgorithmIdentifier` SEQUENCE: OID TLV plus parameters TLV, if any.
    pub(crate) algorithm: &'a [u8],
    /// The `subjectPublicKey` BIT STRING contents after the unused-bits octet.
    pub(crate) key: &'a [u8],
}

const SEQUENCE: u8 = 0x30;
const INTEGER: u8 = 0x02;
const BIT_STRING: u8 = 0x03;
const VERSION: u8 = 0xa0;

/// One TLV: its tag, the whole encoding, its contents, and the input after it.
struct Tlv<'a> {
    tag: u8,
    whole: &'a [u8],
    contents: &'a [u8],
    rest: &'a [u8],
}

fn tlv(input: &[u8]) -> Option<Tlv<'_>> {
    let (&tag, after_tag) = input.split_first()?;
    if tag & 0x1f == 0x1f {
        return None; // high tag numbers never occur in these structures
    }
    let (&first, mut after_len) = after_tag.split_first()?;
    let len = if first < 0x80 {
        usize::from(first)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || after_len.len() < n {
            return None; // indefinite (BER) or absurd lengths
        }
        let (octets, rest) = after_len.split_at(n);
        after_len = rest;
        octets.iter().fold(0usize, |acc, b| (acc << 8) | usize::from(*b))
    };
    if after_len.len() < len {
        return None;
    }
    let (contents, rest) = after_len.split_at(len);
    let whole = input.get(..input.len() - rest.len())?;
    Some(Tlv { tag, whole, contents, rest })
}

fn expect(input: &[u8], tag: u8) -> Option<Tlv<'_>> {
    tlv(input).filter(|t| t.tag == tag)
}

/// Finds the subject and public key of an X.509 certificate (RFC 5280 §4.1).
pub(crate) fn cert_parts(cert: &[u8]) -> Option<CertParts<'_>> {
    let certificate = expect(cert, SEQUENCE)?;
    let tbs = expect(certificate.contents, SEQUENCE)?;
    let mut rest = tbs.contents;
    if let Some(version) = expect(rest, VERSION) {
        rest = version.rest;
    }
    // serialNumber, signature, issuer, validity
    for tag in [INTEGER, SEQUENCE, SEQUENCE, SEQUENCE] {
        rest = expect(rest, tag)?.rest;
    }
    let subject = expect(rest, SEQUENCE)?;
    let spki = expect(subject.rest, SEQUENCE)?;
    public_key(spki.whole)?;
    Some(CertParts { subject: subject.whole, spki: spki.whole })
}

/// Splits a `SubjectPublicKeyInfo` (RFC 5280 §4.1.2.7).
pub(crate) fn public_key(spki: &[u8]) -> Option<PublicKey<'_>> {
    let outer = expect(spki, SEQUENCE)?;
    let algorithm = expect(outer.contents, SEQUENCE)?;
    let bits = expect(algorithm.rest, BIT_STRING)?;
    match bits.contents.split_first()? {
        (0, key) => Some(PublicKey { algorithm: algorithm.contents, key }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sztp_testkit::rcgen::{self, CustomExtension, PublicKeyData};
    use sztp_testkit::{KeyAlg, TestCa, params};

    #[test]
    fn finds_subject_and_key_of_certificates_of_every_algorithm() {
        for alg in [KeyAlg::P256, KeyAlg::P384, KeyAlg::Rsa2048] {
            let ca = TestCa::root("Example", "Root", alg);
            let parts = cert_parts(&ca.issued.cert_der).expect("parts");
            let key = rcgen::KeyPair::try_from(ca.issued.key_pkcs8_der.as_slice()).expect("key");
            assert_eq!(parts.spki, key.subject_public_key_info().as_slice());
            // Self-signed: the same Name is encoded twice, as issuer and as subject.
            let copies = ca.issued.cert_der.windows(parts.subject.len()).filter(|w| *w == parts.subject).count();
            assert_eq!(copies, 2);
            let pk = public_key(parts.spki).expect("public key");
            assert_eq!(pk.key, key.public_key_raw());
        }
    }

    #[test]
    fn accepts_unknown_critical_extensions() {
        let ca = TestCa::root("Example", "Root", KeyAlg::P256);
        let mut p = params("Example", "Odd device");
        let mut ext = CustomExtension::from_oid_content(&[1, 3, 6, 1, 4, 1, 32473, 1], vec![0x05, 0x00]);
        ext.set_criticality(true);
        p.custom_extensions.push(ext);
        let odd = ca.issue(&p, KeyAlg::P256);
        assert!(cert_parts(&odd.cert_der).is_some());
    }

    #[test]
    fn rejects_every_truncation_and_garbage() {
        let ca = TestCa::root("Example", "Root", KeyAlg::P256);
        let der = &ca.issued.cert_der;
        for len in 0..der.len() {
            assert_eq!(cert_parts(&der[..len]), None, "prefix of {len} bytes");
        }
        assert_eq!(cert_parts(b"not a certificate"), None);
        assert_eq!(cert_parts(&[0x30, 0x80, 0x00, 0x00]), None);
    }
}
