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

    /// A boot image, fetched with this connection's trust.
    async fn download(&self, uri: &str) -> Result<Vec<u8>, String> {
        let response = self.http.get(uri).send().await.and_then(|r| r.error_for_status()).map_err(|e| chain(&e))?;
        response.bytes().await.map(Vec::from).map_err(|e| chain(&e))
    }
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
    fn dhcp_style_urls_get_the_restconf_root() {
        assert_eq!(restconf_root("https://sztp.example:8443"), "https://sztp.example:8443/restconf");
        assert_eq!(restconf_root("https://[2001:db8::1]/"), "https://[2001:db8::1]/restconf");
        assert_eq!(restconf_root("https://h/top/restconf"), "https://h/top/restconf");
    }

    #[test]
    fn clients_are_for_https_servers_only() {
        let pki = sztp_testkit::TestPki::generate();
        let idevid = pki.idevid("SN-1");
        let identity = Identity {
            serial: "SN-1".into(),
            chain: vec![sztp_protocol::x509::Certificate::from_der(&idevid.cert_der).unwrap()],
            key_pkcs8: idevid.key_pkcs8_der.clone(),
            hw_model: "test".into(),
            os_name: "TestOS".into(),
            os_version: "1".into(),
        };
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
