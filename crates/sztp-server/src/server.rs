//! The running server: opens the store and the key-encryption key, makes sure a fresh database
//! has its first endpoint, binds every enabled endpoint, and rebinds when endpoints change
//! (in this process, or on SIGHUP); stops on SIGTERM/SIGINT after draining.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use sztp_ca::KeyEncryptionKey;
use sztp_store::{Endpoint, OpenOptions, Store, TenantId};
use tracing::{info, warn};

use crate::api::southbound::{self, Southbound};
use crate::audit;
use crate::endpoints::to_spec;
use crate::listen::{EndpointSpec, Listeners, RouterFactory, Signal, Signals};
use crate::restconf::BodyLimits;
use crate::state::AppState;

/// How to start.
#[derive(Debug, Clone)]
pub struct ServerOptions {
    /// Database URL.
    pub database_url: String,
    /// TLS and credentials for reaching an RDBMS.
    pub open: OpenOptions,
    /// Key-encryption key file; default: `key` next to the SQLite file (or in the working
    /// directory for other databases), created on first run.
    pub key_file: Option<PathBuf>,
    /// First endpoint of a fresh database.
    pub default_addr: IpAddr,
    /// Port of that endpoint.
    pub default_port: u16,
    /// Days log records are kept (0: forever).
    pub log_retention_days: u32,
    /// Most rows kept per log table (0: no budget).
    pub log_max_rows: u64,
}

/// A started server.
pub struct Server {
    app: AppState,
    listeners: Listeners,
    tenants: Arc<Mutex<HashMap<String, TenantId>>>,
    retention: crate::retention::Retention,
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// Database problem.
    #[error("{0}")]
    Store(#[from] sztp_store::StoreError),
    /// Key-encryption key problem.
    #[error("key-encryption key: {0}")]
    Key(#[from] sztp_ca::CaError),
    /// An endpoint could not be brought up.
    #[error("endpoint \"{name}\": {reason}")]
    Endpoint {
        /// Endpoint name.
        name: String,
        /// Reason.
        reason: String,
    },
}

/// The key file's default place: next to a SQLite database file, else the working directory.
pub fn default_key_file(database_url: &str) -> PathBuf {
    let path = database_url.strip_prefix("sqlite://").or_else(|| database_url.strip_prefix("sqlite:"));
    match path.map(|p| p.split('?').next().unwrap_or(p)) {
        Some(p) if !p.is_empty() && !p.starts_with(":memory:") => {
            let dir = std::path::Path::new(p).parent().map(PathBuf::from).unwrap_or_default();
            dir.join("key")
        }
        _ => PathBuf::from("key"),
    }
}

impl Server {
    /// Opens everything and binds every enabled endpoint. Any endpoint failing to bind is a
    /// start-up failure (a running server instead logs and keeps the others).
    pub async fn start(options: ServerOptions) -> Result<Server, StartError> {
        crate::listen::install_default_crypto_provider();
        let store = Store::open(&options.database_url, &options.open).await?;
        if store.recovered_patches() > 0 {
            warn!(
                patches = store.recovered_patches(),
                "undid YANG Patches cut short by a crash under an older release"
            );
        }
        let key_file = options.key_file.clone().unwrap_or_else(|| default_key_file(&options.database_url));
        let (kek, created) = KeyEncryptionKey::load_or_create(&key_file)?;
        if created {
            info!(path = %key_file.display(), "created a new key-encryption key; back it up with the database");
        }
        if store.list_endpoints().await?.is_empty() {
            let endpoint = Endpoint {
                name: "default".into(),
                tenant_id: TenantId::DEFAULT,
                address: options.default_addr.to_string(),
                port: options.default_port,
                tls: None,
                apis: vec!["native".into()],
                external_address: None,
                enabled: true,
                behind_tls_terminator: false,
                limits: Default::default(),
            };
            store.put_endpoint(&endpoint).await?;
            info!(addr = %SocketAddr::new(options.default_addr, options.default_port), "fresh database: created the first endpoint");
        }
        let app = AppState::new(store, kek);
        let tenants = Arc::new(Mutex::new(HashMap::new()));
        let listeners = Listeners::new(router_factory(app.clone(), tenants.clone()));
        let server = Server {
            app,
            listeners,
            tenants,
            retention: crate::retention::Retention { days: options.log_retention_days, max_rows: options.log_max_rows },
        };
        for (name, result) in server.reload().await? {
            if let Err(reason) = result {
                server.listeners.shutdown(Duration::from_secs(1)).await;
                return Err(StartError::Endpoint { name, reason });
            }
        }
        Ok(server)
    }

    /// The shared state (store, key).
    pub fn app(&self) -> &AppState {
        &self.app
    }

    /// Bound addresses by endpoint name.
    pub fn bound(&self) -> Vec<(String, SocketAddr)> {
        self.listeners.bound()
    }

    /// Re-reads the endpoints and makes the listeners match; returns each endpoint's result.
    pub async fn reload(&self) -> Result<Vec<(String, Result<SocketAddr, String>)>, StartError> {
        let endpoints = self.app.store().list_endpoints().await?;
        let mut specs: Vec<EndpointSpec> = Vec::new();
        let mut results = Vec::new();
        for endpoint in endpoints.into_iter().filter(|e| e.enabled) {
            match to_spec(&self.app, &endpoint).await {
                Ok(spec) => {
                    if let Ok(mut map) = self.tenants.lock() {
                        map.insert(endpoint.name.clone(), endpoint.tenant_id);
                    }
                    specs.push(spec);
                }
                Err(reason) => results.push((endpoint.name.clone(), Err(reason))),
            }
        }
        for (name, result) in self.listeners.apply(specs).await {
            match &result {
                Ok(addr) => info!(endpoint = %name, %addr, "listening"),
                Err(e) => warn!(endpoint = %name, error = %e, "endpoint not started"),
            }
            results.push((name, result.map_err(|e| e.to_string())));
        }
        self.app.set_endpoint_status(results.iter().cloned().collect());
        Ok(results)
    }

    /// Serves until SIGTERM/SIGINT (or `stop` resolves); SIGHUP and endpoint changes rebind.
    pub async fn run(self, stop: impl std::future::Future<Output = ()>) -> std::io::Result<()> {
        let mut signals = Signals::new()?;
        let mut changes = self.app.store().endpoint_changes();
        let pruning = tokio::spawn(crate::retention::run(self.app.store().clone(), self.retention));
        let mut summary = tokio::time::interval(Duration::from_secs(60));
        summary.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        tokio::pin!(stop);
        loop {
            tokio::select! {
                signal = signals.recv() => match signal {
                    Signal::Hangup => {
                        info!("SIGHUP: reloading endpoints and certificates");
                        self.log_reload().await;
                    }
                    Signal::Terminate => break,
                },
                changed = changes.changed() => {
                    if changed.is_err() { break; }
                    info!("endpoint configuration changed: rebinding");
                    self.log_reload().await;
                }
                _ = summary.tick() => {
                    if let Some(text) = self.app.rejections().take_summary() {
                        info!(since_start = self.app.rejections().total(), "in the last minute, {text}");
                    }
                }
                () = &mut stop => break,
            }
        }
        pruning.abort();
        info!("shutting down: draining in-flight requests");
        self.listeners.shutdown(Duration::from_secs(30)).await;
        Ok(())
    }

    async fn log_reload(&self) {
        if let Err(e) = self.reload().await {
            warn!(error = %e, "reload failed; keeping the running endpoints");
        }
    }
}

fn router_factory(app: AppState, tenants: Arc<Mutex<HashMap<String, TenantId>>>) -> RouterFactory {
    Arc::new(move |spec: &EndpointSpec| {
        let tenant = tenants.lock().ok().and_then(|m| m.get(&spec.name).copied()).unwrap_or(TenantId::DEFAULT);
        let endpoint: Arc<str> = Arc::from(spec.name.as_str());
        let has = |api: &str| spec.apis.iter().any(|a| a == api);
        let body = BodyLimits { max_size: spec.limits.max_body_size, timeout: spec.limits.body_timeout };
        let mut router = Router::new().route("/health", axum::routing::get(|| async { "ok\n" }));
        if has("native") {
            let mut northbound = crate::api::northbound::router(app.clone())
                .merge(crate::api::northbound::artifacts::router(app.clone()));
            if spec.behind_tls_terminator {
                northbound = northbound.layer(axum::Extension(crate::api::northbound::auth::BehindTlsTerminator));
            }
            router = router.merge(northbound.layer(axum::Extension(body)));
        }
        if has("rfc8572") {
            let max_downloads = spec.limits.max_downloads.unwrap_or(crate::api::artifact_body::DEFAULT_MAX_DOWNLOADS);
            let downloads = crate::api::artifact_body::Downloads::new(max_downloads);
            let state = Southbound {
                app: app.clone(),
                tenant,
                endpoint: endpoint.clone(),
                files: has("files"),
                downloads,
                body,
            };
            router = router.merge(southbound::router(state, has("files")));
        }
        // The fallback goes in before the audit layer so unknown paths are audited too.
        let router = router.fallback(not_found);
        audit::layer(router, app.clone(), tenant, spec.apis.join(","))
    })
}

async fn not_found(headers: axum::http::HeaderMap) -> axum::response::Response {
    use axum::response::IntoResponse;
    use sztp_protocol::codec::Encoding;
    let encoding = crate::restconf::negotiate(&headers, Encoding::Json).unwrap_or(Encoding::Json);
    crate::restconf::ErrorReply::not_found(encoding, "no such resource").into_response()
}
