//! `sztp-agent simulate`: N virtual devices through the whole flow against a server, with the
//! same verification as the real agent — host-meta, request, §5.4 checks, redirects, image download and
//! hash, a virtual reboot, the remaining steps' reports and bootstrap-complete — and a summary.
//! Devices come from credential directories, or are minted and registered first ([`prepare`]).

pub mod mint;
pub mod register;

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde::Serialize;
use sztp_protocol::model::bootstrap_rpc::{GetBootstrappingDataInput, ReportingLevel};
use sztp_protocol::model::conveyed_info::{ConveyedInformation, HashAlgorithm};
use sztp_protocol::model::progress::{ProgressType, ReportProgressInput};
use sztp_protocol::x509::Certificate;
use tokio::sync::Semaphore;

use crate::agent::ServerEntry;
use crate::client::ServerClient;
use crate::conveyed::accept;
use crate::error::AgentError;
use crate::identity::Identity;
use crate::onboard::Reporter;

/// Where a virtual device's identity comes from.
#[derive(Debug, Clone)]
pub enum SimDevice {
    /// A credential directory (idevid.pem, idevid.key), read when the device starts.
    Directory(PathBuf),
    /// An identity minted in memory.
    Minted(Identity),
}

/// Devices to mint and register before the run.
#[derive(Debug)]
pub struct MintPlan {
    /// The CA that issues the IDevIDs.
    pub manufacturer: mint::Manufacturer,
    /// The voucher signer, when the devices need vouchers.
    pub masa: Option<mint::Masa>,
    /// Serial numbers are this prefix and a number.
    pub serial_prefix: String,
    /// How many devices.
    pub count: usize,
    /// The server's northbound API.
    pub registrar: register::Registrar,
}

/// What the preparation step did, for the summary.
#[derive(Debug, Clone, Serialize)]
pub struct Preparation {
    /// IDevIDs minted.
    pub minted: usize,
    /// Time minting took, seconds.
    pub mint_s: f64,
    /// Device type of the registered devices.
    pub device_type: String,
    /// Devices created on the server.
    pub created: u64,
    /// Devices that existed and were replaced.
    pub replaced: u64,
    /// Vouchers signed and uploaded.
    pub vouchers: usize,
    /// Time registration (devices and vouchers) took, seconds.
    pub register_s: f64,
}

/// What to simulate.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// The bootstrap server.
    pub server: ServerEntry,
    /// The virtual devices.
    pub devices: Vec<SimDevice>,
    /// Devices in flight at once.
    pub concurrency: usize,
    /// Manufacturer anchors for vouchers.
    pub manufacturer_anchors: Vec<Certificate>,
    /// OS the virtual devices start with.
    pub os: (String, String),
    /// HTTP timeout.
    pub timeout: Duration,
    /// Draw a progress bar on stderr (when it is a terminal).
    pub progress: bool,
}

/// Latency percentiles of one step, in milliseconds.
#[derive(Debug, Clone, Serialize)]
pub struct Percentiles {
    /// Samples.
    pub count: usize,
    /// Median.
    pub p50_ms: f64,
    /// 90th percentile.
    pub p90_ms: f64,
    /// 99th percentile.
    pub p99_ms: f64,
    /// Slowest.
    pub max_ms: f64,
}

/// The outcome of a simulation.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// Devices simulated.
    pub devices: usize,
    /// Devices that completed.
    pub completed: usize,
    /// Failures by class and message.
    pub failed: BTreeMap<String, usize>,
    /// Wall-clock time, seconds.
    pub elapsed_s: f64,
    /// HTTP requests made.
    pub requests: usize,
    /// Requests per second.
    pub requests_per_s: f64,
    /// Per-step latencies.
    pub steps: BTreeMap<String, Percentiles>,
    /// Minting and registration, when the devices were minted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preparation: Option<Preparation>,
}

#[derive(Default)]
struct Timings {
    steps: Vec<(&'static str, Duration)>,
    requests: usize,
}

impl Timings {
    fn time(&mut self, step: &'static str, start: Instant, requests: usize) {
        self.steps.push((step, start.elapsed()));
        self.requests += requests;
    }
}

/// The device directories of a quickstart demo (or of any directory of device directories).
pub fn device_dirs(credentials: &Path) -> Result<Vec<PathBuf>, AgentError> {
    let base = if credentials.join("devices").is_dir() { credentials.join("devices") } else { credentials.to_owned() };
    let entries = std::fs::read_dir(&base).map_err(|e| AgentError::Config(format!("{}: {e}", base.display())))?;
    let mut dirs: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("idevid.pem").is_file() && p.join("idevid.key").is_file())
        .collect();
    dirs.sort();
    Ok(dirs)
}

/// Mints `plan.count` identities and registers them (with vouchers) on the server; returns the
/// devices to simulate and what it did. Minting runs on the blocking pool.
pub async fn prepare(plan: MintPlan) -> Result<(Vec<SimDevice>, Preparation), AgentError> {
    let serials = mint::serials(&plan.serial_prefix, plan.count);
    let started = Instant::now();
    let manufacturer = plan.manufacturer.clone();
    let names = serials.clone();
    let identities: Vec<Identity> =
        tokio::task::spawn_blocking(move || names.iter().map(|s| manufacturer.mint(s)).collect::<Result<_, _>>())
            .await
            .map_err(|e| AgentError::Config(format!("minting: {e}")))??;
    let mint_s = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let registered = register::register(&plan.registrar, &serials, plan.masa.as_ref()).await?;
    let preparation = Preparation {
        minted: serials.len(),
        mint_s,
        device_type: registered.device_type,
        created: registered.created,
        replaced: registered.replaced,
        vouchers: registered.vouchers,
        register_s: started.elapsed().as_secs_f64(),
    };
    Ok((identities.into_iter().map(SimDevice::Minted).collect(), preparation))
}

/// Runs the simulation.
pub async fn simulate(config: SimConfig) -> Summary {
    let started = Instant::now();
    let config = Arc::new(config);
    let gate = Arc::new(Semaphore::new(config.concurrency.max(1)));
    let done = Arc::new(AtomicUsize::new(0));
    let mut tasks = tokio::task::JoinSet::new();
    for source in config.devices.clone() {
        let (config, gate, done) = (config.clone(), gate.clone(), done.clone());
        tasks.spawn(async move {
            let _permit = gate.acquire_owned().await;
            let mut timings = Timings::default();
            let result = device(&config, source, &mut timings).await;
            let n = done.fetch_add(1, Ordering::Relaxed) + 1;
            if config.progress {
                bar(n, config.devices.len());
            }
            (result, timings)
        });
    }
    let (mut completed, mut failed, mut requests) = (0, BTreeMap::new(), 0);
    let mut samples: BTreeMap<&'static str, Vec<Duration>> = BTreeMap::new();
    while let Some(joined) = tasks.join_next().await {
        let (result, timings) = match joined {
            Ok(r) => r,
            Err(e) => (Err(AgentError::Config(format!("task: {e}"))), Timings::default()),
        };
        requests += timings.requests;
        for (step, d) in timings.steps {
            samples.entry(step).or_default().push(d);
        }
        match result {
            Ok(()) => completed += 1,
            Err(e) => *failed.entry(format!("{}: {}", e.class(), first_line(&e.to_string()))).or_insert(0) += 1,
        }
    }
    if config.progress && std::io::stderr().is_terminal() {
        eprintln!();
    }
    let elapsed = started.elapsed().as_secs_f64();
    Summary {
        devices: config.devices.len(),
        completed,
        failed,
        elapsed_s: elapsed,
        requests,
        requests_per_s: if elapsed > 0.0 { requests as f64 / elapsed } else { 0.0 },
        steps: samples.into_iter().map(|(k, v)| (k.to_owned(), percentiles(v))).collect(),
        preparation: None,
    }
}

fn first_line(s: &str) -> String {
    s.lines().next().unwrap_or_default().chars().take(160).collect()
}

fn bar(done: usize, total: usize) {
    let mut err = std::io::stderr();
    if !err.is_terminal() || total == 0 {
        return;
    }
    let width = 40;
    let filled = done * width / total;
    let _ = write!(err, "\r[{}{}] {done}/{total}", "#".repeat(filled), ".".repeat(width - filled));
    let _ = err.flush();
}

/// Percentiles by nearest rank.
pub fn percentiles(mut v: Vec<Duration>) -> Percentiles {
    v.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let at = |q: f64| {
        if v.is_empty() {
            return 0.0;
        }
        let rank = ((q * v.len() as f64).ceil() as usize).clamp(1, v.len());
        ms(v[rank - 1])
    };
    Percentiles {
        count: v.len(),
        p50_ms: at(0.5),
        p90_ms: at(0.9),
        p99_ms: at(0.99),
        max_ms: v.last().map(|d| ms(*d)).unwrap_or(0.0),
    }
}

/// One virtual device: bootstrap, virtual reboot after an image, bootstrap again, complete.
async fn device(config: &SimConfig, source: SimDevice, t: &mut Timings) -> Result<(), AgentError> {
    let mut identity = match source {
        SimDevice::Minted(identity) => identity,
        SimDevice::Directory(dir) => {
            let serial = dir.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_owned();
            Identity::from_files(&serial, &dir.join("idevid.pem"), &dir.join("idevid.key"))?
        }
    };
    identity.hw_model = "simulated".into();
    (identity.os_name, identity.os_version) = config.os.clone();
    for _boot in 0..2 {
        if !boot(config, &mut identity, t).await? {
            return Ok(());
        }
    }
    Err(AgentError::Image("the image was still required after the virtual reboot".into()))
}

/// One boot's bootstrapping; `Ok(true)`: an image was installed and the device reboots.
async fn boot(config: &SimConfig, identity: &mut Identity, t: &mut Timings) -> Result<bool, AgentError> {
    let mut server = config.server.clone();
    for _ in 0..=10 {
        let start = Instant::now();
        let mut client = ServerClient::new(identity, &server.url, &server.anchors, config.timeout)?;
        client.discover_root().await?;
        let input = GetBootstrappingDataInput {
            signed_data_preferred: !client.trusted,
            hw_model: Some(identity.hw_model.clone()),
            os_name: Some(identity.os_name.clone()),
            os_version: Some(identity.os_version.clone()),
            ..GetBootstrappingDataInput::default()
        };
        let output = client.get_bootstrapping_data(&input).await?;
        t.time("get-bootstrapping-data", start, 2);
        let start = Instant::now();
        let accepted = accept(&output, identity, &config.manufacturer_anchors, client.trusted)?;
        t.time("verification", start, 0);
        let info = match accepted.info {
            ConveyedInformation::Redirect(r) => {
                let s = r.bootstrap_servers.first().ok_or_else(|| AgentError::Server("empty redirect".into()))?;
                let anchors = match &s.trust_anchor {
                    Some(cms) => {
                        sztp_protocol::cms::certs_only::parse_certs_only(cms)
                            .map_err(|e| AgentError::Server(format!("redirect trust anchor: {e}")))?
                            .certificates
                    }
                    None => Vec::new(),
                };
                let host = if s.address.contains(':') { format!("[{}]", s.address) } else { s.address.clone() };
                let url = s.port.map(|p| format!("https://{host}:{p}")).unwrap_or_else(|| format!("https://{host}"));
                server = ServerEntry::server(url, anchors, "redirect");
                continue;
            }
            ConveyedInformation::Onboarding(info) => info,
        };
        let verbose = output.reporting_level == Some(ReportingLevel::Verbose);
        let reporter = Reporter { client: client.trusted.then_some(&client), verbose };
        let reports = |kind: ProgressType| usize::from(client.trusted && (verbose || kind.is_terminal()));
        let start = Instant::now();
        reporter.send(ProgressType::BootstrapInitiated, None, None).await?;
        t.time("report-progress", start, usize::from(client.trusted));
        if let Some(image) = &info.boot_image
            && (image.os_name.as_deref() != Some(identity.os_name.as_str())
                || image.os_version.as_deref() != Some(identity.os_version.as_str()))
        {
            let start = Instant::now();
            let mut bytes = None;
            for uri in &image.download_uri {
                if let Ok(r) = client.http().get(uri).send().await.and_then(|r| r.error_for_status())
                    && let Ok(b) = r.bytes().await
                {
                    bytes = Some(b);
                    break;
                }
            }
            let bytes = bytes.ok_or_else(|| AgentError::Image("no download URI worked".into()))?;
            let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, &bytes);
            let matches = image
                .image_verification
                .iter()
                .any(|v| v.hash_algorithm == HashAlgorithm::Sha256 && v.hash_value == digest.as_ref());
            t.time("image-download", start, image.download_uri.len().min(1));
            if !matches {
                reporter.send(ProgressType::BootImageMismatch, None, None).await?;
                return Err(AgentError::Image("the downloaded image does not match its SHA-256".into()));
            }
            reporter.send(ProgressType::BootImageInstalledRebooting, None, None).await?;
            t.requests += reports(ProgressType::BootImageInstalledRebooting);
            identity.os_name = image.os_name.clone().unwrap_or_default();
            identity.os_version = image.os_version.clone().unwrap_or_default();
            return Ok(true);
        }
        let start = Instant::now();
        let mut kinds = Vec::new();
        if info.pre_configuration_script.is_some() {
            kinds.extend([ProgressType::PreScriptInitiated, ProgressType::PreScriptComplete]);
        }
        if info.configuration.is_some() {
            kinds.extend([ProgressType::ConfigInitiated, ProgressType::ConfigComplete]);
        }
        if info.post_configuration_script.is_some() {
            kinds.extend([ProgressType::PostScriptInitiated, ProgressType::PostScriptComplete]);
        }
        for kind in kinds {
            reporter.send(kind, None, None).await?;
            t.requests += reports(kind);
        }
        let complete = ReportProgressInput {
            progress_type: ProgressType::BootstrapComplete,
            message: None,
            ssh_host_keys: Vec::new(),
            trust_anchor_certs: Vec::new(),
        };
        reporter.send(ProgressType::BootstrapComplete, None, Some(complete)).await?;
        t.time("onboarding-reports", start, reports(ProgressType::BootstrapComplete));
        return Ok(false);
    }
    Err(AgentError::Redirects(10))
}

/// Prints a summary for people.
pub fn print_summary(s: &Summary) {
    if let Some(p) = &s.preparation {
        outln!("minted:     {} IDevIDs in {:.2} s", p.minted, p.mint_s);
        outln!(
            "registered: {} devices of type {} ({} new, {} replaced), {} vouchers in {:.2} s",
            p.created + p.replaced,
            p.device_type,
            p.created,
            p.replaced,
            p.vouchers,
            p.register_s
        );
    }
    outln!("devices:    {}", s.devices);
    outln!("completed:  {}", s.completed);
    outln!("failed:     {}", s.devices - s.completed);
    for (reason, n) in &s.failed {
        outln!("  {n:>6}  {reason}");
    }
    outln!("elapsed:    {:.2} s", s.elapsed_s);
    outln!("requests:   {} ({:.0} per second)", s.requests, s.requests_per_s);
    outln!("{:<24} {:>7} {:>9} {:>9} {:>9} {:>9}", "step (ms)", "count", "p50", "p90", "p99", "max");
    for (step, p) in &s.steps {
        outln!("{step:<24} {:>7} {:>9.1} {:>9.1} {:>9.1} {:>9.1}", p.count, p.p50_ms, p.p90_ms, p.p99_ms, p.max_ms);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_use_nearest_rank() {
        let v: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        let p = percentiles(v);
        assert_eq!((p.count, p.p50_ms, p.p90_ms, p.p99_ms, p.max_ms), (100, 50.0, 90.0, 99.0, 100.0));
        assert_eq!(percentiles(Vec::new()).p50_ms, 0.0);
    }
}
