//! Log pagination through the northbound API: limit, offset, direction, serial and time
//! filters on the bootstrapping log; the audit log names who did what.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use serde_json::{Value, json};
use support::{Demo, GBD, JSON, PROGRESS, post};

const ROOT: (&str, &str) = ("root", "correct horse battery staple");
const LOGS: &str = "sztp-server:tenants/tenant=default";

async fn get(client: &reqwest::Client, url: String) -> (u16, Value) {
    let resp = client.get(url).basic_auth(ROOT.0, Some(ROOT.1)).send().await.unwrap();
    let status = resp.status().as_u16();
    (status, serde_json::from_str(&resp.text().await.unwrap()).unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logs_page_filter_and_sort() {
    let demo = Demo::start(2).await;
    let nbi = format!("http://{}/restconf/data/", demo.nbi);
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let admin =
        json!({"sztp-server:administrator": [{"login": ROOT.0, "password": ROOT.1, "access-level": "unrestricted"}]});
    let resp = http.post(format!("{nbi}sztp-server:administrators")).body(admin.to_string()).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 201);

    // Five southbound records: SN-0001 asks and reports twice, SN-0002 asks once.
    let one = demo.client(Some("SN-0001"));
    let two = demo.client(Some("SN-0002"));
    assert_eq!(post(&one, &demo.url(GBD), None, None, None, "").await.0, 200);
    for p in ["bootstrap-initiated", "bootstrap-complete"] {
        let body = format!(r#"{{"ietf-sztp-bootstrap-server:input":{{"progress-type":"{p}"}}}}"#);
        assert_eq!(post(&one, &demo.url(PROGRESS), None, Some(JSON), None, body).await.0, 204);
    }
    assert_eq!(post(&two, &demo.url(GBD), None, None, None, "").await.0, 200);
    assert_eq!(post(&one, &demo.url(GBD), None, None, None, "").await.0, 200);

    let log = |q: &str| format!("{nbi}{LOGS}/bootstrapping-log?{q}");
    let entries = |v: &Value| v["sztp-server:bootstrapping-log"]["entry"].as_array().cloned().unwrap_or_default();
    let (status, all) = get(&http, log("")).await;
    assert_eq!(status, 200);
    let all = entries(&all);
    assert_eq!(all.len(), 5);
    let ids: Vec<u64> = all.iter().map(|e| e["id"].as_str().unwrap().parse().unwrap()).collect();
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "newest first by default: {ids:?}");

    let (_, page) = get(&http, log("limit=2&offset=1&direction=ascending")).await;
    let page = entries(&page);
    assert_eq!(page.len(), 2);
    assert_eq!(page[0]["progress-type"], "bootstrap-initiated");
    assert_eq!(page[1]["progress-type"], "bootstrap-complete");

    let (_, only_two) = get(&http, log("serial=SN-0002")).await;
    assert_eq!(entries(&only_two).len(), 1);
    let (_, future) = get(&http, log("since=2999-01-01T00:00:00Z")).await;
    assert!(entries(&future).is_empty());
    assert_eq!(get(&http, log("direction=sideways")).await.0, 400);
    assert_eq!(get(&http, log("limit=many")).await.0, 400);

    let (status, audit) = get(&http, format!("{nbi}{LOGS}/audit-log?limit=1000")).await;
    assert_eq!(status, 200);
    let audit = audit["sztp-server:audit-log"]["entry"].as_array().cloned().unwrap();
    assert!(audit.iter().any(|e| e["principal"] == "root" && e["method"] == "GET"));
    assert!(audit.iter().any(|e| e["principal"] == "SN-0002" && e["status"] == 200));
    demo.stop().await;
}
