//! CMS content types of RFC 8572 §3.1 / RFC 8366 §8.4 and the unsigned, unencrypted
//! ContentInfo `{ contentType, [0] EXPLICIT OCTET STRING }` that carries conveyed information.

use std::fmt;

use cms::content_info::ContentInfo;
use const_oid::ObjectIdentifier;
use der::{Decode, Encode, Tag, Tagged};

use super::CmsError;
use crate::x509::tlv;

/// id-data (RFC 5652 §4).
pub const ID_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.1");
/// id-signedData (RFC 5652 §5).
pub const ID_SIGNED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2");
/// id-envelopedData (RFC 5652 §6).
pub const ID_ENVELOPED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.3");
/// id-ct-animaJSONVoucher (RFC 8366 §8.4).
pub const ID_CT_ANIMA_JSON_VOUCHER: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.1.40");
/// id-ct-sztpConveyedInfoXML (RFC 8572 §10.3).
pub const ID_CT_SZTP_CONVEYED_INFO_XML: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.1.42");
/// id-ct-sztpConveyedInfoJSON (RFC 8572 §10.3).
pub const ID_CT_SZTP_CONVEYED_INFO_JSON: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.1.43");

/// A CMS content type: the ones SZTP uses, or any other OID found in input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ContentType {
    /// id-data: opaque octets (the encoding is communicated externally).
    Data,
    /// id-signedData.
    SignedData,
    /// id-envelopedData.
    EnvelopedData,
    /// id-ct-animaJSONVoucher (.40): a JSON voucher.
    AnimaJsonVoucher,
    /// id-ct-sztpConveyedInfoXML (.42): XML conveyed information.
    ConveyedInfoXml,
    /// id-ct-sztpConveyedInfoJSON (.43): JSON conveyed information.
    ConveyedInfoJson,
    /// Any other content type.
    Other(ObjectIdentifier),
}

impl ContentType {
    /// The OID of this content type.
    pub fn oid(self) -> ObjectIdentifier {
        match self {
            ContentType::Data => ID_DATA,
            ContentType::SignedData => ID_SIGNED_DATA,
            ContentType::EnvelopedData => ID_ENVELOPED_DATA,
            ContentType::AnimaJsonVoucher => ID_CT_ANIMA_JSON_VOUCHER,
            ContentType::ConveyedInfoXml => ID_CT_SZTP_CONVEYED_INFO_XML,
            ContentType::ConveyedInfoJson => ID_CT_SZTP_CONVEYED_INFO_JSON,
            ContentType::Other(oid) => oid,
        }
    }

    /// The content type of an OID (known ones map to their variant).
    pub fn from_oid(oid: ObjectIdentifier) -> Self {
        match oid {
            ID_DATA => ContentType::Data,
            ID_SIGNED_DATA => ContentType::SignedData,
            ID_ENVELOPED_DATA => ContentType::EnvelopedData,
            ID_CT_ANIMA_JSON_VOUCHER => ContentType::AnimaJsonVoucher,
            ID_CT_SZTP_CONVEYED_INFO_XML => ContentType::ConveyedInfoXml,
            ID_CT_SZTP_CONVEYED_INFO_JSON => ContentType::ConveyedInfoJson,
            other => ContentType::Other(other),
        }
    }

    /// Whether this type may label conveyed information (.42, .43 or id-data, RFC 8572 §3.1).
    pub fn is_conveyed_information(self) -> bool {
        matches!(self, ContentType::Data | ContentType::ConveyedInfoXml | ContentType::ConveyedInfoJson)
    }

    /// Whether the content is a CMS structure (signed or enveloped) rather than payload octets.
    pub fn is_cms_structure(self) -> bool {
        matches!(self, ContentType::SignedData | ContentType::EnvelopedData)
    }
}

impl fmt::Display for ContentType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            ContentType::Data => "id-data",
            ContentType::SignedData => "id-signedData",
            ContentType::EnvelopedData => "id-envelopedData",
            ContentType::AnimaJsonVoucher => "id-ct-animaJSONVoucher",
            ContentType::ConveyedInfoXml => "id-ct-sztpConveyedInfoXML",
            ContentType::ConveyedInfoJson => "id-ct-sztpConveyedInfoJSON",
            ContentType::Other(oid) => return write!(f, "{oid}"),
        };
        write!(f, "{name} ({})", self.oid())
    }
}

/// Wraps `payload` unsigned and unencrypted: `ContentInfo { content_type, [0] OCTET STRING }`.
///
/// `content_type` must label payload octets (not id-signedData or id-envelopedData).
pub fn wrap_unsigned(content_type: ContentType, payload: &[u8]) -> Result<Vec<u8>, CmsError> {
    if content_type.is_cms_structure() {
        return Err(CmsError::UnexpectedContentType {
            expected: "a payload content type (.42, .43, id-data, …)".into(),
            found: content_type.to_string(),
        });
    }
    let oid = content_type.oid().to_der()?;
    let content = tlv::encode(0xa0, &tlv::encode(0x04, payload));
    Ok(tlv::encode(0x30, &[oid, content].concat()))
}

/// Unwraps an unsigned, unencrypted ContentInfo, returning its content type and payload.
pub fn unwrap_unsigned(der: &[u8]) -> Result<(ContentType, Vec<u8>), CmsError> {
    let ci = ContentInfo::from_der(der)?;
    let content_type = ContentType::from_oid(ci.content_type);
    if content_type.is_cms_structure() {
        return Err(CmsError::UnexpectedContentType {
            expected: "an unsigned payload content type (.42, .43, id-data, …)".into(),
            found: content_type.to_string(),
        });
    }
    if ci.content.tag() != Tag::OctetString {
        return Err(CmsError::Malformed(format!(
            "content of {content_type} is {}, not an OCTET STRING",
            ci.content.tag()
        )));
    }
    Ok((content_type, ci.content.value().to_vec()))
}

/// The content type of the topmost ContentInfo, after checking the whole structure decodes.
pub fn outer_content_type(der: &[u8]) -> Result<ContentType, CmsError> {
    Ok(ContentType::from_oid(ContentInfo::from_der(der)?.content_type))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsigned_round_trip_for_each_payload_type() {
        for ct in [ContentType::ConveyedInfoJson, ContentType::ConveyedInfoXml, ContentType::Data] {
            let der = wrap_unsigned(ct, b"{\"x\":1}").unwrap();
            assert_eq!(outer_content_type(&der).unwrap(), ct);
            assert_eq!(unwrap_unsigned(&der).unwrap(), (ct, b"{\"x\":1}".to_vec()));
        }
    }

    #[test]
    fn large_payload_uses_long_length_form() {
        let payload = vec![b'a'; 100_000];
        let der = wrap_unsigned(ContentType::ConveyedInfoJson, &payload).unwrap();
        assert_eq!(unwrap_unsigned(&der).unwrap().1, payload);
    }

    #[test]
    fn refuses_cms_structure_types_and_trailing_bytes() {
        assert!(wrap_unsigned(ContentType::SignedData, b"x").is_err());
        let mut der = wrap_unsigned(ContentType::Data, b"x").unwrap();
        der.push(0);
        assert!(unwrap_unsigned(&der).is_err());
        assert!(outer_content_type(&der).is_err());
    }

    #[test]
    fn oids_are_the_rfc_values() {
        assert_eq!(ContentType::AnimaJsonVoucher.oid().to_string(), "1.2.840.113549.1.9.16.1.40");
        assert_eq!(ContentType::ConveyedInfoXml.oid().to_string(), "1.2.840.113549.1.9.16.1.42");
        assert_eq!(ContentType::ConveyedInfoJson.oid().to_string(), "1.2.840.113549.1.9.16.1.43");
        let other = ObjectIdentifier::new_unwrap("1.2.3.4");
        assert_eq!(ContentType::from_oid(other), ContentType::Other(other));
    }

    #[test]
    fn never_panics_on_truncations() {
        let der = wrap_unsigned(ContentType::ConveyedInfoJson, b"{}").unwrap();
        for n in 0..der.len() {
            assert!(unwrap_unsigned(&der[..n]).is_err());
        }
    }
}
