//! `sztp-agent simulate`: N virtual devices through the agent's own flow against a server (see
//! [`virtual_device`]), and a summary. Devices come from credential directories, or are minted
//! and registered first ([`prepare`]).

pub(crate) mod mint;
pub(crate) mod register;
mod virtual_device;

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde::Serialize;
use sztp_protocol::x509::Certificate;
use tokio::sync::Semaphore;

use crate::error::AgentError;
use crate::identity::Identity;
use crate::session::ServerEntry;
use virtual_device::Timings;

/// Where a virtual device's identity comes from.
#[derive(Debug, Clone)]
pub(crate) enum SimDevice {
    /// A credential directory (idevid.pem, idevid.key), read when the device starts.
    Directory(PathBuf),
    /// An identity minted in memory.
    Minted(Identity),
}

/// Devices to mint and register before the run.
#[derive(Debug)]
pub(crate) struct MintPlan {
    /// The CA that issues the IDevIDs.
    pub(crate) manufacturer: mint::Manufacturer,
    /// The voucher signer, when the devices need vouchers.
    pub(crate) masa: Option<mint::Masa>,
    /// Serial numbers are this prefix and a number.
    pub(crate) serial_prefix: String,
    /// How many devices.
    pub(crate) count: usize,
    /// The server's northbound API.
    pub(crate) registrar: register::Registrar,
}

/// What the preparation step did, for the summary.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Preparation {
    /// IDevIDs minted.
    pub(crate) minted: usize,
    /// Time minting took, seconds.
    pub(crate) mint_s: f64,
    /// Device type of the registered devices.
    pub(crate) device_type: String,
    /// Devices created on the server.
    pub(crate) created: u64,
    /// Devices that existed and were replaced.
    pub(crate) replaced: u64,
    /// Vouchers signed and uploaded.
    pub(crate) vouchers: usize,
    /// Time registration (devices and vouchers) took, seconds.
    pub(crate) register_s: f64,
}

/// What to simulate.
#[derive(Debug, Clone)]
pub(crate) struct SimConfig {
    /// The bootstrap server.
    pub(crate) server: ServerEntry,
    /// The virtual devices.
    pub(crate) devices: Vec<SimDevice>,
    /// Devices in flight at once.
    pub(crate) concurrency: usize,
    /// Manufacturer anchors for vouchers.
    pub(crate) manufacturer_anchors: Vec<Certificate>,
    /// OS the virtual devices start with.
    pub(crate) os: (String, String),
    /// HTTP timeout.
    pub(crate) timeout: Duration,
    /// Draw a progress bar on stderr (when it is a terminal).
    pub(crate) progress: bool,
}

/// Latency percentiles of one step, in milliseconds.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Percentiles {
    /// Samples.
    pub(crate) count: usize,
    /// Median.
    pub(crate) p50_ms: f64,
    /// 90th percentile.
    pub(crate) p90_ms: f64,
    /// 99th percentile.
    pub(crate) p99_ms: f64,
    /// Slowest.
    pub(crate) max_ms: f64,
}

/// The outcome of a simulation.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Summary {
    /// Devices simulated.
    pub(crate) devices: usize,
    /// Devices that completed.
    pub(crate) completed: usize,
    /// Failures by class and message.
    pub(crate) failed: BTreeMap<String, usize>,
    /// Wall-clock time, seconds.
    pub(crate) elapsed_s: f64,
    /// HTTP requests made.
    pub(crate) requests: usize,
    /// Requests per second.
    pub(crate) requests_per_s: f64,
    /// Per-step latencies.
    pub(crate) steps: BTreeMap<String, Percentiles>,
    /// Minting and registration, when the devices were minted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) preparation: Option<Preparation>,
}

/// The device directories of a quickstart demo (or of any directory of device directories).
pub(crate) fn device_dirs(credentials: &Path) -> Result<Vec<PathBuf>, AgentError> {
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
pub(crate) async fn prepare(plan: MintPlan) -> Result<(Vec<SimDevice>, Preparation), AgentError> {
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
pub(crate) async fn simulate(config: SimConfig) -> Summary {
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
pub(crate) fn percentiles(mut v: Vec<Duration>) -> Percentiles {
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

/// One virtual device, from its identity's source to completion.
async fn device(config: &SimConfig, source: SimDevice, timings: &mut Timings) -> Result<(), AgentError> {
    let mut identity = match source {
        SimDevice::Minted(identity) => identity,
        SimDevice::Directory(dir) => {
            let serial = dir.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_owned();
            Identity::from_files(&serial, &dir.join("idevid.pem"), &dir.join("idevid.key"))?
        }
    };
    identity.hw_model = "simulated".into();
    (identity.os_name, identity.os_version) = config.os.clone();
    virtual_device::bootstrap(identity, &config.server, &config.manufacturer_anchors, config.timeout, timings).await
}

/// Prints a summary for people.
pub(crate) fn print_summary(s: &Summary) {
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
