//! Administrator authentication and authorisation for the northbound API: the first-use rule,
//! HTTP Basic with lockout, credentials over plain HTTP only from loopback, access levels and
//! tenant scope.

use axum::http::{HeaderMap, StatusCode};
use sztp_protocol::codec::Encoding;
use sztp_protocol::model::restconf_errors::{ErrorTag, ErrorType};
use sztp_store::{AccessLevel, Administrator, Store};
use time::OffsetDateTime;
use tracing::info;

use crate::listen::PeerInfo;
use crate::restconf::ErrorReply;

/// Who is calling.
#[derive(Debug, Clone)]
pub enum Caller {
    /// No administrator exists yet: the first-use rule applies.
    FirstUse,
    /// An authenticated administrator.
    Admin(Box<Administrator>),
}

impl Caller {
    /// The audit principal.
    pub fn principal(&self) -> String {
        match self {
            Caller::FirstUse => "(first use)".into(),
            Caller::Admin(a) => a.login.clone(),
        }
    }

    /// May this caller write?
    pub fn can_write(&self) -> bool {
        match self {
            Caller::FirstUse => true,
            Caller::Admin(a) => a.access_level != AccessLevel::ReadOnly,
        }
    }

    /// May this caller manage administrators and preferences (unrestricted, all tenants)?
    pub fn is_unrestricted(&self) -> bool {
        match self {
            Caller::FirstUse => true,
            Caller::Admin(a) => a.access_level == AccessLevel::Unrestricted && a.tenants.is_empty(),
        }
    }

    /// May this caller see tenant `name`?
    pub fn sees_tenant(&self, name: &str) -> bool {
        match self {
            Caller::FirstUse => true,
            Caller::Admin(a) => a.tenants.is_empty() || a.tenants.iter().any(|t| t == name),
        }
    }
}

fn denied(message: impl Into<String>) -> ErrorReply {
    ErrorReply::new(Encoding::Json, ErrorType::Protocol, ErrorTag::AccessDenied, message)
        .with_status(StatusCode::UNAUTHORIZED)
        .with_header(axum::http::header::WWW_AUTHENTICATE, "Basic realm=\"sztp-admin\", charset=\"UTF-8\"")
}

/// Authenticates the caller of a northbound request.
pub async fn authenticate(store: &Store, headers: &HeaderMap, peer: Option<&PeerInfo>) -> Result<Caller, ErrorReply> {
    let internal = |e: sztp_store::StoreError| {
        ErrorReply::new(Encoding::Json, ErrorType::Application, ErrorTag::OperationFailed, format!("storage: {e}"))
            .with_status(StatusCode::INTERNAL_SERVER_ERROR)
    };
    if store.list_administrators().await.map_err(internal)?.is_empty() {
        return Ok(Caller::FirstUse);
    }
    let Some((login, password)) = crate::bootstrap_api::basic_credentials(headers) else {
        return Err(denied("credentials required (HTTP Basic)"));
    };
    // Over plain HTTP a password may only come from this host (or from a TLS terminator the
    // endpoint is configured for, which later issues add).
    if let Some(peer) = peer
        && !peer.tls
        && !peer.remote.ip().is_loopback()
    {
        return Err(denied("credentials are accepted over plain HTTP only from loopback; use an HTTPS endpoint"));
    }
    let now = OffsetDateTime::now_utc();
    let admin = store.get_administrator(&login).await.map_err(internal)?;
    let Some(admin) = admin else {
        crate::password::burn_time_blocking(&password).await;
        return Err(denied("access denied"));
    };
    if let Some(until) = admin.locked_until.filter(|u| *u > now) {
        return Err(denied(format!("account locked after repeated failures until {until}")));
    }
    let ok = match admin.password_hash.as_deref() {
        Some(phc) => crate::password::verify_blocking(&password, phc).await,
        None => false,
    };
    if !ok {
        let prefs = store.get_preferences().await.map_err(internal)?;
        let locked = store.record_login_failure(&login, now, &prefs).await.map_err(internal)?;
        info!(login = %login, locked = locked.is_some(), "administrator login failed");
        return Err(match locked {
            Some(until) => denied(format!("account locked after repeated failures until {until}")),
            None => denied("access denied"),
        });
    }
    if admin.failed_logins > 0 || admin.last_login.is_none_or(|t| now - t > time::Duration::minutes(1)) {
        store.record_login_success(&login, now).await.map_err(internal)?;
    }
    Ok(Caller::Admin(Box::new(admin)))
}
