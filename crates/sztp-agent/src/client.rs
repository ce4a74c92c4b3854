//! HTTPS to one bootstrap server: TLS verified against the device's trust anchors for that
//! server, or provisional (RFC 8572 §5: any certificate, signed data required, no reports);
//! the IDevID as client certificate either way.

use std::time::Duration;

use reqwest::StatusCode;
use sztp_protocol::codec::Encoding;
use sztp_protocol::model::YangDocument;
use sztp_protocol::model::bootstrap_rpc::{GetBootstrappingDataInput, GetBootstrappingDataOutput};
use sztp_protocol::model::progress::ReportProgressInput;

use crate::error::AgentError;
use crate::identity::Identity;
use crate::platform::{Connection, Transport};
use crate::session::require_https;

const JSON: &str = "application/yang-data+json";
const GBD: &str = "operations/ietf-sztp-bootstrap-server:get-bootstrapping-data";
const PROGRESS: &str = "operations/ietf-sztp-bootstrap-server:report-progress";

/// HTTPS to bootstrap servers, with one timeout for every request.
#[derive(Debug, Clone, Copy)]
pub(crate) struct HttpTransport {
    /// HTTP timeout (connecting, and each request).
    pub(crate) timeout: Duration,
}

impl Transport for HttpTransport {
    type Conn = ServerClient;

    fn connect(&self, identity: &Identity, url: &str, anchors: &[Vec<u8>]) -> Result<ServerClient, AgentError> {
        ServerClient::new(identity, url, anchors, self.timeout)
    }
}

/// A connection policy to one bootstrap server.
#[derive(Debug, Clone)]
pub(crate) struct ServerClient {
    http: reqwest::Client,
    root: String,
    /// The URL as given, when it had no path: the root comes from host-meta.
    discover_from: Option<String>,
    /// Whether the server's certificate was verified against trust anchors.
    trusted: bool,
}

/// The RESTCONF root of a bootstrap-server URL: `https://host:port` (as DHCP and redirects
/// give it) means `https://host:port/restconf`; a URL with a path is taken as the root.
pub(crate) fn restconf_root(url: &str) -> String {
    let trimmed = url.trim_end_matches('/');
    let after_scheme = trimmed.split_once("://").map(|(_, rest)| rest).unwrap_or(trimmed);
    if after_scheme.contains('/') { trimmed.to_owned() } else { format!("{trimmed}/restconf") }
}

impl ServerClient {
    /// A client for `url` verifying the server against `anchors` (DER); with no anchors the
    /// connection is provisional.
    pub(crate) fn new(
        identity: &Identity,
        url: &str,
        anchors: &[Vec<u8>],
        timeout: Duration,
    ) -> Result<Self, AgentError> {
        require_https(url).map_err(AgentError::Trust)?;
        let mut builder = reqwest::Client::builder()
            .no_proxy()
            .redirect(no_downgrade())
            .identity(identity.tls_identity()?)
            .timeout(timeout)
            .connect_timeout(timeout);
        let trusted = !anchors.is_empty();
        if trusted {
            let certs = anchors
                .iter()
                .map(|d| reqwest::Certificate::from_der(d))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| AgentError::Config(format!("trust anchor: {e}")))?;
            builder = builder.tls_certs_only(certs);
        } else {
            // Provisional: RFC 8572 §5 lets the device go on without authenticating the server,
            // and then trusts nothing it says that is not signed.
            builder = builder.tls_danger_accept_invalid_certs(true).tls_danger_accept_invalid_hostnames(true);
        }
        let http = builder.build().map_err(|e| AgentError::Config(format!("HTTP client: {e}")))?;
        let trimmed = url.trim_end_matches('/');
        let has_path = trimmed.split_once("://").is_some_and(|(_, rest)| rest.contains('/'));
        let discover_from = (!has_path).then(|| trimmed.to_owned());
        Ok(ServerClient { http, root: restconf_root(url), discover_from, trusted })
    }

    /// Whether [`Connection::discover_root`] asks the server (the URL had no path).
    pub(crate) fn discovers_root(&self) -> bool {
        self.discover_from.is_some()
    }
}

impl Connection for ServerClient {
    fn trusted(&self) -> bool {
        self.trusted
    }

    /// Finds the RESTCONF root through `/.well-known/host-meta` (RFC 8040 §3.1) when the URL
    /// had no path; a server without host-meta keeps `/restconf`.
    async fn discover_root(&mut self) -> Result<(), AgentError> {
        let Some(base) = self.discover_from.take() else { return Ok(()) };
        let endpoints = crate::discovery::resolve_restconf(&self.http, &base)
            .await
            .map_err(|e| AgentError::Unreachable(format!("{base}: host-meta: {}", chain(&e))))?;
        tracing::debug!(%base, root = %endpoints.root, from = ?endpoints.discovered, "RESTCONF root");
        self.root = format!("{base}{}", endpoints.root);
        Ok(())
    }

    fn root(&self) -> &str {
        &self.root
    }

    async fn get_bootstrapping_data(
        &self,
        input: &GetBootstrappingDataInput,
    ) -> Result<GetBootstrappingDataOutput, AgentError> {
        let url = format!("{}/{GBD}", self.root);
        let response = self
            .http
            .post(&url)
            .header("content-type", JSON)
            .header("accept", JSON)
            .body(input.encode(Encoding::Json))
            .send()
            .await
            .map_err(|e| AgentError::Unreachable(format!("{url}: {}", chain(&e))))?;
        let status = response.status();
        let body = response.bytes().await.map_err(|e| AgentError::Unreachable(format!("{url}: {e}")))?;
        if status != StatusCode::OK {
            return Err(AgentError::Server(format!("{url}: {status}: {}", error_message(&body))));
        }
        GetBootstrappingDataOutput::decode(Encoding::Json, &body)
            .map_err(|e| AgentError::Server(format!("{url}: the reply is not a get-bootstrapping-data output: {e}")))
    }

    /// report-progress; RFC 8572 §5.6 makes anything but 204 an error.
    async fn report_progress(&self, input: &ReportProgressInput) -> Result<(), AgentError> {
        let url = format!("{}/{PROGRESS}", self.root);
        let response = self
            .http
            .post(&url)
            .header("content-type", JSON)
            .body(input.encode(Encoding::Json))
            .send()
            .await
            .map_err(|e| AgentError::Unreachable(format!("{url}: {}", chain(&e))))?;
        match response.status() {
            StatusCode::NO_CONTENT => Ok(()),
            other => {
                let body = response.bytes().await.unwrap_or_default();
                Err(AgentError::Server(format!("report-progress: {other}: {}", error_message(&body))))
            }
        }
    }

    /// A boot image, fetched with this connection's trust. A server too busy to send it now
    /// (503) is asked again after the wait it names, a few times, as after a site-wide power cut
    /// every device wants its image at once.
    async fn download(&self, uri: &str) -> Result<Vec<u8>, String> {
        let mut attempt = 1;
        let response = loop {
            let response = self.http.get(uri).send().await.map_err(|e| chain(&e))?;
            match busy_wait(response.status(), response.headers()) {
                Some(wait) if attempt < DOWNLOAD_ATTEMPTS => {
                    attempt += 1;
                    tokio::time::sleep(wait).await;
                }
                _ => break response.error_for_status().map_err(|e| chain(&e))?,
            }
        };
        response.bytes().await.map(Vec::from).map_err(|e| chain(&e))
    }
}

/// Tries of one download URI while the server answers 503.
const DOWNLOAD_ATTEMPTS: u32 = 6;

/// How long to wait before asking a busy server again: its `Retry-After` in seconds, kept
/// between 1 s and 60 s (10 s when absent or an HTTP date); `None` unless the reply is 503.
fn busy_wait(status: StatusCode, headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    if status != StatusCode::SERVICE_UNAVAILABLE {
        return None;
    }
    let seconds = headers
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .unwrap_or(10);
    Some(Duration::from_secs(seconds.clamp(1, 60)))
}

/// HTTP redirects as reqwest follows them (ten at most), except from https to another scheme:
/// what a server reached over TLS answers must not come back in cleartext.
fn no_downgrade() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        if downgrades(attempt.url(), attempt.previous()) {
            let refused = format!("redirect from https to {} refused", attempt.url());
            attempt.error(refused)
        } else {
            reqwest::redirect::Policy::default().redirect(attempt)
        }
    })
}

/// Whether following a redirect to `next` leaves https once a request has used it.
fn downgrades(next: &reqwest::Url, previous: &[reqwest::Url]) -> bool {
    next.scheme() != "https" && previous.iter().any(|u| u.scheme() == "https")
}

/// An error with its causes (reqwest hides the TLS reason in the source chain).
pub(crate) fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// The message of an `ietf-restconf:errors` body, or the start of the body.
fn error_message(body: &[u8]) -> String {
    serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v["ietf-restconf:errors"]["error"][0]["error-message"].as_str().map(str::to_owned))
        .unwrap_or_else(|| String::from_utf8_lossy(&body[..body.len().min(200)]).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_busy_server_is_asked_again_after_the_wait_it_names_within_bounds() {
        use reqwest::header::{HeaderMap, HeaderValue, RETRY_AFTER};
        let with = |value: &str| {
            let mut h = HeaderMap::new();
            h.insert(RETRY_AFTER, HeaderValue::from_str(value).unwrap());
            h
        };
        let busy = StatusCode::SERVICE_UNAVAILABLE;
        assert_eq!(busy_wait(busy, &with("7")), Some(Duration::from_secs(7)));
        assert_eq!(busy_wait(busy, &with("0")), Some(Duration::from_secs(1)));
        assert_eq!(busy_wait(busy, &with("86400")), Some(Duration::from_secs(60)));
        assert_eq!(busy_wait(busy, &with("Wed, 21 Oct 2026 07:28:00 GMT")), Some(Duration::from_secs(10)));
        assert_eq!(busy_wait(busy, &HeaderMap::new()), Some(Duration::from_secs(10)));
        assert_eq!(busy_wait(StatusCode::NOT_FOUND, &with("7")), None, "only 503 is asked again");
        assert_eq!(busy_wait(StatusCode::INTERNAL_SERVER_ERROR, &HeaderMap::new()), None);
    }

    /// SN-1 with an IDevID of `pki`.
    fn device(pki: &sztp_testkit::TestPki) -> Identity {
        let idevid = pki.idevid("SN-1");
        Identity {
            serial: "SN-1".into(),
            chain: vec![sztp_protocol::x509::Certificate::from_der(&idevid.cert_der).unwrap()],
            key_pkcs8: idevid.key_pkcs8_der.clone(),
            hw_model: "test".into(),
            os_name: "TestOS".into(),
            os_version: "1".into(),
        }
    }

    /// A TLS server on loopback that answers each request (one per connection) with the next
    /// of `replies`; the number of requests it saw.
    async fn scripted_server(replies: Vec<&'static str>) -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
        let cert = sztp_testkit::TestPki::generate().idevid("server");
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(cert.key_pkcs8_der.clone()));
        let config = tokio_rustls::rustls::ServerConfig::builder()
            .with_no_client_auth()
            .with_single_cert(vec![CertificateDer::from(cert.cert_der.clone())], key)
            .unwrap();
        let acceptor = tokio_rustls::TlsAcceptor::from(std::sync::Arc::new(config));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let seen = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counter = seen.clone();
        tokio::spawn(async move {
            for reply in replies {
                let (tcp, _) = listener.accept().await.unwrap();
                let mut tls = acceptor.accept(tcp).await.unwrap();
                let mut head = Vec::new();
                let mut buf = [0u8; 1024];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    let n = tls.read(&mut buf).await.unwrap();
                    assert!(n > 0, "the client closed before sending a request");
                    head.extend_from_slice(&buf[..n]);
                }
                counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                tls.write_all(reply.as_bytes()).await.unwrap();
                tls.shutdown().await.unwrap();
            }
        });
        (format!("https://127.0.0.1:{}", addr.port()), seen)
    }

    #[tokio::test]
    async fn a_download_answered_503_is_fetched_again_after_retry_after() {
        let busy =
            "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
        let ok = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nimage";
        let (url, seen) = scripted_server(vec![busy, ok]).await;
        let pki = sztp_testkit::TestPki::generate();
        let identity = device(&pki);
        // No anchors: a provisional connection, which takes the test server's certificate.
        let client = ServerClient::new(&identity, &url, &[], Duration::from_secs(10)).unwrap();
        let started = std::time::Instant::now();
        let image = client.download(&format!("{url}/image.bin")).await.unwrap();
        assert_eq!((image.as_slice(), seen.load(std::sync::atomic::Ordering::SeqCst)), (&b"image"[..], 2));
        assert!(started.elapsed() >= Duration::from_secs(1), "the wait the server named was kept");
    }

    #[test]
    fn dhcp_style_urls_get_the_restconf_root() {
        assert_eq!(restconf_root("https://sztp.example:8443"), "https://sztp.example:8443/restconf");
        assert_eq!(restconf_root("https://[2001:db8::1]/"), "https://[2001:db8::1]/restconf");
        assert_eq!(restconf_root("https://h/top/restconf"), "https://h/top/restconf");
    }

    #[test]
    fn clients_are_for_https_servers_only() {
        let pki = sztp_testkit::TestPki::generate();
        let identity = device(&pki);
        let anchors = [pki.manufacturer_anchor_der()];
        let timeout = Duration::from_secs(1);
        assert!(ServerClient::new(&identity, "https://sztp.example:8443", &anchors, timeout).is_ok());
        for url in ["http://sztp.example:8443", "ftp://sztp.example", "sztp.example"] {
            let refused = ServerClient::new(&identity, url, &anchors, timeout).unwrap_err();
            assert!(matches!(&refused, AgentError::Trust(m) if m.contains("refused")), "{url}: {refused}");
        }
    }

    #[test]
    fn redirects_never_leave_https() {
        let url = |u: &str| reqwest::Url::parse(u).unwrap();
        let https = [url("https://sztp.example/restconf/operations/x")];
        assert!(downgrades(&url("http://sztp.example/restconf/operations/x"), &https));
        assert!(downgrades(&url("http://elsewhere.example/image"), &[url("http://cdn.example/a"), https[0].clone()]));
        assert!(!downgrades(&url("https://other.example/restconf"), &https));
        // Boot images may be fetched over plain HTTP (their hash is what counts).
        assert!(!downgrades(&url("http://mirror.example/image"), &[url("http://cdn.example/image")]));
    }

    #[test]
    fn error_bodies_give_their_message() {
        let body = br#"{"ietf-restconf:errors":{"error":[{"error-type":"protocol","error-tag":"access-denied","error-message":"nope"}]}}"#;
        assert_eq!(error_message(body), "nope");
        assert_eq!(error_message(b"plain"), "plain");
    }
}
