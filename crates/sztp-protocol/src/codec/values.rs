//! Lexical forms of YANG built-in and IETF types: binary, hex-string, date-and-time, host, uri.

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

// libyang accepts non-zero trailing bits (the RFC examples have them), so we do too; padding is required.
const B64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_allow_trailing_bits(true)
        .with_decode_padding_mode(DecodePaddingMode::RequireCanonical),
);

/// Decodes a YANG `binary` value (RFC 4648 base64; ASCII whitespace ignored).
/// Whether `name` is a YANG identifier (RFC 7950 §6.2): `[A-Za-z_][A-Za-z0-9_.-]*`.
pub(crate) fn is_yang_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

pub(crate) fn decode_base64(text: &str) -> Option<Vec<u8>> {
    let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    B64.decode(compact.as_bytes()).ok()
}

/// Encodes a YANG `binary` value.
pub(crate) fn encode_base64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Parses `yang:hex-string` (`ab:cd:…`, possibly empty).
pub(crate) fn decode_hex_string(text: &str) -> Option<Vec<u8>> {
    if text.is_empty() {
        return Some(Vec::new());
    }
    text.split(':')
        .map(|pair| {
            if pair.len() == 2 && pair.bytes().all(|b| b.is_ascii_hexdigit()) {
                u8::from_str_radix(pair, 16).ok()
            } else {
                None
            }
        })
        .collect()
}

/// Formats `yang:hex-string` in lower case.
pub(crate) fn encode_hex_string(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect::<Vec<_>>().join(":")
}

/// Parses `yang:date-and-time` (RFC 3339 with the YANG `-00:00` unknown-offset form).
pub(crate) fn decode_date_and_time(text: &str) -> Option<OffsetDateTime> {
    let normalised = text.strip_suffix("-00:00").map(|t| format!("{t}Z"));
    OffsetDateTime::parse(normalised.as_deref().unwrap_or(text), &Rfc3339).ok()
}

/// Formats `yang:date-and-time` in UTC (`…Z`).
pub(crate) fn encode_date_and_time(t: OffsetDateTime) -> String {
    let utc = t.to_offset(time::UtcOffset::UTC);
    // Rfc3339 formatting only fails for years outside 0..=9999, which no certificate or voucher has.
    utc.format(&Rfc3339).unwrap_or_else(|_| "0000-01-01T00:00:00Z".to_owned())
}

/// Checks `inet:host`: an IPv4/IPv6 address (optionally with a zone) or a domain name.
pub(crate) fn is_valid_host(text: &str) -> bool {
    let addr = text.split_once('%').map_or(text, |(a, _zone)| a);
    addr.parse::<std::net::IpAddr>().is_ok() || is_valid_domain_name(text)
}

/// Checks `inet:domain-name` (RFC 1034 labels of 1..63 octets; total ≤ 253; trailing dot allowed).
pub(crate) fn is_valid_domain_name(text: &str) -> bool {
    if text == "." {
        return true;
    }
    let name = text.strip_suffix('.').unwrap_or(text);
    !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
                && !label.starts_with('-')
                && !label.ends_with('-')
        })
}

/// Checks `inet:uri` loosely: an RFC 3986 scheme, a colon, and no whitespace or control characters.
pub(crate) fn is_valid_uri(text: &str) -> bool {
    let Some((scheme, rest)) = text.split_once(':') else { return false };
    let mut sc = scheme.bytes();
    sc.next().is_some_and(|b| b.is_ascii_alphabetic())
        && sc.all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'-' || b == b'.')
        && !rest.is_empty()
        && !text.chars().any(|c| c.is_whitespace() || c.is_control())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_accepts_rfc_example_with_trailing_bits() {
        assert!(decode_base64("extralongbase64encodedvalue=").is_some());
        assert!(decode_base64("BASE64VALUE=").is_some());
        assert!(decode_base64("abc").is_none());
        assert!(decode_base64("a b c d").is_some());
        assert_eq!(encode_base64(b"hi"), "aGk=");
    }

    #[test]
    fn hex_string_requires_colon_pairs() {
        assert_eq!(decode_hex_string("ba:ec:0F"), Some(vec![0xba, 0xec, 0x0f]));
        assert_eq!(decode_hex_string("baec"), None);
        assert_eq!(decode_hex_string("ba:e"), None);
        assert_eq!(decode_hex_string(""), Some(vec![]));
        assert_eq!(encode_hex_string(&[1, 0xab]), "01:ab");
    }

    #[test]
    fn date_and_time_forms() {
        let t = decode_date_and_time("2016-10-07T19:31:42Z").unwrap();
        assert_eq!(encode_date_and_time(t), "2016-10-07T19:31:42Z");
        assert!(decode_date_and_time("2016-10-07T19:31:42-00:00").is_some());
        assert!(decode_date_and_time("2016-10-07T21:31:42.5+02:00").is_some());
        assert!(decode_date_and_time("2016-10-07").is_none());
    }

    #[test]
    fn hosts_and_uris() {
        assert!(is_valid_host("sztp1.example.com"));
        assert!(is_valid_host("2001:db8::1"));
        assert!(is_valid_host("192.0.2.1"));
        assert!(!is_valid_host("bad host"));
        assert!(!is_valid_host("-x.example"));
        assert!(is_valid_uri("https://example.com/path?q=1"));
        assert!(!is_valid_uri("no scheme"));
        assert!(!is_valid_uri("1http://x"));
    }
}
