//! Shared by the `listen_*` tests: certificates, a router factory with probe handlers, clients.

#![allow(dead_code, unreachable_pub)]

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use axum::extract::{Extension, State};
use axum::routing::get;
use axum::{Json, Router};
use sztp_server::listen::{ClientAuth, EndpointSpec, Listeners, PeerInfo, RouterFactory, TlsMin, TlsSettings};
use sztp_testkit::rcgen::{ExtendedKeyUsagePurpose, SanType};
use sztp_testkit::{Issued, KeyAlg, TestCa, TestPki, params};
use tokio::sync::Notify;

/// A server certificate for localhost, 127.0.0.1 and ::1 under its own root.
pub struct ServerPki {
    /// The root clients trust.
    pub root: TestCa,
    /// The server's certificate.
    pub leaf: Issued,
}

impl ServerPki {
    pub fn generate(alg: KeyAlg) -> Self {
        let root = TestCa::root("Example Operator", "Server Root CA", alg);
        let mut p = params("Example Operator", "localhost");
        p.subject_alt_names = vec![
            SanType::DnsName("localhost".try_into().expect("dns name")),
            SanType::IpAddress(IpAddr::V4(Ipv4Addr::LOCALHOST)),
            SanType::IpAddress(IpAddr::V6(Ipv6Addr::LOCALHOST)),
        ];
        p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let leaf = root.issue(&p, alg);
        ServerPki { root, leaf }
    }

    pub fn settings(&self, client_auth: ClientAuth, min_version: TlsMin) -> TlsSettings {
        TlsSettings {
            cert_chain_der: vec![self.leaf.cert_der.clone()],
            key_pkcs8_der: self.leaf.key_pkcs8_der.clone(),
            client_auth,
            client_root_hints: Vec::new(),
            enforce_client_roots: false,
            min_version,
        }
    }
}

/// Lets a test hold a request inside its handler: the handler says it entered, then waits.
#[derive(Default)]
pub struct Gate {
    entered: Notify,
    release: Notify,
}

impl Gate {
    pub async fn entered(&self) {
        self.entered.notified().await;
    }
    pub fn release(&self) {
        self.release.notify_one();
    }
}

/// A router for every endpoint:
/// * `GET /hello` → `hello from <endpoint> [<apis>]`
/// * `GET /peer` → the request's [`PeerInfo`] as JSON (client chain as hex DER)
/// * `GET /wait` → waits for [`Gate::release`], then `released`
pub fn factory(gate: Arc<Gate>) -> RouterFactory {
    Arc::new(move |spec: &EndpointSpec| {
        let greeting = format!("hello from {} [{}]", spec.name, spec.apis.join(","));
        Router::new()
            .route("/hello", get(move || async move { greeting }))
            .route("/peer", get(peer))
            .route("/wait", get(wait))
            .with_state(gate.clone())
    })
}

async fn peer(Extension(peer): Extension<PeerInfo>) -> Json<serde_json::Value> {
    let chain: Option<Vec<String>> = peer.client_chain.as_ref().map(|c| c.iter().map(|der| hex(der)).collect());
    Json(serde_json::json!({
        "remote": peer.remote.to_string(),
        "local": peer.local.to_string(),
        "endpoint": &*peer.endpoint,
        "tls": peer.tls,
        "client_chain": chain,
    }))
}

async fn wait(State(gate): State<Arc<Gate>>) -> &'static str {
    gate.entered.notify_one();
    gate.release.notified().await;
    "released"
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn listeners() -> (Listeners, Arc<Gate>) {
    let gate = Arc::new(Gate::default());
    (Listeners::new(factory(gate.clone())), gate)
}

pub fn plain(name: &str, addr: &str) -> EndpointSpec {
    EndpointSpec {
        name: name.into(),
        addr: addr.parse().expect("address"),
        tls: None,
        apis: vec!["test".into()],
        behind_tls_terminator: false,
        limits: Default::default(),
    }
}

pub fn tls(name: &str, addr: &str, settings: TlsSettings) -> EndpointSpec {
    EndpointSpec { tls: Some(settings), ..plain(name, addr) }
}

/// Applies `specs` and returns the bound addresses, failing the test on any error.
pub async fn apply_ok(listeners: &Listeners, specs: Vec<EndpointSpec>) -> Vec<SocketAddr> {
    listeners
        .apply(specs)
        .await
        .into_iter()
        .map(|(name, r)| r.unwrap_or_else(|e| panic!("endpoint {name}: {e}")))
        .collect()
}

pub fn http_client() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().build().expect("client")
}

/// An HTTPS client trusting only `root`, optionally presenting `identity` (certificate chain then
/// key, PEM).
pub fn https_client(root: &TestCa, identity: Option<&str>) -> reqwest::Client {
    let anchor = reqwest::Certificate::from_der(&root.issued.cert_der).expect("root");
    let mut builder = reqwest::Client::builder().no_proxy().tls_certs_only([anchor]);
    if let Some(pem) = identity {
        builder = builder.identity(reqwest::Identity::from_pem(pem.as_bytes()).expect("identity"));
    }
    builder.build().expect("client")
}

/// A device identity: IDevID chain then key, PEM, as reqwest wants it.
pub fn device_identity(pki: &TestPki, device: &Issued) -> String {
    format!("{}{}{}", device.cert_pem, pki.manufacturer_ca.issued.cert_pem, device.key_pem)
}

pub async fn get_text(client: &reqwest::Client, url: String) -> String {
    let response = client.get(&url).send().await.unwrap_or_else(|e| panic!("GET {url}: {e:?}"));
    assert!(response.status().is_success(), "GET {url}: {}", response.status());
    response.text().await.expect("body")
}

pub async fn get_json(client: &reqwest::Client, url: String) -> serde_json::Value {
    serde_json::from_str(&get_text(client, url).await).expect("JSON")
}

/// A bare rustls client identity that rustls does not judge (unlike reqwest's, whose key check
/// parses the certificate with webpki), recording the CA names the server sent.
#[derive(Debug)]
struct RecordingIdentity {
    key: Arc<rustls::sign::CertifiedKey>,
    hints: std::sync::Mutex<Vec<Vec<u8>>>,
}

impl rustls::client::ResolvesClientCert for RecordingIdentity {
    fn resolve(
        &self,
        root_hint_subjects: &[&[u8]],
        _schemes: &[rustls::SignatureScheme],
    ) -> Option<Arc<rustls::sign::CertifiedKey>> {
        *self.hints.lock().expect("hints") = root_hint_subjects.iter().map(|h| h.to_vec()).collect();
        Some(self.key.clone())
    }

    fn has_certs(&self) -> bool {
        true
    }
}

/// What [`rustls_get`] saw.
#[derive(Debug)]
pub struct RawResponse {
    /// Status line, headers and body as text.
    pub text: String,
    /// The negotiated TLS version.
    pub version: rustls::ProtocolVersion,
    /// Acceptable CA names (DER `Name`s) from the server's CertificateRequest, if one came.
    pub hints: Vec<Vec<u8>>,
}

/// `GET path` over HTTP/1.1 with a plain rustls client offering only `versions`, trusting
/// `root_der`, presenting `identity` (chain, PKCS#8 key) if given.
pub async fn rustls_get(
    addr: SocketAddr,
    path: &str,
    root_der: &[u8],
    identity: Option<(Vec<Vec<u8>>, Vec<u8>)>,
    versions: &[&'static rustls::SupportedProtocolVersion],
) -> std::io::Result<RawResponse> {
    use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut roots = rustls::RootCertStore::empty();
    roots.add(CertificateDer::from(root_der.to_vec())).expect("root");
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(versions)
        .expect("versions")
        .with_root_certificates(roots);
    let recorder = identity.map(|(chain, key)| {
        let key =
            provider.key_provider.load_private_key(PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key))).expect("key");
        let chain = chain.into_iter().map(CertificateDer::from).collect();
        Arc::new(RecordingIdentity {
            key: Arc::new(rustls::sign::CertifiedKey::new(chain, key)),
            hints: Default::default(),
        })
    });
    let config = match &recorder {
        Some(r) => builder.with_client_cert_resolver(r.clone()),
        None => builder.with_no_client_auth(),
    };
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let tcp = tokio::net::TcpStream::connect(addr).await?;
    let mut tls = connector.connect(ServerName::try_from("localhost").expect("name"), tcp).await?;
    let version = tls.get_ref().1.protocol_version().expect("version");
    tls.write_all(format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").as_bytes()).await?;
    let mut bytes = Vec::new();
    match tls.read_to_end(&mut bytes).await {
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof && !bytes.is_empty() => {}
        Err(e) => return Err(e),
    }
    let hints = recorder.map(|r| r.hints.lock().expect("hints").clone()).unwrap_or_default();
    Ok(RawResponse { text: String::from_utf8_lossy(&bytes).into_owned(), version, hints })
}

/// The JSON body of a [`RawResponse`], after checking it is a 200.
pub fn raw_json(response: &RawResponse) -> serde_json::Value {
    assert!(response.text.starts_with("HTTP/1.1 200"), "{}", response.text);
    let (_, body) = response.text.split_once("\r\n\r\n").expect("head and body");
    serde_json::from_str(body).expect("JSON body")
}
