//! `sztpctl log`: the paginated bootstrapping and audit logs (`limit`, `offset`, `direction`,
//! `serial`, `since`, `until`), printed once or followed by polling.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::{Client, cell, encode, say, tenant_path};
use crate::CtlError;
use crate::cli::LogCommand;

/// Entries this much older than the newest one seen are fetched again on each poll, so an entry
/// committed late (its time is taken before its transaction ends) is not missed.
const OVERLAP: Duration = Duration::from_secs(5);
/// Entries per request while following.
const PAGE: u64 = 1000;

/// Runs one `log` subcommand.
pub fn run(client: &Client, tenant: &str, command: &LogCommand, json_out: bool) -> Result<(), CtlError> {
    match command {
        LogCommand::Bootstrap { device, limit, follow: false, .. } => {
            print_page(client, tenant, false, device.as_deref(), *limit, json_out)
        }
        LogCommand::Bootstrap { device, limit, follow: true, interval, follow_for } => {
            let stop = follow_for.map(|d| Instant::now() + d);
            follow(client, tenant, device.as_deref(), *limit, *interval, stop, json_out)
        }
        LogCommand::Audit { limit } => print_page(client, tenant, true, None, *limit, json_out),
    }
}

fn query(client: &Client, tenant: &str, log: &str, params: &str) -> Result<Vec<Value>, CtlError> {
    let reply = client.call(Method::GET, &format!("{}?{params}", tenant_path(tenant, log)), None)?;
    Ok(reply.body[format!("sztp-server:{log}")]["entry"].as_array().cloned().unwrap_or_default())
}

/// One table line of an entry.
fn line(audit: bool, e: &Value) -> String {
    if audit {
        format!(
            "{} {:<12} {:<6} {} {} {}",
            cell(&e["time"]),
            cell(&e["principal"]),
            cell(&e["method"]),
            cell(&e["status"]),
            cell(&e["path"]),
            cell(&e["source"])
        )
    } else {
        let mut text = format!(
            "{} {:<12} {:<24} {} {}",
            cell(&e["time"]),
            cell(&e["serial"]),
            cell(&e["operation"]),
            cell(&e["status"]),
            cell(&e["outcome"])
        );
        if let Some(p) = e["progress-type"].as_str() {
            text.push_str(&format!(" [{p}]"));
        }
        if let Some(m) = e["message"].as_str() {
            text.push_str(&format!(" {m}"));
        }
        text
    }
}

/// `log bootstrap|audit`: newest first, as a table or a JSON array.
fn print_page(
    client: &Client,
    tenant: &str,
    audit: bool,
    device: Option<&str>,
    limit: u64,
    json_out: bool,
) -> Result<(), CtlError> {
    let name = if audit { "audit-log" } else { "bootstrapping-log" };
    let mut params = format!("limit={limit}");
    if let Some(sn) = device {
        params.push_str(&format!("&serial={}", encode(sn)));
    }
    let entries = query(client, tenant, name, &params)?;
    if json_out {
        return crate::print_json(&entries);
    }
    for e in entries {
        outln!("{}", line(audit, &e));
    }
    Ok(())
}

fn entry_time(e: &Value) -> Option<OffsetDateTime> {
    e["time"].as_str().and_then(|t| OffsetDateTime::parse(t, &Rfc3339).ok())
}

/// What has been printed: entry ids within [`OVERLAP`] of the newest time seen.
#[derive(Default)]
struct Seen {
    newest: Option<OffsetDateTime>,
    ids: HashMap<String, OffsetDateTime>,
}

impl Seen {
    /// Records an entry; `false` if it was printed before.
    fn insert(&mut self, e: &Value) -> bool {
        let (Some(id), Some(t)) = (e["id"].as_str(), entry_time(e)) else { return true };
        if self.ids.insert(id.to_owned(), t).is_some() {
            return false;
        }
        self.newest = Some(self.newest.map_or(t, |n| n.max(t)));
        true
    }

    /// The `since` of the next poll, forgetting ids that are older than it.
    fn since(&mut self) -> Option<OffsetDateTime> {
        let since = self.newest? - OVERLAP;
        self.ids.retain(|_, t| *t >= since);
        Some(since)
    }
}

/// `log bootstrap --follow`: prints the last `backlog` entries oldest first, then polls every
/// `interval` for newer ones until `stop` (or until interrupted, or stdout is closed).
fn follow(
    client: &Client,
    tenant: &str,
    device: Option<&str>,
    backlog: u64,
    interval: Duration,
    stop: Option<Instant>,
    json_out: bool,
) -> Result<(), CtlError> {
    let log = "bootstrapping-log";
    let serial = device.map(|sn| format!("&serial={}", encode(sn))).unwrap_or_default();
    let show = |e: &Value| if json_out { say(&e.to_string()) } else { say(&line(false, e)) };
    let mut seen = Seen::default();
    // With no backlog wanted, the newest entry still marks where following starts.
    let mut first = query(client, tenant, log, &format!("limit={}&direction=descending{serial}", backlog.max(1)))?;
    first.reverse();
    for e in &first {
        if seen.insert(e) && backlog > 0 && !show(e) {
            return Ok(());
        }
    }
    eprintln!("following the bootstrapping log (Ctrl-C to stop)");
    loop {
        let now = Instant::now();
        let wait = stop.map_or(interval, |s| interval.min(s.saturating_duration_since(now)));
        if stop.is_some_and(|s| now >= s) {
            return Ok(());
        }
        std::thread::sleep(wait);
        let since = seen
            .since()
            .and_then(|t| t.format(&Rfc3339).ok())
            .map(|t| format!("&since={}", encode(&t)))
            .unwrap_or_default();
        let mut offset = 0;
        loop {
            let params = format!("limit={PAGE}&offset={offset}&direction=ascending{since}{serial}");
            let page = query(client, tenant, log, &params)?;
            for e in &page {
                if seen.insert(e) && !show(e) {
                    return Ok(());
                }
            }
            if (page.len() as u64) < PAGE {
                break;
            }
            offset += PAGE;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn entries_are_printed_once_and_old_ids_forgotten() {
        let mut seen = Seen::default();
        let e = |id: &str, t: &str| json!({ "id": id, "time": t });
        assert!(seen.insert(&e("1", "2026-01-01T00:00:00Z")));
        assert!(seen.insert(&e("2", "2026-01-01T00:00:10.5Z")));
        assert!(!seen.insert(&e("1", "2026-01-01T00:00:00Z")));
        let since = seen.since().expect("a time");
        assert_eq!(since.format(&Rfc3339).ok().as_deref(), Some("2026-01-01T00:00:05.5Z"));
        assert_eq!(seen.ids.len(), 1, "entry 1 is older than the overlap");
        // A late entry inside the overlap is new; one seen before is not.
        assert!(seen.insert(&e("3", "2026-01-01T00:00:09Z")));
        assert!(!seen.insert(&e("2", "2026-01-01T00:00:10.5Z")));
        assert_eq!(Seen::default().since(), None);
    }

    #[test]
    fn bootstrap_lines_carry_progress_and_message() {
        let e = json!({"time": "t", "serial": "SN-1", "operation": "report-progress", "status": 204,
                       "outcome": "ok", "progress-type": "bootstrap-complete", "message": "done"});
        let text = line(false, &e);
        assert!(text.contains("SN-1") && text.ends_with("[bootstrap-complete] done"), "{text}");
    }
}
