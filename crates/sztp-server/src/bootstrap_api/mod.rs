//! The southbound RFC 8572 API: RESTCONF root discovery, the two RPCs, and artifact downloads
//! for devices. Every RPC authenticates the device first and is scoped to its serial.

pub(crate) mod auth;
pub use auth::basic_credentials;
mod discovery;
mod files;
mod get_bootstrapping_data;
mod report_progress;

use std::sync::Arc;

use axum::Router;
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use sztp_protocol::codec::Encoding;
use sztp_protocol::model::restconf_errors::{ErrorTag, ErrorType};
use sztp_store::TenantId;

use crate::restconf::{ErrorReply, negotiate, request_encoding};
use crate::state::AppState;

/// Largest RPC body accepted (bigger: 413). Progress reports with trust anchors stay far below.
pub const MAX_RPC_BODY: usize = 256 * 1024;

/// The module whose RPCs this API serves.
pub const MODULE: &str = "ietf-sztp-bootstrap-server";

/// State of one endpoint's southbound router.
#[derive(Clone, Debug)]
pub struct Southbound {
    /// Shared server state.
    pub app: AppState,
    /// The tenant whose devices this endpoint serves.
    pub tenant: TenantId,
    /// Endpoint name (for logs).
    pub endpoint: Arc<str>,
    /// Whether this endpoint serves `/files/{name}` (so artifact URIs can point at it).
    pub files: bool,
}

/// The southbound routes; `files` adds `GET /files/{name}` for device downloads.
pub fn router(state: Southbound, files: bool) -> Router {
    let mut router = Router::new()
        .route("/.well-known/host-meta", get(discovery::host_meta))
        .route("/.well-known/host-meta.json", get(discovery::host_meta_json))
        .route("/restconf", get(discovery::root))
        .route("/restconf/", get(discovery::root))
        .route("/restconf/yang-library-version", get(discovery::yang_library_version))
        .route("/restconf/data/ietf-yang-library:yang-library", get(discovery::yang_library))
        .route("/restconf/operations", get(discovery::operations))
        .route("/restconf/operations/{rpc}", any(rpc));
    if files {
        router = router.route("/files/{name}", get(files::download));
    }
    router.with_state(state)
}

async fn rpc(
    axum::extract::State(state): axum::extract::State<Southbound>,
    axum::extract::Path(rpc): axum::extract::Path<String>,
    request: axum::extract::Request,
) -> Response {
    let (parts, body) = request.into_parts();
    let enc = reply_encoding_for_errors(&parts.headers);
    let known = matches!(
        rpc.strip_prefix(MODULE).and_then(|r| r.strip_prefix(':')),
        Some("get-bootstrapping-data" | "report-progress")
    );
    if !known {
        return ErrorReply::new(enc, ErrorType::Protocol, ErrorTag::InvalidValue, format!("no such operation: {rpc}"))
            .with_status(StatusCode::NOT_FOUND)
            .into_response();
    }
    if parts.method != Method::POST {
        return ErrorReply::new(
            enc,
            ErrorType::Protocol,
            ErrorTag::OperationNotSupported,
            "operations are invoked with POST",
        )
        .with_status(StatusCode::METHOD_NOT_ALLOWED)
        .with_header(header::ALLOW, "POST")
        .into_response();
    }
    let (req_enc, reply_enc) = match encodings(&parts.headers) {
        Ok(pair) => pair,
        Err(reply) => return reply.into_response(),
    };
    if rpc.ends_with(":get-bootstrapping-data") {
        get_bootstrapping_data::handle(state, parts, body, req_enc, reply_enc).await
    } else {
        report_progress::handle(state, parts, body, req_enc, reply_enc).await
    }
}

/// Request and reply encodings, or the 415/406 reply. Errors are written in the request's
/// encoding when known, else in the negotiated one, else JSON.
fn encodings(headers: &HeaderMap) -> Result<(Option<Encoding>, Encoding), ErrorReply> {
    let req = request_encoding(headers).map_err(|msg| {
        let enc = negotiate(headers, Encoding::Json).unwrap_or(Encoding::Json);
        ErrorReply::new(enc, ErrorType::Transport, ErrorTag::InvalidValue, msg)
            .with_status(StatusCode::UNSUPPORTED_MEDIA_TYPE)
    })?;
    let reply = negotiate(headers, req.unwrap_or(Encoding::Json)).ok_or_else(|| {
        ErrorReply::new(
            req.unwrap_or(Encoding::Json),
            ErrorType::Transport,
            ErrorTag::InvalidValue,
            "none of the media types in Accept can be produced; use application/yang-data+json or application/yang-data+xml",
        )
        .with_status(StatusCode::NOT_ACCEPTABLE)
    })?;
    Ok((req, reply))
}

fn reply_encoding_for_errors(headers: &HeaderMap) -> Encoding {
    request_encoding(headers).ok().flatten().or_else(|| negotiate(headers, Encoding::Json)).unwrap_or(Encoding::Json)
}
