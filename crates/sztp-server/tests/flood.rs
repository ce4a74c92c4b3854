//! 2,000 concurrent unauthenticated Basic requests against the real binary, alone in its test
//! binary so that no other test shares the machine while it measures memory and latency.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;
// Not in `support`: sztpctl's tests share that module and have no server binary.
#[path = "support/process.rs"]
mod process;

use std::net::IpAddr;
use std::time::Duration;

use support::{GBD, JSON};

const SIGNED: &[u8] = br#"{"ietf-sztp-bootstrap-server:input":{"signed-data-preferred":[null]}}"#;

/// Bounded wait used by the flood test: the server must answer a valid device meanwhile.
const VALID_WITHIN: Duration = Duration::from_secs(2);

/// 2,000 concurrent unauthenticated Basic requests from one address, against the real binary:
/// its peak RSS stays under 300 MB and a valid device (Basic, from another address) is served
/// within 2 s while the flood is on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_unauthenticated_basic_requests_is_bounded() {
    let server = process::Quickstart::start(1);
    let client = |source: &str| {
        let source: IpAddr = source.parse().unwrap();
        let anchor = reqwest::Certificate::from_pem(&server.file("trust/server-ca.pem")).unwrap();
        let builder = reqwest::Client::builder().no_proxy().tls_certs_only([anchor]).local_address(source);
        builder.http1_only().pool_max_idle_per_host(0).timeout(Duration::from_secs(60)).build().unwrap()
    };
    let url = server.url(GBD);
    let flooder = client("127.0.0.2");
    let mut flood = tokio::task::JoinSet::new();
    for i in 0..2000 {
        let request = flooder.post(&url).basic_auth(format!("SN-X{i}"), Some("guess")).body(SIGNED.to_vec());
        flood.spawn(async move { request.send().await.map(|r| r.status().as_u16()).unwrap_or(0) });
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let password = String::from_utf8(server.file("devices/SN-0001/password")).unwrap();
    let started = std::time::Instant::now();
    let valid = client("127.0.0.1").post(&url).basic_auth("SN-0001", Some(password.trim())).body(SIGNED.to_vec());
    let status = valid.header("content-type", JSON).send().await.unwrap().status().as_u16();
    let waited = started.elapsed();
    let statuses = flood.join_all().await;
    let mut counts = std::collections::BTreeMap::new();
    statuses.iter().for_each(|s| *counts.entry(*s).or_insert(0) += 1);
    eprintln!("flood: answers {counts:?} (0: connection refused), valid device served in {waited:?}");
    assert_eq!(status, 200);
    assert!(waited < VALID_WITHIN, "a valid device waited {waited:?} during the flood");
    // 0: the connection was closed at once, beyond the per-address connection cap.
    let refused = statuses.iter().filter(|s| [0, 401, 429, 503].contains(*s)).count();
    assert_eq!(refused, 2000, "every flood request is refused: {counts:?}");
    assert!(counts.get(&401).is_some_and(|n| *n <= 32), "at most one burst is checked: {counts:?}");
    let peak = server.peak_rss_kib();
    assert!(peak < 300 * 1024, "peak RSS {peak} KiB");
    eprintln!("flood: peak RSS {} MiB, valid device served in {waited:?}", peak / 1024);
}
