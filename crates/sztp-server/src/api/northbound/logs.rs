//! `bootstrapping-log` and `audit-log`, read-only and paginated: `limit`, `offset`,
//! `direction=ascending|descending` (by time, `sort-by=time`), `serial`, `since`, `until`.

use axum::response::Response;
use serde_json::{Map, Value, json};
use sztp_protocol::model::restconf_errors::ErrorTag;
use sztp_store::{LogQuery, TenantId};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::json::rfc3339;
use crate::restconf::ErrorReply;
use crate::state::AppState;

/// Which log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Log {
    /// Southbound requests.
    Bootstrapping,
    /// Every API request.
    Audit,
}

/// Default page size when `limit` is absent.
pub(super) const DEFAULT_LIMIT: u64 = 100;

/// Parses the query string into a store query; `Err` is the message of a 400.
pub(super) fn parse_query(query: Option<&str>) -> Result<LogQuery, String> {
    let mut q = LogQuery { limit: DEFAULT_LIMIT, descending: true, ..LogQuery::default() };
    for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let value = decode(value);
        let number = |v: &str| v.parse::<u64>().map_err(|_| format!("{name}: \"{v}\" is not a non-negative integer"));
        let time = |v: &str| {
            OffsetDateTime::parse(v, &Rfc3339)
                .map(Some)
                .map_err(|_| format!("{name}: \"{v}\" is not an RFC 3339 date-and-time"))
        };
        match name {
            "limit" => q.limit = number(&value)?.min(sztp_store::MAX_PAGE_SIZE),
            "offset" => q.offset = number(&value)?,
            "direction" => {
                q.descending = match value.as_str() {
                    "descending" => true,
                    "ascending" => false,
                    other => return Err(format!("direction: \"{other}\" is not ascending or descending")),
                }
            }
            "sort-by" if value == "time" || value == "id" => {}
            "sort-by" => return Err(format!("sort-by: entries can be sorted by time only, not \"{value}\"")),
            "serial" => q.serial = Some(value),
            "since" => q.since = time(&value)?,
            "until" => q.until = time(&value)?,
            other => return Err(format!("unknown query parameter \"{other}\"")),
        }
    }
    Ok(q)
}

/// Percent-decodes a query value (`+` is a space).
pub(super) fn decode(v: &str) -> String {
    let plus = v.replace('+', " ");
    let bytes = plus.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match (bytes[i], plus.get(i + 1..i + 3).and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Serves one page of a log as `{"sztp-server:<log>":{"entry":[…]}}`.
pub(super) async fn serve(
    app: &AppState,
    tenant: TenantId,
    log: Log,
    query: Option<&str>,
) -> Result<Response, ErrorReply> {
    let bad = |m: String| {
        ErrorReply::new(
            sztp_protocol::codec::Encoding::Json,
            sztp_protocol::model::restconf_errors::ErrorType::Protocol,
            ErrorTag::InvalidValue,
            m,
        )
    };
    let q = parse_query(query).map_err(bad)?;
    let failed = |e: sztp_store::StoreError| bad(format!("storage: {e}")).with_tag_status(ErrorTag::OperationFailed);
    let (name, entries): (&str, Vec<Value>) = match log {
        Log::Bootstrapping => {
            let rows = app.store().bootstrap_log(tenant, &q).await.map_err(failed)?;
            ("bootstrapping-log", rows.into_iter().map(bootstrap_entry).collect())
        }
        Log::Audit => {
            let rows = app.store().audit_log(tenant, &q).await.map_err(failed)?;
            ("audit-log", rows.into_iter().map(|(id, a)| audit_entry(id, a)).collect())
        }
    };
    let body = json!({ format!("sztp-server:{name}"): { "entry": entries } });
    Ok(crate::restconf::json_reply(body))
}

/// One bootstrapping-log entry in JSON.
fn bootstrap_entry(e: sztp_store::LogEntry) -> Value {
    let mut o = Map::new();
    o.insert("id".into(), json!(e.id.to_string()));
    o.insert("time".into(), json!(rfc3339(e.time)));
    if let Some(s) = e.serial {
        o.insert("serial".into(), json!(s));
    }
    o.insert("source".into(), json!(e.source));
    o.insert("operation".into(), json!(e.operation));
    o.insert("status".into(), json!(e.status));
    o.insert("outcome".into(), json!(e.outcome));
    if let Some(p) = e.progress_type {
        o.insert("progress-type".into(), json!(p));
    }
    if let Some(m) = e.message {
        o.insert("message".into(), json!(m));
    }
    if let Some(d) = e.detail {
        o.insert("detail".into(), json!(d.to_string()));
    }
    Value::Object(o)
}

/// One audit-log entry in JSON.
fn audit_entry(id: i64, a: sztp_store::AuditRecord) -> Value {
    let mut o = Map::new();
    o.insert("id".into(), json!(id.to_string()));
    o.insert("time".into(), json!(rfc3339(a.time)));
    if let Some(p) = a.principal {
        o.insert("principal".into(), json!(p));
    }
    o.insert("source".into(), json!(a.source));
    o.insert("api".into(), json!(a.api));
    o.insert("method".into(), json!(a.method));
    o.insert("path".into(), json!(a.path));
    o.insert("status".into(), json!(a.status));
    Value::Object(o)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_parameters() {
        let q = parse_query(Some("limit=5&offset=10&direction=ascending&serial=SN%2D1&since=2026-01-01T00:00:00Z"))
            .expect("ok");
        assert_eq!((q.limit, q.offset, q.descending, q.serial.as_deref()), (5, 10, false, Some("SN-1")));
        assert!(q.since.is_some());
        let d = parse_query(None).expect("defaults");
        assert_eq!((d.limit, d.descending), (DEFAULT_LIMIT, true));
        assert!(parse_query(Some("limit=-1")).is_err());
        assert!(parse_query(Some("sort-by=status")).is_err());
        assert!(parse_query(Some("since=yesterday")).is_err());
        assert!(parse_query(Some("colour=red")).is_err());
    }
}
