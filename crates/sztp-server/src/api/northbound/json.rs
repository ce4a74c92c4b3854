//! RFC 7951 JSON values as the operator API handles them whole: a plain PATCH's merge, and the
//! `date-and-time` form of the logs. (Entries are read and written by
//! `sztp_protocol::model::northbound`.)

use serde_json::Value;
use time::OffsetDateTime;

/// Merges `patch` into `target` (RFC 7396 style, as a RESTCONF plain PATCH on one entry):
/// objects merge member by member, `null` removes a member, anything else replaces.
pub(super) fn merge(target: &mut Value, patch: &Value) {
    match (target, patch) {
        (Value::Object(t), Value::Object(p)) => {
            for (k, v) in p {
                if v.is_null() {
                    t.remove(k);
                } else {
                    merge(t.entry(k.clone()).or_insert(Value::Null), v);
                }
            }
        }
        (t, p) => *t = p.clone(),
    }
}

/// `yang:date-and-time` of a time.
pub(super) fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}
