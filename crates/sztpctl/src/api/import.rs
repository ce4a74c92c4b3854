//! `sztpctl device import`: reads CSV or JSON, sends batches to the `devices/import` action,
//! draws a progress bar on a terminal's stderr and ends with a summary whose failures name the
//! input line.

use std::io::Read;
use std::time::Instant;

use reqwest::Method;
use serde_json::{Value, json};
use sztp_protocol::model::northbound::import::ImportOutput;

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
        let fields = csv_fields(line).map_err(|e| CtlError::input(format!("{file}: line {}: {e}", n + 1)))?;
        for (name, value) in header.iter().zip(fields.iter().map(String::as_str)) {
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

/// The fields of one CSV line: comma-separated and trimmed, or in double quotes (`""` inside is
/// a quote), which lets a value hold commas (an argon2 hash does: `m=19456,t=2,p=1`).
fn csv_fields(line: &str) -> Result<Vec<String>, String> {
    let mut fields = Vec::new();
    let mut rest = line;
    loop {
        let trimmed = rest.trim_start();
        if let Some(quoted) = trimmed.strip_prefix('"') {
            let mut value = String::new();
            let mut chars = quoted.char_indices();
            let after = loop {
                match chars.next() {
                    Some((i, '"')) if quoted[i + 1..].starts_with('"') => {
                        value.push('"');
                        chars.next();
                    }
                    Some((i, '"')) => break &quoted[i + 1..],
                    Some((_, c)) => value.push(c),
                    None => return Err("a quoted field has no closing quote".into()),
                }
            };
            fields.push(value);
            let after = after.trim_start();
            match after.strip_prefix(',') {
                Some(next) => rest = next,
                None if after.is_empty() => return Ok(fields),
                None => return Err("text after a closing quote".into()),
            }
        } else {
            match rest.split_once(',') {
                Some((value, next)) => {
                    fields.push(value.trim().to_owned());
                    rest = next;
                }
                None => {
                    fields.push(rest.trim().to_owned());
                    return Ok(fields);
                }
            }
        }
    }
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
        let out = ImportOutput::from_document(&reply.body)
            .map_err(|e| CtlError::Refused(format!("unexpected reply to devices/import: {e}")))?;
        created += u64::from(out.created);
        replaced += u64::from(out.replaced);
        skipped += u64::from(out.skipped);
        for f in out.failures {
            let line = usize::try_from(f.index).ok().and_then(|i| chunk.get(i)).map_or(0, |r| r.line);
            failures.push((line, f.serial.unwrap_or_else(|| "-".to_owned()), f.reason));
        }
        progress.update((n * batch + chunk.len()).min(rows.len()));
    }
    progress.finish();
    let seconds = started.elapsed().as_secs_f64();
    if json_out {
        let failed: Vec<Value> =
            failures.iter().map(|(l, s, r)| json!({"line": l, "serial": s, "reason": r})).collect();
        outln!(
            "{}",
            json!({"created": created, "replaced": replaced, "skipped": skipped, "failed": failed, "seconds": seconds})
        );
    } else {
        outln!(
            "created {created}, replaced {replaced}, skipped {skipped}, failed {} in {seconds:.1} s",
            failures.len()
        );
        for (line, serial, reason) in &failures {
            outln!("  line {line}: {serial}: {reason}");
        }
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(CtlError::Refused(format!("{} devices were not imported", failures.len())))
    }
}

#[cfg(test)]
mod tests {
    use super::csv_fields;

    #[test]
    fn csv_fields_are_plain_or_quoted() {
        let ok = |l: &str| csv_fields(l).unwrap_or_else(|e| panic!("{l}: {e}"));
        assert_eq!(ok("SN-1, demo ,"), ["SN-1", "demo", ""]);
        assert_eq!(
            ok(r#"SN-1,"$argon2id$v=19$m=8,t=1,p=1$c2FsdA$aGFzaA""#),
            ["SN-1", "$argon2id$v=19$m=8,t=1,p=1$c2FsdA$aGFzaA"]
        );
        assert_eq!(ok(r#""say ""hi""", x"#), [r#"say "hi""#, "x"]);
        assert!(csv_fields(r#""open"#).is_err());
        assert!(csv_fields(r#""a"b,c"#).is_err());
    }
}
