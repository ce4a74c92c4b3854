//! The northbound API so far, through HTTP only: first-use rule, administrators, Basic login
//! with lockout, access levels, device CRUD with validation, and a device created through the
//! API bootstrapping on the southbound endpoint.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use serde_json::{Value, json};
use support::{Demo, GBD, post};

struct Nbi {
    base: String,
    client: reqwest::Client,
}

impl Nbi {
    fn new(demo: &Demo) -> Self {
        Nbi {
            base: format!("http://{}/restconf/data/", demo.nbi),
            client: reqwest::Client::builder().no_proxy().build().unwrap(),
        }
    }

    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        auth: Option<(&str, &str)>,
        body: Option<Value>,
    ) -> (u16, Value, Option<String>) {
        let mut req = self.client.request(method, format!("{}{path}", self.base));
        if let Some((u, p)) = auth {
            req = req.basic_auth(u, Some(p));
        }
        if let Some(b) = body {
            req = req.header("content-type", "application/yang-data+json").body(b.to_string());
        }
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        let location = resp.headers().get("location").map(|v| v.to_str().unwrap().to_owned());
        let text = resp.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null), location)
    }
}

fn message(v: &Value) -> String {
    v["ietf-restconf:errors"]["error"][0]["error-message"].as_str().unwrap_or_default().to_owned()
}

const ROOT: (&str, &str) = ("root", "correct horse battery staple");
const VIEWER: (&str, &str) = ("viewer", "just looking around");
const DEVICES: &str = "sztp-server:tenants/tenant=default/devices";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_use_then_administrators_access_levels_and_lockout() {
    let demo = Demo::start(1).await;
    let nbi = Nbi::new(&demo);
    use reqwest::Method as M;
    // Fresh database: reads need no credentials, but the first write must create an
    // unrestricted administrator.
    let (status, body, _) = nbi.call(M::GET, "sztp-server:administrators", None, None).await;
    assert_eq!((status, body), (200, json!({"sztp-server:administrators": {"administrator": []}})));
    let device = json!({"sztp-server:device": [{"serial": "SN-0100", "device-type": "demo-device"}]});
    let (status, body, _) = nbi.call(M::POST, DEVICES, None, Some(device.clone())).await;
    assert_eq!(status, 400);
    assert!(message(&body).contains("first write must create an administrator"));
    let weak = json!({"sztp-server:administrator": [{"login": "x", "password": "long enough password", "access-level": "read-only"}]});
    assert_eq!(nbi.call(M::POST, "sztp-server:administrators", None, Some(weak)).await.0, 400);
    let root = json!({"sztp-server:administrator": [{"login": ROOT.0, "email": "root@example.net", "password": ROOT.1, "access-level": "unrestricted"}]});
    let (status, _, location) = nbi.call(M::POST, "sztp-server:administrators", None, Some(root)).await;
    assert_eq!(status, 201);
    assert_eq!(location.as_deref(), Some("/restconf/data/sztp-server:administrators/administrator=root"));

    // From now on credentials are needed, and passwords are never returned.
    assert_eq!(nbi.call(M::GET, "sztp-server:administrators", None, None).await.0, 401);
    let (status, body, _) = nbi.call(M::GET, "sztp-server:administrators/administrator=root", Some(ROOT), None).await;
    assert_eq!(status, 200);
    assert_eq!(body["sztp-server:administrator"][0]["access-level"], "unrestricted");
    assert!(!body.to_string().contains("password\":") && !body.to_string().contains(ROOT.1));

    let short = json!({"sztp-server:administrator": [{"login": VIEWER.0, "password": "short"}]});
    let (status, body, _) = nbi.call(M::POST, "sztp-server:administrators", Some(ROOT), Some(short)).await;
    assert_eq!(status, 400);
    assert!(message(&body).contains("at least 12"));
    let viewer =
        json!({"sztp-server:administrator": [{"login": VIEWER.0, "password": VIEWER.1, "access-level": "read-only"}]});
    assert_eq!(nbi.call(M::POST, "sztp-server:administrators", Some(ROOT), Some(viewer)).await.0, 201);

    // Read-only can read devices (with status) but not write, nor manage administrators.
    let (status, body, _) = nbi.call(M::GET, DEVICES, Some(VIEWER), None).await;
    assert_eq!(status, 200);
    assert_eq!(body["sztp-server:devices"]["device"][0]["serial"], "SN-0001");
    assert_eq!(nbi.call(M::POST, DEVICES, Some(VIEWER), Some(device)).await.0, 403);
    assert_eq!(nbi.call(M::GET, "sztp-server:administrators", Some(VIEWER), None).await.0, 403);

    // The last unrestricted administrator cannot be removed.
    let (status, body, _) =
        nbi.call(M::DELETE, "sztp-server:administrators/administrator=root", Some(ROOT), None).await;
    assert_eq!(status, 409, "{body}");

    // Preferences: a stricter policy applies to the next password; nonsense is refused.
    let (status, body, _) = nbi.call(M::GET, "sztp-server:preferences", Some(ROOT), None).await;
    assert_eq!((status, &body["sztp-server:preferences"]["password"]["min-length"]), (200, &json!(12)));
    let strict = json!({"sztp-server:preferences": {"password": {"min-length": 30}, "lockout": {"threshold": 5, "duration": 600}}});
    assert_eq!(nbi.call(M::PUT, "sztp-server:preferences", Some(ROOT), Some(strict)).await.0, 204);
    let third = json!({"sztp-server:administrator": [{"login": "third", "password": "twenty characters ok"}]});
    let (status, body, _) = nbi.call(M::POST, "sztp-server:administrators", Some(ROOT), Some(third)).await;
    assert_eq!(status, 400);
    assert!(message(&body).contains("at least 30"));
    let silly = json!({"sztp-server:preferences": {"password": {"min-length": 2}}});
    assert_eq!(nbi.call(M::PUT, "sztp-server:preferences", Some(ROOT), Some(silly)).await.0, 400);
    assert_eq!(nbi.call(M::GET, "sztp-server:preferences", Some(VIEWER), None).await.0, 403);

    // Lockout after repeated failures (threshold 5): then even the right password is refused,
    // with exactly the answer of a wrong password (a guesser learns nothing).
    let mut wrong = Vec::new();
    for _ in 0..5 {
        let (status, body, _) = nbi.call(M::GET, DEVICES, Some((VIEWER.0, "wrong password!")), None).await;
        wrong.push((status, body));
    }
    assert!(wrong.iter().all(|w| w == &wrong[0]) && wrong[0].0 == 401, "{wrong:?}");
    let (status, body, _) = nbi.call(M::GET, DEVICES, Some(VIEWER), None).await;
    assert_eq!((status, body), wrong[0], "locked: the answer of a wrong password");
    let (status, body, _) = nbi.call(M::GET, DEVICES, Some(("nobody", "wrong password!")), None).await;
    assert_eq!((status, body), wrong[0], "an unknown login: the same answer");
    demo.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn devices_created_through_the_api_bootstrap_and_bad_input_changes_nothing() {
    let demo = Demo::start(1).await;
    let nbi = Nbi::new(&demo);
    use reqwest::Method as M;
    let root =
        json!({"sztp-server:administrator": [{"login": ROOT.0, "password": ROOT.1, "access-level": "unrestricted"}]});
    assert_eq!(nbi.call(M::POST, "sztp-server:administrators", None, Some(root)).await.0, 201);

    // Validation failures leave the datastore unchanged.
    let bad = [
        json!({"sztp-server:device": [{"serial": "SN-0100", "device-type": "demo-device", "colour": "red"}]}),
        json!({"sztp-server:device": [{"serial": "SN-0100", "device-type": "no-such-type"}]}),
        json!({"sztp-server:device": [{"serial": "SN-0100", "device-type": "demo-device",
            "match-rule": [{"name": "r", "response": "demo-onboarding", "condition": [{"id": 1, "field": "hw-model", "op": "regex", "value": "("}]}]}]}),
        json!({"sztp-server:device": [{"device-type": "demo-device"}]}),
    ];
    for body in bad {
        let (status, reply, _) = nbi.call(M::POST, DEVICES, Some(ROOT), Some(body.clone())).await;
        assert_eq!(status, 400, "{body} -> {reply}");
        assert!(reply["ietf-restconf:errors"]["error"][0]["error-tag"].is_string());
    }
    assert_eq!(nbi.call(M::GET, &format!("{DEVICES}/device=SN-0100"), Some(ROOT), None).await.0, 404);

    let device = json!({"sztp-server:device": [{"serial": "SN-0100", "device-type": "demo-device", "activation-code": "a fresh activation code",
        "overrides": {"signing": "signed"}}]});
    let (status, _, location) = nbi.call(M::POST, DEVICES, Some(ROOT), Some(device.clone())).await;
    assert_eq!(status, 201);
    assert_eq!(location.as_deref(), Some("/restconf/data/sztp-server:tenants/tenant=default/devices/device=SN-0100"));
    assert_eq!(nbi.call(M::POST, DEVICES, Some(ROOT), Some(device.clone())).await.0, 409);
    assert_eq!(nbi.call(M::PUT, &format!("{DEVICES}/device=SN-0100"), Some(ROOT), Some(device)).await.0, 204);

    // The new device bootstraps with HTTP Basic (it has no IDevID), and the voucher it lacks
    // means signed data cannot be produced: a clear 500 for the operator, not unsigned data.
    let client = demo.client(None);
    let (status, _, _) =
        post(&client, &demo.url(GBD), Some(("SN-0100", "a fresh activation code")), None, None, Vec::new()).await;
    assert_eq!(status, 500);
    let (status, body, _) = nbi.call(M::GET, &format!("{DEVICES}/device=SN-0100"), Some(ROOT), None).await;
    assert_eq!(status, 200);
    let entry = &body["sztp-server:device"][0];
    assert_eq!(entry["status"]["attempts"], "1");
    assert!(entry["status"]["last-error"].as_str().unwrap().contains("owner certificate or voucher"));
    assert!(entry.get("activation-code").is_none());

    // PATCH merges: disabling the device keeps everything else, and it can no longer bootstrap.
    let patch = json!({"sztp-server:device": [{"enabled": false}]});
    assert_eq!(nbi.call(M::PATCH, &format!("{DEVICES}/device=SN-0100"), Some(ROOT), Some(patch)).await.0, 204);
    let (_, body, _) = nbi.call(M::GET, &format!("{DEVICES}/device=SN-0100"), Some(ROOT), None).await;
    assert_eq!(body["sztp-server:device"][0]["enabled"], false);
    assert_eq!(body["sztp-server:device"][0]["overrides"]["signing"], "signed");
    let (status, _, _) =
        post(&client, &demo.url(GBD), Some(("SN-0100", "a fresh activation code")), None, None, Vec::new()).await;
    assert_eq!(status, 401);
    let rename = json!({"sztp-server:device": [{"serial": "SN-0200"}]});
    assert_eq!(nbi.call(M::PATCH, &format!("{DEVICES}/device=SN-0100"), Some(ROOT), Some(rename)).await.0, 400);
    // A device type patched through the generic lists.
    let level = json!({"sztp-server:device-type": [{"reporting-level": "minimal"}]});
    let dt = "sztp-server:tenants/tenant=default/device-types/device-type=demo-device";
    assert_eq!(nbi.call(M::PATCH, dt, Some(ROOT), Some(level)).await.0, 204);
    let (_, body, _) = nbi.call(M::GET, dt, Some(ROOT), None).await;
    assert_eq!(body["sztp-server:device-type"][0]["reporting-level"], "minimal");
    assert_eq!(body["sztp-server:device-type"][0]["profile"], "rfc8572");

    assert_eq!(nbi.call(M::DELETE, &format!("{DEVICES}/device=SN-0100"), Some(ROOT), None).await.0, 204);
    assert_eq!(nbi.call(M::DELETE, &format!("{DEVICES}/device=SN-0100"), Some(ROOT), None).await.0, 404);
    demo.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_password_only_lets_its_owner_set_a_new_one() {
    let demo = Demo::start(1).await;
    let (http, nbi) = support::nbi_as_root(&demo).await;
    let prefs = json!({"sztp-server:preferences": {"password": {"max-age": 1}}});
    assert_eq!(
        support::nbi_call(&http, reqwest::Method::PUT, format!("{nbi}sztp-server:preferences"), Some(prefs)).await.0,
        204
    );
    let zero = json!({"sztp-server:preferences": {"password": {"max-age": 0}}});
    assert_eq!(
        support::nbi_call(&http, reqwest::Method::PUT, format!("{nbi}sztp-server:preferences"), Some(zero)).await.0,
        400
    );
    // Age the password by two days (the only step that is not done through the API).
    let mut root = demo.store.get_administrator(support::ROOT.0).await.unwrap().unwrap();
    root.password_changed_at = Some(time::OffsetDateTime::now_utc() - time::Duration::days(2));
    demo.store.put_administrator_guarded(&root).await.unwrap();

    let devices = format!("{nbi}sztp-server:tenants/tenant=default/devices");
    let (status, body) = support::nbi_call(&http, reqwest::Method::GET, devices.clone(), None).await;
    assert_eq!(status, 401);
    assert!(message(&body).contains("password expired"), "{body}");
    let own = format!("{nbi}sztp-server:administrators/administrator=root");
    let new = "a brand new root password";
    let renewed =
        json!({"sztp-server:administrator": [{"login": "root", "password": new, "access-level": "unrestricted"}]});
    assert_eq!(support::nbi_call(&http, reqwest::Method::PUT, own, Some(renewed)).await.0, 204);
    let ok = http.get(devices).basic_auth("root", Some(new)).send().await.unwrap();
    assert_eq!(ok.status().as_u16(), 200);
    demo.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tenants_are_created_through_the_api_and_scope_administrators() {
    use reqwest::Method as M;
    let demo = Demo::start(1).await;
    let (http, nbi) = support::nbi_as_root(&demo).await;
    let tenants = format!("{nbi}sztp-server:tenants");
    let acme = json!({"sztp-server:tenant": [{"name": "acme"}]});
    assert_eq!(support::nbi_call(&http, M::POST, tenants.clone(), Some(acme.clone())).await.0, 201);
    assert_eq!(support::nbi_call(&http, M::POST, tenants.clone(), Some(acme)).await.0, 409);
    let bad = json!({"sztp-server:tenant": [{"name": "/acme"}]});
    assert_eq!(support::nbi_call(&http, M::POST, tenants.clone(), Some(bad)).await.0, 400);
    let (_, all) = support::nbi_call(&http, M::GET, tenants.clone(), None).await;
    let names: Vec<&str> =
        all["sztp-server:tenants"]["tenant"].as_array().unwrap().iter().filter_map(|t| t["name"].as_str()).collect();
    assert_eq!(names, ["default", "acme"]);

    // An administrator scoped to acme sees acme only, and cannot create tenants.
    let scoped = json!({"sztp-server:administrator": [{"login": "acme-ops", "password": "acme operator password",
        "access-level": "read-write", "tenant": ["acme"]}]});
    assert_eq!(
        support::nbi_call(&http, M::POST, format!("{nbi}sztp-server:administrators"), Some(scoped)).await.0,
        201
    );
    let as_acme = |m: M, url: String| http.request(m, url).basic_auth("acme-ops", Some("acme operator password"));
    let seen: serde_json::Value = as_acme(M::GET, tenants.clone()).send().await.unwrap().json().await.unwrap();
    assert_eq!(seen["sztp-server:tenants"]["tenant"].as_array().unwrap().len(), 1);
    assert_eq!(seen["sztp-server:tenants"]["tenant"][0]["name"], "acme");
    let other = json!({"sztp-server:tenant": [{"name": "other"}]});
    let refused = as_acme(M::POST, tenants.clone()).body(other.to_string()).send().await.unwrap();
    assert_eq!(refused.status(), 403);
    let default = as_acme(M::GET, format!("{nbi}sztp-server:tenants/tenant=default/devices")).send().await.unwrap();
    assert_eq!(default.status(), 404, "another tenant does not exist for this administrator");
    demo.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_device_list_holds_every_device_beyond_one_store_page() {
    let demo = Demo::start(1).await;
    let (http, nbi) = support::nbi_as_root(&demo).await;
    let tenant = sztp_store::TenantId::DEFAULT;
    let count = usize::try_from(sztp_store::MAX_PAGE_SIZE).unwrap() + 1;
    let template = demo.store.get_device(tenant, "SN-0001").await.unwrap().unwrap();
    let bulk: Vec<sztp_store::Device> =
        (0..count).map(|i| sztp_store::Device { serial: format!("X-{i:05}"), ..template.clone() }).collect();
    let started = std::time::Instant::now();
    assert!(demo.store.put_devices_bulk(tenant, &bulk).await.unwrap().iter().all(Result::is_ok));
    println!("{count} devices imported in {:?}", started.elapsed());

    let devices = format!("{nbi}sztp-server:tenants/tenant=default/devices");
    let serials = |body: &Value| -> Vec<String> {
        let list = body["sztp-server:devices"]["device"].as_array().cloned().unwrap_or_default();
        list.iter().map(|d| d["serial"].as_str().unwrap().to_owned()).collect()
    };
    let (status, all) = support::nbi_call(&http, reqwest::Method::GET, devices.clone(), None).await;
    assert_eq!(status, 200);
    let all = serials(&all);
    assert_eq!(all.len(), count + 1, "every device, not one page");
    assert_eq!((all[0].as_str(), all[count].as_str()), ("SN-0001", "X-10000"));

    // RESTCONF list pagination: a window, combined with the read options.
    let (status, window) = support::nbi_call(
        &http,
        reqwest::Method::GET,
        format!("{devices}?offset=10000&limit=5&fields=device(serial)"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{window}");
    assert_eq!(serials(&window), ["X-09999", "X-10000"]);
    assert_eq!(window["sztp-server:devices"]["device"][0], json!({"serial": "X-09999"}));
    let (status, _) = support::nbi_call(&http, reqwest::Method::GET, format!("{devices}?limit=many"), None).await;
    assert_eq!(status, 400);
    let (status, _) =
        support::nbi_call(&http, reqwest::Method::GET, format!("{devices}/device=SN-0001?limit=1"), None).await;
    assert_eq!(status, 400, "limit is for the list, not an entry");
    demo.stop().await;
}
