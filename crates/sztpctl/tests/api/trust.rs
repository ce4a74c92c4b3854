//! `sztpctl trust`: bags created, extended without duplicates, listed and removed.

use crate::helpers::{Ready, fails, ok, ok_json};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trust_bags_are_created_extended_listed_and_removed() {
    let ready = Ready::start().await;
    let cfg = ready.cfg();
    let trust = ready.demo.path().join("trust");
    tokio::task::spawn_blocking(move || {
        let mfg = trust.join("manufacturer-ca.pem");
        let server = trust.join("server-ca.pem");
        let (mfg, server) = (mfg.to_str().unwrap(), server.to_str().unwrap());

        let out = ok(&cfg, &["trust", "add", "vendors", mfg, "--description", "IDevID anchors"]);
        assert!(out.contains("trust bag vendors created: 1 certificate(s) added, 1 in total"), "{out}");
        // The same certificate again is skipped; a new one is appended; the description stays.
        let again = ok_json(&cfg, &["trust", "add", "vendors", mfg, server]);
        assert_eq!(again, serde_json::json!({"bag": "vendors", "created": false, "added": 1, "certificates": 2}));

        let bags = ok_json(&cfg, &["trust", "list"]);
        let bags = bags.as_array().unwrap();
        assert!(bags.iter().any(|b| b["name"] == "manufacturer"), "{bags:?}");
        let vendors = bags.iter().find(|b| b["name"] == "vendors").unwrap();
        assert_eq!(vendors["certificate"].as_array().unwrap().len(), 2);
        assert_eq!(vendors["description"], "IDevID anchors");
        let table = ok(&cfg, &["trust", "list"]);
        assert!(table.starts_with("BAG"), "{table}");
        assert!(table.lines().any(|l| l.starts_with("vendors") && l.contains(" 2  IDevID anchors")), "{table}");
        assert!(table.contains("Demo Server CA") && table.contains("expires"), "{table}");

        // A file without certificates is bad input; nothing is written.
        let key = cfg.join("not-a-cert.pem");
        std::fs::write(&key, "-----BEGIN PRIVATE KEY-----\nMAMCAQE=\n-----END PRIVATE KEY-----\n").unwrap();
        fails(&cfg, 2, &["trust", "add", "other", key.to_str().unwrap()]);
        assert!(ok_json(&cfg, &["trust", "list"]).as_array().unwrap().iter().all(|b| b["name"] != "other"));

        assert!(ok(&cfg, &["trust", "rm", "vendors"]).contains("trust bag vendors removed"));
        assert!(fails(&cfg, 3, &["trust", "rm", "vendors"]).contains("404"));
    })
    .await
    .unwrap();
    ready.demo.stop().await;
}
