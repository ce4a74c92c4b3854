//! get-bootstrapping-data (RFC 8572 §7.1) without HTTP: select the device's response, build the
//! conveyed information, sign and encrypt it as configured, and record the outcome.

use std::net::SocketAddr;
use std::sync::Arc;

use sztp_protocol::codec::Encoding;
use sztp_protocol::model::bootstrap_rpc::{GetBootstrappingDataInput, GetBootstrappingDataOutput, ReportingLevel};
use sztp_store::{
    BootstrapEvent, CompatProfile, ReportingLevel as StoredLevel, ResponseSpec, StatusChange, StoreError,
};
use time::OffsetDateTime;
use tracing::info;

use super::Site;
use super::conveyed::{
    BuildError, OwnerMaterial, Packaging, Prepared, Signed, conveyed_information, must_sign, package, prepare,
    sign_conveyed,
};
use super::identity::AuthenticatedDevice;
use super::material::{self, LoadError};
use super::request_log::{RequestLog, event, refusal};
use super::select::{RequestFacts, select};
use crate::cache::ConveyedKey;

const OPERATION: &str = BootstrapEvent::GET_BOOTSTRAPPING_DATA;

/// One authenticated device's request, as the domain sees it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DeviceRequest<'a> {
    /// The device.
    pub device: &'a AuthenticatedDevice,
    /// Its address and port.
    pub source: SocketAddr,
    /// The authority the device used (artifact download URIs point back at it).
    pub authority: Option<&'a str>,
    /// Where the request's records go.
    pub log: &'a RequestLog,
}

/// Why no bootstrapping data was returned.
#[derive(Debug, thiserror::Error)]
pub(crate) enum BootstrapError {
    /// Nothing this device may have (no response matched, or signed data asked for and none
    /// configured); the device is told why.
    #[error("{0}")]
    NoData(String),
    /// The server's configuration cannot serve this device; the operator is told why.
    #[error("{0}")]
    Configuration(String),
    /// The store failed.
    #[error("storage: {0}")]
    Store(#[from] StoreError),
}

impl BootstrapError {
    /// What the device is told.
    pub(crate) fn public_message(&self) -> String {
        match self {
            BootstrapError::NoData(m) => m.clone(),
            BootstrapError::Configuration(_) | BootstrapError::Store(_) => {
                "the server cannot build a response for this device; the operator has been told why".into()
            }
        }
    }
}

impl From<BuildError> for BootstrapError {
    fn from(e: BuildError) -> Self {
        match e {
            BuildError::SignedDataRequired => BootstrapError::NoData(e.to_string()),
            other => BootstrapError::Configuration(other.to_string()),
        }
    }
}

impl From<LoadError> for BootstrapError {
    fn from(e: LoadError) -> Self {
        match e {
            LoadError::Build(b) => b.into(),
            LoadError::Store(s) => s.into(),
        }
    }
}

/// Runs get-bootstrapping-data for `req.device`, conveyed information written in `encoding`
/// (unless the device's profile fixes it), and records the outcome in `req.log`.
pub(crate) async fn get_bootstrapping_data(
    site: &Site<'_>,
    req: &DeviceRequest<'_>,
    input: &GetBootstrappingDataInput,
    encoding: Encoding,
) -> Result<GetBootstrappingDataOutput, BootstrapError> {
    let serial = &req.device.serial;
    match respond(site, req, input, encoding).await {
        Ok((output, description, response)) => {
            let detail = serde_json::json!({
                "response": response,
                "hw-model": input.hw_model,
                "os-name": input.os_name,
                "os-version": input.os_version,
                "signed-data-preferred": input.signed_data_preferred,
            });
            let change = StatusChange { attempt: true, ..StatusChange::default() };
            let ev = event(site.tenant, Some(req.device), req.source, OPERATION, description.clone(), change);
            req.log.record(BootstrapEvent { detail: Some(detail), ..ev });
            info!(%serial, endpoint = %site.endpoint, "{description}");
            Ok(output)
        }
        Err(e) => {
            info!(%serial, reason = %e, "get-bootstrapping-data refused");
            let detail = serde_json::json!({ "error": e.public_message() });
            req.log.record(refusal(site.tenant, req.device, req.source, OPERATION, e.to_string(), Some(detail)));
            Err(e)
        }
    }
}

/// The output, a description for the log, and the response's name.
async fn respond(
    site: &Site<'_>,
    req: &DeviceRequest<'_>,
    input: &GetBootstrappingDataInput,
    encoding: Encoding,
) -> Result<(GetBootstrappingDataOutput, String, String), BootstrapError> {
    let device = req.device;
    let profile = device.device_type.profile;
    let facts = RequestFacts { input, source: req.source.ip() };
    let rule = select(&device.device.rules, &device.device_type.rules, &facts)
        .map_err(|no| BootstrapError::NoData(no.message().into()))?;
    let key = ConveyedKey {
        tenant: site.tenant,
        response: rule.response.clone(),
        encoding: if profile == CompatProfile::CiscoIosXe { Encoding::Json } else { encoding },
        profile,
        authority: req.authority.map(str::to_owned),
    };
    let prepared = prepared(site, &key).await?;

    let available = material::available(site, device).await?;
    let policy = device.device.signing.unwrap_or(device.device_type.signing);
    let sign = must_sign(policy, profile, prepared.onboarding, input.signed_data_preferred, available.is_some())?;
    let owner = match (&available, sign) {
        (Some(a), true) => Some(material::owner(site, &a.owner_certificate).await?),
        _ => None,
    };
    let signed_conveyed = match (&owner, &available) {
        (Some(owner), Some(a)) => {
            // A nonce asks for fresh data: signed now, never from the cache.
            Some(signed(site, &key, &a.owner_certificate, &prepared, owner, input.nonce.is_none())?)
        }
        _ => None,
    };
    let recipient = match (device.device.encrypt.unwrap_or(device.device_type.encrypt), &device.client_cert) {
        (false, _) => None,
        (true, Some(cert)) => Some(cert.der().to_vec()),
        (true, None) => Some(device.device.idevid_cert_der.clone().ok_or(BuildError::NoRecipient)?),
    };
    let level = match device.device.reporting_level.unwrap_or(device.device_type.reporting_level) {
        StoredLevel::Minimal => ReportingLevel::Minimal,
        StoredLevel::Verbose => ReportingLevel::Verbose,
    };
    let signed = match (&signed_conveyed, &owner, &available) {
        (Some(ci), Some(owner), Some(a)) => Some(Signed {
            conveyed: ci,
            owner_certificate: &owner.owner_certificate,
            ownership_voucher: &a.voucher.cms_der,
        }),
        _ => None,
    };
    let packaging = Packaging {
        signed,
        encrypt_to: recipient.as_deref(),
        reporting_level: (profile != CompatProfile::OpiAgent).then_some(level),
    };
    let output = package(&prepared, &packaging)?;
    let kind = if prepared.onboarding { "onboarding-information" } else { "redirect-information" };
    let description = format!(
        "{kind} \"{}\"{}{}",
        key.response,
        if owner.is_some() { ", signed" } else { ", unsigned" },
        if recipient.is_some() { ", encrypted" } else { "" }
    );
    Ok((output, description, key.response))
}

/// The conveyed information of a response, encoded for one shape: cached, else built from the
/// stored response.
async fn prepared(site: &Site<'_>, key: &ConveyedKey) -> Result<Arc<Prepared>, BootstrapError> {
    let generation = site.caches.generation();
    if let Some(found) = site.caches.conveyed.get(generation, key) {
        return Ok(found);
    }
    let mut response = site.store.get_response(site.tenant, &key.response).await?.ok_or_else(|| {
        BootstrapError::Configuration(format!("rule names response \"{}\", which does not exist", key.response))
    })?;
    fill_artifact(site, key.authority.as_deref(), &mut response.spec).await?;
    let info = conveyed_information(&response.spec, key.profile)?;
    let prepared = Arc::new(prepare(&info, key.encoding));
    site.caches.conveyed.insert(generation, key.clone(), prepared.clone());
    Ok(prepared)
}

/// The SignedData of prepared conveyed information: the cached one (same content, same owner)
/// when `reuse`, else signed now.
fn signed(
    site: &Site<'_>,
    key: &ConveyedKey,
    owner_name: &str,
    prepared: &Prepared,
    owner: &OwnerMaterial,
    reuse: bool,
) -> Result<Arc<Vec<u8>>, BootstrapError> {
    let generation = site.caches.generation();
    let cache_key = (key.clone(), owner_name.to_owned());
    if reuse && let Some(found) = site.caches.signed.get(generation, &cache_key) {
        return Ok(found);
    }
    let fresh = Arc::new(sign_conveyed(prepared, owner, OffsetDateTime::now_utc())?);
    if reuse {
        site.caches.signed.insert(generation, cache_key, fresh.clone());
    }
    Ok(fresh)
}

/// A boot image naming a served artifact gets the artifact's SHA-256 (unless given) and, when
/// it has no download URI, one on this endpoint's `/files/` at the authority the device used.
async fn fill_artifact(
    site: &Site<'_>,
    authority: Option<&str>,
    spec: &mut ResponseSpec,
) -> Result<(), BootstrapError> {
    let ResponseSpec::Onboarding(o) = spec else { return Ok(()) };
    let Some(image) = o.boot_image.as_mut() else { return Ok(()) };
    let Some(name) = image.artifact.clone() else { return Ok(()) };
    if image.download_uris.is_empty() {
        match (site.serves_files, authority) {
            (true, Some(host)) => image.download_uris.push(format!("https://{host}/files/{name}")),
            _ => {
                return Err(BootstrapError::Configuration(format!(
                    "boot image artifact \"{name}\" has no download URI, and endpoint \"{}\" does not serve files",
                    site.endpoint
                )));
            }
        }
    }
    if image.sha256_hex.is_some() {
        return Ok(());
    }
    let meta = site
        .store
        .artifact_meta(site.tenant, &name)
        .await?
        .ok_or_else(|| BootstrapError::Configuration(format!("boot image artifact \"{name}\" does not exist")))?;
    image.sha256_hex = Some(meta.sha256.iter().map(|b| format!("{b:02x}")).collect());
    Ok(())
}
