//! `sztp-server:preferences`: password and lockout policy (GET, and PUT to replace).

use serde_json::{Value, json};
use sztp_store::Preferences;

use super::json::{FieldError, Fields};

/// RFC 7951 JSON of the preferences container.
pub fn to_json(p: &Preferences) -> Value {
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
pub fn from_json(v: &Value) -> Result<Preferences, FieldError> {
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
