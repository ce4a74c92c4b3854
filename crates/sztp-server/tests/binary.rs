//! The `sztp-server` binary as an operator runs it: start-up failures are one line and a
//! non-zero exit; the quickstart serves a demo whose README commands (curl + openssl) bootstrap
//! SN-0001; SIGHUP keeps serving; SIGTERM exits 0.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_sztp-server");

fn fails_with(args: &[&str], envs: &[(&str, String)], needle: &str) {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(BIN).args(args).envs(envs.iter().cloned()).current_dir(dir.path()).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{args:?} should fail");
    let last = stderr.lines().last().unwrap_or_default();
    assert!(last.starts_with("sztp-server: ") && last.contains(needle), "{args:?}: {stderr}");
}

#[test]
fn start_up_failures_are_one_line_and_non_zero() {
    fails_with(&["ftp://example.net/db"], &[], "ftp");
    fails_with(&["postgres://localhost/test"], &[], "PostgreSQL");
    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = busy.local_addr().unwrap().port().to_string();
    fails_with(&["sqlite::memory:"], &[("SZTP_DEFAULT_PORT", port)], "in use");
    let out = Command::new(BIN).arg("--help").output().unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("quickstart"));
}

/// Waits (bounded) until the child's stderr has said the southbound endpoint listens.
fn wait_listening(child: &mut Child) -> mpsc::Receiver<String> {
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    loop {
        let line = rx.recv_timeout(Duration::from_secs(60)).expect("server output");
        if line.contains("endpoint sbi listening on") {
            return rx;
        }
    }
}

/// Kills the server if a test fails half-way, so no process outlives the test.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn signal(child: &Child, name: &str) {
    assert!(Command::new("kill").arg(format!("-{name}")).arg(child.id().to_string()).status().unwrap().success());
}

#[test]
fn quickstart_readme_bootstraps_sn0001_with_curl_and_openssl() {
    let tools = ["curl", "openssl", "bash"].iter().all(|t| Command::new(t).arg("--version").output().is_ok());
    if !tools {
        assert!(std::env::var_os("CI").is_none(), "curl and openssl are required under CI");
        return;
    }
    // The other profiles' README commands work too (unsigned for OPI, RSA server for Cisco).
    for profile in ["opi-agent", "cisco-iosxe"] {
        let dir = tempfile::tempdir().unwrap();
        let demo = dir.path().join("demo");
        let mut child = Command::new(BIN)
            .args(["quickstart", "--dir", demo.to_str().unwrap(), "--devices", "1", "--sbi-port", "0"])
            .args(["--nbi-port", "0", "--profile", profile])
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let _lines = wait_listening(&mut child);
        let mut child = Running(child);
        let run = Command::new("bash").arg(demo.join("README.txt")).output().unwrap();
        let stdout = String::from_utf8_lossy(&run.stdout);
        assert!(run.status.success(), "{profile}:\n{stdout}\n{}", String::from_utf8_lossy(&run.stderr));
        signal(&child.0, "TERM");
        assert!(child.0.wait().unwrap().success());
    }

    let dir = tempfile::tempdir().unwrap();
    let demo = dir.path().join("demo");
    let mut child = Command::new(BIN)
        .args(["quickstart", "--dir", demo.to_str().unwrap(), "--devices", "2", "--nbi-port", "0", "--sbi-port", "0"])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let lines = wait_listening(&mut child);
    let mut child = Running(child);
    for file in ["sztp.db", "key", "trust/manufacturer-ca.pem", "trust/server-ca.pem", "devices/SN-0002/idevid.key"] {
        assert!(demo.join(file).exists(), "{file}");
    }
    let run = Command::new("bash").arg(demo.join("README.txt")).output().unwrap();
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(run.status.success(), "README commands failed:\n{stdout}\n{}", String::from_utf8_lossy(&run.stderr));
    assert!(stdout.contains("SN-0001 bootstrapped and verified"));

    signal(&child.0, "HUP");
    loop {
        let line = lines.recv_timeout(Duration::from_secs(30)).expect("reload logged");
        if line.contains("SIGHUP") {
            break;
        }
    }
    let again = Command::new("bash").arg(demo.join("README.txt")).output().unwrap();
    assert!(again.status.success(), "still serving after SIGHUP");

    signal(&child.0, "TERM");
    let status = child.0.wait().unwrap();
    assert!(status.success(), "SIGTERM exits 0, got {status:?}");
}

fn start_quickstart(demo: &std::path::Path) -> (Running, mpsc::Receiver<String>) {
    let mut child = Command::new(BIN)
        .args(["quickstart", "--dir", demo.to_str().unwrap(), "--devices", "1", "--nbi-port", "0", "--sbi-port", "0"])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let lines = wait_listening(&mut child);
    (Running(child), lines)
}

/// The port the quickstart's README now points at (it is rewritten when the port was 0).
fn sbi_port(demo: &std::path::Path) -> String {
    let readme = std::fs::read_to_string(demo.join("README.txt")).unwrap();
    let line = readme.lines().find(|l| l.starts_with("SBI=https://127.0.0.1:")).unwrap();
    line.trim_start_matches("SBI=https://127.0.0.1:").to_owned()
}

#[test]
fn a_204_survives_kill_9_and_sighup_brings_up_a_new_endpoint() {
    if Command::new("curl").arg("--version").output().is_err() {
        assert!(std::env::var_os("CI").is_none(), "curl is required under CI");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let demo = dir.path().join("demo");
    let (mut child, _lines) = start_quickstart(&demo);
    let dev = demo.join("devices/SN-0001");
    let url =
        format!("https://127.0.0.1:{}/restconf/operations/ietf-sztp-bootstrap-server:report-progress", sbi_port(&demo));
    let out = Command::new("curl")
        .args(["-sS", "-o", "/dev/null", "-w", "%{http_code}", "--cacert"])
        .arg(demo.join("trust/server-ca.pem"))
        .arg("--cert")
        .arg(dev.join("idevid.pem"))
        .arg("--key")
        .arg(dev.join("idevid.key"))
        .args(["-H", "Content-Type: application/yang-data+json", "-d"])
        .arg(r#"{"ietf-sztp-bootstrap-server:input":{"progress-type":"bootstrap-initiated","message":"durable"}}"#)
        .arg(&url)
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "204");
    signal(&child.0, "KILL");
    let _ = child.0.wait();

    // Restart on the same directory; the report acknowledged before the crash is there.
    let (mut child, lines) = start_quickstart(&demo);
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let url = format!("sqlite://{}", demo.join("sztp.db").display());
    let store = rt.block_on(sztp_store::Store::open(&url, &sztp_store::OpenOptions::default())).unwrap();
    let reports = rt.block_on(store.progress_reports(sztp_store::TenantId::DEFAULT, "SN-0001")).unwrap();
    assert!(reports.iter().any(|(_, r)| r.message.as_deref() == Some("durable")), "{reports:?}");

    // A new endpoint written to the database is brought up by SIGHUP, the others keep serving.
    let extra = sztp_store::Endpoint {
        name: "extra".into(),
        tenant_id: sztp_store::TenantId::DEFAULT,
        address: "127.0.0.1".into(),
        port: 0,
        tls: None,
        apis: vec!["rfc8572".into()],
        external_address: None,
        enabled: true,
        behind_tls_terminator: false,
        limits: Default::default(),
    };
    rt.block_on(store.put_endpoint(&extra)).unwrap();
    signal(&child.0, "HUP");
    let addr = loop {
        let line = lines.recv_timeout(Duration::from_secs(30)).expect("new endpoint logged");
        if let Some(rest) = line.split("endpoint=extra addr=").nth(1) {
            break rest.split_whitespace().next().unwrap().to_owned();
        }
    };
    let out =
        Command::new("curl").args(["-sSf", &format!("http://{addr}/restconf/yang-library-version")]).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("2019-01-04"));
    let readme = Command::new("bash").arg(demo.join("README.txt")).output().unwrap();
    assert!(readme.status.success(), "the southbound endpoint still serves after SIGHUP");
    signal(&child.0, "TERM");
    assert!(child.0.wait().unwrap().success());
}
