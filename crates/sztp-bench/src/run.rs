//! `sztp-bench run`: prepares the empty and large databases, starts the server on each as its own
//! process, drives every row of issue #12 with `sztp-bench load` in another, and prints the table.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;

use crate::load::LoadReport;
use crate::prepare::{self, PrepareArgs};
use crate::report::{self, Machine, Row};
use crate::server::ServerProcess;
use crate::storm;

const GBD: &str = "/restconf/operations/ietf-sztp-bootstrap-server:get-bootstrapping-data";
const PROGRESS: &str = "/restconf/operations/ietf-sztp-bootstrap-server:report-progress";
const UNSIGNED: &str = r#"{"ietf-sztp-bootstrap-server:input":{}}"#;
const SIGNED: &str = r#"{"ietf-sztp-bootstrap-server:input":{"signed-data-preferred":[null]}}"#;
const NONCE: &str =
    r#"{"ietf-sztp-bootstrap-server:input":{"signed-data-preferred":[null],"nonce":"AAECAwQFBgcICQoLDA0ODw=="}}"#;
const REPORT: &str = r#"{"ietf-sztp-bootstrap-server:input":{"progress-type":"informational"}}"#;

/// Options of `sztp-bench run`.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct RunArgs {
    /// Directory holding the sztp-server and sztp-agent binaries.
    #[arg(long, default_value = "target/release")]
    pub(crate) bin_dir: PathBuf,
    /// Work directory: prepared databases (reused across runs), server logs, storm state.
    #[arg(long, default_value = "target/bench")]
    pub(crate) work: PathBuf,
    /// CI mode: about 2 s per row, a large database of 1,000 devices and 10,000 records, a storm of 100.
    #[arg(long)]
    pub(crate) quick: bool,
    /// Also write the rows, the machine and the phase times as JSON to FILE.
    #[arg(long, value_name = "FILE")]
    pub(crate) json: Option<PathBuf>,
    /// Measured seconds per row [default: 8; --quick: 2].
    #[arg(long)]
    pub(crate) duration: Option<f64>,
    /// Concurrent connections per row.
    #[arg(long, default_value_t = 64)]
    pub(crate) concurrency: u32,
    /// Devices with credentials used by the load, half unsigned, half signed [default: 128; --quick: 16].
    #[arg(long)]
    pub(crate) load_devices: Option<u32>,
    /// Extra devices in the large database [default: 100000; --quick: 1000].
    #[arg(long)]
    pub(crate) bulk_devices: Option<u32>,
    /// Bootstrapping-log records in the large database [default: 1000000; --quick: 10000].
    #[arg(long)]
    pub(crate) log_records: Option<u64>,
    /// Simulated devices in the storm (B7) [default: 10000; --quick: 100]; 0 skips it.
    #[arg(long)]
    pub(crate) storm_devices: Option<u32>,
}

struct Plan {
    exe: PathBuf,
    duration: f64,
    warmup: f64,
    concurrency: u32,
    devices: u32,
}

/// A load row: what to send, as whom.
struct Spec {
    id: &'static str,
    workload: &'static str,
    path: &'static str,
    body: Option<&'static str>,
    signed: bool,
    client_cert: bool,
    basic: bool,
    new_connection: bool,
    target: &'static str,
}

const fn spec(id: &'static str, workload: &'static str, path: &'static str, body: Option<&'static str>) -> Spec {
    Spec { id, workload, path, body, signed: false, client_cert: true, basic: false, new_connection: false, target: "" }
}

fn empty_rows() -> Vec<Spec> {
    vec![
        Spec { target: "reference", ..spec("REF", "GET /health, keep-alive, client cert", "/health", None) },
        Spec {
            target: ">= 15,000 req/s and >= 30% of REF",
            ..spec("B1", "get-bootstrapping-data, unsigned, IDevID, keep-alive", GBD, Some(UNSIGNED))
        },
        Spec {
            signed: true,
            target: ">= 80% of B1 (cached)",
            ..spec("B2", "get-bootstrapping-data, signed, IDevID, keep-alive", GBD, Some(SIGNED))
        },
        Spec {
            signed: true,
            target: ">= 5,000 req/s (fresh)",
            ..spec("B2n", "get-bootstrapping-data, signed, nonce, IDevID", GBD, Some(NONCE))
        },
        Spec {
            new_connection: true,
            target: ">= 1,500 req/s",
            ..spec("B3", "new mTLS connection + get-bootstrapping-data, unsigned", GBD, Some(UNSIGNED))
        },
        Spec {
            target: ">= 10,000 req/s",
            ..spec("B4", "report-progress (204), IDevID, keep-alive", PROGRESS, Some(REPORT))
        },
        Spec {
            signed: true,
            client_cert: false,
            basic: true,
            target: ">= 5,000 req/s",
            ..spec("B9", "get-bootstrapping-data, signed, HTTP Basic only", GBD, Some(SIGNED))
        },
    ]
}

/// Runs the harness; `Ok(false)` when a row had transport errors or a server failed.
pub(crate) async fn main(args: RunArgs) -> anyhow::Result<bool> {
    let q = args.quick;
    let devices = args.load_devices.unwrap_or(if q { 16 } else { 128 }).max(2);
    let bulk = args.bulk_devices.unwrap_or(if q { 1_000 } else { 100_000 });
    let records = args.log_records.unwrap_or(if q { 10_000 } else { 1_000_000 });
    let storm_devices = args.storm_devices.unwrap_or(if q { 100 } else { 10_000 });
    let plan = Plan {
        exe: std::env::current_exe()?,
        duration: args.duration.unwrap_or(if q { 2.0 } else { 8.0 }),
        warmup: if q { 0.5 } else { 1.0 },
        concurrency: args.concurrency,
        devices,
    };
    let server_bin = args.bin_dir.join("sztp-server");
    anyhow::ensure!(server_bin.is_file(), "{} not found (build it, or pass --bin-dir)", server_bin.display());
    std::fs::create_dir_all(&args.work)?;
    let work = std::fs::canonicalize(&args.work)?;
    let machine = Machine::detect();
    let mut phases: Vec<(String, f64)> = Vec::new();
    let mut rows: Vec<Row> = Vec::new();
    let mut ok = true;

    let dbs = [("empty", 0, 0), ("large", bulk, records)];
    for (name, bulk_devices, log_records) in dbs {
        let dir = work.join(format!("{name}-db"));
        let started = Instant::now();
        let prepare_args = PrepareArgs { dir: dir.clone(), devices, unsigned: None, bulk_devices, log_records };
        let made = prepare::prepare(&prepare_args).await.with_context(|| format!("preparing the {name} database"))?;
        phases.push((format!("prepare {name} ({})", if made { "created" } else { "reused" }), secs(started)));
        eprintln!("run: starting the server on the {name} database");
        let started = Instant::now();
        let server = match ServerProcess::start(&server_bin, &dir, devices).await {
            Ok(s) => s,
            Err(e) => {
                eprintln!("run: {e:#}");
                ok = false;
                rows.push(failed_row("B8", "start-up to serving", name, "< 300 ms (large)"));
                continue;
            }
        };
        phases.push((format!("server start {name}"), secs(started)));
        let idle = server.memory_mib("VmRSS:");
        rows.push(result_row(
            "B8",
            "start-up to serving (spawn to /health 200)",
            name,
            format!("{:.0} ms", server.startup.as_secs_f64() * 1000.0),
            "< 300 ms (large)",
        ));
        rows.push(result_row(
            "B6",
            "server RSS idle after start (VmRSS)",
            name,
            idle.map_or_else(|| "?".into(), |m| format!("{m:.1} MiB")),
            "< 30 MB",
        ));
        let specs: Vec<Spec> = if name == "empty" {
            empty_rows()
        } else {
            empty_rows().into_iter().filter(|s| matches!(s.id, "REF" | "B1" | "B4")).collect()
        };
        let mut reference: Option<f64> = None;
        for spec in specs {
            let started = Instant::now();
            eprintln!("run: {} on the {name} database", spec.id);
            let result = drive(&plan, &server, &dir, &spec).await;
            phases.push((format!("{} {name}", spec.id), secs(started)));
            let load = match result {
                Ok(load) => load,
                Err(e) => {
                    eprintln!("run: {} failed: {e:#}", spec.id);
                    ok = false;
                    rows.push(failed_row(spec.id, spec.workload, name, spec.target));
                    continue;
                }
            };
            if load.transport_errors > 0 || load.requests == 0 {
                ok = false;
            }
            if spec.id == "REF" {
                reference = Some(load.rps);
            }
            let id = if name == "large" && spec.id != "REF" { format!("B5/{}", spec.id) } else { spec.id.to_owned() };
            let target = if name == "large" && spec.id != "REF" { "within 10% of empty" } else { spec.target };
            rows.push(Row {
                id,
                workload: spec.workload.into(),
                database: name.into(),
                vs_ref: reference.filter(|r| *r > 0.0).map(|r| load.rps / r),
                failed: load.transport_errors > 0,
                load: Some(load),
                result: None,
                target: target.into(),
            });
            if name == "large" && spec.id == "B1" {
                let hwm = server.memory_mib("VmHWM:");
                rows.push(result_row(
                    "B6",
                    "server peak RSS after B1 load (VmHWM)",
                    name,
                    hwm.map_or_else(|| "?".into(), |m| format!("{m:.1} MiB")),
                    "< 100 MB",
                ));
            }
        }
        for line in server.problems().iter().take(10) {
            eprintln!("run: server [{name}]: {line}");
        }
        drop(server);
    }
    b5_ratios(&mut rows);

    if storm_devices > 0 {
        let started = Instant::now();
        match storm::run(&args.bin_dir, &work, storm_devices, plan.concurrency).await {
            Ok(row) => {
                ok &= !row.failed;
                rows.push(row);
            }
            Err(e) => {
                eprintln!("run: storm failed: {e:#}");
                ok = false;
                rows.push(failed_row("B7", "storm", "fresh", "all complete, 0 failures, < 60 s"));
            }
        }
        phases.push(("storm (B7)".into(), secs(started)));
    }

    report::print(&machine, &rows);
    println!("phases: {}", phases.iter().map(|(p, s)| format!("{p} {s:.1} s")).collect::<Vec<_>>().join("; "));
    if let Some(path) = &args.json {
        let json = serde_json::json!({ "machine": machine, "rows": rows, "phases": phases, "quick": q });
        std::fs::write(path, serde_json::to_string_pretty(&json)?)?;
    }
    Ok(ok)
}

async fn drive(plan: &Plan, server: &ServerProcess, dir: &Path, spec: &Spec) -> anyhow::Result<LoadReport> {
    let half = plan.devices / 2;
    let (first, count) = if spec.signed { (half + 1, plan.devices - half) } else { (1, half) };
    let mut cmd = tokio::process::Command::new(&plan.exe);
    cmd.arg("load")
        .arg(format!("https://127.0.0.1:{}{}", server.sbi_port, spec.path))
        .arg("--ca")
        .arg(dir.join("trust/server-ca.pem"))
        .arg("--credentials")
        .arg(dir)
        .args(["--first-device", &first.to_string(), "--devices", &count.to_string()])
        .args(["--concurrency", &plan.concurrency.to_string()])
        .args(["--duration", &plan.duration.to_string(), "--warmup", &plan.warmup.to_string(), "--json"]);
    if let Some(body) = spec.body {
        cmd.args(["--method", "post", "--body", body]);
    }
    for (on, flag) in
        [(spec.client_cert, "--client-cert"), (spec.basic, "--basic"), (spec.new_connection, "--new-connection")]
    {
        if on {
            cmd.arg(flag);
        }
    }
    let out = cmd.stderr(std::process::Stdio::inherit()).output().await.context("running sztp-bench load")?;
    anyhow::ensure!(out.status.success(), "sztp-bench load exited with {}", out.status);
    serde_json::from_slice(&out.stdout).context("reading the load report")
}

/// Adds the B5 ratios: each large-database row against the same row on the empty database.
fn b5_ratios(rows: &mut Vec<Row>) {
    let rps = |id: &str, db: &str| {
        rows.iter().find(|r| r.id == id && r.database == db).and_then(|r| r.load.as_ref()).map(|l| l.rps)
    };
    let mut extra = Vec::new();
    for id in ["B1", "B4"] {
        if let (Some(empty), Some(large)) = (rps(id, "empty"), rps(&format!("B5/{id}"), "large")) {
            let text = format!("{:.1}% of empty", large / empty.max(1e-9) * 100.0);
            extra.push(result_row("B5", &format!("{id} large / empty"), "large", text, "within 10%"));
        }
    }
    rows.extend(extra);
}

pub(crate) fn result_row(id: &str, workload: &str, database: &str, result: String, target: &str) -> Row {
    Row {
        id: id.into(),
        workload: workload.into(),
        database: database.into(),
        load: None,
        vs_ref: None,
        result: Some(result),
        target: target.into(),
        failed: false,
    }
}

pub(crate) fn failed_row(id: &str, workload: &str, database: &str, target: &str) -> Row {
    Row { result: None, failed: true, ..result_row(id, workload, database, String::new(), target) }
}

fn secs(started: Instant) -> f64 {
    started.elapsed().as_secs_f64()
}
