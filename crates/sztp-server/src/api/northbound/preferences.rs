//! `sztp-server:preferences`: password and lockout policy (GET, and PUT to replace).

use axum::http::Method;
use axum::response::Response;
use serde_json::Value;
use sztp_protocol::codec::Encoding;
use sztp_protocol::model::northbound::preferences as wire;
use sztp_protocol::model::restconf_errors::ErrorTag;
use sztp_store::Preferences;

use super::auth::Caller;
use super::{decode_error, error, first_use_refusal, store_error};
use crate::restconf::{ErrorReply, json_reply, no_content};
use crate::state::AppState;

/// The preferences as the wire shows them (every leaf set).
fn to_wire(p: &Preferences) -> wire::Preferences {
    wire::Preferences {
        min_password_length: Some(p.min_password_length),
        password_max_age_days: p.password_max_age_days,
        lockout_threshold: Some(p.lockout_threshold),
        lockout_duration_secs: Some(p.lockout_duration_secs),
    }
}

/// Preferences from the wire; absent leaves take the YANG defaults.
fn from_wire(w: wire::Preferences) -> Preferences {
    let d = Preferences::default();
    Preferences {
        min_password_length: w.min_password_length.unwrap_or(d.min_password_length),
        password_max_age_days: w.password_max_age_days,
        lockout_threshold: w.lockout_threshold.unwrap_or(d.lockout_threshold),
        lockout_duration_secs: w.lockout_duration_secs.unwrap_or(d.lockout_duration_secs),
    }
}

/// GET and PUT of `preferences`, for unrestricted administrators (and not as the first write).
pub(super) async fn serve(
    app: &AppState,
    caller: &Caller,
    method: &Method,
    input: Option<Value>,
) -> Result<Response, ErrorReply> {
    if !caller.is_unrestricted() {
        return Err(ErrorReply::forbidden(Encoding::Json, "only unrestricted administrators manage preferences"));
    }
    match (method.clone(), input) {
        (Method::GET, _) => {
            let p = app.store().get_preferences().await.map_err(store_error)?;
            Ok(json_reply(to_wire(&p).document()))
        }
        (_, _) if matches!(caller, Caller::FirstUse) => Err(first_use_refusal()),
        (Method::PUT, Some(body)) => {
            let p = from_wire(wire::Preferences::from_document(&body).map_err(decode_error)?);
            app.store().put_preferences(&p).await.map_err(store_error)?;
            Ok(no_content())
        }
        _ => Err(error(ErrorTag::OperationNotSupported, "preferences support GET and PUT")),
    }
}
