//! Device authentication (RFC 8572 §5.3, RFC 8040 §2.5): a TLS client certificate validated to
//! the device type's IDevID anchors with the serial found by the type's rule, and/or HTTP Basic
//! with serial and activation code. Both present: they must name the same serial.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;
use sztp_protocol::x509::{Certificate, PathOptions, validate_path};
use sztp_store::{Device, DeviceType, Store, StoreError, TenantId};

use time::OffsetDateTime;

use super::serial::extract_serial;
use crate::cache::{Caches, ParsedChain, TenantTypes};
use crate::password::{Busy, Guard};

/// Credentials a request carried.
#[derive(Debug)]
pub(crate) struct Presented<'a> {
    /// TLS client chain, DER, leaf first, as sent.
    pub chain: Option<&'a [Vec<u8>]>,
    /// HTTP Basic user and password.
    pub basic: Option<(String, String)>,
    /// Where the request came from (the per-source budget of password attempts).
    pub source: IpAddr,
}

/// A device that proved who it is.
#[derive(Debug, Clone)]
pub(crate) struct AuthenticatedDevice {
    /// Its serial number (the RESTCONF username).
    pub serial: String,
    /// The device record (shared with the cache).
    pub device: Arc<Device>,
    /// Its device type (shared with the cache).
    pub device_type: Arc<DeviceType>,
    /// The validated client certificate, if one was used.
    pub client_cert: Option<Arc<Certificate>>,
}

/// Why authentication failed. The device only ever sees one 401; this is for the logs.
#[derive(Debug, thiserror::Error)]
pub(crate) enum AuthFailure {
    /// Neither a client certificate nor HTTP Basic.
    #[error("no credentials (neither a client certificate nor HTTP Basic)")]
    NoCredentials,
    /// No such device, or it is disabled.
    #[error("unknown or disabled device \"{0}\"")]
    UnknownDevice(String),
    /// Activation code wrong or not set.
    #[error("wrong activation code for \"{0}\"")]
    BadPassword(String),
    /// The certificate chain does not validate to any device type's anchors.
    #[error("client certificate rejected: {0}")]
    BadCertificate(String),
    /// Certificate and Basic name different devices.
    #[error("client certificate names \"{cert}\" but HTTP Basic names \"{basic}\"")]
    SerialMismatch {
        /// Serial in the certificate.
        cert: String,
        /// Basic user name.
        basic: String,
    },
    /// Too many failed password attempts from this source: answer 429 with this Retry-After.
    #[error("too many failed attempts from this source; retry in {} s", .0.as_secs())]
    Throttled(Duration),
    /// The password verification pool is full: answer 503.
    #[error("too many password checks at once")]
    Busy,
    /// The store failed; not the device's fault.
    #[error("storage error: {0}")]
    Store(#[from] StoreError),
}

impl From<Busy> for AuthFailure {
    fn from(_: Busy) -> Self {
        AuthFailure::Busy
    }
}

/// Where authentication looks things up: the store, the password-check bounds and the caches.
#[derive(Clone, Copy)]
pub(crate) struct Authority<'a> {
    /// The store.
    pub store: &'a Store,
    /// Bounds on password checks.
    pub guard: &'a Guard,
    /// Device types, validated chains and verified activation codes.
    pub caches: &'a Caches,
}

/// Authenticates the device behind `presented` within `tenant`. A password attempt spends a
/// token of the source's budget, which only a success gives back.
pub(crate) async fn authenticate(
    auth: Authority<'_>,
    tenant: TenantId,
    presented: &Presented<'_>,
    now: OffsetDateTime,
) -> Result<AuthenticatedDevice, AuthFailure> {
    let Authority { store, guard, caches } = auth;
    let chain = match presented.chain {
        Some(ders) if !ders.is_empty() => {
            let digest = chain_digest(ders);
            Some((parsed_chain(caches, ders, &digest)?, digest))
        }
        _ => None,
    };
    match (&presented.basic, chain) {
        (None, None) => Err(AuthFailure::NoCredentials),
        (Some((user, pass)), chain) => {
            let found = device(store, caches, tenant, user).await?;
            let known = found.as_ref().filter(|(d, _)| d.enabled).and_then(|(d, _)| d.activation_code_hash.as_deref());
            // A code verified recently against the same stored hash needs no argon2id again.
            let cached = known.is_some_and(|hash| caches.credentials.verified(tenant, user, hash, pass));
            if !cached {
                let attempt = guard.budget.attempt(presented.source).map_err(AuthFailure::Throttled)?;
                let Some((device, _)) = found.as_ref().filter(|(d, _)| d.enabled) else {
                    guard.verifier.burn(pass).await?;
                    return Err(AuthFailure::UnknownDevice(user.clone()));
                };
                let Some(hash) = device.activation_code_hash.as_deref() else {
                    guard.verifier.burn(pass).await?;
                    return Err(AuthFailure::BadPassword(user.clone()));
                };
                if !guard.verifier.verify(pass, hash).await? {
                    return Err(AuthFailure::BadPassword(user.clone()));
                }
                guard.budget.refund(attempt);
                caches.credentials.remember(tenant, user, hash, pass);
            }
            let Some((device, device_type)) = found else { return Err(AuthFailure::UnknownDevice(user.clone())) };
            let client_cert = match chain {
                None => None,
                Some((parsed, digest)) => {
                    let (leaf, rest) = &*parsed;
                    let types = tenant_types(store, caches, tenant).await?;
                    validate_for_type(caches, &types, tenant, &device_type, (leaf, rest, &digest), now)?;
                    let cert_serial = extract_serial(leaf, &device_type.serial_rule).unwrap_or_default();
                    if &cert_serial != user {
                        return Err(AuthFailure::SerialMismatch { cert: cert_serial, basic: user.clone() });
                    }
                    Some(leaf.clone())
                }
            };
            Ok(AuthenticatedDevice { serial: user.clone(), device, device_type, client_cert })
        }
        (None, Some((parsed, digest))) => {
            let (leaf, rest) = &*parsed;
            let types = tenant_types(store, caches, tenant).await?;
            let mut reasons = Vec::new();
            for device_type in &types.types {
                if device_type.trust_bag.is_none() {
                    continue;
                }
                if let Err(e) = validate_for_type(caches, &types, tenant, device_type, (leaf, rest, &digest), now) {
                    reasons.push(format!("{}: {e}", device_type.name));
                    continue;
                }
                let Some(serial) = extract_serial(leaf, &device_type.serial_rule) else {
                    reasons.push(format!("{}: no serial number found by the type's rule", device_type.name));
                    continue;
                };
                match device(store, caches, tenant, &serial).await? {
                    Some((device, dt)) if device.enabled && dt.name == device_type.name => {
                        let client_cert = Some(leaf.clone());
                        return Ok(AuthenticatedDevice { serial, device, device_type: dt, client_cert });
                    }
                    _ => return Err(AuthFailure::UnknownDevice(serial)),
                }
            }
            if reasons.is_empty() {
                reasons.push("no device type has IDevID trust anchors".into());
            }
            Err(AuthFailure::BadCertificate(reasons.join("; ")))
        }
    }
}

/// The chain parsed: from the cache (by digest; parsing does not depend on configuration), else
/// parsed now and kept.
fn parsed_chain(caches: &Caches, ders: &[Vec<u8>], digest: &[u8; 32]) -> Result<ParsedChain, AuthFailure> {
    if let Some(found) = caches.parsed_chains.get(1, digest) {
        return Ok(found);
    }
    let mut certs = ders
        .iter()
        .map(|d| Certificate::from_der(d))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| AuthFailure::BadCertificate(e.to_string()))?
        .into_iter();
    let leaf = certs.next().ok_or_else(|| AuthFailure::BadCertificate("empty chain".into()))?;
    let parsed = Arc::new((Arc::new(leaf), certs.collect()));
    caches.parsed_chains.insert(1, *digest, parsed.clone());
    Ok(parsed)
}

/// SHA-256 over the chain as sent (each certificate length-prefixed, so no two chains collide).
fn chain_digest(ders: &[Vec<u8>]) -> [u8; 32] {
    let mut ctx = aws_lc_rs::digest::Context::new(&aws_lc_rs::digest::SHA256);
    for der in ders {
        ctx.update(&(der.len() as u64).to_be_bytes());
        ctx.update(der);
    }
    let mut out = [0u8; 32];
    out.copy_from_slice(ctx.finish().as_ref());
    out
}

/// A device with its type: cached, else read (and cached if it exists).
async fn device(
    store: &Store,
    caches: &Caches,
    tenant: TenantId,
    serial: &str,
) -> Result<Option<(Arc<Device>, Arc<DeviceType>)>, StoreError> {
    let generation = caches.generation();
    let key = (tenant, serial.to_owned());
    if let Some(found) = caches.devices.get(generation, &key) {
        return Ok(Some(found));
    }
    let Some((device, device_type)) = store.device_with_type(tenant, serial).await? else { return Ok(None) };
    let found = (Arc::new(device), Arc::new(device_type));
    caches.devices.insert(generation, key, found.clone());
    Ok(Some(found))
}

/// The tenant's device types with their anchors parsed: cached, else read.
async fn tenant_types(store: &Store, caches: &Caches, tenant: TenantId) -> Result<Arc<TenantTypes>, StoreError> {
    let generation = caches.generation();
    if let Some(found) = caches.types.get(generation, &tenant) {
        return Ok(found);
    }
    let types = store.list_device_types(tenant).await?;
    let mut anchors = HashMap::new();
    for bag_name in types.iter().filter_map(|t| t.trust_bag.as_deref()) {
        if anchors.contains_key(bag_name) {
            continue;
        }
        let parsed = store.get_trust_bag(tenant, bag_name).await?.map(|bag| {
            Arc::new(bag.certificates_der.iter().filter_map(|d| Certificate::from_der(d).ok()).collect::<Vec<_>>())
        });
        anchors.insert(bag_name.to_owned(), parsed);
    }
    let loaded = Arc::new(TenantTypes { types, anchors });
    caches.types.insert(generation, tenant, loaded.clone());
    Ok(loaded)
}

/// A client chain as parsed, with its digest.
type Chain<'a> = (&'a Certificate, &'a [Certificate], &'a [u8; 32]);

/// Validates the chain to the device type's anchors, unless it was validated for this type
/// recently (under the same configuration, and every certificate in it is still valid).
fn validate_for_type(
    caches: &Caches,
    types: &TenantTypes,
    tenant: TenantId,
    device_type: &DeviceType,
    (leaf, intermediates, digest): Chain<'_>,
    now: OffsetDateTime,
) -> Result<(), AuthFailure> {
    let Some(bag_name) = device_type.trust_bag.as_deref() else {
        return Err(AuthFailure::BadCertificate(format!(
            "device type \"{}\" has no IDevID trust anchors",
            device_type.name
        )));
    };
    let generation = caches.generation();
    let key = (tenant, device_type.name.clone(), *digest);
    if caches.chains.get(generation, &key).is_some_and(|until| now < until) {
        return Ok(());
    }
    let Some(Some(anchors)) = types.anchors.get(bag_name) else {
        return Err(AuthFailure::BadCertificate(format!(
            "trust bag \"{bag_name}\" of device type \"{}\" does not exist",
            device_type.name
        )));
    };
    let options = PathOptions { time: Some(now), allow_sha1: device_type.allow_sha1, ..PathOptions::default() };
    validate_path(leaf, intermediates, anchors, &options).map_err(|e| AuthFailure::BadCertificate(e.to_string()))?;
    let until = std::iter::once(leaf).chain(intermediates).map(|c| c.validity().1).min().unwrap_or(now);
    caches.chains.insert(generation, key, until);
    Ok(())
}
