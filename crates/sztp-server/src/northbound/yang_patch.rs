//! YANG Patch (RFC 8072, JSON) on the tenant lists: edits applied in order through the same
//! handlers as single writes, all or nothing. Each entry's prior state is stored in an undo
//! journal before its edit (one database transaction would need every handler rewritten onto
//! it), put back when an edit fails, and by [`recover`] at start-up after a crash mid-patch.

use axum::body::Body;
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sztp_protocol::model::restconf_errors::ErrorTag;
use sztp_store::{JournalId, Store, StoreError, TenantId};
use tracing::{error as log_error, warn};

use super::auth::Caller;
use super::{MODULE, body_bytes, error, path, serve, store_error};
use crate::restconf::ErrorReply;
use crate::state::AppState;

/// The media type of a YANG Patch in JSON.
pub const MEDIA_TYPE: &str = "application/yang-patch+json";
const MAX_EDITS: usize = 10_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Operation {
    Create,
    Delete,
    Merge,
    Remove,
    Replace,
}

struct Edit {
    id: String,
    operation: Operation,
    target: String,
    value: Option<Value>,
}

/// An entry as it was before the patch touched it (`None`: it did not exist); the undo record
/// of the journal.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
enum Snapshot {
    Device(TenantId, String, Option<sztp_store::Device>),
    DeviceType(TenantId, String, Option<sztp_store::DeviceType>),
    Response(TenantId, String, Option<sztp_store::Response>),
    TrustBag(TenantId, String, Option<sztp_store::TrustBag>),
    OwnerCertificate(TenantId, String, Option<sztp_store::OwnerCertificate>),
    Voucher(TenantId, String, Option<sztp_store::StoredVoucher>),
    Endpoint(String, Option<sztp_store::Endpoint>),
    Artifact(TenantId, String, Option<sztp_store::Artifact>),
}

fn bad(message: impl Into<String>) -> ErrorReply {
    error(StatusCode::BAD_REQUEST, ErrorTag::InvalidValue, message)
}

fn parse(body: &[u8]) -> Result<(String, Vec<Edit>), ErrorReply> {
    let doc: Value = serde_json::from_slice(body).map_err(|e| {
        error(StatusCode::BAD_REQUEST, ErrorTag::MalformedMessage, format!("the body is not JSON: {e}"))
    })?;
    let patch = doc.get("ietf-yang-patch:yang-patch").ok_or_else(|| {
        error(StatusCode::BAD_REQUEST, ErrorTag::MalformedMessage, "the body must hold \"ietf-yang-patch:yang-patch\"")
    })?;
    let patch_id = patch
        .get("patch-id")
        .and_then(Value::as_str)
        .ok_or_else(|| error(StatusCode::BAD_REQUEST, ErrorTag::MissingElement, "patch-id is mandatory"))?;
    let edits = patch.get("edit").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    if edits.len() > MAX_EDITS {
        return Err(error(StatusCode::PAYLOAD_TOO_LARGE, ErrorTag::TooBig, format!("at most {MAX_EDITS} edits")));
    }
    let mut parsed: Vec<Edit> = Vec::with_capacity(edits.len());
    for e in edits {
        let id = e.get("edit-id").and_then(Value::as_str).ok_or_else(|| bad("every edit needs an edit-id"))?;
        if parsed.iter().any(|p| p.id == id) {
            return Err(bad(format!("edit-id \"{id}\" is used twice")));
        }
        let operation = match e.get("operation").and_then(Value::as_str) {
            Some("create") => Operation::Create,
            Some("delete") => Operation::Delete,
            Some("merge") => Operation::Merge,
            Some("remove") => Operation::Remove,
            Some("replace") => Operation::Replace,
            Some(op @ ("insert" | "move")) => {
                return Err(error(
                    StatusCode::BAD_REQUEST,
                    ErrorTag::OperationNotSupported,
                    format!("edit \"{id}\": {op} needs a user-ordered list; this module has none at entry level"),
                ));
            }
            other => return Err(bad(format!("edit \"{id}\": operation {other:?} is not an RFC 8072 operation"))),
        };
        let target = e
            .get("target")
            .and_then(Value::as_str)
            .ok_or_else(|| bad(format!("edit \"{id}\": target is mandatory")))?;
        let value = e.get("value").cloned();
        let needs_value = matches!(operation, Operation::Create | Operation::Merge | Operation::Replace);
        if needs_value != value.is_some() {
            let what = if needs_value { "needs a value" } else { "takes no value" };
            return Err(bad(format!("edit \"{id}\": {operation:?} {what}")));
        }
        parsed.push(Edit { id: id.to_owned(), operation, target: target.to_owned(), value });
    }
    if parsed.is_empty() {
        return Err(error(StatusCode::BAD_REQUEST, ErrorTag::MissingElement, "a patch needs at least one edit"));
    }
    Ok((patch_id.to_owned(), parsed))
}

/// Applies a YANG Patch sent to the resource `raw`.
pub(super) async fn run(app: &AppState, caller: &Caller, raw: &str, body: &[u8]) -> Result<Response, ErrorReply> {
    let (patch_id, edits) = parse(body)?;
    let store = app.store();
    let journal = store.journal_open(&patch_id).await.map_err(store_error)?;
    let mut snapshots: Vec<Snapshot> = Vec::new();
    for edit in &edits {
        if let Err(e) = apply(app, caller, &target(raw, edit), edit, journal, &mut snapshots).await {
            undo(store, journal, snapshots).await;
            return Ok(failed(&patch_id, &edit.id, e).await);
        }
    }
    if let Err(e) = store.journal_close(journal).await {
        undo(store, journal, snapshots).await;
        return Err(store_error(e));
    }
    app.touch_config();
    let status = json!({"ietf-yang-patch:yang-patch-status": {"patch-id": patch_id, "ok": [null]}});
    Ok(super::reply(StatusCode::OK, status))
}

/// The path an edit's target names, below the resource the patch was sent to.
fn target(raw: &str, edit: &Edit) -> String {
    if edit.target == "/" {
        raw.trim_end_matches('/').to_owned()
    } else {
        format!("{}/{}", raw.trim_end_matches('/'), edit.target.trim_start_matches('/'))
    }
}

/// Journals the target's current state, then applies the edit.
async fn apply(
    app: &AppState,
    caller: &Caller,
    target: &str,
    edit: &Edit,
    journal: JournalId,
    snapshots: &mut Vec<Snapshot>,
) -> Result<(), ErrorReply> {
    let snapshot = snapshot(app, caller, target).await?;
    let record = serde_json::to_value(&snapshot)
        .map_err(|e| error(StatusCode::INTERNAL_SERVER_ERROR, ErrorTag::OperationFailed, e.to_string()))?;
    app.store().journal_append(journal, &record).await.map_err(store_error)?;
    let exists = !matches!(
        &snapshot,
        Snapshot::Device(.., None)
            | Snapshot::DeviceType(.., None)
            | Snapshot::Response(.., None)
            | Snapshot::TrustBag(.., None)
            | Snapshot::OwnerCertificate(.., None)
            | Snapshot::Voucher(.., None)
            | Snapshot::Endpoint(_, None)
            | Snapshot::Artifact(.., None)
    );
    snapshots.push(snapshot);
    let (method, value) = match (edit.operation, exists) {
        (Operation::Create, true) => {
            return Err(error(StatusCode::CONFLICT, ErrorTag::DataExists, format!("{target} exists")));
        }
        (Operation::Delete, false) => {
            return Err(error(StatusCode::NOT_FOUND, ErrorTag::DataMissing, format!("{target} does not exist")));
        }
        (Operation::Remove, false) => return Ok(()),
        (Operation::Delete | Operation::Remove, true) => (Method::DELETE, None),
        (Operation::Merge, true) => (Method::PATCH, edit.value.clone()),
        (Operation::Create | Operation::Merge | Operation::Replace, _) => (Method::PUT, edit.value.clone()),
    };
    let body = value.map(|v| Body::from(v.to_string())).unwrap_or_else(Body::empty);
    let response = Box::pin(serve(app, caller, &method, target, None, body)).await?;
    if response.status().is_success() {
        Ok(())
    } else {
        Err(error(response.status(), ErrorTag::OperationFailed, format!("{method} {target}: {}", response.status())))
    }
}

/// What the entry a target names looks like now (also checks that the target is an entry of a
/// tenant list this caller may see).
async fn snapshot(app: &AppState, caller: &Caller, target: &str) -> Result<Snapshot, ErrorReply> {
    let steps = path::parse(target, MODULE).map_err(bad)?;
    let names: Vec<&str> = steps.iter().map(|s| s.name.as_str()).collect();
    let (Some(tenant_name), Some(key)) =
        (steps.get(1).and_then(|s| s.key.clone()), steps.get(3).and_then(|s| s.key.clone()))
    else {
        return Err(bad(format!("{target}: a YANG Patch edit targets one entry of a tenant list")));
    };
    if !caller.sees_tenant(&tenant_name) {
        return Err(error(StatusCode::NOT_FOUND, ErrorTag::InvalidValue, format!("no tenant \"{tenant_name}\"")));
    }
    let store = app.store();
    let missing = || error(StatusCode::NOT_FOUND, ErrorTag::InvalidValue, format!("no tenant \"{tenant_name}\""));
    let t = store.tenant_by_name(&tenant_name).await.map_err(store_error)?.ok_or_else(missing)?.id;
    let k = key.clone();
    Ok(match names.as_slice() {
        ["tenants", "tenant", "devices", "device"] => {
            Snapshot::Device(t, k, store.get_device(t, &key).await.map_err(store_error)?)
        }
        ["tenants", "tenant", "device-types", "device-type"] => {
            Snapshot::DeviceType(t, k, store.get_device_type(t, &key).await.map_err(store_error)?)
        }
        ["tenants", "tenant", "responses", "response"] => {
            Snapshot::Response(t, k, store.get_response(t, &key).await.map_err(store_error)?)
        }
        ["tenants", "tenant", "truststore", "certificate-bag"] => {
            Snapshot::TrustBag(t, k, store.get_trust_bag(t, &key).await.map_err(store_error)?)
        }
        ["tenants", "tenant", "owner-certificates", "owner-certificate"] => {
            Snapshot::OwnerCertificate(t, k, store.get_owner_certificate(t, &key).await.map_err(store_error)?)
        }
        ["tenants", "tenant", "vouchers", "voucher"] => {
            Snapshot::Voucher(t, k, store.get_voucher(t, &key).await.map_err(store_error)?)
        }
        ["tenants", "tenant", "endpoints", "endpoint"] => {
            let e = store.get_endpoint(&key).await.map_err(store_error)?;
            if e.as_ref().is_some_and(|e| e.tenant_id != t) {
                return Err(error(
                    StatusCode::CONFLICT,
                    ErrorTag::DataExists,
                    format!("endpoint name \"{key}\" is taken"),
                ));
            }
            Snapshot::Endpoint(k, e)
        }
        ["tenants", "tenant", "artifacts", "artifact"] => {
            Snapshot::Artifact(t, k, store.get_artifact(t, &key).await.map_err(store_error)?)
        }
        _ => return Err(bad(format!("{target}: a YANG Patch edit targets one entry of a tenant list"))),
    })
}

/// Undoes a failed patch and closes its journal; when an entry cannot be put back, the journal
/// stays open so that the next start tries again.
async fn undo(store: &Store, journal: JournalId, snapshots: Vec<Snapshot>) {
    if rollback(store, snapshots).await {
        if let Err(e) = store.journal_close(journal).await {
            warn!(error = %e, "YANG Patch undone, but its journal could not be closed");
        }
    } else {
        log_error!("YANG Patch partly undone; the rest is retried at the next start");
    }
}

/// Undoes the YANG Patches a crash cut short (their journals are still open), last edit first,
/// and returns how many there were. Runs at start-up, before any request is served.
pub async fn recover(store: &Store) -> Result<usize, StoreError> {
    let journals = store.journals_open().await?;
    for journal in &journals {
        let mut snapshots = Vec::with_capacity(journal.undo.len());
        for record in &journal.undo {
            match serde_json::from_value::<Snapshot>(record.clone()) {
                Ok(s) => snapshots.push(s),
                Err(e) => log_error!(patch = %journal.label, error = %e, "unreadable YANG Patch undo record skipped"),
            }
        }
        let edits = snapshots.len();
        if rollback(store, snapshots).await {
            store.journal_close(journal.id).await?;
            warn!(patch = %journal.label, started = %journal.started_at, edits, "undid a YANG Patch cut short by a crash");
        } else {
            log_error!(patch = %journal.label, "could not undo a YANG Patch cut short by a crash; retried at the next start");
        }
    }
    Ok(journals.len())
}

/// Puts back every entry the patch touched, last first; `false` if one could not be.
async fn rollback(store: &Store, snapshots: Vec<Snapshot>) -> bool {
    let mut complete = true;
    for s in snapshots.into_iter().rev() {
        let result = match s {
            Snapshot::Device(t, k, v) => match v {
                Some(v) => store.put_device(t, &v).await,
                None => store.delete_device(t, &k).await,
            },
            Snapshot::DeviceType(t, k, v) => match v {
                Some(v) => store.put_device_type(t, &v).await,
                None => store.delete_device_type(t, &k).await,
            },
            Snapshot::Response(t, k, v) => match v {
                Some(v) => store.put_response(t, &v).await,
                None => store.delete_response(t, &k).await,
            },
            Snapshot::TrustBag(t, k, v) => match v {
                Some(v) => store.put_trust_bag(t, &v).await,
                None => store.delete_trust_bag(t, &k).await,
            },
            Snapshot::OwnerCertificate(t, k, v) => match v {
                Some(v) => store.put_owner_certificate(t, &v).await,
                None => store.delete_owner_certificate(t, &k).await,
            },
            Snapshot::Voucher(t, k, v) => match v {
                Some(v) => store.put_voucher(t, &v).await,
                None => store.delete_voucher(t, &k).await,
            },
            Snapshot::Endpoint(k, v) => match v {
                Some(v) => store.put_endpoint(&v).await,
                None => store.delete_endpoint(&k).await,
            },
            Snapshot::Artifact(t, k, v) => match v {
                Some(v) => store.put_artifact(t, &v).await,
                None => store.delete_artifact(t, &k).await,
            },
        };
        match result {
            Ok(()) | Err(StoreError::NotFound { .. }) => {}
            Err(e) => {
                complete = false;
                warn!(error = %e, "YANG Patch rollback could not restore an entry");
            }
        }
    }
    complete
}

/// The RFC 8072 status of a failed patch: the failing edit and its errors.
async fn failed(patch_id: &str, edit_id: &str, e: ErrorReply) -> Response {
    let status = e.status;
    let errors = match body_bytes(e.into_response()).await {
        Ok(bytes) => serde_json::from_slice::<Value>(&bytes)
            .ok()
            .and_then(|v| v.get("ietf-restconf:errors").cloned())
            .unwrap_or(Value::Null),
        Err(_) => Value::Null,
    };
    let body = json!({"ietf-yang-patch:yang-patch-status": {
        "patch-id": patch_id,
        "edit-status": {"edit": [{"edit-id": edit_id, "errors": errors}]}
    }});
    super::reply(status, body)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn patch(edits: Value) -> Vec<u8> {
        json!({"ietf-yang-patch:yang-patch": {"patch-id": "p", "edit": edits}}).to_string().into_bytes()
    }

    /// Edits 1 and 2 of 3 applied, then a crash (the journal stays open): the next start puts
    /// the changed device back, deletes the created one and leaves the untouched one alone.
    #[tokio::test]
    async fn a_patch_cut_short_by_a_crash_is_undone_at_the_next_start() {
        use sztp_store::{AccessLevel, Administrator, Device};
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("sztp.db").display());
        let store = Store::open(&url, &Default::default()).await.unwrap();
        let app = AppState::new(store.clone(), sztp_ca::KeyEncryptionKey::generate());
        let t = TenantId::DEFAULT;
        let device_type = super::super::device_types::from_json(&json!({"name": "dpu"})).unwrap();
        store.put_device_type(t, &device_type).await.unwrap();
        let device = |serial: &str| Device {
            activation_code_hash: Some("$argon2id$stand-in".into()),
            ..super::super::devices::from_json(&json!({"serial": serial, "device-type": "dpu"}), None).unwrap().0
        };
        for serial in ["SN-1", "SN-3"] {
            store.put_device(t, &device(serial)).await.unwrap();
        }
        let caller = Caller::Admin(Box::new(Administrator {
            login: "root".into(),
            email: String::new(),
            password_hash: None,
            client_cert_der: None,
            access_level: AccessLevel::Unrestricted,
            tenants: vec![],
            failed_logins: 0,
            locked_until: None,
            password_changed_at: None,
            last_login: None,
        }));
        let (patch_id, edits) = parse(&patch(json!([
            {"edit-id": "1", "operation": "merge", "target": "/device=SN-1",
             "value": {"sztp-server:device": [{"serial": "SN-1", "enabled": false}]}},
            {"edit-id": "2", "operation": "create", "target": "/device=SN-2",
             "value": {"sztp-server:device": [{"serial": "SN-2", "device-type": "dpu"}]}},
            {"edit-id": "3", "operation": "delete", "target": "/device=SN-3"}
        ])))
        .unwrap();
        let raw = "sztp-server:tenants/tenant=default/devices";
        let journal = store.journal_open(&patch_id).await.unwrap();
        let mut snapshots = Vec::new();
        for edit in &edits[..2] {
            apply(&app, &caller, &target(raw, edit), edit, journal, &mut snapshots).await.unwrap();
        }
        assert!(!store.get_device(t, "SN-1").await.unwrap().unwrap().enabled);
        assert!(store.get_device(t, "SN-2").await.unwrap().is_some());
        drop((app, snapshots));
        store.close().await.unwrap();

        let options = crate::server::ServerOptions {
            database_url: url,
            open: Default::default(),
            key_file: Some(dir.path().join("key")),
            default_addr: std::net::Ipv4Addr::LOCALHOST.into(),
            default_port: 0,
        };
        let server = crate::server::Server::start(options).await.unwrap();
        let store = server.app().store().clone();
        assert_eq!(store.get_device(t, "SN-1").await.unwrap(), Some(device("SN-1")), "put back as it was");
        assert_eq!(store.get_device(t, "SN-2").await.unwrap(), None, "created by the patch: removed");
        assert_eq!(store.get_device(t, "SN-3").await.unwrap(), Some(device("SN-3")), "never reached");
        assert!(store.journals_open().await.unwrap().is_empty());
        assert_eq!(recover(&store).await.unwrap(), 0, "nothing left to undo");
        server.run(std::future::ready(())).await.unwrap();
    }

    #[test]
    fn edits_are_checked_before_anything_is_applied() {
        let ok = patch(json!([{"edit-id": "1", "operation": "delete", "target": "/device=x"}]));
        assert_eq!(parse(&ok).map(|(id, e)| (id, e.len())).ok(), Some(("p".into(), 1)));
        for edits in [
            json!([]),
            json!([{"edit-id": "1", "operation": "create", "target": "/device=x"}]),
            json!([{"edit-id": "1", "operation": "delete", "target": "/device=x", "value": {}}]),
            json!([{"edit-id": "1", "operation": "insert", "target": "/device=x", "value": {}}]),
            json!([{"edit-id": "1", "operation": "frobnicate", "target": "/x"}]),
            json!([{"operation": "remove", "target": "/x"}]),
            json!([{"edit-id": "1", "operation": "remove", "target": "/x"}, {"edit-id": "1", "operation": "remove", "target": "/y"}]),
        ] {
            assert!(parse(&patch(edits.clone())).is_err(), "{edits}");
        }
        assert!(parse(b"{}").is_err());
        assert!(parse(br#"{"ietf-yang-patch:yang-patch": {"edit": []}}"#).is_err());
    }
}
