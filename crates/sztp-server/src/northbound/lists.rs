//! The tenant lists handled alike (device types, responses, trust bags, owner certificates,
//! vouchers, endpoints, artifact metadata): GET, POST, PUT and DELETE through one table of [`Kind`]s.

use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use sztp_protocol::model::restconf_errors::ErrorTag;
use sztp_store::TenantId;

use super::paging::ListBody;
use super::path::{self, Step};
use super::{
    MODULE, artifacts, created_or_replaced, device_types, endpoints, entry, error, field_error, not_found, owner_certs,
    reply, responses, store_error, trust, vouchers,
};
use crate::restconf::ErrorReply;
use crate::state::AppState;

/// The tenant lists served by [`tenant_resource`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    DeviceType,
    Response,
    TrustBag,
    OwnerCertificate,
    Voucher,
    Endpoint,
    Artifact,
}

impl Kind {
    const ALL: [Kind; 7] = [
        Kind::DeviceType,
        Kind::Response,
        Kind::TrustBag,
        Kind::OwnerCertificate,
        Kind::Voucher,
        Kind::Endpoint,
        Kind::Artifact,
    ];

    /// The kind whose container (and list, when given) a path names.
    pub(super) fn from_path(container: &str, list: Option<&str>) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.container() == container && list.is_none_or(|l| l == k.list()))
    }

    fn container(self) -> &'static str {
        match self {
            Kind::DeviceType => "device-types",
            Kind::Response => "responses",
            Kind::TrustBag => "truststore",
            Kind::OwnerCertificate => "owner-certificates",
            Kind::Voucher => "vouchers",
            Kind::Endpoint => "endpoints",
            Kind::Artifact => "artifacts",
        }
    }

    fn list(self) -> &'static str {
        match self {
            Kind::DeviceType => "device-type",
            Kind::Response => "response",
            Kind::TrustBag => "certificate-bag",
            Kind::OwnerCertificate => "owner-certificate",
            Kind::Voucher => "voucher",
            Kind::Endpoint => "endpoint",
            Kind::Artifact => "artifact",
        }
    }

    fn key(self) -> &'static str {
        if self == Kind::Voucher { "serial" } else { "name" }
    }
}

/// Writes every entry of a list (vouchers, one per device, are read page by page).
async fn kind_list(app: &AppState, kind: Kind, tenant: TenantId, body: &mut ListBody) -> Result<(), ErrorReply> {
    let store = app.store();
    let entries: Vec<Value> = match kind {
        Kind::DeviceType => {
            store.list_device_types(tenant).await.map_err(store_error)?.iter().map(device_types::to_json).collect()
        }
        Kind::Response => {
            store.list_responses(tenant).await.map_err(store_error)?.iter().map(responses::to_json).collect()
        }
        Kind::TrustBag => {
            store.list_trust_bags(tenant).await.map_err(store_error)?.iter().map(trust::to_json).collect()
        }
        Kind::OwnerCertificate => {
            store.list_owner_certificates(tenant).await.map_err(store_error)?.iter().map(owner_certs::to_json).collect()
        }
        Kind::Voucher => return super::paging::vouchers(app, tenant, super::paging::PAGE, body).await,
        Kind::Endpoint => store
            .list_endpoints()
            .await
            .map_err(store_error)?
            .iter()
            .filter(|e| e.tenant_id == tenant)
            .map(|e| endpoints::to_json(e, app.endpoint_status(&e.name)))
            .collect(),
        Kind::Artifact => {
            store.list_artifacts(tenant).await.map_err(store_error)?.iter().map(artifacts::to_json).collect()
        }
    };
    for entry in &entries {
        body.push(entry);
    }
    Ok(())
}

async fn kind_get(app: &AppState, kind: Kind, tenant: TenantId, key: &str) -> Result<Option<Value>, ErrorReply> {
    let store = app.store();
    Ok(match kind {
        Kind::DeviceType => {
            store.get_device_type(tenant, key).await.map_err(store_error)?.map(|v| device_types::to_json(&v))
        }
        Kind::Response => store.get_response(tenant, key).await.map_err(store_error)?.map(|v| responses::to_json(&v)),
        Kind::TrustBag => store.get_trust_bag(tenant, key).await.map_err(store_error)?.map(|v| trust::to_json(&v)),
        Kind::OwnerCertificate => {
            store.get_owner_certificate(tenant, key).await.map_err(store_error)?.map(|v| owner_certs::to_json(&v))
        }
        Kind::Voucher => store.get_voucher(tenant, key).await.map_err(store_error)?.map(|v| vouchers::to_json(&v)),
        Kind::Endpoint => store
            .get_endpoint(key)
            .await
            .map_err(store_error)?
            .filter(|e| e.tenant_id == tenant)
            .map(|e| endpoints::to_json(&e, app.endpoint_status(&e.name))),
        Kind::Artifact => store.artifact_meta(tenant, key).await.map_err(store_error)?.map(|a| artifacts::to_json(&a)),
    })
}

/// Parses and validates an entry, then writes it; nothing is written when validation fails.
async fn kind_put(app: &AppState, kind: Kind, tenant: TenantId, entry: &Value) -> Result<(), ErrorReply> {
    let store = app.store();
    match kind {
        Kind::DeviceType => {
            let t = device_types::from_json(entry).map_err(field_error)?;
            store.put_device_type(tenant, &t).await
        }
        Kind::Response => {
            let r = responses::from_json(entry).map_err(field_error)?;
            crate::domain::conveyed::conveyed_information(&r.spec, sztp_store::CompatProfile::Rfc8572)
                .map_err(|e| error(StatusCode::BAD_REQUEST, ErrorTag::InvalidValue, e.to_string()))?;
            store.put_response(tenant, &r).await
        }
        Kind::TrustBag => {
            let bag = trust::from_json(entry).map_err(field_error)?;
            store.put_trust_bag(tenant, &bag).await
        }
        Kind::OwnerCertificate => {
            let oc = owner_certs::from_json(entry).map_err(field_error)?;
            store.put_owner_certificate(tenant, &oc).await
        }
        Kind::Voucher => {
            let v = vouchers::from_json(entry).map_err(field_error)?;
            store.put_voucher(tenant, &v).await
        }
        Kind::Endpoint => {
            let e = endpoints::from_json(entry, tenant).map_err(field_error)?;
            if store.get_endpoint(&e.name).await.map_err(store_error)?.is_some_and(|old| old.tenant_id != tenant) {
                return Err(error(
                    StatusCode::CONFLICT,
                    ErrorTag::DataExists,
                    format!("endpoint name \"{}\" is taken", e.name),
                ));
            }
            // The listener spec must build (key opens, chain parses, trust bag exists) before the
            // change is stored; the running server then rebinds this endpoint only.
            crate::endpoints::to_spec(app, &e)
                .await
                .map_err(|reason| error(StatusCode::BAD_REQUEST, ErrorTag::InvalidValue, reason))?;
            store.put_endpoint(&e).await
        }
        Kind::Artifact => return artifacts::put_meta(app, tenant, entry).await,
    }
    .map_err(store_error)
}

async fn kind_delete(app: &AppState, kind: Kind, tenant: TenantId, key: &str) -> Result<(), ErrorReply> {
    let store = app.store();
    match kind {
        Kind::DeviceType => store.delete_device_type(tenant, key).await,
        Kind::Response => store.delete_response(tenant, key).await,
        Kind::TrustBag => store.delete_trust_bag(tenant, key).await,
        Kind::OwnerCertificate => store.delete_owner_certificate(tenant, key).await,
        Kind::Voucher => store.delete_voucher(tenant, key).await,
        Kind::Endpoint => store.delete_endpoint(key).await,
        Kind::Artifact => store.delete_artifact(tenant, key).await,
    }
    .map_err(store_error)
}

/// GET, POST, PUT and DELETE on the tenant lists of [`Kind`].
pub(super) async fn tenant_resource(
    app: &AppState,
    kind: Kind,
    tenant: TenantId,
    tenant_name: &str,
    method: &Method,
    item: Option<&Step>,
    input: Option<Value>,
) -> Result<Response, ErrorReply> {
    let key = item.and_then(|s| s.key.clone());
    let list = kind.list();
    match (method.clone(), key) {
        (Method::GET, None) => {
            let mut body = ListBody::new(kind.container(), list);
            kind_list(app, kind, tenant, &mut body).await?;
            Ok(body.finish())
        }
        (Method::GET, Some(key)) => {
            let v = kind_get(app, kind, tenant, &key).await?.ok_or_else(|| not_found(list, &key))?;
            Ok(reply(StatusCode::OK, json!({ format!("{MODULE}:{list}"): [v] })))
        }
        (Method::POST | Method::PUT, key) => {
            let body = input.unwrap_or(Value::Null);
            let entry = entry(&body, list)?;
            let name = entry.get(kind.key()).and_then(Value::as_str).unwrap_or_default().to_owned();
            if let Some(k) = &key
                && *k != name
            {
                return Err(error(
                    StatusCode::BAD_REQUEST,
                    ErrorTag::InvalidValue,
                    format!("the {} in the body differs from the one in the path", kind.key()),
                ));
            }
            let existing = if name.is_empty() { None } else { kind_get(app, kind, tenant, &name).await? };
            if *method == Method::POST && existing.is_some() {
                return Err(error(StatusCode::CONFLICT, ErrorTag::DataExists, format!("{list} \"{name}\" exists")));
            }
            kind_put(app, kind, tenant, entry).await?;
            let location = format!(
                "sztp-server:tenants/tenant={}/{}/{list}={}",
                path::encode(tenant_name),
                kind.container(),
                path::encode(&name)
            );
            Ok(created_or_replaced(existing.is_none(), &location))
        }
        (Method::PATCH, Some(key)) => {
            let mut merged = kind_get(app, kind, tenant, &key).await?.ok_or_else(|| not_found(list, &key))?;
            let body = input.unwrap_or(Value::Null);
            let patch = entry(&body, list)?;
            if patch.get(kind.key()).is_some_and(|k| k.as_str() != Some(key.as_str())) {
                return Err(error(
                    StatusCode::BAD_REQUEST,
                    ErrorTag::InvalidValue,
                    format!("a PATCH cannot change the {}", kind.key()),
                ));
            }
            super::json::merge(&mut merged, patch);
            kind_put(app, kind, tenant, &merged).await?;
            Ok(StatusCode::NO_CONTENT.into_response())
        }
        (Method::DELETE, Some(key)) => {
            kind_get(app, kind, tenant, &key).await?.ok_or_else(|| not_found(list, &key))?;
            kind_delete(app, kind, tenant, &key).await?;
            Ok(StatusCode::NO_CONTENT.into_response())
        }
        _ => Err(error(StatusCode::METHOD_NOT_ALLOWED, ErrorTag::OperationNotSupported, "method not allowed here")),
    }
}
