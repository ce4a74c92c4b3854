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
    /// How the server is started: its binary, or `nsenter … BIN` on a [`SmallDisk`].
    launcher: Vec<String>,
    /// The demo directory as the server sees it.
    demo: PathBuf,
    /// The demo directory as the test sees it.
    host: PathBuf,
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
        let demo = dir.path().join("demo");
        let launcher = vec![BIN.to_owned()];
        let (child, (sbi, nbi), lines, startup) = spawn(&launcher, &demo, devices, envs);
        Quickstart { child, dir, launcher, host: demo.clone(), demo, sbi, nbi, startup, lines }
    }

    /// [`Quickstart::start`] with the demo on `disk`.
    pub fn start_on(disk: &SmallDisk, devices: u32) -> Quickstart {
        let dir = tempfile::tempdir().expect("tempdir");
        let launcher = disk.launcher(BIN);
        let demo = disk.inside.join("demo");
        let (child, (sbi, nbi), lines, startup) = spawn(&launcher, &demo, devices, &[]);
        Quickstart { child, dir, launcher, host: disk.path("demo"), demo, sbi, nbi, startup, lines }
    }

    /// Kills the server with SIGKILL (no chance to flush or finish anything) and waits for it.
    pub fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Serves the same demo directory again, on fresh ports.
    pub fn restart(&mut self) {
        if let Err(output) = self.try_restart() {
            panic!("the server did not start again; it wrote:\n{}", output.join("\n"));
        }
    }

    /// [`Quickstart::restart`], or what the server wrote before it exited.
    pub fn try_restart(&mut self) -> Result<(), Vec<String>> {
        self.kill9();
        let (child, (sbi, nbi), lines, startup) = try_spawn(&self.launcher, &self.demo, 1, &[])?;
        (self.child, self.sbi, self.nbi, self.lines, self.startup) = (child, sbi, nbi, lines, startup);
        Ok(())
    }

    /// A file of the demo directory.
    pub fn file(&self, path: &str) -> Vec<u8> {
        std::fs::read(self.path().join(path)).expect(path)
    }

    /// The demo directory (as the test sees it).
    pub fn path(&self) -> PathBuf {
        self.host.clone()
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// A southbound URL.
    pub fn url(&self, path: &str) -> String {
        format!("https://127.0.0.1:{}{path}", self.sbi)
    }

    /// A client holding SN-0001's IDevID, trusting the demo's server CA, with `timeout`.
    pub fn device(&self, timeout: Duration) -> reqwest::Client {
        let anchor = reqwest::Certificate::from_pem(&self.file("trust/server-ca.pem")).expect("server CA");
        let mut pem = self.file("devices/SN-0001/idevid.pem");
        pem.extend(self.file("devices/SN-0001/idevid.key"));
        let identity = reqwest::Identity::from_pem(&pem).expect("IDevID");
        let builder = reqwest::Client::builder().no_proxy().tls_certs_only([anchor]).identity(identity);
        builder.timeout(timeout).build().expect("client")
    }

    /// The process's peak resident set size (VmHWM), in KiB.
    pub fn peak_rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).expect("/proc status");
        let line = status.lines().find(|l| l.starts_with("VmHWM:")).expect("VmHWM");
        line.split_whitespace().nth(1).and_then(|n| n.parse().ok()).expect("KiB")
    }
}

/// A started server: the process, its southbound and northbound ports, its stderr, and what
/// it wrote before it listened.
type Spawned = (Child, (u16, u16), mpsc::Receiver<String>, Vec<String>);

/// Starts `sztp-server quickstart` on `demo` (created when absent); returns it once it listens.
fn spawn(launcher: &[String], demo: &std::path::Path, devices: u32, envs: &[(&str, &str)]) -> Spawned {
    try_spawn(launcher, demo, devices, envs)
        .unwrap_or_else(|output| panic!("the server did not start; it wrote:\n{}", output.join("\n")))
}

/// [`spawn`], or what the server wrote before it exited without listening.
// The child is waited for by `Quickstart`'s drop; a panic here fails the test anyway.
#[allow(clippy::zombie_processes)]
fn try_spawn(
    launcher: &[String],
    demo: &std::path::Path,
    devices: u32,
    envs: &[(&str, &str)],
) -> Result<Spawned, Vec<String>> {
    let mut child = Command::new(&launcher[0])
        .args(&launcher[1..])
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
        let Ok(line) = lines.recv_timeout(Duration::from_secs(60)) else {
            let _ = child.kill();
            let _ = child.wait();
            return Err(startup);
        };
        if let Some(addr) = line.strip_prefix("sztp-server: endpoint sbi listening on ") {
            sbi = port(addr);
        }
        if let Some(addr) = line.strip_prefix("sztp-server: endpoint nbi listening on ") {
            nbi = port(addr);
        }
        startup.push(line);
    }
    Ok((child, (sbi.expect("sbi"), nbi.expect("nbi")), lines, startup))
}

/// SQLite's `PRAGMA integrity_check` on `db`, by Python's sqlite3 (not our code): `ok` or what
/// it found.
pub fn integrity_check(db: &std::path::Path) -> String {
    let script =
        "import sqlite3, sys\nprint(sqlite3.connect(sys.argv[1]).execute('PRAGMA integrity_check').fetchone()[0])";
    let out = Command::new("python3").arg("-c").arg(script).arg(db).output().expect("python3");
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// Every stored progress message of SN-0001 in the database at `url`, read with the store itself.
pub async fn stored_messages(url: &str) -> std::collections::BTreeSet<String> {
    use sztp_store::{OpenOptions, Store, TenantId};
    let store = Store::open(url, &OpenOptions::default()).await.expect("the database opens");
    let reports = store.progress_reports(TenantId::DEFAULT, "SN-0001").await.expect("progress reports");
    store.close().await.expect("close");
    reports.into_iter().filter_map(|(_, r)| r.message).collect()
}

/// The `hw-model` of every get-bootstrapping-data of SN-0001 in the bootstrapping log of the
/// database at `url`, read with the store itself.
pub async fn logged_hw_models(url: &str) -> std::collections::BTreeSet<String> {
    use sztp_store::{LogQuery, OpenOptions, Store, TenantId};
    let store = Store::open(url, &OpenOptions::default()).await.expect("the database opens");
    let query = LogQuery { serial: Some("SN-0001".into()), limit: 1_000, ..LogQuery::default() };
    let log = store.bootstrap_log(TenantId::DEFAULT, &query).await.expect("bootstrapping log");
    store.close().await.expect("close");
    log.into_iter().filter_map(|e| e.detail.and_then(|d| d["hw-model"].as_str().map(str::to_owned))).collect()
}

impl Drop for Quickstart {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A small tmpfs in a private mount namespace (so nothing is left mounted if the test dies),
/// held by a `sleep` process; servers join it with `nsenter`. Needs root (CAP_SYS_ADMIN).
pub struct SmallDisk {
    holder: Child,
    _dir: TempDir,
    /// The mount point, as processes in the namespace see it.
    pub inside: PathBuf,
}

impl SmallDisk {
    /// Mounts a tmpfs of `size` (as `mount -o size=` takes it), or `None` where this process may
    /// not (not root, no `unshare`).
    pub fn mount(size: &str) -> Option<SmallDisk> {
        let dir = tempfile::tempdir().expect("tempdir");
        let inside = dir.path().to_path_buf();
        let script = format!("mount -t tmpfs -o size={size},mode=0700 tmpfs \"$1\" && echo mounted && exec sleep 900");
        let mut holder = Command::new("unshare")
            .args(["--mount", "--propagation", "private", "sh", "-c", &script, "sh"])
            .arg(&inside)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .ok()?;
        let mut line = String::new();
        let _ = BufReader::new(holder.stdout.take().expect("stdout")).read_line(&mut line);
        if line.trim() != "mounted" {
            let _ = holder.kill();
            let _ = holder.wait();
            return None;
        }
        Some(SmallDisk { holder, _dir: dir, inside })
    }

    /// A path on the disk, as the test (outside the namespace) reaches it.
    pub fn path(&self, relative: &str) -> PathBuf {
        let inside = self.inside.strip_prefix("/").expect("absolute");
        PathBuf::from(format!("/proc/{}/root", self.holder.id())).join(inside).join(relative)
    }

    /// `program` run inside the namespace.
    fn launcher(&self, program: &str) -> Vec<String> {
        let pid = self.holder.id().to_string();
        ["nsenter", "-t", &pid, "-m", "--", program].map(str::to_owned).to_vec()
    }

    /// Fills the free space with a file; returns its size.
    pub fn fill(&self) -> u64 {
        use std::io::Write;
        let mut file = std::fs::File::create(self.path("filler")).expect("filler");
        let chunk = vec![0u8; 64 * 1024];
        let mut written = 0;
        while let Ok(n) = file.write(&chunk) {
            if n == 0 {
                break;
            }
            written += n as u64;
        }
        written
    }

    /// Frees what [`SmallDisk::fill`] took.
    pub fn free(&self) {
        std::fs::remove_file(self.path("filler")).expect("remove the filler");
    }

    /// Remounts the disk read-only (`true`) or read-write.
    pub fn read_only(&self, ro: bool) {
        let option = if ro { "remount,ro" } else { "remount,rw" };
        let mut remount = Command::new(&self.launcher("mount")[0]);
        remount.args(&self.launcher("mount")[1..]).args(["-o", option]).arg(&self.inside);
        assert!(remount.status().expect("mount").success(), "mount -o {option}");
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = self.holder.kill();
        let _ = self.holder.wait();
    }
}
