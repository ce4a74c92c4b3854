//! The `sztp-agent` command line: run, daemon, status, enable, disable.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use crate::agent::{AgentConfig, NonceMode, Outcome, ServerEntry, run_once};
use crate::error::AgentError;
use crate::identity::{Identity, read_anchors};
use crate::session::require_https;
use crate::state::StateDir;

mod sim_args;
pub use sim_args::SimArgs;

/// Exit code after an image install: reboot the device, then run the agent again.
pub const EXIT_REBOOT: u8 = 10;

/// RFC 8572 Secure Zero Touch Provisioning agent for Linux devices.
#[derive(Debug, Parser)]
#[command(
    version,
    after_help = "Examples:\n  sztp-agent run --serial SN-0001 --idevid-cert idevid.pem --idevid-key idevid.key \\\n      --bootstrap-url https://127.0.0.1:8443 --server-trust server-ca.pem --manufacturer-trust manufacturer-ca.pem\n  sztp-agent status --json\n\nExit codes: 0 bootstrapped, 1 failed, 2 bad configuration, 3 disabled, 10 image installed: reboot and run again."
)]
pub struct Cli {
    /// Log every step (also RUST_LOG=debug).
    #[arg(long, global = true)]
    pub debug: bool,
    /// State directory: status, work files, the disable switch.
    #[arg(long, global = true, env = "SZTP_AGENT_STATE", default_value = "/var/lib/sztp-agent")]
    pub state_dir: PathBuf,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// One bootstrapping attempt over every known server.
    Run(RunArgs),
    /// Attempts with back-off until bootstrapping completes, an image needs a reboot, or it is disabled.
    Daemon(RunArgs),
    /// Every stage of the last attempt, with times, errors, the server used and the trust state.
    Status {
        /// JSON for scripts.
        #[arg(long)]
        json: bool,
    },
    /// Plays many virtual devices against a server, fully verifying, and prints a summary.
    Simulate(SimArgs),
    /// Allows bootstrapping again.
    Enable,
    /// Stops future attempts and aborts a running one (its script or command is stopped).
    Disable,
}

/// How to bootstrap.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The device's serial number.
    #[arg(long, env = "SZTP_SERIAL")]
    pub serial: String,
    /// IDevID certificate chain (PEM, leaf first).
    #[arg(long)]
    pub idevid_cert: PathBuf,
    /// IDevID private key (PKCS#8, PEM or DER).
    #[arg(long)]
    pub idevid_key: PathBuf,
    /// Bootstrap server (`https://host:port` or a RESTCONF root; https only); repeatable, tried in order.
    #[arg(long = "bootstrap-url")]
    pub bootstrap_urls: Vec<String>,
    /// Removable-storage directory with conveyed-information.cms (and owner-certificate.cms,
    /// ownership-voucher.cms); repeatable, looked at first.
    #[arg(long = "storage")]
    pub storage: Vec<PathBuf>,
    /// dhclient (or NetworkManager dhclient-backend) lease file or directory to read option
    /// 143/136 from; repeatable.
    #[arg(long = "dhclient-lease")]
    pub dhclient_leases: Vec<PathBuf>,
    /// systemd-networkd lease file or directory; repeatable.
    #[arg(long = "networkd-lease")]
    pub networkd_leases: Vec<PathBuf>,
    /// DNS domain to look up `<serial>._sztp.<domain>` TXT and `_sztp._tcp.<domain>` SRV in; repeatable.
    #[arg(long = "dns-domain")]
    pub dns_domains: Vec<String>,
    /// DNS server (`ip:port`) instead of those in /etc/resolv.conf; repeatable.
    #[arg(long = "nameserver")]
    pub nameservers: Vec<std::net::SocketAddr>,
    /// Only the sources given by flags: not the system's lease files, resolv.conf or mDNS.
    #[arg(long)]
    pub no_system_discovery: bool,
    /// Trust anchors (PEM) for bootstrap servers' TLS certificates; without any, servers are
    /// used provisionally (signed data only).
    #[arg(long = "server-trust")]
    pub server_trust: Vec<PathBuf>,
    /// Manufacturer trust anchors (PEM) for ownership vouchers.
    #[arg(long = "manufacturer-trust")]
    pub manufacturer_trust: Vec<PathBuf>,
    /// Refuse servers that cannot be authenticated, instead of using them provisionally.
    #[arg(long)]
    pub no_untrusted: bool,
    /// Nonce in get-bootstrapping-data (RFC 8572 §7.3, RFC 8366): `off`; `request` (a fresh
    /// random one each request; a voucher may echo it or carry none); `require` (the voucher
    /// must echo it, and times are not checked: for devices without a trustworthy clock; signed
    /// files from storage are refused). A voucher with another nonce is always refused.
    #[arg(long, value_enum, default_value_t = NonceMode::Off)]
    pub nonce: NonceMode,
    /// Installs a boot image; gets $SZTP_IMAGE, $SZTP_OS_NAME, $SZTP_OS_VERSION.
    #[arg(long)]
    pub install_command: Option<String>,
    /// Applies configuration; gets $SZTP_CONFIG and $SZTP_CONFIG_HANDLING (merge|replace).
    #[arg(long)]
    pub config_command: Option<String>,
    /// Directory of ssh_host_*_key.pub reported on completion.
    #[arg(long, default_value = "/etc/ssh")]
    pub ssh_dir: PathBuf,
    /// hw-model to report (default: DMI product name).
    #[arg(long)]
    pub hw_model: Option<String>,
    /// os-name to report (default: /etc/os-release ID).
    #[arg(long)]
    pub os_name: Option<String>,
    /// os-version to report (default: /etc/os-release VERSION_ID).
    #[arg(long)]
    pub os_version: Option<String>,
    /// HTTP timeout in seconds.
    #[arg(long, default_value_t = 30)]
    pub timeout: u64,
    /// Timeout of each script, install and apply command, in seconds.
    #[arg(long, default_value_t = 600)]
    pub step_timeout: u64,
    /// Daemon only: attempts at most (0: no limit).
    #[arg(long, default_value_t = 0)]
    pub max_attempts: u32,
    /// Daemon only: longest wait between attempts, in seconds.
    #[arg(long, default_value_t = 300)]
    pub max_backoff: u64,
}

impl RunArgs {
    /// The agent configuration these flags describe.
    pub fn config(&self, state_dir: PathBuf) -> Result<AgentConfig, AgentError> {
        for url in &self.bootstrap_urls {
            require_https(url).map_err(|e| AgentError::Config(format!("--bootstrap-url: {e}")))?;
        }
        let mut identity = Identity::from_files(&self.serial, &self.idevid_cert, &self.idevid_key)?;
        if let Some(v) = &self.hw_model {
            identity.hw_model = v.clone();
        }
        if let Some(v) = &self.os_name {
            identity.os_name = v.clone();
        }
        if let Some(v) = &self.os_version {
            identity.os_version = v.clone();
        }
        let server_anchors: Vec<Vec<u8>> = read_anchors(&self.server_trust)?.iter().map(|c| c.der().to_vec()).collect();
        let servers = self
            .bootstrap_urls
            .iter()
            .map(|url| ServerEntry::server(url.clone(), server_anchors.clone(), "configured"))
            .collect();
        let discovery = self.discovery();
        Ok(AgentConfig {
            identity,
            servers,
            manufacturer_anchors: read_anchors(&self.manufacturer_trust)?,
            server_anchors,
            state_dir,
            install_command: self.install_command.clone(),
            config_command: self.config_command.clone(),
            ssh_dir: self.ssh_dir.clone(),
            allow_untrusted: !self.no_untrusted,
            nonce: self.nonce,
            timeout: Duration::from_secs(self.timeout.max(1)),
            step_timeout: Duration::from_secs(self.step_timeout.max(1)),
            max_redirects: 10,
            storage_dirs: self.storage.clone(),
            discovery,
        })
    }

    /// DHCP and DNS discovery as the flags say (the system's sources unless told otherwise).
    fn discovery(&self) -> Option<crate::discovery::DiscoveryConfig> {
        use crate::discovery::{DiscoveryConfig, DnsConfig, LeaseFormat, LeaseSource};
        let mut d = DiscoveryConfig { serial_number: Some(self.serial.clone()), ..DiscoveryConfig::default() };
        if self.no_system_discovery {
            d.leases.clear();
            d.dns = None;
        }
        d.leases.extend(self.dhclient_leases.iter().map(|p| LeaseSource::new(LeaseFormat::Dhclient, p)));
        d.leases.extend(self.networkd_leases.iter().map(|p| LeaseSource::new(LeaseFormat::Networkd, p)));
        if !self.dns_domains.is_empty() || !self.nameservers.is_empty() {
            let mut dns = d.dns.take().unwrap_or(DnsConfig { mdns: None, ..DnsConfig::default() });
            dns.domains.extend(self.dns_domains.iter().cloned());
            dns.nameservers.extend(self.nameservers.iter().copied());
            d.dns = Some(dns);
        }
        (!d.leases.is_empty() || d.dns.is_some()).then_some(d)
    }
}

fn exit_for(result: &Result<Outcome, AgentError>) -> ExitCode {
    match result {
        Ok(Outcome::Completed) => ExitCode::SUCCESS,
        Ok(Outcome::Rebooting) => ExitCode::from(EXIT_REBOOT),
        Err(AgentError::Config(_)) => ExitCode::from(2),
        Err(AgentError::Disabled) => ExitCode::from(3),
        Err(_) => ExitCode::FAILURE,
    }
}

fn report(result: &Result<Outcome, AgentError>) {
    match result {
        Ok(Outcome::Completed) => outln!("bootstrapping complete"),
        Ok(Outcome::Rebooting) => outln!("boot image installed: reboot the device, then run sztp-agent again"),
        Err(e) => eprintln!("sztp-agent: {e}"),
    }
}

/// Runs the command line.
pub async fn main(cli: Cli) -> ExitCode {
    match cli.command {
        Command::Run(args) => {
            let result = match args.config(cli.state_dir) {
                Ok(config) => stoppable(&config, run_once(&config)).await,
                Err(e) => Err(e),
            };
            report(&result);
            exit_for(&result)
        }
        Command::Daemon(args) => {
            let result = match args.config(cli.state_dir) {
                Ok(config) => {
                    let backoff = Duration::from_secs(args.max_backoff.max(1));
                    stoppable(&config, daemon(&config, args.max_attempts, backoff)).await
                }
                Err(e) => Err(e),
            };
            report(&result);
            exit_for(&result)
        }
        Command::Status { json } => status(&cli.state_dir, json),
        Command::Simulate(args) => {
            let prepared = match args.config() {
                Ok((config, None)) => Ok((config, None)),
                Ok((mut config, Some(plan))) => crate::simulate::prepare(plan).await.map(|(devices, done)| {
                    config.devices = devices;
                    (config, Some(done))
                }),
                Err(e) => Err(e),
            };
            let (config, preparation) = match prepared {
                Ok(p) => p,
                Err(e) => {
                    eprintln!("sztp-agent: {e}");
                    return ExitCode::from(2);
                }
            };
            let mut summary = crate::simulate::simulate(config).await;
            summary.preparation = preparation;
            if args.json {
                outln!("{}", serde_json::to_string_pretty(&summary).unwrap_or_default());
            } else {
                crate::simulate::print_summary(&summary);
            }
            if summary.completed == summary.devices { ExitCode::SUCCESS } else { ExitCode::FAILURE }
        }
        Command::Enable | Command::Disable => {
            let disable = matches!(cli.command, Command::Disable);
            match StateDir::open(&cli.state_dir).and_then(|s| s.set_disabled(disable)) {
                Ok(()) => {
                    outln!("bootstrapping {}", if disable { "disabled" } else { "enabled" });
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("sztp-agent: {e}");
                    ExitCode::from(2)
                }
            }
        }
    }
}

/// Runs `work` (an attempt, or the daemon) until it ends or SIGINT/SIGTERM comes. Then it gets
/// the time a running step needs to stop its process group; after that it is dropped, and the
/// status says the attempt was interrupted rather than "running".
async fn stoppable(
    config: &AgentConfig,
    work: impl std::future::Future<Output = Result<Outcome, AgentError>>,
) -> Result<Outcome, AgentError> {
    if let Err(e) = crate::shutdown::listen() {
        tracing::warn!(error = %e, "SIGINT/SIGTERM not handled");
    }
    let mut work = std::pin::pin!(work);
    tokio::select! {
        result = &mut work => return result,
        () = crate::shutdown::until_requested() => {}
    }
    if let Ok(result) = tokio::time::timeout(Duration::from_secs(5), &mut work).await {
        return result;
    }
    let state = StateDir::open(&config.state_dir)?;
    let mut status = state.load()?;
    if status.outcome.as_deref() == Some("running") {
        status.outcome = Some("failed".into());
        status.last_error = Some(AgentError::Interrupted.with_class());
        state.save(&status)?;
    }
    Err(AgentError::Interrupted)
}

/// Attempts until done, with exponential back-off (1 s doubling up to `max_backoff`), checking
/// the disable switch while it waits.
async fn daemon(config: &AgentConfig, max_attempts: u32, max_backoff: Duration) -> Result<Outcome, AgentError> {
    let mut wait = Duration::from_secs(1);
    let mut attempts = 0;
    loop {
        attempts += 1;
        match run_once(config).await {
            Ok(outcome) => return Ok(outcome),
            Err(e @ (AgentError::Disabled | AgentError::Config(_) | AgentError::Interrupted)) => return Err(e),
            Err(e) if max_attempts != 0 && attempts >= max_attempts => return Err(e),
            Err(e) => tracing::info!(error = %e, wait_s = wait.as_secs(), "attempt failed; retrying"),
        }
        let state = StateDir::open(&config.state_dir)?;
        let deadline = tokio::time::Instant::now() + wait;
        while tokio::time::Instant::now() < deadline {
            if state.disabled() {
                return Err(AgentError::Disabled);
            }
            if crate::shutdown::requested() {
                return Err(AgentError::Interrupted);
            }
            tokio::time::sleep(Duration::from_millis(200).min(wait)).await;
        }
        wait = (wait * 2).min(max_backoff);
    }
}

fn status(dir: &std::path::Path, json: bool) -> ExitCode {
    let state = match StateDir::open(dir) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("sztp-agent: {e}");
            return ExitCode::from(2);
        }
    };
    let status = match state.load() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("sztp-agent: {e}");
            return ExitCode::from(2);
        }
    };
    if json {
        let mut v = serde_json::to_value(&status).unwrap_or_default();
        v["enabled"] = serde_json::json!(!state.disabled());
        outln!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
        return ExitCode::SUCCESS;
    }
    outln!("enabled:   {}", !state.disabled());
    outln!("outcome:   {}", status.outcome.as_deref().unwrap_or("never run"));
    outln!("attempts:  {}", status.attempts);
    for (label, value) in [("source", &status.source), ("trust", &status.trust), ("error", &status.last_error)] {
        if let Some(v) = value {
            outln!("{label:<10} {v}");
        }
    }
    if let Some((name, version)) = &status.installed_os {
        outln!("installed: {name} {version}");
    }
    let fmt = |t: &time::OffsetDateTime| t.format(&time::format_description::well_known::Rfc3339).unwrap_or_default();
    for s in &status.stages {
        let end = s.ended_at.as_ref().map(fmt).unwrap_or_else(|| "-".into());
        outln!(
            "  {:<18} {:<8} {} .. {}  {}",
            s.name,
            s.outcome,
            fmt(&s.started_at),
            end,
            s.detail.as_deref().unwrap_or("")
        );
    }
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests;
