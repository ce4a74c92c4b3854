//! `sztpctl artifact`: uploads through the content API (bytes, media type and SHA-256 checked on
//! the server), the hosted-image fragment, listing, removal, and use by a response.

use crate::helpers::{Ready, ctl, fails, ok, ok_json, sha256, text};
use crate::support;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn artifacts_are_uploaded_listed_used_and_removed() {
    let ready = Ready::start().await;
    let cfg = ready.cfg();
    let image: Vec<u8> = (0..300_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    let image_sha = sha256(&image);
    let (expected, upload) = (image_sha.clone(), image.clone());
    let step1 = tokio::task::spawn_blocking(move || {
        let img = cfg.join("demoos-2.0.img");
        std::fs::write(&img, b"first version").unwrap();
        let out = ok(&cfg, &["artifact", "add", "image", img.to_str().unwrap()]);
        assert!(out.contains("artifact demoos-2.0.img created: 13 bytes, application/octet-stream"), "{out}");
        assert!(out.contains(&format!("sha-256: {}", sha256(b"first version"))), "{out}");
        std::fs::write(&img, &upload).unwrap();
        let replaced = ok_json(&cfg, &["artifact", "add", "image", img.to_str().unwrap()]);
        assert_eq!(replaced["created"], false);
        assert_eq!(replaced["sha-256"], expected);
        assert_eq!(replaced["size"], 300_000);

        let script = cfg.join("pre.sh");
        std::fs::write(&script, "#!/bin/sh\necho pre\n").unwrap();
        ok(&cfg, &["artifact", "add", "script", script.to_str().unwrap(), "--name", "pre-v2.sh"]);
        let bad = cfg.join("bad name.txt");
        std::fs::write(&bad, "x").unwrap();
        assert!(fails(&cfg, 2, &["artifact", "add", "file", bad.to_str().unwrap()]).contains("--name"));
        let listed = ok_json(&cfg, &["artifact", "list"]);
        let pre = listed.as_array().unwrap().iter().find(|a| a["name"] == "pre-v2.sh").unwrap().clone();
        assert_eq!(pre["media-type"], "text/x-shellscript");
        assert_eq!(pre["sha-256"], sha256(b"#!/bin/sh\necho pre\n"));
        let table = ok(&cfg, &["artifact", "list"]);
        assert!(table.starts_with("NAME"), "{table}");
        assert!(table.lines().any(|l| l.starts_with("demoos-2.0.img") && l.contains(" 300000 ")), "{table}");
        cfg
    });
    let cfg = step1.await.unwrap();

    // The server serves exactly the bytes that were uploaded, with their media type.
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let resp = http
        .get(format!("{}/artifacts/default/demoos-2.0.img", ready.server()))
        .basic_auth(support::ROOT.0, Some(support::ROOT.1))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(resp.headers()["content-type"], "application/octet-stream");
    assert_eq!(resp.bytes().await.unwrap().as_ref(), image.as_slice());

    tokio::task::spawn_blocking(move || {
        // A hosted image: nothing uploaded, and no server needed at all.
        let offline = tempfile::tempdir().unwrap();
        let hosted = cfg.join("hosted.img");
        std::fs::write(&hosted, &image).unwrap();
        let args = [
            "artifact",
            "add",
            "image",
            hosted.to_str().unwrap(),
            "--uri",
            "https://images.example.net/hosted.img",
            "--uri",
            "tftp://192.0.2.1/hosted.img",
            "--os-name",
            "DemoOS",
            "--os-version",
            "2.0",
        ];
        let out = ok_json(offline.path(), &args);
        assert_eq!(out["sha-256"], image_sha);
        let fragment = &out["fragment"]["boot-image"];
        assert_eq!(fragment["download-uri"][1], "tftp://192.0.2.1/hosted.img");
        assert_eq!(
            (fragment["sha-256"].clone(), fragment["os-version"].clone()),
            (image_sha.clone().into(), "2.0".into())
        );
        let out = ok(offline.path(), &args[..6]);
        assert!(out.contains(&format!("sha-256: {image_sha}")) && out.contains("\"boot-image\""), "{out}");
        assert!(out.contains("needs \"os-name\""), "{out}");
        assert!(ok_json(&cfg, &["artifact", "list"]).as_array().unwrap().iter().all(|a| a["name"] != "hosted.img"));
        fails(offline.path(), 2, &["artifact", "add", "script", hosted.to_str().unwrap(), "--uri", "https://x/y"]);
        fails(offline.path(), 2, &["artifact", "add", "image", hosted.to_str().unwrap(), "--uri", "not a uri"]);

        // A response can name the artifact; an unknown one is refused before anything is made.
        let out = ok(
            &cfg,
            &[
                "response",
                "add",
                "from-artifact",
                "--device",
                "SN-0001",
                "--os-name",
                "DemoOS",
                "--os-version",
                "2.0",
                "--image-artifact",
                "demoos-2.0.img",
            ],
        );
        assert!(out.contains("attached to device SN-0001 as rule 1 of 1"), "{out}");
        let shown = ok_json(&cfg, &["response", "show", "from-artifact"]);
        assert_eq!(shown["response"]["onboarding"]["boot-image"]["artifact"], "demoos-2.0.img");
        let out = ctl(
            &cfg,
            &[
                "response",
                "add",
                "no-artifact",
                "--device",
                "SN-0001",
                "--os-name",
                "DemoOS",
                "--os-version",
                "2.0",
                "--image-artifact",
                "missing.img",
            ],
        );
        assert_eq!(out.status.code(), Some(3), "{}", text(&out));
        assert!(text(&out).contains("no artifact \"missing.img\""));
        fails(&cfg, 3, &["response", "show", "no-artifact"]);

        assert!(ok(&cfg, &["artifact", "rm", "pre-v2.sh"]).contains("artifact pre-v2.sh removed"));
        assert!(fails(&cfg, 3, &["artifact", "rm", "pre-v2.sh"]).contains("404"));
        assert!(ok_json(&cfg, &["artifact", "list"]).as_array().unwrap().iter().all(|a| a["name"] != "pre-v2.sh"));
    })
    .await
    .unwrap();
    ready.demo.stop().await;
}
