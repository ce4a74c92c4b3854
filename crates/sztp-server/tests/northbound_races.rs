//! Writes racing for the same entry, as two operators (or a retrying script) send them: of two
//! POSTs of one key exactly one creates it (201) and the other is told it exists (409).
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/fresh.rs"]
mod fresh;

use fresh::Fresh;
use serde_json::json;

const ROOT: (&str, &str) = ("root", "correct horse battery staple");
const YANG_JSON: &str = "application/yang-data+json";

async fn post(http: &reqwest::Client, url: String, body: String) -> u16 {
    let request = http.post(url).basic_auth(ROOT.0, Some(ROOT.1)).header("content-type", YANG_JSON).body(body);
    request.send().await.unwrap().status().as_u16()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn of_two_concurrent_posts_of_one_key_exactly_one_creates_it() {
    let server = Fresh::start().await;
    let http = reqwest::Client::new();
    let admin =
        json!({"sztp-server:administrator": [{"login": ROOT.0, "password": ROOT.1, "access-level": "unrestricted"}]});
    let created = http.post(format!("{}sztp-server:administrators", server.data())).header("content-type", YANG_JSON);
    assert_eq!(created.body(admin.to_string()).send().await.unwrap().status(), 201);
    let tenant = format!("{}sztp-server:tenants/tenant=default", server.data());

    for round in 0..20 {
        let name = format!("type-{round}");
        let body = json!({"sztp-server:device-type": [{"name": name}]}).to_string();
        let url = format!("{tenant}/device-types");
        let (a, b) = tokio::join!(post(&http, url.clone(), body.clone()), post(&http, url, body));
        let mut statuses = [a, b];
        statuses.sort_unstable();
        assert_eq!(statuses, [201, 409], "round {round}: device type {name}");

        let serial = format!("SN-{round}");
        let body = json!({"sztp-server:device": [{"serial": serial, "device-type": name}]}).to_string();
        let url = format!("{tenant}/devices");
        let (a, b) = tokio::join!(post(&http, url.clone(), body.clone()), post(&http, url, body));
        let mut statuses = [a, b];
        statuses.sort_unstable();
        assert_eq!(statuses, [201, 409], "round {round}: device {serial}");
    }
    let list = http.get(format!("{tenant}/devices")).basic_auth(ROOT.0, Some(ROOT.1)).send().await.unwrap();
    let list: serde_json::Value = list.json().await.unwrap();
    assert_eq!(list["sztp-server:devices"]["device"].as_array().map(Vec::len), Some(20));
    server.stop().await;
}

/// The one resource model gives every list PATCH (RFC 8040 §4.6.1): administrators too, whose
/// password (write-only, never read back) the merge keeps.
#[tokio::test]
async fn an_administrator_is_merged_and_keeps_the_password() {
    let server = Fresh::start().await;
    let http = reqwest::Client::new();
    let admin =
        json!({"sztp-server:administrator": [{"login": ROOT.0, "password": ROOT.1, "access-level": "unrestricted"}]});
    let url = format!("{}sztp-server:administrators", server.data());
    assert_eq!(post(&http, url.clone(), admin.to_string()).await, 201);
    let patch = json!({"sztp-server:administrator": [{"login": ROOT.0, "email": "root@example.net"}]});
    let patched = http
        .patch(format!("{url}/administrator={}", ROOT.0))
        .basic_auth(ROOT.0, Some(ROOT.1))
        .header("content-type", YANG_JSON)
        .body(patch.to_string());
    assert_eq!(patched.send().await.unwrap().status(), 204);
    let read = http.get(format!("{url}/administrator={}", ROOT.0)).basic_auth(ROOT.0, Some(ROOT.1));
    let read: serde_json::Value = read.send().await.unwrap().json().await.unwrap();
    let entry = &read["sztp-server:administrator"][0];
    assert_eq!(
        (entry["email"].as_str(), entry["access-level"].as_str()),
        (Some("root@example.net"), Some("unrestricted"))
    );
    server.stop().await;
}
