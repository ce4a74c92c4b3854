//! Keystore through the northbound API: keys are generated or imported by actions, sealed at
//! rest, and only their public half is ever returned.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use base64::Engine;
use serde_json::json;
use support::{Demo, nbi_call};

const KS: &str = "sztp-server:tenants/tenant=default/keystore";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_are_generated_and_imported_by_actions_and_never_read_back() {
    let demo = Demo::start(1).await;
    let (http, nbi) = support::nbi_as_root(&demo).await;
    use reqwest::Method as M;

    let generate = |name: &str, alg: &str| json!({"sztp-server:input": {"name": name, "algorithm": alg}});
    let (status, out) =
        nbi_call(&http, M::POST, format!("{nbi}{KS}/generate"), Some(generate("k1", "ecdsa-p384"))).await;
    assert_eq!(status, 200, "{out}");
    assert!(out["sztp-server:output"]["public-key"].as_str().unwrap().len() > 100);
    assert_eq!(
        nbi_call(&http, M::POST, format!("{nbi}{KS}/generate"), Some(generate("k1", "ecdsa-p256"))).await.0,
        409
    );
    assert_eq!(nbi_call(&http, M::POST, format!("{nbi}{KS}/generate"), Some(generate("k2", "dsa-512"))).await.0, 400);

    // Import the quickstart device's PKCS#8 key.
    let pem = std::fs::read_to_string(demo.device_dir("SN-0001").join("idevid.key")).unwrap();
    let der = sztp_ca::PrivateKey::from_pem(&pem).unwrap().pkcs8_der().to_vec();
    let b64 = base64::engine::general_purpose::STANDARD.encode(&der);
    let import = json!({"sztp-server:input": {"name": "imported", "private-key": b64}});
    let (status, out) = nbi_call(&http, M::POST, format!("{nbi}{KS}/import"), Some(import)).await;
    assert_eq!(status, 200, "{out}");
    assert_eq!(out["sztp-server:output"]["algorithm"], "ecdsa-p256");
    let junk = json!({"sztp-server:input": {"name": "junk", "private-key": "AAAA"}});
    assert_eq!(nbi_call(&http, M::POST, format!("{nbi}{KS}/import"), Some(junk)).await.0, 400);

    // Reads list public halves only, next to the quickstart's own keys.
    let (status, list) = nbi_call(&http, M::GET, format!("{nbi}{KS}"), None).await;
    assert_eq!(status, 200);
    let names: Vec<&str> = list["sztp-server:keystore"]["asymmetric-key"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|k| k["name"].as_str())
        .collect();
    for n in ["k1", "imported", "owner-signer", "sbi-tls"] {
        assert!(names.contains(&n), "{names:?}");
    }
    assert!(!list.to_string().contains(&b64), "a private key came back");
    let put = json!({"sztp-server:asymmetric-key": [{"name": "k1", "algorithm": "ecdsa-p256"}]});
    assert_eq!(nbi_call(&http, M::PUT, format!("{nbi}{KS}/asymmetric-key=k1"), Some(put)).await.0, 405);
    assert_eq!(nbi_call(&http, M::DELETE, format!("{nbi}{KS}/asymmetric-key=k1"), None).await.0, 204);
    assert_eq!(nbi_call(&http, M::GET, format!("{nbi}{KS}/asymmetric-key=k1"), None).await.0, 404);
    demo.stop().await;
}
