//! A discovered candidate: a bootstrap server to contact or artifacts conveyed directly, tagged with
//! the source that produced it (RFC 8572 §4) and de-duplicated across sources.

use std::fmt;
use std::net::IpAddr;
use std::path::PathBuf;

use sztp_protocol::dhcp::{BootstrapServerUri, UriHost};

use super::config::LeaseFormat;

/// RESTCONF path of the `get-bootstrapping-data` RPC below the RESTCONF root (RFC 8572 §7.2).
pub const GET_BOOTSTRAPPING_DATA_PATH: &str = "/operations/ietf-sztp-bootstrap-server:get-bootstrapping-data";
/// RESTCONF path of the `report-progress` RPC below the RESTCONF root (RFC 8572 §7.2).
pub const REPORT_PROGRESS_PATH: &str = "/operations/ietf-sztp-bootstrap-server:report-progress";

/// Where a candidate came from.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Source {
    /// Artifact files in a directory on removable storage (§4.1).
    RemovableStorage {
        /// The directory the files were read from.
        dir: PathBuf,
    },
    /// A pre-configured bootstrap server (§5.1 item 3).
    Configured {
        /// Position in [`DiscoveryConfig::urls`](super::DiscoveryConfig::urls).
        index: usize,
    },
    /// A DHCP option 143/136 `bootstrap-server-list` read from a lease file (§4.3, §8).
    Dhcp {
        /// DHCPv4 (143) or DHCPv6 (136).
        protocol: DhcpProtocol,
        /// The client that wrote the lease file.
        format: LeaseFormat,
        /// The lease file.
        path: PathBuf,
    },
    /// DNS records (§4.2): device-specific TXT or device-independent SRV.
    Dns {
        /// TXT or SRV.
        record: DnsRecordKind,
        /// The owner name queried.
        name: String,
        /// True for multicast DNS.
        multicast: bool,
    },
}

impl Source {
    /// True only for pre-configured servers: RFC 8572 treats removable storage, DHCP and DNS as
    /// untrusted sources (§4.1–§4.3), whose data must be signed or be unsigned redirect information.
    /// A configured server still becomes trusted only once TLS path validation to a pre-configured
    /// trust anchor succeeds (§5.3); that check is the client's.
    pub fn is_preconfigured(&self) -> bool {
        matches!(self, Source::Configured { .. })
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::RemovableStorage { dir } => write!(f, "removable storage {}", dir.display()),
            Source::Configured { index } => write!(f, "configured URL #{index}"),
            Source::Dhcp { protocol, format, path } => write!(f, "{protocol:?} lease ({format:?}) {}", path.display()),
            Source::Dns { record, name, multicast } => {
                write!(f, "{} {record:?} {name}", if *multicast { "mDNS" } else { "DNS" })
            }
        }
    }
}

/// DHCP protocol version of a lease.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DhcpProtocol {
    /// DHCPv4, option 143.
    V4,
    /// DHCPv6, option 136.
    V6,
}

/// The DNS record type a candidate came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DnsRecordKind {
    /// `<serial>._sztp.<domain>` TXT carrying `ci`/`oc`/`ov`.
    Txt,
    /// `_sztp._tcp.<domain>` SRV naming a bootstrap server.
    Srv,
}

/// One thing to try, in discovery order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// The first (highest-precedence) source that produced it.
    pub source: Source,
    /// Later sources that produced the same candidate, folded in by de-duplication.
    pub also_from: Vec<Source>,
    /// What to do with it.
    pub kind: CandidateKind,
}

impl Candidate {
    /// A candidate from one source.
    pub fn new(source: Source, kind: CandidateKind) -> Self {
        Self { source, also_from: Vec::new(), kind }
    }
}

/// A bootstrap server to contact, or artifacts to verify locally.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CandidateKind {
    /// A bootstrap server (unsigned redirect information in the DHCP and SRV cases).
    Server(BootstrapServer),
    /// Conveyed information, possibly signed, found on storage or in DNS TXT records.
    Artifacts(ConveyedArtifacts),
}

/// A bootstrap server's address, and its RESTCONF root when already known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BootstrapServer {
    /// `https://host[:port]`.
    pub uri: BootstrapServerUri,
    /// The RESTCONF root path (e.g. `/restconf`) when the source gave one; otherwise the client
    /// finds it through host-meta ([`resolve_restconf`](super::host_meta::resolve_restconf)).
    pub restconf_root: Option<String>,
    /// Addresses for the host that came with the record (mDNS/DNS additional section), if any.
    pub addresses: Vec<IpAddr>,
}

impl BootstrapServer {
    /// A server with no known RESTCONF root or addresses.
    pub fn new(uri: BootstrapServerUri) -> Self {
        Self { uri, restconf_root: None, addresses: Vec::new() }
    }

    /// `https://host:port` with the port always written, to join paths onto.
    pub fn base_url(&self) -> String {
        match self.uri.host() {
            UriHost::Ip(IpAddr::V6(ip)) => format!("https://[{ip}]:{}", self.uri.port_or_default()),
            host => format!("https://{host}:{}", self.uri.port_or_default()),
        }
    }

    /// Identity for de-duplication: lower-cased host and effective port.
    fn key(&self) -> (String, u16) {
        (self.uri.host().to_string().to_ascii_lowercase(), self.uri.port_or_default())
    }

    /// Parses a configured URL: `https://host[:port]`, optionally followed by the RESTCONF root
    /// path or by the full `…/operations/ietf-sztp-bootstrap-server:get-bootstrapping-data` path.
    pub fn from_configured_url(url: &str) -> Result<Self, String> {
        let url = url.trim();
        let rest = url
            .get(..8)
            .filter(|scheme| scheme.eq_ignore_ascii_case("https://"))
            .and_then(|_| url.get(8..))
            .ok_or("the scheme must be https")?;
        let (authority, path) = rest.find('/').map_or((rest, ""), |at| rest.split_at(at));
        if path.contains(['?', '#']) || authority.contains(['?', '#']) {
            return Err("a query or fragment is not allowed".into());
        }
        if !path.bytes().all(|b| b.is_ascii_graphic()) {
            return Err("the path must be printable ASCII".into());
        }
        let uri = BootstrapServerUri::parse(&format!("https://{authority}")).map_err(|e| e.to_string())?;
        let root = [GET_BOOTSTRAPPING_DATA_PATH, REPORT_PROGRESS_PATH]
            .iter()
            .find_map(|rpc| path.strip_suffix(rpc))
            .unwrap_or(path)
            .trim_end_matches('/');
        let restconf_root = (!root.is_empty()).then(|| root.to_owned());
        Ok(Self { restconf_root, ..Self::new(uri) })
    }
}

/// RFC 8572 §3 artifacts conveyed without a bootstrap server; the caller verifies them (§5.4).
#[derive(Clone, PartialEq, Eq)]
pub struct ConveyedArtifacts {
    /// The conveyed-information CMS (§3.1).
    pub conveyed_information: Vec<u8>,
    /// The owner-certificate CMS (§3.2), when the information is signed.
    pub owner_certificate: Option<Vec<u8>>,
    /// The ownership-voucher CMS (§3.3), when the information is signed.
    pub ownership_voucher: Option<Vec<u8>>,
}

impl fmt::Debug for ConveyedArtifacts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let len = |v: &Option<Vec<u8>>| v.as_ref().map(Vec::len);
        f.debug_struct("ConveyedArtifacts")
            .field("conveyed_information_len", &self.conveyed_information.len())
            .field("owner_certificate_len", &len(&self.owner_certificate))
            .field("ownership_voucher_len", &len(&self.ownership_voucher))
            .finish()
    }
}

impl From<sztp_protocol::dns::DnsConveyedArtifacts> for ConveyedArtifacts {
    fn from(a: sztp_protocol::dns::DnsConveyedArtifacts) -> Self {
        Self {
            conveyed_information: a.conveyed_information,
            owner_certificate: a.owner_certificate,
            ownership_voucher: a.ownership_voucher,
        }
    }
}

/// Folds later duplicates into the first occurrence (servers by host and port, artifacts by
/// content), keeping the order of first occurrences.
pub(crate) fn deduplicate(candidates: Vec<Candidate>) -> Vec<Candidate> {
    let mut out: Vec<Candidate> = Vec::with_capacity(candidates.len());
    for candidate in candidates {
        let existing = out.iter_mut().find(|seen| same_target(&seen.kind, &candidate.kind));
        match existing {
            Some(seen) => {
                if let (CandidateKind::Server(kept), CandidateKind::Server(new)) = (&mut seen.kind, &candidate.kind) {
                    if kept.restconf_root.is_none() {
                        kept.restconf_root.clone_from(&new.restconf_root);
                    }
                    for addr in &new.addresses {
                        if !kept.addresses.contains(addr) {
                            kept.addresses.push(*addr);
                        }
                    }
                }
                if seen.source != candidate.source && !seen.also_from.contains(&candidate.source) {
                    seen.also_from.push(candidate.source);
                }
                seen.also_from.extend(candidate.also_from);
            }
            None => out.push(candidate),
        }
    }
    out
}

fn same_target(a: &CandidateKind, b: &CandidateKind) -> bool {
    match (a, b) {
        (CandidateKind::Server(a), CandidateKind::Server(b)) => {
            a.key() == b.key()
                && (a.restconf_root.is_none() || b.restconf_root.is_none() || a.restconf_root == b.restconf_root)
        }
        (CandidateKind::Artifacts(a), CandidateKind::Artifacts(b)) => a == b,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server(url: &str) -> CandidateKind {
        CandidateKind::Server(BootstrapServer::from_configured_url(url).unwrap())
    }

    #[test]
    fn configured_urls_accept_base_root_and_full_rpc_forms() {
        let base = BootstrapServer::from_configured_url("https://sztp.example:8443").unwrap();
        assert_eq!((base.uri.as_str(), base.restconf_root.as_deref()), ("https://sztp.example:8443", None));
        assert_eq!(base.base_url(), "https://sztp.example:8443");
        let root = BootstrapServer::from_configured_url("HTTPS://[2001:db8::1]/restconf/").unwrap();
        assert_eq!(root.restconf_root.as_deref(), Some("/restconf"));
        assert_eq!(root.base_url(), "https://[2001:db8::1]:443");
        let full = BootstrapServer::from_configured_url(
            "https://10.0.0.1:9090/restconf/operations/ietf-sztp-bootstrap-server:get-bootstrapping-data",
        )
        .unwrap();
        assert_eq!(full.restconf_root.as_deref(), Some("/restconf"));
        for bad in ["http://a.example", "https://a.example/x?y", "https://", "https://a b", "sztp.example"] {
            assert!(BootstrapServer::from_configured_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn duplicates_fold_into_the_first_occurrence() {
        let dhcp = Source::Dhcp { protocol: DhcpProtocol::V4, format: LeaseFormat::Dhclient, path: "/l".into() };
        let dns = Source::Dns { record: DnsRecordKind::Srv, name: "_sztp._tcp.example".into(), multicast: false };
        let candidates = vec![
            Candidate::new(Source::Configured { index: 0 }, server("https://SZTP.example:443/restconf")),
            Candidate::new(dhcp.clone(), server("https://sztp.example")),
            Candidate::new(dhcp.clone(), server("https://other.example")),
            Candidate::new(dns.clone(), server("https://sztp.example:443")),
            Candidate::new(dns.clone(), server("https://sztp.example:8443")),
        ];
        let out = deduplicate(candidates);
        assert_eq!(out.len(), 3);
        assert_eq!(out[0].also_from, [dhcp, dns.clone()]);
        assert!(out[1].also_from.is_empty());
        assert_eq!(out[2].source, dns);
    }

    #[test]
    fn identical_artifacts_are_one_candidate() {
        let artifacts =
            ConveyedArtifacts { conveyed_information: vec![1], owner_certificate: None, ownership_voucher: None };
        let a =
            Candidate::new(Source::RemovableStorage { dir: "/a".into() }, CandidateKind::Artifacts(artifacts.clone()));
        let b = Candidate::new(Source::RemovableStorage { dir: "/b".into() }, CandidateKind::Artifacts(artifacts));
        let out = deduplicate(vec![a, b]);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].also_from, [Source::RemovableStorage { dir: "/b".into() }]);
        assert!(format!("{:?}", out[0].kind).contains("conveyed_information_len: 1"));
    }
}
