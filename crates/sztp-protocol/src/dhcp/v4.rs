//! DHCPv4 `OPTION_V4_SZTP_REDIRECT` (143, RFC 8572 §8.1): 1-octet code and length; a list longer
//! than 255 octets is split into several instances that the client concatenates (RFC 3396 §5–§6).

use super::DhcpError;
use super::list::{BootstrapServerList, DecodedServerList, decode_bootstrap_server_list};

/// The DHCPv4 option code of `OPTION_V4_SZTP_REDIRECT` (RFC 8572 §10.4).
pub const OPTION_V4_SZTP_REDIRECT: u8 = 143;
/// Most data octets one DHCPv4 option instance carries.
pub const V4_OPTION_MAX_DATA: usize = 255;

const PAD: u8 = 0;
const END: u8 = 255;

/// Encodes option 143 as one instance, or as consecutive instances of at most 255 data octets each.
pub fn encode_v4_options(list: &BootstrapServerList) -> Vec<u8> {
    let data = list.encode();
    let mut out = Vec::with_capacity(data.len() + 2 * data.len().div_ceil(V4_OPTION_MAX_DATA));
    for chunk in data.chunks(V4_OPTION_MAX_DATA) {
        out.push(OPTION_V4_SZTP_REDIRECT);
        // chunks() bounds each chunk to 255 octets.
        out.push(u8::try_from(chunk.len()).unwrap_or(u8::MAX));
        out.extend_from_slice(chunk);
    }
    out
}

/// Decodes option 143 from a DHCPv4 options field (after the magic cookie): every instance is
/// concatenated in order (RFC 3396 §7) and the result parsed as a `bootstrap-server-list`.
///
/// Pad (0) is skipped and End (255) stops the scan. Overloaded `sname`/`file` fields (option 52)
/// are the caller's to append, since RFC 3396 §6 orders them after the options field.
pub fn decode_v4(options: &[u8]) -> Result<DecodedServerList, DhcpError> {
    let data = concatenate_v4_option(options, OPTION_V4_SZTP_REDIRECT)?
        .ok_or(DhcpError::OptionAbsent { code: u16::from(OPTION_V4_SZTP_REDIRECT) })?;
    decode_bootstrap_server_list(&data)
}

/// Concatenates the data of every instance of `code` (RFC 3396); `None` when it is absent.
///
/// Fails when any option's length runs past the end of `options`.
pub fn concatenate_v4_option(options: &[u8], code: u8) -> Result<Option<Vec<u8>>, DhcpError> {
    let mut found: Option<Vec<u8>> = None;
    let mut offset = 0;
    while let Some(&this) = options.get(offset) {
        match this {
            PAD => offset += 1,
            END => break,
            _ => {
                let truncated = DhcpError::Truncated { what: "DHCPv4 options", offset };
                let len = usize::from(*options.get(offset + 1).ok_or(truncated.clone())?);
                let data = options.get(offset + 2..offset + 2 + len).ok_or(truncated)?;
                if this == code {
                    found.get_or_insert_with(Vec::new).extend_from_slice(data);
                }
                offset += 2 + len;
            }
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A one-URI list whose encoding is `target` octets (2 + "https://" + a host name of dotted 63-octet labels).
    fn list_of_len(target: usize) -> BootstrapServerList {
        let name: String = (0..target - 10).map(|i| if (i + 1) % 64 == 0 { '.' } else { 'a' }).collect();
        BootstrapServerList::parse([format!("https://{name}")]).unwrap()
    }

    #[test]
    fn a_list_of_exactly_255_octets_is_one_instance() {
        let list = list_of_len(255);
        assert_eq!(list.encoded_len(), 255);
        let wire = encode_v4_options(&list);
        assert_eq!(wire.len(), 257);
        assert_eq!(&wire[..2], &[143, 255]);
        assert_eq!(decode_v4(&wire).unwrap().servers, list);
    }

    #[test]
    fn a_list_of_256_octets_is_split_into_255_and_1() {
        let list = list_of_len(256);
        assert_eq!(list.encoded_len(), 256);
        let wire = encode_v4_options(&list);
        assert_eq!(wire.len(), 260);
        assert_eq!(&wire[..2], &[143, 255]);
        assert_eq!(&wire[257..259], &[143, 1]);
        assert_eq!(decode_v4(&wire).unwrap().servers, list);
    }

    #[test]
    fn instances_are_concatenated_across_other_options_pads_and_stop_at_end() {
        let list = BootstrapServerList::parse(["https://sztp.example:8443"]).unwrap();
        let data = list.encode();
        let (a, b) = data.split_at(5);
        let mut wire = vec![PAD, 53, 1, 5, 143, a.len() as u8];
        wire.extend_from_slice(a);
        wire.extend_from_slice(&[PAD, PAD, 1, 4, 255, 255, 255, 0, 143, b.len() as u8]);
        wire.extend_from_slice(b);
        wire.extend_from_slice(&[END, 143, 3, 0, 1, b'x']);
        assert_eq!(decode_v4(&wire).unwrap().servers, list);
    }

    #[test]
    fn absent_option_and_truncated_framing_are_errors() {
        assert_eq!(decode_v4(&[1, 4, 255, 255, 255, 0, END]), Err(DhcpError::OptionAbsent { code: 143 }));
        assert_eq!(decode_v4(&[]), Err(DhcpError::OptionAbsent { code: 143 }));
        assert_eq!(decode_v4(&[143]), Err(DhcpError::Truncated { what: "DHCPv4 options", offset: 0 }));
        assert_eq!(decode_v4(&[PAD, 143, 5, 0]), Err(DhcpError::Truncated { what: "DHCPv4 options", offset: 1 }));
    }
}
