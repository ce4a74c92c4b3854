//! `get-bootstrapping-data` (RFC 8572 §7.1): authenticate, decode, run the domain service, reply.

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, Uri};
use axum::response::{IntoResponse, Response};
use sztp_protocol::model::bootstrap_rpc::GetBootstrappingDataInput;
use sztp_store::{BootstrapEvent, CompatProfile};

use super::auth::DeviceCall;
use super::{Encodings, Southbound, input};
use crate::domain::bootstrap::{DeviceRequest, get_bootstrapping_data};
use crate::domain::{compat, request_log};
use crate::restconf::{ErrorReply, document_reply};

const OPERATION: &str = BootstrapEvent::GET_BOOTSTRAPPING_DATA;

/// The handler: encodings (415/406) and the device (401) are extracted first.
pub(super) async fn handle(
    State(state): State<Southbound>,
    enc: Encodings,
    call: DeviceCall,
    headers: HeaderMap,
    uri: Uri,
    body: Body,
) -> Response {
    let authority = authority(&headers, &uri);
    (call.principal(), respond(&state, &call, authority.as_deref(), body, enc).await).into_response()
}

async fn respond(
    state: &Southbound,
    call: &DeviceCall,
    authority: Option<&str>,
    body: Body,
    enc: Encodings,
) -> Result<Response, ErrorReply> {
    let site = state.site();
    let opi = call.device.device_type.profile == CompatProfile::OpiAgent;
    let repair = opi.then_some(compat::repair_opi_input as input::Repair);
    let (input, _) =
        input::decode::<GetBootstrappingDataInput>(body, state.body, enc, repair).await.inspect_err(|reply| {
            let reason = format!("bad input: {}", reply.error.error_message.clone().unwrap_or_default());
            let detail = serde_json::json!({ "error": reply.error.error_message });
            let source = call.peer.remote;
            call.log.record(request_log::refusal(site.tenant, &call.device, source, OPERATION, reason, Some(detail)));
        })?;
    let req = DeviceRequest { device: &call.device, source: call.peer.remote, authority, log: &call.log };
    let output = get_bootstrapping_data(&site, &req, &input.unwrap_or_default(), enc.reply)
        .await
        .map_err(|e| ErrorReply::from_bootstrap(enc.errors(), &e))?;
    Ok(document_reply(enc.reply, &output))
}

/// The authority the device used (Host, or HTTP/2's `:authority`): artifact download URIs point
/// back at it, if it is plain.
fn authority(headers: &HeaderMap, uri: &Uri) -> Option<String> {
    headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_owned)
        .or_else(|| uri.authority().map(|a| a.to_string()))
        .filter(|a| !a.is_empty() && a.chars().all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c)))
}
