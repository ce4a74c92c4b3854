//! A real `sztp-server` (library) on port 0 with a fresh quickstart database, and device-side
//! helpers: HTTPS clients with an IDevID, RPC calls, and reading the demo's files.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used, clippy::expect_used)]

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};

use sztp_server::quickstart::Quickstart;
use sztp_server::server::{Server, ServerOptions};
use sztp_store::{OpenOptions, Store};
use tempfile::TempDir;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub const GBD: &str = "/restconf/operations/ietf-sztp-bootstrap-server:get-bootstrapping-data";
pub const PROGRESS: &str = "/restconf/operations/ietf-sztp-bootstrap-server:report-progress";
pub const JSON: &str = "application/yang-data+json";
pub const XML: &str = "application/yang-data+xml";

/// A running quickstart demo.
pub struct Demo {
    pub dir: TempDir,
    pub sbi: SocketAddr,
    pub nbi: SocketAddr,
    pub store: Store,
    pub app: sztp_server::state::AppState,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

impl Demo {
    /// Creates a demo with `devices` devices and serves it on free ports.
    pub async fn start(devices: u32) -> Demo {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut demo = Quickstart {
            dir: dir.path().join("demo"),
            devices,
            nbi_port: 0,
            sbi_port: 0,
            profile: sztp_store::CompatProfile::Rfc8572,
        };
        assert!(demo.prepare().await.expect("quickstart"));
        let options = ServerOptions {
            database_url: demo.database_url(),
            open: OpenOptions::default(),
            key_file: Some(demo.dir.join("key")),
            default_addr: IpAddr::V4(Ipv4Addr::LOCALHOST),
            default_port: 0,
            log_retention_days: 90,
            log_max_rows: 0,
        };
        let server = Server::start(options).await.expect("server starts");
        let bound = server.bound();
        let find = |n: &str| {
            bound
                .iter()
                .find(|(name, _)| name == n)
                .map(|(_, a)| *a)
                .unwrap_or_else(|| panic!("{n} not bound: {bound:?}"))
        };
        let (sbi, nbi) = (find("sbi"), find("nbi"));
        let store = server.app().store().clone();
        let app = server.app().clone();
        demo.retarget(&store, sbi.port()).await.expect("retarget");
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(server.run(async move {
            let _ = rx.await;
        }));
        Demo { dir, sbi, nbi, store, app, stop: Some(tx), task: Some(task) }
    }

    pub fn path(&self) -> PathBuf {
        self.dir.path().join("demo")
    }

    pub fn device_dir(&self, serial: &str) -> PathBuf {
        self.path().join("devices").join(serial)
    }

    pub fn password(&self, serial: &str) -> String {
        std::fs::read_to_string(self.device_dir(serial).join("password")).expect("password").trim().to_owned()
    }

    pub fn url(&self, path: &str) -> String {
        format!("https://127.0.0.1:{}{path}", self.sbi.port())
    }

    /// An HTTPS client trusting the demo's server CA, optionally presenting a device's IDevID.
    pub fn client(&self, idevid_of: Option<&str>) -> reqwest::Client {
        self.client_builder(idevid_of).build().expect("client")
    }

    /// What [`Demo::client`] builds, to be set further (a source address, HTTP/1 only).
    pub fn client_builder(&self, idevid_of: Option<&str>) -> reqwest::ClientBuilder {
        let root = std::fs::read(self.path().join("trust/server-ca.pem")).expect("server ca");
        let anchor = reqwest::Certificate::from_pem(&root).expect("anchor");
        let mut builder = reqwest::Client::builder().no_proxy().tls_certs_only([anchor]);
        if let Some(serial) = idevid_of {
            builder = builder.identity(identity(&self.device_dir(serial)));
        }
        builder
    }

    /// Stops the server (SIGTERM path: drain, then return).
    pub async fn stop(mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            task.await.expect("join").expect("clean shutdown");
        }
    }
}

/// The reqwest identity of a quickstart device directory (chain then key).
pub fn identity(device_dir: &Path) -> reqwest::Identity {
    let mut pem = std::fs::read(device_dir.join("idevid.pem")).expect("chain");
    pem.extend(std::fs::read(device_dir.join("idevid.key")).expect("key"));
    reqwest::Identity::from_pem(&pem).expect("identity")
}

/// Status, content type and body of a reply.
pub type Reply = (u16, String, Vec<u8>);

/// POSTs a body to an RPC with content type and accept headers.
pub async fn post(
    client: &reqwest::Client,
    url: &str,
    basic: Option<(&str, &str)>,
    content_type: Option<&str>,
    accept: Option<&str>,
    body: impl Into<reqwest::Body>,
) -> Reply {
    let mut req = client.post(url).body(body);
    if let Some((u, p)) = basic {
        req = req.basic_auth(u, Some(p));
    }
    if let Some(ct) = content_type {
        req = req.header("content-type", ct);
    }
    if let Some(a) = accept {
        req = req.header("accept", a);
    }
    let resp = req.send().await.expect("request");
    let status = resp.status().as_u16();
    let ct = resp.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    (status, ct, resp.bytes().await.expect("body").to_vec())
}

/// Runs yanglint on a document if yanglint exists (required under CI).
pub fn yanglint_available() -> bool {
    let found = std::process::Command::new("yanglint").arg("--version").output().is_ok();
    assert!(found || std::env::var_os("CI").is_none(), "yanglint is required under CI");
    found
}

/// The administrator the northbound tests create first.
pub const ROOT: (&str, &str) = ("root", "correct horse battery staple");

/// A northbound request as [`ROOT`]; returns the status and the JSON body (`Null` if none).
pub async fn nbi_call(
    http: &reqwest::Client,
    method: reqwest::Method,
    url: String,
    body: Option<serde_json::Value>,
) -> (u16, serde_json::Value) {
    let mut req = http.request(method, url).basic_auth(ROOT.0, Some(ROOT.1));
    if let Some(b) = body {
        req = req.body(b.to_string());
    }
    let resp = req.send().await.expect("request");
    let status = resp.status().as_u16();
    (status, serde_json::from_str(&resp.text().await.expect("body")).unwrap_or(serde_json::Value::Null))
}

/// A plain-HTTP client for the northbound endpoint, after the first-use write creating [`ROOT`].
pub async fn nbi_as_root(demo: &Demo) -> (reqwest::Client, String) {
    let nbi = format!("http://{}/restconf/data/", demo.nbi);
    let http = reqwest::Client::builder().no_proxy().build().expect("client");
    let admin = serde_json::json!({"sztp-server:administrator": [{"login": ROOT.0, "password": ROOT.1, "access-level": "unrestricted"}]});
    let resp =
        http.post(format!("{nbi}sztp-server:administrators")).body(admin.to_string()).send().await.expect("post");
    assert_eq!(resp.status().as_u16(), 201, "first administrator");
    (http, nbi)
}

/// Reads the endpoint entry at `url` until `done` holds for it (the rebind runs in the server's
/// main loop); panics after five seconds.
pub async fn wait_for(
    http: &reqwest::Client,
    url: &str,
    done: impl Fn(&serde_json::Value) -> bool,
) -> serde_json::Value {
    for _ in 0..250 {
        let (_, body) = nbi_call(http, reqwest::Method::GET, url.to_owned(), None).await;
        let entry = body["sztp-server:endpoint"][0].clone();
        if done(&entry) {
            return entry;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("endpoint never reached the expected state");
}
