//! The `sztp-server` binary as a separate process serving a fresh quickstart demo on port 0,
//! for tests that measure the process itself (memory) or kill it.

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
    /// The server's stderr, line by line.
    pub lines: mpsc::Receiver<String>,
}

impl Quickstart {
    /// Creates and serves a demo with `devices` devices; returns once both endpoints listen.
    pub fn start(devices: u32) -> Quickstart {
        let dir = tempfile::tempdir().expect("tempdir");
        let (child, sbi, lines) = spawn(&dir.path().join("demo"), devices);
        Quickstart { child, dir, sbi, lines }
    }

    /// Kills the server with SIGKILL (no chance to flush or finish anything) and waits for it.
    pub fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Serves the same demo directory again, on fresh ports.
    pub fn restart(&mut self) {
        self.kill9();
        let (child, sbi, lines) = spawn(&self.path(), 1);
        (self.child, self.sbi, self.lines) = (child, sbi, lines);
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
fn spawn(demo: &std::path::Path, devices: u32) -> (Child, u16, mpsc::Receiver<String>) {
    let mut child = Command::new(BIN)
        .args(["quickstart", "--dir", demo.to_str().expect("utf-8"), "--devices", &devices.to_string()])
        .args(["--nbi-port", "0", "--sbi-port", "0"])
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
    loop {
        let line = lines.recv_timeout(Duration::from_secs(60)).expect("server output");
        if let Some(addr) = line.strip_prefix("sztp-server: endpoint sbi listening on ") {
            let port = addr.rsplit(':').next().and_then(|p| p.trim().parse().ok()).expect("port");
            return (child, port, lines);
        }
    }
}

impl Drop for Quickstart {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
