//! The printed result: one line per row with its ratio to the reference row, the machine, the
//! date and the commit; the same as JSON with `run --json FILE`.

use std::process::Command;

use serde::Serialize;

use crate::load::LoadReport;

/// One row of the table.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Row {
    /// Row id of issue #12 (REF, B1 …).
    pub(crate) id: String,
    /// What it measures.
    pub(crate) workload: String,
    /// Database it ran on.
    pub(crate) database: String,
    /// The load driver's report, for load rows.
    pub(crate) load: Option<LoadReport>,
    /// Throughput relative to the REF row of the same database.
    pub(crate) vs_ref: Option<f64>,
    /// The measured value, for rows that are not load (B5 ratios, B6 memory, B7 storm, B8 start-up).
    pub(crate) result: Option<String>,
    /// The target.
    pub(crate) target: String,
    /// The row could not be measured (transport errors, a failed process).
    pub(crate) failed: bool,
}

/// Where and when the run happened.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Machine {
    /// `nproc`.
    pub(crate) cpus: usize,
    /// CPU model from /proc/cpuinfo.
    pub(crate) cpu_model: String,
    /// UTC date and time.
    pub(crate) date: String,
    /// `git rev-parse --short HEAD`, with `+dirty` for uncommitted changes.
    pub(crate) commit: String,
}

impl Machine {
    /// Reads the machine description.
    pub(crate) fn detect() -> Machine {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let cpu_model = cpuinfo
            .lines()
            .find(|l| l.starts_with("model name"))
            .and_then(|l| l.split_once(':'))
            .map_or_else(|| "unknown".to_owned(), |(_, m)| m.trim().to_owned());
        let git = |args: &[&str]| {
            Command::new("git").args(args).output().ok().map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        };
        let mut commit = git(&["rev-parse", "--short", "HEAD"]).unwrap_or_default();
        if git(&["status", "--porcelain", "--untracked-files=no"]).is_some_and(|s| !s.is_empty()) {
            commit.push_str("+dirty");
        }
        let date =
            time::OffsetDateTime::now_utc().format(&time::format_description::well_known::Rfc3339).unwrap_or_default();
        Machine { cpus: std::thread::available_parallelism().map_or(0, usize::from), cpu_model, date, commit }
    }
}

/// Prints the table.
pub(crate) fn print(machine: &Machine, rows: &[Row]) {
    println!();
    println!("machine: {} CPUs, {}; date {}; commit {}", machine.cpus, machine.cpu_model, machine.date, machine.commit);
    println!(
        "{:<6} {:<58} {:>9} {:>8} {:>8} {:>7} {:>7}  target",
        "row", "workload", "req/s", "p50 ms", "p99 ms", "errors", "vs REF"
    );
    for row in rows {
        let workload = format!("{} [{}]", row.workload, row.database);
        match (&row.load, &row.result) {
            (Some(l), _) => println!(
                "{:<6} {:<58} {:>9.0} {:>8.2} {:>8.2} {:>7} {:>7}  {}",
                row.id,
                workload,
                l.rps,
                l.p50_ms,
                l.p99_ms,
                l.errors,
                row.vs_ref.map_or_else(|| "-".to_owned(), |r| format!("{:.1}%", r * 100.0)),
                row.target
            ),
            (None, Some(result)) => println!("{:<6} {:<58} {:>43}  {}", row.id, workload, result, row.target),
            (None, None) => println!("{:<6} {:<58} {:>43}  {}", row.id, workload, "FAILED", row.target),
        }
    }
    for row in rows.iter().filter_map(|r| r.load.as_ref().map(|l| (r, l))) {
        let (row, load) = row;
        let odd: Vec<String> =
            load.statuses.iter().filter(|(s, _)| !(200..300).contains(*s)).map(|(s, n)| format!("{s}×{n}")).collect();
        if !odd.is_empty() || load.transport_errors > 0 {
            println!(
                "  {} [{}]: statuses {}; {} transport errors{}",
                row.id,
                row.database,
                odd.join(" "),
                load.transport_errors,
                load.last_error.as_deref().map(|e| format!(" (last: {e})")).unwrap_or_default()
            );
        }
    }
}
