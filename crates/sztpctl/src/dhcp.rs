//! `sztpctl dhcp`: RFC 8572 §8 option 143 (DHCPv4, split per RFC 3396) and 136 (DHCPv6) hex,
//! with ISC dhcpd and Kea configuration snippets, and the reverse decoding.

use serde::Serialize;
use sztp_protocol::dhcp::{
    BootstrapServerList, DecodedServerList, DhcpVersion, OPTION_V4_SZTP_REDIRECT, decode_bootstrap_server_list,
    decode_v4, decode_v6, encode_v4_options, encode_v6_option, isc_dhcpd_snippet, kea_snippet,
};

use crate::cli::{DecodeArgs, EncodeArgs};
use crate::error::CtlError;
use crate::input::{parse_hex, to_hex};

#[derive(Serialize)]
struct Encoded {
    uris: Vec<String>,
    dhcpv4: V4Option,
    dhcpv6: V6Option,
    isc_dhcpd: PerVersion<String>,
    kea: PerVersion<serde_json::Value>,
}

#[derive(Serialize)]
struct V4Option {
    code: u8,
    instances: usize,
    hex: String,
}

#[derive(Serialize)]
struct V6Option {
    code: u16,
    hex: String,
}

#[derive(Serialize)]
struct PerVersion<T> {
    v4: T,
    v6: T,
}

/// Runs `dhcp encode`: validates every URI, then prints the options and snippets.
pub(crate) fn encode(args: &EncodeArgs, json: bool) -> Result<(), CtlError> {
    let list = BootstrapServerList::parse(&args.urls).map_err(CtlError::input)?;
    let v4 = encode_v4_options(&list);
    let v6 = encode_v6_option(&list).map_err(CtlError::input)?;
    let isc = |v| isc_dhcpd_snippet(&list, v).map_err(CtlError::input);
    let kea = |v| kea_snippet(&list, v).map_err(CtlError::input);
    let (kea_v4, kea_v6) = (kea(DhcpVersion::V4)?, kea(DhcpVersion::V6)?);
    let encoded = Encoded {
        uris: list.iter().map(|u| u.as_str().to_owned()).collect(),
        dhcpv4: V4Option {
            code: OPTION_V4_SZTP_REDIRECT,
            instances: list.encoded_len().div_ceil(255),
            hex: to_hex(&v4, ""),
        },
        dhcpv6: V6Option { code: 136, hex: to_hex(&v6, "") },
        isc_dhcpd: PerVersion { v4: isc(DhcpVersion::V4)?, v6: isc(DhcpVersion::V6)? },
        kea: PerVersion { v4: parse_kea(&kea_v4)?, v6: parse_kea(&kea_v6)? },
    };
    if json {
        return crate::print_json(&encoded);
    }
    outln!(
        "DHCPv4 option 143 ({} instance(s), {} octets):\n{}\n",
        encoded.dhcpv4.instances,
        v4.len(),
        to_hex(&v4, " ")
    );
    outln!("DHCPv6 option 136 ({} octets):\n{}\n", v6.len(), to_hex(&v6, " "));
    outln!("ISC dhcpd, DHCPv4 (dhcpd.conf):\n{}", encoded.isc_dhcpd.v4);
    outln!("ISC dhcpd, DHCPv6 (dhcpd6.conf):\n{}", encoded.isc_dhcpd.v6);
    outln!("Kea, Dhcp4 \"option-data\" entry:\n{kea_v4}");
    outln!("Kea, Dhcp6 \"option-data\" entry:\n{}", kea_v6.trim_end_matches('\n'));
    Ok(())
}

fn parse_kea(text: &str) -> Result<serde_json::Value, CtlError> {
    serde_json::from_str(text).map_err(|e| CtlError::input(format!("Kea snippet is not JSON: {e}")))
}

#[derive(Serialize)]
struct Decoded {
    uris: Vec<String>,
    rejected: Vec<Rejected>,
}

#[derive(Serialize)]
struct Rejected {
    index: usize,
    entry: String,
    reason: String,
}

/// Runs `dhcp decode`: prints the valid URIs, and the ignored entries on stderr.
pub(crate) fn decode(args: &DecodeArgs, json: bool) -> Result<(), CtlError> {
    let bytes = parse_hex(&args.hex)?;
    let decoded: DecodedServerList = if args.v4 {
        decode_v4(&bytes)
    } else if args.v6 {
        decode_v6(&bytes)
    } else {
        decode_bootstrap_server_list(&bytes)
    }
    .map_err(CtlError::input)?;
    let report = Decoded {
        uris: decoded.servers.iter().map(|u| u.as_str().to_owned()).collect(),
        rejected: decoded
            .rejected
            .iter()
            .map(|r| Rejected {
                index: r.index,
                entry: String::from_utf8_lossy(&r.raw).into_owned(),
                reason: r.reason.to_string(),
            })
            .collect(),
    };
    if json {
        return crate::print_json(&report);
    }
    for uri in &report.uris {
        outln!("{uri}");
    }
    for r in &report.rejected {
        eprintln!("sztpctl: ignored entry {} {:?}: {} (RFC 8572 §8.3)", r.index, r.entry, r.reason);
    }
    Ok(())
}
