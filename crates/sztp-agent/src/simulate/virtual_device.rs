//! A virtual device: the agent's own flow over real HTTPS (every request counted), with no
//! commands run, an OS that an image install replaces at a virtual reboot, and timed steps.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use sztp_protocol::model::bootstrap_rpc::{GetBootstrappingDataInput, GetBootstrappingDataOutput};
use sztp_protocol::model::progress::{ProgressType, ReportProgressInput};
use sztp_protocol::x509::Certificate;

use crate::client::{HttpTransport, ServerClient};
use crate::error::AgentError;
use crate::identity::Identity;
use crate::platform::{Connection, Executor, Journal, StepFailure, SystemClock, Transport};
use crate::session::{NonceMode, Outcome, Policy, ServerEntry, Session};

/// Boots a virtual device goes through at most: one to install an image, one to complete.
const BOOTS: usize = 2;

/// What one virtual device did: its steps' durations, and the requests it made.
#[derive(Debug, Default)]
pub(crate) struct Timings {
    /// Summary step names and how long each took.
    pub(crate) steps: Vec<(&'static str, Duration)>,
    /// HTTP requests made.
    pub(crate) requests: usize,
}

/// Bootstraps one virtual device from `server` through the agent's flow, with its checks: the
/// agent's defaults (provisional use allowed, no nonce, 10 redirects), no SSH host keys.
pub(crate) async fn bootstrap(
    identity: Identity,
    server: &ServerEntry,
    manufacturer_anchors: &[Certificate],
    timeout: Duration,
    timings: &mut Timings,
) -> Result<(), AgentError> {
    let os = (identity.os_name.clone(), identity.os_version.clone());
    let policy = Policy {
        identity,
        manufacturer_anchors: manufacturer_anchors.to_vec(),
        allow_untrusted: true,
        nonce: NonceMode::Off,
        max_redirects: 10,
        ssh_dir: None,
    };
    let requests = Arc::new(AtomicUsize::new(0));
    let transport = CountingTransport { http: HttpTransport { timeout }, requests: requests.clone() };
    let mut journal = StepTimer { os, steps: Vec::new(), stage_started: Instant::now(), onboarding: Duration::ZERO };
    let mut result = Err(AgentError::Image("the image was still required after the virtual reboot".into()));
    for _boot in 0..BOOTS {
        let mut session = Session {
            policy: &policy,
            transport: &transport,
            executor: &NoCommands,
            clock: &SystemClock,
            journal: &mut journal,
        };
        match session.try_servers(vec![server.clone()]).await {
            Ok(Outcome::Rebooting) => continue,
            Ok(Outcome::Completed) => result = Ok(()),
            Err(e) => result = Err(e),
        }
        break;
    }
    timings.steps = journal.steps;
    timings.requests = requests.load(Ordering::Relaxed);
    result
}

/// HTTPS as the agent does it, counting the requests.
struct CountingTransport {
    http: HttpTransport,
    requests: Arc<AtomicUsize>,
}

impl Transport for CountingTransport {
    type Conn = CountingConn;

    fn connect(&self, identity: &Identity, url: &str, anchors: &[Vec<u8>]) -> Result<CountingConn, AgentError> {
        Ok(CountingConn { inner: self.http.connect(identity, url, anchors)?, requests: self.requests.clone() })
    }
}

/// The agent's connection, counting the requests.
struct CountingConn {
    inner: ServerClient,
    requests: Arc<AtomicUsize>,
}

impl CountingConn {
    fn count(&self) {
        self.requests.fetch_add(1, Ordering::Relaxed);
    }
}

impl Connection for CountingConn {
    fn trusted(&self) -> bool {
        self.inner.trusted()
    }

    fn root(&self) -> &str {
        self.inner.root()
    }

    async fn discover_root(&mut self) -> Result<(), AgentError> {
        if self.inner.discovers_root() {
            self.count();
        }
        self.inner.discover_root().await
    }

    async fn get_bootstrapping_data(
        &self,
        input: &GetBootstrappingDataInput,
    ) -> Result<GetBootstrappingDataOutput, AgentError> {
        self.count();
        self.inner.get_bootstrapping_data(input).await
    }

    async fn report_progress(&self, input: &ReportProgressInput) -> Result<(), AgentError> {
        self.count();
        self.inner.report_progress(input).await
    }

    async fn download(&self, uri: &str) -> Result<Vec<u8>, String> {
        self.count();
        self.inner.download(uri).await
    }
}

/// A virtual device runs nothing: an install takes effect at the virtual reboot (the journal
/// keeps the new OS), and scripts and configuration succeed without effect.
struct NoCommands;

impl Executor for NoCommands {
    async fn install(&self, _image: &[u8], _os_name: &str, _os_version: &str) -> Result<(), StepFailure> {
        Ok(())
    }

    async fn script(&self, _stage: &str, _content: &[u8]) -> Result<Option<String>, StepFailure> {
        Ok(None)
    }

    async fn configure(&self, _content: &[u8], _handling: &'static str) -> Result<Option<String>, StepFailure> {
        Ok(None)
    }
}

/// A virtual device's journal: the OS it runs, and the flow's stages and reports timed as the
/// summary's steps. It keeps no status, and nothing disables or interrupts it.
struct StepTimer {
    os: (String, String),
    steps: Vec<(&'static str, Duration)>,
    stage_started: Instant,
    /// Reports since bootstrap-initiated, which bootstrap-complete ends.
    onboarding: Duration,
}

impl Journal for StepTimer {
    fn stage(&mut self, _name: &str) {
        self.stage_started = Instant::now();
    }

    fn done(&mut self, name: &str, outcome: &str, _detail: Option<String>) -> Result<(), AgentError> {
        let step = match name {
            "bootstrap-request" => "get-bootstrapping-data",
            "verification" => "verification",
            "boot-image" if outcome != "skipped" => "image-download",
            _ => return Ok(()),
        };
        self.steps.push((step, self.stage_started.elapsed()));
        Ok(())
    }

    fn source(&mut self, _source: String) {}

    fn trust(&mut self, _trust: String) {}

    fn reported(&mut self, kind: ProgressType, took: Duration) {
        match kind {
            ProgressType::BootstrapInitiated => {
                self.steps.push(("report-progress", took));
                self.onboarding = Duration::ZERO;
            }
            ProgressType::BootstrapComplete => self.steps.push(("onboarding-reports", self.onboarding + took)),
            _ => self.onboarding += took,
        }
    }

    fn current_os(&self) -> (String, String) {
        self.os.clone()
    }

    fn installed(&mut self, name: String, version: String) -> Result<(), AgentError> {
        self.os = (name, version);
        Ok(())
    }

    fn check_enabled(&self) -> Result<(), AgentError> {
        Ok(())
    }

    async fn until_stopped(&self) -> AgentError {
        std::future::pending().await
    }
}
