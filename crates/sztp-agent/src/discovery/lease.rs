//! DHCP option 143/136 bootstrap-server lists read from the lease files DHCP clients leave behind
//! (RFC 8572 §4.3, §8): ISC dhclient (also NetworkManager's dhclient backend) and systemd-networkd.
//!
//! Formats, as read in the clients' sources:
//! * dhclient: `option <name> <value>;` inside `lease {}`/`lease6 {}`; the value is colon-hex or a
//!   quoted string, parsed by [`sztp_protocol::dhcp::parse_dhclient_lease_value`].
//! * systemd-networkd (`src/libsystemd-network/sd-dhcp-lease.c`): `dhcp_lease_parse_options()`
//!   stores only options 224–254 as "private" options and drops the rest (143 included);
//!   `dhcp_lease_save()` wrote them as `OPTION_<code>=<hex>` (`serialize_dhcp_option()`, plain
//!   lower-case `hexmem()`), and newer releases write JSON with
//!   `"Private_Options": [{"Option": <code>, "Data": "<hex>"}]`. Both are read here.
//! * NetworkManager: with the dhclient backend, `/var/lib/NetworkManager/dhclient[6]-<uuid>-<if>.lease`
//!   is dhclient text. Its internal client saves only `ADDRESS=` (`lease_save()` in
//!   `nm-dhcp-nettools.c`) and exposes options (private ones as `private_<code>`) on D-Bus only;
//!   `/run/NetworkManager/devices/<ifindex>` holds device state (managed, connection-uuid,
//!   next-server, root-path, dhcp-bootfile), not DHCP options.

use std::path::{Path, PathBuf};

use sztp_protocol::dhcp::{BootstrapServerUri, DecodedServerList, DhcpError, decode_bootstrap_server_list};

use super::DiscoveryError;
use super::candidate::DhcpProtocol;
use super::config::{LeaseFormat, LeaseSource};

/// Largest lease file read; dhclient appends leases, so a long-lived file grows.
const MAX_LEASE_FILE: u64 = 4 * 1024 * 1024;

/// The bootstrap servers one lease file carried for one DHCP protocol.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeaseServers {
    /// DHCPv4 (143) or DHCPv6 (136).
    pub protocol: DhcpProtocol,
    /// The valid URIs, in the server's order.
    pub servers: Vec<BootstrapServerUri>,
    /// How many list entries were ignored as invalid URIs (RFC 8572 §8.3).
    pub rejected: usize,
}

impl LeaseServers {
    fn from_decoded(protocol: DhcpProtocol, decoded: DecodedServerList) -> Self {
        Self { protocol, rejected: decoded.rejected.len(), servers: decoded.servers.into_vec() }
    }
}

/// Reads a dhclient lease file's text: the last statement (dhclient appends newer leases) naming
/// any of `v4_names`, then the last naming any of `v6_names`. A malformed value is an error item;
/// an absent option yields nothing.
pub fn parse_dhclient_leases(
    text: &str,
    v4_names: &[String],
    v6_names: &[String],
) -> Vec<Result<LeaseServers, DhcpError>> {
    [(DhcpProtocol::V4, v4_names), (DhcpProtocol::V6, v6_names)]
        .into_iter()
        .filter_map(|(protocol, names)| {
            let value = last_option_value(text, names)?;
            Some(
                sztp_protocol::dhcp::parse_dhclient_lease_value(value)
                    .map(|decoded| LeaseServers::from_decoded(protocol, decoded)),
            )
        })
        .collect()
}

/// The value of the last `option <name> <value>` statement whose name is one of `names`.
fn last_option_value<'a>(text: &'a str, names: &[String]) -> Option<&'a str> {
    text.lines()
        .filter_map(|line| {
            let rest = line.trim_start().strip_prefix("option")?;
            let rest = rest.strip_prefix(|c: char| c.is_ascii_whitespace())?.trim_start();
            let (name, value) = rest.split_once(|c: char| c.is_ascii_whitespace())?;
            names.iter().any(|n| n.eq_ignore_ascii_case(name)).then_some(value)
        })
        .next_back()
}

/// Reads a systemd-networkd DHCPv4 lease file's text (`KEY=value` or JSON) for the first of
/// `codes` present, decoding its hex data as a `bootstrap-server-list`.
pub fn parse_networkd_lease(text: &str, codes: &[u8]) -> Option<Result<LeaseServers, DhcpError>> {
    let options =
        if text.trim_start().starts_with('{') { networkd_json_options(text) } else { networkd_env_options(text) };
    codes.iter().find_map(|code| {
        let (_, hex) = options.iter().find(|(c, _)| c == code)?;
        Some(
            decode_hex(hex)
                .ok_or(DhcpError::LeaseSyntax("networkd option data is not hex"))
                .and_then(|data| decode_bootstrap_server_list(&data))
                .map(|decoded| LeaseServers::from_decoded(DhcpProtocol::V4, decoded)),
        )
    })
}

fn networkd_env_options(text: &str) -> Vec<(u8, String)> {
    text.lines()
        .filter_map(|line| {
            let (key, value) = line.trim().split_once('=')?;
            let code = key.trim().strip_prefix("OPTION_")?.parse::<u8>().ok()?;
            Some((code, value.trim().trim_matches('"').to_owned()))
        })
        .collect()
}

fn networkd_json_options(text: &str) -> Vec<(u8, String)> {
    let Ok(value) = serde_json::from_str::<serde_json::Value>(text) else { return Vec::new() };
    let Some(options) = value.get("Private_Options").and_then(|v| v.as_array()) else { return Vec::new() };
    options
        .iter()
        .filter_map(|option| {
            let code = u8::try_from(option.get("Option")?.as_u64()?).ok()?;
            Some((code, option.get("Data")?.as_str()?.to_owned()))
        })
        .collect()
}

/// Hex octets, with or without `:` or white-space separators between octets.
fn decode_hex(text: &str) -> Option<Vec<u8>> {
    let digits: Vec<u8> = text.bytes().filter(|b| *b != b':' && !b.is_ascii_whitespace()).collect();
    if !digits.len().is_multiple_of(2) {
        return None;
    }
    digits
        .chunks(2)
        .map(|pair| {
            let hi = char::from(pair[0]).to_digit(16)?;
            let lo = char::from(pair[1]).to_digit(16)?;
            u8::try_from(hi * 16 + lo).ok()
        })
        .collect()
}

/// Reads one configured lease source (a file, or a directory read newest first) and returns the
/// lists found with their files, plus any problems. A missing path is not a problem.
pub(crate) fn read_lease_source(
    source: &LeaseSource,
    v4_names: &[String],
    v6_names: &[String],
    networkd_codes: &[u8],
) -> (Vec<(PathBuf, LeaseServers)>, Vec<DiscoveryError>) {
    let mut found = Vec::new();
    let mut problems = Vec::new();
    let files = match lease_files(source) {
        Ok(files) => files,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return (found, problems),
        Err(err) => return (found, vec![DiscoveryError::Io { path: source.path.clone(), source: err }]),
    };
    for path in files {
        let text = match read_bounded(&path) {
            Ok(text) => text,
            Err(err) => {
                problems.push(err);
                continue;
            }
        };
        let results = match source.format {
            LeaseFormat::Dhclient | LeaseFormat::NetworkManager => parse_dhclient_leases(&text, v4_names, v6_names),
            LeaseFormat::Networkd => parse_networkd_lease(&text, networkd_codes).into_iter().collect(),
        };
        for result in results {
            match result {
                Ok(servers) => found.push((path.clone(), servers)),
                Err(err) => problems.push(DiscoveryError::Lease { path: path.clone(), source: err }),
            }
        }
    }
    (found, problems)
}

/// The lease files of a source: the path itself, or the directory's matching files, newest first.
fn lease_files(source: &LeaseSource) -> std::io::Result<Vec<PathBuf>> {
    let meta = std::fs::metadata(&source.path)?;
    if !meta.is_dir() {
        return Ok(vec![source.path.clone()]);
    }
    let mut files: Vec<(std::time::SystemTime, PathBuf)> = std::fs::read_dir(&source.path)?
        .filter_map(Result::ok)
        .filter(|entry| entry.file_name().to_str().is_some_and(|name| is_lease_file_name(source.format, name)))
        .filter_map(|entry| {
            let meta = entry.metadata().ok().filter(std::fs::Metadata::is_file)?;
            Some((meta.modified().unwrap_or(std::time::UNIX_EPOCH), entry.path()))
        })
        .collect();
    files.sort_by(|(ta, pa), (tb, pb)| tb.cmp(ta).then_with(|| pa.cmp(pb)));
    Ok(files.into_iter().map(|(_, path)| path).collect())
}

/// `dhclient*.lease[s]` for dhclient and NetworkManager; the interface index for networkd.
fn is_lease_file_name(format: LeaseFormat, name: &str) -> bool {
    match format {
        LeaseFormat::Dhclient | LeaseFormat::NetworkManager => {
            name.starts_with("dhclient") && (name.ends_with(".lease") || name.ends_with(".leases"))
        }
        LeaseFormat::Networkd => !name.is_empty() && name.bytes().all(|b| b.is_ascii_digit()),
    }
}

/// Reads a text file of at most [`MAX_LEASE_FILE`] octets, replacing invalid UTF-8.
pub(crate) fn read_bounded(path: &Path) -> Result<String, DiscoveryError> {
    let bytes = read_bounded_bytes(path, MAX_LEASE_FILE)?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// Reads a file of at most `max` octets.
pub(crate) fn read_bounded_bytes(path: &Path, max: u64) -> Result<Vec<u8>, DiscoveryError> {
    use std::io::Read;
    let io = |source| DiscoveryError::Io { path: path.to_owned(), source };
    let file = std::fs::File::open(path).map_err(io)?;
    let mut bytes = Vec::new();
    file.take(max + 1).read_to_end(&mut bytes).map_err(io)?;
    if bytes.len() as u64 > max {
        return Err(DiscoveryError::TooLarge { path: path.to_owned(), max });
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const DHCLIENT_V4: &str = include_str!("../../tests/fixtures/discovery/leases/dhclient.leases");
    const DHCLIENT_V6: &str = include_str!("../../tests/fixtures/discovery/leases/dhclient6.leases");
    const OPI_TEXT: &str = include_str!("../../tests/fixtures/discovery/leases/dhclient.opi-text.leases");
    const NM: &str = include_str!(
        "../../tests/fixtures/discovery/NetworkManager/dhclient-6f1d7c2e-1b0c-4bd5-9f3e-3c6f2f2b2a10-eth0.lease"
    );
    const NETWORKD_ENV: &str = include_str!("../../tests/fixtures/discovery/networkd/2");
    const NETWORKD_JSON: &str = include_str!("../../tests/fixtures/discovery/networkd-json/3");

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    fn uris(servers: &LeaseServers) -> Vec<&str> {
        servers.servers.iter().map(BootstrapServerUri::as_str).collect()
    }

    fn defaults() -> (Vec<String>, Vec<String>) {
        let config = super::super::DiscoveryConfig::default();
        (config.dhclient_v4_options, config.dhclient_v6_options)
    }

    #[test]
    fn dhclient_binary_form_takes_the_newest_lease() {
        let (v4, v6) = defaults();
        let results = parse_dhclient_leases(DHCLIENT_V4, &v4, &v6);
        assert_eq!(results.len(), 1);
        let servers = results[0].as_ref().unwrap();
        assert_eq!(servers.protocol, DhcpProtocol::V4);
        assert_eq!(uris(servers), ["https://sztp1.example.com:8443", "https://[2001:db8::1]"]);
    }

    #[test]
    fn dhclient6_lease_carries_option_136() {
        let (v4, v6) = defaults();
        let results = parse_dhclient_leases(DHCLIENT_V6, &v4, &v6);
        let servers = results[0].as_ref().unwrap();
        assert_eq!(servers.protocol, DhcpProtocol::V6);
        assert_eq!(uris(servers), ["https://sztp6.example.com:8443"]);
    }

    #[test]
    fn text_form_seen_in_the_field_is_a_fallback_and_paths_are_rejected() {
        let (v4, v6) = defaults();
        let results = parse_dhclient_leases(OPI_TEXT, &v4, &v6);
        let servers = results[0].as_ref().unwrap();
        assert_eq!(uris(servers), ["https://bootstrap.example.net:9090"]);
        assert_eq!(servers.rejected, 1, "the URL with a RESTCONF path is ignored, as RFC 8572 §8.3 asks");
    }

    /// RFC 8572 §8.3: option 143/136 URIs are https; a plain-HTTP one is counted and dropped.
    #[test]
    fn plain_http_uris_in_a_lease_are_refused() {
        let (v4, v6) = defaults();
        let text = "lease {\n  option sztp-redirect-urls \"http://plain.example:8080 https://tls.example\";\n}\n";
        let results = parse_dhclient_leases(text, &v4, &v6);
        let servers = results[0].as_ref().unwrap();
        assert_eq!(uris(servers), ["https://tls.example"]);
        assert_eq!(servers.rejected, 1);
    }

    #[test]
    fn network_manager_dhclient_backend_lease_is_dhclient_text() {
        let (v4, v6) = defaults();
        let results = parse_dhclient_leases(NM, &v4, &v6);
        assert_eq!(uris(results[0].as_ref().unwrap()), ["https://nm.example.org"]);
    }

    #[test]
    fn option_names_are_configurable_and_unknown_names_are_ignored() {
        assert!(parse_dhclient_leases(DHCLIENT_V4, &names(&["other"]), &[]).is_empty());
        let text = "lease {\n  option unknown-143 0:11:68:74:74:70:73:3a:2f:2f:61:2e:65:78:61:6d:70:6c:65;\n}\n";
        let (v4, v6) = defaults();
        assert_eq!(uris(parse_dhclient_leases(text, &v4, &v6)[0].as_ref().unwrap()), ["https://a.example"]);
    }

    #[test]
    fn networkd_env_and_json_forms_decode_the_listed_private_code() {
        let env = parse_networkd_lease(NETWORKD_ENV, &[143, 224]).unwrap().unwrap();
        assert_eq!(uris(&env), ["https://sztp.example.net:8443"]);
        assert!(parse_networkd_lease(NETWORKD_ENV, &[143]).is_none(), "networkd never stores option 143");
        let json = parse_networkd_lease(NETWORKD_JSON, &[224]).unwrap().unwrap();
        assert_eq!(uris(&json), ["https://[2001:db8::10]:8443"]);
    }

    #[test]
    fn hex_accepts_separators_and_rejects_junk() {
        assert_eq!(decode_hex("00:0a ff"), Some(vec![0, 10, 255]));
        assert_eq!(decode_hex("0"), None);
        assert_eq!(decode_hex("zz"), None);
        assert_eq!(decode_hex(""), Some(vec![]));
    }

    #[test]
    fn junk_never_panics_and_malformed_values_are_errors() {
        let (v4, v6) = defaults();
        for junk in [
            "",
            "\0\0\0",
            "option",
            "option sztp-redirect",
            "option sztp-redirect \"",
            "option sztp-redirect 1:",
            "{",
            "{\"Private_Options\":[{\"Option\":999}]}",
            "OPTION_224=zz",
            "OPTION_224",
        ] {
            for result in parse_dhclient_leases(junk, &v4, &v6) {
                assert!(result.is_err(), "{junk:?}");
            }
            if let Some(result) = parse_networkd_lease(junk, &[224]) {
                assert!(result.is_err(), "{junk:?}");
            }
        }
    }

    #[test]
    fn directories_are_read_by_file_name_newest_first_and_missing_paths_are_silent() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("dhclient.eth0.leases"), DHCLIENT_V4).unwrap();
        std::fs::write(dir.path().join("internal-x-eth0.lease"), "ADDRESS=192.0.2.1\n").unwrap();
        std::fs::write(dir.path().join("dhclient.broken.leases"), "option sztp-redirect zz;\n").unwrap();
        let (v4, v6) = defaults();
        let source = LeaseSource::new(LeaseFormat::Dhclient, dir.path());
        let (found, problems) = read_lease_source(&source, &v4, &v6, &[]);
        assert_eq!(found.len(), 1);
        assert!(found[0].0.ends_with("dhclient.eth0.leases"));
        assert_eq!(problems.len(), 1);
        assert!(problems[0].to_string().contains("dhclient.broken.leases"));
        let missing = LeaseSource::new(LeaseFormat::Networkd, dir.path().join("nope"));
        let (found, problems) = read_lease_source(&missing, &v4, &v6, &[224]);
        assert!(found.is_empty() && problems.is_empty());
    }
}
