//! From a data-resource path to what serves it: the lists of the resource model, tenants,
//! preferences, logs, the keystore and the device import action. Checks who may write first.

use axum::http::Method;
use axum::response::Response;
use serde_json::Value;
use sztp_protocol::codec::Encoding;
use sztp_protocol::model::restconf_errors::ErrorTag;
use sztp_store::TenantId;

use super::auth::Caller;
use super::path::{self, Step};
use super::resource::{self, Scope};
use super::resources::{admins::Administrators, tenant_list};
use super::{MODULE, error, import, keystore, logs, preferences, tenant_by_name, tenants};
use crate::restconf::ErrorReply;
use crate::state::AppState;

/// Serves `method` on `raw` (below `/restconf/data/`) for `caller`.
pub(super) async fn serve(
    app: &AppState,
    caller: &Caller,
    method: &Method,
    raw: &str,
    query: Option<&str>,
    input: Option<Value>,
) -> Result<Response, ErrorReply> {
    let steps = path::parse(raw, MODULE).map_err(|m| error(ErrorTag::InvalidValue, m))?;
    let write = *method != Method::GET && *method != Method::HEAD;
    if write && !caller.can_write() {
        return Err(ErrorReply::forbidden(Encoding::Json, "read-only administrators cannot write"));
    }
    let names: Vec<&str> = steps.iter().map(|s| s.name.as_str()).collect();
    let key = |i: usize| steps.get(i).and_then(|s| s.key.as_deref());
    let system = Scope { app, caller, tenant: None };
    match names.as_slice() {
        ["administrators"] | ["administrators", "administrator"] => {
            resource::serve(&Administrators, &system, method, key(1), query, input).await
        }
        ["preferences"] => preferences::serve(app, caller, method, input).await,
        ["tenants"] | ["tenants", "tenant"] => tenants::serve(app, caller, method, key(1), input).await,
        ["tenants", "tenant", ..] => in_tenant(app, caller, method, raw, &steps, query, input).await,
        _ => Err(no_such_resource(raw)),
    }
}

fn no_such_resource(raw: &str) -> ErrorReply {
    ErrorReply::no_such(Encoding::Json, format!("no such resource: /{raw}"))
}

/// What lies inside `tenants/tenant={name}/`.
async fn in_tenant(
    app: &AppState,
    caller: &Caller,
    method: &Method,
    raw: &str,
    steps: &[Step],
    query: Option<&str>,
    input: Option<Value>,
) -> Result<Response, ErrorReply> {
    let write = *method != Method::GET && *method != Method::HEAD;
    let rest: Vec<&str> = steps[2..].iter().map(|s| s.name.as_str()).collect();
    let name = steps[1].key.as_deref().ok_or_else(|| error(ErrorTag::InvalidValue, "tenant key missing"))?;
    match rest.as_slice() {
        [log @ ("bootstrapping-log" | "audit-log")] => {
            if *method != Method::GET {
                return Err(error(ErrorTag::OperationNotSupported, "logs are read-only"));
            }
            let which = if *log == "audit-log" { logs::Log::Audit } else { logs::Log::Bootstrapping };
            logs::serve(app, tenant_by_name(app, caller, name, false).await?, which, query).await
        }
        ["keystore"] | ["keystore", _] => {
            keystore::serve(app, tenant_by_name(app, caller, name, write).await?, method, steps.get(3), input).await
        }
        ["devices", "import"] => {
            if *method != Method::POST {
                return Err(error(ErrorTag::OperationNotSupported, "actions are invoked with POST"));
            }
            import::run(app, tenant_by_name(app, caller, name, true).await?, &input.unwrap_or(Value::Null)).await
        }
        [container] | [container, _] => {
            let list = tenant_list(container, rest.get(1).copied()).ok_or_else(|| no_such_resource(raw))?;
            list.check_access(caller, write)?;
            let tenant: TenantId = tenant_by_name(app, caller, name, write).await?;
            let scope = Scope { app, caller, tenant: Some((tenant, name)) };
            let key = steps.get(3).and_then(|s| s.key.as_deref());
            resource::serve(list, &scope, method, key, query, input).await
        }
        _ => Err(no_such_resource(raw)),
    }
}
