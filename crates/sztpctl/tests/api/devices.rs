//! Profiles, raw verbs, device add/list/show/rm/import and the audit log, with exit codes.

use crate::helpers::{BIN, PASSWORD, ctl, text};
use crate::support;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn profiles_devices_logs_and_raw_verbs_against_a_server() {
    let demo = support::Demo::start(1).await;
    let config = tempfile::tempdir().unwrap();
    let cfg = config.path().to_owned();
    let server = format!("http://{}", demo.nbi);
    tokio::task::spawn_blocking(move || {
        // First use: create the administrator with a raw POST from stdin-less file.
        let body = cfg.join("admin.json");
        std::fs::write(&body, format!(r#"{{"sztp-server:administrator":[{{"login":"root","password":"{PASSWORD}","access-level":"unrestricted"}}]}}"#)).unwrap();
        let out = ctl(&cfg, &["--server", &server, "post", "sztp-server:administrators", body.to_str().unwrap()]);
        assert!(out.status.success(), "{}", text(&out));
        assert!(text(&out).contains("/restconf/data/sztp-server:administrators/administrator=root"));

        // Without credentials the server refuses: exit 3 with its message.
        let out = ctl(&cfg, &["--server", &server, "get", "sztp-server:administrators"]);
        assert_eq!(out.status.code(), Some(3), "{}", text(&out));
        assert!(text(&out).contains("401"));

        // A saved profile (0600) makes the rest credential-free on the command line.
        let out = ctl(&cfg, &["--server", &server, "--user", "root", "--password", PASSWORD, "profile", "set", "default"]);
        assert!(out.status.success(), "{}", text(&out));
        let file = cfg.join("sztpctl/profiles.json");
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600);
        let out = ctl(&cfg, &["profile", "list"]);
        assert!(text(&out).contains(&server) && !text(&out).contains(PASSWORD));

        let out = ctl(&cfg, &["device", "add", "SN-0100", "--type", "demo-device", "--activation-code", "device secret"]);
        assert!(out.status.success(), "{}", text(&out));
        let out = ctl(&cfg, &["device", "add", "SN-0100", "--type", "demo-device"]);
        assert_eq!(out.status.code(), Some(3));
        assert!(text(&out).contains("exists"));
        let out = ctl(&cfg, &["device", "add", "SN-0101", "--type", "nope"]);
        assert_eq!(out.status.code(), Some(3));

        let out = ctl(&cfg, &["device", "status"]);
        assert!(out.status.success());
        let table = text(&out);
        assert!(table.starts_with("SERIAL") && table.contains("SN-0001") && table.contains("SN-0100"), "{table}");
        let out = ctl(&cfg, &["--json", "device", "list"]);
        let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(list.as_array().unwrap().len(), 2);
        let out = ctl(&cfg, &["device", "show", "SN-0100"]);
        assert!(text(&out).contains("\"device-type\": \"demo-device\""));
        let out = ctl(&cfg, &["device", "rm", "SN-0100"]);
        assert!(out.status.success());
        assert_eq!(ctl(&cfg, &["device", "show", "SN-0100"]).status.code(), Some(3));

        let out = ctl(&cfg, &["log", "audit", "--limit", "5"]);
        assert!(out.status.success() && text(&out).contains("root"), "{}", text(&out));
        let out = ctl(&cfg, &["--json", "log", "bootstrap", "--device", "SN-0001"]);
        assert!(out.status.success(), "{}", text(&out));

        // Bad input and an unreachable server have their own exit codes.
        assert_eq!(ctl(&cfg, &["put", "sztp-server:administrators", "/nonexistent.json"]).status.code(), Some(2));
        assert_eq!(ctl(&cfg, &["--server", "http://127.0.0.1:9", "get", "x:y"]).status.code(), Some(4));
    })
    .await
    .unwrap();
    demo.stop().await;
}

/// `code three`, hashed by the reference argon2 implementation's CLI.
const REFERENCE_HASH: &str =
    "$argon2id$v=19$m=8,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$aQfSyBBzT2hMql2wSbhvXz3E2ZqP23oS6fqhKOa9ENc";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn device_import_reports_failures_by_line() {
    let demo = support::Demo::start(1).await;
    let config = tempfile::tempdir().unwrap();
    let cfg = config.path().to_owned();
    let server = format!("http://{}", demo.nbi);
    tokio::task::spawn_blocking(move || {
        let body = cfg.join("admin.json");
        std::fs::write(&body, format!(r#"{{"sztp-server:administrator":[{{"login":"root","password":"{PASSWORD}","access-level":"unrestricted"}}]}}"#)).unwrap();
        assert!(ctl(&cfg, &["--server", &server, "post", "sztp-server:administrators", body.to_str().unwrap()]).status.success());
        let auth = ["--server", server.as_str(), "--user", "root", "--password", PASSWORD];
        let csv = cfg.join("devices.csv");
        std::fs::write(&csv, "serial,device-type,activation-code\nSN-1001,demo-device,code one\nSN-1002,no-such-type,\nSN-1003,demo-device,\n,demo-device,\n").unwrap();
        let out = ctl(&cfg, &[&auth[..], &["device", "import", csv.to_str().unwrap(), "--batch", "2"]].concat());
        assert_eq!(out.status.code(), Some(3), "{}", text(&out));
        let report = text(&out);
        assert!(report.contains("created 2, replaced 0, skipped 0, failed 2"), "{report}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(stderr, "sztpctl: 2 devices were not imported\n", "no progress bar unless stderr is a terminal");
        assert!(report.contains("line 3: SN-1002") && report.contains("line 5: -"), "{report}");

        // Again: existing serials fail the whole batch unless skipped or replaced.
        // A hash made elsewhere (here by the reference argon2 CLI, with cheap parameters:
        // `echo -n 'code three' | argon2 somesaltsomesalt -id -m 3 -t 1 -p 1 -e`), quoted
        // because a PHC string holds commas; stored as given, so the import does no hashing.
        let hashed = cfg.join("hashed.csv");
        std::fs::write(&hashed, format!("serial,device-type,activation-code-hash\nSN-1005,demo-device,\"{REFERENCE_HASH}\"\nSN-1006,demo-device,not-a-hash\n")).unwrap();
        let out = ctl(&cfg, &[&auth[..], &["device", "import", hashed.to_str().unwrap()]].concat());
        let report = text(&out);
        assert!(report.contains("created 1, replaced 0, skipped 0, failed 1") && report.contains("line 3: SN-1006"), "{report}");

        let again = cfg.join("again.csv");
        std::fs::write(&again, "serial,device-type\nSN-1001,demo-device\nSN-1004,demo-device\n").unwrap();
        let out = ctl(&cfg, &[&auth[..], &["device", "import", again.to_str().unwrap()]].concat());
        assert_eq!(out.status.code(), Some(3));
        assert!(text(&out).contains("exist already"), "{}", text(&out));
        let out = ctl(&cfg, &[&auth[..], &["--json", "device", "import", again.to_str().unwrap(), "--on-conflict", "skip"]].concat());
        assert!(out.status.success(), "{}", text(&out));
        let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!((summary["created"].as_u64(), summary["skipped"].as_u64()), (Some(1), Some(1)));
    })
    .await
    .unwrap();
    // The imported activation code authenticates on the southbound endpoint (401 otherwise);
    // the device has no voucher yet, so its signed response is an operator-side 500.
    let client = demo.client(None);
    let url = demo.url(support::GBD);
    assert_eq!(support::post(&client, &url, Some(("SN-1001", "code one")), None, None, Vec::new()).await.0, 500);
    assert_eq!(support::post(&client, &url, Some(("SN-1001", "code two")), None, None, Vec::new()).await.0, 401);
    assert_eq!(support::post(&client, &url, Some(("SN-1005", "code three")), None, None, Vec::new()).await.0, 500);
    assert_eq!(support::post(&client, &url, Some(("SN-1005", "code two")), None, None, Vec::new()).await.0, 401);
    demo.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn device_import_draws_a_progress_bar_on_a_terminal() {
    let ready = crate::helpers::Ready::start().await;
    let cfg = ready.cfg();
    tokio::task::spawn_blocking(move || {
        let csv = cfg.join("devices.csv");
        std::fs::write(&csv, "serial,device-type\nSN-2001,demo-device\nSN-2002,demo-device\nSN-2003,demo-device\n")
            .unwrap();
        // util-linux `script` runs the binary on a pseudo-terminal and copies what it shows.
        let command = format!("{BIN} device import {} --batch 1", csv.display());
        let out = std::process::Command::new("script")
            .args(["-q", "-e", "-c", &command, "/dev/null"])
            .env("XDG_CONFIG_HOME", &cfg)
            .env_remove("SZTPCTL_SERVER")
            .stdin(std::process::Stdio::null())
            .output()
            .expect("util-linux script");
        let screen = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{screen}");
        assert!(screen.contains(&format!("\r[{}]   0% 0/3 devices", "-".repeat(30))), "{screen:?}");
        assert!(screen.contains(&format!("\r[{}] 100% 3/3 devices", "#".repeat(30))), "{screen:?}");
        assert!(screen.contains("created 3, replaced 0, skipped 0, failed 0"), "{screen:?}");
    })
    .await
    .unwrap();
    ready.demo.stop().await;
}
