//! Authenticating the device behind a southbound request: every failure is the same 401 to the
//! device, with the real reason in the server log (429 and 503 when password checks are spent).

use axum::Extension;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use base64::Engine;
use sztp_protocol::codec::Encoding;
use time::OffsetDateTime;
use tracing::{info, warn};

use super::Southbound;
use crate::audit::Principal;
use crate::domain::identity::{AuthFailure, AuthenticatedDevice, Authority, Presented, authenticate};
use crate::domain::request_log::RequestLog;
use crate::listen::PeerInfo;
use crate::restconf::ErrorReply;

/// HTTP Basic credentials, if the request has well-formed ones.
pub(crate) fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, rest) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD.decode(rest.trim()).ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (user, pass) = text.split_once(':')?;
    Some((user.to_owned(), pass.to_owned()))
}

/// An authenticated device with where its request came from and where its records go: the
/// extractor of every southbound route that serves devices.
pub(crate) struct DeviceCall {
    pub device: AuthenticatedDevice,
    pub peer: PeerInfo,
    pub log: RequestLog,
}

impl DeviceCall {
    /// The audit record's principal: the device's serial number.
    pub(crate) fn principal(&self) -> Extension<Principal> {
        Extension(Principal(self.device.serial.clone()))
    }
}

impl FromRequestParts<Southbound> for DeviceCall {
    type Rejection = ErrorReply;

    async fn from_request_parts(parts: &mut Parts, state: &Southbound) -> Result<Self, ErrorReply> {
        let encoding = crate::restconf::error_encoding(&parts.headers);
        device(state, parts, encoding).await
    }
}

/// The records of this request (the audit layer commits them); a fresh log outside it.
pub(crate) fn request_log(parts: &Parts) -> RequestLog {
    parts.extensions.get::<RequestLog>().cloned().unwrap_or_default()
}

/// Authenticates the request's device within the endpoint's tenant.
async fn device(state: &Southbound, parts: &Parts, encoding: Encoding) -> Result<DeviceCall, ErrorReply> {
    let Some(peer) = parts.extensions.get::<PeerInfo>().cloned() else {
        warn!("request without connection info; refusing");
        return Err(ErrorReply::access_denied(encoding));
    };
    let presented = Presented {
        chain: peer.client_chain.as_deref().map(Vec::as_slice),
        basic: basic_credentials(&parts.headers),
        source: peer.remote.ip(),
    };
    let app = &state.app;
    let authority = Authority { store: app.store(), guard: app.guard(), caches: app.caches() };
    match authenticate(authority, state.tenant, &presented, OffsetDateTime::now_utc()).await {
        Ok(device) => Ok(DeviceCall { device, peer, log: request_log(parts) }),
        Err(AuthFailure::Store(e)) => Err(ErrorReply::internal(encoding, &e, "internal error; see the server log")),
        Err(AuthFailure::Throttled(wait)) => Err(ErrorReply::too_many_attempts(encoding, wait)),
        Err(AuthFailure::Busy) => Err(ErrorReply::busy(encoding)),
        Err(failure) => {
            // The reason goes to the server log only: a database row per failure would let
            // anyone fill the disk (the audit layer counts the 401).
            info!(endpoint = %state.endpoint, peer = %peer.remote, reason = %failure, "device authentication failed");
            Err(ErrorReply::access_denied(encoding))
        }
    }
}
