//! What an attacker tries before authenticating, on a real server: hostile argon2 parameters,
//! password guessing from one address, floods of unauthenticated requests, oversized bodies
//! over HTTP/1.1 and HTTP/2, and racing for the first administrator.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::net::IpAddr;
use std::time::Duration;

use serde_json::json;
use support::{Demo, GBD, JSON, ROOT, nbi_call, post};
use sztp_store::{LogQuery, TenantId};

const HOSTILE: &str =
    "$argon2id$v=19$m=4294967295,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$aQfSyBBzT2hMql2wSbhvXz3E2ZqP23oS6fqhKOa9ENc";
const DEVICES: &str = "sztp-server:tenants/tenant=default/devices";
const SIGNED: &[u8] = br#"{"ietf-sztp-bootstrap-server:input":{"signed-data-preferred":[null]}}"#;

fn from(demo: &Demo, source: &str) -> reqwest::Client {
    let source: IpAddr = source.parse().unwrap();
    demo.client_builder(None).local_address(source).http1_only().build().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_argon2_parameters_are_refused_on_write_and_before_verifying() {
    let demo = Demo::start(1).await;
    let (http, nbi) = support::nbi_as_root(&demo).await;
    let device = json!({"sztp-server:device": [{"serial": "SN-EVIL", "device-type": "demo-device", "activation-code-hash": HOSTILE}]});
    let (status, body) = nbi_call(&http, reqwest::Method::POST, format!("{nbi}{DEVICES}"), Some(device)).await;
    assert_eq!(status, 400, "{body}");
    assert!(body.to_string().contains("exceed this server's bounds"), "{body}");

    // One already stored (by an older release, or by hand) is refused before any allocation:
    // the request is a plain 401 and the server keeps serving.
    let mut stored = demo.store.get_device(TenantId::DEFAULT, "SN-0001").await.unwrap().unwrap();
    stored.serial = "SN-EVIL".into();
    stored.activation_code_hash = Some(HOSTILE.into());
    demo.store.put_device(TenantId::DEFAULT, &stored).await.unwrap();
    let anonymous = demo.client(None);
    let url = demo.url(GBD);
    let (status, _, _) = post(&anonymous, &url, Some(("SN-EVIL", "any")), None, None, Vec::new()).await;
    assert_eq!(status, 401);
    let (status, _, _) =
        post(&anonymous, &url, Some(("SN-0001", &demo.password("SN-0001"))), None, None, Vec::new()).await;
    assert_eq!(status, 200, "still serving");
    demo.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_guessing_address_gets_429_while_others_are_served() {
    let demo = Demo::start(1).await;
    let url = demo.url(GBD);
    let guesser = from(&demo, "127.0.0.2");
    let mut statuses = Vec::new();
    let mut retry_after = None;
    let started = std::time::Instant::now();
    for i in 0..40 {
        let resp = guesser.post(&url).basic_auth("SN-0001", Some(format!("guess {i}"))).send().await.unwrap();
        statuses.push(resp.status().as_u16());
        if resp.status() == 429 {
            retry_after = resp.headers().get("retry-after").map(|v| v.to_str().unwrap().to_owned());
            let body: serde_json::Value = resp.json().await.unwrap();
            assert_eq!(body["ietf-restconf:errors"]["error"][0]["error-tag"], "resource-denied");
        }
    }
    // 32 attempts at once, then one more every 2 s (30 a minute): a slow machine that took
    // seconds over the burst may have earned a few back meanwhile, never more.
    let refills = (started.elapsed().as_secs_f64() / 2.0).ceil() as usize;
    let failures = statuses.iter().filter(|s| **s == 401).count();
    assert!(statuses[..32].iter().all(|s| *s == 401), "the burst: {statuses:?}");
    assert!(failures <= 32 + refills, "{failures} attempts in {refills} refills: {statuses:?}");
    assert!(statuses.iter().all(|s| *s == 401 || *s == 429), "{statuses:?}");
    assert!(statuses.contains(&429), "{statuses:?}");
    assert!(retry_after.is_some_and(|s| s.parse::<u64>().unwrap() >= 1), "Retry-After");
    // Even the right password from that address waits; another address is served.
    let right = demo.password("SN-0001");
    let (status, _, _) = post(&guesser, &url, Some(("SN-0001", &right)), Some(JSON), None, SIGNED.to_vec()).await;
    assert_eq!(status, 429);
    let other = from(&demo, "127.0.0.3");
    let (status, _, _) = post(&other, &url, Some(("SN-0001", &right)), Some(JSON), None, SIGNED.to_vec()).await;
    assert_eq!(status, 200);
    // Successes give their token back: a device that keeps succeeding is never throttled.
    for _ in 0..40 {
        let (status, _, _) = post(&other, &url, Some(("SN-0001", &right)), Some(JSON), None, SIGNED.to_vec()).await;
        assert_eq!(status, 200);
    }
    // None of it was stored row by row.
    let log = demo.store.bootstrap_log(TenantId::DEFAULT, &LogQuery { limit: 500, ..LogQuery::default() }).await;
    assert_eq!(log.unwrap().len(), 41, "only the authenticated requests");
    assert_eq!(demo.app.unauthenticated_requests(), 41);
    demo.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_long_paths_does_not_grow_the_database() {
    let demo = Demo::start(1).await;
    let db = demo.path().join("sztp.db");
    let size = || {
        let wal = std::fs::metadata(db.with_extension("db-wal")).map_or(0, |m| m.len());
        std::fs::metadata(&db).unwrap().len() + wal
    };
    let before = size();
    // HTTP/1.1: an HTTP/2 header block this large is refused at the framing layer.
    let client = from(&demo, "127.0.0.1");
    let long = "a".repeat(60 * 1024);
    let name = "n".repeat(4096);
    for i in 0..1000 {
        let basic = format!("{name}{i}");
        let sent = client.get(demo.url(&format!("/{long}/{i}"))).basic_auth(&basic, Some("x")).send().await;
        assert_eq!(sent.map(|r| r.status().as_u16()).map_err(|e| e.without_url().to_string()), Ok(404));
    }
    let grown = size().saturating_sub(before);
    assert!(grown < 1024 * 1024, "grew by {grown} bytes");
    assert_eq!(demo.app.unauthenticated_requests(), 1000);
    demo.stop().await;
}

/// An oversized body gets 413 over HTTP/1.1 and HTTP/2 alike, from curl (which negotiates h2),
/// whether its length is declared or streamed, and whether or not the client authenticated.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_bodies_get_413_over_http1_and_http2() {
    if std::process::Command::new("curl").arg("--version").output().is_err() {
        assert!(std::env::var_os("CI").is_none(), "curl is required under CI");
        return;
    }
    let _ = tracing_subscriber::fmt().with_env_filter("h2=debug,hyper=debug").with_test_writer().try_init();
    let demo = Demo::start(1).await;
    let big = demo.path().join("big.json");
    std::fs::write(&big, vec![b' '; 3 * 1024 * 1024]).unwrap();
    let dev = demo.device_dir("SN-0001");
    let password = demo.password("SN-0001");
    let url = demo.url(GBD);
    let ca = demo.path().join("trust/server-ca.pem");
    let curl = |version: &str, streamed: bool, with_credentials: bool| {
        let mut c = std::process::Command::new("curl");
        c.args(["-sS", "-o", "/dev/null", "-w", "%{http_code} %{http_version}", version, "--cacert"]).arg(&ca);
        c.args(["-H", "Content-Type: application/yang-data+json", "-X", "POST", &url]);
        if with_credentials {
            c.arg("--cert").arg(dev.join("idevid.pem")).arg("--key").arg(dev.join("idevid.key"));
            c.args(["-u", &format!("SN-0001:{password}")]);
        }
        if streamed {
            c.arg("-T").arg(&big);
        } else {
            c.arg("--data-binary").arg(format!("@{}", big.display()));
        }
        c.args(["-v"]);
        let out = c.output().unwrap();
        assert!(
            out.status.success(),
            "curl {version} streamed={streamed} creds={with_credentials}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    for (version, shown) in [("--http1.1", "1.1"), ("--http2", "2")] {
        for streamed in [false, true] {
            assert_eq!(curl(version, streamed, true), format!("413 {shown}"), "{version} streamed={streamed}");
        }
        assert_eq!(curl(version, false, false), format!("401 {shown}"), "{version} anonymous");
    }
    demo.stop().await;
}

/// Two first writes race for the first administrator: exactly one wins.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exactly_one_of_two_racing_first_administrators_is_created() {
    for round in 0..5 {
        let demo = Demo::start(0).await;
        let url = format!("http://{}/restconf/data/sztp-server:administrators", demo.nbi);
        let http = reqwest::Client::builder().no_proxy().build().unwrap();
        let create = |login: &'static str| {
            let body = json!({"sztp-server:administrator": [{"login": login, "password": ROOT.1, "access-level": "unrestricted"}]});
            let request = http.post(&url).body(body.to_string());
            async move { request.send().await.unwrap().status().as_u16() }
        };
        let (a, b) = tokio::join!(create("first"), create("second"));
        let mut statuses = [a, b];
        statuses.sort_unstable();
        assert_eq!(statuses[0], 201, "round {round}: {statuses:?}");
        assert!([401, 409].contains(&statuses[1]), "round {round}: {statuses:?}");
        assert_eq!(demo.store.list_administrators().await.unwrap().len(), 1, "round {round}");
        demo.stop().await;
    }
}

/// A read-only administrator's YANG Patch is refused before any edit runs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_only_yang_patch_changes_nothing() {
    let demo = Demo::start(1).await;
    let (http, nbi) = support::nbi_as_root(&demo).await;
    let viewer = json!({"sztp-server:administrator": [{"login": "viewer", "password": "read only viewer password", "access-level": "read-only"}]});
    assert_eq!(
        nbi_call(&http, reqwest::Method::POST, format!("{nbi}sztp-server:administrators"), Some(viewer)).await.0,
        201
    );
    let patch = json!({"ietf-yang-patch:yang-patch": {"patch-id": "p", "edit": [{"edit-id": "1", "operation": "create",
        "target": "/device=SN-RO", "value": {"sztp-server:device": [{"serial": "SN-RO", "device-type": "demo-device"}]}}]}});
    let resp = http
        .patch(format!("{nbi}{DEVICES}"))
        .basic_auth("viewer", Some("read only viewer password"))
        .header("content-type", "application/yang-patch+json")
        .body(patch.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 403);
    assert_eq!(demo.store.get_device(TenantId::DEFAULT, "SN-RO").await.unwrap(), None);
    demo.stop().await;
}

/// A key or trust bag an endpoint needs cannot be deleted (the next reload would stop that
/// endpoint), by a plain DELETE or inside a YANG Patch; nothing changes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_and_trust_bags_in_use_by_an_endpoint_are_not_deleted() {
    let demo = Demo::start(1).await;
    let (http, nbi) = support::nbi_as_root(&demo).await;
    let t = "sztp-server:tenants/tenant=default";
    let key = format!("{nbi}{t}/keystore/asymmetric-key=sbi-tls");
    let (status, body) = nbi_call(&http, reqwest::Method::DELETE, key, None).await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["ietf-restconf:errors"]["error"][0]["error-tag"], "in-use");
    assert!(body.to_string().contains("endpoint \\\"sbi\\\""), "{body}");
    let bag = format!("{nbi}{t}/truststore/certificate-bag=manufacturer");
    let (status, body) = nbi_call(&http, reqwest::Method::DELETE, bag, None).await;
    assert_eq!((status, &body["ietf-restconf:errors"]["error"][0]["error-tag"]), (409, &json!("in-use")), "{body}");
    let patch = json!({"ietf-yang-patch:yang-patch": {"patch-id": "p", "edit": [
        {"edit-id": "1", "operation": "delete", "target": "/certificate-bag=manufacturer"}]}});
    let resp = http
        .patch(format!("{nbi}{t}/truststore"))
        .basic_auth(ROOT.0, Some(ROOT.1))
        .header("content-type", "application/yang-patch+json")
        .body(patch.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 409);
    assert!(demo.store.get_trust_bag(TenantId::DEFAULT, "manufacturer").await.unwrap().is_some());
    assert!(demo.store.get_key(TenantId::DEFAULT, "sbi-tls").await.unwrap().is_some());
    demo.stop().await;
}

/// 4,096 idle HTTP/2 connections (the endpoint's cap, from 16 addresses under the per-address
/// cap) do not lock a new client out: idle connections make way when the endpoint is full.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_thousand_idle_http2_connections_do_not_lock_out_a_new_client() {
    use tokio::io::AsyncWriteExt as _;
    let demo = Demo::start(0).await;
    let preface = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x00\x04\x00\x00\x00\x00\x00";
    let mut idle = Vec::new();
    for i in 0..4096u32 {
        let source = std::net::SocketAddr::new(IpAddr::from([127, 0, 1, (i % 16) as u8 + 1]), 0);
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.bind(source).unwrap();
        let mut stream = socket.connect(demo.nbi).await.unwrap();
        stream.write_all(preface).await.unwrap();
        idle.push(stream);
    }
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let url = format!("http://{}/health", demo.nbi);
    let served = tokio::time::timeout(Duration::from_secs(10), async { http.get(&url).send().await.unwrap().status() });
    assert_eq!(served.await.expect("served within 10 s").as_u16(), 200);
    drop(idle);
    demo.stop().await;
}
