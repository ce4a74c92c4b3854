//! Entity tags and Last-Modified on the northbound datastore (RFC 8040 §3.4.1, RFC 9110 §13):
//! strong ETags from the representation's SHA-256, `If-None-Match` / `If-Modified-Since` on
//! reads, `If-Match` / `If-Unmodified-Since` on writes.

use axum::http::{HeaderMap, header};
use time::OffsetDateTime;
use time::format_description::FormatItem;
use time::macros::format_description;

use crate::restconf::ErrorReply;
use sztp_protocol::codec::Encoding;

const HTTP_DATE: &[FormatItem<'static>] =
    format_description!("[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT");

/// The strong entity tag of a representation.
pub(super) fn etag(body: &[u8]) -> String {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, body);
    let hex: String = digest.as_ref()[..16].iter().map(|b| format!("{b:02x}")).collect();
    format!("\"{hex}\"")
}

/// An HTTP-date (IMF-fixdate).
pub(super) fn http_date(t: OffsetDateTime) -> String {
    t.to_offset(time::UtcOffset::UTC).format(HTTP_DATE).unwrap_or_default()
}

fn parse_http_date(text: &str) -> Option<OffsetDateTime> {
    time::PrimitiveDateTime::parse(text.trim(), HTTP_DATE).ok().map(|t| t.assume_utc())
}

fn header(headers: &HeaderMap, name: header::HeaderName) -> Option<&str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// Whether an `If-Match` / `If-None-Match` list names this tag (`*`: any current representation).
fn names(list: &str, tag: Option<&str>) -> bool {
    list.split(',').map(str::trim).any(|t| t == "*" && tag.is_some() || Some(t.trim_start_matches("W/")) == tag)
}

/// Whether a read may answer 304 Not Modified. The datastore's Last-Modified follows
/// configuration only, so `If-Modified-Since` is honoured only for configuration-only reads
/// (`by_date`); state changes without it.
pub(super) fn not_modified(headers: &HeaderMap, tag: &str, last_modified: OffsetDateTime, by_date: bool) -> bool {
    if let Some(list) = header(headers, header::IF_NONE_MATCH) {
        return names(list, Some(tag));
    }
    by_date
        && header(headers, header::IF_MODIFIED_SINCE)
            .and_then(parse_http_date)
            .is_some_and(|since| last_modified.unix_timestamp() <= since.unix_timestamp())
}

/// Whether a write carries preconditions (so the current representation must be computed).
pub(super) fn has_preconditions(headers: &HeaderMap) -> bool {
    headers.contains_key(header::IF_MATCH) || headers.contains_key(header::IF_UNMODIFIED_SINCE)
}

/// Checks a write's preconditions against the target's current tag (`None`: it does not exist).
pub(super) fn check_write(
    headers: &HeaderMap,
    current: Option<&str>,
    last_modified: OffsetDateTime,
) -> Result<(), ErrorReply> {
    let failed = |what: &str| ErrorReply::precondition_failed(Encoding::Json, format!("precondition failed: {what}"));
    if let Some(list) = header(headers, header::IF_MATCH) {
        if !names(list, current) {
            return Err(failed("If-Match names no current representation of the resource"));
        }
    } else if let Some(since) = header(headers, header::IF_UNMODIFIED_SINCE).and_then(parse_http_date)
        && last_modified.unix_timestamp() > since.unix_timestamp()
    {
        return Err(failed("the datastore changed after If-Unmodified-Since"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(name: header::HeaderName, value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(name, HeaderValue::from_str(value).unwrap_or(HeaderValue::from_static("")));
        h
    }

    #[test]
    fn dates_round_trip_in_imf_fixdate() {
        let t = OffsetDateTime::from_unix_timestamp(784_111_777).unwrap_or(OffsetDateTime::UNIX_EPOCH);
        assert_eq!(http_date(t), "Sun, 06 Nov 1994 08:49:37 GMT");
        assert_eq!(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), Some(t));
        assert_eq!(parse_http_date("yesterday"), None);
    }

    #[test]
    fn reads_and_writes_honour_their_conditions() {
        let tag = etag(b"{}");
        let t = OffsetDateTime::from_unix_timestamp(1_000_000).unwrap_or(OffsetDateTime::UNIX_EPOCH);
        assert!(not_modified(&headers(header::IF_NONE_MATCH, &format!("\"x\", {tag}")), &tag, t, true));
        assert!(!not_modified(&headers(header::IF_NONE_MATCH, "\"x\""), &tag, t, true));
        assert!(not_modified(&headers(header::IF_MODIFIED_SINCE, &http_date(t)), &tag, t, true));
        assert!(!not_modified(&headers(header::IF_MODIFIED_SINCE, &http_date(t)), &tag, t, false));
        assert!(!not_modified(
            &headers(header::IF_MODIFIED_SINCE, &http_date(t - time::Duration::SECOND)),
            &tag,
            t,
            true
        ));
        assert!(check_write(&headers(header::IF_MATCH, &tag), Some(&tag), t).is_ok());
        assert!(check_write(&headers(header::IF_MATCH, "*"), Some(&tag), t).is_ok());
        assert!(check_write(&headers(header::IF_MATCH, "*"), None, t).is_err());
        assert!(check_write(&headers(header::IF_MATCH, "\"old\""), Some(&tag), t).is_err());
        let earlier = http_date(t - time::Duration::SECOND);
        assert!(check_write(&headers(header::IF_UNMODIFIED_SINCE, &earlier), Some(&tag), t).is_err());
        assert!(check_write(&headers(header::IF_UNMODIFIED_SINCE, &http_date(t)), Some(&tag), t).is_ok());
        assert!(check_write(&HeaderMap::new(), None, t).is_ok());
    }
}
