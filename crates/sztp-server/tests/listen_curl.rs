//! Independent clients against the HTTPS listeners: curl (client certificates, TLS versions,
//! HTTP/2) and `openssl s_client` (the CA names of the CertificateRequest).

mod listen_support;

use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;

use sztp_server::listen::{ClientAuth, TlsMin};
use sztp_testkit::{KeyAlg, TestPki};

use listen_support::*;

/// Whether `tool` can run; when it cannot, the test is skipped, except under CI where it fails.
fn tool_available(tool: &str) -> bool {
    let found =
        Command::new(tool).arg("--version").output().is_ok() || Command::new(tool).arg("version").output().is_ok();
    if !found {
        assert!(std::env::var_os("CI").is_none(), "{tool} is required under CI");
        eprintln!("skipping: {tool} not installed");
    }
    found
}

async fn run(program: &'static str, args: Vec<String>) -> Output {
    tokio::task::spawn_blocking(move || Command::new(program).args(&args).output().expect("run tool"))
        .await
        .expect("tool task")
}

fn write(dir: &Path, name: &str, contents: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, contents).expect("write PEM");
    path.to_string_lossy().into_owned()
}

#[tokio::test]
async fn curl_with_a_client_certificate_reaches_the_handler_over_h2() {
    if !tool_available("curl") {
        return;
    }
    let server = ServerPki::generate(KeyAlg::P256);
    let pki = TestPki::generate();
    let device = pki.idevid("SN-CURL-1");
    let (listeners, _gate) = listeners();
    let spec = tls("south", "127.0.0.1:0", server.settings(ClientAuth::Required, TlsMin::Tls12));
    let addr = apply_ok(&listeners, vec![spec]).await[0];
    let dir = tempfile::tempdir().expect("temp dir");
    let cacert = write(dir.path(), "root.pem", &server.root.issued.cert_pem);
    let cert = write(dir.path(), "device.pem", &format!("{}{}", device.cert_pem, pki.manufacturer_ca.issued.cert_pem));
    let key = write(dir.path(), "device.key", &device.key_pem);
    let url = format!("https://localhost:{}/peer", addr.port());

    let args = ["-sS", "--fail", "--cacert", &cacert, "--cert", &cert, "--key", &key, "-w", "\n%{http_version}", &url];
    let out = run("curl", args.iter().map(|s| s.to_string()).collect()).await;
    assert!(out.status.success(), "curl: {}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8(out.stdout).expect("UTF-8");
    let (body, http_version) = stdout.rsplit_once('\n').expect("body and version");
    assert_eq!(http_version, "2");
    let peer: serde_json::Value = serde_json::from_str(body).expect("JSON");
    assert_eq!(peer["client_chain"][0], hex(&device.cert_der));
    assert_eq!(peer["client_chain"][1], hex(&pki.manufacturer_ca.issued.cert_der));

    let without = ["-sS", "--fail", "--cacert", &cacert, &url];
    let out = run("curl", without.iter().map(|s| s.to_string()).collect()).await;
    assert!(!out.status.success(), "curl without a certificate was served");
    listeners.shutdown(Duration::from_secs(5)).await;
}

#[tokio::test]
async fn curl_limited_to_tls12_is_served_only_when_the_minimum_allows_it() {
    if !tool_available("curl") {
        return;
    }
    let server = ServerPki::generate(KeyAlg::Rsa2048);
    let (listeners, _gate) = listeners();
    let specs = vec![
        tls("tls12", "127.0.0.1:0", server.settings(ClientAuth::Optional, TlsMin::Tls12)),
        tls("tls13", "127.0.0.1:0", server.settings(ClientAuth::Optional, TlsMin::Tls13)),
    ];
    let addrs = apply_ok(&listeners, specs).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let cacert = write(dir.path(), "root.pem", &server.root.issued.cert_pem);
    let curl = |port: u16| {
        let url = format!("https://localhost:{port}/hello");
        ["-sS", "--fail", "--tls-max", "1.2", "--cacert", &cacert, &url].iter().map(|s| s.to_string()).collect()
    };
    let out = run("curl", curl(addrs[0].port())).await;
    assert!(out.status.success(), "curl: {}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "hello from tls12 [test]");
    let out = run("curl", curl(addrs[1].port())).await;
    assert!(!out.status.success(), "a TLS 1.3-only endpoint served curl --tls-max 1.2");
    listeners.shutdown(Duration::from_secs(5)).await;
}

#[tokio::test]
async fn openssl_sees_the_configured_client_ca_names() {
    if !tool_available("openssl") {
        return;
    }
    let server = ServerPki::generate(KeyAlg::P384);
    let pki = TestPki::generate();
    let mut settings = server.settings(ClientAuth::Optional, TlsMin::Tls12);
    settings.client_root_hints = vec![pki.manufacturer_anchor_der()];
    let (listeners, _gate) = listeners();
    let addr = apply_ok(&listeners, vec![tls("south", "127.0.0.1:0", settings)]).await[0];
    let dir = tempfile::tempdir().expect("temp dir");
    let cafile = write(dir.path(), "root.pem", &server.root.issued.cert_pem);
    for version in ["-tls1_3", "-tls1_2"] {
        let args = vec![
            "s_client".to_string(),
            version.to_string(),
            "-connect".to_string(),
            addr.to_string(),
            "-servername".to_string(),
            "localhost".to_string(),
            "-CAfile".to_string(),
            cafile.clone(),
            "-verify_return_error".to_string(),
        ];
        // stdin is closed: s_client completes the handshake, prints, and quits.
        let out = tokio::task::spawn_blocking(move || {
            Command::new("openssl").args(&args).stdin(std::process::Stdio::null()).output().expect("openssl")
        })
        .await
        .expect("openssl task");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("Verify return code: 0 (ok)"), "{version}: {text}");
        let names = text.split("Acceptable client certificate CA names").nth(1).unwrap_or_default();
        assert!(names.contains("Manufacturer Root CA"), "{version}: {text}");
    }
    listeners.shutdown(Duration::from_secs(5)).await;
}

/// Nothing below TLS 1.2, no weak suites: openssl cannot connect with TLS 1.0/1.1 or with
/// RC4, 3DES, NULL, export or CBC-SHA1 suites, and the suites it gets are AEAD with forward
/// secrecy.
#[tokio::test]
async fn openssl_finds_no_old_protocol_and_no_weak_suite() {
    if !tool_available("openssl") {
        return;
    }
    let server = ServerPki::generate(KeyAlg::P256);
    let (listeners, _gate) = listeners();
    let addr =
        apply_ok(&listeners, vec![tls("south", "127.0.0.1:0", server.settings(ClientAuth::None, TlsMin::Tls12))]).await
            [0];
    let connect = |extra: &[&str]| {
        let mut args = vec!["s_client".to_string(), "-connect".to_string(), addr.to_string()];
        args.extend(extra.iter().map(|s| s.to_string()));
        async move {
            let out = tokio::task::spawn_blocking(move || {
                Command::new("openssl").args(&args).stdin(std::process::Stdio::null()).output().expect("openssl")
            })
            .await
            .expect("openssl task");
            String::from_utf8_lossy(&out.stdout).into_owned()
        }
    };
    let handshake = |text: &str| {
        // "New, TLSv1.2, Cipher is ECDHE-…", or "New, (NONE), Cipher is (NONE)" without one.
        text.lines().find_map(|l| l.split("Cipher is ").nth(1).map(|c| c.trim().to_owned())).filter(|c| c != "(NONE)")
    };
    for old in [["-tls1", "-cipher", "ALL:@SECLEVEL=0"], ["-tls1_1", "-cipher", "ALL:@SECLEVEL=0"]] {
        assert_eq!(handshake(&connect(&old).await), None, "{old:?} was accepted");
    }
    for weak in ["RC4", "3DES", "NULL", "EXPORT", "aRSA:kRSA", "AES128-SHA:AES256-SHA", "ECDHE-ECDSA-AES128-SHA"] {
        let text = connect(&["-tls1_2", "-cipher", &format!("{weak}:@SECLEVEL=0")]).await;
        assert_eq!(handshake(&text), None, "TLS 1.2 with {weak} was accepted");
    }
    let tls12 = handshake(&connect(&["-tls1_2"]).await).expect("TLS 1.2 with default suites");
    assert!(tls12.starts_with("ECDHE-") && (tls12.contains("GCM") || tls12.contains("CHACHA20")), "{tls12}");
    let tls13 = handshake(&connect(&["-tls1_3"]).await).expect("TLS 1.3");
    assert!(tls13.starts_with("TLS_AES_") || tls13.starts_with("TLS_CHACHA20"), "{tls13}");
    listeners.shutdown(Duration::from_secs(5)).await;
}
