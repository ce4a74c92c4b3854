//! One accepted connection: the TLS handshake (if any), then HTTP/1.1 or HTTP/2 served by the
//! endpoint's router, with [`PeerInfo`] in every request, watched for graceful shutdown.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::Request;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::Watcher;
use tokio::net::TcpStream;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio_rustls::TlsAcceptor;
use tokio_util::sync::CancellationToken;
use tower::ServiceExt;
use tracing::debug;

use super::activity::{Activity, SourceSlot, Tracked};
use super::body::Draining;
use super::{ListenLimits, PeerInfo};

/// Everything one configuration of an endpoint serves connections with.
pub(crate) struct ConnService {
    /// Endpoint name, for [`PeerInfo`] and logs.
    pub(crate) endpoint: Arc<str>,
    /// The endpoint's router.
    pub(crate) router: Router,
    /// The TLS acceptor, or `None` for plain HTTP.
    pub(crate) tls: Option<TlsAcceptor>,
    /// HTTP/1.1 + HTTP/2 connection settings.
    pub(crate) http: auto::Builder<TokioExecutor>,
    /// Timeouts.
    pub(crate) limits: ListenLimits,
}

/// How long an HTTP/2 client has to answer a keep-alive ping before its connection closes.
const KEEPALIVE_TIMEOUT: Duration = Duration::from_secs(20);

/// Builds the HTTP connection settings for `limits`.
pub(crate) fn http_builder(limits: &ListenLimits) -> auto::Builder<TokioExecutor> {
    let mut builder = auto::Builder::new(TokioExecutor::new());
    // The read buffer bounds a request head: hyper's default lets about 400 KiB of headers in.
    // hyper wants at least 8 KiB; the YANG range starts there.
    let head = limits.max_head.max(8192);
    builder.http1().timer(TokioTimer::new()).header_read_timeout(limits.header_read_timeout).max_buf_size(head);
    builder
        .http2()
        .max_header_list_size(u32::try_from(head).unwrap_or(u32::MAX))
        .timer(TokioTimer::new())
        .keep_alive_interval(Some(limits.keepalive_interval))
        .keep_alive_timeout(KEEPALIVE_TIMEOUT.min(limits.keepalive_interval));
    builder
}

/// What ties a connection to its endpoint's lifecycle.
pub(crate) struct ConnLifecycle {
    /// Graceful shutdown: finish the request in flight, then close.
    pub(crate) watcher: Watcher,
    /// Cancelled when the configuration this connection was accepted under starts draining.
    pub(crate) draining: CancellationToken,
    /// Cancelled when draining took too long: drop the connection at once.
    pub(crate) kill: CancellationToken,
    /// The connection's slot under the endpoint's connection cap.
    pub(crate) permit: OwnedSemaphorePermit,
    /// The connection's slot under its source address's cap.
    pub(crate) source: SourceSlot,
}

/// Serves one accepted TCP connection to completion; errors are logged, never returned.
pub(crate) async fn serve_connection(
    tcp: TcpStream,
    remote: SocketAddr,
    local: SocketAddr,
    svc: Arc<ConnService>,
    life: ConnLifecycle,
) {
    let ConnLifecycle { watcher, draining, kill, permit, source: _source } = life;
    let endpoint_slots = permit.semaphore().clone();
    let _permit = permit;
    // Best effort: latency matters more than packet count for small RESTCONF exchanges.
    let _ = tcp.set_nodelay(true);
    let (remote, local) = (canonical(remote), canonical(local));
    let mut peer = PeerInfo { remote, local, endpoint: svc.endpoint.clone(), tls: false, client_chain: None };
    let Some(acceptor) = &svc.tls else {
        return serve_http(TokioIo::new(tcp), peer, &svc, watcher, (&kill, &endpoint_slots)).await;
    };
    let handshake = tokio::time::timeout(svc.limits.tls_handshake_timeout, acceptor.accept(tcp));
    let stream = tokio::select! {
        _ = draining.cancelled() => return,
        _ = kill.cancelled() => return,
        result = handshake => match result {
            Ok(Ok(stream)) => stream,
            Ok(Err(e)) => {
                debug!(error = %e, "TLS handshake failed");
                return;
            }
            Err(_) => {
                debug!("TLS handshake timed out");
                return;
            }
        },
    };
    peer.tls = true;
    peer.client_chain = stream
        .get_ref()
        .1
        .peer_certificates()
        .map(|chain| Arc::new(chain.iter().map(|c| c.as_ref().to_vec()).collect()));
    serve_http(TokioIo::new(stream), peer, &svc, watcher, (&kill, &endpoint_slots)).await;
}

/// IPv4 clients of a dual-stack `[::]` socket appear as `::ffff:a.b.c.d`; report them as IPv4 so
/// that source-address rules see one form.
fn canonical(addr: SocketAddr) -> SocketAddr {
    SocketAddr::new(addr.ip().to_canonical(), addr.port())
}

async fn serve_http<I>(
    io: I,
    peer: PeerInfo,
    svc: &ConnService,
    watcher: Watcher,
    (kill, endpoint_slots): (&CancellationToken, &Semaphore),
) where
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let first_request = CancellationToken::new();
    let activity = Activity::new();
    let service = {
        let (router, first_request, activity) = (svc.router.clone(), first_request.clone(), activity.clone());
        hyper::service::service_fn(move |req: Request<Incoming>| {
            first_request.cancel();
            let busy = activity.busy();
            let body_busy = activity.busy();
            let mut req = req.map(|body| axum::body::Body::new(Draining::new(body)));
            req.extensions_mut().insert(ConnectInfo(peer.remote));
            req.extensions_mut().insert(peer.clone());
            let response = router.clone().oneshot(req);
            async move {
                let response = response.await?;
                drop(busy);
                Ok::<_, std::convert::Infallible>(response.map(|body| Tracked::body(body, body_busy)))
            }
        })
    };
    let conn = watcher.watch(svc.http.serve_connection_with_upgrades(io, service).into_owned());
    // hyper's header timeout starts only once the protocol is detected; this bounds the time
    // before that (a client that connects and stays silent).
    let silent = async {
        if tokio::time::timeout(svc.limits.header_read_timeout, first_request.cancelled()).await.is_ok() {
            std::future::pending::<()>().await;
        }
    };
    tokio::select! {
        result = conn => if let Err(e) = result {
            debug!(error = %e, "connection ended with an error");
        },
        _ = silent => debug!("no request received in time; closing"),
        () = idle(&activity, svc.limits.idle_timeout, endpoint_slots) => debug!("idle connection closed"),
        _ = kill.cancelled() => debug!("connection closed: drain time is over"),
    }
}

/// Resolves once the connection has been idle for `timeout`, or for a second while the
/// endpoint has no free slot.
async fn idle(activity: &Activity, timeout: Duration, endpoint_slots: &Semaphore) {
    let mut tick = tokio::time::interval(Duration::from_millis(500));
    loop {
        tick.tick().await;
        let Some(idle) = activity.idle_for() else { continue };
        let full = endpoint_slots.available_permits() == 0;
        if idle >= timeout || (full && idle >= Duration::from_secs(1)) {
            return;
        }
    }
}
