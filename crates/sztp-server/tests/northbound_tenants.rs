//! Deleting a tenant through the northbound API: everything it owns goes, its endpoints stop
//! listening, the other tenants are untouched, the refusals change nothing, and the audit log
//! keeps the record of the deletion.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Duration;

use reqwest::Method as M;
use serde_json::{Value, json};
use support::{Demo, GBD, ROOT, nbi_call, post};

const TENANTS: &str = "sztp-server:tenants";
const ACME: &str = "sztp-server:tenants/tenant=acme";
const DEFAULT: &str = "sztp-server:tenants/tenant=default";

/// A northbound request as `login`; returns the status and the JSON body (`Null` if none).
async fn call_as(http: &reqwest::Client, login: (&str, &str), method: M, url: String) -> (u16, Value) {
    let resp = http.request(method, url).basic_auth(login.0, Some(login.1)).send().await.unwrap();
    let status = resp.status().as_u16();
    (status, serde_json::from_str(&resp.text().await.unwrap()).unwrap_or(Value::Null))
}

fn message(body: &Value) -> String {
    body["ietf-restconf:errors"]["error"][0]["error-message"].as_str().unwrap_or_default().to_owned()
}

/// Reads `url` until `done` holds for the JSON body; the rebind runs in the server's main loop.
async fn wait_for(http: &reqwest::Client, url: &str, done: impl Fn(&Value) -> bool) -> Value {
    for _ in 0..250 {
        let (_, body) = nbi_call(http, M::GET, url.to_owned(), None).await;
        if done(&body) {
            return body;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("{url} never reached the expected state");
}

/// Creates tenant acme with one of each resource through the API, and an endpoint serving both
/// APIs; returns the endpoint's address.
async fn populate_acme(http: &reqwest::Client, nbi: &str) -> String {
    let created =
        nbi_call(http, M::POST, format!("{nbi}{TENANTS}"), Some(json!({"sztp-server:tenant": [{"name": "acme"}]})));
    assert_eq!(created.await.0, 201);
    let (_, bags) = nbi_call(http, M::GET, format!("{nbi}{DEFAULT}/truststore"), None).await;
    let anchor = bags["sztp-server:truststore"]["certificate-bag"][0]["certificate"][0].clone();
    assert!(anchor.is_string(), "{bags}");
    let key = json!({"sztp-server:input": {"name": "acme-key", "algorithm": "ecdsa-p256"}});
    assert_eq!(nbi_call(http, M::POST, format!("{nbi}{ACME}/keystore/generate"), Some(key)).await.0, 200);
    let writes = [
        ("truststore", json!({"sztp-server:certificate-bag": [{"name": "acme-anchors", "certificate": [anchor]}]})),
        (
            "responses",
            json!({"sztp-server:response": [{"name": "acme-config",
                "onboarding": {"configuration-handling": "replace", "configuration": "hostname acme\n"}}]}),
        ),
        (
            "device-types",
            json!({"sztp-server:device-type": [{"name": "acme-switch", "trust-bag": "acme-anchors",
                "serial-rule": {"source": "common-name"}, "signing": "unsigned",
                "match-rule": [{"name": "all", "response": "acme-config"}]}]}),
        ),
        ("devices", json!({"sztp-server:device": [{"serial": "SN-A1", "device-type": "acme-switch"}]})),
        ("artifacts", json!({"sztp-server:artifact": [{"name": "acme.img"}]})),
        (
            "endpoints",
            json!({"sztp-server:endpoint": [{"name": "acme-ep", "address": "127.0.0.1", "port": 0,
                "apis": ["native", "rfc8572"]}]}),
        ),
    ];
    for (list, body) in writes {
        let (status, reply) = nbi_call(http, M::POST, format!("{nbi}{ACME}/{list}"), Some(body)).await;
        assert_eq!(status, 201, "{list}: {reply}");
    }
    let ep = format!("{nbi}{ACME}/endpoints/endpoint=acme-ep");
    let entry = wait_for(http, &ep, |b| b["sztp-server:endpoint"][0]["listening"].is_string()).await;
    entry["sztp-server:endpoint"][0]["listening"].as_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deleted_tenant_takes_everything_it_owns_and_the_refusals_change_nothing() {
    let demo = Demo::start(1).await;
    let (http, nbi) = support::nbi_as_root(&demo).await;
    let acme_addr = populate_acme(&http, &nbi).await;
    // An authenticated request on acme's own endpoint: acme's audit log has it.
    let own = format!("http://{acme_addr}/restconf/data/{ACME}/devices");
    assert_eq!(nbi_call(&http, M::GET, own, None).await.0, 200);
    let (_, audit) = nbi_call(&http, M::GET, format!("{nbi}{ACME}/audit-log"), None).await;
    assert!(!audit["sztp-server:audit-log"]["entry"].as_array().unwrap().is_empty(), "{audit}");

    // Refusals: an administrator scoped to acme, a read-only one, the default tenant, the list.
    let scoped = ("acme-ops", "acme operator password");
    let viewer = ("viewer", "read only viewer password");
    for (login, level, tenants) in [(scoped, "read-write", json!(["acme"])), (viewer, "read-only", json!([]))] {
        let admin = json!({"sztp-server:administrator": [{"login": login.0, "password": login.1,
            "access-level": level, "tenant": tenants}]});
        let url = format!("{nbi}sztp-server:administrators");
        assert_eq!(nbi_call(&http, M::POST, url, Some(admin)).await.0, 201);
    }
    let (_, before) = nbi_call(&http, M::GET, format!("{nbi}{TENANTS}"), None).await;
    let (status, body) = nbi_call(&http, M::DELETE, format!("{nbi}{ACME}"), None).await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["ietf-restconf:errors"]["error"][0]["error-tag"], "in-use");
    assert!(message(&body).contains("acme-ops"), "{body}");
    assert_eq!(call_as(&http, scoped, M::DELETE, format!("{nbi}{ACME}")).await.0, 403);
    assert_eq!(call_as(&http, scoped, M::DELETE, format!("{nbi}{DEFAULT}")).await.0, 404, "out of its scope");
    assert_eq!(call_as(&http, viewer, M::DELETE, format!("{nbi}{ACME}")).await.0, 403);
    let (status, body) = nbi_call(&http, M::DELETE, format!("{nbi}{DEFAULT}"), None).await;
    assert_eq!(status, 409, "{body}");
    assert!(message(&body).contains("default tenant"), "{body}");
    assert_eq!(nbi_call(&http, M::DELETE, format!("{nbi}{TENANTS}"), None).await.0, 405);
    assert_eq!(nbi_call(&http, M::DELETE, format!("{nbi}{TENANTS}/tenant=nobody"), None).await.0, 404);
    let (_, after) = nbi_call(&http, M::GET, format!("{nbi}{TENANTS}"), None).await;
    assert_eq!(before, after, "a refused delete changed something");

    // Once nobody is scoped to it, root deletes it through acme's own endpoint.
    let ops = format!("{nbi}sztp-server:administrators/administrator=acme-ops");
    assert_eq!(nbi_call(&http, M::DELETE, ops, None).await.0, 204);
    let (_, default_before) = nbi_call(&http, M::GET, format!("{nbi}{DEFAULT}"), None).await;
    let own = format!("http://{acme_addr}/restconf/data/{ACME}");
    let (status, body) = call_as(&http, ROOT, M::DELETE, own).await;
    assert_eq!(status, 204, "{body}");

    for gone in [ACME.to_owned(), format!("{ACME}/devices"), format!("{ACME}/audit-log")] {
        assert_eq!(nbi_call(&http, M::GET, format!("{nbi}{gone}"), None).await.0, 404, "{gone}");
    }
    let content = http.get(format!("http://{}/artifacts/acme/acme.img", demo.nbi)).basic_auth(ROOT.0, Some(ROOT.1));
    assert_eq!(content.send().await.unwrap().status().as_u16(), 404);
    let (_, default_after) = nbi_call(&http, M::GET, format!("{nbi}{DEFAULT}"), None).await;
    assert_eq!(default_before, default_after, "the default tenant changed");
    let (_, list) = nbi_call(&http, M::GET, format!("{nbi}{TENANTS}?depth=3"), None).await;
    let names: Vec<&str> =
        list["sztp-server:tenants"]["tenant"].as_array().unwrap().iter().filter_map(|t| t["name"].as_str()).collect();
    assert_eq!(names, ["default"]);

    // acme's listener stops; the default tenant's keep serving.
    let mut stopped = false;
    for _ in 0..250 {
        if tokio::net::TcpStream::connect(&acme_addr).await.is_err() {
            stopped = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(stopped, "the deleted tenant's endpoint still listens");
    assert_eq!(post(&demo.client(Some("SN-0001")), &demo.url(GBD), None, None, None, "").await.0, 200);

    // Its audit log went with it; the record of the deletion is in the default tenant's.
    let (_, audit) = nbi_call(&http, M::GET, format!("{nbi}{DEFAULT}/audit-log?limit=1000"), None).await;
    let entries = audit["sztp-server:audit-log"]["entry"].as_array().cloned().unwrap();
    let deletion = entries.iter().find(|e| {
        e["method"] == "DELETE" && e["status"] == 204 && e["path"].as_str().unwrap().ends_with("tenant=acme")
    });
    assert_eq!(deletion.map(|e| e["principal"].clone()), Some(json!("root")), "{audit}");

    // The name is free again, and the new tenant inherits nothing.
    let again = json!({"sztp-server:tenant": [{"name": "acme"}]});
    assert_eq!(nbi_call(&http, M::POST, format!("{nbi}{TENANTS}"), Some(again)).await.0, 201);
    let (_, fresh) = nbi_call(&http, M::GET, format!("{nbi}{ACME}"), None).await;
    let tenant = &fresh["sztp-server:tenant"][0];
    for container in ["keystore", "truststore", "device-types", "devices", "responses", "artifacts", "endpoints"] {
        let inner = tenant.get(container).and_then(Value::as_object);
        assert!(inner.is_none_or(|o| o.values().all(|v| v.as_array().is_none_or(Vec::is_empty))), "{fresh}");
    }
    // Its audit log holds only what was done to it since (the read above), none of the old
    // tenant's writes.
    let (_, audit) = nbi_call(&http, M::GET, format!("{nbi}{ACME}/audit-log"), None).await;
    let entries = audit["sztp-server:audit-log"]["entry"].as_array().cloned().unwrap_or_default();
    assert!(entries.iter().all(|e| e["method"] == "GET"), "{audit}");
    demo.stop().await;
}
