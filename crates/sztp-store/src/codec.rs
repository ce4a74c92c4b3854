//! Conversions between record types and portable column values (integers, text, JSON text).
//! Timestamps are stored as microseconds since the Unix epoch in BIGINT columns.

use serde::{Serialize, de::DeserializeOwned};
use time::OffsetDateTime;

use crate::error::{Result, StoreError};

/// Longest name, serial number or other unique key (VARCHAR length on every backend).
pub(crate) const MAX_NAME_LEN: usize = 255;

/// Largest page a list or log query returns.
pub const MAX_PAGE_SIZE: u64 = 10_000;

/// Microseconds since the epoch. `time` limits years to ±9999, which always fits in an i64.
pub(crate) fn micros(t: OffsetDateTime) -> i64 {
    i64::try_from(t.unix_timestamp_nanos().div_euclid(1000)).unwrap_or(i64::MAX)
}

/// Optional variant of [`micros`].
pub(crate) fn opt_micros(t: Option<OffsetDateTime>) -> Option<i64> {
    t.map(micros)
}

/// Reads a stored timestamp; out-of-range values are reported, never panic.
pub(crate) fn from_micros(us: i64, what: &'static str) -> Result<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(us) * 1000)
        .map_err(|_| StoreError::Database(format!("stored {what} timestamp {us} is out of range")))
}

/// Optional variant of [`from_micros`].
pub(crate) fn from_opt_micros(us: Option<i64>, what: &'static str) -> Result<Option<OffsetDateTime>> {
    us.map(|us| from_micros(us, what)).transpose()
}

/// The current time, truncated to what the database keeps.
pub(crate) fn now() -> OffsetDateTime {
    let t = OffsetDateTime::now_utc();
    t.replace_nanosecond(t.nanosecond() / 1000 * 1000).unwrap_or(t)
}

/// Serializes a value into a JSON text column.
pub(crate) fn to_json<T: Serialize + ?Sized>(value: &T, what: &'static str) -> Result<String> {
    serde_json::to_string(value).map_err(|e| StoreError::Invalid(format!("{what} cannot be encoded as JSON: {e}")))
}

/// Reads a JSON text column.
pub(crate) fn from_json<T: DeserializeOwned>(text: &str, what: &'static str) -> Result<T> {
    serde_json::from_str(text).map_err(|e| StoreError::Database(format!("stored {what} is unreadable: {e}")))
}

/// The serde name of a unit enum variant ("opi-agent"), stored in a VARCHAR column.
pub(crate) fn enum_str<T: Serialize>(value: &T, what: &'static str) -> Result<String> {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => Ok(s),
        _ => Err(StoreError::Invalid(format!("{what} is not a simple enumeration value"))),
    }
}

/// Parses a unit enum variant stored by [`enum_str`].
pub(crate) fn enum_parse<T: DeserializeOwned>(text: &str, what: &'static str) -> Result<T> {
    serde_json::from_value(serde_json::Value::String(text.to_owned()))
        .map_err(|_| StoreError::Database(format!("stored {what} '{text}' is not a known value")))
}

/// Optional variant of [`enum_parse`].
pub(crate) fn opt_enum_parse<T: DeserializeOwned>(text: Option<&str>, what: &'static str) -> Result<Option<T>> {
    text.map(|t| enum_parse(t, what)).transpose()
}

/// Checks a name or serial number used as a key: non-empty, at most 255 characters, no control characters.
pub(crate) fn check_name(kind: &str, name: &str) -> Result<()> {
    if name.is_empty() {
        return Err(StoreError::Invalid(format!("{kind} name must not be empty")));
    }
    if name.chars().count() > MAX_NAME_LEN {
        return Err(StoreError::Invalid(format!("{kind} name is longer than {MAX_NAME_LEN} characters")));
    }
    if name.chars().any(char::is_control) {
        return Err(StoreError::Invalid(format!("{kind} name '{}' contains control characters", name.escape_debug())));
    }
    Ok(())
}

/// Checks an optional reference to another record by name.
pub(crate) fn check_opt_name(kind: &str, name: Option<&str>) -> Result<()> {
    name.map_or(Ok(()), |n| check_name(kind, n))
}

/// Reads a stored port or HTTP status.
pub(crate) fn to_u16(value: i32, what: &'static str) -> Result<u16> {
    u16::try_from(value).map_err(|_| StoreError::Database(format!("stored {what} {value} is out of range")))
}

/// Reads a stored size or count.
pub(crate) fn to_u64(value: i64, what: &'static str) -> Result<u64> {
    u64::try_from(value).map_err(|_| StoreError::Database(format!("stored {what} {value} is negative")))
}

/// Converts a size for storage.
pub(crate) fn from_u64(value: u64, what: &'static str) -> Result<i64> {
    i64::try_from(value).map_err(|_| StoreError::Invalid(format!("{what} {value} is too large")))
}

/// Clamps a page size to [`MAX_PAGE_SIZE`].
pub(crate) fn page_limit(limit: u64) -> u64 {
    limit.min(MAX_PAGE_SIZE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_round_trip_at_microsecond_precision() {
        let t = now();
        assert_eq!(from_micros(micros(t), "t").ok(), Some(t));
        let before_epoch = OffsetDateTime::UNIX_EPOCH - time::Duration::microseconds(1);
        assert_eq!(micros(before_epoch), -1);
        assert!(from_micros(i64::MAX, "t").is_err());
    }

    #[test]
    fn names_are_checked() {
        assert!(check_name("device", "SN-1").is_ok());
        assert!(check_name("device", "").is_err());
        assert!(check_name("device", "a\nb").is_err());
        assert!(check_name("device", &"x".repeat(256)).is_err());
    }

    #[test]
    fn unreadable_values_are_errors_not_panics() {
        assert!(from_json::<Vec<String>>("{", "rules").is_err());
        assert!(to_u16(70_000, "port").is_err());
        assert!(to_u64(-1, "size").is_err());
    }
}
