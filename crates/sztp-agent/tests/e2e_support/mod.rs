//! Real processes on loopback: `sztp-server quickstart` on free ports, and `sztp-agent` runs
//! against it with the quickstart's device credentials.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::Value;

/// The `sztp-server` binary: beside this crate's binaries, or built now.
pub fn server_binary() -> PathBuf {
    let agent = PathBuf::from(env!("CARGO_BIN_EXE_sztp-agent"));
    let candidate = agent.with_file_name("sztp-server");
    if !candidate.exists() {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let status = Command::new(cargo)
            .args(["build", "-q", "-p", "sztp-server", "--bin", "sztp-server"])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .status()
            .expect("cargo runs");
        assert!(status.success(), "building sztp-server failed");
    }
    candidate
}

/// A quickstart server process.
pub struct Server {
    pub dir: tempfile::TempDir,
    pub sbi: u16,
    pub nbi: u16,
    child: Child,
}

impl Server {
    /// Creates and serves a quickstart demo with `devices` devices. The ports are the system's
    /// choice, read back from the server's "listening on" lines: probing a port chosen in advance
    /// can race another listener (or connect to itself) before the demo exists.
    pub fn start(devices: u32) -> Server {
        let dir = tempfile::tempdir().unwrap();
        let mut child = Command::new(server_binary())
            .args(["quickstart", "--devices", &devices.to_string(), "--sbi-port", "0", "--nbi-port", "0"])
            .arg("--dir")
            .arg(dir.path().join("demo"))
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("sztp-server starts");
        let stderr = child.stderr.take().unwrap();
        let (tx, rx) = mpsc::channel();
        // Drains stderr for the server's whole life, so its logging never blocks on a full pipe.
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let (mut sbi, mut nbi) = (None, None);
        let mut seen = String::new();
        while sbi.is_none() || nbi.is_none() {
            let line = rx.recv_timeout(Duration::from_secs(300)).unwrap_or_else(|e| {
                let _ = child.kill();
                panic!("the server did not come up ({e}):\n{seen}")
            });
            let port = || line.rsplit(':').next().and_then(|p| p.parse::<u16>().ok());
            if line.contains("endpoint sbi listening on") {
                sbi = port();
            } else if line.contains("endpoint nbi listening on") {
                nbi = port();
            }
            seen.push_str(&line);
            seen.push('\n');
        }
        Server { dir, sbi: sbi.unwrap(), nbi: nbi.unwrap(), child }
    }

    pub fn demo(&self) -> PathBuf {
        self.dir.path().join("demo")
    }

    pub fn url(&self) -> String {
        format!("https://127.0.0.1:{}", self.sbi)
    }

    /// The northbound data URL (first use: no credentials needed until an administrator exists).
    pub fn data(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}/restconf/data/sztp-server:tenants/tenant=default/{path}", self.nbi)
    }

    /// A device's status on the server.
    pub async fn device_status(&self, serial: &str) -> Value {
        let v: Value =
            reqwest::get(self.data(&format!("devices/device={serial}"))).await.unwrap().json().await.unwrap();
        v["sztp-server:device"][0]["status"].clone()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One agent invocation's result.
#[derive(Debug)]
pub struct Outcome {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// An agent for one quickstart device with its own state directory.
pub struct Device {
    pub serial: String,
    pub state: tempfile::TempDir,
    pub args: Vec<String>,
}

impl Device {
    /// SN-… of `server`, trusting the server CA and the manufacturer, with install and apply
    /// commands that write into the state directory.
    pub fn new(server: &Server, serial: &str) -> Device {
        let state = tempfile::tempdir().unwrap();
        let demo = server.demo();
        let dev = demo.join("devices").join(serial);
        let ssh = state.path().join("ssh");
        std::fs::create_dir_all(&ssh).unwrap();
        std::fs::write(
            ssh.join("ssh_host_ed25519_key.pub"),
            "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl test\n",
        )
        .unwrap();
        let out = state.path().display().to_string();
        let args = vec![
            "--serial".into(),
            serial.into(),
            "--idevid-cert".into(),
            dev.join("idevid.pem").display().to_string(),
            "--idevid-key".into(),
            dev.join("idevid.key").display().to_string(),
            "--bootstrap-url".into(),
            server.url(),
            "--manufacturer-trust".into(),
            demo.join("trust/manufacturer-ca.pem").display().to_string(),
            "--install-command".into(),
            format!(
                "echo \"$SZTP_OS_NAME $SZTP_OS_VERSION\" > {out}/installed && cp \"$SZTP_IMAGE\" {out}/installed.img"
            ),
            "--config-command".into(),
            format!("cp \"$SZTP_CONFIG\" {out}/applied-$SZTP_CONFIG_HANDLING"),
            "--ssh-dir".into(),
            ssh.display().to_string(),
            "--hw-model".into(),
            "demo".into(),
            "--os-name".into(),
            "DemoOS".into(),
            "--os-version".into(),
            "0.9".into(),
            "--timeout".into(),
            "20".into(),
            "--no-system-discovery".into(),
        ];
        Device { serial: serial.into(), state, args }
    }

    /// Trusts the server's TLS certificate.
    pub fn trusting(mut self, server: &Server) -> Device {
        self.args.push("--server-trust".into());
        self.args.push(server.demo().join("trust/server-ca.pem").display().to_string());
        self
    }

    /// Drops a flag and its value.
    pub fn without(mut self, flag: &str) -> Device {
        if let Some(i) = self.args.iter().position(|a| a == flag) {
            self.args.drain(i..i + 2);
        }
        self
    }

    /// Adds a flag without a value.
    pub fn flag(mut self, flag: &str) -> Device {
        self.args.push(flag.into());
        self
    }

    /// Replaces the value of a flag.
    pub fn with(mut self, flag: &str, value: &str) -> Device {
        match self.args.iter().position(|a| a == flag) {
            Some(i) => self.args[i + 1] = value.into(),
            None => {
                self.args.push(flag.into());
                self.args.push(value.into());
            }
        }
        self
    }

    /// Runs `sztp-agent <command> [args]`.
    pub fn agent(&self, command: &str, with_args: bool) -> Outcome {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_sztp-agent"));
        cmd.arg("--state-dir").arg(self.state.path().join("state")).arg(command);
        if with_args {
            cmd.args(&self.args);
        }
        let out = cmd.output().expect("sztp-agent runs");
        Outcome {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    pub fn run(&self) -> Outcome {
        self.agent("run", true)
    }

    /// `sztp-agent status --json`.
    pub fn status(&self) -> Value {
        let out = Command::new(env!("CARGO_BIN_EXE_sztp-agent"))
            .arg("--state-dir")
            .arg(self.state.path().join("state"))
            .args(["status", "--json"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice(&out.stdout).unwrap()
    }

    pub fn file(&self, name: &str) -> Option<Vec<u8>> {
        std::fs::read(self.state.path().join(name)).ok()
    }

    pub fn path(&self) -> &Path {
        self.state.path()
    }
}

/// The stage names and outcomes of an agent status.
pub fn stages(status: &Value) -> Vec<(String, String)> {
    status["stages"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|s| (s["name"].as_str().unwrap_or("").to_owned(), s["outcome"].as_str().unwrap_or("").to_owned()))
                .collect()
        })
        .unwrap_or_default()
}

/// The quickstart's northbound API as an unrestricted administrator (created on first use).
pub struct Nbi {
    http: reqwest::Client,
    base: String,
}

const ROOT: (&str, &str) = ("root", "correct horse battery");

impl Nbi {
    pub async fn new(server: &Server) -> Nbi {
        let http = reqwest::Client::new();
        let base = format!("http://127.0.0.1:{}/restconf/data/", server.nbi);
        let admin = serde_json::json!({"sztp-server:administrator": [{"login": ROOT.0, "password": ROOT.1, "access-level": "unrestricted"}]});
        let created =
            http.post(format!("{base}sztp-server:administrators")).body(admin.to_string()).send().await.unwrap();
        assert_eq!(created.status(), 201);
        Nbi { http, base: format!("{base}sztp-server:tenants/tenant=default/") }
    }

    pub async fn get(&self, path: &str) -> Value {
        let r = self.http.get(format!("{}{path}", self.base)).basic_auth(ROOT.0, Some(ROOT.1)).send().await.unwrap();
        assert_eq!(r.status(), 200, "GET {path}");
        r.json().await.unwrap()
    }

    /// A write that must succeed.
    pub async fn send(&self, method: reqwest::Method, path: &str, body: Value) {
        let r = self
            .http
            .request(method.clone(), format!("{}{path}", self.base))
            .basic_auth(ROOT.0, Some(ROOT.1))
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        let status = r.status();
        assert!(status.is_success(), "{method} {path}: {status} {}", r.text().await.unwrap());
    }
}

/// Adds the response `redirect-back`: redirect information naming this server, with its TLS
/// trust anchor.
pub async fn add_redirect_back(server: &Server, nbi: &Nbi) {
    let pem = std::fs::read(server.demo().join("trust/server-ca.pem")).unwrap();
    let der = sztp_protocol::x509::load_certificates(&pem).unwrap()[0].der().to_vec();
    let anchor = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, der);
    let redirect = serde_json::json!({"sztp-server:response": [{"name": "redirect-back", "redirect": {"server": [
        {"address": "127.0.0.1", "port": server.sbi, "trust-anchor": [anchor]}]}}]});
    nbi.send(reqwest::Method::POST, "responses", redirect).await;
}

/// SN-0001's signed reply as the server gives it.
pub async fn genuine_reply(server: &Server) -> sztp_protocol::model::bootstrap_rpc::GetBootstrappingDataOutput {
    use sztp_protocol::model::YangDocument;
    let dev = server.demo().join("devices/SN-0001");
    let mut pem = std::fs::read(dev.join("idevid.pem")).unwrap();
    pem.extend(std::fs::read(dev.join("idevid.key")).unwrap());
    let ca =
        reqwest::Certificate::from_pem(&std::fs::read(server.demo().join("trust/server-ca.pem")).unwrap()).unwrap();
    let http = reqwest::Client::builder()
        .tls_certs_only([ca])
        .identity(reqwest::Identity::from_pem(&pem).unwrap())
        .build()
        .unwrap();
    let reply = http
        .post(format!("{}/restconf/operations/ietf-sztp-bootstrap-server:get-bootstrapping-data", server.url()))
        .header("content-type", "application/yang-data+json")
        .body(r#"{"ietf-sztp-bootstrap-server:input":{"signed-data-preferred":[null]}}"#)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    sztp_protocol::model::bootstrap_rpc::GetBootstrappingDataOutput::decode(
        sztp_protocol::codec::Encoding::Json,
        &reply,
    )
    .unwrap()
}
