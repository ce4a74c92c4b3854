//! `report-progress`: authenticate, decode, store the report durably, answer 204.

use axum::body::Body;
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use sztp_protocol::codec::Encoding;
use sztp_protocol::model::YangDocument;
use sztp_protocol::model::progress::ReportProgressInput;
use sztp_protocol::model::restconf_errors::{ErrorTag, ErrorType, RestconfError};
use sztp_store::{CompatProfile, ProgressReport};
use tracing::{info, warn};

use super::auth::{self, Outcome};
use super::{MAX_RPC_BODY, Southbound};
use crate::audit::Principal;
use crate::provisioning::compat;
use crate::restconf::{ErrorReply, read_body};

const OPERATION: &str = "report-progress";

pub(super) async fn handle(
    state: Southbound,
    parts: Parts,
    body: Body,
    req: Option<Encoding>,
    reply: Encoding,
) -> Response {
    let err_enc = req.unwrap_or(reply);
    let (device, peer) = match auth::device(&state, &parts, OPERATION, err_enc).await {
        Ok(d) => d,
        Err(response) => return response,
    };
    let serial = device.serial.clone();
    let mut response = store_report(state, device, peer, body, req, err_enc).await;
    response.extensions_mut().insert(Principal(serial));
    response
}

async fn store_report(
    state: Southbound,
    device: crate::provisioning::identity::AuthenticatedDevice,
    peer: crate::listen::PeerInfo,
    body: Body,
    req: Option<Encoding>,
    err_enc: Encoding,
) -> Response {
    let refuse = |status: StatusCode, error: RestconfError| ErrorReply {
        status,
        error: Box::new(error),
        encoding: err_enc,
        headers: Default::default(),
    };
    let decoded = match read_body(body, MAX_RPC_BODY, err_enc).await {
        Err(e) => Err(e),
        Ok(bytes) if bytes.iter().all(u8::is_ascii_whitespace) => Err(refuse(
            StatusCode::BAD_REQUEST,
            RestconfError::new(
                ErrorType::Protocol,
                ErrorTag::InvalidValue,
                "report-progress needs an input with progress-type",
            ),
        )),
        Ok(bytes) => match req {
            None => Err(refuse(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                RestconfError::new(ErrorType::Transport, ErrorTag::InvalidValue, "a request body needs a Content-Type"),
            )),
            Some(encoding) => {
                let opi = device.device_type.profile == CompatProfile::OpiAgent && encoding == Encoding::Json;
                let body = if opi { compat::repair_opi_progress(&bytes) } else { bytes.to_vec() };
                ReportProgressInput::decode(encoding, &body)
                    .map(|input| (input, opi.then(|| String::from_utf8_lossy(&bytes).into_owned())))
                    .map_err(|e| refuse(StatusCode::BAD_REQUEST, RestconfError::from_decode(&e)))
            }
        },
    };
    let (input, raw) = match decoded {
        Ok(ok) => ok,
        Err(reply) => {
            let message = reply.error.error_message.clone().unwrap_or_default();
            info!(serial = %device.serial, reason = %message, "report-progress refused");
            let outcome = Outcome {
                status: reply.status.as_u16(),
                outcome: format!("bad report: {message}"),
                progress: None,
                detail: None,
            };
            if let Err(e) = auth::log(&state, &device, &peer, OPERATION, outcome).await {
                warn!(error = %e, "could not write the bootstrapping log");
            }
            return reply.into_response();
        }
    };

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
        progress_type: input.progress_type.as_str().to_owned(),
        message: input.message.clone(),
        ssh_host_keys,
        trust_anchor_certs: input.trust_anchor_certs.clone(),
    };
    let outcome = Outcome {
        status: 204,
        outcome: input.progress_type.as_str().to_owned(),
        progress: Some(progress),
        detail: raw.map(|r| serde_json::json!({ "raw-report": r })),
    };
    // 204 only after the report is durably committed.
    match auth::log(&state, &device, &peer, OPERATION, outcome).await {
        Ok(()) => {
            info!(serial = %device.serial, progress = input.progress_type.as_str(), "progress reported");
            StatusCode::NO_CONTENT.into_response()
        }
        Err(e) => {
            warn!(error = %e, serial = %device.serial, "could not store a progress report");
            ErrorReply::new(
                err_enc,
                ErrorType::Application,
                ErrorTag::OperationFailed,
                "the report could not be stored; retry",
            )
            .with_status(StatusCode::INTERNAL_SERVER_ERROR)
            .into_response()
        }
    }
}
