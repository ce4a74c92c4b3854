//! Endpoints managed through the northbound API take effect live: a new endpoint starts
//! listening, a disabled one stops, the others keep serving, and bad settings change nothing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Duration;

use serde_json::{Value, json};
use support::{Demo, GBD, nbi_call, post, wait_for};

const ENDPOINTS: &str = "sztp-server:tenants/tenant=default/endpoints";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn endpoint_changes_through_the_api_rebind_live() {
    let demo = Demo::start(1).await;
    let (http, nbi) = support::nbi_as_root(&demo).await;

    // Bad settings are refused and nothing is stored.
    let bad = [
        json!({"name": "x", "address": "127.0.0.1", "port": 0, "protocol": "https"}),
        json!({"name": "x", "address": "127.0.0.1", "port": 0, "protocol": "https", "tls": {"server-key": "missing", "certificate": []}}),
        json!({"name": "x", "address": "localhost", "port": 0}),
        json!({"name": "x", "address": "127.0.0.1", "port": 0, "apis": ["gopher"]}),
        json!({"name": "x", "address": "127.0.0.1", "port": 0, "protocol": "https", "behind-tls-terminator": true,
               "tls": {"server-key": "sbi-tls", "certificate": ["AAAA"]}}),
    ];
    for entry in bad {
        let (status, body) = nbi_call(
            &http,
            reqwest::Method::POST,
            format!("{nbi}{ENDPOINTS}"),
            Some(json!({"sztp-server:endpoint": [entry]})),
        )
        .await;
        assert_eq!(status, 400, "{body}");
    }
    assert_eq!(nbi_call(&http, reqwest::Method::GET, format!("{nbi}{ENDPOINTS}/endpoint=x"), None).await.0, 404);

    // A new endpoint comes up without a restart.
    let extra =
        json!({"sztp-server:endpoint": [{"name": "extra", "address": "127.0.0.1", "port": 0, "apis": ["rfc8572"]}]});
    assert_eq!(nbi_call(&http, reqwest::Method::POST, format!("{nbi}{ENDPOINTS}"), Some(extra)).await.0, 201);
    let url = format!("{nbi}{ENDPOINTS}/endpoint=extra");
    let entry = wait_for(&http, &url, |e| e["listening"].is_string()).await;
    assert!(entry.get("behind-tls-terminator").is_none(), "false is the default and not shown");
    let addr = entry["listening"].as_str().unwrap().to_owned();
    let version = http.get(format!("http://{addr}/restconf/yang-library-version")).send().await.unwrap();
    assert_eq!(version.status().as_u16(), 200);
    // The existing endpoints were left alone.
    assert_eq!(post(&demo.client(Some("SN-0001")), &demo.url(GBD), None, None, None, "").await.0, 200);
    let (_, list) = nbi_call(&http, reqwest::Method::GET, format!("{nbi}{ENDPOINTS}"), None).await;
    let names: Vec<&str> = list["sztp-server:endpoints"]["endpoint"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["name"].as_str())
        .collect();
    assert!(names.contains(&"sbi") && names.contains(&"nbi") && names.contains(&"extra"), "{names:?}");

    // Disabling it stops it.
    let off = json!({"sztp-server:endpoint": [{"name": "extra", "address": "127.0.0.1", "port": 0, "apis": ["rfc8572"], "enabled": false}]});
    assert_eq!(nbi_call(&http, reqwest::Method::PUT, url.clone(), Some(off)).await.0, 204);
    wait_for(&http, &url, |e| e["enabled"] == false && e.get("listening").is_none()).await;
    assert!(http.get(format!("http://{addr}/restconf")).send().await.is_err(), "stopped endpoint still answers");
    assert_eq!(nbi_call(&http, reqwest::Method::DELETE, url, None).await.0, 204);
    demo.stop().await;
}

/// An endpoint's `limits` are stored, read back (only the leaves set), refused out of range,
/// and applied by its listener: with one connection per source, a second one is closed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endpoints_limits_are_configured_through_the_api_and_enforced() {
    use tokio::io::AsyncReadExt;
    let demo = Demo::start(1).await;
    let (http, nbi) = support::nbi_as_root(&demo).await;
    let entry = |limits: Value| {
        json!({"sztp-server:endpoint": [{"name": "tight", "address": "127.0.0.1", "port": 0,
            "apis": ["rfc8572"], "limits": limits}]})
    };
    for bad in [json!({"max-connections": 0}), json!({"idle-timeout": 86_401}), json!({"header-timeout": "10"})] {
        let (status, body) =
            nbi_call(&http, reqwest::Method::POST, format!("{nbi}{ENDPOINTS}"), Some(entry(bad.clone()))).await;
        assert_eq!(status, 400, "{bad}: {body}");
    }
    let limits = json!({"max-connections-per-source": 1, "header-timeout": 5});
    let created =
        nbi_call(&http, reqwest::Method::POST, format!("{nbi}{ENDPOINTS}"), Some(entry(limits.clone()))).await;
    assert_eq!(created.0, 201, "{}", created.1);
    let url = format!("{nbi}{ENDPOINTS}/endpoint=tight");
    let read = wait_for(&http, &url, |e| e["listening"].is_string()).await;
    assert_eq!(read["limits"], limits);
    let addr = read["listening"].as_str().unwrap().to_owned();
    let _held = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let mut second = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let mut buf = [0u8; 16];
    let closed = tokio::time::timeout(Duration::from_secs(5), second.read(&mut buf)).await.expect("closed at once");
    assert!(matches!(closed, Ok(0) | Err(_)), "a second connection from one source: {closed:?}");
    demo.stop().await;
}

/// An endpoint's `max-body-size`, `body-timeout` and `max-header-size` bound the operator API
/// and the device RPCs it carries: 413 past the size, 408 when the body stalls, 431 for a head
/// too large over HTTP/1.1 and HTTP/2.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endpoints_request_limits_bound_both_apis() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let demo = Demo::start(1).await;
    let (http, nbi) = support::nbi_as_root(&demo).await;
    let entry = |limits: Value| {
        json!({"sztp-server:endpoint": [{"name": "small", "address": "127.0.0.1", "port": 0,
            "apis": ["native"], "limits": limits}]})
    };
    let bad = [
        json!({"max-body-size": 1023}),
        json!({"body-timeout": 3601}),
        json!({"max-body-size": 67_108_865}),
        json!({"max-header-size": 8191}),
        json!({"keepalive-interval": 0}),
    ];
    for bad in bad {
        let (status, body) =
            nbi_call(&http, reqwest::Method::POST, format!("{nbi}{ENDPOINTS}"), Some(entry(bad.clone()))).await;
        assert_eq!(status, 400, "{bad}: {body}");
    }
    let limits = json!({"max-body-size": 2048, "body-timeout": 1, "max-header-size": 16_384, "keepalive-interval": 5});
    let created =
        nbi_call(&http, reqwest::Method::POST, format!("{nbi}{ENDPOINTS}"), Some(entry(limits.clone()))).await;
    assert_eq!(created.0, 201, "{}", created.1);
    let read = wait_for(&http, &format!("{nbi}{ENDPOINTS}/endpoint=small"), |e| e["listening"].is_string()).await;
    assert_eq!(read["limits"], limits);
    let addr = read["listening"].as_str().unwrap().to_owned();

    let types = format!("http://{addr}/restconf/data/sztp-server:tenants/tenant=default/device-types");
    let sized = |n: usize| json!({"sztp-server:device-type": [{"name": "x".repeat(n)}]});
    let (status, body) = nbi_call(&http, reqwest::Method::POST, types.clone(), Some(sized(3_000))).await;
    assert_eq!(status, 413, "{body}");
    let (status, body) = nbi_call(&http, reqwest::Method::POST, types, Some(sized(100))).await;
    assert_ne!(status, 413, "{body}");
    let h2 = reqwest::Client::builder().no_proxy().http2_prior_knowledge().build().unwrap();
    for (client, version) in [(&http, "HTTP/1.1"), (&h2, "HTTP/2")] {
        let health = format!("http://{addr}/health");
        for (padding, expected) in [(8_000, 200), (20_000, 431)] {
            let sent = client.get(&health).header("x-padding", "p".repeat(padding)).send().await.unwrap();
            assert_eq!(sent.status().as_u16(), expected, "{version}, a {padding}-byte header");
        }
    }

    let mut slow = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let head = format!(
        "POST /restconf/data/{ENDPOINTS} HTTP/1.1\r\nHost: x\r\nAuthorization: Basic {}\r\n\
         Content-Type: application/yang-data+json\r\nContent-Length: 100\r\n\r\n{{\"sztp",
        base64_of(&format!("{}:{}", support::ROOT.0, support::ROOT.1))
    );
    slow.write_all(head.as_bytes()).await.unwrap();
    // The reply comes after the endpoint's 1 s, not the default 30 s (the connection stays
    // open a while longer, so read only the head).
    let mut reply = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(20), async {
        let mut buf = [0u8; 1024];
        while !reply.windows(4).any(|w| w == b"\r\n\r\n") {
            match slow.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => reply.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    let reply = String::from_utf8_lossy(&reply);
    assert!(read.is_ok() && reply.starts_with("HTTP/1.1 408"), "a stalled body: {reply}");
    drop(slow);

    // The device RPCs of an endpoint take its size limit too.
    let mut sbi = demo.store.get_endpoint("sbi").await.unwrap().unwrap();
    sbi.name = "small-sbi".into();
    sbi.limits.max_body_size = Some(1024);
    demo.store.put_endpoint(&sbi).await.unwrap();
    let read = wait_for(&http, &format!("{nbi}{ENDPOINTS}/endpoint=small-sbi"), |e| e["listening"].is_string()).await;
    let url = format!("https://{}{GBD}", read["listening"].as_str().unwrap());
    let input = json!({"ietf-sztp-bootstrap-server:input": {"hw-model": "m".repeat(2_000)}}).to_string();
    let device = demo.client(Some("SN-0001"));
    let (status, _, body) = post(&device, &url, None, Some(support::JSON), None, input).await;
    assert_eq!(status, 413, "{}", String::from_utf8_lossy(&body));
    demo.stop().await;
}

fn base64_of(text: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(text)
}
