//! Nothing acknowledged is lost: devices report progress as fast as they can while the server
//! is killed with SIGKILL at pseudo-random moments. After each kill every report answered 204 is
//! in the database, SQLite's integrity check passes, and the restarted server serves.
//! CI runs 5 kills; `SZTP_CRASH_LOOPS=100 cargo test -p sztp-server --test crash` runs more.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;
// Not in `support`: sztpctl's tests share that module and have no server binary.
#[path = "support/process.rs"]
mod process;

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use process::{Quickstart, integrity_check};
use support::{JSON, PROGRESS};

/// Devices reporting at once.
const REPORTERS: usize = 8;

fn loops() -> u32 {
    std::env::var("SZTP_CRASH_LOOPS").ok().and_then(|n| n.parse().ok()).unwrap_or(5)
}

/// Reports until the server goes away; returns the messages it acknowledged with 204.
async fn report(client: reqwest::Client, url: String, prefix: String, acked: Arc<Mutex<Vec<String>>>) {
    for n in 0.. {
        let message = format!("{prefix}-{n}");
        let body = serde_json::json!({"ietf-sztp-bootstrap-server:input":
            {"progress-type": "informational", "message": message}});
        let sent = client.post(&url).header("content-type", JSON).body(body.to_string()).send().await;
        match sent {
            Ok(r) if r.status() == 204 => acked.lock().unwrap().push(message),
            Ok(r) => assert!(r.status().is_server_error(), "unexpected {}", r.status()),
            Err(_) => return,
        }
    }
}

/// Every stored message of SN-0001, read with the store itself (read-only, after a kill).
async fn stored(server: &Quickstart) -> BTreeSet<String> {
    process::stored_messages(&format!("sqlite://{}?mode=ro", server.path().join("sztp.db").display())).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reports_answered_204_survive_kill_9() {
    let mut server = Quickstart::start(1);
    let mut seed: u64 = 0x5eed_2026;
    let mut total = 0;
    for round in 0..loops() {
        let acked = Arc::new(Mutex::new(Vec::new()));
        let client = server.device(Duration::from_secs(10));
        let url = server.url(PROGRESS);
        let mut reporters = tokio::task::JoinSet::new();
        for r in 0..REPORTERS {
            reporters.spawn(report(client.clone(), url.clone(), format!("r{round}-{r}"), acked.clone()));
        }
        // A pseudo-random moment, 50 to 400 ms into the load (xorshift: repeatable runs).
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        tokio::time::sleep(Duration::from_millis(50 + seed % 350)).await;
        server.kill9();
        reporters.join_all().await;
        let acked = acked.lock().unwrap().clone();
        let kept = stored(&server).await;
        let lost: Vec<&String> = acked.iter().filter(|m| !kept.contains(*m)).collect();
        assert!(lost.is_empty(), "round {round}: {} acknowledged reports lost, e.g. {:?}", lost.len(), lost.first());
        assert_eq!(integrity_check(&server.path().join("sztp.db")), "ok", "round {round}");
        total += acked.len();
        server.restart();
        let health = server.device(Duration::from_secs(10)).get(server.url("/health")).send().await.unwrap();
        assert_eq!(health.status().as_u16(), 200, "round {round}: serves after the restart");
    }
    eprintln!("{} kills survived; {total} acknowledged reports all kept", loops());
}
