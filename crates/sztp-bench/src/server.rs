//! A `sztp-server quickstart` child process: started on free ports (port 0, read back from its
//! stderr), probed until `/health` answers, its memory read from `/proc`, killed at the end.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::Context;

use crate::{load, tls};

/// A running server.
pub(crate) struct ServerProcess {
    child: Child,
    /// Southbound (HTTPS) port.
    pub(crate) sbi_port: u16,
    /// Northbound (plain HTTP) port.
    pub(crate) nbi_port: u16,
    /// Spawn until `/health` answered 200.
    pub(crate) startup: Duration,
    /// Its log file.
    pub(crate) log: PathBuf,
}

impl ServerProcess {
    /// Starts `sztp-server quickstart --dir DIR` and waits until it serves.
    pub(crate) async fn start(bin: &Path, dir: &Path, devices: u32) -> anyhow::Result<ServerProcess> {
        let log = dir.with_extension("server.log");
        let started = Instant::now();
        let mut child = Command::new(bin)
            .args(["quickstart", "--sbi-port", "0", "--nbi-port", "0", "--devices", &devices.to_string(), "--dir"])
            .arg(dir)
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .with_context(|| format!("starting {}", bin.display()))?;
        let stderr = child.stderr.take().context("no stderr")?;
        let (tx, rx) = mpsc::channel();
        let mut file = std::fs::File::create(&log)?;
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let _ = writeln!(file, "{line}");
                if let Some(rest) = line.strip_prefix("sztp-server: endpoint ") {
                    let _ = tx.send(rest.to_owned());
                }
            }
        });
        let mut server = ServerProcess { child, sbi_port: 0, nbi_port: 0, startup: Duration::ZERO, log };
        let deadline = Instant::now() + Duration::from_secs(120);
        while server.sbi_port == 0 || server.nbi_port == 0 {
            let wait = deadline.saturating_duration_since(Instant::now());
            let line = rx
                .recv_timeout(wait)
                .map_err(|_| anyhow::anyhow!("the server did not start; see {}", server.log.display()))?;
            // "sbi listening on 127.0.0.1:PORT"
            let (name, addr) = line.split_once(" listening on ").context("unexpected endpoint line")?;
            let port = addr.rsplit(':').next().and_then(|p| p.parse().ok()).context("no port")?;
            match name {
                "sbi" => server.sbi_port = port,
                "nbi" => server.nbi_port = port,
                _ => {}
            }
        }
        let url: http::Uri = format!("https://127.0.0.1:{}/health", server.sbi_port).parse()?;
        let config = tls::client_config(&dir.join("trust/server-ca.pem"), None, false)?;
        loop {
            if let Ok(200) = load::get_status(&url, config.clone()).await {
                break;
            }
            anyhow::ensure!(Instant::now() < deadline, "/health never answered 200; see {}", server.log.display());
            if let Some(status) = server.child.try_wait()? {
                anyhow::bail!("the server exited ({status}); see {}", server.log.display());
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        server.startup = started.elapsed();
        Ok(server)
    }

    /// Process id.
    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }

    /// A `VmRSS`/`VmHWM`-style field of `/proc/PID/status`, in MiB.
    pub(crate) fn memory_mib(&self, field: &str) -> Option<f64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid())).ok()?;
        let line = status.lines().find(|l| l.starts_with(field))?;
        let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kib / 1024.0)
    }

    /// Lines of its log at WARN or ERROR level.
    pub(crate) fn problems(&self) -> Vec<String> {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .filter(|l| l.contains(" ERROR ") || l.contains(" WARN "))
            .map(str::to_owned)
            .collect()
    }
}

impl Drop for ServerProcess {
    /// Kills the server and waits for it, also when a run fails half-way.
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
