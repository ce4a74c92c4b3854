//! One endpoint's accept loop. It owns the listening socket, swaps configurations in place (new
//! connections get the new one) and retires old configurations by draining their connections.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc, oneshot};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::{Instrument, debug, debug_span, info, warn};

use super::activity::PerSource;
use super::connection::{ConnLifecycle, ConnService, serve_connection};
use super::{EndpointSpec, ListenError, ListenLimits};

/// Listen backlog: clients beyond the connection cap wait here.
const BACKLOG: u32 = 1024;

/// What every endpoint task is supervised by.
#[derive(Clone)]
pub(crate) struct Supervision {
    /// Tracks accept loops, connections and drains, so shutdown can wait for all of them.
    pub(crate) tracker: TaskTracker,
    /// Cancelled when shutdown's grace is over: every connection is dropped.
    pub(crate) kill: CancellationToken,
    /// Timeouts and caps.
    pub(crate) limits: ListenLimits,
}

impl Supervision {
    pub(crate) fn new(limits: ListenLimits) -> Self {
        Supervision { tracker: TaskTracker::new(), kill: CancellationToken::new(), limits }
    }
}

enum Control {
    /// Serve new connections with `service`, drain those of the previous configuration.
    Swap { service: Arc<ConnService>, done: oneshot::Sender<()> },
    /// Close the socket (then say so), and drain every connection for at most `drain`.
    Stop { drain: Duration, closed: oneshot::Sender<()> },
}

/// A running endpoint, as seen by [`super::Listeners`].
pub(crate) struct EndpointHandle {
    /// The spec it runs with.
    pub(crate) spec: EndpointSpec,
    /// The address actually bound (port 0 resolved).
    pub(crate) local: SocketAddr,
    control: mpsc::UnboundedSender<Control>,
}

impl EndpointHandle {
    /// Starts the accept loop of `listener` serving `service`.
    pub(crate) fn start(
        spec: EndpointSpec,
        listener: TcpListener,
        service: Arc<ConnService>,
        sup: &Supervision,
    ) -> io::Result<Self> {
        let local = listener.local_addr()?;
        let (control, rx) = mpsc::unbounded_channel();
        let generation = Generation::new(service, sup);
        let span = debug_span!("endpoint", name = %spec.name, %local);
        sup.tracker.spawn(accept_loop(listener, local, generation, rx, sup.clone()).instrument(span));
        Ok(EndpointHandle { spec, local, control })
    }

    /// Makes new connections use `service`; returns once the loop has switched.
    pub(crate) async fn swap(&self, service: Arc<ConnService>) {
        let (done, switched) = oneshot::channel();
        if self.control.send(Control::Swap { service, done }).is_ok() {
            let _ = switched.await;
        }
    }

    /// Stops accepting and starts draining; returns once the listening socket is closed.
    pub(crate) async fn stop(self, drain: Duration) {
        let (closed, is_closed) = oneshot::channel();
        if self.control.send(Control::Stop { drain, closed }).is_ok() {
            let _ = is_closed.await;
        }
    }
}

/// Binds a listening socket (with `SO_REUSEADDR`, so connections still draining from an earlier
/// socket on the same port do not block it).
pub(crate) fn bind(addr: SocketAddr) -> Result<TcpListener, ListenError> {
    let fail = |source| ListenError::Bind { addr, source };
    let socket = if addr.is_ipv4() { TcpSocket::new_v4() } else { TcpSocket::new_v6() }.map_err(fail)?;
    socket.set_reuseaddr(true).map_err(fail)?;
    socket.bind(addr).map_err(fail)?;
    socket.listen(BACKLOG).map_err(fail)
}

/// One configuration of an endpoint and the connections accepted under it.
struct Generation {
    service: Arc<ConnService>,
    graceful: GracefulShutdown,
    draining: CancellationToken,
    kill: CancellationToken,
}

impl Generation {
    fn new(service: Arc<ConnService>, sup: &Supervision) -> Self {
        Generation {
            service,
            graceful: GracefulShutdown::new(),
            draining: CancellationToken::new(),
            kill: sup.kill.child_token(),
        }
    }

    /// Asks its connections to finish their requests and close; drops them after `drain`.
    fn retire(self, sup: &Supervision, drain: Duration) {
        let Generation { service, graceful, draining, kill } = self;
        draining.cancel();
        let endpoint = service.endpoint.clone();
        drop(service);
        sup.tracker.spawn(async move {
            tokio::select! {
                _ = graceful.shutdown() => debug!(%endpoint, "connections drained"),
                _ = tokio::time::sleep(drain) => {
                    warn!(%endpoint, ?drain, "connections still open after the drain time; closing them");
                    kill.cancel();
                }
                _ = kill.cancelled() => {}
            }
        });
    }
}

/// Grows or shrinks the connection cap from `old` to `new`; returns the cap now in force. A
/// shrink takes back free permits only: connections open beyond `new` keep theirs, and the
/// difference is taken at the next reconfiguration.
fn resize(permits: &Semaphore, old: usize, new: usize) -> usize {
    if new > old {
        permits.add_permits(new - old);
        new
    } else {
        old - permits.forget_permits(old - new)
    }
}

async fn accept_loop(
    listener: TcpListener,
    local: SocketAddr,
    mut current: Generation,
    mut control: mpsc::UnboundedReceiver<Control>,
    sup: Supervision,
) {
    // This endpoint's caps (a reconfiguration may change them).
    let mut cap = current.service.limits.max_connections;
    let permits = Arc::new(Semaphore::new(cap));
    let per_source = Arc::new(PerSource::default());
    let (drain, closed) = loop {
        tokio::select! {
            biased;
            msg = control.recv() => match msg {
                Some(Control::Swap { service, done }) => {
                    cap = resize(&permits, cap, service.limits.max_connections);
                    std::mem::replace(&mut current, Generation::new(service, &sup)).retire(&sup, sup.limits.drain_timeout);
                    let _ = done.send(());
                }
                Some(Control::Stop { drain, closed }) => break (drain, Some(closed)),
                None => break (sup.limits.drain_timeout, None),
            },
            (permit, accepted) = next_connection(&listener, &permits) => match accepted {
                Ok((tcp, remote)) => {
                    let ip = remote.ip().to_canonical();
                    let Some(source) = PerSource::admit(&per_source, ip, current.service.limits.max_connections_per_source) else {
                        debug!(%remote, "connection closed: too many from this address");
                        continue;
                    };
                    let life = ConnLifecycle {
                        source,
                        watcher: current.graceful.watcher(),
                        draining: current.draining.clone(),
                        kill: current.kill.clone(),
                        permit,
                    };
                    let local = tcp.local_addr().unwrap_or(local);
                    let span = debug_span!("connection", %remote);
                    sup.tracker.spawn(serve_connection(tcp, remote, local, current.service.clone(), life).instrument(span));
                }
                Err(e) if is_per_connection(&e) => debug!(error = %e, "accept failed"),
                Err(e) => {
                    // Out of descriptors or memory: give the system a moment instead of spinning.
                    warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            },
        }
    };
    drop(listener);
    info!("endpoint stopped accepting");
    if let Some(closed) = closed {
        let _ = closed.send(());
    }
    current.retire(&sup, drain);
}

/// Waits for a free connection slot, then for a connection. Both waits are cancel-safe.
async fn next_connection(
    listener: &TcpListener,
    permits: &Arc<Semaphore>,
) -> (OwnedSemaphorePermit, io::Result<(TcpStream, SocketAddr)>) {
    let permit = match permits.clone().acquire_owned().await {
        Ok(permit) => permit,
        // The semaphore is never closed.
        Err(_) => std::future::pending().await,
    };
    (permit, listener.accept().await)
}

fn is_per_connection(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionAborted | io::ErrorKind::ConnectionReset | io::ErrorKind::ConnectionRefused
    )
}
