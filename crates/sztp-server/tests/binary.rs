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
    let dir = tempfile::tempdir().unwrap();
    let demo = dir.path().join("demo");
    let mut child = Command::new(BIN)
        .args(["quickstart", "--dir", demo.to_str().unwrap(), "--devices", "2", "--nbi-port", "0", "--sbi-port", "0"])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let lines = wait_listening(&mut child);
    for file in ["sztp.db", "key", "trust/manufacturer-ca.pem", "trust/server-ca.pem", "devices/SN-0002/idevid.key"] {
        assert!(demo.join(file).exists(), "{file}");
    }
    let run = Command::new("bash").arg(demo.join("README.txt")).output().unwrap();
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(run.status.success(), "README commands failed:\n{stdout}\n{}", String::from_utf8_lossy(&run.stderr));
    assert!(stdout.contains("SN-0001 bootstrapped and verified"));

    signal(&child, "HUP");
    loop {
        let line = lines.recv_timeout(Duration::from_secs(30)).expect("reload logged");
        if line.contains("SIGHUP") {
            break;
        }
    }
    let again = Command::new("bash").arg(demo.join("README.txt")).output().unwrap();
    assert!(again.status.success(), "still serving after SIGHUP");

    signal(&child, "TERM");
    let status = child.wait().unwrap();
    assert!(status.success(), "SIGTERM exits 0, got {status:?}");
}
