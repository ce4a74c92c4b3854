//! The degenerate "certs-only" SignedData (RFC 5652 §5.2): no signers, eContentType id-data and
//! no eContent, carrying certificates and CRLs. RFC 8572 uses it for the owner-certificate
//! artifact (§3.2) and for trust anchors in redirect information and progress reports.

use super::CmsError;
use super::content_type::{ContentType, ID_DATA};
use super::signed_data::{content_info_signed, parse_signed_data};
use crate::x509::{Certificate, Crl, tlv};

/// The contents of a certs-only SignedData.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CertsOnly {
    /// The certificates, DER, in the (DER-sorted) order of the structure.
    pub certificates: Vec<Vec<u8>>,
    /// The CRLs, DER.
    pub crls: Vec<Vec<u8>>,
}

/// Builds `ContentInfo { id-signedData, SignedData }` with no signers holding `certificates`
/// and `crls` (each DER, copied as is).
pub fn build_certs_only<C: AsRef<[u8]>, R: AsRef<[u8]>>(certificates: &[C], crls: &[R]) -> Result<Vec<u8>, CmsError> {
    for c in certificates {
        Certificate::from_der(c.as_ref()).map_err(|e| CmsError::Malformed(e.to_string()))?;
    }
    for c in crls {
        Crl::from_der(c.as_ref()).map_err(|e| CmsError::Malformed(e.to_string()))?;
    }
    let certs: Vec<&[u8]> = certificates.iter().map(AsRef::as_ref).collect();
    let crls: Vec<&[u8]> = crls.iter().map(AsRef::as_ref).collect();
    let version = tlv::encode(0x02, &[1]);
    let digest_algorithms = tlv::encode(0x31, &[]);
    let encap = tlv::encode(0x30, &tlv::encode(0x06, ID_DATA.as_bytes()));
    let mut body = [version, digest_algorithms, encap].concat();
    if !certs.is_empty() {
        body.extend(tlv::encode_set(0xa0, &certs));
    }
    if !crls.is_empty() {
        body.extend(tlv::encode_set(0xa1, &crls));
    }
    body.extend(tlv::encode(0x31, &[]));
    Ok(content_info_signed(&tlv::encode(0x30, &body)))
}

/// Parses a certs-only SignedData, checking that it is degenerate: no signerInfos, eContentType
/// id-data and no eContent. digestAlgorithms is tolerated non-empty (it signs nothing).
pub fn parse_certs_only(der: &[u8]) -> Result<CertsOnly, CmsError> {
    let parsed = parse_signed_data(der)?;
    if !parsed.signer_infos.is_empty() {
        return Err(CmsError::Malformed(format!(
            "not a certs-only SignedData: it has {} signerInfo(s)",
            parsed.signer_infos.len()
        )));
    }
    let encap = &parsed.typed.encap_content_info;
    if encap.econtent_type != ID_DATA {
        return Err(CmsError::UnexpectedContentType {
            expected: ContentType::Data.to_string(),
            found: ContentType::from_oid(encap.econtent_type).to_string(),
        });
    }
    if encap.econtent.is_some() {
        return Err(CmsError::Malformed("not a certs-only SignedData: eContent is present".into()));
    }
    Ok(CertsOnly {
        certificates: parsed.certificates.iter().map(|c| c.to_vec()).collect(),
        crls: parsed.crls.iter().map(|c| c.to_vec()).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cms::signed_data::{SignOptions, sign};
    use crate::cms::signer::Signer;
    use sztp_testkit::TestPki;
    use sztp_testkit::rcgen::date_time_ymd;

    #[test]
    fn round_trips_certificates_and_crls() {
        let pki = TestPki::generate();
        let crl = pki.owner_ca.crl(&[], date_time_ymd(2030, 1, 1), date_time_ymd(2031, 1, 1));
        let der = build_certs_only(&pki.owner_chain_der(), std::slice::from_ref(&crl)).unwrap();
        let parsed = parse_certs_only(&der).unwrap();
        let mut expected = pki.owner_chain_der();
        expected.sort();
        let mut got = parsed.certificates.clone();
        got.sort();
        assert_eq!(got, expected);
        assert_eq!(parsed.crls, vec![crl]);
        let empty = build_certs_only::<Vec<u8>, Vec<u8>>(&[], &[]).unwrap();
        assert_eq!(parse_certs_only(&empty).unwrap(), CertsOnly::default());
    }

    #[test]
    fn refuses_signed_data_with_signers_and_bad_input() {
        let pki = TestPki::generate();
        let signer = Signer::from_pem(pki.owner.key_pem.as_bytes(), pki.owner_chain_pem().as_bytes()).unwrap();
        let signed = sign(ContentType::Data, b"x", &signer, &SignOptions::default()).unwrap();
        assert!(parse_certs_only(&signed).is_err());
        assert!(build_certs_only(&[vec![0x30, 0x00]], &Vec::<Vec<u8>>::new()).is_err());
        let der = build_certs_only(&pki.owner_chain_der(), &Vec::<Vec<u8>>::new()).unwrap();
        for n in 0..der.len() {
            assert!(parse_certs_only(&der[..n]).is_err());
        }
    }
}
