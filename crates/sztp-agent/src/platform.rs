//! What the one bootstrapping flow needs from the device under it: a transport to bootstrap
//! servers, an executor for onboarding steps, a journal of stages, and a clock. The agent
//! implements them with HTTPS, shell commands and its status file; the simulator, virtually.

use std::future::Future;

use sztp_protocol::model::bootstrap_rpc::{GetBootstrappingDataInput, GetBootstrappingDataOutput};
use sztp_protocol::model::progress::{ProgressType, ReportProgressInput};
use time::OffsetDateTime;

use crate::error::AgentError;
use crate::identity::Identity;

/// Opens connections to bootstrap servers.
pub(crate) trait Transport: Sync {
    /// A connection to one server.
    type Conn: Connection;

    /// A connection to `url` as `identity`, verifying the server against `anchors` (DER); with
    /// no anchors it is provisional (RFC 8572 §5: signed data only, no reports).
    fn connect(&self, identity: &Identity, url: &str, anchors: &[Vec<u8>]) -> Result<Self::Conn, AgentError>;
}

/// One bootstrap server's RFC 8572 §7 API, and image downloads with the same trust.
pub(crate) trait Connection: Send + Sync {
    /// Whether the server's certificate was verified against trust anchors.
    fn trusted(&self) -> bool;

    /// The RESTCONF root used.
    fn root(&self) -> &str;

    /// Finds the RESTCONF root through host-meta when the URL had no path (RFC 8040 §3.1).
    fn discover_root(&mut self) -> impl Future<Output = Result<(), AgentError>> + Send;

    /// get-bootstrapping-data.
    fn get_bootstrapping_data(
        &self,
        input: &GetBootstrappingDataInput,
    ) -> impl Future<Output = Result<GetBootstrappingDataOutput, AgentError>> + Send;

    /// report-progress; anything but success is an error (RFC 8572 §5.6).
    fn report_progress(&self, input: &ReportProgressInput) -> impl Future<Output = Result<(), AgentError>> + Send;

    /// The bytes at `uri` (a boot image); `Err`: why not.
    fn download(&self, uri: &str) -> impl Future<Output = Result<Vec<u8>, String>> + Send;
}

/// Why an install, script or configuration step did not succeed.
#[derive(Debug)]
pub(crate) enum StepFailure {
    /// Bootstrapping was disabled while it ran; it was stopped.
    Disabled,
    /// The agent got SIGINT or SIGTERM while it ran; it was stopped.
    Interrupted,
    /// It failed, timed out, or could not start.
    Failed(String),
}

impl From<String> for StepFailure {
    fn from(message: String) -> Self {
        StepFailure::Failed(message)
    }
}

/// Carries out the onboarding steps whose effect is on the device (RFC 8572 §5.6).
pub(crate) trait Executor: Sync {
    /// Installs a boot image whose hash was verified; the device runs it after a reboot.
    fn install(
        &self,
        image: &[u8],
        os_name: &str,
        os_version: &str,
    ) -> impl Future<Output = Result<(), StepFailure>> + Send;

    /// Runs the pre- or post-configuration script; `Ok`: what it said (its last output line).
    fn script(&self, stage: &str, content: &[u8]) -> impl Future<Output = Result<Option<String>, StepFailure>> + Send;

    /// Applies configuration; `handling` is "merge" or "replace".
    fn configure(
        &self,
        content: &[u8],
        handling: &'static str,
    ) -> impl Future<Output = Result<Option<String>, StepFailure>> + Send;
}

/// Where an attempt's stages, trust and installed OS are kept, and the switch that stops it.
pub(crate) trait Journal: Send {
    /// Starts a stage.
    fn stage(&mut self, name: &str);

    /// Ends a stage with an outcome ("ok", "failed", "skipped", "aborted").
    fn done(&mut self, name: &str, outcome: &str, detail: Option<String>) -> Result<(), AgentError>;

    /// The server that answered, and how it was found.
    fn source(&mut self, source: String);

    /// How far what it sent is trusted.
    fn trust(&mut self, trust: String);

    /// A progress report was made (sent, or not needed at this reporting level), taking `took`.
    fn reported(&mut self, kind: ProgressType, took: std::time::Duration);

    /// The OS the device runs: the one an install left, else its own.
    fn current_os(&self) -> (String, String);

    /// Records an installed OS (effective after the reboot).
    fn installed(&mut self, name: String, version: String) -> Result<(), AgentError>;

    /// Fails if bootstrapping was disabled meanwhile.
    fn check_enabled(&self) -> Result<(), AgentError>;

    /// Resolves, with the reason, once the attempt must stop (disabled, or interrupted).
    fn until_stopped(&self) -> impl Future<Output = AgentError> + Send;
}

/// The device's idea of the time, which vouchers and certificates are checked against.
pub(crate) trait Clock: Sync {
    /// Now.
    fn now(&self) -> OffsetDateTime;
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}
