//! Southbound throughput on a real server (in-process, loopback, quickstart database): signed
//! get-bootstrapping-data and report-progress, by IDevID (mTLS) and by HTTP Basic (argon2id).
//! Run: `cargo bench -p sztp-server --bench southbound` (env BENCH_REQUESTS, BENCH_CONCURRENCY).
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

#[path = "../tests/support/mod.rs"]
mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use support::{Demo, GBD, JSON, PROGRESS};

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

async fn run(
    label: &str,
    demo: &Demo,
    requests: usize,
    concurrency: usize,
    basic: bool,
    url: &str,
    body: &'static str,
) {
    let client = Arc::new(if basic { demo.client(None) } else { demo.client(Some("SN-0001")) });
    let password = Arc::new(demo.password("SN-0001"));
    let url = Arc::new(url.to_owned());
    let started = Instant::now();
    let mut tasks = Vec::new();
    for worker in 0..concurrency {
        let (client, password, url) = (client.clone(), password.clone(), url.clone());
        let share = requests / concurrency + usize::from(worker < requests % concurrency);
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::with_capacity(share);
            for _ in 0..share {
                let t = Instant::now();
                let mut req = client.post(url.as_str()).header("content-type", JSON).body(body);
                if basic {
                    req = req.basic_auth("SN-0001", Some(password.as_str()));
                }
                let status = req.send().await.unwrap().status().as_u16();
                assert!(status == 200 || status == 204, "status {status}");
                latencies.push(t.elapsed());
            }
            latencies
        }));
    }
    let mut all: Vec<Duration> = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    let elapsed = started.elapsed();
    all.sort();
    let pct = |p: f64| all[((all.len() as f64 * p) as usize).min(all.len() - 1)].as_secs_f64() * 1e3;
    println!(
        "{label:<44} {requests:>6} req  {:>8.0} req/s  p50 {:>6.1} ms  p99 {:>6.1} ms",
        requests as f64 / elapsed.as_secs_f64(),
        pct(0.50),
        pct(0.99)
    );
}

fn main() {
    let requests = env_or("BENCH_REQUESTS", 1000);
    let concurrency = env_or("BENCH_CONCURRENCY", 16);
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let demo = Demo::start(1).await;
        println!("southbound, {concurrency} concurrent clients, keep-alive connections, SQLite file");
        let gbd = demo.url(GBD);
        let progress = demo.url(PROGRESS);
        let input = r#"{"ietf-sztp-bootstrap-server:input":{"signed-data-preferred":[null]}}"#;
        let report = r#"{"ietf-sztp-bootstrap-server:input":{"progress-type":"informational"}}"#;
        run("get-bootstrapping-data, signed, IDevID", &demo, requests, concurrency, false, &gbd, input).await;
        run("report-progress, IDevID", &demo, requests, concurrency, false, &progress, report).await;
        run("get-bootstrapping-data, signed, HTTP Basic", &demo, requests / 4, concurrency, true, &gbd, input).await;
        demo.stop().await;
    });
}
