//! The northbound RESTCONF API (RFC 8040) over the `sztp-server` YANG module: one resource model
//! (`resource`, `resources/`) for the lists, tenants, preferences, logs and actions; JSON and XML
//! bodies and replies; the first-use rule, Basic authentication with lockout, access levels and
//! tenant scope. A request: `data` → `auth` → `dispatch` → `route` → a resource.
//! * `/restconf/data/sztp-server:…` (RFC 8040 §3.3), YANG Patch (RFC 8072) on the tenant lists
//! * `/artifacts/{tenant}/{name}`: artifact content

pub(crate) mod auth;
mod conditional;
mod dispatch;
mod import;
mod json;
mod keystore;
mod logs;
mod paging;
pub(crate) mod path;
mod preferences;
mod query;
mod resource;
mod resources;
mod route;
mod rules;
mod strict_json;
mod tenants;
mod xml;
mod yang_patch;

pub(crate) use resources::artifacts;
pub(crate) use resources::{devices, trust, vouchers};

use axum::Router;
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use serde_json::Value;
use sztp_protocol::codec::Encoding;
use sztp_protocol::model::restconf_errors::ErrorTag;
use sztp_store::{StoreError, TenantId};

use crate::audit::Principal;
use crate::restconf::ErrorReply;
use crate::state::AppState;
use auth::Caller;
use sztp_protocol::codec::DecodeError;

/// Our module's name (the JSON prefix).
pub(crate) const MODULE: &str = "sztp-server";
/// Largest request body (bigger: 413).
const MAX_BODY: usize = 4 * 1024 * 1024;

/// The northbound routes.
pub(crate) fn router(app: AppState) -> Router {
    Router::new().route("/restconf/data/{*path}", any(data)).with_state(app)
}

async fn data(State(app): State<AppState>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    // The path as sent: `path::parse` percent-decodes each key once (RFC 8040 §3.5.3); axum's
    // `Path` would decode it first, so a key holding "%41" or "/" would address another entry.
    let raw = parts.uri.path().strip_prefix("/restconf/data/").unwrap_or_default();
    let xml = crate::restconf::negotiate(&parts.headers, Encoding::Json) == Some(Encoding::Xml);
    // Errors leave here only, so a client that wants XML gets them written in XML directly.
    let refused = |e: ErrorReply| {
        let encoding = if xml { Encoding::Xml } else { e.encoding };
        ErrorReply { encoding, ..e }.into_response()
    };
    let (principal, response) = match auth::authenticate(&app, &parts).await {
        Ok(caller) => {
            let result = dispatch::serve(&app, &caller, &parts, raw, body).await;
            (Some(caller.principal()), result.unwrap_or_else(refused))
        }
        Err(e) => (None, refused(e)),
    };
    let mut response = if xml { xml::reply_in_xml(response).await } else { response };
    if let Some(principal) = principal {
        response.extensions_mut().insert(Principal(principal));
    }
    response
}

/// An error of the northbound API with its tag's RFC 8040 status.
pub(crate) fn error(tag: ErrorTag, message: impl Into<String>) -> ErrorReply {
    ErrorReply::tagged(Encoding::Json, tag, message)
}

/// A body, or a node of it, that does not hold what the module says: 400, or 413 when it is
/// too big (a YANG Patch of too many edits).
pub(crate) fn decode_error(e: DecodeError) -> ErrorReply {
    let tag = ErrorTag::parse(e.kind.error_tag());
    if e.kind == sztp_protocol::codec::DecodeErrorKind::TooBig {
        return error(tag, e.to_string());
    }
    ErrorReply::bad_request(Encoding::Json, tag, e.to_string())
}

/// A store error as the northbound API reports it.
pub(crate) fn store_error(e: StoreError) -> ErrorReply {
    ErrorReply::from_store(Encoding::Json, e)
}

/// 404 for an entry of `kind` that does not exist.
pub(crate) fn no_such(kind: &str, key: &str) -> ErrorReply {
    ErrorReply::no_such(Encoding::Json, format!("no {kind} \"{key}\""))
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
    let missing = || ErrorReply::no_such(Encoding::Json, format!("no tenant \"{tenant_name}\""));
    if !caller.sees_tenant(tenant_name) {
        return Err(missing());
    }
    Ok(app.store().tenant_by_name(tenant_name).await.map_err(store_error)?.ok_or_else(missing)?.id)
}

/// Hashes a password or activation code on the blocking pool (argon2 takes tens of
/// milliseconds of CPU, which must not stall the async workers).
pub(crate) async fn hash_secret(secret: &str) -> Result<String, ErrorReply> {
    let secret = secret.to_owned();
    tokio::task::spawn_blocking(move || crate::password::hash(&secret))
        .await
        .map_err(|e| e.to_string())
        .and_then(|r| r)
        .map_err(|e| error(ErrorTag::OperationFailed, e))
}

/// Every write but the creation of the first unrestricted administrator, on an empty database.
pub(crate) fn first_use_refusal() -> ErrorReply {
    error(
        ErrorTag::InvalidValue,
        "no administrator exists yet: the first write must create an administrator with unrestricted access (POST /restconf/data/sztp-server:administrators)",
    )
}

/// The list entry in a POST/PUT body: `{"sztp-server:administrator":[{…}]}` (or the bare entry).
pub(crate) fn entry<'a>(input: &'a Value, list: &str) -> Result<&'a Value, ErrorReply> {
    let key = format!("{MODULE}:{list}");
    let v =
        input.get(&key).ok_or_else(|| error(ErrorTag::MalformedMessage, format!("the body must hold \"{key}\"")))?;
    match v {
        Value::Array(items) if items.len() == 1 => Ok(&items[0]),
        Value::Object(_) => Ok(v),
        _ => Err(error(ErrorTag::MalformedMessage, format!("\"{key}\" must hold exactly one entry"))),
    }
}
