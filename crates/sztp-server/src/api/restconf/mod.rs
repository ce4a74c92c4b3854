//! RFC 8040 wire rules shared by every RESTCONF API: media types, content negotiation (406/415),
//! body limits (413) and `ietf-restconf:errors` replies in the encoding the client speaks.

mod segments;
pub(crate) mod status;

pub(crate) use segments::Segments;
pub(crate) use status::{created_or_replaced, document_reply, json_reply, no_content};

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sztp_protocol::codec::Encoding;
use sztp_protocol::model::YangDocument;
use sztp_protocol::model::restconf_errors::{ErrorTag, ErrorType, RestconfError, RestconfErrors};

/// `application/yang-data+json`.
pub(crate) const YANG_JSON: &str = "application/yang-data+json";
/// `application/yang-data+xml`.
pub(crate) const YANG_XML: &str = "application/yang-data+xml";

/// The media type of an encoding.
pub(crate) fn media_type(encoding: Encoding) -> &'static str {
    match encoding {
        Encoding::Json => YANG_JSON,
        Encoding::Xml => YANG_XML,
    }
}

/// The encoding of a request body from its Content-Type. `Ok(None)`: no Content-Type.
/// `application/json` and `application/xml` are accepted as synonyms for clients that send them.
pub(crate) fn request_encoding(headers: &HeaderMap) -> Result<Option<Encoding>, String> {
    let Some(value) = headers.get(header::CONTENT_TYPE) else { return Ok(None) };
    let text = value.to_str().map_err(|_| "Content-Type is not ASCII".to_owned())?;
    let essence = text.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    match essence.as_str() {
        YANG_JSON | "application/json" => Ok(Some(Encoding::Json)),
        YANG_XML | "application/xml" | "text/xml" => Ok(Some(Encoding::Xml)),
        _ => Err(format!("unsupported Content-Type \"{essence}\"; use {YANG_JSON} or {YANG_XML}")),
    }
}

/// The reply encoding the `Accept` header allows, preferring the client's order and q-values;
/// no Accept (or `*/*`) means `fallback`. `None`: nothing acceptable (406).
pub(crate) fn negotiate(headers: &HeaderMap, fallback: Encoding) -> Option<Encoding> {
    let mut candidates: Vec<(f32, usize, Encoding)> = Vec::new();
    let mut saw_any = false;
    for (index, range) in
        headers.get_all(header::ACCEPT).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(',')).enumerate()
    {
        if range.trim().is_empty() {
            continue;
        }
        saw_any = true;
        let mut parts = range.split(';');
        let essence = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let q =
            parts.filter_map(|p| p.trim().strip_prefix("q=")).find_map(|q| q.trim().parse::<f32>().ok()).unwrap_or(1.0);
        if q <= 0.0 {
            continue;
        }
        let encodings: &[Encoding] = match essence.as_str() {
            YANG_JSON | "application/json" => &[Encoding::Json],
            YANG_XML | "application/xml" | "text/xml" => &[Encoding::Xml],
            "*/*" | "application/*" => {
                if fallback == Encoding::Json {
                    &[Encoding::Json, Encoding::Xml]
                } else {
                    &[Encoding::Xml, Encoding::Json]
                }
            }
            _ => &[],
        };
        for (rank, e) in encodings.iter().enumerate() {
            candidates.push((q, index * 2 + rank, *e));
        }
    }
    if !saw_any {
        return Some(fallback);
    }
    candidates.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    candidates.first().map(|c| c.2)
}

/// The encoding of an error before the encodings are negotiated: the request's, else the
/// acceptable one, else JSON.
pub(crate) fn error_encoding(headers: &HeaderMap) -> Encoding {
    let enc = request_encoding(headers).ok().flatten().or_else(|| negotiate(headers, Encoding::Json));
    enc.unwrap_or(Encoding::Json)
}

/// A RESTCONF error reply: status, one error, and the encoding to write it in.
#[derive(Debug)]
pub(crate) struct ErrorReply {
    /// HTTP status.
    pub status: StatusCode,
    /// The error (boxed: replies travel in `Result`s).
    pub error: Box<RestconfError>,
    /// Body encoding.
    pub encoding: Encoding,
    /// Extra headers (e.g. `WWW-Authenticate`, `Allow`).
    pub headers: HeaderMap,
}

impl ErrorReply {
    /// An error whose status is the error-tag's RFC 8040 default.
    pub(crate) fn new(encoding: Encoding, error_type: ErrorType, tag: ErrorTag, message: impl Into<String>) -> Self {
        let status = status::for_tag(&tag);
        ErrorReply {
            status,
            error: Box::new(RestconfError::new(error_type, tag, printable(message.into()))),
            encoding,
            headers: HeaderMap::new(),
        }
    }

    /// Overrides the status.
    pub(crate) fn with_status(mut self, status: StatusCode) -> Self {
        self.status = status;
        self
    }

    /// Adds a header.
    pub(crate) fn with_header(mut self, name: header::HeaderName, value: &'static str) -> Self {
        self.headers.insert(name, HeaderValue::from_static(value));
        self
    }
}

impl IntoResponse for ErrorReply {
    fn into_response(self) -> Response {
        let body = RestconfErrors::from(*self.error).encode(self.encoding);
        let mut response = (self.status, [(header::CONTENT_TYPE, media_type(self.encoding))], body).into_response();
        response.headers_mut().extend(self.headers);
        response
    }
}

/// `message` with control characters (which a client may put in a path, and which neither a
/// YANG string nor XML 1.0 may hold) written as `\u{…}` escapes.
fn printable(message: String) -> String {
    if !message.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return message;
    }
    message
        .chars()
        .map(
            |c| if c.is_control() && c != '\n' && c != '\t' { format!("\\u{{{:x}}}", c as u32) } else { c.to_string() },
        )
        .collect()
}

/// The longest a client may take to send a request body (a slow sender holds a connection and
/// a buffer) unless its endpoint says otherwise; slower is 408.
pub(crate) const BODY_TIME: std::time::Duration = std::time::Duration::from_secs(30);

/// An endpoint's own request-body limits (`limits/max-body-size` and `limits/body-timeout`);
/// `None` keeps each API's default. Routers carry it as a request extension.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct BodyLimits {
    /// Largest request body in bytes, over every API of the endpoint (not artifact content).
    pub max_size: Option<usize>,
    /// Time to send a whole request body (for artifact content: each piece of it).
    pub timeout: Option<std::time::Duration>,
}

impl BodyLimits {
    /// The endpoint's limit, else the API's `default`.
    pub(crate) fn size(self, default: usize) -> usize {
        self.max_size.unwrap_or(default)
    }

    /// The endpoint's body timeout, else [`BODY_TIME`].
    pub(crate) fn time(self) -> std::time::Duration {
        self.timeout.unwrap_or(BODY_TIME)
    }

    /// The limits a request carries (the defaults if it carries none).
    pub(crate) fn of(extensions: &axum::http::Extensions) -> BodyLimits {
        extensions.get::<BodyLimits>().copied().unwrap_or_default()
    }
}

/// Reads a request body of at most the endpoint's limit (else `default_limit`) bytes within
/// its body timeout; a larger body is 413 too-big, a slower one 408.
pub(crate) async fn read_body(
    body: Body,
    limits: BodyLimits,
    default_limit: usize,
    encoding: Encoding,
) -> Result<Bytes, ErrorReply> {
    read_body_within(body, limits.size(default_limit), encoding, limits.time()).await
}

async fn read_body_within(
    body: Body,
    limit: usize,
    encoding: Encoding,
    time: std::time::Duration,
) -> Result<Bytes, ErrorReply> {
    let too_big = || {
        let message = format!("request body exceeds {limit} bytes");
        ErrorReply::new(encoding, ErrorType::Transport, ErrorTag::TooBig, message)
    };
    // A declared length over the limit is refused before anything is read (and before an
    // HTTP/1.1 client waiting on `Expect: 100-continue` is told to send).
    if hyper::body::Body::size_hint(&body).lower() > limit as u64 {
        return Err(too_big());
    }
    let Ok(read) = tokio::time::timeout(time, axum::body::to_bytes(body, limit)).await else {
        return Err(ErrorReply::body_timeout(encoding, time));
    };
    read.map_err(|e| {
        let over = std::error::Error::source(&e).is_some_and(|s| s.is::<http_body_util::LengthLimitError>())
            || e.to_string().contains("length limit");
        if over {
            too_big()
        } else {
            ErrorReply::new(
                encoding,
                ErrorType::Transport,
                ErrorTag::MalformedMessage,
                "could not read the request body",
            )
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::ACCEPT, HeaderValue::from_str(v).expect("header"));
        h
    }

    #[tokio::test]
    async fn a_body_too_slow_is_408_and_one_too_big_is_413() {
        let err = read_body_within(Body::new(Stalled), 10, Encoding::Json, std::time::Duration::from_millis(50)).await;
        assert_eq!(err.map_err(|e| e.status.as_u16()), Err(408));
        let big = read_body(Body::from(vec![0u8; 11]), BodyLimits::default(), 10, Encoding::Json).await;
        assert_eq!(big.map_err(|e| e.status.as_u16()), Err(413));
    }

    /// A body whose sender never sends.
    struct Stalled;

    impl hyper::body::Body for Stalled {
        type Data = Bytes;
        type Error = std::io::Error;
        fn poll_frame(
            self: std::pin::Pin<&mut Self>,
            _: &mut std::task::Context<'_>,
        ) -> std::task::Poll<Option<Result<hyper::body::Frame<Bytes>, std::io::Error>>> {
            std::task::Poll::Pending
        }
    }

    #[test]
    fn control_characters_in_messages_are_escaped() {
        let e =
            ErrorReply::new(Encoding::Json, ErrorType::Protocol, ErrorTag::InvalidValue, "no \"SN\u{0}\u{1b}[31m\"");
        assert_eq!(e.error.error_message.as_deref(), Some("no \"SN\\u{0}\\u{1b}[31m\""));
    }

    #[test]
    fn negotiation_follows_rfc8040() {
        assert_eq!(negotiate(&HeaderMap::new(), Encoding::Json), Some(Encoding::Json));
        assert_eq!(negotiate(&accept("*/*"), Encoding::Json), Some(Encoding::Json));
        assert_eq!(negotiate(&accept(YANG_XML), Encoding::Json), Some(Encoding::Xml));
        assert_eq!(
            negotiate(&accept("application/yang-data+xml;q=0.5, application/yang-data+json"), Encoding::Xml),
            Some(Encoding::Json)
        );
        assert_eq!(negotiate(&accept("text/html"), Encoding::Json), None);
        assert_eq!(negotiate(&accept("application/yang-data+json;q=0"), Encoding::Json), None);
        assert_eq!(negotiate(&accept("text/html, */*;q=0.1"), Encoding::Xml), Some(Encoding::Xml));
    }

    #[test]
    fn content_types() {
        let mut h = HeaderMap::new();
        assert_eq!(request_encoding(&h), Ok(None));
        h.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/yang-data+xml; charset=utf-8"));
        assert_eq!(request_encoding(&h), Ok(Some(Encoding::Xml)));
        h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
        assert!(request_encoding(&h).is_err());
    }
}
