//! An unknown device and a wrong activation code take the same time to refuse (both run one
//! argon2 verification), so timing does not tell which serial numbers exist. Timing depends on
//! the machine, so this runs on demand:
//! `cargo test --release -p sztp-server --test timing -- --ignored --nocapture`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::net::IpAddr;
use std::time::{Duration, Instant};

use support::{Demo, GBD};

/// Requests per kind, each from its own loopback address (the per-address budget of password
/// attempts would otherwise answer 429).
const SAMPLES: u8 = 60;
/// How far apart the two medians may be.
const TOLERANCE: f64 = 0.15;

async fn median_refusal(demo: &Demo, serial: &str, first_octet: u8) -> Duration {
    let mut times = Vec::new();
    for i in 0..SAMPLES {
        let source = IpAddr::from([127, first_octet, 0, i + 1]);
        let client = demo.client_builder(None).local_address(source).build().unwrap();
        // A first request opens the TLS connection, so only the refusal is timed.
        client.get(demo.url("/health")).send().await.unwrap();
        let started = Instant::now();
        let resp = client.post(demo.url(GBD)).basic_auth(serial, Some("wrong code")).send().await.unwrap();
        times.push(started.elapsed());
        assert_eq!(resp.status().as_u16(), 401);
    }
    times.sort();
    times[times.len() / 2]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "timing depends on the machine: run on demand"]
async fn an_unknown_device_and_a_wrong_code_take_the_same_time() {
    let demo = Demo::start(1).await;
    let unknown = median_refusal(&demo, "SN-NOBODY", 10).await;
    let wrong = median_refusal(&demo, "SN-0001", 11).await;
    let ratio = unknown.as_secs_f64() / wrong.as_secs_f64();
    eprintln!("median refusal: unknown device {unknown:?}, wrong code {wrong:?} (ratio {ratio:.3})");
    assert!((1.0 - TOLERANCE..=1.0 + TOLERANCE).contains(&ratio), "ratio {ratio:.3}");
    demo.stop().await;
}
