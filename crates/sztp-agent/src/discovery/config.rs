//! What discovery looks at: configured URLs, DHCP lease files, DNS, removable storage (RFC 8572 §4).
//! Every path is configurable; [`DiscoveryConfig::default`] holds the usual Linux locations.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// Where and how to look for bootstrap-server candidates.
#[derive(Debug, Clone)]
pub struct DiscoveryConfig {
    /// The device's serial number: names the device-specific DNS TXT records and the per-device
    /// sub-directory on removable storage. Without it those two lookups are skipped.
    pub serial_number: Option<String>,
    /// Directories to search for RFC 8572 §4.1 artifact files (e.g. a mounted USB stick), in order.
    pub storage_dirs: Vec<PathBuf>,
    /// Pre-configured bootstrap servers (RFC 8572 §5.1 item 3), in order: `https://host[:port]`, or
    /// with a path naming the RESTCONF root or the full `get-bootstrapping-data` URL.
    pub urls: Vec<String>,
    /// DHCP lease files or directories holding them, in order.
    pub leases: Vec<LeaseSource>,
    /// dhclient option names (lease-file `option <name> …;`) carrying the DHCPv4 option 143 list.
    pub dhclient_v4_options: Vec<String>,
    /// dhclient option names carrying the DHCPv6 option 136 list.
    pub dhclient_v6_options: Vec<String>,
    /// DHCPv4 option codes read from systemd-networkd lease files (see [`LeaseFormat::Networkd`]).
    pub networkd_option_codes: Vec<u8>,
    /// DNS discovery (RFC 8572 §4.2); `None` turns it off.
    pub dns: Option<DnsConfig>,
}

impl Default for DiscoveryConfig {
    fn default() -> Self {
        Self {
            serial_number: None,
            storage_dirs: Vec::new(),
            urls: Vec::new(),
            leases: LeaseSource::linux_defaults(),
            dhclient_v4_options: ["sztp-redirect", "sztp-redirect-urls", "unknown-143"].map(String::from).to_vec(),
            dhclient_v6_options: ["dhcp6.sztp-redirect", "dhcp6.unknown-136"].map(String::from).to_vec(),
            networkd_option_codes: vec![143],
            dns: Some(DnsConfig::default()),
        }
    }
}

/// Which client wrote a lease file, and so how to read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LeaseFormat {
    /// ISC dhclient `lease { … }` / `lease6 { … }` text (dhclient.leases(5)).
    Dhclient,
    /// NetworkManager with its dhclient backend: the same text in `dhclient*-<uuid>-<iface>.lease`.
    /// NetworkManager's internal client keeps no options on disk (only `ADDRESS=`), so there is
    /// nothing to read for it.
    NetworkManager,
    /// systemd-networkd `/run/systemd/netif/leases/<ifindex>`: `KEY=value` text with
    /// `OPTION_<code>=<hex>`, or the JSON form with `"Private_Options"` of newer releases. networkd
    /// keeps only the site-specific options 224–254 there, so option 143 shows up only when the
    /// DHCP server also sends the list under a private code listed in
    /// [`DiscoveryConfig::networkd_option_codes`].
    Networkd,
}

/// A lease file, or a directory of them, and its format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeaseSource {
    /// How the file is written.
    pub format: LeaseFormat,
    /// A file, or a directory whose lease files (by the format's naming) are read newest first.
    pub path: PathBuf,
}

impl LeaseSource {
    /// A lease source.
    pub fn new(format: LeaseFormat, path: impl Into<PathBuf>) -> Self {
        Self { format, path: path.into() }
    }

    /// Debian/Ubuntu dhclient, RHEL dhclient, NetworkManager (dhclient backend), systemd-networkd.
    pub fn linux_defaults() -> Vec<Self> {
        vec![
            Self::new(LeaseFormat::Dhclient, "/var/lib/dhcp"),
            Self::new(LeaseFormat::Dhclient, "/var/lib/dhclient"),
            Self::new(LeaseFormat::NetworkManager, "/var/lib/NetworkManager"),
            Self::new(LeaseFormat::Networkd, "/run/systemd/netif/leases"),
        ]
    }
}

/// DNS discovery settings: unicast DNS through the resolv.conf name servers, plus one-shot mDNS.
#[derive(Debug, Clone)]
pub struct DnsConfig {
    /// resolv.conf to read name servers, `search`/`domain` and `options timeout:/attempts:` from.
    pub resolv_conf: PathBuf,
    /// Name servers to use instead of resolv.conf's (port included, so tests can use port 0 binds).
    pub nameservers: Vec<SocketAddr>,
    /// Domains to look under; empty means resolv.conf's search list.
    pub domains: Vec<String>,
    /// Per-query timeout when resolv.conf sets none.
    pub timeout: Duration,
    /// Rounds over all name servers when resolv.conf sets none.
    pub attempts: u32,
    /// Multicast DNS (RFC 6762) one-shot queries under `local`, tried before unicast DNS.
    pub mdns: Option<MdnsConfig>,
}

impl Default for DnsConfig {
    fn default() -> Self {
        Self {
            resolv_conf: PathBuf::from("/etc/resolv.conf"),
            nameservers: Vec::new(),
            domains: Vec::new(),
            timeout: Duration::from_secs(2),
            attempts: 2,
            mdns: Some(MdnsConfig::default()),
        }
    }
}

/// One-shot multicast DNS queries (RFC 6762 §5.1) sent from an ephemeral port, so responders
/// answer by unicast to it (§6.7); answers are collected for a fixed window.
#[derive(Debug, Clone)]
pub struct MdnsConfig {
    /// Where queries go: the mDNS groups by default.
    pub groups: Vec<SocketAddr>,
    /// How long to collect answers after each query.
    pub wait: Duration,
}

impl Default for MdnsConfig {
    fn default() -> Self {
        Self { groups: vec![SocketAddr::from(([224, 0, 0, 251], 5353))], wait: Duration::from_millis(750) }
    }
}
