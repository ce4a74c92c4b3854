//! What a device tells a bootstrap server it cannot authenticate (RFC 8572 §9.6), as the
//! server's bootstrapping log shows it; and bootstrap URLs that are not HTTPS, refused at start.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod e2e_support;

use e2e_support::{Device, Nbi, Server};
use serde_json::{Value, json};

/// The get-bootstrapping-data inputs the server logged for `serial`, oldest first.
async fn logged_inputs(nbi: &Nbi, serial: &str) -> Vec<Value> {
    let log = nbi.get(&format!("bootstrapping-log?serial={serial}&direction=ascending")).await;
    let entries = log["sztp-server:bootstrapping-log"]["entry"].as_array().cloned().unwrap_or_default();
    entries
        .iter()
        .filter(|e| e["operation"].as_str().is_some_and(|o| o.contains("get-bootstrapping-data")))
        .map(|e| serde_json::from_str(e["detail"].as_str().unwrap_or("null")).unwrap())
        .collect()
}

/// Appendix B's start: provisionally the device sends signed-data-preferred and nothing about
/// itself; redirected with a trust anchor, it tells the now trusted server its model and OS.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_provisional_request_tells_the_server_nothing_about_the_device() {
    let server = Server::start(1);
    let nbi = Nbi::new(&server).await;
    e2e_support::add_redirect_back(&server, &nbi).await;
    let rules = json!({"sztp-server:device-type": [{"name": "demo-device", "match-rule": [
        {"name": "untrusted", "condition": [{"field": "signed-data-preferred", "op": "present"}], "response": "redirect-back"},
        {"name": "trusted", "response": "demo-onboarding"}]}]});
    nbi.send(reqwest::Method::PATCH, "device-types/device-type=demo-device", rules).await;

    let device = Device::new(&server, "SN-0001").with("--os-version", "1.0").with("--nonce", "request");
    let run = device.run();
    assert_eq!(run.code, 0, "{run:?}");
    let inputs = logged_inputs(&nbi, "SN-0001").await;
    assert_eq!(inputs.len(), 2, "{inputs:#?}");
    let (provisional, trusted) = (&inputs[0], &inputs[1]);
    assert_eq!(provisional["response"], "redirect-back", "{provisional:#}");
    assert_eq!(provisional["signed-data-preferred"], true, "{provisional:#}");
    for leaf in ["hw-model", "os-name", "os-version"] {
        assert!(provisional[leaf].is_null(), "{leaf} went to a provisional server: {provisional:#}");
    }
    assert_eq!(trusted["response"], "demo-onboarding", "{trusted:#}");
    assert_eq!((&trusted["hw-model"], &trusted["os-name"]), (&json!("demo"), &json!("DemoOS")), "{trusted:#}");
    assert_eq!(trusted["os-version"], "1.0");
}

/// `--bootstrap-url http://…` and `simulate --server http://…` are usage errors (exit 2), before
/// any file is read or server contacted.
#[test]
fn plain_http_bootstrap_urls_are_refused_at_start() {
    let state = tempfile::tempdir().unwrap();
    let agent = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_sztp-agent"))
            .arg("--state-dir")
            .arg(state.path())
            .args(args)
            .output()
            .unwrap();
        (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
    };
    let (code, stderr) = agent(&[
        "run",
        "--serial",
        "SN-0001",
        "--idevid-cert",
        "/nonexistent.pem",
        "--idevid-key",
        "/nonexistent.key",
        "--bootstrap-url",
        "http://127.0.0.1:9",
    ]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("--bootstrap-url: bootstrap server URL \"http://127.0.0.1:9\" refused"), "{stderr}");
    assert!(stderr.contains("the scheme must be https"), "{stderr}");

    let (code, stderr) = agent(&["simulate", "--server", "http://127.0.0.1:9", "--credentials", "/nonexistent"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("--server: bootstrap server URL \"http://127.0.0.1:9\" refused"), "{stderr}");
}
