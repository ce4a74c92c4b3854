//! Administrator authentication and authorisation for the northbound API: the first-use rule,
//! HTTP Basic with lockout, pinned client certificates (alone or as a second factor),
//! credentials over plain HTTP only from loopback, access levels and tenant scope.

use sztp_protocol::codec::Encoding;
use sztp_protocol::model::restconf_errors::{ErrorTag, ErrorType};
use sztp_store::{AccessLevel, Administrator, Store};
use time::OffsetDateTime;
use tracing::info;

use crate::listen::PeerInfo;
use crate::restconf::ErrorReply;
use crate::state::AppState;

/// Who is calling.
#[derive(Debug, Clone)]
pub(crate) enum Caller {
    /// No administrator exists yet: the first-use rule applies.
    FirstUse,
    /// An authenticated administrator.
    Admin(Box<Administrator>),
}

impl Caller {
    /// The audit principal.
    pub(crate) fn principal(&self) -> String {
        match self {
            Caller::FirstUse => "(first use)".into(),
            Caller::Admin(a) => a.login.clone(),
        }
    }

    /// May this caller write?
    pub(crate) fn can_write(&self) -> bool {
        match self {
            Caller::FirstUse => true,
            Caller::Admin(a) => a.access_level != AccessLevel::ReadOnly,
        }
    }

    /// May this caller manage administrators and preferences (unrestricted, all tenants)?
    pub(crate) fn is_unrestricted(&self) -> bool {
        match self {
            Caller::FirstUse => true,
            Caller::Admin(a) => a.access_level == AccessLevel::Unrestricted && a.tenants.is_empty(),
        }
    }

    /// May this caller see tenant `name`?
    pub(crate) fn sees_tenant(&self, name: &str) -> bool {
        match self {
            Caller::FirstUse => true,
            Caller::Admin(a) => a.tenants.is_empty() || a.tenants.iter().any(|t| t == name),
        }
    }
}

fn denied(message: impl Into<String>) -> ErrorReply {
    ErrorReply::unauthorized(Encoding::Json, message)
}

/// Marks the requests of an endpoint declared behind a TLS terminator (a request extension).
#[derive(Debug, Clone, Copy)]
pub(crate) struct BehindTlsTerminator;

/// Authenticates the caller of a northbound request.
pub(crate) async fn authenticate(app: &AppState, parts: &axum::http::request::Parts) -> Result<Caller, ErrorReply> {
    let store = app.store();
    let peer = parts.extensions.get::<PeerInfo>();
    let terminated = parts.extensions.get::<BehindTlsTerminator>().is_some();
    if store.list_administrators().await.map_err(internal)?.is_empty() {
        if !first_use_allowed(peer, terminated) {
            return Err(denied("no administrator exists yet: create the first one from this host (loopback)"));
        }
        return Ok(Caller::FirstUse);
    }
    let client_leaf = peer.filter(|p| p.tls).and_then(|p| p.client_chain.as_ref()).and_then(|c| c.first());
    let Some((login, password)) = crate::api::southbound::basic_credentials(&parts.headers) else {
        // A client certificate alone names an administrator who has no password.
        if let Some(leaf) = client_leaf {
            return certificate_only(store, leaf).await;
        }
        return Err(denied("credentials required (HTTP Basic, or a client certificate over TLS)"));
    };
    if !password_allowed(peer, terminated) {
        return Err(denied("credentials are accepted over plain HTTP only from loopback; use an HTTPS endpoint"));
    }
    let source = peer.map_or(std::net::IpAddr::from([0, 0, 0, 0]), |p| p.remote.ip());
    let guard = app.guard();
    let attempt = guard.budget.attempt(source).map_err(|wait| ErrorReply::too_many_attempts(Encoding::Json, wait))?;
    let admin = check_password(app, &login, &password, client_leaf).await?;
    guard.budget.refund(attempt);
    let now = OffsetDateTime::now_utc();
    let prefs = store.get_preferences().await.map_err(internal)?;
    // An expired password still lets its owner replace it (for unrestricted administrators,
    // who manage accounts), and nothing else.
    let own = format!("/restconf/data/sztp-server:administrators/administrator={}", super::path::encode(&login));
    let self_service = parts.method == axum::http::Method::PUT && parts.uri.path() == own;
    if password_expired(&admin, prefs.password_max_age_days, now) && !self_service {
        info!(login = %login, "administrator login refused: password expired");
        return Err(denied(format!(
            "password expired: PUT {own} with a new password, or ask an unrestricted administrator"
        )));
    }
    Ok(Caller::Admin(Box::new(admin)))
}

/// Checks a login and password (and a pinned certificate, as second factor). The attempt is
/// counted before the password is checked, so parallel guesses cannot outrun the lockout;
/// unknown logins, certificate-only logins, locked accounts and wrong passwords all get the
/// same answer after the same work.
async fn check_password(
    app: &AppState,
    login: &str,
    password: &str,
    client_leaf: Option<&Vec<u8>>,
) -> Result<Administrator, ErrorReply> {
    let (store, verifier) = (app.store(), &app.guard().verifier);
    let busy = |_| ErrorReply::busy(Encoding::Json);
    let now = OffsetDateTime::now_utc();
    let admin = store.get_administrator(login).await.map_err(internal)?;
    let Some((admin, phc)) = admin.and_then(|a| a.password_hash.clone().map(|h| (a, h))) else {
        verifier.burn(password).await.map_err(busy)?;
        info!(login = %login, "administrator login failed: no such login, or it has no password");
        return Err(denied("access denied"));
    };
    let prefs = store.get_preferences().await.map_err(internal)?;
    if !store.count_login_attempt(login, now, &prefs).await.map_err(internal)? {
        verifier.burn(password).await.map_err(busy)?;
        info!(login = %login, "administrator login refused: the account is locked after repeated failures");
        return Err(denied("access denied"));
    }
    // Two-factor: an administrator with a client certificate must present exactly that one.
    let certificate_ok = match &admin.client_cert_der {
        None => true,
        Some(pinned) => client_leaf.is_some_and(|leaf| leaf == pinned) && certificate_current(pinned, now),
    };
    let password_ok = verifier.verify(password, &phc).await.map_err(busy)?;
    if !(certificate_ok && password_ok) {
        let why =
            if password_ok { "the client certificate is missing, different or expired" } else { "wrong password" };
        info!(login = %login, reason = why, "administrator login failed");
        return Err(denied("access denied"));
    }
    store.record_login_success(login, now).await.map_err(internal)?;
    Ok(admin)
}

fn internal(e: sztp_store::StoreError) -> ErrorReply {
    ErrorReply::new(Encoding::Json, ErrorType::Application, ErrorTag::OperationFailed, format!("storage: {e}"))
}

/// Whether the first administrator may be created over this connection: only from this host,
/// since anyone who can reach the port could otherwise claim the server. Behind a TLS
/// terminator every request comes from the terminator, so never there.
fn first_use_allowed(peer: Option<&PeerInfo>, behind_tls_terminator: bool) -> bool {
    !behind_tls_terminator && peer.is_some_and(|p| p.remote.ip().is_loopback())
}

/// Whether a password may come over this connection: over TLS, or over plain HTTP from this
/// host only (unless the endpoint is declared behind a TLS terminator).
fn password_allowed(peer: Option<&PeerInfo>, behind_tls_terminator: bool) -> bool {
    behind_tls_terminator || peer.is_none_or(|p| p.tls || p.remote.ip().is_loopback())
}

/// Whether the password is older than the preferences allow (never, without `max-age`).
fn password_expired(admin: &Administrator, max_age_days: Option<u32>, now: OffsetDateTime) -> bool {
    match (max_age_days, admin.password_changed_at) {
        (Some(days), Some(changed)) => now - changed > time::Duration::days(i64::from(days)),
        _ => false,
    }
}

/// Authenticates by client certificate alone: the administrator pinned to exactly this
/// certificate, who must have no password (else both factors are required).
async fn certificate_only(store: &Store, leaf: &[u8]) -> Result<Caller, ErrorReply> {
    let now = OffsetDateTime::now_utc();
    let admins = store.list_administrators().await.map_err(internal)?;
    let Some(admin) = admins.into_iter().find(|a| a.client_cert_der.as_deref() == Some(leaf)) else {
        return Err(denied("access denied: the client certificate belongs to no administrator"));
    };
    if admin.password_hash.is_some() {
        return Err(denied("a password is required with this client certificate (HTTP Basic)"));
    }
    // Lockout guards passwords against guessing; a certificate cannot be guessed, and letting
    // password failures lock it out would let anyone shut its owner out.
    if !certificate_current(leaf, now) {
        return Err(denied("access denied: the client certificate is outside its validity period"));
    }
    if admin.last_login.is_none_or(|t| now - t > time::Duration::minutes(1)) {
        store.record_login_success(&admin.login, now).await.map_err(internal)?;
    }
    Ok(Caller::Admin(Box::new(admin)))
}

/// Whether a pinned certificate is inside its validity period now.
fn certificate_current(der: &[u8], now: OffsetDateTime) -> bool {
    sztp_protocol::x509::Certificate::from_der(der).is_ok_and(|c| {
        let (not_before, not_after) = c.validity();
        not_before <= now && now <= not_after
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn peer(remote: &str, tls: bool) -> PeerInfo {
        let remote = remote.parse().unwrap_or_else(|_| std::net::SocketAddr::from(([0, 0, 0, 0], 0)));
        PeerInfo { remote, local: remote, endpoint: Arc::from("nbi"), tls, client_chain: None }
    }

    #[test]
    fn passwords_expire_after_max_age_days() {
        let now = OffsetDateTime::now_utc();
        let mut admin = Administrator {
            login: "a".into(),
            email: String::new(),
            password_hash: None,
            client_cert_der: None,
            access_level: AccessLevel::ReadOnly,
            tenants: Vec::new(),
            failed_logins: 0,
            locked_until: None,
            password_changed_at: Some(now - time::Duration::days(31)),
            last_login: None,
        };
        assert!(password_expired(&admin, Some(30), now));
        assert!(!password_expired(&admin, Some(32), now));
        assert!(!password_expired(&admin, None, now));
        admin.password_changed_at = None;
        assert!(!password_expired(&admin, Some(1), now));
    }

    #[test]
    fn first_use_is_for_this_host_only() {
        assert!(first_use_allowed(Some(&peer("127.0.0.1:5000", false)), false));
        assert!(first_use_allowed(Some(&peer("[::1]:5000", true)), false));
        assert!(!first_use_allowed(Some(&peer("192.0.2.7:5000", true)), false));
        assert!(!first_use_allowed(Some(&peer("127.0.0.1:5000", false)), true), "a terminator hides the client");
        assert!(!first_use_allowed(None, false));
    }

    #[test]
    fn passwords_over_plain_http_come_only_from_loopback() {
        assert!(password_allowed(Some(&peer("127.0.0.1:5000", false)), false));
        assert!(password_allowed(Some(&peer("[::1]:5000", false)), false));
        assert!(!password_allowed(Some(&peer("192.0.2.7:5000", false)), false));
        assert!(!password_allowed(Some(&peer("[2001:db8::1]:5000", false)), false));
        assert!(password_allowed(Some(&peer("192.0.2.7:5000", true)), false));
        assert!(password_allowed(Some(&peer("192.0.2.7:5000", false)), true), "declared behind a TLS terminator");
    }
}
