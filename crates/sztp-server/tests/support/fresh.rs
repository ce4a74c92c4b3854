//! A server on an empty database (no quickstart), its northbound endpoint on a free port, and
//! the PKI a test needs to configure it through the API alone.
#![allow(dead_code, unreachable_pub)]

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use sztp_ca::{CertificateAuthority, IssueRequest, KeyAlgorithm, PrivateKey, Profile, pem_encode};
use sztp_server::server::{Server, ServerOptions};
use sztp_store::OpenOptions;
use tempfile::TempDir;
use time::{Duration, OffsetDateTime};
use tokio::sync::oneshot;

/// A running server on a fresh SQLite database.
pub struct Fresh {
    pub dir: TempDir,
    pub nbi: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

impl Fresh {
    pub async fn start() -> Fresh {
        let dir = tempfile::tempdir().expect("tempdir");
        let options = ServerOptions {
            database_url: format!("sqlite://{}", dir.path().join("sztp.db").display()),
            open: OpenOptions::default(),
            key_file: Some(dir.path().join("key")),
            default_addr: IpAddr::V4(Ipv4Addr::LOCALHOST),
            default_port: 0,
            log_retention_days: 90,
            log_max_rows: 0,
        };
        let server = Server::start(options).await.expect("server starts");
        let nbi = server.bound().first().map(|(_, a)| *a).expect("the default endpoint is bound");
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(server.run(async move {
            let _ = rx.await;
        }));
        Fresh { dir, nbi, stop: Some(tx), task: Some(task) }
    }

    /// `http://…/restconf/data/`.
    pub fn data(&self) -> String {
        format!("http://{}/restconf/data/", self.nbi)
    }

    pub async fn stop(mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            task.await.expect("join").expect("clean shutdown");
        }
    }
}

/// A certificate with its key.
pub struct Leaf {
    pub key: PrivateKey,
    pub der: Vec<u8>,
}

impl Leaf {
    /// The reqwest identity: this certificate, then `chain`, then the key.
    pub fn identity(&self, chain: &[&[u8]]) -> reqwest::Identity {
        let mut pem = pem_encode("CERTIFICATE", &self.der);
        for c in chain {
            pem.push_str(&pem_encode("CERTIFICATE", c));
        }
        pem.push_str(&self.key.to_pem());
        reqwest::Identity::from_pem(pem.as_bytes()).expect("identity")
    }
}

/// A root CA.
pub fn root(subject: &str) -> CertificateAuthority {
    CertificateAuthority::new_root(subject, p256(), 3650).expect("root")
}

pub fn p256() -> PrivateKey {
    PrivateKey::generate(KeyAlgorithm::EcdsaP256).expect("key")
}

/// Issues a certificate from `ca` with a new P-256 key.
pub fn issue(ca: &CertificateAuthority, subject: &str, profile: Profile) -> Leaf {
    issue_at(ca, subject, profile, OffsetDateTime::now_utc() - Duration::minutes(5))
}

/// Issues a certificate valid for a day from `not_before`.
pub fn issue_at(ca: &CertificateAuthority, subject: &str, profile: Profile, not_before: OffsetDateTime) -> Leaf {
    let key = p256();
    let der = ca
        .issue(&IssueRequest {
            subject,
            public_key_der: &key.public_key_der(),
            profile,
            not_before,
            not_after: not_before + Duration::days(1),
        })
        .expect("issue");
    Leaf { key, der }
}

/// A TLS server certificate for 127.0.0.1.
pub fn loopback_server(ca: &CertificateAuthority) -> Leaf {
    let profile =
        Profile::TlsServer { dns_names: vec!["localhost".into()], ip_addresses: vec![IpAddr::V4(Ipv4Addr::LOCALHOST)] };
    issue(ca, "CN=localhost,O=Test Owner", profile)
}
