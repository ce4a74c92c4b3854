//! `sztp-server:preferences`: password and lockout policy (GET, and PUT to replace).

use axum::http::Method;
use axum::response::Response;
use serde_json::{Value, json};
use sztp_protocol::codec::Encoding;
use sztp_protocol::model::restconf_errors::ErrorTag;
use sztp_store::Preferences;

use super::auth::Caller;
use super::json::{FieldError, Fields};
use super::{error, field_error, first_use_refusal, store_error};
use crate::restconf::{ErrorReply, json_reply, no_content};
use crate::state::AppState;

/// RFC 7951 JSON of the preferences container.
pub(super) fn to_json(p: &Preferences) -> Value {
    let mut password = json!({ "min-length": p.min_password_length });
    if let Some(days) = p.password_max_age_days {
        password["max-age"] = json!(days);
    }
    json!({ "password": password, "lockout": { "threshold": p.lockout_threshold, "duration": p.lockout_duration_secs } })
}

fn number(f: &mut Fields<'_>, name: &'static str, max: u64) -> Result<Option<u32>, FieldError> {
    match f.value(name) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_u64()
            .filter(|n| *n <= max)
            .map(|n| Some(n as u32))
            .ok_or_else(|| FieldError::invalid(name, format!("must be an integer from 0 to {max}"))),
    }
}

/// Preferences from input JSON; absent leaves take the YANG defaults.
pub(super) fn from_json(v: &Value) -> Result<Preferences, FieldError> {
    let defaults = Preferences::default();
    let mut f = Fields::new(v, "preferences")?;
    let mut p = defaults;
    if let Some(pw) = f.object("password")? {
        let mut g = Fields::new(pw, "password")?;
        p.min_password_length = number(&mut g, "min-length", 1024)?.unwrap_or(defaults.min_password_length);
        p.password_max_age_days = number(&mut g, "max-age", u64::from(u16::MAX))?;
        g.finish()?;
    }
    if let Some(l) = f.object("lockout")? {
        let mut g = Fields::new(l, "lockout")?;
        p.lockout_threshold = number(&mut g, "threshold", u64::from(u16::MAX))?.unwrap_or(defaults.lockout_threshold);
        p.lockout_duration_secs =
            number(&mut g, "duration", u64::from(u32::MAX))?.unwrap_or(defaults.lockout_duration_secs);
        g.finish()?;
    }
    f.finish()?;
    if p.min_password_length < 8 {
        return Err(FieldError::invalid("min-length", "must be at least 8"));
    }
    if p.password_max_age_days == Some(0) {
        return Err(FieldError::invalid("max-age", "must be at least 1 day (omit it for no expiry)"));
    }
    if p.lockout_duration_secs == 0 {
        return Err(FieldError::invalid("duration", "must be at least 1 second (threshold 0 disables lockout)"));
    }
    Ok(p)
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
            Ok(json_reply(json!({ "sztp-server:preferences": to_json(&p) })))
        }
        (_, _) if matches!(caller, Caller::FirstUse) => Err(first_use_refusal()),
        (Method::PUT, Some(body)) => {
            let inner = body
                .get("sztp-server:preferences")
                .ok_or_else(|| error(ErrorTag::MalformedMessage, "the body must hold \"sztp-server:preferences\""))?;
            let p = from_json(inner).map_err(field_error)?;
            app.store().put_preferences(&p).await.map_err(store_error)?;
            Ok(no_content())
        }
        _ => Err(error(ErrorTag::OperationNotSupported, "preferences support GET and PUT")),
    }
}
