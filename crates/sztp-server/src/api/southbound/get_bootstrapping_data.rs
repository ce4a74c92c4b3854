//! `get-bootstrapping-data` (RFC 8572 §7.1): authenticate, decode, run the domain service, reply.

use axum::body::Body;
use axum::http::request::Parts;
use axum::response::Response;
use sztp_protocol::model::bootstrap_rpc::GetBootstrappingDataInput;
use sztp_store::{BootstrapEvent, CompatProfile};

use super::{Encodings, Southbound, auth, input};
use crate::domain::bootstrap::{DeviceRequest, get_bootstrapping_data};
use crate::domain::{compat, request_log};
use crate::restconf::{ErrorReply, document_reply};

const OPERATION: &str = BootstrapEvent::GET_BOOTSTRAPPING_DATA;

/// The reply, with the serial number of the device when it was identified.
pub(super) async fn handle(
    state: &Southbound,
    parts: &Parts,
    body: Body,
    enc: Encodings,
) -> Result<(String, Response), (Option<String>, ErrorReply)> {
    let call = auth::device(state, parts, OPERATION, enc.errors()).await.map_err(|e| (None, e))?;
    let serial = call.device.serial.clone();
    let site = state.site();
    let opi = call.device.device_type.profile == CompatProfile::OpiAgent;
    let repair = opi.then_some(compat::repair_opi_input as input::Repair);
    let (input, _) = input::decode::<GetBootstrappingDataInput>(body, enc, repair).await.map_err(|reply| {
        let reason = format!("bad input: {}", reply.error.error_message.clone().unwrap_or_default());
        let detail = serde_json::json!({ "error": reply.error.error_message });
        call.log.record(request_log::refusal(
            site.tenant,
            &call.device,
            call.peer.remote,
            OPERATION,
            reason,
            Some(detail),
        ));
        (Some(serial.clone()), reply)
    })?;
    let input = input.unwrap_or_default();
    let authority = authority(parts);
    let req = DeviceRequest {
        device: &call.device,
        source: call.peer.remote,
        authority: authority.as_deref(),
        log: &call.log,
    };
    match get_bootstrapping_data(&site, &req, &input, enc.reply).await {
        Ok(output) => Ok((serial, document_reply(enc.reply, &output))),
        Err(e) => Err((Some(serial), ErrorReply::from_bootstrap(enc.errors(), &e))),
    }
}

/// The authority the device used (artifact download URIs point back at it), if it is plain.
fn authority(parts: &Parts) -> Option<String> {
    parts
        .headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_owned)
        .or_else(|| parts.uri.authority().map(|a| a.to_string()))
        .filter(|a| !a.is_empty() && a.chars().all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c)))
}
