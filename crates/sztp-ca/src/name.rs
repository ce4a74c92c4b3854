//! Distinguished names written as RFC 4514-style strings, kept in the order the caller wrote them:
//! `"CN=x,O=y"` becomes the RDN sequence CN, O, which `openssl x509 -subject` prints as written.

use std::str::FromStr;

use der::asn1::PrintableStringRef;
use der::{Decode, Encode, Tag, Tagged};
use x509_cert::name::{Name, RdnSequence, RelativeDistinguishedName};

use crate::CaError;

/// Parses `"CN=Device 1,O=Example"` into a [`Name`] whose first RDN is `CN=Device 1`.
///
/// x509-cert's own `Name::from_str` follows RFC 4514 §2.1 and stores the RDNs reversed; this
/// keeps the caller's order instead. Spaces around the commas are ignored, `\,` escapes a comma
/// and `+` joins attributes into a multi-valued RDN. An empty string is the empty name.
pub fn parse_name(subject: &str) -> Result<Name, CaError> {
    let invalid = |reason: String| CaError::InvalidName { subject: subject.to_string(), reason };
    let mut rdns = Vec::new();
    if subject.trim().is_empty() {
        return name_from_rdns(rdns);
    }
    for part in split_unescaped(subject, ',') {
        let part = trim_unescaped(part);
        if part.is_empty() {
            return Err(invalid("empty component between commas".into()));
        }
        let rdn = RelativeDistinguishedName::from_str(part).map_err(|_| {
            invalid(format!(
                "'{part}' is not TYPE=value (TYPE is a name such as CN, O, OU, C, serialNumber, or a dotted OID)"
            ))
        })?;
        for atv in rdn.iter() {
            if atv.value.tag() == Tag::PrintableString && PrintableStringRef::try_from(&atv.value).is_err() {
                return Err(invalid(format!(
                    "the value of '{part}' must be a PrintableString (letters, digits, space and '()+,-./:=?)"
                )));
            }
            if atv.value.value().is_empty() {
                return Err(invalid(format!("'{part}' has an empty value")));
            }
        }
        rdns.push(rdn);
    }
    name_from_rdns(rdns).map_err(|e| invalid(e.to_string()))
}

/// Builds a Name from RDNs in DER order (x509-cert offers no safe constructor, so round-trip DER).
pub(crate) fn name_from_rdns(rdns: Vec<RelativeDistinguishedName>) -> Result<Name, CaError> {
    let der = RdnSequence::from(rdns).to_der().map_err(CaError::encoding)?;
    Name::from_der(&der).map_err(CaError::encoding)
}

/// Formats a Name in DER order, the inverse of [`parse_name`]: `CN=Device 1,O=Example`.
pub fn name_to_string(name: &Name) -> String {
    let rdns: &RdnSequence = name.as_ref();
    rdns.iter().map(|rdn| rdn.to_string()).collect::<Vec<_>>().join(",")
}

fn split_unescaped(s: &str, separator: char) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut start = 0;
    let mut escaped = false;
    for (i, c) in s.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            c if c == separator => {
                parts.push(&s[start..i]);
                start = i + c.len_utf8();
            }
            _ => {}
        }
    }
    parts.push(&s[start..]);
    parts
}

/// Trims surrounding whitespace, but keeps a trailing space that is escaped (`\ `).
fn trim_unescaped(s: &str) -> &str {
    let s = s.trim_start();
    let trimmed = s.trim_end();
    if trimmed.ends_with('\\') && trimmed.len() < s.len() { &s[..trimmed.len() + 1] } else { trimmed }
}

#[cfg(test)]
mod tests {
    use super::*;
    use const_oid::db::rfc4519::{COMMON_NAME, COUNTRY_NAME, ORGANIZATION_NAME, SERIAL_NUMBER};

    fn oids(name: &Name) -> Vec<const_oid::ObjectIdentifier> {
        let rdns: &RdnSequence = name.as_ref();
        rdns.iter().flat_map(|rdn| rdn.iter().map(|atv| atv.oid)).collect()
    }

    #[test]
    fn keeps_the_written_order() {
        let name = parse_name("CN=Device 1, serialNumber=SN-42,O=Example Corp,C=DE").unwrap();
        assert_eq!(oids(&name), [COMMON_NAME, SERIAL_NUMBER, ORGANIZATION_NAME, COUNTRY_NAME]);
        assert_eq!(name_to_string(&name), "CN=Device 1,SERIALNUMBER=SN-42,O=Example Corp,C=DE");
    }

    #[test]
    fn encodes_serial_number_and_country_as_printable_string() {
        let name = parse_name("CN=x,serialNumber=ABC-1,C=US").unwrap();
        let rdns: &RdnSequence = name.as_ref();
        let tags: Vec<Tag> = rdns.iter().flat_map(|r| r.iter().map(|a| a.value.tag())).collect();
        assert_eq!(tags, [Tag::Utf8String, Tag::PrintableString, Tag::PrintableString]);
    }

    #[test]
    fn escapes_and_multi_valued_rdns() {
        let name = parse_name(r"CN=Vendor\, Inc.,O=a+OU=b").unwrap();
        let rdns: &RdnSequence = name.as_ref();
        assert_eq!(rdns.len(), 2);
        assert_eq!(rdns.iter().nth(1).map(|r| r.len()), Some(2));
        assert_eq!(name_to_string(&name), r"CN=Vendor\, Inc.,O=a+OU=b");
        assert_eq!(trim_unescaped(r" CN=a\  "), r"CN=a\ ");
    }

    #[test]
    fn rejects_malformed_names() {
        for bad in ["CN", "CN=x,,O=y", "NOPE=1", "serialNumber=a_b", "CN="] {
            let err = parse_name(bad).unwrap_err();
            assert!(err.to_string().starts_with(&format!("invalid subject name '{bad}'")), "{err}");
        }
    }

    #[test]
    fn empty_string_is_the_empty_name() {
        let rdns: RdnSequence = parse_name(" ").unwrap().into();
        assert!(rdns.is_empty());
    }
}
