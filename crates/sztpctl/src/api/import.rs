//! `sztpctl device import`: reads CSV or JSON, sends batches to the `devices/import` action,
//! draws a progress bar on a terminal's stderr and ends with a summary whose failures name the
//! input line.

use std::io::Read;
use std::time::Instant;

use reqwest::Method;
use serde_json::{Value, json};

use super::progress::Progress;
use super::{Client, tenant_path};
use crate::CtlError;

/// One device to import and where it came from (1-based line or list position).
struct Row {
    line: usize,
    entry: Value,
}

fn read_rows(file: &str) -> Result<Vec<Row>, CtlError> {
    let mut text = String::new();
    if file == "-" {
        std::io::stdin().read_to_string(&mut text).map_err(CtlError::input)?;
    } else {
        text = std::fs::read_to_string(file).map_err(|e| CtlError::input(format!("{file}: {e}")))?;
    }
    if file.ends_with(".json") || text.trim_start().starts_with('[') {
        let list: Vec<Value> = serde_json::from_str(&text).map_err(|e| CtlError::input(format!("{file}: {e}")))?;
        return Ok(list.into_iter().enumerate().map(|(i, entry)| Row { line: i + 1, entry }).collect());
    }
    let mut rows = Vec::new();
    let mut lines = text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty() && !l.starts_with('#'));
    let header: Vec<String> = match lines.next() {
        Some((_, h)) => h.split(',').map(|c| c.trim().to_ascii_lowercase()).collect(),
        None => return Ok(rows),
    };
    if header.first().map(String::as_str) != Some("serial") {
        return Err(CtlError::input(format!("{file}: the first line must be a header starting with \"serial\"")));
    }
    for (n, line) in lines {
        let mut entry = serde_json::Map::new();
        for (name, value) in header.iter().zip(line.split(',').map(str::trim)) {
            match (name.as_str(), value) {
                (_, "") => {}
                ("enabled", v) => {
                    entry.insert("enabled".into(), json!(matches!(v, "true" | "yes" | "1")));
                }
                (name, v) => {
                    entry.insert(name.to_owned(), json!(v));
                }
            }
        }
        rows.push(Row { line: n + 1, entry: Value::Object(entry) });
    }
    Ok(rows)
}

/// Runs the import; exit status 3 if any device failed.
pub fn run(
    client: &Client,
    tenant: &str,
    file: &str,
    on_conflict: &str,
    batch: usize,
    json_out: bool,
) -> Result<(), CtlError> {
    let rows = read_rows(file)?;
    let started = Instant::now();
    let progress = Progress::new(rows.len(), "devices");
    progress.update(0);
    let path = tenant_path(tenant, "devices/import");
    let (mut created, mut replaced, mut skipped) = (0u64, 0u64, 0u64);
    let mut failures: Vec<(usize, String, String)> = Vec::new();
    for (n, chunk) in rows.chunks(batch.max(1)).enumerate() {
        let devices: Vec<&Value> = chunk.iter().map(|r| &r.entry).collect();
        let body = json!({ "sztp-server:input": { "on-conflict": on_conflict, "device": devices } });
        let reply = client.call(Method::POST, &path, Some(body.to_string().into_bytes()))?;
        let out = &reply.body["sztp-server:output"];
        created += out["created"].as_u64().unwrap_or(0);
        replaced += out["replaced"].as_u64().unwrap_or(0);
        skipped += out["skipped"].as_u64().unwrap_or(0);
        for f in out["failure"].as_array().into_iter().flatten() {
            let index = f["index"].as_u64().unwrap_or(0) as usize;
            let line = chunk.get(index).map_or(0, |r| r.line);
            let serial = f["serial"].as_str().unwrap_or("-").to_owned();
            failures.push((line, serial, f["reason"].as_str().unwrap_or("").to_owned()));
        }
        progress.update((n * batch + chunk.len()).min(rows.len()));
    }
    progress.finish();
    let seconds = started.elapsed().as_secs_f64();
    if json_out {
        let failed: Vec<Value> =
            failures.iter().map(|(l, s, r)| json!({"line": l, "serial": s, "reason": r})).collect();
        println!(
            "{}",
            json!({"created": created, "replaced": replaced, "skipped": skipped, "failed": failed, "seconds": seconds})
        );
    } else {
        println!(
            "created {created}, replaced {replaced}, skipped {skipped}, failed {} in {seconds:.1} s",
            failures.len()
        );
        for (line, serial, reason) in &failures {
            println!("  line {line}: {serial}: {reason}");
        }
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(CtlError::Refused(format!("{} devices were not imported", failures.len())))
    }
}
