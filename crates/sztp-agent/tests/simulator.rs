//! The fleet simulator against the real server: 1,000 quickstart devices, and 200 devices minted
//! from the quickstart's manufacturer CA and registered through the northbound API, through the
//! whole signed flow (image, virtual reboot, completion) with zero failures, seen on both sides.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod e2e_support;

use std::path::Path;
use std::process::{Command, Output};

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

/// Virtual devices check what the agent checks: unsigned redirect information from a server they
/// do not trust is followed, but its trust anchors are discarded (RFC 8572 §5.3, §5.5), as
/// `unsigned_redirects_from_an_untrusted_server_are_followed_without_their_anchors` (e2e.rs) shows
/// for the agent. The server redirects provisional requests to itself with its anchor and onboards
/// trusted ones: a device that kept the anchor would complete; one that discards it stays
/// provisional and stops at the redirect limit.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn virtual_devices_discard_anchors_of_unsigned_redirects_from_untrusted_servers() {
    let server = Server::start(1);
    let nbi = e2e_support::Nbi::new(&server).await;
    e2e_support::add_redirect_back(&server, &nbi).await;
    let rules = serde_json::json!({"sztp-server:device-type": [{"name": "demo-device", "signing": "unsigned",
        "match-rule": [
            {"name": "untrusted", "condition": [{"field": "signed-data-preferred", "op": "present"}], "response": "redirect-back"},
            {"name": "trusted", "response": "demo-onboarding"}]}]});
    nbi.send(reqwest::Method::PATCH, "device-types/device-type=demo-device", rules).await;
    // The device's credentials without the server's CA (which --credentials would trust).
    let creds = tempfile::tempdir().unwrap();
    let device = creds.path().join("devices/SN-0001");
    std::fs::create_dir_all(&device).unwrap();
    for file in ["idevid.pem", "idevid.key"] {
        std::fs::copy(server.demo().join("devices/SN-0001").join(file), device.join(file)).unwrap();
    }
    let simulate = |extra: &[&Path]| {
        let out = Command::new(env!("CARGO_BIN_EXE_sztp-agent"))
            .args(["simulate", "--server", &server.url(), "--devices", "1", "--os", "DemoOS", "1.0", "--json"])
            .arg("--credentials")
            .arg(creds.path())
            .arg("--manufacturer-trust")
            .arg(server.demo().join("trust/manufacturer-ca.pem"))
            .args(extra)
            .output()
            .expect("simulator runs");
        let summary: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!("{e}: {}\n{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
        });
        (out.status.code(), summary)
    };

    let (code, summary) = simulate(&[]);
    assert_eq!(code, Some(1), "{summary:#}");
    assert_eq!(summary["completed"], 0, "the redirect's anchor was used: {summary:#}");
    let failed = summary["failed"].as_object().unwrap();
    assert_eq!(failed.len(), 1, "{summary:#}");
    assert!(failed.keys().all(|k| k.starts_with("redirects: redirect loop")), "{summary:#}");
    let on_server = nbi.get("devices/device=SN-0001").await;
    assert_ne!(on_server["sztp-server:device"][0]["status"]["stage"], "bootstrap-complete", "{on_server}");

    // The same device trusting the server from the start is onboarded: the setup can complete.
    let server_ca = server.demo().join("trust/server-ca.pem");
    let (code, summary) = simulate(&[Path::new("--server-trust"), &server_ca]);
    assert_eq!(code, Some(0), "{summary:#}");
    assert_eq!(summary["completed"], 1, "{summary:#}");
    let on_server = nbi.get("devices/device=SN-0001").await;
    assert_eq!(on_server["sztp-server:device"][0]["status"]["stage"], "bootstrap-complete", "{on_server}");
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

/// `sztp-agent simulate` minting `n` devices from the quickstart's manufacturer files.
fn simulate_minted(server: &Server, n: usize, admin: (&str, &str), extra: &[&str]) -> Output {
    let demo = server.demo();
    let file = |p: &str| demo.join(p).display().to_string();
    Command::new(env!("CARGO_BIN_EXE_sztp-agent"))
        .args(["simulate", "--server", &server.url(), "--devices", &n.to_string(), "--concurrency", "32", "--json"])
        .args(["--manufacturer-ca", &file("manufacturer/device-ca.pem")])
        .args(["--manufacturer-key", &file("manufacturer/device-ca.key")])
        .args(["--masa-cert", &file("manufacturer/masa.pem"), "--masa-key", &file("manufacturer/masa.key")])
        .args(["--server-trust", &file("trust/server-ca.pem")])
        .args(["--register", &format!("http://127.0.0.1:{}", server.nbi)])
        .args(extra)
        .env("SZTPCTL_USER", admin.0)
        .env("SZTPCTL_PASSWORD", admin.1)
        .output()
        .expect("simulator runs")
}

fn stderr_line(out: &Output) -> String {
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
    err
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_minted_devices_are_registered_and_bootstrap_without_a_failure() {
    const N: usize = 200;
    const ADMIN: (&str, &str) = ("simulator", "a long enough password");
    let server = Server::start(1);
    for key in ["device-ca.key", "masa.key"] {
        let mode = std::os::unix::fs::PermissionsExt::mode(
            &std::fs::metadata(server.demo().join("manufacturer").join(key)).unwrap().permissions(),
        );
        assert_eq!(mode & 0o777, 0o600, "{key}");
    }
    // From now on the northbound API wants credentials.
    let http = reqwest::Client::new();
    let api = format!("http://127.0.0.1:{}/restconf/data/", server.nbi);
    let admin = serde_json::json!({"sztp-server:administrator": [{"login": ADMIN.0, "password": ADMIN.1, "access-level": "unrestricted"}]});
    let created = http.post(format!("{api}sztp-server:administrators")).body(admin.to_string()).send().await.unwrap();
    assert_eq!(created.status(), 201);

    // Refusals end the run before any device starts, with the server's reason on one line.
    let out = simulate_minted(&server, N, (ADMIN.0, "not the password"), &[]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr_line(&out);
    assert!(err.contains("registration refused") && err.contains("401"), "{err}");
    let out = simulate_minted(&server, N, ADMIN, &["--device-type", "router"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr_line(&out).contains("device type \"router\" does not exist on the server (it has: demo-device)"));

    let out = simulate_minted(&server, N, ADMIN, &[]);
    let summary: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!("{e}: {}\n{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
    });
    assert!(out.status.success(), "{summary:#}");
    assert_eq!(summary["completed"], N, "{summary:#}");
    assert_eq!(summary["failed"], serde_json::json!({}));
    let prep = &summary["preparation"];
    assert_eq!((&prep["minted"], &prep["created"], &prep["vouchers"]), (&N.into(), &N.into(), &N.into()), "{prep}");
    assert_eq!(prep["device_type"], "demo-device");
    eprintln!(
        "{N} minted devices: minting {:.2} s, registration {:.2} s, run {:.2} s",
        prep["mint_s"].as_f64().unwrap(),
        prep["register_s"].as_f64().unwrap(),
        summary["elapsed_s"].as_f64().unwrap()
    );

    // The server saw them all complete (and the quickstart's own device untouched).
    let url = format!("{api}sztp-server:tenants/tenant=default/devices?fields=device(serial;status/stage)");
    let devices: Value = http.get(url).basic_auth(ADMIN.0, Some(ADMIN.1)).send().await.unwrap().json().await.unwrap();
    let list = devices["sztp-server:devices"]["device"].as_array().unwrap();
    let minted: Vec<&Value> = list.iter().filter(|d| d["serial"].as_str().unwrap().starts_with("SIM-")).collect();
    assert_eq!(minted.len(), N);
    assert!(minted.iter().all(|d| d["status"]["stage"] == "bootstrap-complete"), "{devices:#}");
    assert_eq!(list.len(), N + 1);
}

#[test]
fn bad_minting_arguments_exit_2_with_the_reason() {
    use sztp_ca::{CertificateAuthority, KeyAlgorithm, PrivateKey, pem_encode};
    let dir = tempfile::tempdir().unwrap();
    let p256 = || PrivateKey::generate(KeyAlgorithm::EcdsaP256).unwrap();
    let ca = CertificateAuthority::new_root("CN=Test Manufacturer", p256(), 10).unwrap();
    let (cert, key, other) = (dir.path().join("ca.pem"), dir.path().join("ca.key"), dir.path().join("other.key"));
    std::fs::write(&cert, pem_encode("CERTIFICATE", ca.certificate_der())).unwrap();
    std::fs::write(&key, ca.key().to_pem().as_bytes()).unwrap();
    std::fs::write(&other, p256().to_pem().as_bytes()).unwrap();
    let run = |args: &[&Path]| {
        let out = Command::new(env!("CARGO_BIN_EXE_sztp-agent"))
            .args(["simulate", "--server", "https://127.0.0.1:9", "--devices", "5"])
            .args(args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        stderr_line(&out)
    };
    let p = Path::new;
    let nbi = p("http://127.0.0.1:9");
    let err = run(&[]);
    assert!(err.contains("give --credentials DIR") && err.contains("--manufacturer-ca"), "{err}");
    let err = run(&[p("--credentials"), dir.path(), p("--manufacturer-ca"), &cert]);
    assert!(err.contains("give one"), "{err}");
    let err = run(&[p("--manufacturer-ca"), &cert, p("--register"), nbi]);
    assert!(err.contains("--manufacturer-ca needs --manufacturer-key"), "{err}");
    let err = run(&[p("--manufacturer-ca"), &cert, p("--manufacturer-key"), &key]);
    assert!(err.contains("give --register NBI_URL"), "{err}");
    let err = run(&[p("--manufacturer-ca"), &cert, p("--manufacturer-key"), &other, p("--register"), nbi]);
    assert!(err.contains("does not match"), "{err}");
    let err = run(&[
        p("--manufacturer-ca"),
        &cert,
        p("--manufacturer-key"),
        &key,
        p("--register"),
        nbi,
        p("--masa-cert"),
        &cert,
    ]);
    assert!(err.contains("--masa-cert and --masa-key go together"), "{err}");
    let err = run(&[p("--credentials"), dir.path(), p("--register"), nbi]);
    assert!(err.contains("--register is for minted devices"), "{err}");
    let minting = [p("--manufacturer-ca"), &cert, p("--manufacturer-key"), &key, p("--register"), nbi];
    let err = run(&[&minting[..], &[p("--serial-prefix"), p("SN,O=Evil")]].concat());
    assert!(err.contains("--serial-prefix"), "{err}");
    let err = run(&[&minting[..], &[p("--tenant"), p("a/b")]].concat());
    assert!(err.contains("--tenant"), "{err}");
    let err = run(&[&minting[..], &[p("--admin-password"), p("secret")]].concat());
    assert!(err.contains("--admin-password needs --admin-user"), "{err}");
    // Nothing listens there: the registration step says where it failed.
    let err = run(&[p("--manufacturer-ca"), &cert, p("--manufacturer-key"), &key, p("--register"), nbi]);
    assert!(err.contains("registration refused: GET device-types"), "{err}");
}

/// `sztp-agent status | head` with the reader already gone: the status a SIGPIPE death gives,
/// not a panic.
#[test]
fn a_closed_stdout_ends_the_agent_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let out = Command::new(env!("CARGO_BIN_EXE_sztp-agent"))
        .arg("--state-dir")
        .arg(dir.path())
        .arg("status")
        .stdout(writer)
        .stderr(std::process::Stdio::piped())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(141));
    assert!(out.stderr.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));
}
