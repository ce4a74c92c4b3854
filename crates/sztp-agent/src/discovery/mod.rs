//! Discovery of bootstrap-server candidates (RFC 8572 §4, §5.2): removable storage, pre-configured
//! URLs, DHCP option 143/136 from lease files, then DNS TXT/SRV (mDNS first), de-duplicated.
//!
//! RFC 8572 leaves the order of sources to the device (§5.2); the order here puts what the operator
//! deliberately provided first: media plugged into the device, then the device's own configured
//! servers, then what the network announces (DHCP before DNS, which §4.2 orders internally). Only
//! configured servers can be trusted sources; storage, DHCP and DNS are untrusted (§4.1–§4.3) and
//! their data must be signed, or be unsigned redirect information, which the client enforces.
//! Discovery itself never contacts a bootstrap server: [`host_meta::resolve_restconf`] does that
//! step once the client has chosen a candidate and built its TLS client.

pub mod backoff;
mod candidate;
mod config;
pub mod dns;
pub mod dns_wire;
pub mod host_meta;
pub mod lease;
pub mod storage;

use std::path::PathBuf;

use sztp_protocol::dhcp::DhcpError;
use thiserror::Error;

pub use backoff::{Backoff, BackoffPolicy, Sleeper, TokioSleeper, retry};
pub use candidate::{
    BootstrapServer, Candidate, CandidateKind, ConveyedArtifacts, DhcpProtocol, DnsRecordKind,
    GET_BOOTSTRAPPING_DATA_PATH, REPORT_PROGRESS_PATH, Source,
};
pub use config::{DiscoveryConfig, DnsConfig, LeaseFormat, LeaseSource, MdnsConfig};
pub use host_meta::{RestconfEndpoints, resolve_restconf};

/// Something a source could not provide; discovery goes on with the other sources.
#[derive(Debug, Error)]
pub enum DiscoveryError {
    /// A file or directory could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A file is larger than discovery reads.
    #[error("{path} exceeds {max} octets")]
    TooLarge {
        /// The path.
        path: PathBuf,
        /// The limit.
        max: u64,
    },
    /// A lease file's option 143/136 value is malformed or holds no valid URI.
    #[error("lease file {path}: {source}")]
    Lease {
        /// The lease file.
        path: PathBuf,
        /// What is wrong with the value.
        #[source]
        source: DhcpError,
    },
    /// An artifact file on removable storage is unusable.
    #[error("{path}: {reason}")]
    Storage {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: &'static str,
    },
    /// A configured URL is not `https://host[:port][/root]`.
    #[error("configured URL #{index} {url:?}: {reason}")]
    ConfiguredUrl {
        /// Its position in the configuration.
        index: usize,
        /// The URL.
        url: String,
        /// What is wrong.
        reason: String,
    },
    /// A DNS lookup failed or returned invalid SZTP records.
    #[error("DNS {name}: {source}")]
    Dns {
        /// The name looked up (or the serial number that could not form one).
        name: String,
        /// What went wrong.
        #[source]
        source: dns::DnsQueryError,
    },
}

/// The candidates in order, and what went wrong on the way.
#[derive(Debug)]
pub struct DiscoveryReport {
    /// Candidates in discovery order, de-duplicated.
    pub candidates: Vec<Candidate>,
    /// Problems met, in the order met (for logs and status; none of them stopped discovery).
    pub problems: Vec<DiscoveryError>,
}

/// Runs every configured source in RFC 8572 order and returns the de-duplicated candidates;
/// problems are logged at `warn` (see [`discover_with_report`] to get them).
pub async fn discover(config: &DiscoveryConfig) -> Vec<Candidate> {
    let report = discover_with_report(config).await;
    for problem in &report.problems {
        tracing::warn!(error = %problem, "discovery source problem");
    }
    report.candidates
}

/// [`discover`], also returning the problems met.
pub async fn discover_with_report(config: &DiscoveryConfig) -> DiscoveryReport {
    let mut candidates = Vec::new();
    let mut problems = Vec::new();

    let local = config.clone();
    let files = tokio::task::spawn_blocking(move || read_local_sources(&local)).await;
    match files {
        Ok((storage, leases, mut file_problems)) => {
            candidates.extend(storage);
            candidates.extend(configured_candidates(config, &mut problems));
            candidates.extend(leases);
            problems.append(&mut file_problems);
        }
        Err(join) => {
            // Only a panic in the file readers gets here; keep going with the network sources.
            tracing::error!(error = %join, "reading local discovery sources failed");
            candidates.extend(configured_candidates(config, &mut problems));
        }
    }

    if let Some(dns) = &config.dns {
        let (found, mut dns_problems) = dns::discover_dns(dns, config.serial_number.as_deref()).await;
        candidates.extend(found);
        problems.append(&mut dns_problems);
    }

    DiscoveryReport { candidates: candidate::deduplicate(candidates), problems }
}

type LocalSources = (Vec<Candidate>, Vec<Candidate>, Vec<DiscoveryError>);

/// Removable storage and lease files: blocking file reads, run off the async workers.
fn read_local_sources(config: &DiscoveryConfig) -> LocalSources {
    let mut problems = Vec::new();
    let mut storage = Vec::new();
    for dir in &config.storage_dirs {
        let (found, mut errs) = storage::read_storage_dir(dir, config.serial_number.as_deref());
        storage.extend(found.into_iter().map(|(dir, artifacts)| {
            Candidate::new(Source::RemovableStorage { dir }, CandidateKind::Artifacts(artifacts))
        }));
        problems.append(&mut errs);
    }
    let mut leases = Vec::new();
    for source in &config.leases {
        let (found, mut errs) = lease::read_lease_source(
            source,
            &config.dhclient_v4_options,
            &config.dhclient_v6_options,
            &config.networkd_option_codes,
        );
        for (path, list) in found {
            let from = Source::Dhcp { protocol: list.protocol, format: source.format, path };
            leases.extend(
                list.servers
                    .into_iter()
                    .map(|uri| Candidate::new(from.clone(), CandidateKind::Server(BootstrapServer::new(uri)))),
            );
        }
        problems.append(&mut errs);
    }
    (storage, leases, problems)
}

fn configured_candidates(config: &DiscoveryConfig, problems: &mut Vec<DiscoveryError>) -> Vec<Candidate> {
    config
        .urls
        .iter()
        .enumerate()
        .filter_map(|(index, url)| match BootstrapServer::from_configured_url(url) {
            Ok(server) => Some(Candidate::new(Source::Configured { index }, CandidateKind::Server(server))),
            Err(reason) => {
                problems.push(DiscoveryError::ConfiguredUrl { index, url: url.clone(), reason });
                None
            }
        })
        .collect()
}
