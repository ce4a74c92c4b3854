//! Plain-HTTP listeners on loopback: serving, IPv6, reconfiguration, bind errors, draining.

mod listen_support;

use std::net::SocketAddr;
use std::time::Duration;

use sztp_server::listen::{EndpointSpec, LimitOverrides, ListenError, ListenLimits, Listeners};
use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;

use listen_support::*;

/// Polls until nothing accepts connections on `addr` any more (the socket is closed).
async fn wait_until_refused(addr: SocketAddr) {
    let refused = async {
        while TcpStream::connect(addr).await.is_ok() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(10), refused).await.expect("socket still accepting");
}

#[tokio::test]
async fn plain_endpoint_serves_the_factory_router_with_peer_info() {
    let (listeners, _gate) = listeners();
    let addrs = apply_ok(&listeners, vec![plain("admin", "127.0.0.1:0")]).await;
    assert_ne!(addrs[0].port(), 0);
    assert_eq!(listeners.bound(), vec![("admin".to_string(), addrs[0])]);

    let client = http_client();
    assert_eq!(get_text(&client, format!("http://{}/hello", addrs[0])).await, "hello from admin [test]");
    let peer = get_json(&client, format!("http://{}/peer", addrs[0])).await;
    assert_eq!(peer["endpoint"], "admin");
    assert_eq!(peer["tls"], false);
    assert_eq!(peer["local"], addrs[0].to_string());
    assert!(peer["remote"].as_str().is_some_and(|r| r.starts_with("127.0.0.1:")));
    assert!(peer["client_chain"].is_null());
    listeners.shutdown(Duration::from_secs(5)).await;
}

#[tokio::test]
async fn ipv6_loopback_endpoint_serves() {
    let (listeners, _gate) = listeners();
    let addrs = apply_ok(&listeners, vec![plain("v6", "[::1]:0")]).await;
    assert!(addrs[0].is_ipv6());
    let peer = get_json(&http_client(), format!("http://{}/peer", addrs[0])).await;
    assert!(peer["remote"].as_str().is_some_and(|r| r.starts_with("[::1]:")));
    listeners.shutdown(Duration::from_secs(5)).await;
}

#[tokio::test]
async fn a_dual_stack_endpoint_reports_ipv4_clients_as_ipv4() {
    let (listeners, _gate) = listeners();
    let port = apply_ok(&listeners, vec![plain("any", "[::]:0")]).await[0].port();
    if TcpStream::connect(("127.0.0.1", port)).await.is_err() {
        eprintln!("skipping: [::] is IPv6-only on this host");
        return;
    }
    let peer = get_json(&http_client(), format!("http://127.0.0.1:{port}/peer")).await;
    assert!(peer["remote"].as_str().is_some_and(|r| r.starts_with("127.0.0.1:")), "{peer}");
    assert_eq!(peer["local"], format!("127.0.0.1:{port}"));
    listeners.shutdown(Duration::from_secs(5)).await;
}

#[tokio::test]
async fn changing_one_endpoint_leaves_a_long_request_on_another_running() {
    let (listeners, gate) = listeners();
    let addrs = apply_ok(&listeners, vec![plain("a", "127.0.0.1:0"), plain("b", "127.0.0.1:0")]).await;
    let (a, b) = (addrs[0], addrs[1]);
    let client = http_client();
    let long = tokio::spawn({
        let client = client.clone();
        async move { get_text(&client, format!("http://{a}/wait")).await }
    });
    gate.entered().await;

    // Same address, new APIs: reconfigured in place, same port, new router.
    let mut b2 = plain("b", "127.0.0.1:0");
    b2.apis = vec!["other".into()];
    let addrs = apply_ok(&listeners, vec![plain("a", "127.0.0.1:0"), b2.clone()]).await;
    assert_eq!(addrs, vec![a, b]);
    assert_eq!(get_text(&client, format!("http://{b}/hello")).await, "hello from b [other]");

    // New address: bound anew, the old socket closed.
    let mut b3 = b2.clone();
    b3.addr = "[::1]:0".parse().expect("address");
    let addrs = apply_ok(&listeners, vec![plain("a", "127.0.0.1:0"), b3]).await;
    assert_eq!(addrs[0], a);
    assert!(addrs[1].is_ipv6());
    assert_eq!(get_text(&client, format!("http://{}/hello", addrs[1])).await, "hello from b [other]");
    assert!(TcpStream::connect(b).await.is_err(), "old address of b still accepts");

    assert!(!long.is_finished());
    gate.release();
    assert_eq!(long.await.expect("request task"), "released");
    listeners.shutdown(Duration::from_secs(5)).await;
}

#[tokio::test]
async fn an_unchanged_endpoint_keeps_its_connections() {
    let (listeners, _gate) = listeners();
    let specs = vec![plain("a", "127.0.0.1:0")];
    let addrs = apply_ok(&listeners, specs.clone()).await;
    let client = http_client();
    let first = get_json(&client, format!("http://{}/peer", addrs[0])).await;
    assert_eq!(apply_ok(&listeners, specs).await, addrs);
    let second = get_json(&client, format!("http://{}/peer", addrs[0])).await;
    assert_eq!(first["remote"], second["remote"], "the keep-alive connection was replaced");
    listeners.shutdown(Duration::from_secs(5)).await;
}

#[tokio::test]
async fn a_port_in_use_fails_only_that_endpoint() {
    let squatter = std::net::TcpListener::bind("127.0.0.1:0").expect("squat");
    let busy = squatter.local_addr().expect("address");
    let (listeners, _gate) = listeners();
    let results = listeners.apply(vec![plain("good", "127.0.0.1:0"), plain("bad", &busy.to_string())]).await;
    assert_eq!(results[0].0, "good");
    let good = *results[0].1.as_ref().expect("good endpoint");
    assert_eq!(results[1].0, "bad");
    match &results[1].1 {
        Err(e @ ListenError::Bind { addr, source }) => {
            assert_eq!(*addr, busy);
            assert_eq!(source.kind(), std::io::ErrorKind::AddrInUse);
            let message = e.to_string();
            assert!(message.starts_with(&format!("cannot listen on {busy}: ")), "{message}");
            assert!(!message.contains('\n'));
        }
        other => panic!("expected a bind error, got {other:?}"),
    }
    assert_eq!(listeners.bound(), vec![("good".to_string(), good)]);
    assert_eq!(get_text(&http_client(), format!("http://{good}/hello")).await, "hello from good [test]");

    // Once the port is free, the next apply brings the endpoint up.
    drop(squatter);
    let addrs = apply_ok(&listeners, vec![plain("good", "127.0.0.1:0"), plain("bad", &busy.to_string())]).await;
    assert_eq!(addrs, vec![good, busy]);
    listeners.shutdown(Duration::from_secs(5)).await;
}

#[tokio::test]
async fn a_name_used_twice_is_rejected_and_the_first_wins() {
    let (listeners, _gate) = listeners();
    let results = listeners.apply(vec![plain("x", "127.0.0.1:0"), plain("x", "[::1]:0")]).await;
    assert!(results[0].1.as_ref().is_ok_and(|a| a.is_ipv4()));
    assert!(matches!(&results[1].1, Err(ListenError::Invalid(m)) if m.contains("\"x\"")));
    assert_eq!(listeners.bound().len(), 1);
    listeners.shutdown(Duration::from_secs(5)).await;
}

#[tokio::test]
async fn removing_an_endpoint_closes_its_socket_and_drains_its_requests() {
    let (listeners, gate) = listeners();
    let addr = apply_ok(&listeners, vec![plain("gone", "127.0.0.1:0")]).await[0];
    let long = tokio::spawn(async move { get_text(&http_client(), format!("http://{addr}/wait")).await });
    gate.entered().await;
    assert!(listeners.apply(Vec::new()).await.is_empty());
    assert!(listeners.bound().is_empty());
    assert!(TcpStream::connect(addr).await.is_err(), "removed endpoint still accepts");
    gate.release();
    assert_eq!(long.await.expect("request task"), "released");
    listeners.shutdown(Duration::from_secs(5)).await;
}

#[tokio::test]
async fn shutdown_waits_for_an_in_flight_request() {
    let (listeners, gate) = listeners();
    let listeners = std::sync::Arc::new(listeners);
    let addr = apply_ok(&listeners, vec![plain("a", "127.0.0.1:0")]).await[0];
    let long = tokio::spawn(async move { get_text(&http_client(), format!("http://{addr}/wait")).await });
    gate.entered().await;

    let shutdown = tokio::spawn({
        let listeners = listeners.clone();
        async move { listeners.shutdown(Duration::from_secs(30)).await }
    });
    wait_until_refused(addr).await;
    assert!(!shutdown.is_finished(), "shutdown returned with a request in flight");
    gate.release();
    assert_eq!(long.await.expect("request task"), "released");
    tokio::time::timeout(Duration::from_secs(10), shutdown).await.expect("shutdown hangs").expect("shutdown task");
    assert!(listeners.bound().is_empty());
}

#[tokio::test]
async fn shutdown_gives_up_on_a_stuck_request_after_the_grace_period() {
    let (listeners, gate) = listeners();
    let addr = apply_ok(&listeners, vec![plain("a", "127.0.0.1:0")]).await[0];
    let stuck = tokio::spawn(async move { http_client().get(format!("http://{addr}/wait")).send().await });
    gate.entered().await;
    tokio::time::timeout(Duration::from_secs(10), listeners.shutdown(Duration::from_millis(200)))
        .await
        .expect("shutdown ignores its grace period");
    assert!(stuck.await.expect("request task").is_err(), "the stuck request should have been cut off");
}

#[tokio::test]
async fn listeners_can_be_started_again_after_shutdown() {
    let (listeners, _gate) = listeners();
    apply_ok(&listeners, vec![plain("a", "127.0.0.1:0")]).await;
    listeners.shutdown(Duration::from_secs(5)).await;
    let addr = apply_ok(&listeners, vec![plain("a", "127.0.0.1:0")]).await[0];
    assert_eq!(get_text(&http_client(), format!("http://{addr}/hello")).await, "hello from a [test]");
    listeners.shutdown(Duration::from_secs(5)).await;
}

#[tokio::test]
async fn a_silent_connection_is_closed_after_the_header_timeout() {
    let limits = ListenLimits { header_read_timeout: Duration::from_millis(200), ..ListenLimits::default() };
    let listeners = Listeners::with_limits(factory(Default::default()), limits);
    let addr = apply_ok(&listeners, vec![plain("a", "127.0.0.1:0")]).await[0];
    let mut silent = TcpStream::connect(addr).await.expect("connect");
    let mut buf = [0u8; 16];
    let read = tokio::time::timeout(Duration::from_secs(10), silent.read(&mut buf)).await.expect("still open");
    assert!(matches!(read, Ok(0) | Err(_)), "expected the server to close, got {read:?}");
    listeners.shutdown(Duration::from_secs(5)).await;
}

#[tokio::test]
async fn connections_beyond_the_cap_wait_for_a_free_slot() {
    let limits = ListenLimits { max_connections: 1, ..ListenLimits::default() };
    let listeners = Listeners::with_limits(factory(Default::default()), limits);
    let addr = apply_ok(&listeners, vec![plain("a", "127.0.0.1:0")]).await[0];
    let holder = TcpStream::connect(addr).await.expect("connect");
    let client = reqwest::Client::builder().no_proxy().timeout(Duration::from_millis(300)).build().expect("client");
    assert!(client.get(format!("http://{addr}/hello")).send().await.is_err(), "served beyond the cap");
    drop(holder);
    assert_eq!(get_text(&http_client(), format!("http://{addr}/hello")).await, "hello from a [test]");
    listeners.shutdown(Duration::from_secs(5)).await;
}

#[tokio::test]
async fn one_source_gets_at_most_its_share_of_connections() {
    let limits = ListenLimits { max_connections_per_source: 2, ..ListenLimits::default() };
    let listeners = Listeners::with_limits(factory(Default::default()), limits);
    let addr = apply_ok(&listeners, vec![plain("a", "127.0.0.1:0")]).await[0];
    let _held = [TcpStream::connect(addr).await.expect("connect"), TcpStream::connect(addr).await.expect("connect")];
    let mut third = TcpStream::connect(addr).await.expect("the kernel accepts");
    let mut buf = [0u8; 16];
    let read = tokio::time::timeout(Duration::from_secs(5), third.read(&mut buf)).await.expect("closed at once");
    assert!(matches!(read, Ok(0) | Err(_)), "expected the server to close, got {read:?}");
    let other: std::net::IpAddr = "127.0.0.2".parse().expect("ip");
    let client = reqwest::Client::builder().no_proxy().local_address(other).build().expect("client");
    assert_eq!(get_text(&client, format!("http://{addr}/hello")).await, "hello from a [test]");
    listeners.shutdown(Duration::from_secs(5)).await;
}

/// An endpoint's own limits override the listeners' defaults, and a reconfiguration changes
/// them for the connections that follow.
#[tokio::test]
async fn an_endpoints_own_limits_override_the_defaults() {
    let listeners = Listeners::new(factory(Default::default()));
    let own = LimitOverrides { max_connections_per_source: Some(1), ..LimitOverrides::default() };
    let addr = apply_ok(&listeners, vec![EndpointSpec { limits: own, ..plain("a", "127.0.0.1:0") }]).await[0];
    let _held = TcpStream::connect(addr).await.expect("connect");
    let mut second = TcpStream::connect(addr).await.expect("the kernel accepts");
    let mut buf = [0u8; 16];
    let read = tokio::time::timeout(Duration::from_secs(5), second.read(&mut buf)).await.expect("closed at once");
    assert!(matches!(read, Ok(0) | Err(_)), "expected the server to close, got {read:?}");
    // Raised to 3: the next connection from the same address is served.
    let raised = LimitOverrides { max_connections_per_source: Some(3), ..LimitOverrides::default() };
    let again = apply_ok(&listeners, vec![EndpointSpec { limits: raised, ..plain("a", "127.0.0.1:0") }]).await[0];
    assert_eq!(again, addr, "reconfigured in place");
    assert_eq!(get_text(&http_client(), format!("http://{addr}/hello")).await, "hello from a [test]");
    listeners.shutdown(Duration::from_secs(5)).await;
}

/// HTTP/2 clients answer keep-alive pings, so only the idle timeout frees their slots; when the
/// endpoint is full, idle connections go after a second and a new client is served.
#[tokio::test]
async fn idle_http2_connections_make_way_when_the_endpoint_is_full() {
    let limits = ListenLimits { max_connections: 8, ..ListenLimits::default() };
    let listeners = Listeners::with_limits(factory(Default::default()), limits);
    let addr = apply_ok(&listeners, vec![plain("a", "127.0.0.1:0")]).await[0];
    let url = format!("http://{addr}/hello");
    let mut idle = Vec::new();
    for _ in 0..8 {
        let client = reqwest::Client::builder().no_proxy().http2_prior_knowledge().build().expect("client");
        assert_eq!(get_text(&client, url.clone()).await, "hello from a [test]");
        idle.push(client);
    }
    let newcomer = tokio::time::timeout(Duration::from_secs(10), get_text(&http_client(), url.clone())).await;
    assert_eq!(newcomer.expect("served while 8 idle connections filled the endpoint"), "hello from a [test]");
    listeners.shutdown(Duration::from_secs(5)).await;
}

/// An endpoint's `keepalive-interval` paces HTTP/2 pings: a client that never answers them is
/// disconnected within the interval and the ping timeout, long before any other limit.
#[tokio::test]
async fn an_http2_client_that_ignores_keepalive_pings_is_disconnected() {
    use tokio::io::AsyncWriteExt;
    let listeners = Listeners::new(factory(Default::default()));
    let own = LimitOverrides { keepalive_interval: Some(Duration::from_secs(1)), ..LimitOverrides::default() };
    let addr = apply_ok(&listeners, vec![EndpointSpec { limits: own, ..plain("a", "127.0.0.1:0") }]).await[0];
    let mut conn = TcpStream::connect(addr).await.expect("connect");
    // The client preface and an empty SETTINGS frame; then silence, pings unanswered.
    conn.write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\0\0\0\x04\0\0\0\0\0").await.expect("preface");
    let frames = async {
        let mut pings = 0;
        loop {
            let mut head = [0u8; 9];
            if conn.read_exact(&mut head).await.is_err() {
                return pings;
            }
            let len = usize::from(head[0]) << 16 | usize::from(head[1]) << 8 | usize::from(head[2]);
            let mut payload = vec![0u8; len];
            if conn.read_exact(&mut payload).await.is_err() {
                return pings;
            }
            // PING (type 6) without the ACK flag: the server's keep-alive.
            if head[3] == 6 && head[4] & 1 == 0 {
                pings += 1;
            }
        }
    };
    // Well under the 10 s a connection without a request gets otherwise.
    let pings = tokio::time::timeout(Duration::from_secs(6), frames).await.expect("disconnected in time");
    assert!(pings >= 1, "the server pinged before disconnecting");
    listeners.shutdown(Duration::from_secs(5)).await;
}
