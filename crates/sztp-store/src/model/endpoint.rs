//! Listener endpoints: where the server listens, with which TLS settings and APIs.

use serde::{Deserialize, Serialize};

use super::TenantId;

/// One listening socket of the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Endpoint {
    /// Unique name (system-wide).
    pub name: String,
    /// The tenant that owns it (the default tenant for system endpoints).
    #[serde(default)]
    pub tenant_id: TenantId,
    /// IP literal to bind, v4 or v6.
    pub address: String,
    /// TCP port (0 lets the OS choose, for tests).
    pub port: u16,
    /// TLS settings; `None` means plain HTTP.
    #[serde(default)]
    pub tls: Option<EndpointTls>,
    /// APIs served: "rfc8572", "native", "tenant", "ca-api", "files", "metrics".
    #[serde(default)]
    pub apis: Vec<String>,
    /// Address clients use to reach it, when different (NAT, load balancer).
    #[serde(default)]
    pub external_address: Option<String>,
    /// Whether the server listens on it.
    #[serde(default = "super::yes")]
    pub enabled: bool,
    /// Plain HTTP here with TLS terminated by a proxy in front: passwords are then accepted
    /// from any address (only for endpoints without `tls`).
    #[serde(default)]
    pub behind_tls_terminator: bool,
    /// What clients may hold on it; absent values take the server's defaults.
    #[serde(default)]
    pub limits: EndpointLimits,
}

/// Connection and download limits of one endpoint; `None` takes the server's default.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndpointLimits {
    /// Most connections open at once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_connections: Option<u32>,
    /// Most connections open at once from one source address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_connections_per_source: Option<u32>,
    /// Seconds a connection may carry no request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idle_timeout_secs: Option<u32>,
    /// Seconds for the TLS handshake and for a request head.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header_timeout_secs: Option<u32>,
    /// Seconds between HTTP/2 keep-alive pings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keepalive_interval_secs: Option<u32>,
    /// Largest request head in bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_header_size: Option<u32>,
    /// Artifact downloads sent at once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_downloads: Option<u32>,
    /// Largest request body in bytes (artifact content aside).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_body_size: Option<u32>,
    /// Seconds to send a request body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body_timeout_secs: Option<u32>,
}

impl EndpointLimits {
    /// Whether every limit takes its default.
    pub fn is_default(&self) -> bool {
        *self == EndpointLimits::default()
    }
}

/// TLS settings of an endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndpointTls {
    /// Keystore name of the server's private key.
    pub server_key: String,
    /// Server certificate chain in PEM, leaf first.
    pub cert_chain_pem: String,
    /// Whether clients must present a certificate.
    #[serde(default)]
    pub client_auth: ClientAuth,
    /// Trust bag that verifies client certificates, if any.
    #[serde(default)]
    pub client_trust_bag: Option<String>,
    /// Lowest TLS version accepted.
    #[serde(default)]
    pub min_version: TlsVersion,
}

/// Client-certificate policy of a TLS endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ClientAuth {
    /// No client certificate is requested.
    None,
    /// A client certificate is requested but not required.
    #[default]
    Optional,
    /// A valid client certificate is required.
    Required,
}

/// Lowest TLS protocol version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum TlsVersion {
    /// TLS 1.2 and 1.3.
    #[default]
    #[serde(rename = "tls1.2", alias = "tls12")]
    Tls12,
    /// TLS 1.3 only.
    #[serde(rename = "tls1.3", alias = "tls13")]
    Tls13,
}
