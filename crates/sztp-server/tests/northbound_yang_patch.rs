//! YANG Patch (RFC 8072) on the northbound API: edits across lists applied in order, and a
//! failing edit leaving every entry as it was before the patch.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use serde_json::{Value, json};
use support::{Demo, ROOT};

const T: &str = "sztp-server:tenants/tenant=default";

async fn patch(http: &reqwest::Client, url: String, edits: Value) -> (u16, Value) {
    let body = json!({"ietf-yang-patch:yang-patch": {"patch-id": "test-patch", "edit": edits}});
    let resp = http
        .patch(url)
        .basic_auth(ROOT.0, Some(ROOT.1))
        .header("content-type", "application/yang-patch+json")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    (resp.status().as_u16(), resp.json().await.unwrap_or(Value::Null))
}

async fn get(http: &reqwest::Client, url: String) -> (u16, Value) {
    support::nbi_call(http, reqwest::Method::GET, url, None).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn patches_apply_in_order_and_a_failing_edit_changes_nothing() {
    let demo = Demo::start(1).await;
    let (http, nbi) = support::nbi_as_root(&demo).await;
    let devices = format!("{nbi}{T}/devices");
    let device = |serial: &str| json!({"sztp-server:device": [{"serial": serial, "device-type": "demo-device"}]});

    // Create one device and merge into another, in one patch.
    let edits = json!([
        {"edit-id": "add", "operation": "create", "target": "/device=SN-A", "value": device("SN-A")},
        {"edit-id": "off", "operation": "merge", "target": "/device=SN-0001",
         "value": {"sztp-server:device": [{"serial": "SN-0001", "enabled": false}]}}
    ]);
    let (status, body) = patch(&http, devices.clone(), edits).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, json!({"ietf-yang-patch:yang-patch-status": {"patch-id": "test-patch", "ok": [null]}}));
    assert_eq!(get(&http, format!("{devices}/device=SN-A")).await.0, 200);
    let (_, sn1) = get(&http, format!("{devices}/device=SN-0001")).await;
    assert_eq!(sn1["sztp-server:device"][0]["enabled"], false, "{sn1}");
    assert_eq!(sn1["sztp-server:device"][0]["device-type"], "demo-device", "merge keeps the rest");

    // The second edit fails: the first is undone, and the status names the failing edit.
    let edits = json!([
        {"edit-id": "1", "operation": "create", "target": "/device=SN-B", "value": device("SN-B")},
        {"edit-id": "2", "operation": "create", "target": "/device=SN-A", "value": device("SN-A")}
    ]);
    let (status, body) = patch(&http, devices.clone(), edits).await;
    assert_eq!(status, 409, "{body}");
    let edit = &body["ietf-yang-patch:yang-patch-status"]["edit-status"]["edit"][0];
    assert_eq!(edit["edit-id"], "2");
    assert_eq!(edit["errors"]["error"][0]["error-tag"], "data-exists", "{body}");
    assert_eq!(get(&http, format!("{devices}/device=SN-B")).await.0, 404, "edit 1 was rolled back");

    // Across lists from the tenant: a deletion and a new device type are undone when a later
    // edit is invalid, and the deleted device comes back exactly as it was.
    let tenant = format!("{nbi}{T}");
    let (_, before) = get(&http, format!("{devices}/device=SN-A")).await;
    let edits = json!([
        {"edit-id": "rm", "operation": "delete", "target": "/devices/device=SN-A"},
        {"edit-id": "type", "operation": "create", "target": "/device-types/device-type=lab",
         "value": {"sztp-server:device-type": [{"name": "lab", "trust-bag": "manufacturer"}]}},
        {"edit-id": "bad", "operation": "replace", "target": "/devices/device=SN-C",
         "value": {"sztp-server:device": [{"serial": "SN-C", "device-type": "lab", "colour": "red"}]}}
    ]);
    let (status, body) = patch(&http, tenant.clone(), edits).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["ietf-yang-patch:yang-patch-status"]["edit-status"]["edit"][0]["edit-id"], "bad");
    assert_eq!(get(&http, format!("{devices}/device=SN-A")).await.1, before);
    assert_eq!(get(&http, format!("{tenant}/device-types/device-type=lab")).await.0, 404);
    assert_eq!(get(&http, format!("{devices}/device=SN-C")).await.0, 404);

    // remove of a missing entry is fine, delete is not; insert has no ordered list to act on.
    let edits = json!([{"edit-id": "x", "operation": "remove", "target": "/device=SN-none"}]);
    assert_eq!(patch(&http, devices.clone(), edits).await.0, 200);
    let edits = json!([{"edit-id": "x", "operation": "delete", "target": "/device=SN-none"}]);
    assert_eq!(patch(&http, devices.clone(), edits).await.0, 404);
    let edits = json!([{"edit-id": "x", "operation": "insert", "target": "/device=SN-A", "value": device("SN-A")}]);
    let (status, body) = patch(&http, devices.clone(), edits).await;
    assert_eq!(status, 400, "{body}");
    demo.stop().await;
}
