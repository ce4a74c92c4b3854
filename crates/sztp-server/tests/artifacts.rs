//! Artifacts at constant memory: a boot image far larger than the server's working set goes up
//! through the operator API and down to devices (reqwest and curl, HTTP/1.1 and HTTP/2) without
//! the server's memory growing with it; an endpoint sends no more downloads at once than its
//! `max-downloads`, and the next one waits for a free slot.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/process.rs"]
mod process;
mod support;

use std::time::Duration;

use process::Quickstart;
use support::{Demo, ROOT};

const IMAGE: &str = "demo-boot-image.img";

/// `size` bytes that differ from chunk to chunk (so a chunk served twice or out of order shows).
fn image(size: usize) -> Vec<u8> {
    let mut v = Vec::with_capacity(size);
    let mut x: u32 = 0x1234_5678;
    while v.len() < size {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        v.extend_from_slice(&x.to_le_bytes());
    }
    v.truncate(size);
    v
}

fn sha256_hex(bytes: &[u8]) -> String {
    aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, bytes).as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_image_goes_up_and_down_at_constant_memory() {
    // Measured on this design: about 24 MiB more for the upload and 20 MiB more for the
    // downloads (buffers and the database's page caches), the same for 32 MiB as for 192 MiB.
    const SIZE: usize = 128 << 20;
    let q = Quickstart::start(1);
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let admin = serde_json::json!({"sztp-server:administrator": [{"login": ROOT.0, "password": ROOT.1, "access-level": "unrestricted"}]});
    let first = http
        .post(format!("http://127.0.0.1:{}/restconf/data/sztp-server:administrators", q.nbi))
        .body(admin.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(first.status().as_u16(), 201);
    let content = image(SIZE);
    let expected = sha256_hex(&content);
    let before = q.peak_rss_kib();

    let upload = http
        .put(format!("http://127.0.0.1:{}/artifacts/default/{IMAGE}", q.nbi))
        .basic_auth(ROOT.0, Some(ROOT.1))
        .header("content-type", "application/octet-stream")
        .body(content.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(upload.status().as_u16(), 204, "the demo's image is replaced");
    assert_eq!(upload.headers()["etag"].to_str().unwrap(), format!("\"{expected}\""));

    println!("after the upload: peak RSS grew by {} KiB", q.peak_rss_kib().saturating_sub(before));
    // Four devices' downloads at once, over HTTP/2 (ALPN), then one over HTTP/1.1 by curl.
    let device = q.device(Duration::from_secs(300));
    let downloads = (0..4).map(|_| {
        let request = device.get(q.url(&format!("/files/{IMAGE}")));
        async move {
            let response = request.send().await.unwrap();
            assert_eq!(response.status().as_u16(), 200);
            assert_eq!(response.version(), reqwest::Version::HTTP_2);
            assert_eq!(response.content_length(), Some(SIZE as u64));
            sha256_hex(&response.bytes().await.unwrap())
        }
    });
    for got in futures_join(downloads).await {
        assert_eq!(got, expected);
    }
    let out = q.path().join("curl-download");
    let demo = q.path();
    let curl = std::process::Command::new("curl")
        .args(["-sS", "--fail", "--http1.1", "--noproxy", "*", "-o"])
        .arg(&out)
        .arg("--cacert")
        .arg(demo.join("trust/server-ca.pem"))
        .arg("--cert")
        .arg(demo.join("devices/SN-0001/idevid.pem"))
        .arg("--key")
        .arg(demo.join("devices/SN-0001/idevid.key"))
        .arg(q.url(&format!("/files/{IMAGE}")))
        .output()
        .expect("curl runs");
    assert!(curl.status.success(), "{}", String::from_utf8_lossy(&curl.stderr));
    assert_eq!(sha256_hex(&std::fs::read(&out).unwrap()), expected, "curl's copy");

    let grown = q.peak_rss_kib().saturating_sub(before);
    println!("peak RSS grew by {grown} KiB for a {} MiB image up and five times down", SIZE >> 20);
    assert!(grown < (SIZE as u64 >> 10) / 2, "the server held the image in memory: peak RSS grew by {grown} KiB");
}

/// Runs the futures concurrently and collects their outputs in order.
async fn futures_join<F: std::future::Future<Output = String> + Send + 'static>(
    futures: impl Iterator<Item = F>,
) -> Vec<String> {
    let handles: Vec<_> = futures.map(tokio::spawn).collect();
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_download_beyond_max_downloads_waits_for_a_free_slot() {
    use sztp_store::{Artifact, TenantId};
    const SIZE: usize = 32 << 20;
    let demo = Demo::start(1).await;
    let content = image(SIZE);
    let sha256 = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, &content).as_ref().to_vec();
    let artifact = Artifact {
        name: IMAGE.into(),
        media_type: "application/octet-stream".into(),
        sha256,
        size: SIZE as u64,
        content,
    };
    demo.store.put_artifact(TenantId::DEFAULT, &artifact).await.unwrap();

    // HEAD tells the length without reading the content, to devices and administrators alike.
    let head = demo.client(Some("SN-0001")).head(demo.url(&format!("/files/{IMAGE}"))).send().await.unwrap();
    assert_eq!((head.status().as_u16(), head.content_length()), (200, Some(SIZE as u64)));
    assert!(head.bytes().await.unwrap().is_empty());

    // A second device endpoint, like the demo's, that sends one file at a time.
    let mut one = demo.store.get_endpoint("sbi").await.unwrap().unwrap();
    one.name = "one-at-a-time".into();
    one.limits.max_downloads = Some(1);
    demo.store.put_endpoint(&one).await.unwrap();
    let (http, nbi) = support::nbi_as_root(&demo).await;
    let content_url = format!("http://{}/artifacts/default/{IMAGE}", demo.nbi);
    let head = http.head(&content_url).basic_auth(ROOT.0, Some(ROOT.1)).send().await.unwrap();
    let length = head.headers().get("content-length").map(|v| v.to_str().unwrap().to_owned());
    assert_eq!((head.status().as_u16(), length), (200, Some(SIZE.to_string())));
    let url = format!("{nbi}sztp-server:tenants/tenant=default/endpoints/endpoint=one-at-a-time");
    let listening = support::wait_for(&http, &url, |e| e["listening"].is_string()).await;
    let addr = listening["listening"].as_str().unwrap().to_owned();
    let file = format!("https://{addr}/files/{IMAGE}");

    // The first download is not read: its slot stays taken.
    let held = demo.client(Some("SN-0001")).get(&file).send().await.unwrap();
    assert_eq!(held.status().as_u16(), 200);
    let second = demo.client(Some("SN-0001"));
    let mut waiting = tokio::spawn(async move {
        let response = second.get(&file).send().await.unwrap();
        (response.status().as_u16(), response.bytes().await.unwrap().len())
    });
    let early = tokio::time::timeout(Duration::from_millis(500), &mut waiting).await;
    assert!(early.is_err(), "the second download was served while the only slot was taken: {early:?}");
    drop(held);
    let (status, len) = tokio::time::timeout(Duration::from_secs(60), waiting).await.expect("served").unwrap();
    assert_eq!((status, len), (200, SIZE));
    demo.stop().await;
}
