//! One audit record per request on every API: who (the authenticated principal, if any), from
//! where, method, path and outcome. Written before the response leaves, in the audit log of the
//! endpoint's tenant (of the default tenant when the request deleted the endpoint's tenant).

use axum::Router;
use axum::extract::{Request, State};
use axum::middleware::{self, Next};
use axum::response::Response;
use sztp_store::{AuditRecord, TenantId};
use time::OffsetDateTime;
use tracing::warn;

use crate::listen::PeerInfo;
use crate::state::AppState;

/// The authenticated principal of a request; handlers put it in the response extensions.
#[derive(Debug, Clone)]
pub struct Principal(pub String);

/// Marks the response of a request that deleted this tenant: its audit log is gone, so the
/// record of the deletion goes to the default tenant's (which cannot be deleted).
#[derive(Debug, Clone, Copy)]
pub struct TenantDeleted(pub TenantId);

#[derive(Clone)]
struct AuditState {
    app: AppState,
    tenant: TenantId,
    api: String,
}

/// Wraps `router` so every request it serves is audited.
pub fn layer(router: Router, app: AppState, tenant: TenantId, api: String) -> Router {
    router.layer(middleware::from_fn_with_state(AuditState { app, tenant, api }, record))
}

async fn record(State(state): State<AuditState>, request: Request, next: Next) -> Response {
    let method = request.method().to_string();
    let path = request.uri().path().to_owned();
    let source = request.extensions().get::<PeerInfo>().map(|p| p.remote.to_string()).unwrap_or_default();
    let response = next.run(request).await;
    let tenant = match response.extensions().get::<TenantDeleted>() {
        Some(TenantDeleted(deleted)) if *deleted == state.tenant => TenantId::DEFAULT,
        _ => state.tenant,
    };
    let record = AuditRecord {
        tenant,
        time: OffsetDateTime::now_utc(),
        principal: response.extensions().get::<Principal>().map(|p| p.0.clone()),
        source,
        api: state.api.clone(),
        method,
        path,
        status: response.status().as_u16(),
    };
    if let Err(e) = state.app.store().append_audit(&record).await {
        warn!(error = %e, "could not write the audit log");
    }
    response
}
