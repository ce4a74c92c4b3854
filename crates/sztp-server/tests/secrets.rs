//! Secrets stay secret: after a session of everything that handles one (an administrator's
//! password, an activation code, an imported private key, logins right and wrong, a device
//! bootstrapping), none of them — nor the key-encryption key — appears in the server's log at
//! trace level, in any API response, or in the database files.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;
// Not in `support`: sztpctl's tests share that module and have no server binary.
#[path = "support/process.rs"]
mod process;

use base64::Engine;
use process::Quickstart;
use reqwest::Method as M;
use serde_json::json;
use support::{GBD, JSON};

const PASSWORD: &str = "Tr0ub4dor&3-secret-admin-pass";
const CODE: &str = "activation-code-XYZZY-7731";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_reaches_logs_responses_or_the_database() {
    let mut server = Quickstart::start_with(1, &[("RUST_LOG", "trace")]);
    let nbi = format!("http://127.0.0.1:{}/restconf/data/", server.nbi);
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let call = |method: M, path: &str, login: (&str, &str), body: Option<serde_json::Value>| {
        let mut request = http.request(method, format!("{nbi}{path}")).basic_auth(login.0, Some(login.1));
        if let Some(b) = body {
            request = request.body(b.to_string());
        }
        async move {
            let resp = request.send().await.unwrap();
            (resp.status().as_u16(), resp.text().await.unwrap())
        }
    };
    let root = ("root", PASSWORD);
    let admin =
        json!({"sztp-server:administrator": [{"login": "root", "password": PASSWORD, "access-level": "unrestricted"}]});
    let mut replies = vec![call(M::POST, "sztp-server:administrators", root, Some(admin)).await];
    let t = "sztp-server:tenants/tenant=default";
    let pem = String::from_utf8(server.file("devices/SN-0001/idevid.key")).unwrap();
    let der = sztp_ca::PrivateKey::from_pem(&pem).unwrap().pkcs8_der().to_vec();
    let key_b64 = base64::engine::general_purpose::STANDARD.encode(&der);
    let import = json!({"sztp-server:input": {"name": "imported", "private-key": key_b64}});
    replies.push(call(M::POST, &format!("{t}/keystore/import"), root, Some(import)).await);
    let device =
        json!({"sztp-server:device": [{"serial": "SN-SECRET", "device-type": "demo-device", "activation-code": CODE}]});
    replies.push(call(M::POST, &format!("{t}/devices"), root, Some(device)).await);
    replies.push(call(M::GET, "sztp-server:tenants", ("root", "wrong password!"), None).await);
    replies.push(call(M::GET, "sztp-server:tenants", root, None).await);
    replies.push(call(M::GET, &format!("{t}/keystore"), root, None).await);
    replies.push(call(M::GET, &format!("{t}/audit-log"), root, None).await);
    assert!(replies[..3].iter().all(|(s, _)| (200..300).contains(s)), "{replies:?}");

    let anchor = reqwest::Certificate::from_pem(&server.file("trust/server-ca.pem")).unwrap();
    let device = reqwest::Client::builder().no_proxy().tls_certs_only([anchor]).build().unwrap();
    let url = server.url(GBD);
    for code in [CODE, "a wrong code"] {
        let resp = device.post(&url).basic_auth("SN-SECRET", Some(code)).header("content-type", JSON).send().await;
        let resp = resp.unwrap();
        replies.push((resp.status().as_u16(), resp.text().await.unwrap()));
    }
    replies.push(call(M::GET, &format!("{t}/bootstrapping-log"), root, None).await);

    server.kill9();
    let mut log: Vec<String> = server.startup.clone();
    log.extend(server.lines.try_iter());
    let log = log.join("\n");
    assert!(log.contains("TRACE") || log.contains("DEBUG"), "the log was at trace level");
    let kek = String::from_utf8(server.file("key")).unwrap().trim().to_owned();
    let secrets = [
        ("the administrator password", PASSWORD),
        ("the activation code", CODE),
        ("the private key", &key_b64),
        ("the key-encryption key", &kek),
    ];
    let mut database = Vec::new();
    for file in ["sztp.db", "sztp.db-wal"] {
        database.extend(std::fs::read(server.path().join(file)).unwrap_or_default());
    }
    for (what, secret) in secrets {
        assert!(!log.contains(secret), "{what} is in the server log");
        for (status, body) in &replies {
            assert!(!body.contains(secret), "{what} is in a {status} response: {body}");
        }
        assert!(!contains(&database, secret.as_bytes()), "{what} is in the database in clear");
    }
    assert!(!contains(&database, &der), "the private key's DER is in the database in clear");
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}
