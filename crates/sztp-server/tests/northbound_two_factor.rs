//! Client certificates on the northbound API: alone for an administrator without a password,
//! as a second factor for one with a password, pinned exactly, inside their validity, and not
//! bypassed through a plain-HTTP endpoint.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/fresh.rs"]
mod fresh;

use base64::Engine;
use fresh::{Fresh, Leaf, issue, issue_at, loopback_server, root};
use serde_json::{Value, json};
use sztp_ca::Profile;
use time::{Duration, OffsetDateTime};

const ROOT: (&str, &str) = ("root", "correct horse battery staple");
const OPS: (&str, &str) = ("ops", "a long enough ops password");

fn b64(der: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(der)
}

async fn post(http: &reqwest::Client, url: String, body: Value) -> u16 {
    let resp = http.post(url).basic_auth(ROOT.0, Some(ROOT.1)).body(body.to_string()).send().await.unwrap();
    let status = resp.status().as_u16();
    assert!((200..300).contains(&status), "{status}: {}", resp.text().await.unwrap());
    status
}

/// GET of the default tenant's devices over HTTPS with an optional certificate and password.
async fn get(base: &str, anchor: &[u8], cert: Option<&Leaf>, basic: Option<(&str, &str)>) -> (u16, String) {
    let mut builder =
        reqwest::Client::builder().no_proxy().tls_certs_only([reqwest::Certificate::from_der(anchor).unwrap()]);
    if let Some(c) = cert {
        builder = builder.identity(c.identity(&[]));
    }
    let mut req = builder.build().unwrap().get(format!("{base}sztp-server:tenants/tenant=default/devices"));
    if let Some((u, p)) = basic {
        req = req.basic_auth(u, Some(p));
    }
    let resp = req.send().await.unwrap();
    (resp.status().as_u16(), resp.text().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_certificates_authenticate_alone_or_as_a_second_factor() {
    let server = Fresh::start().await;
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let data = server.data();
    let admin =
        json!({"sztp-server:administrator": [{"login": ROOT.0, "password": ROOT.1, "access-level": "unrestricted"}]});
    assert_eq!(
        http.post(format!("{data}sztp-server:administrators")).body(admin.to_string()).send().await.unwrap().status(),
        201
    );

    // An HTTPS endpoint serving the API, asking for (not requiring) client certificates.
    let server_ca = root("CN=Test Server CA,O=Test");
    let tls = loopback_server(&server_ca);
    let t = "sztp-server:tenants/tenant=default";
    let import = json!({"sztp-server:input": {"name": "nbi-tls", "private-key": b64(tls.key.pkcs8_der())}});
    post(&http, format!("{data}{t}/keystore/import"), import).await;
    let endpoint = json!({"sztp-server:endpoint": [{"name": "nbi-tls", "address": "127.0.0.1", "port": 0,
        "protocol": "https", "apis": ["native"],
        "tls": {"server-key": "nbi-tls", "certificate": [b64(&tls.der)], "client-auth": "optional"}}]});
    post(&http, format!("{data}{t}/endpoints"), endpoint).await;

    let admins_ca = root("CN=Test Admin CA,O=Test");
    let ops_cert = issue(&admins_ca, "CN=ops,O=Test", Profile::TlsClient);
    let robot_cert = issue(&admins_ca, "CN=robot,O=Test", Profile::TlsClient);
    let stranger = issue(&admins_ca, "CN=stranger,O=Test", Profile::TlsClient);
    let expired_cert =
        issue_at(&admins_ca, "CN=old,O=Test", Profile::TlsClient, OffsetDateTime::now_utc() - Duration::days(3));
    let admins = [
        json!({"login": OPS.0, "password": OPS.1, "client-certificate": b64(&ops_cert.der), "access-level": "read-only"}),
        json!({"login": "robot", "client-certificate": b64(&robot_cert.der), "access-level": "read-write"}),
        json!({"login": "old", "client-certificate": b64(&expired_cert.der), "access-level": "read-write"}),
    ];
    for a in admins {
        post(&http, format!("{data}sztp-server:administrators"), json!({"sztp-server:administrator": [a]})).await;
    }

    let mut listening = None;
    for _ in 0..250 {
        let resp = http
            .get(format!("{data}{t}/endpoints/endpoint=nbi-tls"))
            .basic_auth(ROOT.0, Some(ROOT.1))
            .send()
            .await
            .unwrap();
        let v: Value = resp.json().await.unwrap();
        if let Some(a) = v["sztp-server:endpoint"][0]["listening"].as_str() {
            listening = Some(a.to_owned());
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let base = format!("https://{}/restconf/data/", listening.expect("the HTTPS endpoint listens"));
    let anchor = server_ca.certificate_der();

    // Two factors: the password alone, or with another certificate, is not enough.
    assert_eq!(get(&base, anchor, None, Some(OPS)).await.0, 401);
    assert_eq!(get(&base, anchor, Some(&stranger), Some(OPS)).await.0, 401);
    assert_eq!(get(&base, anchor, Some(&ops_cert), None).await.0, 401, "the certificate alone is not enough");
    let (status, body) = get(&base, anchor, Some(&ops_cert), Some(OPS)).await;
    assert_eq!(status, 200, "{body}");
    // …and the plain-HTTP endpoint, which cannot carry a certificate, is no way around it.
    let plain = http.get(format!("{data}sztp-server:administrators")).basic_auth(OPS.0, Some(OPS.1)).send();
    assert_eq!(plain.await.unwrap().status(), 401);

    // One factor by design: the certificate of an administrator without a password.
    let (status, body) = get(&base, anchor, Some(&robot_cert), None).await;
    assert_eq!(status, 200, "{body}");
    let robot = reqwest::Client::builder()
        .no_proxy()
        .tls_certs_only([reqwest::Certificate::from_der(anchor).unwrap()])
        .identity(robot_cert.identity(&[]))
        .build()
        .unwrap();
    let admins = robot.get(format!("{base}sztp-server:administrators")).send().await.unwrap();
    assert_eq!(admins.status(), 403, "robot is read-write, not unrestricted");
    assert_eq!(get(&base, anchor, Some(&stranger), None).await.0, 401);
    assert_eq!(get(&base, anchor, Some(&expired_cert), None).await.0, 401, "expired certificates are refused");
    server.stop().await;
}
