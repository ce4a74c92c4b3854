//! Authenticating the device behind a southbound request, and writing the bootstrapping-log
//! record for each request.

use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use base64::Engine;
use sztp_protocol::codec::Encoding;
use sztp_store::{BootstrapEvent, ProgressReport};
use time::OffsetDateTime;
use tracing::{info, warn};

use super::Southbound;
use crate::listen::PeerInfo;
use crate::provisioning::identity::{AuthFailure, AuthenticatedDevice, Presented, authenticate};
use crate::restconf::ErrorReply;

/// HTTP Basic credentials, if the request has well-formed ones.
pub fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, rest) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD.decode(rest.trim()).ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (user, pass) = text.split_once(':')?;
    Some((user.to_owned(), pass.to_owned()))
}

/// Authenticates the request's device; any failure is the same 401 to the device, with the
/// real reason in the server log and the bootstrapping log.
pub(super) async fn device(
    state: &Southbound,
    parts: &Parts,
    operation: &str,
    encoding: Encoding,
) -> Result<(AuthenticatedDevice, PeerInfo), axum::response::Response> {
    use axum::response::IntoResponse;
    let Some(peer) = parts.extensions.get::<PeerInfo>().cloned() else {
        warn!("request without connection info; refusing");
        return Err(ErrorReply::access_denied(encoding).into_response());
    };
    let presented =
        Presented { chain: peer.client_chain.as_deref().map(Vec::as_slice), basic: basic_credentials(&parts.headers) };
    let now = OffsetDateTime::now_utc();
    match authenticate(state.app.store(), state.tenant, &presented, now).await {
        Ok(device) => Ok((device, peer)),
        Err(AuthFailure::Store(e)) => {
            warn!(error = %e, "storage failure during device authentication");
            Err(crate::restconf::ErrorReply::new(
                encoding,
                sztp_protocol::model::restconf_errors::ErrorType::Application,
                sztp_protocol::model::restconf_errors::ErrorTag::OperationFailed,
                "internal error; see the server log",
            )
            .with_status(StatusCode::INTERNAL_SERVER_ERROR)
            .into_response())
        }
        Err(failure) => {
            info!(endpoint = %state.endpoint, peer = %peer.remote, reason = %failure, "device authentication failed");
            let event = BootstrapEvent {
                tenant: state.tenant,
                serial: None,
                time: now,
                source: peer.remote.to_string(),
                operation: operation.to_owned(),
                status: 401,
                outcome: "authentication failed".into(),
                progress: None,
                detail: Some(serde_json::json!({
                    "reason": failure.to_string(),
                    "claimed-serial": failure.claimed_serial(),
                })),
            };
            if let Err(e) = state.app.store().record_bootstrap(&event).await {
                warn!(error = %e, "could not write the bootstrapping log");
            }
            Err(ErrorReply::access_denied(encoding).into_response())
        }
    }
}

/// What one bootstrapping-log record says about a request.
pub(super) struct Outcome {
    /// HTTP status returned.
    pub status: u16,
    /// Short description.
    pub outcome: String,
    /// The progress report, for report-progress.
    pub progress: Option<ProgressReport>,
    /// Structured detail.
    pub detail: Option<serde_json::Value>,
}

/// Writes the bootstrapping-log record of an authenticated request (durably, before replying).
pub(super) async fn log(
    state: &Southbound,
    device: &AuthenticatedDevice,
    peer: &PeerInfo,
    operation: &str,
    o: Outcome,
) -> Result<(), sztp_store::StoreError> {
    let event = BootstrapEvent {
        tenant: state.tenant,
        serial: Some(device.serial.clone()),
        time: OffsetDateTime::now_utc(),
        source: peer.remote.to_string(),
        operation: operation.to_owned(),
        status: o.status,
        outcome: o.outcome,
        progress: o.progress,
        detail: o.detail,
    };
    state.app.store().record_bootstrap(&event).await
}
