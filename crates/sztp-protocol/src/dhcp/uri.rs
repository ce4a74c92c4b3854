//! The bootstrap-server URI of RFC 8572 §8.3: `https://<ip-address-or-hostname>[:<port>]`, no
//! userinfo, path, query or fragment; IPv6 literals in brackets (RFC 3986 §3.2.2); RFC 1123 host names.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

use thiserror::Error;

/// The port HTTPS uses when a URI names none (RFC 9110 §4.2.2).
pub const DEFAULT_HTTPS_PORT: u16 = 443;

/// Longest host name accepted, in octets (RFC 1123 §2.1 with RFC 1035 §2.3.4).
const MAX_HOST_NAME: usize = 253;
/// Longest label accepted, in octets (RFC 1035 §2.3.4).
const MAX_LABEL: usize = 63;

/// Why a URI is not of the RFC 8572 §8.3 form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum UriError {
    /// The octets are not UTF-8.
    #[error("not UTF-8")]
    NotUtf8,
    /// The URI is empty.
    #[error("empty URI")]
    Empty,
    /// The URI does not fit a 16-bit `uri-length`.
    #[error("longer than 65535 octets")]
    TooLong,
    /// The scheme is not `https`.
    #[error("scheme is not https")]
    NotHttps,
    /// The authority carries userinfo (`user@`).
    #[error("userinfo is not allowed")]
    Userinfo,
    /// Something follows the authority: a path, even `/`.
    #[error("a path is not allowed")]
    Path,
    /// A `?query` follows the authority.
    #[error("a query is not allowed")]
    Query,
    /// A `#fragment` follows the authority.
    #[error("a fragment is not allowed")]
    Fragment,
    /// The host is empty.
    #[error("host is missing")]
    MissingHost,
    /// A bracketed literal that is not an IPv6 address (zone identifiers and IPvFuture included).
    #[error("invalid IPv6 literal")]
    InvalidIpv6,
    /// An IPv6 address without the brackets RFC 3986 requires.
    #[error("IPv6 address not in brackets")]
    UnbracketedIpv6,
    /// Digits and dots only, yet not a dotted-quad IPv4 address.
    #[error("invalid IPv4 address")]
    InvalidIpv4,
    /// A host name that breaks the RFC 1123 label rules.
    #[error("invalid host name")]
    InvalidHostName,
    /// A port that is empty, not decimal, has a leading zero, or is outside 1..=65535.
    #[error("invalid port")]
    InvalidPort,
}

/// The host part of a bootstrap-server URI.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum UriHost {
    /// An IPv4 or IPv6 address.
    Ip(IpAddr),
    /// An RFC 1123 host name, as written.
    Name(String),
}

impl fmt::Display for UriHost {
    /// Writes the host as used for connecting: addresses without brackets, names as written.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UriHost::Ip(ip) => write!(f, "{ip}"),
            UriHost::Name(name) => f.write_str(name),
        }
    }
}

/// A validated `https://<ip-address-or-hostname>[:<port>]` URI (RFC 8572 §8.3); keeps the exact text.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BootstrapServerUri {
    text: String,
    host: UriHost,
    port: Option<u16>,
}

impl BootstrapServerUri {
    /// Parses and validates one URI.
    pub fn parse(text: &str) -> Result<Self, UriError> {
        if text.is_empty() {
            return Err(UriError::Empty);
        }
        if text.len() > usize::from(u16::MAX) {
            return Err(UriError::TooLong);
        }
        let (scheme, rest) = text.split_once("://").ok_or(UriError::NotHttps)?;
        if !scheme.eq_ignore_ascii_case("https") {
            return Err(UriError::NotHttps);
        }
        let authority = match rest.find(['/', '?', '#']) {
            Some(at) => {
                return Err(match rest.as_bytes().get(at) {
                    Some(b'?') => UriError::Query,
                    Some(b'#') => UriError::Fragment,
                    _ => UriError::Path,
                });
            }
            None => rest,
        };
        if authority.contains('@') {
            return Err(UriError::Userinfo);
        }
        let (host, port) = split_host_port(authority)?;
        let port = port.map(parse_port).transpose()?;
        Ok(Self { text: text.to_owned(), host, port })
    }

    /// Validates raw `URI` octets from a `bootstrap-server-list` entry.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, UriError> {
        std::str::from_utf8(bytes).map_err(|_| UriError::NotUtf8).and_then(Self::parse)
    }

    /// Builds `https://host[:port]` from a host (name or address, IPv6 without brackets) and port.
    pub fn from_parts(host: &str, port: Option<u16>) -> Result<Self, UriError> {
        let host = match host.parse::<Ipv6Addr>() {
            Ok(v6) => format!("[{v6}]"),
            Err(_) => host.to_owned(),
        };
        match port {
            Some(port) => Self::parse(&format!("https://{host}:{port}")),
            None => Self::parse(&format!("https://{host}")),
        }
    }

    /// The URI exactly as given.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The host.
    pub fn host(&self) -> &UriHost {
        &self.host
    }

    /// The explicit port, if the URI names one.
    pub fn port(&self) -> Option<u16> {
        self.port
    }

    /// The port to connect to: the explicit one, else 443.
    pub fn port_or_default(&self) -> u16 {
        self.port.unwrap_or(DEFAULT_HTTPS_PORT)
    }
}

impl fmt::Display for BootstrapServerUri {
    /// Writes the URI exactly as given.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl FromStr for BootstrapServerUri {
    type Err = UriError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

fn split_host_port(authority: &str) -> Result<(UriHost, Option<&str>), UriError> {
    if let Some(bracketed) = authority.strip_prefix('[') {
        let (literal, after) = bracketed.split_once(']').ok_or(UriError::InvalidIpv6)?;
        let ip = literal.parse::<Ipv6Addr>().map_err(|_| UriError::InvalidIpv6)?;
        let port = match after {
            "" => None,
            _ => Some(after.strip_prefix(':').ok_or(UriError::InvalidPort)?),
        };
        return Ok((UriHost::Ip(IpAddr::V6(ip)), port));
    }
    if authority.matches(':').count() > 1 {
        return Err(UriError::UnbracketedIpv6);
    }
    let (host, port) = match authority.split_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (authority, None),
    };
    Ok((parse_host(host)?, port))
}

fn parse_host(host: &str) -> Result<UriHost, UriError> {
    if host.is_empty() {
        return Err(UriError::MissingHost);
    }
    if host.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return host.parse::<Ipv4Addr>().map(|ip| UriHost::Ip(IpAddr::V4(ip))).map_err(|_| UriError::InvalidIpv4);
    }
    if host.len() > MAX_HOST_NAME || !host.split('.').all(is_ldh_label) {
        return Err(UriError::InvalidHostName);
    }
    Ok(UriHost::Name(host.to_owned()))
}

/// An RFC 1123 §2.1 label: 1..=63 letters, digits and hyphens, not starting or ending with a hyphen.
fn is_ldh_label(label: &str) -> bool {
    let bytes = label.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= MAX_LABEL
        && bytes.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'-')
        && bytes.first() != Some(&b'-')
        && bytes.last() != Some(&b'-')
}

fn parse_port(port: &str) -> Result<u16, UriError> {
    let canonical = !port.is_empty() && port.len() <= 5 && port.bytes().all(|b| b.is_ascii_digit());
    if !canonical || port.starts_with('0') {
        return Err(UriError::InvalidPort);
    }
    port.parse::<u16>().map_err(|_| UriError::InvalidPort)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_three_host_forms_with_and_without_port() {
        let uri = BootstrapServerUri::parse("https://sztp1.example.com:8443").unwrap();
        assert_eq!(uri.host(), &UriHost::Name("sztp1.example.com".into()));
        assert_eq!(uri.port(), Some(8443));
        let uri = BootstrapServerUri::parse("https://[2001:db8::1]").unwrap();
        assert_eq!(uri.host().to_string(), "2001:db8::1");
        assert_eq!(uri.port_or_default(), 443);
        let uri = BootstrapServerUri::parse("HTTPS://192.0.2.1:1").unwrap();
        assert_eq!(uri.host(), &UriHost::Ip("192.0.2.1".parse().unwrap()));
        assert_eq!(uri.as_str(), "HTTPS://192.0.2.1:1");
        assert!(BootstrapServerUri::parse("https://[::1]:65535").is_ok());
        assert!(BootstrapServerUri::parse("https://a-b.c1").is_ok());
    }

    #[test]
    fn rejects_everything_outside_the_rfc_8572_form() {
        let cases = [
            ("", UriError::Empty),
            ("http://example.com", UriError::NotHttps),
            ("example.com", UriError::NotHttps),
            ("https://example.com/", UriError::Path),
            ("https://example.com/restconf", UriError::Path),
            ("https://example.com?x", UriError::Query),
            ("https://example.com#x", UriError::Fragment),
            ("https://user@example.com", UriError::Userinfo),
            ("https://", UriError::MissingHost),
            ("https://:443", UriError::MissingHost),
            ("https://[2001:db8::1", UriError::InvalidIpv6),
            ("https://[fe80::1%25eth0]", UriError::InvalidIpv6),
            ("https://[v1.x]", UriError::InvalidIpv6),
            ("https://[::1]x", UriError::InvalidPort),
            ("https://2001:db8::1", UriError::UnbracketedIpv6),
            ("https://256.1.1.1", UriError::InvalidIpv4),
            ("https://1.2.3", UriError::InvalidIpv4),
            ("https://01.2.3.4", UriError::InvalidIpv4),
            ("https://-a.example", UriError::InvalidHostName),
            ("https://a-.example", UriError::InvalidHostName),
            ("https://a..example", UriError::InvalidHostName),
            ("https://example.com.", UriError::InvalidHostName),
            ("https://under_score.example", UriError::InvalidHostName),
            ("https://ex%41mple.com", UriError::InvalidHostName),
            ("https://example.com:", UriError::InvalidPort),
            ("https://example.com:0", UriError::InvalidPort),
            ("https://example.com:0443", UriError::InvalidPort),
            ("https://example.com:65536", UriError::InvalidPort),
            ("https://example.com:+443", UriError::InvalidPort),
        ];
        for (text, expected) in cases {
            assert_eq!(BootstrapServerUri::parse(text), Err(expected), "{text}");
        }
        let long_label = format!("https://{}.example", "a".repeat(64));
        assert_eq!(BootstrapServerUri::parse(&long_label), Err(UriError::InvalidHostName));
        let long_name = format!("https://{}a", "a.".repeat(127));
        assert_eq!(BootstrapServerUri::parse(&long_name), Err(UriError::InvalidHostName));
        assert_eq!(BootstrapServerUri::from_bytes(&[0xff]), Err(UriError::NotUtf8));
    }

    #[test]
    fn from_parts_brackets_ipv6_and_validates() {
        assert_eq!(
            BootstrapServerUri::from_parts("2001:db8::2", Some(8443)).unwrap().as_str(),
            "https://[2001:db8::2]:8443"
        );
        assert_eq!(BootstrapServerUri::from_parts("sztp.example", None).unwrap().as_str(), "https://sztp.example");
        assert_eq!(BootstrapServerUri::from_parts("bad/host", None), Err(UriError::Path));
        assert_eq!(BootstrapServerUri::from_parts("host", Some(0)), Err(UriError::InvalidPort));
    }
}
