//! The one place that picks HTTP statuses for both APIs: RFC 8040 §7 error-tags, refusals named
//! by what they mean, the mapping of domain and store errors, and the success replies.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use sztp_protocol::codec::Encoding;
use sztp_protocol::model::YangDocument;
use sztp_protocol::model::restconf_errors::{ErrorTag, ErrorType, RestconfError};
use sztp_store::StoreError;
use tracing::warn;

use super::{ErrorReply, YANG_JSON, media_type};
use crate::domain::bootstrap::BootstrapError;

impl ErrorReply {
    /// An error with the RFC 8040 default status of its tag.
    pub(crate) fn tagged(encoding: Encoding, tag: ErrorTag, message: impl Into<String>) -> Self {
        ErrorReply::new(encoding, ErrorType::Application, tag, message)
    }

    /// 404: the resource (or operation) does not exist.
    pub(crate) fn not_found(encoding: Encoding, message: impl Into<String>) -> Self {
        ErrorReply::new(encoding, ErrorType::Protocol, ErrorTag::InvalidValue, message)
            .with_status(StatusCode::NOT_FOUND)
    }

    /// 404 data-missing: the target of an edit or the data asked for is not there.
    pub(crate) fn data_missing(encoding: Encoding, message: impl Into<String>) -> Self {
        ErrorReply::new(encoding, ErrorType::Application, ErrorTag::DataMissing, message)
            .with_status(StatusCode::NOT_FOUND)
    }

    /// 403: authenticated, but not allowed to do this.
    pub(crate) fn forbidden(encoding: Encoding, message: impl Into<String>) -> Self {
        ErrorReply::new(encoding, ErrorType::Application, ErrorTag::AccessDenied, message)
            .with_status(StatusCode::FORBIDDEN)
    }

    /// 405 with the methods that are allowed.
    pub(crate) fn method_not_allowed(encoding: Encoding, message: impl Into<String>, allow: &'static str) -> Self {
        ErrorReply::new(encoding, ErrorType::Protocol, ErrorTag::OperationNotSupported, message)
            .with_status(StatusCode::METHOD_NOT_ALLOWED)
            .with_header(header::ALLOW, allow)
    }

    /// 400 with a tag other than the default: the request asks for something unsupported.
    pub(crate) fn bad_request(encoding: Encoding, tag: ErrorTag, message: impl Into<String>) -> Self {
        ErrorReply::new(encoding, ErrorType::Application, tag, message).with_status(StatusCode::BAD_REQUEST)
    }

    /// 400 for an input document that does not decode.
    pub(crate) fn bad_input(encoding: Encoding, error: RestconfError) -> Self {
        ErrorReply { status: StatusCode::BAD_REQUEST, error: Box::new(error), encoding, headers: Default::default() }
    }

    /// 406: no acceptable reply encoding.
    pub(crate) fn not_acceptable(encoding: Encoding, message: impl Into<String>) -> Self {
        ErrorReply::new(encoding, ErrorType::Transport, ErrorTag::InvalidValue, message)
            .with_status(StatusCode::NOT_ACCEPTABLE)
    }

    /// 415: the body's media type is not one this resource takes (or is missing).
    pub(crate) fn unsupported_media_type(encoding: Encoding, message: impl Into<String>) -> Self {
        ErrorReply::new(encoding, ErrorType::Transport, ErrorTag::InvalidValue, message)
            .with_status(StatusCode::UNSUPPORTED_MEDIA_TYPE)
    }

    /// 412: a precondition (If-Match, If-Unmodified-Since, …) does not hold.
    pub(crate) fn precondition_failed(encoding: Encoding, message: impl Into<String>) -> Self {
        ErrorReply::new(encoding, ErrorType::Protocol, ErrorTag::OperationFailed, message)
            .with_status(StatusCode::PRECONDITION_FAILED)
    }

    /// 500 whose cause is logged, never sent: the client gets `message`.
    pub(crate) fn internal(encoding: Encoding, cause: &dyn std::fmt::Display, message: impl Into<String>) -> Self {
        warn!(error = %cause, "internal error");
        ErrorReply::new(encoding, ErrorType::Application, ErrorTag::OperationFailed, message)
    }

    /// The error of a store operation: a missing reference or input the data model refuses is
    /// the client's (400 invalid-value), a taken name 409 data-exists, a change the data as a
    /// whole refuses (the last administrator, a tenant in use) 409 in-use, anything else 500.
    pub(crate) fn from_store(encoding: Encoding, e: StoreError) -> Self {
        match e {
            StoreError::NotFound { .. } => ErrorReply::tagged(encoding, ErrorTag::InvalidValue, e.to_string()),
            StoreError::Conflict { .. } => ErrorReply::tagged(encoding, ErrorTag::DataExists, e.to_string()),
            StoreError::Invalid(_) => ErrorReply::tagged(encoding, ErrorTag::InvalidValue, e.to_string()),
            StoreError::Unavailable(_) => {
                warn!(error = %e, "refusing a write");
                ErrorReply::storage_unavailable(encoding)
            }
            StoreError::InUse { .. } | StoreError::Refused(_) => {
                ErrorReply::tagged(encoding, ErrorTag::InUse, e.to_string())
            }
            other => ErrorReply::tagged(encoding, ErrorTag::OperationFailed, format!("storage: {other}")),
        }
    }

    /// A refused get-bootstrapping-data (RFC 8572 §7.1): no data for the device is 404
    /// data-missing, anything on the server's side 500 with a message that hides the cause.
    pub(crate) fn from_bootstrap(encoding: Encoding, e: &BootstrapError) -> Self {
        match e {
            BootstrapError::NoData(_) => ErrorReply::data_missing(encoding, e.public_message()),
            BootstrapError::Configuration(_) | BootstrapError::Store(_) => {
                ErrorReply::tagged(encoding, ErrorTag::OperationFailed, e.public_message())
            }
        }
    }

    /// A request whose records could not be committed (nothing it did is kept): 503 with
    /// `Retry-After` while the database cannot take writes, else 500.
    pub(crate) fn not_recorded(encoding: Encoding, e: &StoreError) -> Self {
        match e {
            StoreError::Unavailable(_) => ErrorReply::storage_unavailable(encoding),
            _ => ErrorReply::tagged(encoding, ErrorTag::OperationFailed, "the request could not be recorded; retry"),
        }
    }

    /// `503 Service Unavailable`: the database cannot take writes now (disk full, read-only);
    /// the cause is in the server's log, never in the reply.
    pub(crate) fn storage_unavailable(encoding: Encoding) -> Self {
        let message = "the server cannot store anything now; retry later";
        ErrorReply::new(encoding, ErrorType::Application, ErrorTag::ResourceDenied, message)
            .with_status(StatusCode::SERVICE_UNAVAILABLE)
            .with_header(header::RETRY_AFTER, STORAGE_RETRY_AFTER)
    }
}

/// Seconds a client is asked to wait while the database cannot take writes.
const STORAGE_RETRY_AFTER: &str = "60";

/// The RFC 8040 §7 status of an error-tag.
pub(crate) fn for_tag(tag: &ErrorTag) -> StatusCode {
    StatusCode::from_u16(tag.default_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

impl ErrorReply {
    /// 401 access-denied, the one answer for every authentication failure.
    pub(crate) fn access_denied(encoding: Encoding) -> Self {
        ErrorReply::new(encoding, ErrorType::Protocol, ErrorTag::AccessDenied, "access denied")
            .with_status(StatusCode::UNAUTHORIZED)
            .with_header(header::WWW_AUTHENTICATE, "Basic realm=\"sztp\", charset=\"UTF-8\"")
    }
}

/// `200 OK` holding a YANG document.
pub(crate) fn document_reply<T: YangDocument>(encoding: Encoding, doc: &T) -> Response {
    (StatusCode::OK, [(header::CONTENT_TYPE, media_type(encoding))], doc.encode(encoding)).into_response()
}

/// The document a JSON reply holds, kept beside its bytes so that the query options and the
/// XML form work on it without parsing the reply again.
#[derive(Debug, Clone)]
pub(crate) struct ReplyDocument(pub(crate) std::sync::Arc<Value>);

/// `200 OK` holding an RFC 7951 JSON document.
pub(crate) fn json_reply(body: Value) -> Response {
    json_with_status(StatusCode::OK, body)
}

/// `204 No Content`: done, nothing to say.
pub(crate) fn no_content() -> Response {
    StatusCode::NO_CONTENT.into_response()
}

/// `200 OK` to OPTIONS (RFC 8040 §4.1): the methods a resource takes and its patch media types.
pub(crate) fn options_reply(allow: &'static str, accept_patch: &'static str) -> Response {
    let headers = [(header::ALLOW, allow), (header::HeaderName::from_static("accept-patch"), accept_patch)];
    (StatusCode::OK, headers).into_response()
}

/// `201 Created` with the new resource's location below `/restconf/data/`, or `204` when an
/// existing resource was replaced.
pub(crate) fn created_or_replaced(created: bool, location: &str) -> Response {
    if created {
        (StatusCode::CREATED, [(header::LOCATION, format!("/restconf/data/{location}"))]).into_response()
    } else {
        no_content()
    }
}

/// `304 Not Modified`.
pub(crate) fn not_modified() -> Response {
    StatusCode::NOT_MODIFIED.into_response()
}

/// `200 OK` with a file's content (streamed; its length is known) and its headers.
pub(crate) fn artifact_reply(headers: axum::http::HeaderMap, content: axum::body::Body) -> Response {
    (StatusCode::OK, headers, content).into_response()
}

/// `200 OK` with a body of the given media type.
pub(crate) fn typed_reply(media_type: &'static str, body: String) -> Response {
    (StatusCode::OK, [(header::CONTENT_TYPE, media_type)], body).into_response()
}

/// Whether a reply is `200 OK`.
pub(crate) fn is_ok(response: &Response) -> bool {
    response.status() == StatusCode::OK
}

/// A read's reply stamped with its ETag and Last-Modified: `304` when the client's copy is
/// current, else `200` with the body.
pub(crate) fn stamped(
    not_modified: bool,
    etag: String,
    last_modified: String,
    media_type: &'static str,
    body: axum::body::Bytes,
) -> Response {
    let stamps = [(header::ETAG, etag), (header::LAST_MODIFIED, last_modified)];
    if not_modified {
        (StatusCode::NOT_MODIFIED, stamps).into_response()
    } else {
        (StatusCode::OK, [(header::CONTENT_TYPE, media_type)], stamps, body).into_response()
    }
}

impl ErrorReply {
    /// The same error with error-type `application` (the northbound API's errors are).
    pub(crate) fn in_application(mut self) -> Self {
        self.error.error_type = ErrorType::Application;
        self
    }

    /// 404 for an entry or resource that does not exist (error-type application).
    pub(crate) fn no_such(encoding: Encoding, message: impl Into<String>) -> Self {
        ErrorReply::not_found(encoding, message).in_application()
    }
}

/// `304` carrying the current ETag.
pub(crate) fn not_modified_tagged(etag: String) -> Response {
    (StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response()
}

/// `201` with Location (not below `/restconf/data/`) or `204`, carrying the new ETag.
pub(crate) fn stored_tagged(created: bool, location: String, etag: String) -> Response {
    if created {
        (StatusCode::CREATED, [(header::LOCATION, location), (header::ETAG, etag)]).into_response()
    } else {
        (StatusCode::NO_CONTENT, [(header::ETAG, etag)]).into_response()
    }
}

/// `500` with no body, for a reply that could not be read back in this process.
pub(crate) fn internal_bare() -> Response {
    StatusCode::INTERNAL_SERVER_ERROR.into_response()
}

/// `406` with a body already written in `media_type`.
pub(crate) fn not_acceptable_body(media_type: &'static str, body: String) -> Response {
    (StatusCode::NOT_ACCEPTABLE, [(header::CONTENT_TYPE, media_type)], body).into_response()
}

impl ErrorReply {
    /// 401 of the northbound API, with its realm.
    /// `429 Too Many Requests`: this source failed too often; `Retry-After` says when to retry.
    pub(crate) fn too_many_attempts(encoding: Encoding, wait: std::time::Duration) -> Self {
        let seconds = wait.as_secs().max(1);
        let message = format!("too many failed authentication attempts from this address; retry in {seconds} s");
        let mut reply = ErrorReply::new(encoding, ErrorType::Protocol, ErrorTag::ResourceDenied, message)
            .with_status(StatusCode::TOO_MANY_REQUESTS);
        reply.headers.insert(header::RETRY_AFTER, axum::http::HeaderValue::from(seconds));
        reply
    }

    /// `408 Request Timeout`: the body did not arrive in `time`.
    pub(crate) fn body_timeout(encoding: Encoding, time: std::time::Duration) -> Self {
        let message = format!("the request body did not arrive within {} s", time.as_secs_f32());
        ErrorReply::new(encoding, ErrorType::Transport, ErrorTag::OperationFailed, message)
            .with_status(StatusCode::REQUEST_TIMEOUT)
    }

    /// `503 Service Unavailable`: too many password checks at once; retry in a second.
    pub(crate) fn busy(encoding: Encoding) -> Self {
        let message = "the server is checking too many passwords at once; retry shortly";
        ErrorReply::new(encoding, ErrorType::Protocol, ErrorTag::ResourceDenied, message)
            .with_status(StatusCode::SERVICE_UNAVAILABLE)
            .with_header(header::RETRY_AFTER, "1")
    }

    /// `503 Service Unavailable`: the endpoint is serving as many downloads as it may.
    pub(crate) fn downloads_busy(encoding: Encoding) -> Self {
        let message = "the server is sending as many files as it may at once; retry shortly";
        ErrorReply::new(encoding, ErrorType::Protocol, ErrorTag::ResourceDenied, message)
            .with_status(StatusCode::SERVICE_UNAVAILABLE)
            .with_header(header::RETRY_AFTER, "10")
    }

    pub(crate) fn unauthorized(encoding: Encoding, message: impl Into<String>) -> Self {
        ErrorReply::new(encoding, ErrorType::Protocol, ErrorTag::AccessDenied, message)
            .with_status(StatusCode::UNAUTHORIZED)
            .with_header(header::WWW_AUTHENTICATE, "Basic realm=\"sztp-admin\", charset=\"UTF-8\"")
    }
}

impl ErrorReply {
    /// The same error with `tag` and its RFC 8040 status.
    pub(crate) fn with_tag_status(mut self, tag: ErrorTag) -> Self {
        self.status = for_tag(&tag);
        self.error.error_tag = tag;
        self
    }
}

/// A JSON document with the status of the error it reports (a YANG Patch status).
pub(crate) fn json_with_status(status: StatusCode, body: Value) -> Response {
    let mut response = (status, [(header::CONTENT_TYPE, YANG_JSON)], body.to_string()).into_response();
    response.extensions_mut().insert(ReplyDocument(std::sync::Arc::new(body)));
    response
}
