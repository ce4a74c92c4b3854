//! GET of `tenants` and `tenants/tenant=…`: the whole configuration (and state) of the tenants
//! the caller sees, composed from the per-container resources. The logs are not inlined (they
//! are paginated on their own paths).

use axum::body::Body;
use axum::http::{Method, StatusCode};
use axum::response::Response;
use serde_json::{Map, Value, json};
use sztp_protocol::model::restconf_errors::ErrorTag;

use super::auth::Caller;
use super::json::rfc3339;
use super::{MODULE, body_bytes, error, path, reply, serve, store_error};
use crate::restconf::ErrorReply;
use crate::state::AppState;

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
pub(super) async fn get(app: &AppState, caller: &Caller, name: Option<&str>) -> Result<Response, ErrorReply> {
    let mut entries = Vec::new();
    for tenant in app.store().list_tenants().await.map_err(store_error)? {
        if !caller.sees_tenant(&tenant.name) || name.is_some_and(|n| n != tenant.name) {
            continue;
        }
        entries.push(tenant_json(app, caller, &tenant.name, tenant.created_at).await?);
    }
    match name {
        None => Ok(reply(StatusCode::OK, json!({ format!("{MODULE}:tenants"): { "tenant": entries } }))),
        Some(n) if entries.is_empty() => {
            Err(error(StatusCode::NOT_FOUND, ErrorTag::InvalidValue, format!("no tenant \"{n}\"")))
        }
        Some(_) => Ok(reply(StatusCode::OK, json!({ format!("{MODULE}:tenant"): entries }))),
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
        let response = Box::pin(serve(app, caller, &Method::GET, &raw, None, Body::empty())).await?;
        let bytes = body_bytes(response).await?;
        let mut v: Value = serde_json::from_slice(&bytes).map_err(|e| {
            error(StatusCode::INTERNAL_SERVER_ERROR, ErrorTag::OperationFailed, format!("{container}: {e}"))
        })?;
        if let Some(inner) = v.get_mut(format!("{MODULE}:{container}")).map(Value::take) {
            o.insert(container.into(), inner);
        }
    }
    Ok(Value::Object(o))
}
