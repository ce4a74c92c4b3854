//! From an authenticated request to a reply: media types (406/415, XML bodies read as the JSON
//! they stand for), YANG Patch, writes in one unit of work with their preconditions, and reads
//! with their query options, ETag and Last-Modified.

use axum::body::{Body, Bytes};
use axum::http::request::Parts;
use axum::http::{Method, header};
use axum::response::Response;
use serde_json::Value;
use sztp_protocol::codec::Encoding;
use sztp_protocol::model::restconf_errors::ErrorTag;

use super::auth::Caller;
use sztp_protocol::codec::xml_body;

use super::{MAX_BODY, conditional, error, paging, query, route, store_error, yang_patch};
use crate::restconf::status::ReplyDocument;
use crate::restconf::status::{is_ok, stamped};
use crate::restconf::{BodyLimits, ErrorReply, YANG_JSON, YANG_XML, negotiate, read_body, request_encoding};
use crate::state::AppState;

/// Serves one request of `caller` on the data resource `raw`.
pub(super) async fn serve(
    app: &AppState,
    caller: &Caller,
    parts: &Parts,
    raw: &str,
    body: Body,
) -> Result<Response, ErrorReply> {
    if negotiate(&parts.headers, Encoding::Json).is_none() {
        let message = format!("the northbound API answers in {YANG_JSON} or {YANG_XML}");
        return Err(ErrorReply::not_acceptable(Encoding::Json, message).in_application());
    }
    match parts.method {
        Method::GET | Method::HEAD => return read(app, caller, parts, raw).await,
        Method::OPTIONS => return options(raw),
        Method::POST | Method::PUT | Method::PATCH | Method::DELETE => {}
        _ => {
            let message = format!("the northbound API does not support {}", parts.method);
            return Err(ErrorReply::method_not_allowed(Encoding::Json, message, ALLOW));
        }
    }
    // Before anything runs: YANG Patch included.
    if !caller.can_write() {
        return Err(ErrorReply::forbidden(Encoding::Json, "read-only administrators cannot write"));
    }
    let essence = parts.headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok());
    let essence = essence.map(|t| t.split(';').next().unwrap_or_default().trim().to_ascii_lowercase());
    let patch = matches!(essence.as_deref(), Some(yang_patch::MEDIA_TYPE | xml_body::PATCH_XML));
    if parts.method == Method::PATCH && patch {
        let xml = essence.as_deref() == Some(xml_body::PATCH_XML);
        let doc =
            document(body, BodyLimits::of(&parts.extensions), if xml { Encoding::Xml } else { Encoding::Json }).await?;
        return yang_patch::run(app, caller, raw, &doc).await;
    }
    let Ok(encoding) = request_encoding(&parts.headers) else {
        let message = format!("the northbound API takes {YANG_JSON} or {YANG_XML} bodies");
        return Err(ErrorReply::unsupported_media_type(Encoding::Json, message).in_application());
    };
    let input = match parts.method {
        Method::DELETE => None,
        _ => Some(document(body, BodyLimits::of(&parts.extensions), encoding.unwrap_or(Encoding::Json)).await?),
    };
    write(app, caller, parts, raw, input).await
}

/// The methods of the data resources (RFC 8040 §4): the module's whole set, since which of
/// them a resource takes depends on the data (an action, a list, a leaf).
const ALLOW: &str = "GET, HEAD, OPTIONS, POST, PUT, PATCH, DELETE";
/// The patch media types (RFC 8040 §4.6.1, RFC 8072 §2.2).
const ACCEPT_PATCH: &str =
    "application/yang-data+json, application/yang-data+xml, application/yang-patch+json, application/yang-patch+xml";

/// OPTIONS (RFC 8040 §4.1): the methods and patch media types, for any well-formed path.
fn options(raw: &str) -> Result<Response, ErrorReply> {
    super::path::parse(raw, super::MODULE).map_err(|e| error(ErrorTag::InvalidValue, e))?;
    Ok(crate::restconf::status::options_reply(ALLOW, ACCEPT_PATCH))
}

/// A request body as the RFC 7951 JSON value it holds (an XML body as the JSON it stands for).
async fn document(body: Body, limits: BodyLimits, encoding: Encoding) -> Result<Value, ErrorReply> {
    let bytes = read_body(body, limits, MAX_BODY, Encoding::Json).await?;
    match encoding {
        Encoding::Xml => {
            xml_body::json_from_xml(&bytes).map_err(|e| ErrorReply::bad_request(Encoding::Json, e.tag(), e.to_string()))
        }
        Encoding::Json => super::strict_json::parse(&bytes)
            .map_err(|e| error(ErrorTag::MalformedMessage, format!("the body is not JSON: {e}"))),
    }
}

/// A write: its preconditions checked and its changes made in one unit of work, committed only
/// when it succeeds (a bulk import, which hashes codes for long, commits by itself).
async fn write(
    app: &AppState,
    caller: &Caller,
    parts: &Parts,
    raw: &str,
    input: Option<Value>,
) -> Result<Response, ErrorReply> {
    let bulk = raw.ends_with("/devices/import");
    let uow = if bulk { None } else { Some(app.store().begin().await.map_err(store_error)?) };
    let scoped = uow.as_ref().map_or_else(|| app.clone(), |uow| app.within(uow));
    if conditional::has_preconditions(&parts.headers) {
        let current = route::serve(&scoped, caller, &Method::GET, raw, None, None).await;
        let tag = match current {
            Ok(r) if is_ok(&r) => Some(conditional::etag(&body_bytes(r).await?)),
            _ => None,
        };
        conditional::check_write(&parts.headers, tag.as_deref(), app.config_changed_at())?;
    }
    let response = route::serve(&scoped, caller, &parts.method, raw, parts.uri.query(), input).await?;
    drop(scoped);
    if response.status().is_success() {
        if let Some(uow) = uow {
            uow.commit().await.map_err(store_error)?;
        }
        app.touch_config();
    }
    Ok(response)
}

/// A read with its query options (RFC 8040 §4.8), stamped with ETag and Last-Modified.
async fn read(app: &AppState, caller: &Caller, parts: &Parts, raw: &str) -> Result<Response, ErrorReply> {
    let (options, rest) = query::parse(parts.uri.query()).map_err(|m| error(ErrorTag::InvalidValue, m))?;
    let is_log = raw.ends_with("bootstrapping-log") || raw.ends_with("audit-log");
    if !rest.is_empty() && !is_log && !paging::names_device_list(raw) {
        let name = rest.split(['=', '&']).next().unwrap_or_default();
        return Err(error(ErrorTag::InvalidValue, format!("unknown query parameter \"{name}\"")));
    }
    // Options cut the document, and XML is written from it: lists keep theirs as values then.
    let whole = !options.is_identity() || negotiate(&parts.headers, Encoding::Json) == Some(Encoding::Xml);
    let serve = route::serve(app, caller, &Method::GET, raw, Some(rest.as_str()), None);
    let response = paging::WHOLE.scope(whole, serve).await?;
    if !is_ok(&response) {
        return Ok(response);
    }
    let mut document = response.extensions().get::<ReplyDocument>().cloned();
    let mut bytes = body_bytes(response).await?;
    if !options.is_identity() {
        let Some(ReplyDocument(doc)) = document.take() else {
            return Err(error(ErrorTag::OperationFailed, "the reply kept no document to apply the query options to"));
        };
        let mut v: Value = std::sync::Arc::unwrap_or_clone(doc);
        query::apply(&mut v, &options);
        bytes = v.to_string().into();
        document = Some(ReplyDocument(std::sync::Arc::new(v)));
    }
    let tag = conditional::etag(&bytes);
    let modified = app.config_changed_at();
    let not_modified =
        conditional::not_modified(&parts.headers, &tag, modified, options.content == query::Content::Config);
    let mut reply = stamped(not_modified, tag, conditional::http_date(modified), YANG_JSON, bytes);
    if let Some(document) = document {
        reply.extensions_mut().insert(document);
    }
    Ok(reply)
}

/// The body of a reply built in this process.
pub(super) async fn body_bytes(response: Response) -> Result<Bytes, ErrorReply> {
    axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .map_err(|e| error(ErrorTag::OperationFailed, e.to_string()))
}
