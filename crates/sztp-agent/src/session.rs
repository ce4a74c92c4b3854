//! One device's bootstrapping session: its policy (what it checks), the platform it runs on,
//! and the types the flow and onboarding share (servers to try, outcomes, progress reports).

use std::path::PathBuf;
use std::time::Instant;

use sztp_protocol::model::progress::{ProgressType, ReportProgressInput};
use sztp_protocol::x509::Certificate;

use crate::discovery::ConveyedArtifacts;
use crate::error::AgentError;
use crate::identity::Identity;
use crate::platform::{Clock, Connection, Executor, Journal, Transport};

/// A bootstrap server to try.
#[derive(Debug, Clone)]
pub struct ServerEntry {
    /// `https://host:port` or a RESTCONF root URL.
    pub url: String,
    /// TLS trust anchors for it (DER); empty: provisional.
    pub anchors: Vec<Vec<u8>>,
    /// Where it came from ("configured", "dhcp", "redirect", …).
    pub source: String,
    /// Conveyed information read from removable storage instead of a server.
    pub artifacts: Option<ConveyedArtifacts>,
}

impl ServerEntry {
    /// A bootstrap server.
    pub fn server(url: impl Into<String>, anchors: Vec<Vec<u8>>, source: impl Into<String>) -> Self {
        ServerEntry { url: url.into(), anchors, source: source.into(), artifacts: None }
    }
}

/// Refuses a bootstrap-server URL unless it is `https://` with a host and no user information,
/// wherever it came from: a bootstrap server is a RESTCONF server (RFC 8572 §4.4), RESTCONF
/// runs over TLS (RFC 8040 §2.1), and an answer over plain HTTP could come from anyone.
pub(crate) fn require_https(url: &str) -> Result<(), String> {
    let refused = |reason: &dyn std::fmt::Display| format!("bootstrap server URL {url:?} refused: {reason}");
    let parsed = reqwest::Url::parse(url).map_err(|e| refused(&e))?;
    if parsed.scheme() != "https" {
        return Err(refused(&"the scheme must be https (bootstrap servers are RESTCONF over TLS)"));
    }
    // reqwest would send it as HTTP Basic, a secret even an untrusted server would get (§9.6).
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(refused(&"user information is not allowed"));
    }
    Ok(())
}

/// Nonce use in get-bootstrapping-data (RFC 8572 §7.3; checked in the voucher, RFC 8366).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum NonceMode {
    /// No nonce; a voucher carrying one is refused.
    #[default]
    Off,
    /// A fresh nonce per request; the voucher echoes it or has none (a lifetime voucher).
    Request,
    /// A fresh nonce per request, which the voucher must echo; times are then not checked.
    Require,
}

/// How an attempt ended well.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Bootstrapping is complete.
    Completed,
    /// An image was installed: reboot, then run again.
    Rebooting,
}

/// What a device checks and how far it goes: the same for the agent and a virtual device.
#[derive(Debug, Clone)]
pub(crate) struct Policy {
    /// The device.
    pub(crate) identity: Identity,
    /// Manufacturer trust anchors for ownership vouchers.
    pub(crate) manufacturer_anchors: Vec<Certificate>,
    /// Whether servers that cannot be authenticated may be used provisionally.
    pub(crate) allow_untrusted: bool,
    /// Whether get-bootstrapping-data carries a nonce the voucher must (or may) echo.
    pub(crate) nonce: NonceMode,
    /// Redirects followed at most.
    pub(crate) max_redirects: usize,
    /// Where `ssh_host_*_key.pub` are read for bootstrap-complete; `None`: the device has none.
    pub(crate) ssh_dir: Option<PathBuf>,
}

/// A session: the policy, and the platform's transport, executor, clock and journal.
pub(crate) struct Session<'a, T, X, J> {
    /// What the device checks.
    pub(crate) policy: &'a Policy,
    /// Connections to bootstrap servers.
    pub(crate) transport: &'a T,
    /// Onboarding steps' effects.
    pub(crate) executor: &'a X,
    /// The time vouchers are checked at.
    pub(crate) clock: &'a dyn Clock,
    /// Stages and trust, as they happen.
    pub(crate) journal: &'a mut J,
}

impl<T: Transport, X: Executor, J: Journal> Session<'_, T, X, J> {
    /// Sends a progress report as `to` says, and notes it in the journal.
    pub(crate) async fn report(
        &mut self,
        to: &Reporter<'_, T::Conn>,
        kind: ProgressType,
        message: Option<String>,
        extra: Option<ReportProgressInput>,
    ) -> Result<(), AgentError> {
        let start = Instant::now();
        let result = to.send(kind, message, extra).await;
        self.journal.reported(kind, start.elapsed());
        result
    }
}

/// Sends progress reports to a trusted server (never to an untrusted one, RFC 8572 §5.6).
pub(crate) struct Reporter<'c, C> {
    /// The server, when it is trusted.
    pub(crate) conn: Option<&'c C>,
    /// Whether the server asked for verbose reporting.
    pub(crate) verbose: bool,
}

impl<C: Connection> Reporter<'_, C> {
    /// Reports `kind` if the reporting level wants it; mandatory reports must get through.
    async fn send(
        &self,
        kind: ProgressType,
        message: Option<String>,
        extra: Option<ReportProgressInput>,
    ) -> Result<(), AgentError> {
        let Some(conn) = self.conn else { return Ok(()) };
        let mandatory = kind == ProgressType::BootstrapInitiated || kind.is_terminal();
        if !mandatory && !self.verbose {
            return Ok(());
        }
        let mut input = extra.unwrap_or(ReportProgressInput {
            progress_type: kind,
            message: None,
            ssh_host_keys: Vec::new(),
            trust_anchor_certs: Vec::new(),
        });
        input.progress_type = kind;
        input.message = message;
        match conn.report_progress(&input).await {
            Ok(()) => Ok(()),
            Err(e) if mandatory => Err(e),
            Err(e) => {
                tracing::warn!(error = %e, report = kind.as_str(), "progress report not accepted");
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_https_bootstrap_server_urls_are_accepted() {
        for url in ["https://sztp.example:8443", "HTTPS://[2001:db8::1]", "https://10.0.0.1/top/restconf"] {
            assert_eq!(require_https(url), Ok(()), "{url}");
        }
        for url in ["http://sztp.example:8443", "HTTP://sztp.example", "ftp://sztp.example", "sztp.example", ""] {
            let refused = require_https(url).unwrap_err();
            assert!(refused.starts_with(&format!("bootstrap server URL {url:?} refused: ")), "{refused}");
        }
        let refused = require_https("http://sztp.example").unwrap_err();
        assert!(refused.ends_with("the scheme must be https (bootstrap servers are RESTCONF over TLS)"), "{refused}");
        assert!(require_https("https://user:secret@sztp.example").unwrap_err().contains("user information"));
        assert!(require_https("https://[fe80::1%eth0]:8443").is_err(), "no zone identifiers in URLs");
    }
}
