//! The northbound RESTCONF API (RFC 8040) over the `sztp-server` YANG module, JSON only so far:
//! administrators, devices, device types, responses, trust bags, owner certificates and vouchers
//! (GET, POST, PUT, DELETE), the first-use rule, Basic
//! authentication with lockout, access levels and tenant scope.

pub mod admins;
pub mod artifacts;
pub mod auth;
pub mod conditional;
pub mod device_types;
pub mod devices;
pub mod endpoints;
pub mod import;
pub mod json;
pub mod keystore;
mod lists;
pub mod logs;
pub mod owner_certs;
mod paging;
pub mod path;
pub mod preferences;
pub mod query;
pub mod responses;
mod rules;
mod tenants;
pub mod trust;
pub mod vouchers;
mod xml;
mod xml_in;
pub mod yang_patch;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use serde_json::{Value, json};
use sztp_protocol::codec::Encoding;
use sztp_protocol::model::restconf_errors::{ErrorTag, ErrorType};
use sztp_store::{StoreError, TenantId};

use crate::audit::Principal;
use crate::restconf::{ErrorReply, YANG_JSON, YANG_XML, read_body};
use crate::state::AppState;
use auth::Caller;
use json::FieldError;
use lists::{Kind, tenant_resource};
use path::Step;

/// Our module's name (the JSON prefix).
pub const MODULE: &str = "sztp-server";
const MAX_BODY: usize = 4 * 1024 * 1024;

/// The northbound routes.
pub fn router(app: AppState) -> Router {
    Router::new().route("/restconf/data/{*path}", any(data)).with_state(app)
}

pub(crate) fn error(status: StatusCode, tag: ErrorTag, message: impl Into<String>) -> ErrorReply {
    let error_type = if status == StatusCode::UNAUTHORIZED { ErrorType::Protocol } else { ErrorType::Application };
    ErrorReply::new(Encoding::Json, error_type, tag, message).with_status(status)
}

pub(crate) fn field_error(e: FieldError) -> ErrorReply {
    error(StatusCode::BAD_REQUEST, ErrorTag::parse(e.tag), e.to_string())
}

pub(crate) fn store_error(e: StoreError) -> ErrorReply {
    match e {
        StoreError::NotFound { .. } => error(StatusCode::BAD_REQUEST, ErrorTag::InvalidValue, e.to_string()),
        StoreError::Conflict { .. } => error(StatusCode::CONFLICT, ErrorTag::DataExists, e.to_string()),
        StoreError::InUse { .. } | StoreError::Invalid(_) => {
            error(StatusCode::CONFLICT, ErrorTag::InUse, e.to_string())
        }
        other => error(StatusCode::INTERNAL_SERVER_ERROR, ErrorTag::OperationFailed, format!("storage: {other}")),
    }
}

pub(crate) fn reply(status: StatusCode, body: Value) -> Response {
    (status, [(header::CONTENT_TYPE, YANG_JSON)], body.to_string()).into_response()
}

async fn data(
    State(app): State<AppState>,
    axum::extract::Path(raw): axum::extract::Path<String>,
    request: Request,
) -> Response {
    let (parts, body) = request.into_parts();
    let xml = crate::restconf::negotiate(&parts.headers, Encoding::Json) == Some(Encoding::Xml);
    let caller = match auth::authenticate(app.store(), &parts).await {
        Ok(c) => c,
        Err(e) if xml => return xml::reply_in_xml(e.into_response()).await,
        Err(e) => return e.into_response(),
    };
    let mut response = match conditional_serve(&app, &caller, &parts, &raw, body).await {
        Ok(r) => r,
        Err(e) => e.into_response(),
    };
    if xml {
        response = xml::reply_in_xml(response).await;
    }
    response.extensions_mut().insert(Principal(caller.principal()));
    response
}

/// Serves a request with the read options of a GET and the preconditions of a write, and
/// stamps replies with ETag and Last-Modified.
async fn conditional_serve(
    app: &AppState,
    caller: &Caller,
    parts: &axum::http::request::Parts,
    raw: &str,
    body: axum::body::Body,
) -> Result<Response, ErrorReply> {
    let read = parts.method == Method::GET || parts.method == Method::HEAD;
    // Replies in JSON or XML (`data` writes XML from the JSON); bodies in JSON or XML (read
    // as the JSON it stands for); other media types are refused with 406/415.
    if crate::restconf::negotiate(&parts.headers, Encoding::Json).is_none() {
        return Err(error(
            StatusCode::NOT_ACCEPTABLE,
            ErrorTag::InvalidValue,
            format!("the northbound API answers in {YANG_JSON} or {YANG_XML}"),
        ));
    }
    let essence = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|t| t.split(';').next().unwrap_or_default().trim().to_ascii_lowercase());
    let xml_error = |e: xml_in::XmlBodyError| error(StatusCode::BAD_REQUEST, e.tag(), e.to_string());
    if parts.method == Method::PATCH && matches!(essence.as_deref(), Some(yang_patch::MEDIA_TYPE | xml_in::PATCH_XML)) {
        let mut bytes = read_body(body, MAX_BODY, Encoding::Json).await?;
        if essence.as_deref() == Some(xml_in::PATCH_XML) {
            bytes = xml_in::json_from_xml(&bytes).map_err(xml_error)?.to_string().into();
        }
        return yang_patch::run(app, caller, raw, &bytes).await;
    }
    let encoding = crate::restconf::request_encoding(&parts.headers);
    if !read && encoding.is_err() {
        return Err(error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorTag::InvalidValue,
            format!("the northbound API takes {YANG_JSON} or {YANG_XML} bodies"),
        ));
    }
    let body = if !read && parts.method != Method::DELETE && encoding == Ok(Some(Encoding::Xml)) {
        let bytes = read_body(body, MAX_BODY, Encoding::Json).await?;
        axum::body::Body::from(xml_in::json_from_xml(&bytes).map_err(xml_error)?.to_string())
    } else {
        body
    };
    if !read {
        return write(app, caller, parts, raw, body).await;
    }
    let (options, rest) =
        query::parse(parts.uri.query()).map_err(|m| error(StatusCode::BAD_REQUEST, ErrorTag::InvalidValue, m))?;
    let is_log = raw.ends_with("bootstrapping-log") || raw.ends_with("audit-log");
    if !rest.is_empty() && !is_log && !paging::names_device_list(raw) {
        let name = rest.split(['=', '&']).next().unwrap_or_default();
        return Err(error(
            StatusCode::BAD_REQUEST,
            ErrorTag::InvalidValue,
            format!("unknown query parameter \"{name}\""),
        ));
    }
    let response = serve(app, caller, &Method::GET, raw, Some(rest.as_str()), body).await?;
    if response.status() != StatusCode::OK {
        return Ok(response);
    }
    let mut bytes = body_bytes(response).await?;
    if !options.is_identity() {
        let mut v: Value = serde_json::from_slice(&bytes).map_err(|e| {
            error(StatusCode::INTERNAL_SERVER_ERROR, ErrorTag::OperationFailed, format!("reply is not JSON: {e}"))
        })?;
        query::apply(&mut v, &options);
        bytes = v.to_string().into();
    }
    let tag = conditional::etag(&bytes);
    let modified = app.config_changed_at();
    let stamps = [(header::ETAG, tag.clone()), (header::LAST_MODIFIED, conditional::http_date(modified))];
    let by_date = options.content == query::Content::Config;
    if conditional::not_modified(&parts.headers, &tag, modified, by_date) {
        return Ok((StatusCode::NOT_MODIFIED, stamps).into_response());
    }
    Ok((StatusCode::OK, [(header::CONTENT_TYPE, YANG_JSON.to_owned())], stamps, bytes).into_response())
}

/// A write: its preconditions checked and its changes made in one unit of work, committed only
/// when it succeeds (a bulk import, which hashes codes for long, commits by itself).
async fn write(
    app: &AppState,
    caller: &Caller,
    parts: &axum::http::request::Parts,
    raw: &str,
    body: axum::body::Body,
) -> Result<Response, ErrorReply> {
    let uow =
        if raw.ends_with("/devices/import") { None } else { Some(app.store().begin().await.map_err(store_error)?) };
    let scoped = uow.as_ref().map_or_else(|| app.clone(), |uow| app.within(uow));
    if conditional::has_preconditions(&parts.headers) {
        let current = serve(&scoped, caller, &Method::GET, raw, None, axum::body::Body::empty()).await;
        let tag = match current {
            Ok(r) if r.status() == StatusCode::OK => Some(conditional::etag(&body_bytes(r).await?)),
            _ => None,
        };
        conditional::check_write(&parts.headers, tag.as_deref(), app.config_changed_at())?;
    }
    let response = serve(&scoped, caller, &parts.method, raw, parts.uri.query(), body).await?;
    drop(scoped);
    if response.status().is_success() {
        if let Some(uow) = uow {
            uow.commit().await.map_err(store_error)?;
        }
        app.touch_config();
    }
    Ok(response)
}

async fn body_bytes(response: Response) -> Result<axum::body::Bytes, ErrorReply> {
    axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .map_err(|e| error(StatusCode::INTERNAL_SERVER_ERROR, ErrorTag::OperationFailed, e.to_string()))
}

async fn serve(
    app: &AppState,
    caller: &Caller,
    method: &Method,
    raw: &str,
    query: Option<&str>,
    body: axum::body::Body,
) -> Result<Response, ErrorReply> {
    let steps = path::parse(raw, MODULE).map_err(|m| error(StatusCode::BAD_REQUEST, ErrorTag::InvalidValue, m))?;
    let write = *method != Method::GET && *method != Method::HEAD;
    if write && !caller.can_write() {
        return Err(error(StatusCode::FORBIDDEN, ErrorTag::AccessDenied, "read-only administrators cannot write"));
    }
    let input = if write && *method != Method::DELETE {
        let bytes = read_body(body, MAX_BODY, Encoding::Json).await?;
        Some(serde_json::from_slice::<Value>(&bytes).map_err(|e| {
            error(StatusCode::BAD_REQUEST, ErrorTag::MalformedMessage, format!("the body is not JSON: {e}"))
        })?)
    } else {
        None
    };
    let names: Vec<&str> = steps.iter().map(|s| s.name.as_str()).collect();
    match names.as_slice() {
        ["administrators"] | ["administrators", "administrator"] => {
            if !caller.is_unrestricted() {
                return Err(error(
                    StatusCode::FORBIDDEN,
                    ErrorTag::AccessDenied,
                    "only unrestricted administrators manage administrators",
                ));
            }
            administrators(app, caller, method, steps.get(1), input).await
        }
        ["preferences"] => {
            if !caller.is_unrestricted() {
                return Err(error(
                    StatusCode::FORBIDDEN,
                    ErrorTag::AccessDenied,
                    "only unrestricted administrators manage preferences",
                ));
            }
            if matches!(caller, Caller::FirstUse) && write {
                return Err(first_use_refusal());
            }
            match (method.clone(), input) {
                (Method::GET, _) => {
                    let p = app.store().get_preferences().await.map_err(store_error)?;
                    Ok(reply(StatusCode::OK, json!({ "sztp-server:preferences": preferences::to_json(&p) })))
                }
                (Method::PUT, Some(body)) => {
                    let inner = body.get("sztp-server:preferences").ok_or_else(|| {
                        error(
                            StatusCode::BAD_REQUEST,
                            ErrorTag::MalformedMessage,
                            "the body must hold \"sztp-server:preferences\"",
                        )
                    })?;
                    let p = preferences::from_json(inner).map_err(field_error)?;
                    app.store().put_preferences(&p).await.map_err(store_error)?;
                    Ok(StatusCode::NO_CONTENT.into_response())
                }
                _ => Err(error(
                    StatusCode::METHOD_NOT_ALLOWED,
                    ErrorTag::OperationNotSupported,
                    "preferences support GET and PUT",
                )),
            }
        }
        ["tenants"] | ["tenants", "tenant"] => {
            let key = steps.get(1).and_then(|s| s.key.as_deref());
            match method.clone() {
                Method::GET => tenants::get(app, caller, key).await,
                Method::POST | Method::PUT => {
                    if matches!(caller, Caller::FirstUse) {
                        return Err(first_use_refusal());
                    }
                    if !caller.is_unrestricted() {
                        return Err(error(
                            StatusCode::FORBIDDEN,
                            ErrorTag::AccessDenied,
                            "only unrestricted administrators create tenants",
                        ));
                    }
                    tenants::create(app, method.clone(), key, input.unwrap_or(Value::Null)).await
                }
                Method::DELETE => {
                    let Some(name) = key else {
                        return Err(error(
                            StatusCode::METHOD_NOT_ALLOWED,
                            ErrorTag::OperationNotSupported,
                            "tenants are deleted one by one (DELETE on tenant={name})",
                        ));
                    };
                    // Out of scope reads as absent; in scope but restricted is forbidden.
                    tenant_by_name(app, caller, name, true).await?;
                    if !caller.is_unrestricted() {
                        return Err(error(
                            StatusCode::FORBIDDEN,
                            ErrorTag::AccessDenied,
                            "only unrestricted administrators delete tenants",
                        ));
                    }
                    tenants::delete(app, name).await
                }
                _ => Err(error(
                    StatusCode::METHOD_NOT_ALLOWED,
                    ErrorTag::OperationNotSupported,
                    "tenants support GET, POST, PUT and DELETE",
                )),
            }
        }
        ["tenants", "tenant", log @ ("bootstrapping-log" | "audit-log")] => {
            if *method != Method::GET {
                return Err(error(
                    StatusCode::METHOD_NOT_ALLOWED,
                    ErrorTag::OperationNotSupported,
                    "logs are read-only",
                ));
            }
            let (tenant, _) = tenant_scope(app, caller, &steps, false).await?;
            let which = if *log == "audit-log" { logs::Log::Audit } else { logs::Log::Bootstrapping };
            logs::serve(app, tenant, which, query).await
        }
        ["tenants", "tenant", "keystore"] | ["tenants", "tenant", "keystore", _] => {
            let (tenant, _) = tenant_scope(app, caller, &steps, write).await?;
            keystore::serve(app, tenant, method, steps.get(3), input).await
        }
        ["tenants", "tenant", "devices", "import"] => {
            if *method != Method::POST {
                return Err(error(
                    StatusCode::METHOD_NOT_ALLOWED,
                    ErrorTag::OperationNotSupported,
                    "actions are invoked with POST",
                ));
            }
            let (tenant, _) = tenant_scope(app, caller, &steps, true).await?;
            import::run(app, tenant, &input.unwrap_or(Value::Null)).await
        }
        ["tenants", "tenant", "devices"] | ["tenants", "tenant", "devices", "device"] => {
            let (tenant, tenant_name) = tenant_scope(app, caller, &steps, write).await?;
            device_resource(app, tenant, &tenant_name, method, steps.get(3), query, input).await
        }
        ["tenants", "tenant", container] | ["tenants", "tenant", container, _]
            if Kind::from_path(container, names.get(3).copied()).is_some() =>
        {
            let kind = Kind::from_path(container, names.get(3).copied()).unwrap_or(Kind::DeviceType);
            if kind == Kind::Endpoint && write && !caller.is_unrestricted() {
                return Err(error(
                    StatusCode::FORBIDDEN,
                    ErrorTag::AccessDenied,
                    "only unrestricted administrators change endpoints (they open and close sockets)",
                ));
            }
            let (tenant, tenant_name) = tenant_scope(app, caller, &steps, write).await?;
            tenant_resource(app, kind, tenant, &tenant_name, method, steps.get(3), input).await
        }
        _ => Err(error(StatusCode::NOT_FOUND, ErrorTag::InvalidValue, format!("no such resource: /{raw}"))),
    }
}

/// The tenant a `tenants/tenant=…/…` path names, once the caller may see it (and, for a
/// write, once an administrator exists).
async fn tenant_scope(
    app: &AppState,
    caller: &Caller,
    steps: &[Step],
    write: bool,
) -> Result<(TenantId, String), ErrorReply> {
    let tenant_name = steps[1]
        .key
        .clone()
        .ok_or_else(|| error(StatusCode::BAD_REQUEST, ErrorTag::InvalidValue, "tenant key missing"))?;
    let tenant = tenant_by_name(app, caller, &tenant_name, write).await?;
    Ok((tenant, tenant_name))
}

/// The tenant named `tenant_name`, once the caller may see it (and, for a write, once an
/// administrator exists).
pub(crate) async fn tenant_by_name(
    app: &AppState,
    caller: &Caller,
    tenant_name: &str,
    write: bool,
) -> Result<TenantId, ErrorReply> {
    if matches!(caller, Caller::FirstUse) && write {
        return Err(first_use_refusal());
    }
    let missing = || error(StatusCode::NOT_FOUND, ErrorTag::InvalidValue, format!("no tenant \"{tenant_name}\""));
    if !caller.sees_tenant(tenant_name) {
        return Err(missing());
    }
    Ok(app.store().tenant_by_name(tenant_name).await.map_err(store_error)?.ok_or_else(missing)?.id)
}

/// Hashes a password or activation code on the blocking pool (argon2 takes tens of
/// milliseconds of CPU, which must not stall the async workers).
async fn hash_secret(secret: &str) -> Result<String, ErrorReply> {
    let secret = secret.to_owned();
    tokio::task::spawn_blocking(move || crate::password::hash(&secret))
        .await
        .map_err(|e| e.to_string())
        .and_then(|r| r)
        .map_err(|e| error(StatusCode::INTERNAL_SERVER_ERROR, ErrorTag::OperationFailed, e))
}

fn first_use_refusal() -> ErrorReply {
    error(
        StatusCode::BAD_REQUEST,
        ErrorTag::InvalidValue,
        "no administrator exists yet: the first write must create an administrator with unrestricted access (POST /restconf/data/sztp-server:administrators)",
    )
}

/// The list entry in a POST/PUT body: `{"sztp-server:administrator":[{…}]}` (or the bare entry).
pub(crate) fn entry<'a>(input: &'a Value, list: &str) -> Result<&'a Value, ErrorReply> {
    let key = format!("{MODULE}:{list}");
    let v = input.get(&key).ok_or_else(|| {
        error(StatusCode::BAD_REQUEST, ErrorTag::MalformedMessage, format!("the body must hold \"{key}\""))
    })?;
    match v {
        Value::Array(items) if items.len() == 1 => Ok(&items[0]),
        Value::Object(_) => Ok(v),
        _ => Err(error(
            StatusCode::BAD_REQUEST,
            ErrorTag::MalformedMessage,
            format!("\"{key}\" must hold exactly one entry"),
        )),
    }
}

async fn administrators(
    app: &AppState,
    caller: &Caller,
    method: &Method,
    item: Option<&Step>,
    input: Option<Value>,
) -> Result<Response, ErrorReply> {
    let store = app.store();
    let key = item.and_then(|s| s.key.clone());
    match (method.clone(), key) {
        (Method::GET, None) => {
            let list: Vec<Value> =
                store.list_administrators().await.map_err(store_error)?.iter().map(admins::to_json).collect();
            Ok(reply(StatusCode::OK, json!({ "sztp-server:administrators": { "administrator": list } })))
        }
        (Method::GET, Some(login)) => {
            let a = store
                .get_administrator(&login)
                .await
                .map_err(store_error)?
                .ok_or_else(|| not_found("administrator", &login))?;
            Ok(reply(StatusCode::OK, json!({ "sztp-server:administrator": [admins::to_json(&a)] })))
        }
        (Method::POST | Method::PUT, key) => {
            let body = input.unwrap_or(Value::Null);
            let entry = entry(&body, "administrator")?;
            let login = entry.get("login").and_then(Value::as_str).unwrap_or_default().to_owned();
            if let Some(k) = &key
                && *k != login
            {
                return Err(error(
                    StatusCode::BAD_REQUEST,
                    ErrorTag::InvalidValue,
                    "the login in the body differs from the one in the path",
                ));
            }
            let existing = store.get_administrator(&login).await.map_err(store_error)?;
            if *method == Method::POST && existing.is_some() {
                return Err(error(
                    StatusCode::CONFLICT,
                    ErrorTag::DataExists,
                    format!("administrator \"{login}\" exists"),
                ));
            }
            let (mut admin, password) = admins::from_json(entry, existing.as_ref()).map_err(field_error)?;
            if matches!(caller, Caller::FirstUse)
                && !(admin.access_level == sztp_store::AccessLevel::Unrestricted && admin.tenants.is_empty())
            {
                return Err(first_use_refusal());
            }
            if let Some(pw) = password {
                let prefs = store.get_preferences().await.map_err(store_error)?;
                if pw.chars().count() < prefs.min_password_length as usize {
                    return Err(error(
                        StatusCode::BAD_REQUEST,
                        ErrorTag::InvalidValue,
                        format!("password: at least {} characters are required", prefs.min_password_length),
                    ));
                }
                admin.password_hash = Some(hash_secret(&pw).await?);
                admin.password_changed_at = Some(time::OffsetDateTime::now_utc());
            }
            if admin.password_hash.is_none() && admin.client_cert_der.is_none() {
                return Err(error(
                    StatusCode::BAD_REQUEST,
                    ErrorTag::MissingElement,
                    "password: an administrator needs a password or a client certificate",
                ));
            }
            store.put_administrator_guarded(&admin).await.map_err(store_error)?;
            Ok(created_or_replaced(
                existing.is_none(),
                &format!("sztp-server:administrators/administrator={}", path::encode(&login)),
            ))
        }
        (Method::DELETE, Some(login)) => {
            store
                .get_administrator(&login)
                .await
                .map_err(store_error)?
                .ok_or_else(|| not_found("administrator", &login))?;
            store.delete_administrator_guarded(&login).await.map_err(store_error)?;
            Ok(StatusCode::NO_CONTENT.into_response())
        }
        _ => Err(error(StatusCode::METHOD_NOT_ALLOWED, ErrorTag::OperationNotSupported, "method not allowed here")),
    }
}

pub(crate) fn not_found(kind: &str, key: &str) -> ErrorReply {
    error(StatusCode::NOT_FOUND, ErrorTag::InvalidValue, format!("no {kind} \"{key}\""))
}

pub(crate) fn created_or_replaced(created: bool, location: &str) -> Response {
    if created {
        (StatusCode::CREATED, [(header::LOCATION, format!("/restconf/data/{location}"))]).into_response()
    } else {
        StatusCode::NO_CONTENT.into_response()
    }
}

async fn device_resource(
    app: &AppState,
    tenant: TenantId,
    tenant_name: &str,
    method: &Method,
    item: Option<&Step>,
    query: Option<&str>,
    input: Option<Value>,
) -> Result<Response, ErrorReply> {
    let store = app.store();
    let key = item.and_then(|s| s.key.clone());
    match (method.clone(), key) {
        (Method::GET, None) => {
            let window = paging::Window::parse(query)?;
            let mut body = paging::ListBody::new("devices", "device");
            paging::devices(app, tenant, window, paging::PAGE, &mut body).await?;
            Ok(body.finish())
        }
        (Method::GET, Some(serial)) => {
            let d = store
                .get_device(tenant, &serial)
                .await
                .map_err(store_error)?
                .ok_or_else(|| not_found("device", &serial))?;
            let status = store.device_status(tenant, &serial).await.map_err(store_error)?;
            Ok(reply(StatusCode::OK, json!({ "sztp-server:device": [devices::to_json(&d, status.as_ref())] })))
        }
        (Method::POST | Method::PUT, key) => {
            let body = input.unwrap_or(Value::Null);
            let entry = entry(&body, "device")?;
            let serial = entry.get("serial").and_then(Value::as_str).unwrap_or_default().to_owned();
            if let Some(k) = &key
                && *k != serial
            {
                return Err(error(
                    StatusCode::BAD_REQUEST,
                    ErrorTag::InvalidValue,
                    "the serial in the body differs from the one in the path",
                ));
            }
            let existing = store.get_device(tenant, &serial).await.map_err(store_error)?;
            if *method == Method::POST && existing.is_some() {
                return Err(error(StatusCode::CONFLICT, ErrorTag::DataExists, format!("device \"{serial}\" exists")));
            }
            let (mut device, code) = devices::from_json(entry, existing.as_ref()).map_err(field_error)?;
            if let Some(code) = code {
                device.activation_code_hash = Some(hash_secret(&code).await?);
            }
            store.put_device(tenant, &device).await.map_err(store_error)?;
            let location = format!(
                "sztp-server:tenants/tenant={}/devices/device={}",
                path::encode(tenant_name),
                path::encode(&serial)
            );
            Ok(created_or_replaced(existing.is_none(), &location))
        }
        (Method::PATCH, Some(serial)) => {
            let existing = store
                .get_device(tenant, &serial)
                .await
                .map_err(store_error)?
                .ok_or_else(|| not_found("device", &serial))?;
            let body = input.unwrap_or(Value::Null);
            let patch = entry(&body, "device")?;
            if patch.get("serial").is_some_and(|k| k.as_str() != Some(serial.as_str())) {
                return Err(error(StatusCode::BAD_REQUEST, ErrorTag::InvalidValue, "a PATCH cannot change the serial"));
            }
            let mut merged = devices::to_json(&existing, None);
            json::merge(&mut merged, patch);
            let (mut device, code) = devices::from_json(&merged, Some(&existing)).map_err(field_error)?;
            if let Some(code) = code {
                device.activation_code_hash = Some(hash_secret(&code).await?);
            }
            store.put_device(tenant, &device).await.map_err(store_error)?;
            Ok(StatusCode::NO_CONTENT.into_response())
        }
        (Method::DELETE, Some(serial)) => {
            store
                .get_device(tenant, &serial)
                .await
                .map_err(store_error)?
                .ok_or_else(|| not_found("device", &serial))?;
            store.delete_device(tenant, &serial).await.map_err(store_error)?;
            Ok(StatusCode::NO_CONTENT.into_response())
        }
        _ => Err(error(StatusCode::METHOD_NOT_ALLOWED, ErrorTag::OperationNotSupported, "method not allowed here")),
    }
}
