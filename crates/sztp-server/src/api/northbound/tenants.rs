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
use super::paging::ListBody;
use super::resource::Scope;
use super::route::serve as route_serve;
use super::{MODULE, decode_error, entry, error, first_use_refusal, path, store_error, tenant_by_name};
use crate::audit::TenantDeleted;
use crate::restconf::ErrorReply;
use crate::restconf::status::ReplyDocument;
use crate::restconf::{created_or_replaced, json_reply, no_content};
use crate::state::AppState;
use sztp_protocol::codec::Encoding;
use sztp_protocol::model::northbound::ListEntry;
use sztp_protocol::model::northbound::tenant::Tenant;

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
        entries.push(tenant_json(app, caller, (tenant.id, &tenant.name), tenant.created_at).await?);
    }
    match name {
        None => Ok(json_reply(json!({ format!("{MODULE}:tenants"): { "tenant": entries } }))),
        Some(n) if entries.is_empty() => Err(ErrorReply::no_such(Encoding::Json, format!("no tenant \"{n}\""))),
        Some(_) => Ok(json_reply(json!({ format!("{MODULE}:tenant"): entries }))),
    }
}

/// One tenant with every list it holds, each read by its resource (the keystore by its route).
async fn tenant_json(
    app: &AppState,
    caller: &Caller,
    (id, name): (TenantId, &str),
    created_at: time::OffsetDateTime,
) -> Result<Value, ErrorReply> {
    let mut o = Map::new();
    let tenant = Tenant { name: name.to_owned(), created_at: Some(created_at) };
    if let Value::Object(head) = tenant.to_value() {
        o.extend(head);
    }
    let scope = Scope { app, caller, tenant: Some((id, name)) };
    for container in CONTAINERS {
        let inner = match super::resources::tenant_list(container, None) {
            Some(r) => {
                r.check_access(caller, false)?;
                let mut body = ListBody::collecting();
                r.list_into(&scope, None, &mut body).await?;
                json!({ r.list(): body.into_entries() })
            }
            None => {
                let raw = format!("{MODULE}:tenants/tenant={}/{container}", path::encode(name));
                let response = Box::pin(route_serve(app, caller, &Method::GET, &raw, None, None)).await?;
                let Some(ReplyDocument(doc)) = response.extensions().get::<ReplyDocument>().cloned() else {
                    return Err(error(ErrorTag::OperationFailed, format!("{container}: no document")));
                };
                doc.get(format!("{MODULE}:{container}")).cloned().unwrap_or(Value::Null)
            }
        };
        if !inner.is_null() {
            o.insert(container.into(), inner);
        }
    }
    Ok(Value::Object(o))
}

/// Creates a tenant: `{"sztp-server:tenant":[{"name":"acme"}]}`; PUT of an existing one changes
/// nothing (a tenant has no other configuration of its own).
async fn create(app: &AppState, method: Method, key: Option<&str>, input: Value) -> Result<Response, ErrorReply> {
    let name = Tenant::from_value(entry(&input, "tenant")?).map_err(decode_error)?.name;
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
