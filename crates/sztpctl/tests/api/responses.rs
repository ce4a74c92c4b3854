//! `sztpctl response`: onboarding and redirect responses attached by match rules, seen by a
//! device over the southbound API, listed, shown, and removed with their rules.

use serde_json::Value;

use crate::helpers::{Ready, fails, ok, ok_json, sha256};
use crate::support;

/// The first object member named `key`, anywhere in `v`.
fn find<'a>(v: &'a Value, key: &str) -> Option<&'a Value> {
    match v {
        Value::Object(m) => m.get(key).or_else(|| m.values().find_map(|x| find(x, key))),
        Value::Array(a) => a.iter().find_map(|x| find(x, key)),
        _ => None,
    }
}

/// What SN-0001 is told by get-bootstrapping-data, as `sztpctl --json cms inspect` sees it.
async fn bootstrap_sn_0001(ready: &Ready) -> Value {
    let client = ready.demo.client(None);
    let basic = ("SN-0001", ready.demo.password("SN-0001"));
    let url = ready.demo.url(support::GBD);
    let (status, _, body) = support::post(&client, &url, Some((basic.0, &basic.1)), None, None, Vec::new()).await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    let cfg = ready.cfg();
    tokio::task::spawn_blocking(move || {
        let file = cfg.join("gbd-output.json");
        std::fs::write(&file, body).unwrap();
        ok_json(&cfg, &["cms", "inspect", file.to_str().unwrap()])
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn responses_reach_devices_through_match_rules() {
    let ready = Ready::start().await;
    let cfg = ready.cfg();
    let image = b"DemoOS 2.0 image bytes".to_vec();
    let image_sha = sha256(&image);
    let (expected, server_ca) = (image_sha.clone(), ready.demo.path().join("trust/server-ca.pem"));
    tokio::task::spawn_blocking(move || {
        let file = |name: &str, content: &[u8]| {
            let p = cfg.join(name);
            std::fs::write(&p, content).unwrap();
            p.to_str().unwrap().to_owned()
        };
        let (img, config, pre) =
            (file("img", &image), file("site.cfg", b"hostname r1\n"), file("pre.sh", b"#!/bin/sh\necho pre\n"));
        let out = ok(
            &cfg,
            &[
                "response",
                "add",
                "r-dev",
                "--device",
                "SN-0001",
                "--os-name",
                "DemoOS",
                "--os-version",
                "2.0",
                "--image-uri",
                "https://images.example.net/demoos-2.0.img",
                "--image-file",
                &img,
                "--config",
                &config,
                "--config-handling",
                "replace",
                "--pre-script",
                &pre,
            ],
        );
        assert!(out.contains("response r-dev created, attached to device SN-0001 as rule 1 of 1"), "{out}");
        let shown = ok_json(&cfg, &["response", "show", "r-dev"]);
        let image_json = &shown["response"]["onboarding"]["boot-image"];
        assert_eq!(image_json["sha-256"], expected);
        assert_eq!(shown["response"]["onboarding"]["configuration"], "hostname r1\n");
        assert_eq!(shown["used-by"][0], "device SN-0001 (rule 1)");
    })
    .await
    .unwrap();

    // The device's own rule wins over its type's catch-all: it gets the new image and config.
    let seen = bootstrap_sn_0001(&ready).await;
    let boot = find(&seen, "boot_image").expect("a boot image");
    assert_eq!(boot["os_version"], "2.0", "{seen}");
    assert_eq!(boot["hashes"][0], format!("sha-256:{image_sha}"));
    assert_eq!(find(&seen, "configuration_handling").unwrap(), "replace");

    let cfg = ready.cfg();
    tokio::task::spawn_blocking(move || {
        let anchor = server_ca.to_str().unwrap();
        // Appended after the type's unconditional rule: it is made, with a warning.
        let out = crate::helpers::ctl(
            &cfg,
            &[
                "response",
                "add",
                "to-lab",
                "--device-type",
                "demo-device",
                "--priority",
                "9",
                "--match",
                "!source-address:prefix:10.1.0.0/16",
                "--match",
                "hw-model:regex:^model-",
                "--redirect",
                "https://sztp.lab.example.net:8443",
                "--redirect",
                "[2001:db8::5]",
                "--trust-anchor",
                anchor,
            ],
        );
        assert!(out.status.success(), "{}", crate::helpers::text(&out));
        let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert!(stdout.contains("attached to device-type demo-device as rule 2 of 2"), "{stdout}");
        assert!(stderr.contains("never tried (use --priority 1)"), "{stderr}");
        let shown = ok_json(&cfg, &["response", "show", "to-lab"]);
        let servers = &shown["response"]["redirect"]["server"];
        assert_eq!(
            (servers[0]["address"].clone(), servers[0]["port"].clone()),
            ("sztp.lab.example.net".into(), 8443.into())
        );
        assert_eq!(servers[1]["address"], "2001:db8::5");
        assert_eq!(servers[1]["trust-anchor"].as_array().map(Vec::len), Some(1));
        let rules = ok_json(&cfg, &["get", "sztp-server:tenants/tenant=default/device-types/device-type=demo-device"]);
        let rule = &rules["sztp-server:device-type"][0]["match-rule"][1];
        assert_eq!(rule["response"], "to-lab");
        assert_eq!(rule["condition"][0]["negate"], true);
        assert_eq!(rule["condition"][1]["value"], "^model-");

        let table = ok(&cfg, &["response", "list"]);
        assert!(table.starts_with("NAME"), "{table}");
        let row =
            |name: &str| table.lines().find(|l| l.starts_with(&format!("{name} "))).unwrap_or_default().to_owned();
        assert!(row("r-dev").contains("onboarding") && row("r-dev").ends_with("device SN-0001 (rule 1)"), "{table}");
        assert!(row("to-lab").contains("sztp.lab.example.net:8443, 2001:db8::5"), "{table}");
        assert!(row("demo-onboarding").ends_with("device-type demo-device (rule 1)"), "{table}");
        assert_eq!(ok_json(&cfg, &["response", "list"]).as_array().map(Vec::len), Some(3));

        // Bad input is refused before anything is written; an unknown target leaves no response behind.
        let cfg_file = cfg.join("site.cfg");
        let config = cfg_file.to_str().unwrap();
        fails(
            &cfg,
            2,
            &["response", "add", "x", "--device", "SN-0001", "--os-name", "DemoOS", "--image-uri", "https://i/x"],
        );
        fails(&cfg, 2, &["response", "add", "x", "--device", "SN-0001", "--config", config, "--redirect", "https://s"]);
        fails(
            &cfg,
            2,
            &["response", "add", "x", "--device", "SN-0001", "--config", config, "--match", "colour:equals:red"],
        );
        fails(&cfg, 2, &["response", "add", "x", "--config", config]);
        fails(&cfg, 2, &["response", "add", "x", "--device", "SN-0001", "--redirect", "http://plain.example.net"]);
        assert!(fails(&cfg, 3, &["response", "add", "x", "--device", "SN-9999", "--config", config]).contains("404"));
        fails(&cfg, 3, &["response", "show", "x"]);
        assert!(
            fails(&cfg, 3, &["response", "add", "r-dev", "--device-type", "demo-device", "--config", config])
                .contains("exists")
        );

        // Removal is refused while a rule uses the response, unless the rules go too.
        assert!(fails(&cfg, 2, &["response", "rm", "r-dev"]).contains("device SN-0001 (rule 1)"));
        assert!(
            ok(&cfg, &["response", "rm", "r-dev", "--detach"]).contains("response r-dev removed (1 rule(s) detached)")
        );
        let device = ok_json(&cfg, &["get", "sztp-server:tenants/tenant=default/devices/device=SN-0001"]);
        assert!(device["sztp-server:device"][0].get("match-rule").is_none(), "{device}");
        assert!(ok(&cfg, &["response", "rm", "to-lab", "--detach"]).contains("(1 rule(s) detached)"));
        fails(&cfg, 3, &["response", "rm", "to-lab"]);
    })
    .await
    .unwrap();

    // Back to the type's catch-all rule: the quickstart image again.
    let seen = bootstrap_sn_0001(&ready).await;
    assert_eq!(find(&seen, "boot_image").unwrap()["os_version"], "1.0", "{seen}");
    ready.demo.stop().await;
}
