//! HTTP and HTTPS listeners, one per configured endpoint: TLS (rustls, aws-lc-rs) with optional
//! client certificates, HTTP/1.1 and HTTP/2, live reconfiguration and graceful draining.
//!
//! [`Listeners::apply`] makes the running set of endpoints equal a list of [`EndpointSpec`]s; the
//! axum router of each endpoint comes from a [`RouterFactory`]. Every request carries a
//! [`PeerInfo`] in its extensions (and axum's `ConnectInfo<SocketAddr>`).

mod activity;
mod body;
mod client_cert;
mod connection;
mod der;
mod endpoint;
mod listeners;
pub mod signals;
mod tls;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

pub use listeners::Listeners;
pub use signals::{Signal, Signals, wait_for_signal};
pub use tls::{ClientAuth, TlsMin, TlsSettings, install_default_crypto_provider};

/// One listening endpoint as configured: compared with `==` to detect changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointSpec {
    /// Unique name of the endpoint; results and logs refer to it.
    pub name: String,
    /// Address to listen on; port 0 picks a free port. `[::]` is dual-stack or IPv6-only as the
    /// operating system's default says (Linux: `net.ipv6.bindv6only`, normally dual-stack).
    pub addr: SocketAddr,
    /// TLS settings, or `None` for plain HTTP.
    pub tls: Option<TlsSettings>,
    /// The APIs served here (interpreted by the [`RouterFactory`], not by this module).
    pub apis: Vec<String>,
    /// Plain HTTP behind a TLS terminator (interpreted by the [`RouterFactory`]).
    pub behind_tls_terminator: bool,
    /// This endpoint's own limits, over the listeners' [`ListenLimits`].
    pub limits: LimitOverrides,
}

/// Per-endpoint overrides of [`ListenLimits`]; `None` keeps the listeners' value.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LimitOverrides {
    /// [`ListenLimits::max_connections`].
    pub max_connections: Option<usize>,
    /// [`ListenLimits::max_connections_per_source`].
    pub max_connections_per_source: Option<usize>,
    /// [`ListenLimits::idle_timeout`].
    pub idle_timeout: Option<Duration>,
    /// Both [`ListenLimits::tls_handshake_timeout`] and [`ListenLimits::header_read_timeout`].
    pub header_timeout: Option<Duration>,
    /// [`ListenLimits::keepalive_interval`].
    pub keepalive_interval: Option<Duration>,
    /// [`ListenLimits::max_head`].
    pub max_header_size: Option<usize>,
    /// Artifact downloads sent at once (applied by the routers, not by the listener).
    pub max_downloads: Option<usize>,
    /// Largest request body (applied by the routers).
    pub max_body_size: Option<usize>,
    /// Time to send a request body (applied by the routers).
    pub body_timeout: Option<Duration>,
}

/// What the accept loop knows about a request's connection; inserted into every request's
/// extensions.
#[derive(Debug, Clone)]
pub struct PeerInfo {
    /// The client's address (IPv4-mapped IPv6 addresses are given as IPv4).
    pub remote: SocketAddr,
    /// The local address the connection was accepted on (same form as `remote`).
    pub local: SocketAddr,
    /// Name of the endpoint that accepted the connection.
    pub endpoint: Arc<str>,
    /// Whether the connection is TLS.
    pub tls: bool,
    /// The client certificate chain as presented (DER, leaf first). Only possession of the leaf's
    /// key was checked: the chain is NOT path-validated, the application must do that.
    pub client_chain: Option<Arc<Vec<Vec<u8>>>>,
}

/// Builds the axum router of an endpoint; called whenever an endpoint starts or its spec changes.
pub type RouterFactory = Arc<dyn Fn(&EndpointSpec) -> axum::Router + Send + Sync>;

/// Why an endpoint could not be brought up.
#[derive(Debug, thiserror::Error)]
pub enum ListenError {
    /// The address could not be bound (in use, not local, no permission).
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address that was asked for.
        addr: SocketAddr,
        /// The operating system's reason.
        #[source]
        source: std::io::Error,
    },
    /// The TLS settings are unusable (bad key, key not matching the certificate, empty chain).
    #[error("invalid TLS settings: {0}")]
    Tls(String),
    /// The spec itself is unusable (for example a name used twice in one `apply`).
    #[error("invalid endpoint: {0}")]
    Invalid(String),
}

/// Timeouts and caps of every endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListenLimits {
    /// Time a client has to complete the TLS handshake.
    pub tls_handshake_timeout: Duration,
    /// Time a client has to send a complete request head (also bounds idle HTTP/1 keep-alive and
    /// the wait for a connection's first request).
    pub header_read_timeout: Duration,
    /// Most connections open at once per endpoint; further clients wait in the kernel backlog.
    pub max_connections: usize,
    /// Most connections open at once from one source address per endpoint; more are closed
    /// at once.
    pub max_connections_per_source: usize,
    /// How long a connection may sit with no request or response in progress (HTTP/2 clients
    /// answer keep-alive pings, so only this closes them); one second while the endpoint is
    /// full, so idle connections make way for new clients.
    pub idle_timeout: Duration,
    /// How long connections of a removed or reconfigured endpoint may drain before being closed.
    pub drain_timeout: Duration,
    /// How often an HTTP/2 connection is pinged; a client that does not answer within 20 s (or
    /// this interval, if shorter) is disconnected.
    pub keepalive_interval: Duration,
    /// The largest request head in bytes (HTTP/1.1 read buffer, HTTP/2 header list); larger is
    /// 431 (a 64 KiB path fits the default).
    pub max_head: usize,
}

impl ListenLimits {
    /// These limits with an endpoint's overrides.
    pub fn with(self, o: &LimitOverrides) -> ListenLimits {
        ListenLimits {
            tls_handshake_timeout: o.header_timeout.unwrap_or(self.tls_handshake_timeout),
            header_read_timeout: o.header_timeout.unwrap_or(self.header_read_timeout),
            max_connections: o.max_connections.unwrap_or(self.max_connections),
            max_connections_per_source: o.max_connections_per_source.unwrap_or(self.max_connections_per_source),
            idle_timeout: o.idle_timeout.unwrap_or(self.idle_timeout),
            drain_timeout: self.drain_timeout,
            max_head: o.max_header_size.unwrap_or(self.max_head),
            keepalive_interval: o.keepalive_interval.unwrap_or(self.keepalive_interval),
        }
    }
}

impl Default for ListenLimits {
    fn default() -> Self {
        ListenLimits {
            tls_handshake_timeout: Duration::from_secs(10),
            header_read_timeout: Duration::from_secs(10),
            max_connections: 4096,
            max_connections_per_source: 256,
            idle_timeout: Duration::from_secs(60),
            drain_timeout: Duration::from_secs(30),
            max_head: 128 * 1024,
            keepalive_interval: Duration::from_secs(30),
        }
    }
}
