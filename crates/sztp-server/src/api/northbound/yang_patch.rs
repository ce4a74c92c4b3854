//! YANG Patch (RFC 8072) on the tenant lists: edits applied in order through the same handlers
//! as single writes, inside one unit of work, so that a patch commits whole or not at all (a
//! crash mid-patch leaves nothing behind).

use axum::http::Method;
use axum::response::Response;
use serde_json::{Value, json};
use sztp_protocol::model::restconf_errors::ErrorTag;

use super::auth::Caller;
use super::route::serve;
use super::{MODULE, decode_error, error, path, store_error};
use crate::restconf::ErrorReply;
use crate::state::AppState;
use sztp_protocol::codec::Encoding;
use sztp_protocol::model::YangDocument;
use sztp_protocol::model::northbound::YangEnum;
use sztp_protocol::model::restconf_errors::RestconfErrors;
use sztp_protocol::model::yang_patch::{Edit, Operation, YangPatch};

/// The media type of a YANG Patch in JSON.
pub(super) const MEDIA_TYPE: &str = "application/yang-patch+json";

fn bad(message: impl Into<String>) -> ErrorReply {
    error(ErrorTag::InvalidValue, message)
}

/// The patch, read and checked whole before any edit is applied.
fn parse(doc: &Value) -> Result<YangPatch, ErrorReply> {
    let patch = YangPatch::from_document(doc).map_err(decode_error)?;
    if let Some(e) = patch.edits.iter().find(|e| matches!(e.operation, Operation::Insert | Operation::Move)) {
        let message = format!(
            "edit \"{}\": {} needs a user-ordered list; this module has none at entry level",
            e.id,
            e.operation.as_str()
        );
        return Err(ErrorReply::bad_request(Encoding::Json, ErrorTag::OperationNotSupported, message));
    }
    Ok(patch)
}

/// Applies a YANG Patch sent to the resource `raw`: every edit through the same handlers as
/// single writes, inside one unit of work that commits only if all succeed.
pub(super) async fn run(app: &AppState, caller: &Caller, raw: &str, doc: &Value) -> Result<Response, ErrorReply> {
    let YangPatch { patch_id, edits } = parse(doc)?;
    let uow = app.store().begin().await.map_err(store_error)?;
    let scoped = app.within(&uow);
    for edit in &edits {
        if let Err(e) = apply(&scoped, caller, &target(raw, edit), edit).await {
            drop(scoped);
            drop(uow);
            return Ok(failed(&patch_id, &edit.id, e));
        }
    }
    drop(scoped);
    uow.commit().await.map_err(store_error)?;
    app.touch_config();
    let status = json!({"ietf-yang-patch:yang-patch-status": {"patch-id": patch_id, "ok": [null]}});
    Ok(crate::restconf::json_reply(status))
}

/// The path an edit's target names, below the resource the patch was sent to.
fn target(raw: &str, edit: &Edit) -> String {
    if edit.target == "/" {
        raw.trim_end_matches('/').to_owned()
    } else {
        format!("{}/{}", raw.trim_end_matches('/'), edit.target.trim_start_matches('/'))
    }
}

/// Applies one edit as the single write it stands for (create, delete, merge, remove, replace).
async fn apply(app: &AppState, caller: &Caller, target: &str, edit: &Edit) -> Result<(), ErrorReply> {
    check_target(target)?;
    let exists = Box::pin(serve(app, caller, &Method::GET, target, None, None)).await.is_ok();
    let (method, value) = match (edit.operation, exists) {
        (Operation::Create, true) => {
            return Err(error(ErrorTag::DataExists, format!("{target} exists")));
        }
        (Operation::Delete, false) => {
            return Err(ErrorReply::data_missing(Encoding::Json, format!("{target} does not exist")));
        }
        (Operation::Remove, false) => return Ok(()),
        (Operation::Delete | Operation::Remove, true) => (Method::DELETE, None),
        (Operation::Merge, true) => (Method::PATCH, edit.value.clone()),
        (Operation::Create | Operation::Merge | Operation::Replace, _) => (Method::PUT, edit.value.clone()),
        (Operation::Insert | Operation::Move, _) => return Err(bad("insert and move are refused before any edit")),
    };
    let response = Box::pin(serve(app, caller, &method, target, None, value)).await?;
    if response.status().is_success() {
        Ok(())
    } else {
        let message = format!("{method} {target}: {}", response.status());
        Err(error(ErrorTag::OperationFailed, message).with_status(response.status()))
    }
}

/// An edit targets one entry of a tenant list.
fn check_target(target: &str) -> Result<(), ErrorReply> {
    let steps = path::parse(target, MODULE).map_err(bad)?;
    let names: Vec<&str> = steps.iter().map(|s| s.name.as_str()).collect();
    let keyed = steps.get(1).is_some_and(|s| s.key.is_some()) && steps.get(3).is_some_and(|s| s.key.is_some());
    let list = matches!(
        names.as_slice(),
        ["tenants", "tenant", "devices", "device"]
            | ["tenants", "tenant", "device-types", "device-type"]
            | ["tenants", "tenant", "responses", "response"]
            | ["tenants", "tenant", "truststore", "certificate-bag"]
            | ["tenants", "tenant", "owner-certificates", "owner-certificate"]
            | ["tenants", "tenant", "vouchers", "voucher"]
            | ["tenants", "tenant", "endpoints", "endpoint"]
            | ["tenants", "tenant", "artifacts", "artifact"]
    );
    if keyed && list {
        Ok(())
    } else {
        Err(bad(format!("{target}: a YANG Patch edit targets one entry of a tenant list")))
    }
}

/// The RFC 8072 status of a failed patch: the failing edit and its errors.
fn failed(patch_id: &str, edit_id: &str, e: ErrorReply) -> Response {
    let status = e.status;
    let mut errors = RestconfErrors::from(*e.error).to_json_value();
    let errors = errors.get_mut("ietf-restconf:errors").map(Value::take).unwrap_or(Value::Null);
    let body = json!({"ietf-yang-patch:yang-patch-status": {
        "patch-id": patch_id,
        "edit-status": {"edit": [{"edit-id": edit_id, "errors": errors}]}
    }});
    crate::restconf::status::json_with_status(status, body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insert_and_move_are_refused_as_unsupported() {
        for op in ["insert", "move"] {
            let mut edit = json!({"edit-id": "1", "operation": op, "target": "/device=x"});
            if op == "insert" {
                edit["value"] = json!({});
            }
            let doc = json!({"ietf-yang-patch:yang-patch": {"patch-id": "p", "edit": [edit]}});
            let e = parse(&doc).map(|_| ()).map_err(|e| e.error.error_tag);
            assert_eq!(e, Err(ErrorTag::OperationNotSupported), "{op}");
        }
    }
}
