//! report-progress (RFC 8572 §7.3) without HTTP: what a report changes in the device's status,
//! and its bootstrapping-log record with the report itself.

use base64::Engine;
use sztp_protocol::model::progress::{ProgressType, ReportProgressInput};
use sztp_store::{BootstrapEvent, ProgressReport, StatusChange};
use tracing::info;

use super::Site;
use super::bootstrap::DeviceRequest;
use super::request_log::{event, refusal};

const OPERATION: &str = BootstrapEvent::REPORT_PROGRESS;

/// Records a device's progress report; `raw` is the report as sent, kept when the device's
/// profile needed it repaired. Durable once the request's records are committed.
pub(crate) fn report_progress(
    site: &Site<'_>,
    req: &DeviceRequest<'_>,
    input: &ReportProgressInput,
    raw: Option<String>,
) {
    let kind = input.progress_type;
    let b64 = base64::engine::general_purpose::STANDARD;
    let ssh_host_keys = (!input.ssh_host_keys.is_empty()).then(|| {
        serde_json::Value::Array(
            input
                .ssh_host_keys
                .iter()
                .map(|k| serde_json::json!({ "algorithm": k.algorithm, "key-data": b64.encode(&k.key_data) }))
                .collect(),
        )
    });
    let progress = ProgressReport {
        progress_type: kind.as_str().to_owned(),
        message: input.message.clone(),
        ssh_host_keys,
        trust_anchor_certs: input.trust_anchor_certs.clone(),
    };
    let ev = event(site.tenant, Some(req.device), req.source, OPERATION, kind.as_str().to_owned(), change(input));
    req.log.record(BootstrapEvent {
        progress: Some(progress),
        detail: raw.map(|r| serde_json::json!({ "raw-report": r })),
        ..ev
    });
    info!(serial = %req.device.serial, progress = kind.as_str(), "progress reported");
}

/// Records a report the device sent but that could not be read.
pub(crate) fn bad_report(site: &Site<'_>, req: &DeviceRequest<'_>, reason: &str) {
    info!(serial = %req.device.serial, %reason, "report-progress refused");
    req.log.record(refusal(site.tenant, req.device, req.source, OPERATION, format!("bad report: {reason}"), None));
}

/// What a report changes: the stage always; an error type sets the latest error; completion
/// stamps the time; a new bootstrap clears both.
fn change(input: &ReportProgressInput) -> StatusChange {
    use ProgressType as P;
    let kind = input.progress_type;
    let error = matches!(
        kind,
        P::ParsingError
            | P::BootImageError
            | P::PreScriptError
            | P::ConfigError
            | P::PostScriptError
            | P::BootstrapError
    )
    .then(|| match &input.message {
        Some(m) => format!("{}: {m}", kind.as_str()),
        None => kind.as_str().to_owned(),
    });
    StatusChange {
        attempt: false,
        stage: Some(kind.as_str().to_owned()),
        error,
        completed: kind == P::BootstrapComplete,
        restart: kind == P::BootstrapInitiated,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_completion_and_restart_change_the_status_as_rfc8572_types_say() {
        let report = |kind, message: Option<&str>| ReportProgressInput {
            message: message.map(str::to_owned),
            ..ReportProgressInput::new(kind)
        };
        let c = change(&report(ProgressType::ConfigError, Some("commit failed")));
        assert_eq!(
            (c.stage.as_deref(), c.error.as_deref()),
            (Some("config-error"), Some("config-error: commit failed"))
        );
        assert_eq!(change(&report(ProgressType::BootstrapError, None)).error.as_deref(), Some("bootstrap-error"));
        assert_eq!(change(&report(ProgressType::BootImageMismatch, None)).error, None, "not an -error type");
        assert_eq!(change(&report(ProgressType::ConfigWarning, Some("w"))).error, None);
        assert!(change(&report(ProgressType::BootstrapComplete, None)).completed);
        assert!(change(&report(ProgressType::BootstrapInitiated, None)).restart);
        assert!(!change(&report(ProgressType::Informational, None)).attempt);
        for kind in ProgressType::ALL {
            let c = change(&report(*kind, None));
            assert_eq!(c.error.is_some(), kind.as_str().ends_with("-error"), "{}", kind.as_str());
        }
    }
}
