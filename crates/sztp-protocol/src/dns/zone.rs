//! Zone-file (RFC 1035 §5.1) presentation of the SZTP TXT and SRV records for operators:
//! character-strings in double quotes, `\"` and `\\` escaped, other non-printables as `\DDD`.

use std::fmt::Write as _;

use super::DnsError;
use super::srv::SrvRecord;
use super::txt::{CharacterStrings, DnsConveyedArtifacts, MAX_CHARACTER_STRING, encode_txt_records};

/// Quotes one character-string: printable ASCII as is, `"` and `\` backslash-escaped, the rest `\DDD`.
pub fn quote_character_string(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() + 2);
    out.push('"');
    for &b in bytes {
        match b {
            b'"' | b'\\' => {
                out.push('\\');
                out.push(char::from(b));
            }
            0x20..=0x7e => out.push(char::from(b)),
            _ => {
                let _ = write!(out, "\\{b:03}");
            }
        }
    }
    out.push('"');
    out
}

/// Parses the RDATA text of a TXT record: quoted or bare character-strings, `\X` and `\DDD`
/// escapes, `( … )` line continuation and `;` comments (RFC 1035 §5.1).
pub fn parse_character_strings(text: &str) -> Result<CharacterStrings, DnsError> {
    let bytes = text.as_bytes();
    let mut strings = Vec::new();
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b' ' | b'\t' | b'\r' | b'\n' | b'(' | b')' => i += 1,
            b';' => i = bytes[i..].iter().position(|&c| c == b'\n').map_or(bytes.len(), |n| i + n),
            b'"' => {
                let (string, next) = read_string(bytes, i + 1, true)?;
                strings.push(string);
                i = next;
            }
            _ => {
                let (string, next) = read_string(bytes, i, false)?;
                strings.push(string);
                i = next;
            }
        }
    }
    Ok(strings)
}

/// Reads one string from `start`; quoted strings end after the closing quote, bare ones before a delimiter.
fn read_string(bytes: &[u8], start: usize, quoted: bool) -> Result<(Vec<u8>, usize), DnsError> {
    let mut out = Vec::new();
    let mut i = start;
    loop {
        let Some(&b) = bytes.get(i) else {
            if quoted {
                return Err(DnsError::InvalidPresentation("unterminated quoted string"));
            }
            break;
        };
        match b {
            b'"' if quoted => {
                i += 1;
                break;
            }
            b'"' | b' ' | b'\t' | b'\r' | b'\n' | b'(' | b')' | b';' if !quoted => break,
            b'\\' => {
                let (value, used) = unescape(bytes.get(i + 1..).unwrap_or_default())?;
                out.push(value);
                i += 1 + used;
            }
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    if out.len() > MAX_CHARACTER_STRING {
        return Err(DnsError::CharacterStringTooLong { len: out.len() });
    }
    Ok((out, i))
}

/// Decodes the escape after a backslash: `\DDD` (decimal, at most 255) or `\X`; returns octets used.
fn unescape(rest: &[u8]) -> Result<(u8, usize), DnsError> {
    match rest {
        [a, b, c, ..] if [a, b, c].iter().all(|d| d.is_ascii_digit()) => {
            let value = [a, b, c].iter().fold(0u16, |acc, d| acc * 10 + u16::from(**d - b'0'));
            u8::try_from(value).map(|v| (v, 3)).map_err(|_| DnsError::InvalidPresentation("\\DDD escape above 255"))
        }
        [d, ..] if d.is_ascii_digit() => Err(DnsError::InvalidPresentation("\\DDD escape needs three digits")),
        [x, ..] => Ok((*x, 1)),
        [] => Err(DnsError::InvalidPresentation("backslash at end of input")),
    }
}

/// Zone-file lines for the device-specific TXT RRset at `owner` (e.g. from
/// [`device_specific_name`](super::device_specific_name)): one record per key, long ones wrapped
/// in `( … )` with one character-string per line.
pub fn zone_file_txt(owner: &str, ttl: u32, artifacts: &DnsConveyedArtifacts) -> Result<String, DnsError> {
    let owner = zone_owner(owner);
    let mut out = String::from("; RFC 8572 §4.2 device-specific records: one TXT record per key (ci, oc, ov);\n");
    out.push_str("; a full 255-octet character-string continues in the next one.\n");
    for record in encode_txt_records(artifacts)? {
        let quoted: Vec<String> = record.iter().map(|s| quote_character_string(s)).collect();
        if let [single] = quoted.as_slice() {
            let _ = writeln!(out, "{owner} {ttl} IN TXT {single}");
        } else {
            let _ = writeln!(out, "{owner} {ttl} IN TXT (\n    {}\n)", quoted.join("\n    "));
        }
    }
    Ok(out)
}

/// Zone-file lines for the device-independent SRV RRset at `owner` (e.g. `_sztp._tcp.example.com`).
pub fn zone_file_srv(owner: &str, ttl: u32, records: &[SrvRecord]) -> String {
    let owner = zone_owner(owner);
    records.iter().fold(String::new(), |mut out, record| {
        let _ = writeln!(out, "{owner} {ttl} IN SRV {record}");
        out
    })
}

/// The owner as an absolute name with zone-file metacharacters escaped (RFC 1035 §5.1).
fn zone_owner(owner: &str) -> String {
    let mut out = String::with_capacity(owner.len() + 1);
    for c in owner.chars() {
        if matches!(c, '"' | '(' | ')' | ';' | '@' | '$' | '\\') || c.is_whitespace() {
            out.push('\\');
        }
        out.push(c);
    }
    if !out.ends_with('.') || out.ends_with("\\.") {
        out.push('.');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_escapes_quotes_backslashes_and_non_printables() {
        assert_eq!(quote_character_string(b"ci=a\"b\\c d"), r#""ci=a\"b\\c d""#);
        assert_eq!(quote_character_string(&[0, 9, 127, 255, b'x']), r#""\000\009\127\255x""#);
        let all: Vec<u8> = (0..=255).collect();
        assert_eq!(
            parse_character_strings(&quote_character_string(&all)).unwrap_err(),
            DnsError::CharacterStringTooLong { len: 256 }
        );
        assert_eq!(parse_character_strings(&quote_character_string(&all[1..])).unwrap(), vec![all[1..].to_vec()]);
    }

    #[test]
    fn parses_quoted_bare_grouped_and_commented_strings() {
        let text = "( \"a b\" bare\\032x ; comment \"not\"\n  \"\" \"\\\"q\" )";
        assert_eq!(
            parse_character_strings(text).unwrap(),
            vec![b"a b".to_vec(), b"bare x".to_vec(), vec![], b"\"q".to_vec()]
        );
        for bad in ["\"open", "\"\\256\"", "\"\\12\"", "x\\"] {
            assert!(matches!(parse_character_strings(bad), Err(DnsError::InvalidPresentation(_))), "{bad:?}");
        }
    }

    #[test]
    fn zone_file_txt_writes_one_record_per_key() {
        let artifacts = DnsConveyedArtifacts::signed(vec![0x30, 0x82, b'"'], vec![b'o'; 300], b"v".to_vec());
        let text = zone_file_txt("SN-1._sztp.example.com", 3600, &artifacts).unwrap();
        let lines: Vec<&str> = text.lines().filter(|l| !l.starts_with(';')).collect();
        assert_eq!(lines[0], r#"SN-1._sztp.example.com. 3600 IN TXT "ci=0\130\"""#);
        assert_eq!(lines[1], "SN-1._sztp.example.com. 3600 IN TXT (");
        assert_eq!(lines.last(), Some(&r#"SN-1._sztp.example.com. 3600 IN TXT "ov=v""#));
        let oc_text = text.split("IN TXT (").nth(1).unwrap().split(')').next().unwrap();
        let strings = parse_character_strings(oc_text).unwrap();
        assert_eq!(strings.iter().map(Vec::len).collect::<Vec<_>>(), [255, 48]);
    }

    #[test]
    fn zone_file_srv_and_owner_escaping() {
        let records = [SrvRecord::new(0, 0, 443, "sztp1.example.com.").unwrap()];
        assert_eq!(
            zone_file_srv("_sztp._tcp.example.com.", 1800, &records),
            "_sztp._tcp.example.com. 1800 IN SRV 0 0 443 sztp1.example.com.\n"
        );
        assert_eq!(zone_owner("a;b@c.example"), "a\\;b\\@c.example.");
    }
}
