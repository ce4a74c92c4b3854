//! From a stored endpoint to a listener spec: address, server certificate chain and key (opened
//! from the keystore), client-certificate policy and the CA names hinted to clients.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use sztp_protocol::x509::load_certificates;
use sztp_store::{ClientAuth as StoredClientAuth, Endpoint, TlsVersion};

use crate::domain::keys;
use crate::listen::{ClientAuth, EndpointSpec, LimitOverrides, TlsMin, TlsSettings};
use crate::state::AppState;

/// Builds the listener spec of an endpoint; the error is a one-line reason.
pub(crate) async fn to_spec(app: &AppState, endpoint: &Endpoint) -> Result<EndpointSpec, String> {
    let ip: IpAddr = endpoint
        .address
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse()
        .map_err(|_| format!("address \"{}\" is not an IP address", endpoint.address))?;
    let tls = match &endpoint.tls {
        None => None,
        Some(t) => {
            let tenant = endpoint.tenant_id;
            let stored = app
                .store()
                .get_key(tenant, &t.server_key)
                .await
                .map_err(|e| e.to_string())?
                .ok_or_else(|| format!("server key \"{}\" does not exist", t.server_key))?;
            let pkcs8 =
                keys::open(app.kek(), tenant, &stored).map_err(|e| format!("server key \"{}\": {e}", t.server_key))?;
            let chain =
                load_certificates(t.cert_chain_pem.as_bytes()).map_err(|e| format!("server certificate chain: {e}"))?;
            if chain.is_empty() {
                return Err("the server certificate chain is empty".into());
            }
            let hints = match &t.client_trust_bag {
                None => Vec::new(),
                Some(bag) => {
                    app.store()
                        .get_trust_bag(tenant, bag)
                        .await
                        .map_err(|e| e.to_string())?
                        .ok_or_else(|| format!("client trust bag \"{bag}\" does not exist"))?
                        .certificates_der
                }
            };
            Some(TlsSettings {
                cert_chain_der: chain.iter().map(|c| c.der().to_vec()).collect(),
                key_pkcs8_der: pkcs8.to_vec(),
                client_auth: match t.client_auth {
                    StoredClientAuth::None => ClientAuth::None,
                    StoredClientAuth::Optional => ClientAuth::Optional,
                    StoredClientAuth::Required => ClientAuth::Required,
                },
                enforce_client_roots: t.client_trust_bag.is_some(),
                client_root_hints: hints,
                min_version: match t.min_version {
                    TlsVersion::Tls12 => TlsMin::Tls12,
                    TlsVersion::Tls13 => TlsMin::Tls13,
                },
            })
        }
    };
    Ok(EndpointSpec {
        name: endpoint.name.clone(),
        addr: SocketAddr::new(ip, endpoint.port),
        tls,
        apis: endpoint.apis.clone(),
        behind_tls_terminator: endpoint.behind_tls_terminator,
        limits: overrides(&endpoint.limits),
    })
}

/// An endpoint's stored limits as overrides of the listeners' defaults.
fn overrides(limits: &sztp_store::EndpointLimits) -> LimitOverrides {
    let secs = |s: Option<u32>| s.map(|s| Duration::from_secs(u64::from(s)));
    let count = |n: Option<u32>| n.map(|n| n as usize);
    LimitOverrides {
        max_connections: count(limits.max_connections),
        max_connections_per_source: count(limits.max_connections_per_source),
        idle_timeout: secs(limits.idle_timeout_secs),
        header_timeout: secs(limits.header_timeout_secs),
        max_header_size: count(limits.max_header_size),
        keepalive_interval: secs(limits.keepalive_interval_secs),
        max_downloads: count(limits.max_downloads),
        max_body_size: count(limits.max_body_size),
        body_timeout: secs(limits.body_timeout_secs),
    }
}
