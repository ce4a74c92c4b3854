//! The southbound RFC 8572 API (RESTCONF, RFC 8040): root discovery, the two RPCs and artifact
//! downloads. Each handler authenticates the device, calls the domain and replies.
//! * `POST /restconf/operations/ietf-sztp-bootstrap-server:get-bootstrapping-data` (§7.1)
//! * `POST /restconf/operations/ietf-sztp-bootstrap-server:report-progress` (§7.3)
//! * `GET /files/{name}`, `GET /.well-known/host-meta`, `GET /restconf`, the YANG library

pub(crate) mod auth;
pub(crate) use auth::basic_credentials;
mod discovery;
mod files;
mod get_bootstrapping_data;
mod input;
mod report_progress;

use std::sync::Arc;

use axum::Router;
use axum::extract::FromRequestParts;
use axum::http::HeaderMap;
use axum::http::request::Parts;
use axum::routing::{any, get, post};
use sztp_protocol::codec::Encoding;
use sztp_store::TenantId;

use crate::domain::Site;
use crate::restconf::{ErrorReply, Segments, error_encoding, negotiate, request_encoding};
use crate::state::AppState;

/// Largest RPC body accepted (bigger: 413). Progress reports with trust anchors stay far below.
pub(crate) const MAX_RPC_BODY: usize = 256 * 1024;

/// The module whose RPCs this API serves.
pub(crate) const MODULE: &str = "ietf-sztp-bootstrap-server";

/// State of one endpoint's southbound router.
#[derive(Clone, Debug)]
pub(crate) struct Southbound {
    /// Shared server state.
    pub app: AppState,
    /// The tenant whose devices this endpoint serves.
    pub tenant: TenantId,
    /// Endpoint name (for logs).
    pub endpoint: Arc<str>,
    /// Whether this endpoint serves `/files/{name}` (so artifact URIs can point at it).
    pub files: bool,
    /// The downloads this endpoint sends at once.
    pub downloads: crate::api::artifact_body::Downloads,
    /// This endpoint's request-body limits.
    pub body: crate::restconf::BodyLimits,
}

impl Southbound {
    /// The domain's view of this endpoint.
    pub(crate) fn site(&self) -> Site<'_> {
        Site {
            store: self.app.store(),
            kek: self.app.kek(),
            tenant: self.tenant,
            endpoint: &self.endpoint,
            serves_files: self.files,
            caches: self.app.caches(),
        }
    }
}

/// The southbound routes; `files` adds `GET /files/{name}` for device downloads.
pub(crate) fn router(state: Southbound, files: bool) -> Router {
    let rpc = |name: &str| format!("/restconf/operations/{MODULE}:{name}");
    let mut router = Router::new()
        .route("/.well-known/host-meta", get(discovery::host_meta).fallback(not_get))
        .route("/.well-known/host-meta.json", get(discovery::host_meta_json).fallback(not_get))
        .route("/restconf", get(discovery::root).fallback(not_get))
        .route("/restconf/", get(discovery::root).fallback(not_get))
        .route("/restconf/yang-library-version", get(discovery::yang_library_version).fallback(not_get))
        .route("/restconf/data/ietf-yang-library:yang-library", get(discovery::yang_library).fallback(not_get))
        .route("/restconf/operations", get(discovery::operations).fallback(not_get))
        .route(&rpc("get-bootstrapping-data"), post(get_bootstrapping_data::handle).fallback(not_post))
        .route(&rpc("report-progress"), post(report_progress::handle).fallback(not_post))
        .route("/restconf/operations/{rpc}", any(no_such_operation));
    if files {
        router = router.route("/files/{name}", get(files::download).fallback(not_get));
    }
    router.with_state(state)
}

/// The negotiated encodings of one RPC call: of its body (if it has a Content-Type) and reply;
/// as an extractor, the 415 or 406 when there are none.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Encodings {
    /// The request body's.
    pub request: Option<Encoding>,
    /// The reply's.
    pub reply: Encoding,
}

impl Encodings {
    /// Errors are written in the request's encoding when known, else in the reply's.
    pub(crate) fn errors(self) -> Encoding {
        self.request.unwrap_or(self.reply)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Encodings {
    type Rejection = ErrorReply;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ErrorReply> {
        let headers = &parts.headers;
        let request = request_encoding(headers).map_err(|msg| {
            ErrorReply::unsupported_media_type(negotiate(headers, Encoding::Json).unwrap_or(Encoding::Json), msg)
        })?;
        let reply = negotiate(headers, request.unwrap_or(Encoding::Json)).ok_or_else(|| {
            ErrorReply::not_acceptable(
                request.unwrap_or(Encoding::Json),
                "none of the media types in Accept can be produced; use application/yang-data+json or application/yang-data+xml",
            )
        })?;
        Ok(Encodings { request, reply })
    }
}

async fn no_such_operation(Segments(rpc): Segments<String>, headers: HeaderMap) -> ErrorReply {
    ErrorReply::not_found(error_encoding(&headers), format!("no such operation: {rpc}"))
}

async fn not_get(headers: HeaderMap) -> ErrorReply {
    ErrorReply::method_not_allowed(error_encoding(&headers), "this resource is read with GET", "GET, HEAD")
}

async fn not_post(headers: HeaderMap) -> ErrorReply {
    ErrorReply::method_not_allowed(error_encoding(&headers), "operations are invoked with POST", "POST")
}
