//! `tenants/tenant/endpoints/endpoint`: listeners as configuration, plus the read-only
//! `listening` / `error` the last rebind left. Writes take effect without a restart.

use std::net::{IpAddr, SocketAddr};

use serde_json::{Map, Value, json};
use sztp_protocol::x509::load_certificates;
use sztp_store::{ClientAuth, Endpoint, EndpointLimits, EndpointTls, TenantId, TlsVersion};

use crate::api::northbound::auth::Caller;
use crate::api::northbound::json::{FieldError, Fields, b64};
use crate::api::northbound::paging::ListBody;
use crate::api::northbound::resource::{Resource, Scope};
use crate::api::northbound::{error, field_error, store_error};
use crate::restconf::ErrorReply;
use sztp_protocol::codec::Encoding;
use sztp_protocol::model::restconf_errors::ErrorTag;

const APIS: &[&str] = &["native", "tenant", "rfc8572", "ca-api", "files", "metrics"];

/// RFC 7951 JSON of an endpoint and what the listener layer says about it.
pub(crate) fn to_json(e: &Endpoint, status: Option<Result<SocketAddr, String>>) -> Value {
    let mut o = Map::new();
    o.insert("name".into(), json!(e.name));
    o.insert("address".into(), json!(e.address));
    o.insert("port".into(), json!(e.port));
    o.insert("protocol".into(), json!(if e.tls.is_some() { "https" } else { "http" }));
    if let Some(t) = &e.tls {
        let certs: Vec<String> =
            load_certificates(t.cert_chain_pem.as_bytes()).unwrap_or_default().iter().map(|c| b64(c.der())).collect();
        let mut tls = json!({
            "server-key": t.server_key,
            "certificate": certs,
            "client-auth": match t.client_auth { ClientAuth::None => "none", ClientAuth::Optional => "optional", ClientAuth::Required => "required" },
            "min-version": match t.min_version { TlsVersion::Tls12 => "tls1.2", TlsVersion::Tls13 => "tls1.3" },
        });
        if let Some(bag) = &t.client_trust_bag {
            tls["client-trust-bag"] = json!(bag);
        }
        o.insert("tls".into(), tls);
    }
    o.insert("apis".into(), json!(e.apis));
    if let Some(x) = &e.external_address {
        o.insert("external-address".into(), json!(x));
    }
    o.insert("enabled".into(), json!(e.enabled));
    if e.behind_tls_terminator {
        o.insert("behind-tls-terminator".into(), json!(true));
    }
    if !e.limits.is_default() {
        o.insert("limits".into(), limits_to_json(&e.limits));
    }
    match status {
        Some(Ok(addr)) => {
            o.insert("listening".into(), json!(addr.to_string()));
        }
        Some(Err(reason)) => {
            o.insert("error".into(), json!(reason));
        }
        None => {}
    }
    Value::Object(o)
}

/// An endpoint of `tenant` from input JSON.
pub(crate) fn from_json(v: &Value, tenant: TenantId) -> Result<Endpoint, FieldError> {
    let mut f = Fields::new(v, "endpoint")?;
    let name = f.required_string("name")?;
    let address = f.required_string("address")?;
    address
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<IpAddr>()
        .map_err(|_| FieldError::invalid("address", format!("\"{address}\" is not an IP address")))?;
    let port = match f.value("port") {
        Some(p) => p
            .as_u64()
            .and_then(|p| u16::try_from(p).ok())
            .ok_or_else(|| FieldError::invalid("port", "must be 0..65535"))?,
        None => return Err(FieldError { node: "port".into(), tag: "missing-element", message: "is mandatory".into() }),
    };
    let https = match f.string("protocol")?.as_deref() {
        None | Some("http") => false,
        Some("https") => true,
        Some(other) => return Err(FieldError::invalid("protocol", format!("\"{other}\" is not http or https"))),
    };
    let tls = match (https, f.object("tls")?) {
        (true, Some(t)) => Some(tls_from_json(t)?),
        (true, None) => {
            return Err(FieldError {
                node: "tls".into(),
                tag: "missing-element",
                message: "an https endpoint needs tls settings".into(),
            });
        }
        (false, Some(_)) => return Err(FieldError::invalid("tls", "only https endpoints take tls settings")),
        (false, None) => None,
    };
    let apis = f.string_list("apis")?;
    if let Some(bad) = apis.iter().find(|a| !APIS.contains(&a.as_str())) {
        return Err(FieldError::invalid("apis", format!("\"{bad}\" is not one of {}", APIS.join(", "))));
    }
    let external_address = f.string("external-address")?;
    let enabled = f.boolean("enabled")?.unwrap_or(true);
    let behind_tls_terminator = f.boolean("behind-tls-terminator")?.unwrap_or(false);
    if behind_tls_terminator && https {
        return Err(FieldError::invalid("behind-tls-terminator", "only an http endpoint sits behind a TLS terminator"));
    }
    let limits = f.object("limits")?.map(limits_from_json).transpose()?.unwrap_or_default();
    f.ignore("listening");
    f.ignore("error");
    f.finish()?;
    Ok(Endpoint {
        name,
        tenant_id: tenant,
        address,
        port,
        tls,
        apis,
        external_address,
        enabled,
        behind_tls_terminator,
        limits,
    })
}

/// The `limits` container: only the leaves set (the others take their YANG defaults).
fn limits_to_json(l: &EndpointLimits) -> Value {
    let mut o = Map::new();
    for (name, value) in [
        ("max-connections", l.max_connections),
        ("max-connections-per-source", l.max_connections_per_source),
        ("idle-timeout", l.idle_timeout_secs),
        ("header-timeout", l.header_timeout_secs),
        ("max-header-size", l.max_header_size),
        ("keepalive-interval", l.keepalive_interval_secs),
        ("max-downloads", l.max_downloads),
        ("max-body-size", l.max_body_size),
        ("body-timeout", l.body_timeout_secs),
    ] {
        if let Some(v) = value {
            o.insert(name.into(), json!(v));
        }
    }
    Value::Object(o)
}

fn limits_from_json(v: &Value) -> Result<EndpointLimits, FieldError> {
    let mut f = Fields::new(v, "limits")?;
    let mut leaf = |name: &'static str, (min, max): (u64, u64)| match f.value(name) {
        None => Ok(None),
        Some(n) => match n.as_u64().filter(|n| (min..=max).contains(n)) {
            Some(n) => Ok(u32::try_from(n).ok()),
            None => Err(FieldError::invalid(name, format!("must be an integer from {min} to {max}"))),
        },
    };
    let limits = EndpointLimits {
        max_connections: leaf("max-connections", (1, 65_536))?,
        max_connections_per_source: leaf("max-connections-per-source", (1, 65_536))?,
        idle_timeout_secs: leaf("idle-timeout", (1, 86_400))?,
        header_timeout_secs: leaf("header-timeout", (1, 600))?,
        max_header_size: leaf("max-header-size", (8_192, 1 << 20))?,
        keepalive_interval_secs: leaf("keepalive-interval", (1, 3_600))?,
        max_downloads: leaf("max-downloads", (1, 4_096))?,
        max_body_size: leaf("max-body-size", (1_024, 64 << 20))?,
        body_timeout_secs: leaf("body-timeout", (1, 3_600))?,
    };
    f.finish()?;
    Ok(limits)
}

fn tls_from_json(v: &Value) -> Result<EndpointTls, FieldError> {
    let mut f = Fields::new(v, "tls")?;
    let server_key = f.required_string("server-key")?;
    let mut pem = String::new();
    for (i, c) in f.string_list("certificate")?.iter().enumerate() {
        let der = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, c.trim())
            .map_err(|_| FieldError::invalid("certificate", format!("entry {} is not base64", i + 1)))?;
        sztp_protocol::x509::Certificate::from_der(&der)
            .map_err(|e| FieldError::invalid("certificate", format!("entry {}: {e}", i + 1)))?;
        pem.push_str(&sztp_ca::pem_encode("CERTIFICATE", &der));
    }
    if pem.is_empty() {
        return Err(FieldError {
            node: "certificate".into(),
            tag: "missing-element",
            message: "the server certificate chain is empty".into(),
        });
    }
    let client_auth = match f.string("client-auth")?.as_deref() {
        None | Some("optional") => ClientAuth::Optional,
        Some("none") => ClientAuth::None,
        Some("required") => ClientAuth::Required,
        Some(other) => {
            return Err(FieldError::invalid("client-auth", format!("\"{other}\" is not none, optional or required")));
        }
    };
    let min_version = match f.string("min-version")?.as_deref() {
        None | Some("tls1.2") => TlsVersion::Tls12,
        Some("tls1.3") => TlsVersion::Tls13,
        Some(other) => return Err(FieldError::invalid("min-version", format!("\"{other}\" is not tls1.2 or tls1.3"))),
    };
    let client_trust_bag = f.string("client-trust-bag")?;
    f.finish()?;
    Ok(EndpointTls { server_key, cert_chain_pem: pem, client_auth, client_trust_bag, min_version })
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
            body.push(&to_json(e, s.app.endpoint_status(&e.name)));
        }
        Ok(())
    }
    async fn get(&self, s: &Scope<'_>, key: &str) -> Result<Option<Value>, ErrorReply> {
        let e = s.app.store().get_endpoint(key).await.map_err(store_error)?.filter(|e| e.tenant_id == s.tenant());
        Ok(e.map(|e| to_json(&e, s.app.endpoint_status(&e.name))))
    }
    async fn put(&self, s: &Scope<'_>, entry: &Value) -> Result<(), ErrorReply> {
        let e = from_json(entry, s.tenant()).map_err(field_error)?;
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
