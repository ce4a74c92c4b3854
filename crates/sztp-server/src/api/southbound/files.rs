//! `GET /files/{name}`: artifacts (boot images and the like) served to authenticated devices
//! whose responses name them, with the SHA-256 as a strong ETag.

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
    let store = state.app.store();
    let allowed = crate::domain::select::may_download(store, state.tenant, &call.device, &name).await;
    let artifact = match allowed {
        // The same 404 as a missing file: a device learns nothing of others' images.
        Ok(false) => Ok(None),
        Ok(true) => store.get_artifact(state.tenant, &name).await,
        Err(e) => Err(e),
    };
    let response = match artifact {
        Err(e) => ErrorReply::internal(Encoding::Json, &e, "internal error").into_response(),
        Ok(None) => ErrorReply::not_found(Encoding::Json, format!("no file named \"{name}\"")).into_response(),
        Ok(Some(artifact)) => {
            let etag = format!("\"{}\"", artifact.sha256.iter().map(|b| format!("{b:02x}")).collect::<String>());
            if headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()) == Some(etag.as_str()) {
                not_modified()
            } else {
                let mut headers = HeaderMap::new();
                if let Ok(v) = HeaderValue::from_str(&artifact.media_type) {
                    headers.insert(header::CONTENT_TYPE, v);
                }
                if let Ok(v) = HeaderValue::from_str(&etag) {
                    headers.insert(header::ETAG, v);
                }
                artifact_reply(headers, artifact.content)
            }
        }
    };
    (call.principal(), response).into_response()
}
