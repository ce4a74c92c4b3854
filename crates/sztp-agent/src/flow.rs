//! The one bootstrapping flow, for the agent and every virtual device: servers in order, each
//! request, RFC 8572 §5.4 verification, redirects (§5.5), then onboarding with its reports.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};

use sztp_protocol::cms::certs_only::{build_certs_only, parse_certs_only};
use sztp_protocol::model::bootstrap_rpc::{
    GetBootstrappingDataInput, GetBootstrappingDataOutput, Nonce, ReportingLevel,
};
use sztp_protocol::model::conveyed_info::ConveyedInformation;
use sztp_protocol::model::progress::{ProgressType, ReportProgressInput, SshHostKey};
use sztp_protocol::x509::Certificate;

use crate::conveyed::{Accepted, NonceCheck, accept};
use crate::discovery::ConveyedArtifacts;
use crate::error::AgentError;
use crate::identity::Identity;
use crate::onboard::Onboarded;
use crate::platform::{Connection, Executor, Journal, Transport};
use crate::session::{NonceMode, Outcome, Reporter, ServerEntry, Session, require_https};

/// What one server's answer leads to.
enum Next {
    Done(Outcome),
    Redirect(Vec<ServerEntry>),
}

/// get-bootstrapping-data's result, with the connection that got it and the nonce it sent.
struct Answer<C> {
    conn: C,
    nonce: Option<Nonce>,
    output: Result<GetBootstrappingDataOutput, AgentError>,
}

impl<T: Transport, X: Executor, J: Journal> Session<'_, T, X, J> {
    /// Tries `servers` in order, redirects first, until one leads to an outcome.
    pub(crate) async fn try_servers(&mut self, servers: Vec<ServerEntry>) -> Result<Outcome, AgentError> {
        let mut queue: VecDeque<ServerEntry> = servers.into();
        if queue.is_empty() {
            return Err(AgentError::Config("no bootstrap server is configured or discovered".into()));
        }
        let max_redirects = self.policy.max_redirects;
        let (mut redirects, mut last) = (0, None);
        while let Some(server) = queue.pop_front() {
            self.journal.check_enabled()?;
            match self.attempt(&server).await {
                Ok(Next::Done(outcome)) => return Ok(outcome),
                Ok(Next::Redirect(next)) => {
                    redirects += 1;
                    if redirects > max_redirects {
                        return Err(AgentError::Redirects(max_redirects));
                    }
                    for s in next.into_iter().rev() {
                        queue.push_front(s);
                    }
                }
                Err(AgentError::Disabled) => return Err(AgentError::Disabled),
                Err(e) => {
                    tracing::info!(server = %server.url, error = %e, "bootstrap server abandoned");
                    last = Some(e);
                }
            }
        }
        Err(last.unwrap_or_else(|| AgentError::Unreachable("no bootstrap server left".into())))
    }

    async fn attempt(&mut self, server: &ServerEntry) -> Result<Next, AgentError> {
        self.journal.stage("bootstrap-request");
        if let Some(artifacts) = &server.artifacts {
            return self.stored_artifacts(server, artifacts).await;
        }
        if let Err(reason) = require_https(&server.url) {
            let e = AgentError::Trust(reason);
            self.journal.done("bootstrap-request", "failed", Some(e.to_string()))?;
            return Err(e);
        }
        if server.anchors.is_empty() && !self.policy.allow_untrusted {
            let e = AgentError::Trust(format!("no trust anchor for {} and provisional use is off", server.url));
            self.journal.done("bootstrap-request", "failed", Some(e.to_string()))?;
            return Err(e);
        }
        let (conn, nonce, output) = match self.request(server).await? {
            Answer { conn, nonce, output: Ok(output) } => (conn, nonce, output),
            Answer { output: Err(e), .. } => {
                self.journal.done("bootstrap-request", "failed", Some(e.to_string()))?;
                return Err(e);
            }
        };
        let trust = if conn.trusted() { "trusted" } else { "untrusted (provisional)" };
        self.journal.source(format!("{} ({})", conn.root(), server.source));
        self.journal.done("bootstrap-request", "ok", Some(format!("{} ({trust})", conn.root())))?;

        self.journal.stage("verification");
        let check = nonce
            .as_ref()
            .map(|n| n.as_bytes())
            .map(|sent| NonceCheck { sent, required: self.policy.nonce == NonceMode::Require });
        let accepted = match self.verify(&output, conn.trusted(), check) {
            Ok(a) => a,
            Err(e) => {
                self.journal.trust(format!("{trust}; refused"));
                self.journal.done("verification", "failed", Some(e.to_string()))?;
                return Err(e);
            }
        };
        let data = if accepted.signed { "signed data verified (RFC 8572 §5.4)" } else { "unsigned data" };
        self.journal.trust(format!("{trust}; {data}"));
        self.journal.done("verification", "ok", Some(data.into()))?;

        self.act(accepted, &conn, output.reporting_level).await
    }

    /// get-bootstrapping-data, going on provisionally when the server cannot be authenticated
    /// and that is allowed.
    async fn request(&self, server: &ServerEntry) -> Result<Answer<T::Conn>, AgentError> {
        let (identity, policy) = (&self.policy.identity, self.policy);
        let os = self.journal.current_os();
        let request = |trusted: bool, nonce: &Option<Nonce>| bootstrap_input(trusted, identity, &os, nonce);
        let mut conn = self.transport.connect(identity, &server.url, &server.anchors)?;
        let mut nonce = fresh_nonce(policy.nonce)?;
        let mut output = match conn.discover_root().await {
            Ok(()) => conn.get_bootstrapping_data(&request(conn.trusted(), &nonce)).await,
            Err(e) => Err(e),
        };
        if let Err(AgentError::Unreachable(reason)) = &output
            && conn.trusted()
            && policy.allow_untrusted
        {
            tracing::info!(server = %server.url, %reason, "server not authenticated; going on provisionally");
            conn = self.transport.connect(identity, &server.url, &[])?;
            nonce = fresh_nonce(policy.nonce)?; // a nonce goes out once
            output = match conn.discover_root().await {
                Ok(()) => conn.get_bootstrapping_data(&request(false, &nonce)).await,
                Err(e) => Err(e),
            };
        }
        Ok(Answer { conn, nonce, output })
    }

    /// RFC 8572 §5.4 and §5.5 on an output, at the device's time.
    fn verify(
        &self,
        output: &GetBootstrappingDataOutput,
        server_trusted: bool,
        nonce: Option<NonceCheck<'_>>,
    ) -> Result<Accepted, AgentError> {
        let policy = self.policy;
        let now = self.clock.now();
        accept(output, &policy.identity, &policy.manufacturer_anchors, server_trusted, nonce, now)
    }

    /// Follows redirect information, or carries out onboarding information.
    async fn act(
        &mut self,
        accepted: Accepted,
        conn: &T::Conn,
        reporting_level: Option<ReportingLevel>,
    ) -> Result<Next, AgentError> {
        match accepted.info {
            ConveyedInformation::Redirect(r) => {
                let mut next = Vec::new();
                for s in r.bootstrap_servers {
                    let host = if s.address.contains(':') { format!("[{}]", s.address) } else { s.address.clone() };
                    let url = match s.port {
                        Some(p) => format!("https://{host}:{p}"),
                        None => format!("https://{host}"),
                    };
                    // Anchors from untrusted (unsigned, untrusted-source) redirect information are
                    // discarded: the next server is then used provisionally (RFC 8572 §5.5).
                    let anchors = match &s.trust_anchor {
                        Some(_) if !accepted.trusted => Vec::new(),
                        Some(cms) => {
                            parse_certs_only(cms)
                                .map_err(|e| AgentError::Server(format!("redirect trust anchor for {url}: {e}")))?
                                .certificates
                        }
                        None => Vec::new(),
                    };
                    next.push(ServerEntry::server(url, anchors, format!("redirect from {}", conn.root())));
                }
                Ok(Next::Redirect(next))
            }
            ConveyedInformation::Onboarding(info) => {
                let verbose = reporting_level == Some(ReportingLevel::Verbose);
                let reporter = Reporter { conn: conn.trusted().then_some(conn), verbose };
                self.report(&reporter, ProgressType::BootstrapInitiated, None, None).await?;
                match self.onboard(&info, conn, &reporter).await? {
                    Onboarded::Rebooting => Ok(Next::Done(Outcome::Rebooting)),
                    Onboarded::Complete => {
                        let policy = self.policy;
                        let complete =
                            completion(&policy.identity, &policy.manufacturer_anchors, policy.ssh_dir.as_deref())?;
                        self.report(&reporter, ProgressType::BootstrapComplete, None, Some(complete)).await?;
                        Ok(Next::Done(Outcome::Completed))
                    }
                }
            }
        }
    }

    /// Conveyed information from removable storage: untrusted, so it must be signed; no server
    /// to report to, and images are fetched provisionally (their hash is what counts).
    async fn stored_artifacts(
        &mut self,
        entry: &ServerEntry,
        artifacts: &ConveyedArtifacts,
    ) -> Result<Next, AgentError> {
        self.journal.stage("verification");
        if self.policy.nonce == NonceMode::Require {
            // Files cannot echo a nonce sent now: with a nonce required, they could be a replay.
            let e = AgentError::Trust(format!(
                "{}: --nonce require, and stored files cannot echo a fresh nonce",
                entry.source
            ));
            self.journal.trust(format!("{}; refused", entry.source));
            self.journal.done("verification", "failed", Some(e.to_string()))?;
            return Err(e);
        }
        let output = GetBootstrappingDataOutput {
            reporting_level: None,
            conveyed_information: artifacts.conveyed_information.clone(),
            owner_certificate: artifacts.owner_certificate.clone(),
            ownership_voucher: artifacts.ownership_voucher.clone(),
        };
        let accepted = match self.verify(&output, false, None) {
            Ok(a) => a,
            Err(e) => {
                self.journal.trust(format!("{}; refused", entry.source));
                self.journal.done("verification", "failed", Some(e.to_string()))?;
                return Err(e);
            }
        };
        self.journal.source(entry.source.clone());
        self.journal.trust("removable storage; signed data verified (RFC 8572 §5.4)".into());
        self.journal.done("verification", "ok", Some("signed data verified".into()))?;
        let downloads = self.transport.connect(&self.policy.identity, "https://removable-storage.invalid", &[])?;
        self.act(accepted, &downloads, None).await
    }
}

/// get-bootstrapping-data's input. A server the device could not authenticate may be anyone,
/// so it learns only that signed data is wanted, and the nonce (RFC 8572 §9.6); the hardware
/// model and the OS go to trusted servers only.
fn bootstrap_input(
    trusted: bool,
    identity: &Identity,
    (os_name, os_version): &(String, String),
    nonce: &Option<Nonce>,
) -> GetBootstrappingDataInput {
    if !trusted {
        return GetBootstrappingDataInput {
            signed_data_preferred: true,
            nonce: nonce.clone(),
            ..GetBootstrappingDataInput::default()
        };
    }
    GetBootstrappingDataInput {
        hw_model: Some(identity.hw_model.clone()),
        os_name: Some(os_name.clone()),
        os_version: Some(os_version.clone()),
        nonce: nonce.clone(),
        ..GetBootstrappingDataInput::default()
    }
}

/// A fresh random nonce (16 octets, the RPC's minimum) unless nonces are off.
fn fresh_nonce(mode: NonceMode) -> Result<Option<Nonce>, AgentError> {
    if mode == NonceMode::Off {
        return Ok(None);
    }
    let mut bytes = vec![0u8; 16];
    aws_lc_rs::rand::fill(&mut bytes).map_err(|_| AgentError::Config("no random numbers for a nonce".into()))?;
    Nonce::new(bytes).map(Some).map_err(|n| AgentError::Config(format!("a nonce of {n} octets")))
}

/// bootstrap-complete with the SSH host keys and the device's trust anchor chain (degenerate
/// CMS: the IDevID's issuers up to the manufacturer root).
pub(crate) fn completion(
    identity: &Identity,
    manufacturer_anchors: &[Certificate],
    ssh_dir: Option<&Path>,
) -> Result<ReportProgressInput, AgentError> {
    let mut chain: Vec<Vec<u8>> = identity.chain.iter().skip(1).map(|c| c.der().to_vec()).collect();
    let top_issuer = identity.chain.last().map(|c| c.issuer_name().clone());
    for anchor in manufacturer_anchors {
        if Some(anchor.subject_name()) == top_issuer.as_ref() && !chain.iter().any(|c| c == anchor.der()) {
            chain.push(anchor.der().to_vec());
        }
    }
    let trust_anchor_certs = if chain.is_empty() {
        Vec::new()
    } else {
        vec![build_certs_only::<Vec<u8>, Vec<u8>>(&chain, &[]).map_err(|e| AgentError::Config(e.to_string()))?]
    };
    Ok(ReportProgressInput {
        progress_type: ProgressType::BootstrapComplete,
        message: None,
        ssh_host_keys: ssh_dir.map(ssh_host_keys).unwrap_or_default(),
        trust_anchor_certs,
    })
}

/// The `ssh_host_*_key.pub` files of a directory, as RFC 4253 key blobs.
fn ssh_host_keys(dir: &Path) -> Vec<SshHostKey> {
    use base64::Engine;
    let mut keys = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else { return keys };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        if !(name.starts_with("ssh_host_") && name.ends_with("_key.pub")) {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        let mut words = text.split_whitespace();
        if let (Some(algorithm), Some(b64)) = (words.next(), words.next())
            && let Ok(key_data) = base64::engine::general_purpose::STANDARD.decode(b64)
        {
            keys.push(SshHostKey { algorithm: algorithm.to_owned(), key_data });
        }
    }
    keys
}

#[cfg(test)]
mod tests;
