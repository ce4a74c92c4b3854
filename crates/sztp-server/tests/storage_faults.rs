//! A database that can fail: the disk fills up under a running server, or the database sits on a
//! read-only file system. Writes are refused with a 5xx and a log line that names the cause,
//! nothing answered 204 is lost, SQLite's integrity check passes, and once space returns the
//! server writes again without a restart. The disk is a small tmpfs in a private mount
//! namespace, so these tests need root; elsewhere they say so and pass.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/process.rs"]
mod process;
mod support;

use std::collections::BTreeSet;
use std::time::Duration;

use process::{Quickstart, SmallDisk};
use support::{GBD, JSON, PROGRESS};

/// One progress report; its status.
async fn report(client: &reqwest::Client, server: &Quickstart, message: &str) -> u16 {
    let body = serde_json::json!({"ietf-sztp-bootstrap-server:input":
        {"progress-type": "informational", "message": message}});
    let sent = client.post(server.url(PROGRESS)).header("content-type", JSON).body(body.to_string());
    sent.send().await.unwrap().status().as_u16()
}

/// A copy of the idle server's database (the file and its WAL) where this process can open it:
/// SQLite resolves `/proc/PID/root`, the way into the disk's namespace, to a path outside it.
fn copy_out(server: &Quickstart) -> tempfile::TempDir {
    let copy = tempfile::tempdir().unwrap();
    for file in ["sztp.db", "sztp.db-wal"] {
        let from = server.path().join(file);
        if from.exists() {
            std::fs::copy(&from, copy.path().join(file)).unwrap();
        }
    }
    copy
}

/// Every stored message of SN-0001, read with the store itself.
async fn stored(server: &Quickstart) -> BTreeSet<String> {
    let copy = copy_out(server);
    process::stored_messages(&format!("sqlite://{}", copy.path().join("sztp.db").display())).await
}

async fn logged_models(server: &Quickstart) -> BTreeSet<String> {
    let copy = copy_out(server);
    process::logged_hw_models(&format!("sqlite://{}", copy.path().join("sztp.db").display())).await
}

fn integrity_check(server: &Quickstart) -> String {
    let copy = copy_out(server);
    process::integrity_check(&copy.path().join("sztp.db"))
}

/// A small disk, or `None` (after saying so) where this process may not mount one; CI runs as
/// root, so there the tests must run.
fn small_disk(size: &str) -> Option<SmallDisk> {
    let disk = SmallDisk::mount(size);
    if disk.is_none() {
        assert!(std::env::var_os("CI").is_none(), "CI runs as root: the storage-fault tests must run there");
        eprintln!("skipped: mounting a tmpfs in a private mount namespace needs root");
    }
    disk
}

/// The server's log lines so far.
fn log(server: &Quickstart) -> Vec<String> {
    server.lines.try_iter().collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_refuses_writes_loses_nothing_and_the_server_recovers_when_space_returns() {
    let Some(disk) = small_disk("8m") else { return };
    let mut server = Quickstart::start_on(&disk, 1);
    let client = server.device(Duration::from_secs(30));
    let mut acked = Vec::new();
    // Under the store's 2,048-character clip, so stored messages compare equal.
    let padding = "x".repeat(1500);
    assert_eq!(report(&client, &server, "before").await, 204);
    acked.push("before".to_owned());

    let filled = disk.fill();
    assert!(filled > 1 << 20, "the filler took {filled} bytes");
    let mut refused = 0;
    for n in 0..40 {
        let message = format!("full-{n}-{padding}");
        match report(&client, &server, &message).await {
            204 => acked.push(message),
            status => {
                assert_eq!(status, 503, "a report on a full disk");
                refused += 1;
            }
        }
    }
    assert!(refused > 0, "a full disk refused nothing");
    // Bootstrapping data is not given out unlogged either: 503, or 200 only if its record was
    // committed (a small group of rows can still fit in the write-ahead log's existing pages).
    let model = format!("full-disk-model-{padding}");
    let input =
        serde_json::json!({"ietf-sztp-bootstrap-server:input": {"signed-data-preferred": [null], "hw-model": model}});
    let asked = client.post(server.url(GBD)).header("content-type", JSON).body(input.to_string()).send().await.unwrap();
    let gbd_status = asked.status().as_u16();
    match gbd_status {
        503 => assert_eq!(asked.headers()["retry-after"], "60"),
        200 => {} // its record is looked for below
        other => panic!("get-bootstrapping-data on a full disk answered {other}"),
    }
    let lines = log(&server);
    assert!(lines.iter().any(|l| l.contains("disk is full")), "no log line names the full disk");

    // Space returns: every write succeeds again, with no restart.
    disk.free();
    for n in 0..20 {
        let message = format!("after-{n}-{padding}");
        assert_eq!(report(&client, &server, &message).await, 204, "report {n} once space returned");
        acked.push(message);
    }
    let kept = stored(&server).await;
    let lost: Vec<&String> = acked.iter().filter(|m| !kept.contains(*m)).collect();
    assert!(lost.is_empty(), "{} acknowledged reports lost", lost.len());
    if gbd_status == 200 {
        assert!(logged_models(&server).await.contains(&model), "a 200 on a full disk without its record");
    }
    assert_eq!(integrity_check(&server), "ok");

    // Killed on a full disk: the demo cannot start there (it rewrites its URLs for the new
    // port) and says why; once space returns it starts, with nothing lost.
    disk.fill();
    let _ = report(&client, &server, "full-before-kill").await;
    if let Err(output) = server.try_restart() {
        assert!(output.iter().any(|l| l.contains("disk is full")), "no line names the full disk: {output:?}");
        disk.free();
        server.restart();
    } else {
        disk.free();
    }
    let client = server.device(Duration::from_secs(30));
    assert_eq!(report(&client, &server, "after-restart").await, 204);
    assert_eq!(integrity_check(&server), "ok");
    let kept = stored(&server).await;
    assert!(acked.iter().all(|m| kept.contains(m)) && kept.contains("after-restart"));
    eprintln!("{refused} of 40 reports refused on a full disk; {} acknowledged, all kept", acked.len() + 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_only_database_is_refused_at_start_with_a_clear_message() {
    let Some(disk) = small_disk("16m") else { return };
    let mut server = Quickstart::start_on(&disk, 1);
    assert_eq!(report(&server.device(Duration::from_secs(30)), &server, "before").await, 204);
    server.kill9();
    disk.read_only(true);
    let output = server.try_restart().expect_err("a server on a read-only database");
    let refusal = output.iter().find(|l| l.contains("read-only")).unwrap_or_else(|| panic!("{output:?}"));
    assert!(refusal.contains("sztp.db"), "the message names the file: {refusal}");
    disk.read_only(false);
    server.restart();
    assert_eq!(report(&server.device(Duration::from_secs(30)), &server, "after").await, 204);
    assert_eq!(integrity_check(&server), "ok");
    let kept = stored(&server).await;
    assert!(kept.contains("before") && kept.contains("after"));
}
