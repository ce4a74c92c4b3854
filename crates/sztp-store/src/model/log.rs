//! Bootstrapping log, device status, progress reports and the audit log.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::TenantId;

/// Where one device is in its bootstrap; one row per device, updated in place.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceStatus {
    /// Serial number.
    pub serial: String,
    /// First request seen.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub first_seen: Option<OffsetDateTime>,
    /// Latest request seen.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub last_seen: Option<OffsetDateTime>,
    /// Number of get-bootstrapping-data requests.
    pub attempts: i64,
    /// Latest progress type reported.
    #[serde(default)]
    pub stage: Option<String>,
    /// Latest error, cleared when a new bootstrap is initiated.
    #[serde(default)]
    pub last_error: Option<String>,
    /// When "bootstrap-complete" was reported, cleared when a new bootstrap is initiated.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub completed_at: Option<OffsetDateTime>,
}

/// The body of a report-progress request (RFC 8572 §7.3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProgressReport {
    /// RFC 8572 progress type ("bootstrap-initiated", "boot-image-installed-rebooting", …).
    pub progress_type: String,
    /// Free text from the device.
    #[serde(default)]
    pub message: Option<String>,
    /// SSH host keys reported with "bootstrap-complete".
    #[serde(default)]
    pub ssh_host_keys: Option<serde_json::Value>,
    /// Trust anchor certificates reported with "bootstrap-complete" (each a degenerate CMS, DER).
    #[serde(default, with = "crate::b64::bytes_list")]
    pub trust_anchor_certs: Vec<Vec<u8>>,
}

/// One southbound request, as written by [`crate::Store::record_bootstrap`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BootstrapEvent {
    /// Tenant of the device.
    pub tenant: TenantId,
    /// Serial number, when the device was identified.
    #[serde(default)]
    pub serial: Option<String>,
    /// When it happened.
    #[serde(with = "time::serde::rfc3339")]
    pub time: OffsetDateTime,
    /// Peer "ip:port".
    pub source: String,
    /// [`BootstrapEvent::GET_BOOTSTRAPPING_DATA`] or [`BootstrapEvent::REPORT_PROGRESS`].
    pub operation: String,
    /// HTTP status returned.
    pub status: u16,
    /// Short text describing the result.
    pub outcome: String,
    /// The progress report, for report-progress.
    #[serde(default)]
    pub progress: Option<ProgressReport>,
    /// Anything else worth keeping (input fields, chosen response, …).
    #[serde(default)]
    pub detail: Option<serde_json::Value>,
    /// What the request changes in the device's status row (decided by the caller's domain).
    #[serde(default, skip)]
    pub change: StatusChange,
}

/// What one request changes in its device's status row. The store applies it as told; it does
/// not read meaning into statuses or progress types.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StatusChange {
    /// The request was a bootstrap attempt (get-bootstrapping-data): the count goes up.
    pub attempt: bool,
    /// The device's new stage.
    pub stage: Option<String>,
    /// The error to show as the device's latest.
    pub error: Option<String>,
    /// The bootstrap completed now.
    pub completed: bool,
    /// A new bootstrap starts: the latest error and completion time are cleared.
    pub restart: bool,
}

impl BootstrapEvent {
    /// Operation name of the get-bootstrapping-data RPC.
    pub const GET_BOOTSTRAPPING_DATA: &'static str = "get-bootstrapping-data";
    /// Operation name of the report-progress RPC.
    pub const REPORT_PROGRESS: &'static str = "report-progress";
}

/// One row of the bootstrapping log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogEntry {
    /// Row id, increasing.
    pub id: i64,
    /// When it happened.
    #[serde(with = "time::serde::rfc3339")]
    pub time: OffsetDateTime,
    /// Serial number, when known.
    pub serial: Option<String>,
    /// Peer "ip:port".
    pub source: String,
    /// RPC name.
    pub operation: String,
    /// HTTP status returned.
    pub status: u16,
    /// Short text describing the result.
    pub outcome: String,
    /// Progress type, for report-progress.
    pub progress_type: Option<String>,
    /// Progress message, for report-progress.
    pub message: Option<String>,
    /// Extra detail.
    pub detail: Option<serde_json::Value>,
}

/// Filter and page for log queries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogQuery {
    /// Only this device (ignored by the audit log).
    #[serde(default)]
    pub serial: Option<String>,
    /// Only entries at or after this time.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub since: Option<OffsetDateTime>,
    /// Only entries before this time.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub until: Option<OffsetDateTime>,
    /// Page size, at most [`crate::MAX_PAGE_SIZE`].
    pub limit: u64,
    /// Entries skipped.
    #[serde(default)]
    pub offset: u64,
    /// Newest first.
    #[serde(default)]
    pub descending: bool,
}

impl Default for LogQuery {
    /// The newest 100 entries.
    fn default() -> Self {
        Self { serial: None, since: None, until: None, limit: 100, offset: 0, descending: true }
    }
}

/// One northbound request, for the audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRecord {
    /// Tenant acted on.
    pub tenant: TenantId,
    /// When it happened.
    #[serde(with = "time::serde::rfc3339")]
    pub time: OffsetDateTime,
    /// Authenticated user or client, if any.
    #[serde(default)]
    pub principal: Option<String>,
    /// Peer "ip:port".
    pub source: String,
    /// API name ("native", "tenant", "ca-api", …).
    pub api: String,
    /// HTTP method.
    pub method: String,
    /// Request path.
    pub path: String,
    /// HTTP status returned.
    pub status: u16,
}
