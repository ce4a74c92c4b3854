//! DHCPv6 `OPTION_V6_SZTP_REDIRECT` (136, RFC 8572 §8.2): 2-octet code and length, a singleton
//! that servers send only when the client's ORO asks for it (RFC 8415 §21.7).

use super::DhcpError;
use super::list::{BootstrapServerList, DecodedServerList, decode_bootstrap_server_list};

/// The DHCPv6 option code of `OPTION_V6_SZTP_REDIRECT` (RFC 8572 §10.5).
pub const OPTION_V6_SZTP_REDIRECT: u16 = 136;
/// Most data octets a DHCPv6 option carries (16-bit `option-len`).
pub const V6_OPTION_MAX_DATA: usize = u16::MAX as usize;

/// Encodes option 136 (code, length, list); fails when the list exceeds 65535 octets.
pub fn encode_v6_option(list: &BootstrapServerList) -> Result<Vec<u8>, DhcpError> {
    let data = list.encode();
    let len = u16::try_from(data.len()).map_err(|_| DhcpError::TooLong { len: data.len(), max: V6_OPTION_MAX_DATA })?;
    let mut out = Vec::with_capacity(4 + data.len());
    out.extend_from_slice(&OPTION_V6_SZTP_REDIRECT.to_be_bytes());
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(&data);
    Ok(out)
}

/// Decodes option 136 from a sequence of DHCPv6 options (the options area of a message).
///
/// Every option's framing is checked; a second instance of 136 is an error, since the option is
/// a singleton and a client cannot know which instance the server meant.
pub fn decode_v6(options: &[u8]) -> Result<DecodedServerList, DhcpError> {
    let mut found: Option<&[u8]> = None;
    let mut offset = 0;
    while offset < options.len() {
        let truncated = DhcpError::Truncated { what: "DHCPv6 options", offset };
        let header = options.get(offset..offset + 4).ok_or(truncated.clone())?;
        let code = u16::from_be_bytes([header[0], header[1]]);
        let len = usize::from(u16::from_be_bytes([header[2], header[3]]));
        let data = options.get(offset + 4..offset + 4 + len).ok_or(truncated)?;
        if code == OPTION_V6_SZTP_REDIRECT && found.replace(data).is_some() {
            return Err(DhcpError::DuplicateOption { code });
        }
        offset += 4 + len;
    }
    let data = found.ok_or(DhcpError::OptionAbsent { code: OPTION_V6_SZTP_REDIRECT })?;
    decode_bootstrap_server_list(data)
}

#[cfg(test)]
mod tests {
    use super::super::uri::BootstrapServerUri;
    use super::*;

    fn list() -> BootstrapServerList {
        BootstrapServerList::parse(["https://sztp1.example.com:8443", "https://[2001:db8::1]"]).unwrap()
    }

    #[test]
    fn encodes_two_octet_code_and_length() {
        let wire = encode_v6_option(&list()).unwrap();
        assert_eq!(&wire[..6], &[0x00, 0x88, 0x00, 0x37, 0x00, 0x1e]);
        assert_eq!(decode_v6(&wire).unwrap().servers, list());
    }

    #[test]
    fn finds_the_option_among_others() {
        let mut wire = vec![0, 1, 0, 2, 0xaa, 0xbb];
        wire.extend(encode_v6_option(&list()).unwrap());
        wire.extend_from_slice(&[0, 23, 0, 0]);
        assert_eq!(decode_v6(&wire).unwrap().servers, list());
    }

    #[test]
    fn duplicate_absent_and_truncated_are_errors() {
        let one = encode_v6_option(&list()).unwrap();
        let two = [one.clone(), one.clone()].concat();
        assert_eq!(decode_v6(&two), Err(DhcpError::DuplicateOption { code: 136 }));
        assert_eq!(decode_v6(&[0, 1, 0, 0]), Err(DhcpError::OptionAbsent { code: 136 }));
        assert_eq!(decode_v6(&one[..one.len() - 1]), Err(DhcpError::Truncated { what: "DHCPv6 options", offset: 0 }));
        assert_eq!(decode_v6(&[0, 1, 0]), Err(DhcpError::Truncated { what: "DHCPv6 options", offset: 0 }));
    }

    #[test]
    fn a_list_of_65535_octets_fits_and_one_more_uri_does_not() {
        let uri =
            format!("https://{}", (0..245).map(|i| if (i + 1) % 64 == 0 { '.' } else { 'a' }).collect::<String>());
        let list = BootstrapServerList::parse(std::iter::repeat_n(uri, 257)).unwrap();
        assert_eq!(list.encoded_len(), 65535);
        assert!(encode_v6_option(&list).is_ok());
        let mut uris = list.into_vec();
        uris.push(BootstrapServerUri::parse("https://[::1]:1").unwrap());
        let too_long = BootstrapServerList::new(uris).unwrap();
        assert!(matches!(encode_v6_option(&too_long), Err(DhcpError::TooLong { max: 65535, .. })));
    }
}
