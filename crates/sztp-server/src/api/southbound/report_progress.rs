//! `report-progress` (RFC 8572 §7.3): authenticate, decode, record the report, answer 204 once
//! the audit layer has committed it.

use axum::body::Body;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use sztp_protocol::model::progress::ReportProgressInput;
use sztp_protocol::model::restconf_errors::{ErrorTag, ErrorType};
use sztp_store::CompatProfile;

use super::auth::DeviceCall;
use super::{Encodings, Southbound, input};
use crate::domain::bootstrap::DeviceRequest;
use crate::domain::{compat, progress};
use crate::restconf::{ErrorReply, no_content};

/// The handler: encodings (415/406) and the device (401) are extracted first.
pub(super) async fn handle(State(state): State<Southbound>, enc: Encodings, call: DeviceCall, body: Body) -> Response {
    (call.principal(), respond(&state, &call, body, enc).await).into_response()
}

async fn respond(state: &Southbound, call: &DeviceCall, body: Body, enc: Encodings) -> Result<Response, ErrorReply> {
    let site = state.site();
    let req = DeviceRequest { device: &call.device, source: call.peer.remote, authority: None, log: &call.log };
    let opi = call.device.device_type.profile == CompatProfile::OpiAgent;
    let repair = opi.then_some(compat::repair_opi_progress as input::Repair);
    let decoded =
        input::decode::<ReportProgressInput>(body, state.body, enc, repair).await.and_then(
            |(input, raw)| match input {
                Some(input) => Ok((input, raw)),
                None => Err(ErrorReply::new(
                    enc.errors(),
                    ErrorType::Protocol,
                    ErrorTag::InvalidValue,
                    "report-progress needs an input with progress-type",
                )),
            },
        );
    let (input, raw) = decoded.inspect_err(|reply| {
        progress::bad_report(&site, &req, reply.error.error_message.as_deref().unwrap_or_default());
    })?;
    progress::report_progress(&site, &req, &input, raw);
    Ok(no_content())
}
