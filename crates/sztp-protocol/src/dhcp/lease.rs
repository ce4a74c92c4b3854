//! The text forms ISC dhclient writes for option 143/136 in its lease file (dhclient.leases(5)):
//! a quoted string (`\ooo` octal escapes for non-printables) or colon-separated hex octets.

use super::DhcpError;
use super::list::{DecodedServerList, decode_bootstrap_server_list, split_entries, validate_entries};

/// Parses the value of an `option sztp-redirect… <value>;` lease statement (the trailing `;` optional).
///
/// * Colon-separated hex (`0:1e:68:74:…`, what dhclient prints for a `string` option holding
///   non-printable octets) is decoded as the RFC 8572 §8.3 binary `bootstrap-server-list`.
/// * A quoted string is unescaped; if its octets frame a well-formed `bootstrap-server-list` they
///   are decoded as one, otherwise the text is read as URLs separated by commas or white space
///   (what a server declaring the option as `text` sends, e.g. for the OPI sztp-agent).
///
/// Either way invalid URIs are set aside in [`DecodedServerList::rejected`], as RFC 8572 §8.3 asks.
pub fn parse_dhclient_lease_value(value: &str) -> Result<DecodedServerList, DhcpError> {
    let value = value.trim();
    let value = value.strip_suffix(';').unwrap_or(value).trim_end();
    match value.strip_prefix('"') {
        Some(quoted) => {
            let bytes = unquote(quoted)?;
            if !bytes.is_empty() && split_entries(&bytes).is_ok() {
                decode_bootstrap_server_list(&bytes)
            } else {
                validate_entries(bytes.split(|b| *b == b',' || b.is_ascii_whitespace()).filter(|t| !t.is_empty()))
            }
        }
        None => decode_bootstrap_server_list(&parse_colon_hex(value)?),
    }
}

/// Finds the last `option <option_name> <value>;` statement in a dhclient lease file (dhclient
/// appends newer leases) and parses its value with [`parse_dhclient_lease_value`].
pub fn parse_dhclient_lease_file(lease_file: &str, option_name: &str) -> Result<DecodedServerList, DhcpError> {
    let value = lease_file
        .lines()
        .filter_map(|line| {
            let rest = line.trim_start().strip_prefix("option")?;
            let rest = rest.strip_prefix(|c: char| c.is_ascii_whitespace())?.trim_start();
            let (name, value) = rest.split_once(|c: char| c.is_ascii_whitespace())?;
            (name == option_name).then_some(value)
        })
        .next_back()
        .ok_or_else(|| DhcpError::NotInLease { name: option_name.to_owned() })?;
    parse_dhclient_lease_value(value)
}

/// Formats octets the way dhclient prints binary options: lower-case hex without padding, `:`-joined.
pub fn dhclient_colon_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:x}")).collect::<Vec<_>>().join(":")
}

/// Decodes `a:b:…` where each item is one or two hex digits.
fn parse_colon_hex(value: &str) -> Result<Vec<u8>, DhcpError> {
    value
        .split(':')
        .map(|item| {
            let well_formed = (1..=2).contains(&item.len()) && item.bytes().all(|b| b.is_ascii_hexdigit());
            well_formed
                .then(|| u8::from_str_radix(item, 16).ok())
                .flatten()
                .ok_or(DhcpError::LeaseSyntax("expected a quoted string or colon-separated hex octets"))
        })
        .collect()
}

/// Unescapes the body of a quoted string (after the opening quote) up to its closing quote.
fn unquote(quoted: &str) -> Result<Vec<u8>, DhcpError> {
    let bytes = quoted.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'"' => {
                return match quoted.get(i + 1..).map(str::trim) {
                    Some("") => Ok(out),
                    _ => Err(DhcpError::LeaseSyntax("text after the closing quote")),
                };
            }
            b'\\' => {
                let octal = bytes.get(i + 1..i + 4).filter(|d| d.iter().all(|c| (b'0'..=b'7').contains(c)));
                if let Some(digits) = octal {
                    let value = digits.iter().fold(0u16, |acc, d| acc * 8 + u16::from(d - b'0'));
                    out.push(u8::try_from(value).map_err(|_| DhcpError::LeaseSyntax("octal escape above \\377"))?);
                    i += 4;
                } else {
                    out.push(*bytes.get(i + 1).ok_or(DhcpError::LeaseSyntax("unterminated escape"))?);
                    i += 2;
                }
            }
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    Err(DhcpError::LeaseSyntax("unterminated quoted string"))
}

#[cfg(test)]
mod tests {
    use super::super::list::BootstrapServerList;
    use super::super::uri::UriError;
    use super::*;

    fn example() -> BootstrapServerList {
        BootstrapServerList::parse(["https://sztp1.example.com:8443", "https://[2001:db8::1]"]).unwrap()
    }

    #[test]
    fn colon_hex_binary_form_decodes() {
        let text = format!("{};", dhclient_colon_hex(&example().encode()));
        assert!(text.starts_with("0:1e:68:74:74:70:73:3a"));
        assert_eq!(parse_dhclient_lease_value(&text).unwrap().servers, example());
        let padded = example().encode().iter().map(|b| format!("{b:02X}")).collect::<Vec<_>>().join(":");
        assert_eq!(parse_dhclient_lease_value(&padded).unwrap().servers, example());
    }

    #[test]
    fn quoted_text_form_is_split_on_commas_and_spaces() {
        let decoded =
            parse_dhclient_lease_value(r#""https://a.example:8443, https://b.example https://[::1]";"#).unwrap();
        let uris: Vec<_> = decoded.servers.iter().map(|u| u.as_str()).collect();
        assert_eq!(uris, ["https://a.example:8443", "https://b.example", "https://[::1]"]);
    }

    #[test]
    fn opi_style_url_with_a_path_is_rejected_but_reported() {
        let value = r#""https://bootstrap:9090/restconf/operations/ietf-sztp-bootstrap-server:get-bootstrapping-data""#;
        match parse_dhclient_lease_value(value) {
            Err(DhcpError::NoValidUri { rejected }) => {
                assert_eq!(rejected[0].reason, UriError::Path);
                assert!(rejected[0].raw.starts_with(b"https://bootstrap:9090/"));
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn quoted_string_with_octal_escapes_holding_the_binary_form_decodes() {
        let escaped: String = example()
            .encode()
            .iter()
            .map(|&b| {
                if b.is_ascii_graphic() && b != b'"' && b != b'\\' {
                    (b as char).to_string()
                } else {
                    format!("\\{b:03o}")
                }
            })
            .collect();
        assert!(escaped.starts_with("\\000\\036https"));
        assert_eq!(parse_dhclient_lease_value(&format!("\"{escaped}\"")).unwrap().servers, example());
    }

    #[test]
    fn malformed_values_are_errors_not_panics() {
        for bad in ["", "\"abc", "\"a\" b", "\"\\", "\"\\777\"", "zz:1", "1::2", "123", "https://x"] {
            assert!(parse_dhclient_lease_value(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn lease_file_uses_the_last_matching_statement() {
        let lease = "lease {\n  interface \"eth0\";\n  option sztp-redirect-urls \"https://old.example\";\n}\n\
                     lease {\n  option sztp-redirect-urlsx \"https://other.example\";\n  \
                     option sztp-redirect-urls \"https://new.example:8443\";\n  renew 1 2022/08/15 19:16:40;\n}\n";
        let decoded = parse_dhclient_lease_file(lease, "sztp-redirect-urls").unwrap();
        assert_eq!(decoded.servers.uris()[0].as_str(), "https://new.example:8443");
        assert_eq!(
            parse_dhclient_lease_file(lease, "dhcp6.sztp-redirect"),
            Err(DhcpError::NotInLease { name: "dhcp6.sztp-redirect".into() })
        );
    }
}
