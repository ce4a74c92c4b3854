//! The fleet simulator against the real server: 1,000 quickstart devices through the whole
//! signed flow (image, virtual reboot, completion) with zero failures, seen on both sides.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod e2e_support;

use std::process::Command;

use e2e_support::Server;
use serde_json::Value;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_devices_bootstrap_without_a_failure() {
    const N: usize = 1000;
    let server = Server::start(N as u32);
    let out = Command::new(env!("CARGO_BIN_EXE_sztp-agent"))
        .args(["simulate", "--server", &server.url(), "--devices", &N.to_string(), "--concurrency", "32", "--json"])
        .arg("--credentials")
        .arg(server.demo())
        .output()
        .expect("simulator runs");
    let summary: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!("{e}: {}\n{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
    });
    assert!(out.status.success(), "{summary:#}");
    assert_eq!(summary["completed"], N, "{summary:#}");
    assert_eq!(summary["failed"], serde_json::json!({}));
    for step in ["get-bootstrapping-data", "verification", "image-download", "report-progress", "onboarding-reports"] {
        assert!(summary["steps"][step]["count"].as_u64().unwrap() >= N as u64, "{step}: {summary:#}");
    }
    // Every device is complete on the server too (one GET, narrowed with `fields`).
    let url = server.data("devices?fields=device(serial;status/stage)");
    let devices: Value = reqwest::get(url).await.unwrap().json().await.unwrap();
    let list = devices["sztp-server:devices"]["device"].as_array().unwrap();
    assert_eq!(list.len(), N);
    let complete = list.iter().filter(|d| d["status"]["stage"] == "bootstrap-complete").count();
    assert_eq!(complete, N);
}

#[test]
fn bad_simulator_arguments_exit_2_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_sztp-agent"))
        .args(["simulate", "--server", "https://127.0.0.1:9", "--devices", "5"])
        .arg("--credentials")
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("credentials for 0 devices"));
}
