//! `report-progress` (RFC 8572 §7.3): authenticate, decode, record the report, answer 204 once
//! the audit layer has committed it.

use axum::body::Body;
use axum::http::request::Parts;
use axum::response::Response;
use sztp_protocol::model::progress::ReportProgressInput;
use sztp_protocol::model::restconf_errors::{ErrorTag, ErrorType};
use sztp_store::{BootstrapEvent, CompatProfile};

use super::{Encodings, Southbound, auth, input};
use crate::domain::bootstrap::DeviceRequest;
use crate::domain::{compat, progress};
use crate::restconf::{ErrorReply, no_content};

const OPERATION: &str = BootstrapEvent::REPORT_PROGRESS;

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
    let req = DeviceRequest { device: &call.device, source: call.peer.remote, authority: None, log: &call.log };
    let opi = call.device.device_type.profile == CompatProfile::OpiAgent;
    let repair = opi.then_some(compat::repair_opi_progress as input::Repair);
    let decoded = input::decode::<ReportProgressInput>(body, enc, repair).await.and_then(|(input, raw)| match input {
        Some(input) => Ok((input, raw)),
        None => Err(ErrorReply::new(
            enc.errors(),
            ErrorType::Protocol,
            ErrorTag::InvalidValue,
            "report-progress needs an input with progress-type",
        )),
    });
    match decoded {
        Ok((input, raw)) => {
            progress::report_progress(&site, &req, &input, raw);
            Ok((serial, no_content()))
        }
        Err(reply) => {
            progress::bad_report(&site, &req, reply.error.error_message.as_deref().unwrap_or_default());
            Err((Some(serial), reply))
        }
    }
}
