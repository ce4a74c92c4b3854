//! `preferences`: the password and lockout policy; leaves left out take the server's defaults.

use serde_json::{Value, json};

use super::{Fields, MODULE, Out};
use crate::codec::{DecodeError, DecodeErrorKind as K};

/// The policy as sent or read; `None` leaves take the server's defaults.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Preferences {
    /// Shortest password accepted (at least 8).
    pub min_password_length: Option<u32>,
    /// Days a password stays valid (none: no expiry).
    pub password_max_age_days: Option<u32>,
    /// Failed logins before a lockout (0: never).
    pub lockout_threshold: Option<u32>,
    /// Seconds a lockout lasts (at least 1).
    pub lockout_duration_secs: Option<u32>,
}

impl Preferences {
    /// Reads `{"sztp-server:preferences": {…}}`.
    pub fn from_document(document: &Value) -> Result<Preferences, DecodeError> {
        let top = format!("{MODULE}:preferences");
        let v = document
            .get(&top)
            .ok_or_else(|| DecodeError::new("/", K::Malformed, format!("the body must hold \"{top}\"")))?;
        let mut f = Fields::new(v, "preferences")?;
        let mut p = Preferences::default();
        f.container("password", |mut g| {
            p.min_password_length = number(&mut g, "min-length", (8, 1024))?;
            p.password_max_age_days = number(&mut g, "max-age", (1, u64::from(u16::MAX)))?;
            g.finish()
        })?;
        f.container("lockout", |mut g| {
            p.lockout_threshold = number(&mut g, "threshold", (0, u64::from(u16::MAX)))?;
            p.lockout_duration_secs = number(&mut g, "duration", (1, u64::from(u32::MAX)))?;
            g.finish()
        })?;
        f.finish()?;
        Ok(p)
    }

    /// `{"sztp-server:preferences": {…}}`.
    pub fn document(&self) -> Value {
        let password = Out::default()
            .opt("min-length", self.min_password_length)
            .opt("max-age", self.password_max_age_days)
            .done();
        let lockout =
            Out::default().opt("threshold", self.lockout_threshold).opt("duration", self.lockout_duration_secs).done();
        json!({ format!("{MODULE}:preferences"): { "password": password, "lockout": lockout } })
    }
}

fn number(f: &mut Fields<'_>, name: &'static str, range: (u64, u64)) -> Result<Option<u32>, DecodeError> {
    Ok(f.integer(name, range)?.and_then(|n| u32::try_from(n).ok()))
}
