//! The agent's attempt: bootstrap servers from storage, configuration and discovery, run
//! through the one flow over HTTPS and shell commands, with the status file kept current.

use std::path::PathBuf;
use std::time::Duration;

use sztp_protocol::model::progress::{ProgressType, ReportProgressInput};
use sztp_protocol::x509::Certificate;

use crate::client::HttpTransport;
use crate::discovery::storage::read_storage_dir;
use crate::discovery::{CandidateKind, DiscoveryConfig, discover};
use crate::error::AgentError;
use crate::flow::completion;
use crate::identity::Identity;
use crate::platform::{Journal, SystemClock};
use crate::session::{Policy, Session};
use crate::shell::ShellExecutor;
use crate::state::{StateDir, Status};

pub use crate::session::{NonceMode, Outcome, ServerEntry};

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

impl AgentConfig {
    /// What the device checks, as the flow takes it.
    fn policy(&self) -> Policy {
        Policy {
            identity: self.identity.clone(),
            manufacturer_anchors: self.manufacturer_anchors.clone(),
            allow_untrusted: self.allow_untrusted,
            nonce: self.nonce,
            max_redirects: self.max_redirects,
            ssh_dir: Some(self.ssh_dir.clone()),
        }
    }
}

/// The agent's journal: the status file, saved as each stage begins and ends.
struct StatusFile {
    state: StateDir,
    status: Status,
    /// The OS the system reports, until an install leaves another.
    system_os: (String, String),
}

impl Journal for StatusFile {
    fn stage(&mut self, name: &str) {
        tracing::debug!(stage = name, "begin");
        self.status.begin(name);
        if let Err(e) = self.state.save(&self.status) {
            tracing::warn!(error = %e, "status not saved");
        }
    }

    fn done(&mut self, name: &str, outcome: &str, detail: Option<String>) -> Result<(), AgentError> {
        tracing::debug!(stage = name, outcome, detail = detail.as_deref().unwrap_or(""), "end");
        self.status.end(name, outcome, detail);
        self.state.save(&self.status)
    }

    fn source(&mut self, source: String) {
        self.status.source = Some(source);
    }

    fn trust(&mut self, trust: String) {
        self.status.trust = Some(trust);
    }

    fn reported(&mut self, kind: ProgressType, took: Duration) {
        tracing::debug!(report = kind.as_str(), took_ms = took.as_millis(), "progress report");
    }

    fn current_os(&self) -> (String, String) {
        self.status.installed_os.clone().unwrap_or_else(|| self.system_os.clone())
    }

    fn installed(&mut self, name: String, version: String) -> Result<(), AgentError> {
        self.status.installed_os = Some((name, version));
        self.state.save(&self.status)
    }

    fn check_enabled(&self) -> Result<(), AgentError> {
        if self.state.disabled() { Err(AgentError::Disabled) } else { Ok(()) }
    }

    async fn until_stopped(&self) -> AgentError {
        tokio::select! {
            () = self.state.until_disabled() => AgentError::Disabled,
            () = crate::shutdown::until_requested() => AgentError::Interrupted,
        }
    }
}

/// Runs one attempt over the configured servers.
pub(crate) async fn run_once(config: &AgentConfig) -> Result<Outcome, AgentError> {
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
    let system_os = (config.identity.os_name.clone(), config.identity.os_version.clone());
    let mut journal = StatusFile { state: state.clone(), status, system_os };
    let executor = ShellExecutor {
        state,
        install_command: config.install_command.clone(),
        config_command: config.config_command.clone(),
        step_timeout: config.step_timeout,
    };
    let policy = config.policy();
    let transport = HttpTransport { timeout: config.timeout };
    let mut session = Session {
        policy: &policy,
        transport: &transport,
        executor: &executor,
        clock: &SystemClock,
        journal: &mut journal,
    };
    let result = servers(&mut session, config).await;
    let StatusFile { state, mut status, .. } = journal;
    match &result {
        Ok(Outcome::Completed) => {
            status.outcome = Some("completed".into());
            status.completed_at = Some(time::OffsetDateTime::now_utc());
        }
        Ok(Outcome::Rebooting) => status.outcome = Some("rebooting".into()),
        Err(e) => {
            status.outcome = Some("failed".into());
            status.last_error = Some(e.with_class());
        }
    }
    state.save(&status)?;
    result
}

/// The agent's session: HTTPS, shell commands, the system clock and the status file.
type AgentSession<'a> = Session<'a, HttpTransport, ShellExecutor, StatusFile>;

/// Storage, then configured servers, then (if those fail) DHCP and DNS, in RFC 8572 §4 order.
async fn servers(session: &mut AgentSession<'_>, config: &AgentConfig) -> Result<Outcome, AgentError> {
    let mut first: Vec<ServerEntry> = Vec::new();
    for dir in &config.storage_dirs {
        let (found, problems) = read_storage_dir(dir, Some(&config.identity.serial));
        for p in problems {
            tracing::warn!(error = %p, "removable storage");
        }
        for (path, artifacts) in found {
            let source = format!("removable storage {}", path.display());
            first.push(ServerEntry { url: String::new(), anchors: Vec::new(), source, artifacts: Some(artifacts) });
        }
    }
    first.extend(config.servers.iter().cloned());
    let nothing_configured = first.is_empty();
    let mut last = match session.try_servers(first).await {
        Ok(outcome) => return Ok(outcome),
        Err(e @ (AgentError::Disabled | AgentError::Redirects(_))) => return Err(e),
        Err(e) => e,
    };
    if let Some(discovery) = &config.discovery {
        session.journal.stage("discovery");
        let anchors = &config.server_anchors;
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
        session.journal.done("discovery", "ok", Some(format!("{} candidate(s)", found.len())))?;
        if found.is_empty() && nothing_configured {
            // Not a configuration error: DHCP or DNS may announce a server later, and the
            // daemon stops on configuration errors instead of retrying.
            last = AgentError::Unreachable("no bootstrap server is configured or discovered".into());
        } else if !found.is_empty() {
            last = match session.try_servers(found).await {
                Ok(outcome) => return Ok(outcome),
                Err(e) => e,
            };
        }
    }
    Err(last)
}

/// bootstrap-complete with the SSH host keys and the device's trust anchor chain (degenerate
/// CMS: the IDevID's issuers up to the manufacturer root).
pub fn completion_report(config: &AgentConfig) -> Result<ReportProgressInput, AgentError> {
    completion(&config.identity, &config.manufacturer_anchors, Some(&config.ssh_dir))
}
