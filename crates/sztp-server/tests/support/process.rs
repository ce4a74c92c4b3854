//! The `sztp-server` binary as a separate process serving a fresh quickstart demo on port 0,
//! for tests that measure the process itself (memory) or kill it.
#![allow(dead_code, unreachable_pub)]

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use tempfile::TempDir;

const BIN: &str = env!("CARGO_BIN_EXE_sztp-server");

/// A running quickstart server process; killed when dropped.
pub struct Quickstart {
    child: Child,
    dir: TempDir,
    /// The southbound port.
    pub sbi: u16,
    /// The northbound (plain HTTP) port.
    pub nbi: u16,
    /// What the server wrote before it listened.
    pub startup: Vec<String>,
    /// The server's stderr, line by line.
    pub lines: mpsc::Receiver<String>,
}

impl Quickstart {
    /// Creates and serves a demo with `devices` devices; returns once both endpoints listen.
    pub fn start(devices: u32) -> Quickstart {
        Quickstart::start_with(devices, &[])
    }

    /// [`Quickstart::start`] with environment variables (`RUST_LOG`, say).
    pub fn start_with(devices: u32, envs: &[(&str, &str)]) -> Quickstart {
        let dir = tempfile::tempdir().expect("tempdir");
        let (child, (sbi, nbi), lines, startup) = spawn(&dir.path().join("demo"), devices, envs);
        Quickstart { child, dir, sbi, nbi, startup, lines }
    }

    /// Kills the server with SIGKILL (no chance to flush or finish anything) and waits for it.
    pub fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Serves the same demo directory again, on fresh ports.
    pub fn restart(&mut self) {
        self.kill9();
        let (child, (sbi, nbi), lines, startup) = spawn(&self.path(), 1, &[]);
        (self.child, self.sbi, self.nbi, self.lines, self.startup) = (child, sbi, nbi, lines, startup);
    }

    /// A file of the demo directory.
    pub fn file(&self, path: &str) -> Vec<u8> {
        std::fs::read(self.path().join(path)).expect(path)
    }

    /// The demo directory.
    pub fn path(&self) -> PathBuf {
        self.dir.path().join("demo")
    }

    /// A southbound URL.
    pub fn url(&self, path: &str) -> String {
        format!("https://127.0.0.1:{}{path}", self.sbi)
    }

    /// The process's peak resident set size (VmHWM), in KiB.
    pub fn peak_rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).expect("/proc status");
        let line = status.lines().find(|l| l.starts_with("VmHWM:")).expect("VmHWM");
        line.split_whitespace().nth(1).and_then(|n| n.parse().ok()).expect("KiB")
    }
}

/// Starts `sztp-server quickstart` on `demo` (created when absent); returns it once it listens.
// The child is waited for by `Quickstart`'s drop; a panic here fails the test anyway.
#[allow(clippy::zombie_processes)]
fn spawn(
    demo: &std::path::Path,
    devices: u32,
    envs: &[(&str, &str)],
) -> (Child, (u16, u16), mpsc::Receiver<String>, Vec<String>) {
    let mut child = Command::new(BIN)
        .args(["quickstart", "--dir", demo.to_str().expect("utf-8"), "--devices", &devices.to_string()])
        .args(["--nbi-port", "0", "--sbi-port", "0"])
        .envs(envs.iter().copied())
        .stderr(Stdio::piped())
        .spawn()
        .expect("sztp-server starts");
    let stderr = child.stderr.take().expect("stderr");
    let (tx, lines) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let (mut sbi, mut nbi, mut startup) = (None, None, Vec::new());
    let port = |addr: &str| addr.rsplit(':').next().and_then(|p| p.trim().parse::<u16>().ok());
    while sbi.is_none() || nbi.is_none() {
        let line = lines.recv_timeout(Duration::from_secs(60)).expect("server output");
        if let Some(addr) = line.strip_prefix("sztp-server: endpoint sbi listening on ") {
            sbi = port(addr);
        }
        if let Some(addr) = line.strip_prefix("sztp-server: endpoint nbi listening on ") {
            nbi = port(addr);
        }
        startup.push(line);
    }
    (child, (sbi.expect("sbi"), nbi.expect("nbi")), lines, startup)
}

impl Drop for Quickstart {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
