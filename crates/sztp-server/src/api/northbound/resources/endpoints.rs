//! `tenants/tenant/endpoints/endpoint`: listeners as configuration, plus the read-only
//! `listening` / `error` the last rebind left. Writes take effect without a restart.

use std::net::SocketAddr;

use serde_json::Value;
use sztp_protocol::codec::{DecodeError, DecodeErrorKind};
use sztp_protocol::model::northbound::endpoint as wire;
use sztp_protocol::model::northbound::{ListEntry, YangEnum};
use sztp_protocol::x509::load_certificates;
use sztp_store::{Endpoint, EndpointLimits, EndpointTls, TenantId};

use crate::api::northbound::auth::Caller;
use crate::api::northbound::paging::ListBody;
use crate::api::northbound::resource::{Resource, Scope};
use crate::api::northbound::rules::*;
use crate::api::northbound::{decode_error, error, store_error};
use crate::restconf::ErrorReply;
use sztp_protocol::codec::Encoding;
use sztp_protocol::model::restconf_errors::ErrorTag;

/// RFC 7951 JSON of an endpoint and what the listener layer says about it.
pub(crate) fn to_json(e: &Endpoint, status: Option<Result<SocketAddr, String>>) -> Value {
    let l = &e.limits;
    let (listening, error) = match status {
        Some(Ok(addr)) => (Some(addr.to_string()), None),
        Some(Err(reason)) => (None, Some(reason)),
        None => (None, None),
    };
    wire::Endpoint {
        name: e.name.clone(),
        address: e.address.clone(),
        port: e.port,
        tls: e.tls.as_ref().map(|t| wire::Tls {
            server_key: t.server_key.clone(),
            certificates: load_certificates(t.cert_chain_pem.as_bytes())
                .unwrap_or_default()
                .iter()
                .map(|c| c.der().to_vec())
                .collect(),
            client_auth: client_auth_from_store(t.client_auth),
            min_version: tls_version_from_store(t.min_version),
            client_trust_bag: t.client_trust_bag.clone(),
        }),
        apis: e.apis.iter().filter_map(|a| wire::Api::parse(a)).collect(),
        external_address: e.external_address.clone(),
        enabled: e.enabled,
        behind_tls_terminator: e.behind_tls_terminator,
        limits: wire::Limits {
            max_connections: l.max_connections,
            max_connections_per_source: l.max_connections_per_source,
            idle_timeout: l.idle_timeout_secs,
            header_timeout: l.header_timeout_secs,
            max_header_size: l.max_header_size,
            keepalive_interval: l.keepalive_interval_secs,
            max_downloads: l.max_downloads,
            max_body_size: l.max_body_size,
            body_timeout: l.body_timeout_secs,
        },
        listening,
        error,
    }
    .to_value()
}

/// An endpoint of `tenant` from input JSON; each server certificate must parse.
pub(crate) fn from_json(v: &Value, tenant: TenantId) -> Result<Endpoint, DecodeError> {
    let e = wire::Endpoint::from_value(v)?;
    let tls = match e.tls {
        None => None,
        Some(t) => {
            let mut pem = String::new();
            for (i, der) in t.certificates.iter().enumerate() {
                sztp_protocol::x509::Certificate::from_der(der).map_err(|e| {
                    let message = format!("entry {}: {e}", i + 1);
                    DecodeError::new("endpoint/tls/certificate", DecodeErrorKind::InvalidValue, message)
                })?;
                pem.push_str(&sztp_ca::pem_encode("CERTIFICATE", der));
            }
            Some(EndpointTls {
                server_key: t.server_key,
                cert_chain_pem: pem,
                client_auth: client_auth_to_store(t.client_auth),
                client_trust_bag: t.client_trust_bag,
                min_version: tls_version_to_store(t.min_version),
            })
        }
    };
    let l = e.limits;
    Ok(Endpoint {
        name: e.name,
        tenant_id: tenant,
        address: e.address,
        port: e.port,
        tls,
        apis: e.apis.iter().map(|a| a.as_str().to_owned()).collect(),
        external_address: e.external_address,
        enabled: e.enabled,
        behind_tls_terminator: e.behind_tls_terminator,
        limits: EndpointLimits {
            max_connections: l.max_connections,
            max_connections_per_source: l.max_connections_per_source,
            idle_timeout_secs: l.idle_timeout,
            header_timeout_secs: l.header_timeout,
            max_header_size: l.max_header_size,
            keepalive_interval_secs: l.keepalive_interval,
            max_downloads: l.max_downloads,
            max_body_size: l.max_body_size,
            body_timeout_secs: l.body_timeout,
        },
    })
}

/// `tenants/tenant={t}/endpoints/endpoint={name}`: names are unique across tenants, only
/// unrestricted administrators change them (they open and close sockets), and an entry is
/// stored only once its listener spec builds; the running server then rebinds it.
pub(crate) struct Endpoints;

#[async_trait::async_trait]
impl Resource for Endpoints {
    fn container(&self) -> &'static str {
        "endpoints"
    }
    fn list(&self) -> &'static str {
        "endpoint"
    }
    fn check_access(&self, caller: &Caller, write: bool) -> Result<(), ErrorReply> {
        if write && !caller.is_unrestricted() {
            let message = "only unrestricted administrators change endpoints (they open and close sockets)";
            return Err(ErrorReply::forbidden(Encoding::Json, message));
        }
        Ok(())
    }
    async fn list_into(&self, s: &Scope<'_>, _: Option<&str>, body: &mut ListBody) -> Result<(), ErrorReply> {
        for e in s.app.store().list_endpoints().await.map_err(store_error)?.iter().filter(|e| e.tenant_id == s.tenant())
        {
            body.push(to_json(e, s.app.endpoint_status(&e.name)));
        }
        Ok(())
    }
    async fn get(&self, s: &Scope<'_>, key: &str) -> Result<Option<Value>, ErrorReply> {
        let e = s.app.store().get_endpoint(key).await.map_err(store_error)?.filter(|e| e.tenant_id == s.tenant());
        Ok(e.map(|e| to_json(&e, s.app.endpoint_status(&e.name))))
    }
    async fn put(&self, s: &Scope<'_>, entry: &Value) -> Result<(), ErrorReply> {
        let e = from_json(entry, s.tenant()).map_err(decode_error)?;
        let taken = s.app.store().get_endpoint(&e.name).await.map_err(store_error)?;
        if taken.is_some_and(|old| old.tenant_id != s.tenant()) {
            return Err(error(ErrorTag::DataExists, format!("endpoint name \"{}\" is taken", e.name)));
        }
        crate::endpoints::to_spec(s.app, &e).await.map_err(|reason| error(ErrorTag::InvalidValue, reason))?;
        s.app.store().put_endpoint(&e).await.map_err(store_error)
    }
    async fn delete(&self, s: &Scope<'_>, key: &str) -> Result<(), ErrorReply> {
        s.app.store().delete_endpoint(key).await.map_err(store_error)
    }
}

/// What an endpoint may depend on: its server key, or its client trust bag.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Needed {
    Key,
    TrustBag,
}

/// 409 `in-use` when an endpoint of `tenant` needs `name`: deleting it would stop that
/// endpoint at the next reload (perhaps the one serving this API).
pub(crate) async fn refuse_if_in_use(
    store: &sztp_store::Store,
    tenant: TenantId,
    needed: Needed,
    name: &str,
) -> Result<(), ErrorReply> {
    let users: Vec<String> = store
        .list_endpoints()
        .await
        .map_err(store_error)?
        .into_iter()
        .filter(|e| e.tenant_id == tenant)
        .filter(|e| {
            e.tls.as_ref().is_some_and(|t| match needed {
                Needed::Key => t.server_key == name,
                Needed::TrustBag => t.client_trust_bag.as_deref() == Some(name),
            })
        })
        .map(|e| format!("\"{}\"", e.name))
        .collect();
    if users.is_empty() {
        return Ok(());
    }
    let what = match needed {
        Needed::Key => "key",
        Needed::TrustBag => "trust bag",
    };
    let message = format!("{what} \"{name}\" is in use by endpoint {}; change the endpoint first", users.join(", "));
    Err(error(sztp_protocol::model::restconf_errors::ErrorTag::InUse, message))
}
