//! Configuration text that makes ISC dhcpd/dhclient and Kea carry option 143/136 with the exact
//! RFC 8572 §8.3 binary framing (not the plain-text URL some deployments mistakenly send).

use super::DhcpError;
use super::list::BootstrapServerList;
use super::v4::OPTION_V4_SZTP_REDIRECT;
use super::v6::{OPTION_V6_SZTP_REDIRECT, V6_OPTION_MAX_DATA};

/// Which DHCP protocol a snippet is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DhcpVersion {
    /// DHCPv4, option 143.
    V4,
    /// DHCPv6, option 136.
    V6,
}

impl DhcpVersion {
    fn code(self) -> u16 {
        match self {
            DhcpVersion::V4 => u16::from(OPTION_V4_SZTP_REDIRECT),
            DhcpVersion::V6 => OPTION_V6_SZTP_REDIRECT,
        }
    }

    /// ISC option name: DHCPv6 options live in the `dhcp6` option space.
    fn isc_name(self) -> &'static str {
        match self {
            DhcpVersion::V4 => "sztp-redirect",
            DhcpVersion::V6 => "dhcp6.sztp-redirect",
        }
    }
}

/// ISC dhcpd configuration declaring the option and setting it to `list`.
///
/// The option is declared as type `string`, which dhcp-options(5) lets one write as colon-separated
/// hex octets, so the value is the exact §8.3 binary list. A record type such as
/// `array of { unsigned integer 16, text }` cannot express it: ISC records only allow `text` last.
/// dhcpd sends the option when the client asks for it (v4 Parameter Request List, v6 ORO) and
/// splits a DHCPv4 value longer than 255 octets into several instances itself (RFC 3396).
/// Fails only for a DHCPv6 list longer than 65535 octets.
pub fn isc_dhcpd_snippet(list: &BootstrapServerList, version: DhcpVersion) -> Result<String, DhcpError> {
    let data = checked_data(list, version)?;
    let hex = data.iter().map(|b| format!("{b:02x}")).collect::<Vec<_>>().join(":");
    let (name, code) = (version.isc_name(), version.code());
    Ok(format!(
        "# RFC 8572 §8 SZTP redirect: bootstrap-server-list (uint16 length + URI, repeated), as hex.\n\
         # URIs: {uris}\n\
         option {name} code {code} = string;\n\
         option {name} {hex};\n",
        uris = uri_summary(list),
    ))
}

/// ISC dhclient configuration that declares the option and requests it, so the lease file records it.
///
/// dhclient then writes the value as colon-separated hex, which
/// [`parse_dhclient_lease_value`](super::parse_dhclient_lease_value) reads.
pub fn isc_dhclient_snippet(version: DhcpVersion) -> String {
    let (name, code) = (version.isc_name(), version.code());
    format!("option {name} code {code} = string;\nalso request {name};\n")
}

/// One Kea `option-data` entry (JSON) carrying `list` as raw option data.
///
/// Current Kea releases define these options themselves (`v4-sztp-redirect`, code 143, and
/// `v6-sztp-redirect`, code 136, arrays of 2-octet-length tuples), so no `option-def` is emitted:
/// a custom definition would collide with the standard one. The entry names the option by `code`
/// only and gives the exact octets as hex with `"csv-format": false`, which Kea accepts whether or
/// not it knows a definition. Put it in the `option-data` list of `Dhcp4`/`Dhcp6` (global, shared
/// network, subnet or reservation). Fails only for a DHCPv6 list longer than 65535 octets.
pub fn kea_snippet(list: &BootstrapServerList, version: DhcpVersion) -> Result<String, DhcpError> {
    let data = checked_data(list, version)?;
    let hex: String = data.iter().map(|b| format!("{b:02X}")).collect();
    let space = match version {
        DhcpVersion::V4 => "dhcp4",
        DhcpVersion::V6 => "dhcp6",
    };
    Ok(format!(
        "{{\n    \"code\": {code},\n    \"space\": \"{space}\",\n    \"csv-format\": false,\n    \"data\": \"{hex}\"\n}}\n",
        code = version.code(),
    ))
}

fn checked_data(list: &BootstrapServerList, version: DhcpVersion) -> Result<Vec<u8>, DhcpError> {
    let data = list.encode();
    if version == DhcpVersion::V6 && data.len() > V6_OPTION_MAX_DATA {
        return Err(DhcpError::TooLong { len: data.len(), max: V6_OPTION_MAX_DATA });
    }
    Ok(data)
}

/// The URIs for a comment line; validated URIs hold no newline, so the comment cannot break out.
fn uri_summary(list: &BootstrapServerList) -> String {
    list.iter().map(|uri| uri.as_str()).collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn example() -> BootstrapServerList {
        BootstrapServerList::parse(["https://sztp1.example.com:8443", "https://[2001:db8::1]"]).unwrap()
    }

    #[test]
    fn isc_dhcpd_v4_declares_a_string_option_with_hex_value() {
        let text = isc_dhcpd_snippet(&example(), DhcpVersion::V4).unwrap();
        assert!(text.contains("option sztp-redirect code 143 = string;\n"));
        assert!(text.contains("option sztp-redirect 00:1e:68:74:74:70:73:3a:2f:2f:73:7a:74:70:31:2e"));
        assert!(text.trim_end().ends_with("3a:3a:31:5d;"));
        assert!(text.lines().all(|l| l.starts_with('#') || l.starts_with("option ")));
    }

    #[test]
    fn isc_dhcpd_v6_uses_the_dhcp6_space() {
        let text = isc_dhcpd_snippet(&example(), DhcpVersion::V6).unwrap();
        assert!(text.contains("option dhcp6.sztp-redirect code 136 = string;\n"));
        assert!(text.contains("option dhcp6.sztp-redirect 00:1e:"));
        assert_eq!(
            isc_dhclient_snippet(DhcpVersion::V6),
            "option dhcp6.sztp-redirect code 136 = string;\nalso request dhcp6.sztp-redirect;\n"
        );
    }

    #[test]
    fn isc_hex_value_reads_back_through_the_lease_parser() {
        let text = isc_dhcpd_snippet(&example(), DhcpVersion::V4).unwrap();
        let value = text.lines().last().unwrap().trim_start_matches("option sztp-redirect ");
        assert_eq!(super::super::parse_dhclient_lease_value(value).unwrap().servers, example());
    }

    #[test]
    fn kea_entries_are_json_with_binary_data() {
        for (version, code, space) in [(DhcpVersion::V4, 143, "dhcp4"), (DhcpVersion::V6, 136, "dhcp6")] {
            let text = kea_snippet(&example(), version).unwrap();
            let json: serde_json::Value = serde_json::from_str(&text).unwrap();
            assert_eq!(json["code"], code);
            assert_eq!(json["space"], space);
            assert_eq!(json["csv-format"], false);
            let data = json["data"].as_str().unwrap();
            assert!(data.starts_with("001E68747470733A2F2F"));
            assert_eq!(data.len(), 2 * example().encoded_len());
        }
    }
}
