//! DNS discovery (RFC 8572 §4.2): device-specific TXT at `<serial>._sztp.<domain>` and
//! device-independent SRV at `_sztp._tcp.<domain>`, each asked by mDNS under `local` first and then
//! by unicast DNS for every configured domain. A small stub resolver (UDP, TCP when truncated)
//! asks the resolv.conf name servers directly, so no resolver library (nor `ring`) is needed.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::Path;
use std::time::Duration;

use sztp_protocol::dhcp::BootstrapServerUri;
use sztp_protocol::dns::{self as records, SrvRecord};
use thiserror::Error;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpStream, UdpSocket};
use tokio::time::{Instant, timeout_at};

use super::DiscoveryError;
use super::backoff::random_u64;
use super::candidate::{BootstrapServer, Candidate, CandidateKind, ConveyedArtifacts, DnsRecordKind, Source};
use super::config::{DnsConfig, MdnsConfig};
use super::dns_wire::{self, Message, RecordData, TYPE_A, TYPE_AAAA, TYPE_CNAME, TYPE_SRV, TYPE_TXT};

/// Largest UDP payload advertised with EDNS(0) (the DNS flag day 2020 value).
const EDNS_UDP_SIZE: u16 = 1232;

/// Why one DNS question got no usable answer.
#[derive(Debug, Error)]
pub enum DnsQueryError {
    /// No name server answered in time.
    #[error("no answer within the timeout")]
    Timeout,
    /// A socket operation failed.
    #[error("socket error: {0}")]
    Io(#[from] std::io::Error),
    /// The answer or the name was not a well-formed DNS message.
    #[error(transparent)]
    Wire(#[from] dns_wire::WireError),
    /// Every name server failed with this response code (e.g. 2 = SERVFAIL, 5 = REFUSED).
    #[error("name servers answered with RCODE {0}")]
    Rcode(u8),
    /// There is no name server to ask.
    #[error("no name servers configured")]
    NoNameServers,
    /// The records were found but are not valid SZTP records.
    #[error(transparent)]
    Records(#[from] records::DnsError),
}

/// What discovery uses from resolv.conf(5).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResolvConf {
    /// `nameserver` addresses, in order (scoped IPv6 addresses are skipped).
    pub nameservers: Vec<IpAddr>,
    /// The search list: the last `search` or `domain` line wins, as in glibc.
    pub search: Vec<String>,
    /// `options timeout:n`.
    pub timeout: Option<Duration>,
    /// `options attempts:n`.
    pub attempts: Option<u32>,
}

/// Parses resolv.conf text; unknown and malformed lines are ignored.
pub fn parse_resolv_conf(text: &str) -> ResolvConf {
    let mut conf = ResolvConf::default();
    for line in text.lines() {
        let line = line.split(['#', ';']).next().unwrap_or("");
        let mut words = line.split_ascii_whitespace();
        match words.next() {
            Some("nameserver") => conf.nameservers.extend(words.next().and_then(|w| w.parse::<IpAddr>().ok())),
            Some("search" | "domain") => conf.search = words.map(|w| w.trim_end_matches('.').to_owned()).collect(),
            Some("options") => {
                for option in words {
                    if let Some(n) = option.strip_prefix("timeout:").and_then(|n| n.parse::<u64>().ok()) {
                        conf.timeout = Some(Duration::from_secs(n.clamp(1, 30)));
                    } else if let Some(n) = option.strip_prefix("attempts:").and_then(|n| n.parse::<u32>().ok()) {
                        conf.attempts = Some(n.clamp(1, 5));
                    }
                }
            }
            _ => {}
        }
    }
    conf
}

/// A stub resolver asking each name server in turn.
#[derive(Debug, Clone)]
pub struct StubResolver {
    servers: Vec<SocketAddr>,
    timeout: Duration,
    attempts: u32,
}

impl StubResolver {
    /// A resolver for these servers, with a per-query timeout and a number of rounds.
    pub fn new(servers: Vec<SocketAddr>, timeout: Duration, attempts: u32) -> Self {
        Self { servers, timeout, attempts: attempts.max(1) }
    }

    /// Asks for `name`/`qtype`. NOERROR and NXDOMAIN are final; other response codes, timeouts
    /// and socket errors move on to the next server. Truncated UDP answers are retried over TCP.
    pub async fn query(&self, name: &str, qtype: u16) -> Result<Message, DnsQueryError> {
        let mut last = DnsQueryError::NoNameServers;
        for _ in 0..self.attempts {
            for server in &self.servers {
                match self.exchange(*server, name, qtype).await {
                    Ok(message) if matches!(message.rcode(), 0 | dns_wire::RCODE_NXDOMAIN) => return Ok(message),
                    Ok(message) => last = DnsQueryError::Rcode(message.rcode()),
                    Err(err) => last = err,
                }
            }
        }
        Err(last)
    }

    async fn exchange(&self, server: SocketAddr, name: &str, qtype: u16) -> Result<Message, DnsQueryError> {
        let id = random_u64() as u16;
        let query = dns_wire::encode_query(id, name, qtype, true, Some(EDNS_UDP_SIZE))?;
        let deadline = Instant::now() + self.timeout;
        let socket = UdpSocket::bind(unspecified(server)).await?;
        socket.connect(server).await?;
        socket.send(&query).await?;
        let mut buf = vec![0u8; usize::from(u16::MAX)];
        let message = loop {
            let len = timeout_at(deadline, socket.recv(&mut buf)).await.map_err(|_| DnsQueryError::Timeout)??;
            // Anything that is not the answer to this question is ignored (RFC 5452 §9.1).
            match dns_wire::parse_message(&buf[..len]) {
                Ok(message) if answers(&message, id, name, qtype) => break message,
                _ => continue,
            }
        };
        if !message.is_truncated() {
            return Ok(message);
        }
        timeout_at(deadline, tcp_exchange(server, &query, id, name, qtype)).await.map_err(|_| DnsQueryError::Timeout)?
    }
}

async fn tcp_exchange(
    server: SocketAddr,
    query: &[u8],
    id: u16,
    name: &str,
    qtype: u16,
) -> Result<Message, DnsQueryError> {
    let mut stream = TcpStream::connect(server).await?;
    let len = u16::try_from(query.len()).map_err(|_| dns_wire::WireError::TooLong)?;
    let mut framed = len.to_be_bytes().to_vec();
    framed.extend_from_slice(query);
    stream.write_all(&framed).await?;
    let len = usize::from(stream.read_u16().await?);
    let mut buf = vec![0u8; len];
    stream.read_exact(&mut buf).await?;
    let message = dns_wire::parse_message(&buf)?;
    if answers(&message, id, name, qtype) {
        Ok(message)
    } else {
        Err(DnsQueryError::Wire(dns_wire::WireError::Truncated("TCP answer to another question")))
    }
}

/// True when `message` is a response to our question (same ID, name and type).
fn answers(message: &Message, id: u16, name: &str, qtype: u16) -> bool {
    message.is_response()
        && message.id == id
        && message.questions.iter().any(|q| q.qtype == qtype && q.name.eq_ignore_ascii_case(name))
}

fn unspecified(server: SocketAddr) -> SocketAddr {
    match server {
        SocketAddr::V4(_) => (Ipv4Addr::UNSPECIFIED, 0).into(),
        SocketAddr::V6(_) => (Ipv6Addr::UNSPECIFIED, 0).into(),
    }
}

/// Sends one-shot mDNS queries from an ephemeral port (RFC 6762 §5.1, answered by unicast per
/// §6.7) to every group and collects responses until `config.wait` has passed.
pub async fn mdns_query(config: &MdnsConfig, name: &str, qtype: u16) -> Result<Vec<Message>, DnsQueryError> {
    let query = dns_wire::encode_query(0, name, qtype, false, None)?;
    let socket = UdpSocket::bind(SocketAddr::from((Ipv4Addr::UNSPECIFIED, 0))).await?;
    let mut sent = false;
    let mut last_err = None;
    for group in config.groups.iter().filter(|g| g.is_ipv4()) {
        match socket.send_to(&query, group).await {
            Ok(_) => sent = true,
            Err(err) => last_err = Some(err),
        }
    }
    if !sent {
        return Err(last_err.map_or(DnsQueryError::NoNameServers, DnsQueryError::Io));
    }
    let deadline = Instant::now() + config.wait;
    let mut buf = vec![0u8; 9000];
    let mut responses = Vec::new();
    while let Ok(received) = timeout_at(deadline, socket.recv_from(&mut buf)).await {
        let (len, _) = received?;
        match dns_wire::parse_message(&buf[..len]) {
            Ok(message) if message.is_response() && message.rcode() == 0 => responses.push(message),
            _ => {}
        }
    }
    Ok(responses)
}

/// The records of `rtype` owned by `name` or by a name it is a CNAME of, in the given messages.
fn owned_records<'a>(messages: &'a [Message], name: &str, rtype: u16) -> Vec<&'a RecordData> {
    let mut owners = vec![name.to_ascii_lowercase()];
    let all: Vec<_> = messages.iter().flat_map(|m| &m.answers).collect();
    for _ in 0..8 {
        let next: Vec<String> = all
            .iter()
            .filter(|r| r.rtype == TYPE_CNAME && owners.contains(&r.name.to_ascii_lowercase()))
            .filter_map(|r| match &r.data {
                RecordData::Cname(target) => Some(target.to_ascii_lowercase()),
                _ => None,
            })
            .filter(|t| !owners.contains(t))
            .collect();
        if next.is_empty() {
            break;
        }
        owners.extend(next);
    }
    all.into_iter()
        .filter(|r| r.rtype == rtype && owners.contains(&r.name.to_ascii_lowercase()))
        .map(|r| &r.data)
        .collect()
}

/// Turns TXT answers into an artifacts candidate; `Ok(None)` when the name has no SZTP TXT records.
pub fn txt_candidate(messages: &[Message], name: &str) -> Result<Option<ConveyedArtifacts>, DnsQueryError> {
    let strings: Vec<records::CharacterStrings> = owned_records(messages, name, TYPE_TXT)
        .into_iter()
        .filter_map(|d| match d {
            RecordData::Txt(strings) => Some(strings.clone()),
            _ => None,
        })
        .collect();
    if strings.is_empty() {
        return Ok(None);
    }
    match records::decode_txt_records(&strings) {
        Ok(artifacts) => Ok(Some(artifacts.into())),
        Err(records::DnsError::NoArtifacts) => Ok(None),
        Err(err) => Err(err.into()),
    }
}

/// Turns SRV answers into bootstrap servers in RFC 2782 order (`pick` draws the weighted choice),
/// with addresses from the A/AAAA records that came along.
pub fn srv_candidates(messages: &[Message], name: &str, pick: impl FnMut(u64) -> u64) -> Vec<BootstrapServer> {
    let srv: Vec<SrvRecord> = owned_records(messages, name, TYPE_SRV)
        .into_iter()
        .filter_map(|d| match d {
            RecordData::Srv { priority, weight, port, target } => {
                SrvRecord::new(*priority, *weight, *port, if target.is_empty() { "." } else { target }).ok()
            }
            _ => None,
        })
        .collect();
    let additional: Vec<_> = messages.iter().flat_map(|m| m.answers.iter().chain(&m.additionals)).collect();
    records::order_srv_records(&srv, pick)
        .into_iter()
        .filter_map(|(host, port)| {
            let uri = BootstrapServerUri::from_parts(&host, Some(port)).ok()?;
            let addresses = additional
                .iter()
                .filter(|r| matches!(r.rtype, TYPE_A | TYPE_AAAA) && r.name.eq_ignore_ascii_case(&host))
                .filter_map(|r| match r.data {
                    RecordData::A(ip) => Some(IpAddr::V4(ip)),
                    RecordData::Aaaa(ip) => Some(IpAddr::V6(ip)),
                    _ => None,
                })
                .collect();
            Some(BootstrapServer { addresses, ..BootstrapServer::new(uri) })
        })
        .collect()
}

/// Runs DNS discovery: TXT (mDNS, then each domain), then SRV (mDNS, then each domain).
pub(crate) async fn discover_dns(config: &DnsConfig, serial: Option<&str>) -> (Vec<Candidate>, Vec<DiscoveryError>) {
    let mut candidates = Vec::new();
    let mut problems = Vec::new();
    let resolv = match read_resolv_conf(&config.resolv_conf) {
        Ok(conf) => conf,
        Err(err) => {
            problems.push(err);
            ResolvConf::default()
        }
    };
    let servers = if config.nameservers.is_empty() {
        resolv.nameservers.iter().map(|ip| SocketAddr::new(*ip, 53)).collect()
    } else {
        config.nameservers.clone()
    };
    let resolver = StubResolver::new(
        servers,
        resolv.timeout.unwrap_or(config.timeout),
        resolv.attempts.unwrap_or(config.attempts),
    );
    let domains = if config.domains.is_empty() { resolv.search } else { config.domains.clone() };

    let mut txt_names = Vec::new();
    if let Some(serial) = serial {
        match records::device_specific_mdns_name(serial) {
            Ok(name) => txt_names.push((name, true)),
            Err(err) => problems.push(DiscoveryError::Dns { name: serial.to_owned(), source: err.into() }),
        }
        txt_names
            .extend(domains.iter().filter_map(|d| records::device_specific_name(serial, d).ok()).map(|n| (n, false)));
    }
    let srv_names = std::iter::once((records::device_independent_mdns_name(), true))
        .chain(domains.iter().filter_map(|d| records::device_independent_name(d).ok()).map(|n| (n, false)));

    let lookups = txt_names
        .into_iter()
        .map(|(n, m)| (DnsRecordKind::Txt, n, m))
        .chain(srv_names.map(|(n, m)| (DnsRecordKind::Srv, n, m)));
    for (record, name, multicast) in lookups {
        let qtype = if record == DnsRecordKind::Txt { TYPE_TXT } else { TYPE_SRV };
        let messages = match (multicast, &config.mdns) {
            (true, None) => continue,
            (true, Some(mdns)) => mdns_query(mdns, &name, qtype).await,
            (false, _) => resolver.query(&name, qtype).await.map(|m| vec![m]),
        };
        let messages = match messages {
            Ok(messages) => messages,
            Err(err) => {
                tracing::debug!(%name, error = %err, "DNS lookup failed");
                problems.push(DiscoveryError::Dns { name, source: err });
                continue;
            }
        };
        let source = Source::Dns { record, name: name.clone(), multicast };
        match record {
            DnsRecordKind::Txt => match txt_candidate(&messages, &name) {
                Ok(Some(artifacts)) => candidates.push(Candidate::new(source, CandidateKind::Artifacts(artifacts))),
                Ok(None) => {}
                Err(err) => problems.push(DiscoveryError::Dns { name, source: err }),
            },
            DnsRecordKind::Srv => {
                let pick = |total: u64| if total == 0 { 0 } else { random_u64() % (total + 1) };
                candidates.extend(
                    srv_candidates(&messages, &name, pick)
                        .into_iter()
                        .map(|server| Candidate::new(source.clone(), CandidateKind::Server(server))),
                );
            }
        }
    }
    (candidates, problems)
}

fn read_resolv_conf(path: &Path) -> Result<ResolvConf, DiscoveryError> {
    match super::lease::read_bounded(path) {
        Ok(text) => Ok(parse_resolv_conf(&text)),
        Err(DiscoveryError::Io { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => {
            Ok(ResolvConf::default())
        }
        Err(err) => Err(err),
    }
}

#[cfg(test)]
mod tests;
