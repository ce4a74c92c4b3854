//! One bootstrapping attempt: bootstrap servers in order (redirects first when given), trusted
//! or provisional connections, verification, onboarding, and the status file kept current.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::time::Duration;

use sztp_protocol::cms::certs_only::{build_certs_only, parse_certs_only};
use sztp_protocol::model::bootstrap_rpc::{GetBootstrappingDataInput, Nonce, ReportingLevel};
use sztp_protocol::model::conveyed_info::ConveyedInformation;
use sztp_protocol::model::progress::{ProgressType, ReportProgressInput, SshHostKey};
use sztp_protocol::x509::Certificate;

use crate::client::ServerClient;
use crate::conveyed::{NonceCheck, accept, accept_with};
use crate::discovery::storage::read_storage_dir;
use crate::discovery::{CandidateKind, ConveyedArtifacts, DiscoveryConfig, discover};
use crate::error::AgentError;
use crate::identity::Identity;
use crate::onboard::{Onboarded, Reporter, onboard};
use crate::state::{StateDir, Status};

/// A bootstrap server to try.
#[derive(Debug, Clone)]
pub struct ServerEntry {
    /// `https://host:port` or a RESTCONF root URL.
    pub url: String,
    /// TLS trust anchors for it (DER); empty: provisional.
    pub anchors: Vec<Vec<u8>>,
    /// Where it came from ("configured", "dhcp", "redirect", …).
    pub source: String,
    /// Conveyed information read from removable storage instead of a server.
    pub artifacts: Option<ConveyedArtifacts>,
}

impl ServerEntry {
    /// A bootstrap server.
    pub fn server(url: impl Into<String>, anchors: Vec<Vec<u8>>, source: impl Into<String>) -> Self {
        ServerEntry { url: url.into(), anchors, source: source.into(), artifacts: None }
    }
}

/// Everything an attempt needs.
#[derive(Debug, Clone)]
pub struct AgentConfig {
    /// The device.
    pub identity: Identity,
    /// Bootstrap servers, in the order to try.
    pub servers: Vec<ServerEntry>,
    /// Manufacturer trust anchors for ownership vouchers.
    pub manufacturer_anchors: Vec<Certificate>,
    /// TLS trust anchors for discovered bootstrap servers (DER).
    pub server_anchors: Vec<Vec<u8>>,
    /// State directory (status, work files).
    pub state_dir: PathBuf,
    /// Installs a boot image (`$SZTP_IMAGE`, `$SZTP_OS_NAME`, `$SZTP_OS_VERSION`).
    pub install_command: Option<String>,
    /// Applies configuration (`$SZTP_CONFIG`, `$SZTP_CONFIG_HANDLING`).
    pub config_command: Option<String>,
    /// Where `ssh_host_*_key.pub` are read for bootstrap-complete.
    pub ssh_dir: PathBuf,
    /// Whether servers that cannot be authenticated may be used provisionally.
    pub allow_untrusted: bool,
    /// Whether get-bootstrapping-data carries a nonce the voucher must (or may) echo.
    pub nonce: NonceMode,
    /// HTTP timeout.
    pub timeout: Duration,
    /// Timeout of each script, install or apply command.
    pub step_timeout: Duration,
    /// Redirects followed at most (RFC 8572 leaves it to the device; 10 here).
    pub max_redirects: usize,
    /// Removable-storage directories, looked at before any server.
    pub storage_dirs: Vec<PathBuf>,
    /// DHCP and DNS discovery, used when no storage or configured server succeeded.
    pub discovery: Option<DiscoveryConfig>,
}

/// Nonce use in get-bootstrapping-data (RFC 8572 §7.3; checked in the voucher, RFC 8366).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum NonceMode {
    /// No nonce; a voucher carrying one is refused.
    #[default]
    Off,
    /// A fresh nonce per request; the voucher echoes it or has none (a lifetime voucher).
    Request,
    /// A fresh nonce per request, which the voucher must echo; times are then not checked.
    Require,
}

/// How an attempt ended well.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Bootstrapping is complete.
    Completed,
    /// An image was installed: reboot, then run again.
    Rebooting,
}

/// An attempt in progress: the configuration and the status it keeps on disk.
pub struct Run<'a> {
    /// The configuration.
    pub config: &'a AgentConfig,
    state: StateDir,
    status: Status,
}

impl Run<'_> {
    /// Starts a stage.
    pub fn stage(&mut self, name: &str) {
        tracing::debug!(stage = name, "begin");
        self.status.begin(name);
        if let Err(e) = self.state.save(&self.status) {
            tracing::warn!(error = %e, "status not saved");
        }
    }

    /// Ends a stage and saves the status.
    pub fn done(&mut self, name: &str, outcome: &str, detail: Option<String>) -> Result<(), AgentError> {
        tracing::debug!(stage = name, outcome, detail = detail.as_deref().unwrap_or(""), "end");
        self.status.end(name, outcome, detail);
        self.state.save(&self.status)
    }

    /// Fails if bootstrapping was disabled meanwhile.
    pub fn check_enabled(&self) -> Result<(), AgentError> {
        if self.state.disabled() { Err(AgentError::Disabled) } else { Ok(()) }
    }

    /// The state directory, whose disable switch a long step races (`StateDir::until_disabled`).
    pub fn switch(&self) -> StateDir {
        self.state.clone()
    }

    /// The OS the device runs: the one an install left, else the system's.
    pub fn current_os(&self) -> (String, String) {
        self.status
            .installed_os
            .clone()
            .unwrap_or_else(|| (self.config.identity.os_name.clone(), self.config.identity.os_version.clone()))
    }

    /// Records an installed OS (effective after the reboot).
    pub fn installed(&mut self, name: String, version: String) -> Result<(), AgentError> {
        self.status.installed_os = Some((name, version));
        self.state.save(&self.status)
    }

    /// A file in the work directory, which only the agent's user may enter: the configuration
    /// and scripts written there may hold secrets (and may have come encrypted to the IDevID).
    pub fn work_file(&self, name: &str) -> PathBuf {
        use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
        let dir = self.state.path().join("work");
        let _ = std::fs::DirBuilder::new().recursive(true).mode(0o700).create(&dir);
        let _ = std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700));
        dir.join(name)
    }
}

enum Next {
    Done(Outcome),
    Redirect(Vec<ServerEntry>),
}

/// Runs one attempt over the configured servers.
pub async fn run_once(config: &AgentConfig) -> Result<Outcome, AgentError> {
    let state = StateDir::open(&config.state_dir)?;
    if state.disabled() {
        return Err(AgentError::Disabled);
    }
    let mut status = state.load()?;
    if status.outcome.as_deref() == Some("completed") {
        return Ok(Outcome::Completed);
    }
    status.attempts += 1;
    status.outcome = Some("running".into());
    status.last_error = None;
    status.stages.clear();
    state.save(&status)?;
    let mut run = Run { config, state, status };
    let result = servers(&mut run).await;
    match &result {
        Ok(Outcome::Completed) => {
            run.status.outcome = Some("completed".into());
            run.status.completed_at = Some(time::OffsetDateTime::now_utc());
        }
        Ok(Outcome::Rebooting) => run.status.outcome = Some("rebooting".into()),
        Err(e) => {
            run.status.outcome = Some("failed".into());
            run.status.last_error = Some(e.with_class());
        }
    }
    run.state.save(&run.status)?;
    result
}

/// Storage, then configured servers, then (if those fail) DHCP and DNS, in RFC 8572 §4 order.
async fn servers(run: &mut Run<'_>) -> Result<Outcome, AgentError> {
    let mut first: Vec<ServerEntry> = Vec::new();
    for dir in &run.config.storage_dirs {
        let (found, problems) = read_storage_dir(dir, Some(&run.config.identity.serial));
        for p in problems {
            tracing::warn!(error = %p, "removable storage");
        }
        for (path, artifacts) in found {
            let source = format!("removable storage {}", path.display());
            first.push(ServerEntry { url: String::new(), anchors: Vec::new(), source, artifacts: Some(artifacts) });
        }
    }
    first.extend(run.config.servers.iter().cloned());
    let nothing_configured = first.is_empty();
    let mut last = match try_servers(run, first).await {
        Ok(outcome) => return Ok(outcome),
        Err(e @ (AgentError::Disabled | AgentError::Redirects(_))) => return Err(e),
        Err(e) => e,
    };
    if let Some(discovery) = &run.config.discovery {
        run.stage("discovery");
        let anchors = &run.config.server_anchors;
        let mut found = Vec::new();
        for c in discover(discovery).await {
            match c.kind {
                CandidateKind::Server(s) => {
                    found.push(ServerEntry::server(s.base_url(), anchors.clone(), c.source.to_string()))
                }
                CandidateKind::Artifacts(a) => found.push(ServerEntry {
                    url: String::new(),
                    anchors: Vec::new(),
                    source: c.source.to_string(),
                    artifacts: Some(a),
                }),
            }
        }
        run.done("discovery", "ok", Some(format!("{} candidate(s)", found.len())))?;
        if found.is_empty() && nothing_configured {
            // Not a configuration error: DHCP or DNS may announce a server later, and the
            // daemon stops on configuration errors instead of retrying.
            last = AgentError::Unreachable("no bootstrap server is configured or discovered".into());
        } else if !found.is_empty() {
            last = match try_servers(run, found).await {
                Ok(outcome) => return Ok(outcome),
                Err(e) => e,
            };
        }
    }
    Err(last)
}

async fn try_servers(run: &mut Run<'_>, servers: Vec<ServerEntry>) -> Result<Outcome, AgentError> {
    let mut queue: VecDeque<ServerEntry> = servers.into();
    if queue.is_empty() {
        return Err(AgentError::Config("no bootstrap server is configured or discovered".into()));
    }
    let (mut redirects, mut last) = (0, None);
    while let Some(server) = queue.pop_front() {
        run.check_enabled()?;
        match attempt(run, &server).await {
            Ok(Next::Done(outcome)) => return Ok(outcome),
            Ok(Next::Redirect(next)) => {
                redirects += 1;
                if redirects > run.config.max_redirects {
                    return Err(AgentError::Redirects(run.config.max_redirects));
                }
                for s in next.into_iter().rev() {
                    queue.push_front(s);
                }
            }
            Err(AgentError::Disabled) => return Err(AgentError::Disabled),
            Err(e) => {
                tracing::info!(server = %server.url, error = %e, "bootstrap server abandoned");
                last = Some(e);
            }
        }
    }
    Err(last.unwrap_or_else(|| AgentError::Unreachable("no bootstrap server left".into())))
}

async fn attempt(run: &mut Run<'_>, server: &ServerEntry) -> Result<Next, AgentError> {
    let config = run.config;
    run.stage("bootstrap-request");
    if let Some(artifacts) = &server.artifacts {
        return from_storage(run, server, artifacts).await;
    }
    if server.anchors.is_empty() && !config.allow_untrusted {
        let e = AgentError::Trust(format!("no trust anchor for {} and provisional use is off", server.url));
        run.done("bootstrap-request", "failed", Some(e.to_string()))?;
        return Err(e);
    }
    let (os_name, os_version) = run.current_os();
    let mut client = ServerClient::new(&config.identity, &server.url, &server.anchors, config.timeout)?;
    let mut nonce = fresh_nonce(config.nonce)?;
    let request = |trusted: bool, nonce: &Option<Nonce>| GetBootstrappingDataInput {
        signed_data_preferred: !trusted,
        hw_model: Some(config.identity.hw_model.clone()),
        os_name: Some(os_name.clone()),
        os_version: Some(os_version.clone()),
        nonce: nonce.clone(),
        ..GetBootstrappingDataInput::default()
    };
    let mut output = match client.discover_root().await {
        Ok(()) => client.get_bootstrapping_data(&request(client.trusted, &nonce)).await,
        Err(e) => Err(e),
    };
    if let Err(AgentError::Unreachable(reason)) = &output
        && client.trusted
        && config.allow_untrusted
    {
        tracing::info!(server = %server.url, %reason, "server not authenticated; going on provisionally");
        client = ServerClient::new(&config.identity, &server.url, &[], config.timeout)?;
        nonce = fresh_nonce(config.nonce)?; // a nonce goes out once
        output = match client.discover_root().await {
            Ok(()) => client.get_bootstrapping_data(&request(false, &nonce)).await,
            Err(e) => Err(e),
        };
    }
    let trust = if client.trusted { "trusted" } else { "untrusted (provisional)" };
    let output = match output {
        Ok(o) => o,
        Err(e) => {
            run.done("bootstrap-request", "failed", Some(e.to_string()))?;
            return Err(e);
        }
    };
    run.status.source = Some(format!("{} ({})", client.root(), server.source));
    run.done("bootstrap-request", "ok", Some(format!("{} ({trust})", client.root())))?;

    run.stage("verification");
    let check = nonce
        .as_ref()
        .map(|n| n.as_bytes())
        .map(|sent| NonceCheck { sent, required: config.nonce == NonceMode::Require });
    let accepted = match accept_with(&output, &config.identity, &config.manufacturer_anchors, client.trusted, check) {
        Ok(a) => a,
        Err(e) => {
            run.status.trust = Some(format!("{trust}; refused"));
            run.done("verification", "failed", Some(e.to_string()))?;
            return Err(e);
        }
    };
    let data = if accepted.signed { "signed data verified (RFC 8572 §5.4)" } else { "unsigned data" };
    run.status.trust = Some(format!("{trust}; {data}"));
    run.done("verification", "ok", Some(data.into()))?;

    act(run, accepted.info, accepted.trusted, &client, output.reporting_level).await
}

/// A fresh random nonce (16 octets, the RPC's minimum) unless nonces are off.
fn fresh_nonce(mode: NonceMode) -> Result<Option<Nonce>, AgentError> {
    if mode == NonceMode::Off {
        return Ok(None);
    }
    let mut bytes = vec![0u8; 16];
    aws_lc_rs::rand::fill(&mut bytes).map_err(|_| AgentError::Config("no random numbers for a nonce".into()))?;
    Nonce::new(bytes).map(Some).map_err(|n| AgentError::Config(format!("a nonce of {n} octets")))
}

/// Follows redirect information, or carries out onboarding information.
async fn act(
    run: &mut Run<'_>,
    info: ConveyedInformation,
    trusted_info: bool,
    client: &ServerClient,
    reporting_level: Option<ReportingLevel>,
) -> Result<Next, AgentError> {
    let config = run.config;
    match info {
        ConveyedInformation::Redirect(r) => {
            let mut next = Vec::new();
            for s in r.bootstrap_servers {
                let host = if s.address.contains(':') { format!("[{}]", s.address) } else { s.address.clone() };
                let url = match s.port {
                    Some(p) => format!("https://{host}:{p}"),
                    None => format!("https://{host}"),
                };
                // Anchors from untrusted (unsigned, untrusted-source) redirect information are
                // discarded: the next server is then used provisionally (RFC 8572 §5.5).
                let anchors = match &s.trust_anchor {
                    Some(_) if !trusted_info => Vec::new(),
                    Some(cms) => {
                        parse_certs_only(cms)
                            .map_err(|e| AgentError::Server(format!("redirect trust anchor for {url}: {e}")))?
                            .certificates
                    }
                    None => Vec::new(),
                };
                next.push(ServerEntry::server(url, anchors, format!("redirect from {}", client.root())));
            }
            Ok(Next::Redirect(next))
        }
        ConveyedInformation::Onboarding(info) => {
            let verbose = reporting_level == Some(ReportingLevel::Verbose);
            let reporter = Reporter { client: client.trusted.then_some(client), verbose };
            reporter.send(ProgressType::BootstrapInitiated, None, None).await?;
            match onboard(run, &info, client, &reporter).await? {
                Onboarded::Rebooting => Ok(Next::Done(Outcome::Rebooting)),
                Onboarded::Complete => {
                    let complete = completion_report(config)?;
                    reporter.send(ProgressType::BootstrapComplete, None, Some(complete)).await?;
                    Ok(Next::Done(Outcome::Completed))
                }
            }
        }
    }
}

/// Conveyed information from removable storage: untrusted, so it must be signed; no server to
/// report to, and images are fetched with a provisional client (their hash is what counts).
async fn from_storage(
    run: &mut Run<'_>,
    entry: &ServerEntry,
    artifacts: &ConveyedArtifacts,
) -> Result<Next, AgentError> {
    let config = run.config;
    run.stage("verification");
    if config.nonce == NonceMode::Require {
        // Files cannot echo a nonce sent now: with a nonce required, they could be a replay.
        let e =
            AgentError::Trust(format!("{}: --nonce require, and stored files cannot echo a fresh nonce", entry.source));
        run.status.trust = Some(format!("{}; refused", entry.source));
        run.done("verification", "failed", Some(e.to_string()))?;
        return Err(e);
    }
    let output = sztp_protocol::model::bootstrap_rpc::GetBootstrappingDataOutput {
        reporting_level: None,
        conveyed_information: artifacts.conveyed_information.clone(),
        owner_certificate: artifacts.owner_certificate.clone(),
        ownership_voucher: artifacts.ownership_voucher.clone(),
    };
    let accepted = match accept(&output, &config.identity, &config.manufacturer_anchors, false) {
        Ok(a) => a,
        Err(e) => {
            run.status.trust = Some(format!("{}; refused", entry.source));
            run.done("verification", "failed", Some(e.to_string()))?;
            return Err(e);
        }
    };
    run.status.source = Some(entry.source.clone());
    run.status.trust = Some("removable storage; signed data verified (RFC 8572 §5.4)".into());
    run.done("verification", "ok", Some("signed data verified".into()))?;
    let downloads = ServerClient::new(&config.identity, "https://removable-storage.invalid", &[], config.timeout)?;
    act(run, accepted.info, accepted.trusted, &downloads, None).await
}

/// bootstrap-complete with the SSH host keys and the device's trust anchor chain (degenerate
/// CMS: the IDevID's issuers up to the manufacturer root).
pub fn completion_report(config: &AgentConfig) -> Result<ReportProgressInput, AgentError> {
    let mut chain: Vec<Vec<u8>> = config.identity.chain.iter().skip(1).map(|c| c.der().to_vec()).collect();
    let top_issuer = config.identity.chain.last().map(|c| c.issuer_name().clone());
    for anchor in &config.manufacturer_anchors {
        if Some(anchor.subject_name()) == top_issuer.as_ref() && !chain.iter().any(|c| c == anchor.der()) {
            chain.push(anchor.der().to_vec());
        }
    }
    let trust_anchor_certs = if chain.is_empty() {
        Vec::new()
    } else {
        vec![build_certs_only::<Vec<u8>, Vec<u8>>(&chain, &[]).map_err(|e| AgentError::Config(e.to_string()))?]
    };
    Ok(ReportProgressInput {
        progress_type: ProgressType::BootstrapComplete,
        message: None,
        ssh_host_keys: ssh_host_keys(&config.ssh_dir),
        trust_anchor_certs,
    })
}

/// The `ssh_host_*_key.pub` files of a directory, as RFC 4253 key blobs.
pub fn ssh_host_keys(dir: &Path) -> Vec<SshHostKey> {
    use base64::Engine;
    let mut keys = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else { return keys };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        if !(name.starts_with("ssh_host_") && name.ends_with("_key.pub")) {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        let mut words = text.split_whitespace();
        if let (Some(algorithm), Some(b64)) = (words.next(), words.next())
            && let Ok(key_data) = base64::engine::general_purpose::STANDARD.decode(b64)
        {
            keys.push(SshHostKey { algorithm: algorithm.to_owned(), key_data });
        }
    }
    keys
}
