//! `tenants`: POST (or PUT on `tenant=…`) creates a tenant; DELETE on `tenant=…` deletes one and
//! everything it owns; GET of `tenants` and `tenants/tenant=…`: the whole configuration (and
//! state) of the tenants the caller sees, composed from the per-container resources. The logs
//! are not inlined (they are paginated on their own paths).

use axum::http::Method;
use axum::response::Response;
use serde_json::{Map, Value, json};
use sztp_protocol::model::restconf_errors::ErrorTag;
use sztp_store::{StoreError, TenantId};
use tracing::info;

use super::auth::Caller;
use super::dispatch::body_bytes;
use super::json::Fields;
use super::json::rfc3339;
use super::route::serve as route_serve;
use super::{MODULE, entry, error, field_error, first_use_refusal, path, store_error, tenant_by_name};
use crate::audit::TenantDeleted;
use crate::restconf::ErrorReply;
use crate::restconf::{created_or_replaced, json_reply, no_content};
use crate::state::AppState;
use sztp_protocol::codec::Encoding;

/// The containers of a tenant, in module order.
const CONTAINERS: [&str; 9] = [
    "endpoints",
    "keystore",
    "truststore",
    "device-types",
    "devices",
    "responses",
    "artifacts",
    "vouchers",
    "owner-certificates",
];

/// GET `tenants` (`name` = `None`) or one tenant.
/// GET, POST, PUT and DELETE on `tenants` and `tenants/tenant={name}`.
pub(super) async fn serve(
    app: &AppState,
    caller: &Caller,
    method: &Method,
    key: Option<&str>,
    input: Option<Value>,
) -> Result<Response, ErrorReply> {
    match method.clone() {
        Method::GET => get(app, caller, key).await,
        Method::POST | Method::PUT if matches!(caller, Caller::FirstUse) => Err(first_use_refusal()),
        Method::POST | Method::PUT if !caller.is_unrestricted() => {
            Err(ErrorReply::forbidden(Encoding::Json, "only unrestricted administrators create tenants"))
        }
        Method::POST | Method::PUT => create(app, method.clone(), key, input.unwrap_or(Value::Null)).await,
        Method::DELETE => {
            let Some(name) = key else {
                let message = "tenants are deleted one by one (DELETE on tenant={name})";
                return Err(error(ErrorTag::OperationNotSupported, message));
            };
            // Out of scope reads as absent; in scope but restricted is forbidden.
            tenant_by_name(app, caller, name, true).await?;
            if !caller.is_unrestricted() {
                return Err(ErrorReply::forbidden(Encoding::Json, "only unrestricted administrators delete tenants"));
            }
            delete(app, name).await
        }
        _ => Err(error(ErrorTag::OperationNotSupported, "tenants support GET, POST, PUT and DELETE")),
    }
}

async fn get(app: &AppState, caller: &Caller, name: Option<&str>) -> Result<Response, ErrorReply> {
    let mut entries = Vec::new();
    for tenant in app.store().list_tenants().await.map_err(store_error)? {
        if !caller.sees_tenant(&tenant.name) || name.is_some_and(|n| n != tenant.name) {
            continue;
        }
        entries.push(tenant_json(app, caller, &tenant.name, tenant.created_at).await?);
    }
    match name {
        None => Ok(json_reply(json!({ format!("{MODULE}:tenants"): { "tenant": entries } }))),
        Some(n) if entries.is_empty() => Err(ErrorReply::no_such(Encoding::Json, format!("no tenant \"{n}\""))),
        Some(_) => Ok(json_reply(json!({ format!("{MODULE}:tenant"): entries }))),
    }
}

async fn tenant_json(
    app: &AppState,
    caller: &Caller,
    name: &str,
    created_at: time::OffsetDateTime,
) -> Result<Value, ErrorReply> {
    let mut o = Map::new();
    o.insert("name".into(), json!(name));
    o.insert("created-at".into(), json!(rfc3339(created_at)));
    for container in CONTAINERS {
        let raw = format!("{MODULE}:tenants/tenant={}/{container}", path::encode(name));
        let response = Box::pin(route_serve(app, caller, &Method::GET, &raw, None, None)).await?;
        let bytes = body_bytes(response).await?;
        let mut v: Value = serde_json::from_slice(&bytes)
            .map_err(|e| error(ErrorTag::OperationFailed, format!("{container}: {e}")))?;
        if let Some(inner) = v.get_mut(format!("{MODULE}:{container}")).map(Value::take) {
            o.insert(container.into(), inner);
        }
    }
    Ok(Value::Object(o))
}

/// Creates a tenant: `{"sztp-server:tenant":[{"name":"acme"}]}`; PUT of an existing one changes
/// nothing (a tenant has no other configuration of its own).
async fn create(app: &AppState, method: Method, key: Option<&str>, input: Value) -> Result<Response, ErrorReply> {
    let body = entry(&input, "tenant")?;
    let mut f = Fields::new(body, "tenant").map_err(field_error)?;
    let name = f.required_string("name").map_err(field_error)?;
    f.ignore("created-at");
    f.finish().map_err(field_error)?;
    if name.starts_with(|c: char| c.is_whitespace() || c == '/') || name.chars().count() > 255 {
        return Err(error(
            ErrorTag::InvalidValue,
            "name: a tenant name has 1 to 255 characters and does not start with whitespace or '/'",
        ));
    }
    if key.is_some_and(|k| k != name) {
        return Err(error(ErrorTag::InvalidValue, "the name in the body differs from the one in the path"));
    }
    let exists = app.store().tenant_by_name(&name).await.map_err(store_error)?.is_some();
    match (exists, method) {
        (true, Method::POST) => Err(error(ErrorTag::DataExists, format!("tenant \"{name}\" exists"))),
        (true, _) => Ok(created_or_replaced(false, "")),
        (false, _) => {
            app.store().create_tenant(&name).await.map_err(|e| match e {
                sztp_store::StoreError::Invalid(m) => error(ErrorTag::InvalidValue, m),
                other => store_error(other),
            })?;
            Ok(created_or_replaced(true, &format!("{MODULE}:tenants/tenant={}", path::encode(&name))))
        }
    }
}

/// Deletes tenant `name` and everything it owns (one store transaction); the caller is an
/// unrestricted system-wide administrator. Refused (409 `in-use`) for the default tenant and
/// while administrators are scoped to the tenant.
async fn delete(app: &AppState, name: &str) -> Result<Response, ErrorReply> {
    let missing = || ErrorReply::no_such(Encoding::Json, format!("no tenant \"{name}\""));
    let tenant = app.store().tenant_by_name(name).await.map_err(store_error)?.ok_or_else(missing)?;
    if tenant.id == TenantId::DEFAULT {
        return Err(error(
            ErrorTag::InUse,
            format!(
                "tenant \"{name}\" is the default tenant and cannot be deleted: the server puts its first endpoint \
                 in it and falls back to it"
            ),
        ));
    }
    app.store().delete_tenant(tenant.id).await.map_err(|e| match e {
        StoreError::Refused(m) => error(ErrorTag::InUse, m),
        StoreError::NotFound { .. } => missing(),
        other => store_error(other),
    })?;
    info!(tenant = %name, id = %tenant.id, "tenant deleted with everything it owned");
    let mut response = no_content();
    response.extensions_mut().insert(TenantDeleted(tenant.id));
    Ok(response)
}
