//! `sztpctl key`: generate, import, list and remove through the keystore actions.

use base64::Engine;

use crate::helpers::{Ready, fails, ok, ok_json, sha256};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_are_generated_imported_listed_and_removed() {
    let ready = Ready::start().await;
    let cfg = ready.cfg();
    let device_key = ready.demo.device_dir("SN-0001").join("idevid.key");
    let device_cert = ready.demo.device_dir("SN-0001").join("idevid.pem");
    tokio::task::spawn_blocking(move || {
        let out = ok(&cfg, &["key", "generate", "k1"]);
        assert!(out.contains("key k1 generated (ecdsa-p256)"), "{out}");
        assert!(out.lines().any(|l| l.starts_with("public key SHA-256: ") && l.len() == 20 + 95), "{out}");

        // --public-key writes the SPKI the fingerprint is computed over.
        let pem_path = cfg.join("k2.pub.pem");
        let k2 = ok_json(
            &cfg,
            &["key", "generate", "k2", "--algorithm", "ecdsa-p384", "--public-key", pem_path.to_str().unwrap()],
        );
        assert_eq!(k2["algorithm"], "ecdsa-p384");
        let pem = std::fs::read_to_string(&pem_path).unwrap();
        assert!(pem.starts_with("-----BEGIN PUBLIC KEY-----\n"), "{pem}");
        let spki = base64::engine::general_purpose::STANDARD.decode(k2["public-key"].as_str().unwrap()).unwrap();
        assert_eq!(k2["fingerprint"], sha256(&spki));
        let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
        assert_eq!(base64::engine::general_purpose::STANDARD.decode(body).unwrap(), spki);

        assert!(fails(&cfg, 3, &["key", "generate", "k1"]).contains("exists"));
        fails(&cfg, 2, &["key", "generate", "k3", "--algorithm", "ed25519"]);

        // Import takes PKCS#8 PEM; a certificate is refused before anything is sent.
        let out = ok(&cfg, &["key", "import", "imported", device_key.to_str().unwrap()]);
        assert!(out.contains("key imported imported (ecdsa-p256)"), "{out}");
        assert!(fails(&cfg, 2, &["key", "import", "cert", device_cert.to_str().unwrap()]).contains("PRIVATE KEY"));
        fails(&cfg, 2, &["key", "import", "missing", "/nonexistent/key.pem"]);

        let table = ok(&cfg, &["key", "list"]);
        assert!(table.starts_with("NAME"), "{table}");
        for name in ["k1", "k2", "imported", "owner-signer"] {
            assert!(table.lines().any(|l| l.starts_with(&format!("{name} "))), "{name}: {table}");
        }
        let listed = ok_json(&cfg, &["key", "list"]);
        let entry = listed.as_array().unwrap().iter().find(|k| k["name"] == "k2").unwrap().clone();
        assert_eq!(
            (entry["algorithm"].clone(), entry["fingerprint"].clone()),
            ("ecdsa-p384".into(), k2["fingerprint"].clone())
        );

        assert!(ok(&cfg, &["key", "rm", "k1"]).contains("key k1 removed"));
        assert!(fails(&cfg, 3, &["key", "rm", "k1"]).contains("404"));
        let listed = ok_json(&cfg, &["key", "list"]);
        assert!(listed.as_array().unwrap().iter().all(|k| k["name"] != "k1"));
    })
    .await
    .unwrap();
    ready.demo.stop().await;
}
