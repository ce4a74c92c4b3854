//! `GET /files/{name}`: artifacts (boot images and the like) served to authenticated devices
//! whose responses name them, streamed, with the SHA-256 as a strong ETag; the endpoint's
//! `max-downloads` bounds how many are sent at once.

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use sztp_protocol::codec::Encoding;
use sztp_store::StatusChange;

use super::Southbound;
use super::auth::DeviceCall;
use crate::domain::request_log::event;
use crate::restconf::status::{artifact_reply, not_modified};
use crate::restconf::{ErrorReply, Segments};

const OPERATION: &str = "download";

pub(super) async fn download(
    State(state): State<Southbound>,
    Segments(name): Segments<String>,
    call: DeviceCall,
    headers: HeaderMap,
) -> Response {
    let outcome = format!("download \"{name}\"");
    let change = StatusChange::default();
    call.log.record(event(state.tenant, Some(&call.device), call.peer.remote, OPERATION, outcome, change));
    let response = reply(&state, &call, &name, &headers).await.unwrap_or_else(|r| r);
    (call.principal(), response).into_response()
}

/// The file as a streamed body, `304` for a current copy, or the error reply.
async fn reply(state: &Southbound, call: &DeviceCall, name: &str, headers: &HeaderMap) -> Result<Response, Response> {
    let store = state.app.store();
    let internal =
        |e: sztp_store::StoreError| ErrorReply::internal(Encoding::Json, &e, "internal error").into_response();
    // A file the device may not have gets the same 404 as a missing one: it learns nothing of
    // others' images.
    let allowed =
        crate::domain::select::may_download(store, state.tenant, &call.device, name).await.map_err(internal)?;
    let found = if allowed { store.read_artifact(state.tenant, name).await.map_err(internal)? } else { None };
    let not_found = || ErrorReply::not_found(Encoding::Json, format!("no file named \"{name}\"")).into_response();
    let (meta, reader) = found.ok_or_else(not_found)?;
    let etag = format!("\"{}\"", meta.sha256.iter().map(|b| format!("{b:02x}")).collect::<String>());
    if headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()) == Some(etag.as_str()) {
        return Ok(not_modified());
    }
    let slot =
        state.downloads.slot().await.ok_or_else(|| ErrorReply::downloads_busy(Encoding::Json).into_response())?;
    let mut headers = HeaderMap::new();
    if let Ok(v) = HeaderValue::from_str(&meta.media_type) {
        headers.insert(header::CONTENT_TYPE, v);
    }
    if let Ok(v) = HeaderValue::from_str(&etag) {
        headers.insert(header::ETAG, v);
    }
    Ok(artifact_reply(headers, crate::api::artifact_body::stream(reader, Some(slot))))
}
