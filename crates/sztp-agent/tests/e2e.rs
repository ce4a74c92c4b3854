//! End to end: the workspace's `sztp-server quickstart` and `sztp-agent` as real processes on
//! loopback — signed onboarding with a reboot and resume, provisional (untrusted) servers, image
//! hash mismatch, a voucher from the wrong manufacturer, and the disable switch.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod e2e_support;

use e2e_support::{Device, Server, stages};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signed_onboarding_installs_the_image_reboots_and_completes() {
    let server = Server::start(2);
    let device = Device::new(&server, "SN-0001").trusting(&server);

    // First boot: the image differs from the running OS, so it is installed and the agent asks for a reboot.
    let first = device.run();
    assert_eq!(first.code, 10, "{first:?}");
    assert_eq!(device.file("installed").as_deref(), Some(&b"DemoOS 1.0\n"[..]));
    let image = device.file("installed.img").expect("image installed");
    assert_eq!(image.len(), 256 * 1024);
    let status = device.status();
    assert_eq!(status["outcome"], "rebooting", "{status:#}");
    assert_eq!(status["installed_os"], json!(["DemoOS", "1.0"]));
    assert!(status["trust"].as_str().unwrap().contains("signed data verified"), "{status:#}");
    assert_eq!(server.device_status("SN-0001").await["stage"], "boot-image-installed-rebooting");

    // After the "reboot" the agent runs again: the image is current, the rest runs in RFC order.
    let second = device.run();
    assert_eq!(second.code, 0, "{second:?}");
    let config = device.file("applied-merge").expect("configuration applied with merge");
    assert!(String::from_utf8_lossy(&config).contains("hostname demo-device"));
    // The configuration and scripts the agent keeps may hold secrets: only its user may read them.
    let work = std::fs::metadata(device.path().join("state/work")).unwrap();
    assert_eq!(std::os::unix::fs::PermissionsExt::mode(&work.permissions()) & 0o777, 0o700);
    let status = device.status();
    assert_eq!(status["outcome"], "completed");
    let got = stages(&status);
    let names: Vec<&str> = got.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["bootstrap-request", "verification", "boot-image", "pre-script", "config", "post-script"]);
    assert_eq!(got[2].1, "skipped", "the installed image is not fetched again");
    assert!(got.iter().all(|(_, o)| o == "ok" || o == "skipped"), "{got:?}");
    let on_server = server.device_status("SN-0001").await;
    assert_eq!(on_server["stage"], "bootstrap-complete", "{on_server}");

    let text = device.agent("status", false);
    assert!(text.stdout.contains("outcome:   completed"), "{text:?}");
    // A completed device does not bootstrap again.
    assert_eq!(device.run().code, 0);
    assert_eq!(device.status()["attempts"], 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_untrusted_server_is_used_provisionally_for_signed_data_and_gets_no_reports() {
    let server = Server::start(1);
    // No server trust anchor; the OS already matches the image, so no reboot.
    let device = Device::new(&server, "SN-0001").with("--os-version", "1.0");
    let run = device.run();
    assert_eq!(run.code, 0, "{run:?}");
    let status = device.status();
    assert!(status["trust"].as_str().unwrap().starts_with("untrusted"), "{status:#}");
    assert!(device.file("applied-merge").is_some());
    let on_server = server.device_status("SN-0001").await;
    assert_ne!(
        on_server["stage"], "bootstrap-complete",
        "no progress report may reach an untrusted server: {on_server}"
    );

    // Refusing provisional servers leaves the device unbootstrapped.
    let strict = Device::new(&server, "SN-0001").with("--os-version", "1.0").flag("--no-untrusted");
    let refused = strict.run();
    assert_eq!(refused.code, 1, "{refused:?}");
    assert!(strict.status()["last_error"].as_str().unwrap().starts_with("trust"), "{}", strict.status());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_image_that_does_not_match_its_hash_is_reported_and_not_installed() {
    let server = Server::start(1);
    // The operator's response names the right image with a wrong hash.
    let nbi = e2e_support::Nbi::new(&server).await;
    let mut response = nbi.get("responses/response=demo-onboarding").await;
    let image = &mut response["sztp-server:response"][0]["onboarding"]["boot-image"];
    image.as_object_mut().unwrap().remove("artifact");
    image["sha-256"] = json!(vec!["ab"; 32].join(":"));
    nbi.send(reqwest::Method::PUT, "responses/response=demo-onboarding", response).await;

    let device = Device::new(&server, "SN-0001").trusting(&server);
    let run = device.run();
    assert_eq!(run.code, 1, "{run:?}");
    assert!(device.file("installed").is_none(), "nothing is installed");
    let status = device.status();
    assert!(status["last_error"].as_str().unwrap().starts_with("image"), "{status:#}");
    let on_server = nbi.get("devices/device=SN-0001").await;
    assert_eq!(on_server["sztp-server:device"][0]["status"]["stage"], "boot-image-mismatch", "{on_server}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_voucher_that_does_not_chain_to_the_manufacturer_is_refused_with_its_reason() {
    let server = Server::start(1);
    let wrong = server.demo().join("trust/server-ca.pem").display().to_string();
    let device = Device::new(&server, "SN-0001").trusting(&server).with("--manufacturer-trust", &wrong);
    let run = device.run();
    assert_eq!(run.code, 1, "{run:?}");
    let status = device.status();
    let error = status["last_error"].as_str().unwrap();
    assert!(error.starts_with("trust:") && error.contains("voucher"), "{error}");
    assert!(device.file("installed").is_none() && device.file("applied-merge").is_none());
    assert_eq!(stages(&status).last().map(|(n, o)| (n.as_str(), o.as_str())), Some(("verification", "failed")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn disable_stops_attempts_until_enabled() {
    let server = Server::start(1);
    let device = Device::new(&server, "SN-0001").trusting(&server).with("--os-version", "1.0");
    assert_eq!(device.agent("disable", false).code, 0);
    let run = device.run();
    assert_eq!(run.code, 3, "{run:?}");
    assert_eq!(device.status()["enabled"], false);
    assert!(device.file("applied-merge").is_none());
    assert_eq!(device.agent("enable", false).code, 0);
    assert_eq!(device.run().code, 0);
}

/// How a test stops an agent in the middle of a step.
enum Stop {
    /// `sztp-agent disable`.
    Disable,
    /// SIGTERM to the agent (a service stop).
    Terminate,
}

/// `disable` or SIGTERM aborts a running attempt: the step's whole process group is stopped
/// (it is in its own group, so nothing else would reach it), the stage is "aborted", the server
/// hears why, and the agent exits 3 (disabled) or 1 (interrupted).
async fn stop_during_a_step(stop: Stop) {
    let server = Server::start(1);
    let base = Device::new(&server, "SN-0001").trusting(&server).with("--os-version", "1.0");
    let out = base.path().display().to_string();
    // The apply command starts a long-running child, says so, and waits for it.
    let hanging = format!("sleep 120 & echo $! > {out}/child.pid.tmp && mv {out}/child.pid.tmp {out}/child.pid; wait");
    let device = base.with("--config-command", &hanging);
    let mut agent = std::process::Command::new(env!("CARGO_BIN_EXE_sztp-agent"))
        .arg("--state-dir")
        .arg(device.path().join("state"))
        .arg("run")
        .args(&device.args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let pid_file = device.path().join("child.pid");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !pid_file.exists() {
        assert!(std::time::Instant::now() < deadline, "the apply command never started");
        assert!(agent.try_wait().unwrap().is_none(), "the agent ended before applying");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let child: u32 = std::fs::read_to_string(&pid_file).unwrap().trim().parse().unwrap();
    let (expected_code, reason) = match stop {
        Stop::Disable => {
            assert_eq!(device.agent("disable", false).code, 0);
            (3, "disabled")
        }
        Stop::Terminate => {
            let pid = nix::unistd::Pid::from_raw(i32::try_from(agent.id()).unwrap());
            nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM).unwrap();
            (1, "interrupted")
        }
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let code = loop {
        if let Some(status) = agent.try_wait().unwrap() {
            break status.code();
        }
        assert!(std::time::Instant::now() < deadline, "the agent did not abort");
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    assert_eq!(code, Some(expected_code));
    // The command's child is gone (or a zombie waiting for init), not still running.
    let stat = std::fs::read_to_string(format!("/proc/{child}/stat")).unwrap_or_default();
    let state = stat.rsplit(')').next().unwrap_or_default().split_whitespace().next().unwrap_or("gone");
    assert!(matches!(state, "gone" | "Z" | "X"), "the apply command's child still runs: {stat}");
    let status = device.status();
    assert_eq!(stages(&status).last().map(|(n, o)| (n.as_str(), o.as_str())), Some(("config", "aborted")));
    assert!(status["last_error"].as_str().unwrap().starts_with(reason), "{status:#}");
    let on_server = server.device_status("SN-0001").await;
    assert_eq!(on_server["stage"], "config-error", "{on_server}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn disable_aborts_a_running_step_and_stops_its_processes() {
    stop_during_a_step(Stop::Disable).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_stops_a_running_step_and_its_processes() {
    stop_during_a_step(Stop::Terminate).await;
}

/// RFC 8572 Appendix B: a device with no trust anchor for the server asks provisionally, gets a
/// signed redirect that carries the server's trust anchor, and then bootstraps from the now
/// trusted server, reporting progress.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_untrusted_start_is_redirected_with_a_trust_anchor_to_a_trusted_onboarding() {
    let server = Server::start(1);
    let nbi = e2e_support::Nbi::new(&server).await;
    e2e_support::add_redirect_back(&server, &nbi).await;
    // Requests that prefer signed data (untrusted devices) get the redirect; the rest onboard.
    let rules = json!({"sztp-server:device-type": [{"name": "demo-device", "match-rule": [
        {"name": "untrusted", "condition": [{"field": "signed-data-preferred", "op": "present"}], "response": "redirect-back"},
        {"name": "trusted", "response": "demo-onboarding"}]}]});
    nbi.send(reqwest::Method::PATCH, "device-types/device-type=demo-device", rules).await;

    let device = Device::new(&server, "SN-0001").with("--os-version", "1.0");
    let run = device.run();
    assert_eq!(run.code, 0, "{run:?}");
    let status = device.status();
    let names: Vec<String> = stages(&status).into_iter().map(|(n, _)| n).collect();
    assert_eq!(&names[..4], ["bootstrap-request", "verification", "bootstrap-request", "verification"], "{status:#}");
    assert!(status["trust"].as_str().unwrap().starts_with("trusted"), "{status:#}");
    assert!(status["source"].as_str().unwrap().contains("redirect"), "{status:#}");
    let on_server = nbi.get("devices/device=SN-0001").await;
    assert_eq!(on_server["sztp-server:device"][0]["status"]["stage"], "bootstrap-complete", "{on_server}");
}

/// Unsigned redirect information from an untrusted server is followed (RFC 8572 §5.3), but its
/// trust anchors are discarded (§5.5): the next server is provisional too. Here every answer is
/// that redirect, so the device stops at the redirect limit.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unsigned_redirects_from_an_untrusted_server_are_followed_without_their_anchors() {
    let server = Server::start(1);
    let nbi = e2e_support::Nbi::new(&server).await;
    e2e_support::add_redirect_back(&server, &nbi).await;
    let unsigned = json!({"sztp-server:device-type": [{"name": "demo-device", "signing": "unsigned",
        "match-rule": [{"name": "all", "response": "redirect-back"}]}]});
    nbi.send(reqwest::Method::PATCH, "device-types/device-type=demo-device", unsigned).await;

    let device = Device::new(&server, "SN-0001").with("--os-version", "1.0");
    let run = device.run();
    assert_eq!(run.code, 1, "{run:?}");
    let status = device.status();
    assert!(status["last_error"].as_str().unwrap().starts_with("redirects"), "{status:#}");
    let requests: Vec<String> = status["stages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["name"] == "bootstrap-request")
        .map(|s| s["detail"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(requests.len(), 11, "the first request and ten redirects: {status:#}");
    assert!(requests.iter().all(|d| d.contains("untrusted (provisional)")), "an anchor was used: {requests:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn encrypted_artifacts_are_opened_with_the_idevid_key() {
    let server = Server::start(1);
    let nbi = e2e_support::Nbi::new(&server).await;
    let encrypt = json!({"sztp-server:device-type": [{"name": "demo-device", "encrypt": true}]});
    nbi.send(reqwest::Method::PATCH, "device-types/device-type=demo-device", encrypt).await;
    let device = Device::new(&server, "SN-0001").trusting(&server).with("--os-version", "1.0");
    let run = device.run();
    assert_eq!(run.code, 0, "{run:?}");
    assert!(device.status()["trust"].as_str().unwrap().contains("signed data verified"));
}

/// DHCP option 143 in a dhclient lease names the server by scheme, host and port only; the agent
/// finds the RESTCONF root through host-meta, as RFC 8572 §4.3 and RFC 8040 §3.1 say.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dhcp_lease_leads_through_host_meta_to_onboarding() {
    let server = Server::start(1);
    let list = sztp_protocol::dhcp::BootstrapServerList::parse([server.url().as_str()]).unwrap();
    let hex = sztp_protocol::dhcp::dhclient_colon_hex(&list.encode());
    let device = Device::new(&server, "SN-0001").trusting(&server).with("--os-version", "1.0");
    let lease = device.path().join("dhclient.leases");
    std::fs::write(&lease, format!("lease {{\n  interface \"eth0\";\n  option sztp-redirect {hex};\n}}\n")).unwrap();
    let device =
        device.without("--bootstrap-url").with("--dhclient-lease", &lease.display().to_string()).flag("--debug");
    let run = device.run();
    assert_eq!(run.code, 0, "{run:?}");
    let status = device.status();
    assert!(status["source"].as_str().unwrap().contains("dhclient.leases"), "{status:#}");
    assert_eq!(stages(&status)[0], ("discovery".to_owned(), "ok".to_owned()));
    assert!(status["trust"].as_str().unwrap().starts_with("trusted"), "{status:#}");
    // The server's audit log keeps no host-meta requests (no principal): the agent says it.
    let found = run.stderr.lines().find(|l| l.contains("RESTCONF root")).unwrap_or_default();
    assert!(found.contains("/restconf") && found.contains("HostMeta"), "{}", run.stderr);
}

/// Signed conveyed information on removable storage bootstraps a device with no network source;
/// unsigned information there is refused (storage is not a trusted source).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signed_artifacts_on_removable_storage_bootstrap_without_a_server() {
    let server = Server::start(1);
    // Take the artifacts from a real reply, as a manufacturer or owner would put them on a stick.
    let device = Device::new(&server, "SN-0001").trusting(&server);
    let stick = device.path().join("usb");
    std::fs::create_dir_all(&stick).unwrap();
    let output = e2e_support::genuine_reply(&server).await;
    std::fs::write(stick.join("conveyed-information.cms"), &output.conveyed_information).unwrap();
    std::fs::write(stick.join("owner-certificate.cms"), output.owner_certificate.unwrap()).unwrap();
    std::fs::write(stick.join("ownership-voucher.cms"), output.ownership_voucher.unwrap()).unwrap();

    // No bootstrap URL at all: only the stick.
    let offline =
        device.without("--bootstrap-url").with("--storage", &stick.display().to_string()).with("--os-version", "1.0");
    // Files cannot echo a fresh nonce: a device that requires one refuses them.
    let strict = offline.with("--nonce", "require");
    assert_eq!(strict.run().code, 1);
    let refused = strict.status();
    assert!(refused["last_error"].as_str().unwrap().contains("cannot echo a fresh nonce"), "{refused:#}");
    std::fs::remove_dir_all(strict.path().join("state")).unwrap();
    let offline = strict.with("--nonce", "off");
    let run = offline.run();
    assert_eq!(run.code, 0, "{run:?}");
    let status = offline.status();
    assert!(status["trust"].as_str().unwrap().starts_with("removable storage; signed data verified"), "{status:#}");
    assert!(offline.file("applied-merge").is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trusted_server_may_send_unsigned_onboarding_information() {
    let server = Server::start(1);
    let nbi = e2e_support::Nbi::new(&server).await;
    // A script with an interpreter line runs as itself (here the "interpreter" prints it).
    let mut response = nbi.get("responses/response=demo-onboarding").await;
    response["sztp-server:response"][0]["onboarding"]["pre-configuration-script"] =
        json!("#!/bin/cat\nran as itself, not through /bin/sh\n");
    nbi.send(reqwest::Method::PUT, "responses/response=demo-onboarding", response).await;
    let unsigned = json!({"sztp-server:device-type": [{"name": "demo-device", "signing": "unsigned"}]});
    nbi.send(reqwest::Method::PATCH, "device-types/device-type=demo-device", unsigned).await;
    let device = Device::new(&server, "SN-0001").trusting(&server).with("--os-version", "1.0");
    let run = device.run();
    assert_eq!(run.code, 0, "{run:?}");
    let status = device.status();
    assert_eq!(status["trust"], "trusted; unsigned data", "{status:#}");
    let pre = status["stages"].as_array().unwrap().iter().find(|s| s["name"] == "pre-script").unwrap().clone();
    assert_eq!(pre["detail"], "ran as itself, not through /bin/sh", "{status:#}");
    assert!(device.file("applied-merge").is_some());
    let on_server = nbi.get("devices/device=SN-0001").await;
    assert_eq!(on_server["sztp-server:device"][0]["status"]["stage"], "bootstrap-complete");
}

/// The daemon retries with back-off, stops after --max-attempts, and `disable` stops a running one.
#[test]
fn the_daemon_retries_and_stops_when_disabled() {
    let server = Server::start(1);
    // Nothing listens on port 9 of loopback: every attempt fails fast.
    let device = Device::new(&server, "SN-0001").with("--bootstrap-url", "https://127.0.0.1:9").with("--timeout", "2");
    let limited = device.with("--max-attempts", "2").with("--max-backoff", "1");
    let out = limited.agent("daemon", true);
    assert_eq!(out.code, 1, "{out:?}");
    assert_eq!(limited.status()["attempts"], 2);

    // Discovery only, and nothing announced yet: DHCP or DNS may answer later, so the daemon
    // retries instead of ending as a configuration error (exit 2) after the first attempt.
    let no_lease = limited.path().join("no-such-lease").display().to_string();
    let discovering = Device::new(&server, "SN-0001")
        .without("--bootstrap-url")
        .with("--networkd-lease", &no_lease)
        .with("--max-attempts", "2")
        .with("--max-backoff", "1");
    let out = discovering.agent("daemon", true);
    assert_eq!(out.code, 1, "{out:?}");
    assert_eq!(discovering.status()["attempts"], 2);

    let device = limited.with("--max-attempts", "0");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_sztp-agent"))
        .arg("--state-dir")
        .arg(device.path().join("state"))
        .arg("daemon")
        .args(&device.args)
        .spawn()
        .unwrap();
    // Wait (bounded) until it has failed once, then disable it.
    let start = std::time::Instant::now();
    while device.status()["attempts"].as_u64().unwrap_or(0) < 3 {
        assert!(start.elapsed() < std::time::Duration::from_secs(30), "the daemon never retried");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert_eq!(device.agent("disable", false).code, 0);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let code = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status.code();
        }
        assert!(std::time::Instant::now() < deadline, "the daemon did not stop");
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    assert_eq!(code, Some(3));
}
