//! One audit record per authenticated request on every API: who, from where, method, path and
//! outcome (requests nobody authenticated are only counted: [`crate::rejections`]). Committed
//! before the response leaves, with the request's bootstrapping-log records in one transaction
//! (the group commit of [`crate::commits`]), in the audit log of the endpoint's tenant (of the
//! default tenant when the request deleted the endpoint's tenant).

use axum::Router;
use axum::extract::{Request, State};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use sztp_protocol::codec::Encoding;
use sztp_store::{AuditRecord, Store, TenantId};
use time::OffsetDateTime;
use tracing::warn;

use crate::domain::request_log::RequestLog;
use crate::listen::PeerInfo;
use crate::restconf::ErrorReply;
use crate::state::AppState;

/// The authenticated principal of a request; handlers put it in the response extensions.
#[derive(Debug, Clone)]
pub(crate) struct Principal(pub String);

/// Marks the response of a request that deleted this tenant: its audit log is gone, so the
/// record of the deletion goes to the default tenant's (which cannot be deleted).
#[derive(Debug, Clone, Copy)]
pub(crate) struct TenantDeleted(pub TenantId);

#[derive(Clone)]
struct AuditState {
    app: AppState,
    tenant: TenantId,
    api: String,
}

/// Wraps `router` so every request it serves is audited.
pub(crate) fn layer(router: Router, app: AppState, tenant: TenantId, api: String) -> Router {
    router.layer(middleware::from_fn_with_state(AuditState { app, tenant, api }, record))
}

async fn record(State(state): State<AuditState>, mut request: Request, next: Next) -> Response {
    let log = RequestLog::default();
    request.extensions_mut().insert(log.clone());
    let method = request.method().to_string();
    let path = request.uri().path().to_owned();
    let remote = request.extensions().get::<PeerInfo>().map(|p| p.remote);
    let response = next.run(request).await;
    let principal = response.extensions().get::<Principal>().map(|p| p.0.clone());
    let events = log.take(response.status().as_u16());
    if principal.is_none() && events.is_empty() {
        // Anyone can send these: counted, never stored (a full disk is one flood away).
        state.app.rejections().count(&state.api, response.status().as_u16(), remote.map(|r| r.ip()));
        return response;
    }
    let tenant = match response.extensions().get::<TenantDeleted>() {
        Some(TenantDeleted(deleted)) if *deleted == state.tenant => TenantId::DEFAULT,
        Some(TenantDeleted(_)) => state.tenant,
        None => addressed(state.app.store(), &path).await.unwrap_or(state.tenant),
    };
    let record = AuditRecord {
        tenant,
        time: OffsetDateTime::now_utc(),
        principal,
        source: remote.map(|r| r.to_string()).unwrap_or_default(),
        api: state.api.clone(),
        method,
        path,
        status: response.status().as_u16(),
    };
    let has_events = !events.is_empty();
    match state.app.committer().commit(events, record).await {
        Ok(()) => response,
        // A 2xx promises the device its records are kept (RFC 8572 §7.3: a report is stored
        // before 204); without the commit, that promise would be false.
        Err(e) if has_events && response.status().is_success() => {
            warn!(error = %e, "could not commit a request's records; refusing the request");
            ErrorReply::not_recorded(Encoding::Json, &e).into_response()
        }
        Err(e) => {
            warn!(error = %e, "could not write the audit log");
            response
        }
    }
}

/// The tenant whose resources a northbound request addressed, if it exists: its actions go to
/// its own audit log, not to that of the endpoint's tenant (which would show them to others).
async fn addressed(store: &Store, path: &str) -> Option<TenantId> {
    let name = crate::api::northbound::path::addressed_tenant(path)?;
    store.tenant_by_name(&name).await.ok().flatten().map(|t| t.id)
}
