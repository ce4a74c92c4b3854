//! Row B7, the storm: `sztp-agent simulate` with minted devices against a fresh quickstart server
//! (from cold), after creating the first administrator over loopback on the northbound API.

use std::path::Path;
use std::time::Instant;

use anyhow::Context;
use bytes::Bytes;
use http::{Request, header};
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

use crate::report::Row;
use crate::run::result_row;
use crate::server::ServerProcess;

const ADMIN: &str = "bench";
const ADMIN_PASSWORD: &str = "bench-storm-password";

/// Runs the storm of `devices` simulated devices, `concurrency` at a time.
pub(crate) async fn run(bin_dir: &Path, work: &Path, devices: u32, concurrency: u32) -> anyhow::Result<Row> {
    let dir = work.join("storm-db");
    let state = work.join("storm-state");
    for d in [&dir, &state] {
        if d.exists() {
            std::fs::remove_dir_all(d)?;
        }
    }
    std::fs::create_dir_all(&state)?;
    eprintln!("run: storm of {devices} devices on a fresh database");
    let server = ServerProcess::start(&bin_dir.join("sztp-server"), &dir, 1).await?;
    let admin = format!(
        r#"{{"sztp-server:administrator":[{{"login":"{ADMIN}","password":"{ADMIN_PASSWORD}","access-level":"unrestricted"}}]}}"#
    );
    let status = post_plain(server.nbi_port, "/restconf/data/sztp-server:administrators", admin).await?;
    anyhow::ensure!((200..300).contains(&status), "creating the administrator answered {status}");
    let m = dir.join("manufacturer");
    let started = Instant::now();
    let out = tokio::process::Command::new(bin_dir.join("sztp-agent"))
        .arg("simulate")
        .arg("--server")
        .arg(format!("https://127.0.0.1:{}", server.sbi_port))
        .args(["--devices", &devices.to_string(), "--concurrency", &concurrency.to_string(), "--json"])
        .arg("--state-dir")
        .arg(&state)
        .arg("--server-trust")
        .arg(dir.join("trust/server-ca.pem"))
        .arg("--manufacturer-ca")
        .arg(m.join("device-ca.pem"))
        .arg("--manufacturer-key")
        .arg(m.join("device-ca.key"))
        .arg("--masa-cert")
        .arg(m.join("masa.pem"))
        .arg("--masa-key")
        .arg(m.join("masa.key"))
        .arg("--register")
        .arg(format!("http://127.0.0.1:{}", server.nbi_port))
        .args(["--admin-user", ADMIN])
        .env("SZTPCTL_PASSWORD", ADMIN_PASSWORD)
        .stderr(std::process::Stdio::inherit())
        .output()
        .await
        .context("running sztp-agent simulate")?;
    let wall = started.elapsed().as_secs_f64();
    for line in server.problems().iter().take(10) {
        eprintln!("run: server [storm]: {line}");
    }
    drop(server);
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout)
        .with_context(|| format!("reading the simulate summary (exit {})", out.status))?;
    let completed = summary["completed"].as_u64().unwrap_or(0);
    let failed: u64 = summary["failed"].as_object().map_or(0, |f| f.values().filter_map(|v| v.as_u64()).sum());
    let run_s = summary["elapsed_s"].as_f64().unwrap_or(0.0);
    let prep: Vec<String> = summary["preparation"]
        .as_object()
        .map(|p| {
            p.iter()
                .filter(|(k, _)| k.ends_with("_s"))
                .map(|(k, v)| format!("{k} {:.1} s", v.as_f64().unwrap_or(0.0)))
                .collect()
        })
        .unwrap_or_default();
    if failed > 0 {
        eprintln!("run: storm failures: {}", summary["failed"]);
    }
    let text = format!(
        "{completed}/{devices} ok, {failed} failed, {wall:.1} s wall ({run_s:.1} s bootstrap; {})",
        prep.join(", ")
    );
    let mut row = result_row(
        "B7",
        "storm: sztp-agent simulate, minted, signed, from cold",
        "fresh",
        text,
        "all complete, 0 failed, < 60 s",
    );
    row.failed = failed > 0 || completed < u64::from(devices);
    Ok(row)
}

/// A POST of JSON over plain HTTP on loopback (the first-use rule of the northbound API).
async fn post_plain(port: u16, path: &str, body: String) -> anyhow::Result<u16> {
    let tcp = TcpStream::connect(("127.0.0.1", port)).await?;
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tcp)).await?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    let req = Request::post(path)
        .header(header::HOST, format!("127.0.0.1:{port}"))
        .header(header::CONTENT_TYPE, "application/yang-data+json")
        .body(Full::new(Bytes::from(body)))?;
    let response = sender.send_request(req).await?;
    let status = response.status().as_u16();
    let text = response.into_body().collect().await?.to_bytes();
    if !(200..300).contains(&status) {
        eprintln!("run: northbound answered {status}: {}", String::from_utf8_lossy(&text));
    }
    Ok(status)
}
