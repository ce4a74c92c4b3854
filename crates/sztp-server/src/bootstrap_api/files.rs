//! `GET /files/{name}`: artifacts (boot images and the like) served to authenticated devices,
//! with the SHA-256 as a strong ETag.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sztp_protocol::codec::Encoding;
use sztp_protocol::model::restconf_errors::{ErrorTag, ErrorType};
use tracing::warn;

use super::Southbound;
use super::auth::{self, Outcome};
use crate::audit::Principal;
use crate::restconf::ErrorReply;

const OPERATION: &str = "download";

pub(super) async fn download(
    State(state): State<Southbound>,
    Path(name): Path<String>,
    request: axum::extract::Request,
) -> Response {
    let (parts, _) = request.into_parts();
    let (device, peer) = match auth::device(&state, &parts, OPERATION, Encoding::Json).await {
        Ok(d) => d,
        Err(response) => return response,
    };
    let artifact = match state.app.store().get_artifact(state.tenant, &name).await {
        Ok(a) => a,
        Err(e) => {
            warn!(error = %e, "storage failure while serving a file");
            return ErrorReply::new(
                Encoding::Json,
                ErrorType::Application,
                ErrorTag::OperationFailed,
                "internal error",
            )
            .with_status(StatusCode::INTERNAL_SERVER_ERROR)
            .into_response();
        }
    };
    let status = if artifact.is_some() { 200 } else { 404 };
    let outcome = Outcome { status, outcome: format!("download \"{name}\""), progress: None, detail: None };
    if let Err(e) = auth::log(&state, &device, &peer, OPERATION, outcome).await {
        warn!(error = %e, "could not write the bootstrapping log");
    }
    let Some(artifact) = artifact else {
        return ErrorReply::new(
            Encoding::Json,
            ErrorType::Application,
            ErrorTag::InvalidValue,
            format!("no file named \"{name}\""),
        )
        .with_status(StatusCode::NOT_FOUND)
        .into_response();
    };
    let etag: String = format!("\"{}\"", artifact.sha256.iter().map(|b| format!("{b:02x}")).collect::<String>());
    if parts.headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()) == Some(etag.as_str()) {
        return StatusCode::NOT_MODIFIED.into_response();
    }
    let mut headers = HeaderMap::new();
    if let Ok(v) = HeaderValue::from_str(&artifact.media_type) {
        headers.insert(header::CONTENT_TYPE, v);
    }
    if let Ok(v) = HeaderValue::from_str(&etag) {
        headers.insert(header::ETAG, v);
    }
    let mut response = (StatusCode::OK, headers, artifact.content).into_response();
    response.extensions_mut().insert(Principal(device.serial.clone()));
    response
}
