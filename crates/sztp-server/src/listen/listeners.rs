//! The set of running endpoints: [`Listeners::apply`] reconciles it with the configuration,
//! [`Listeners::shutdown`] drains it.

use std::collections::{BTreeMap, HashSet};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio_rustls::TlsAcceptor;
use tracing::{info, warn};

use super::connection::{ConnService, http_builder};
use super::endpoint::{EndpointHandle, Supervision, bind};
use super::{EndpointSpec, ListenError, ListenLimits, RouterFactory, tls};

/// The running endpoints of the server.
///
/// How [`apply`](Listeners::apply) treats each endpoint, by name:
/// * **unchanged** spec: untouched, its connections keep going;
/// * **removed**: its socket is closed before `apply` goes on (so another endpoint may take the
///   address in the same call); its connections finish their requests in the background, for at
///   most [`ListenLimits::drain_timeout`];
/// * **changed, same address**: the socket is kept (no moment without a listener, and a port-0
///   endpoint keeps its port); new connections get the new TLS settings and router, and the
///   connections accepted under the old ones drain as above;
/// * **changed address**: the new address is bound first, then the old endpoint is stopped. If the
///   new address conflicts with the old one (same port, e.g. `0.0.0.0:443` → `127.0.0.1:443`), the
///   old socket is closed first (and if the new address still cannot be bound, the endpoint is
///   down until the next `apply`);
/// * **new**: bound and started.
///
/// A change that cannot be brought up (bad TLS material, address in use) leaves the endpoint
/// running with its previous spec, if it had one, and reports the error; the next `apply` tries
/// again. Errors are returned, not logged.
pub struct Listeners {
    factory: RouterFactory,
    limits: ListenLimits,
    state: tokio::sync::Mutex<State>,
    bound: Mutex<Vec<(String, SocketAddr)>>,
}

struct State {
    endpoints: BTreeMap<String, EndpointHandle>,
    sup: Supervision,
}

impl Listeners {
    /// No endpoints yet, default limits (10 s TLS handshake and header timeouts, 4096 connections
    /// per endpoint, 30 s drain). Installs aws-lc-rs as the process's default rustls provider.
    pub fn new(factory: RouterFactory) -> Self {
        Self::with_limits(factory, ListenLimits::default())
    }

    /// No endpoints yet, with the given limits.
    pub fn with_limits(factory: RouterFactory, limits: ListenLimits) -> Self {
        tls::install_default_crypto_provider();
        Listeners {
            factory,
            limits,
            state: tokio::sync::Mutex::new(State { endpoints: BTreeMap::new(), sup: Supervision::new(limits) }),
            bound: Mutex::new(Vec::new()),
        }
    }

    /// Makes the running endpoints equal `specs` (see the type's documentation for how), and
    /// returns, in the order of `specs`, each endpoint's bound address (port 0 resolved) or why it
    /// could not be brought up. One failing endpoint does not affect the others.
    pub async fn apply(&self, specs: Vec<EndpointSpec>) -> Vec<(String, Result<SocketAddr, ListenError>)> {
        let mut state = self.state.lock().await;
        let mut names = HashSet::new();
        let unique: Vec<bool> = specs.iter().map(|s| names.insert(s.name.clone())).collect();
        let removed: Vec<String> = state.endpoints.keys().filter(|n| !names.contains(*n)).cloned().collect();
        for name in removed {
            if let Some(endpoint) = state.endpoints.remove(&name) {
                info!(endpoint = %name, addr = %endpoint.local, "stopping removed endpoint");
                endpoint.stop(self.limits.drain_timeout).await;
            }
        }
        let mut results = Vec::with_capacity(specs.len());
        for (spec, unique) in specs.into_iter().zip(unique) {
            let name = spec.name.clone();
            let result = if unique {
                self.bring_up(&mut state, spec).await
            } else {
                Err(ListenError::Invalid(format!("endpoint name {name:?} is used more than once")))
            };
            results.push((name, result));
        }
        self.publish(&state);
        results
    }

    /// The running endpoints and their bound addresses, by name.
    pub fn bound(&self) -> Vec<(String, SocketAddr)> {
        self.bound.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// Stops accepting on every endpoint, waits up to `grace` for in-flight requests to finish,
    /// then closes whatever is still open and returns. A later `apply` starts afresh.
    pub async fn shutdown(&self, grace: Duration) {
        let mut state = self.state.lock().await;
        let endpoints = std::mem::take(&mut state.endpoints);
        self.publish(&state);
        for (_, endpoint) in endpoints {
            endpoint.stop(grace).await;
        }
        let sup = std::mem::replace(&mut state.sup, Supervision::new(self.limits));
        sup.tracker.close();
        if tokio::time::timeout(grace, sup.tracker.wait()).await.is_err() {
            warn!(?grace, "requests still in flight after the grace period; closing their connections");
            sup.kill.cancel();
            // Killed connections end at their next poll; don't hang on anything unexpected.
            let _ = tokio::time::timeout(Duration::from_secs(1), sup.tracker.wait()).await;
        }
        info!("all endpoints stopped");
    }

    async fn bring_up(&self, state: &mut State, spec: EndpointSpec) -> Result<SocketAddr, ListenError> {
        if let Some(running) = state.endpoints.get(&spec.name)
            && running.spec == spec
        {
            return Ok(running.local);
        }
        // Check the TLS material before touching anything that runs.
        let service = self.service(&spec)?;
        let previous = state.endpoints.remove(&spec.name);
        let (listener, previous) = match previous {
            Some(mut running) if running.spec.addr == spec.addr => {
                running.swap(service).await;
                info!(endpoint = %spec.name, addr = %running.local, "endpoint reconfigured");
                running.spec = spec;
                let local = running.local;
                state.endpoints.insert(running.spec.name.clone(), running);
                return Ok(local);
            }
            Some(running) => match bind(spec.addr) {
                Ok(listener) => (listener, Some(running)),
                Err(e) if addr_in_use(&e) && same_port(&running, &spec) => {
                    running.stop(self.limits.drain_timeout).await;
                    (bind(spec.addr)?, None)
                }
                Err(e) => {
                    state.endpoints.insert(spec.name.clone(), running);
                    return Err(e);
                }
            },
            None => (bind(spec.addr)?, None),
        };
        if let Some(running) = previous {
            running.stop(self.limits.drain_timeout).await;
        }
        let name = spec.name.clone();
        let endpoint = EndpointHandle::start(spec.clone(), listener, service, &state.sup)
            .map_err(|source| ListenError::Bind { addr: spec.addr, source })?;
        let local = endpoint.local;
        info!(endpoint = %name, addr = %local, tls = spec.tls.is_some(), "endpoint listening");
        state.endpoints.insert(name, endpoint);
        Ok(local)
    }

    fn service(&self, spec: &EndpointSpec) -> Result<Arc<ConnService>, ListenError> {
        let limits = self.limits.with(&spec.limits);
        let tls = spec.tls.as_ref().map(tls::server_config).transpose()?.map(TlsAcceptor::from);
        Ok(Arc::new(ConnService {
            endpoint: spec.name.as_str().into(),
            router: (self.factory)(spec),
            tls,
            http: http_builder(&limits),
            limits,
        }))
    }

    fn publish(&self, state: &State) {
        let view = state.endpoints.iter().map(|(name, e)| (name.clone(), e.local)).collect();
        *self.bound.lock().unwrap_or_else(PoisonError::into_inner) = view;
    }
}

fn addr_in_use(e: &ListenError) -> bool {
    matches!(e, ListenError::Bind { source, .. } if source.kind() == std::io::ErrorKind::AddrInUse)
}

/// Whether the old and new addresses of an endpoint share a fixed port, so that the old socket
/// may be what keeps the new address from being bound.
fn same_port(running: &EndpointHandle, spec: &EndpointSpec) -> bool {
    spec.addr.port() != 0 && spec.addr.port() == running.local.port()
}

impl std::fmt::Debug for Listeners {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Listeners").field("limits", &self.limits).field("bound", &self.bound()).finish_non_exhaustive()
    }
}
