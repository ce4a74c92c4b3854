//! `sztpctl log bootstrap --follow`: the backlog first, then entries as the device makes them.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use serde_json::Value;

use crate::helpers::{BIN, Ready, fails, text};
use crate::support;

async fn bootstrap(ready: &Ready) {
    let client = ready.demo.client(None);
    let password = ready.demo.password("SN-0001");
    let url = ready.demo.url(support::GBD);
    let (status, _, _) = support::post(&client, &url, Some(("SN-0001", &password)), None, None, Vec::new()).await;
    assert_eq!(status, 200);
}

/// Reads lines until one satisfies `wanted` (a closed stream fails the test).
fn read_until<R: BufRead>(reader: &mut R, wanted: impl Fn(&str) -> bool) -> String {
    let mut line = String::new();
    loop {
        line.clear();
        assert!(reader.read_line(&mut line).unwrap() > 0, "the stream ended");
        if wanted(&line) {
            return line;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn follow_prints_the_backlog_then_new_entries() {
    let ready = Ready::start().await;
    bootstrap(&ready).await;
    let mut child = Command::new(BIN)
        .env("XDG_CONFIG_HOME", ready.cfg())
        .env_remove("SZTPCTL_SERVER")
        .args(["--json", "log", "bootstrap", "--device", "SN-0001", "--follow", "--interval", "0.1"])
        .args(["--follow-for", "120"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let (first, stdout) = tokio::task::spawn_blocking(move || {
        let first: Value = serde_json::from_str(&read_until(&mut stdout, |_| true)).unwrap();
        read_until(&mut stderr, |l| l.contains("following the bootstrapping log"));
        (first, stdout)
    })
    .await
    .unwrap();
    assert_eq!(
        (first["serial"].as_str(), first["operation"].as_str()),
        (Some("SN-0001"), Some("get-bootstrapping-data"))
    );

    // Only now does the device ask again: the follower prints that entry, and only once.
    bootstrap(&ready).await;
    let (next, _stdout) = tokio::task::spawn_blocking(move || {
        let mut stdout = stdout;
        let next: Value = serde_json::from_str(&read_until(&mut stdout, |_| true)).unwrap();
        (next, stdout)
    })
    .await
    .unwrap();
    assert_eq!(next["operation"], "get-bootstrapping-data");
    assert_ne!(next["id"], first["id"]);
    let time = |v: &Value| {
        time::OffsetDateTime::parse(v["time"].as_str().unwrap(), &time::format_description::well_known::Rfc3339)
            .unwrap()
    };
    assert!(time(&next) >= time(&first), "{first} then {next}");
    child.kill().unwrap();
    child.wait().unwrap();
    ready.demo.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn follow_stops_after_its_bound_and_needs_follow_for_its_options() {
    let ready = Ready::start().await;
    let cfg = ready.cfg();
    tokio::task::spawn_blocking(move || {
        let out = crate::helpers::ctl(
            &cfg,
            &["log", "bootstrap", "-f", "--limit", "0", "--interval", "0.05", "--follow-for", "0.3"],
        );
        assert!(out.status.success(), "{}", text(&out));
        assert!(out.stdout.is_empty(), "no entries yet: {}", text(&out));
        fails(&cfg, 2, &["log", "bootstrap", "--interval", "1"]);
        fails(&cfg, 2, &["log", "bootstrap", "-f", "--interval", "0"]);
    })
    .await
    .unwrap();
    ready.demo.stop().await;
}
