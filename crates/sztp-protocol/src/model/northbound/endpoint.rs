//! `tenants/tenant/endpoints/endpoint`: a listener (address, port, TLS, the APIs it serves,
//! its limits) and the read-only outcome of its last bind.

use std::net::IpAddr;

use serde_json::Value;

use super::{Fields, ListEntry, Out, YangEnum, yang_enum};
use crate::codec::DecodeError;

yang_enum! {
    /// An API an endpoint serves.
    Api {
        /// The operator API (RESTCONF) and artifact content.
        Native = "native",
        /// The tenant interface.
        Tenant = "tenant",
        /// The RFC 8572 bootstrap server.
        Rfc8572 = "rfc8572",
        /// The device CA API.
        CaApi = "ca-api",
        /// Artifact downloads for devices.
        Files = "files",
        /// Metrics.
        Metrics = "metrics",
    }
}

yang_enum! {
    /// Whether a client certificate is asked for.
    ClientAuth {
        /// Never.
        None = "none",
        /// Asked for, not required.
        Optional = "optional",
        /// Required.
        Required = "required",
    }
    default = Optional
}

yang_enum! {
    /// The lowest TLS version accepted.
    TlsVersion {
        /// TLS 1.2.
        Tls12 = "tls1.2",
        /// TLS 1.3.
        Tls13 = "tls1.3",
    }
    default = Tls12
}

/// TLS settings of an https endpoint.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tls {
    /// The keystore key of the server certificate.
    pub server_key: String,
    /// The server's chain (DER), its own certificate first.
    pub certificates: Vec<Vec<u8>>,
    /// Client certificates.
    pub client_auth: ClientAuth,
    /// The lowest TLS version.
    pub min_version: TlsVersion,
    /// The trust bag client certificates are checked against (besides device types' bags).
    pub client_trust_bag: Option<String>,
}

/// Per-endpoint request limits; absent leaves take the server's defaults.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Limits {
    /// Open connections.
    pub max_connections: Option<u32>,
    /// Open connections from one source address.
    pub max_connections_per_source: Option<u32>,
    /// Seconds a connection may idle.
    pub idle_timeout: Option<u32>,
    /// Seconds to send a request head.
    pub header_timeout: Option<u32>,
    /// Bytes of request head.
    pub max_header_size: Option<u32>,
    /// Seconds between HTTP/2 pings.
    pub keepalive_interval: Option<u32>,
    /// Concurrent artifact downloads.
    pub max_downloads: Option<u32>,
    /// Bytes of request body.
    pub max_body_size: Option<u32>,
    /// Seconds a body may stall.
    pub body_timeout: Option<u32>,
}

/// One leaf of `limits`: its name, its range, and its field.
type LimitLeaf = (&'static str, (u64, u64), fn(&mut Limits) -> &mut Option<u32>);

/// The leaves of `limits`.
const LIMITS: [LimitLeaf; 9] = [
    ("max-connections", (1, 65_536), |l| &mut l.max_connections),
    ("max-connections-per-source", (1, 65_536), |l| &mut l.max_connections_per_source),
    ("idle-timeout", (1, 86_400), |l| &mut l.idle_timeout),
    ("header-timeout", (1, 600), |l| &mut l.header_timeout),
    ("max-header-size", (8_192, 1 << 20), |l| &mut l.max_header_size),
    ("keepalive-interval", (1, 3_600), |l| &mut l.keepalive_interval),
    ("max-downloads", (1, 4_096), |l| &mut l.max_downloads),
    ("max-body-size", (1_024, 64 << 20), |l| &mut l.max_body_size),
    ("body-timeout", (1, 3_600), |l| &mut l.body_timeout),
];

/// One endpoint.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Endpoint {
    /// Name (the key, unique across tenants).
    pub name: String,
    /// The IP address listened on.
    pub address: String,
    /// The port (0: any free port).
    pub port: u16,
    /// TLS settings; `None` for plain HTTP.
    pub tls: Option<Tls>,
    /// The APIs served.
    pub apis: Vec<Api>,
    /// The URL base clients reach it by, when it differs.
    pub external_address: Option<String>,
    /// Whether it listens.
    pub enabled: bool,
    /// Whether a TLS terminator in front forwards client certificates (plain HTTP only).
    pub behind_tls_terminator: bool,
    /// Request limits.
    pub limits: Limits,
    /// Where it listens (read-only).
    pub listening: Option<String>,
    /// Why it does not listen (read-only).
    pub error: Option<String>,
}

impl ListEntry for Endpoint {
    const LIST: &'static str = "endpoint";

    fn read_entry(mut f: Fields<'_>) -> Result<Self, DecodeError> {
        let name = f.required_string("name")?;
        let address = f.required_string("address")?;
        if address.trim_start_matches('[').trim_end_matches(']').parse::<IpAddr>().is_err() {
            return Err(f.invalid("address", format!("\"{address}\" is not an IP address")));
        }
        let port = f.integer("port", (0, 65_535))?.ok_or_else(|| f.missing("port", "is mandatory"))?;
        let https = match f.string("protocol")?.as_deref() {
            None | Some("http") => false,
            Some("https") => true,
            Some(other) => return Err(f.invalid("protocol", format!("\"{other}\" is not http or https"))),
        };
        let tls = match (https, f.container("tls", read_tls)?) {
            (true, Some(t)) => Some(t),
            (true, None) => return Err(f.missing("tls", "an https endpoint needs tls settings")),
            (false, Some(_)) => return Err(f.invalid("tls", "only https endpoints take tls settings")),
            (false, None) => None,
        };
        let apis = f.string_list("apis")?;
        let apis = apis
            .iter()
            .map(|a| {
                Api::parse(a)
                    .ok_or_else(|| f.invalid("apis", format!("\"{a}\" is not one of {}", Api::NAMES.join(", "))))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let external_address = f.string("external-address")?;
        let enabled = f.boolean("enabled")?.unwrap_or(true);
        let behind_tls_terminator = f.boolean("behind-tls-terminator")?.unwrap_or(false);
        if behind_tls_terminator && https {
            return Err(f.invalid("behind-tls-terminator", "only an http endpoint sits behind a TLS terminator"));
        }
        let limits = f.container("limits", read_limits)?.unwrap_or_default();
        let (listening, error) = if f.is_reply() { (f.string("listening")?, f.string("error")?) } else { (None, None) };
        f.ignore("listening");
        f.ignore("error");
        f.finish()?;
        let port = u16::try_from(port).unwrap_or_default();
        Ok(Endpoint {
            name,
            address,
            port,
            tls,
            apis,
            external_address,
            enabled,
            behind_tls_terminator,
            limits,
            listening,
            error,
        })
    }

    fn to_value(&self) -> Value {
        let mut o = Out::default();
        o.put("name", self.name.as_str()).put("address", self.address.as_str()).put("port", self.port);
        o.put("protocol", if self.tls.is_some() { "https" } else { "http" });
        if let Some(t) = &self.tls {
            let mut tls = Out::default();
            tls.put("server-key", t.server_key.as_str()).binaries("certificate", &t.certificates);
            tls.put("client-auth", t.client_auth.as_str()).put("min-version", t.min_version.as_str());
            o.put("tls", tls.opt("client-trust-bag", t.client_trust_bag.clone()).done());
        }
        o.put("apis", self.apis.iter().map(|a| a.as_str()).collect::<Vec<_>>());
        o.opt("external-address", self.external_address.clone()).put("enabled", self.enabled);
        if self.behind_tls_terminator {
            o.put("behind-tls-terminator", true);
        }
        if self.limits != Limits::default() {
            let mut limits = self.limits;
            let mut l = Out::default();
            for (name, _, field) in LIMITS {
                l.opt(name, *field(&mut limits));
            }
            o.put("limits", l.done());
        }
        o.opt("listening", self.listening.clone()).opt("error", self.error.clone()).done()
    }
}

fn read_tls(mut f: Fields<'_>) -> Result<Tls, DecodeError> {
    let server_key = f.required_string("server-key")?;
    let certificates = f.binary_list("certificate")?;
    if certificates.is_empty() {
        return Err(f.missing("certificate", "the server certificate chain is empty"));
    }
    let tls = Tls {
        server_key,
        certificates,
        client_auth: f.enumeration("client-auth")?.unwrap_or_default(),
        min_version: f.enumeration("min-version")?.unwrap_or_default(),
        client_trust_bag: f.string("client-trust-bag")?,
    };
    f.finish()?;
    Ok(tls)
}

fn read_limits(mut f: Fields<'_>) -> Result<Limits, DecodeError> {
    let mut limits = Limits::default();
    for (name, range, field) in LIMITS {
        *field(&mut limits) = f.integer(name, range)?.and_then(|n| u32::try_from(n).ok());
    }
    f.finish()?;
    Ok(limits)
}
