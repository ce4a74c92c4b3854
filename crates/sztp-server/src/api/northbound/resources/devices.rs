//! `tenants/tenant/devices/device`: devices with their overrides, match rules and (read-only)
//! status; the activation code is write-only and hashed on input.

use serde_json::Value;
use sztp_protocol::codec::{DecodeError, DecodeErrorKind};
use sztp_protocol::model::northbound::ListEntry;
use sztp_protocol::model::northbound::device as wire;
use sztp_store::{Device, DeviceStatus};

use crate::api::northbound::paging::{self, ListBody};
use crate::api::northbound::resource::{Resource, Scope};
use crate::api::northbound::rules::*;
use crate::api::northbound::{decode_error, hash_secret, store_error};
use crate::restconf::ErrorReply;

/// The wire entry of one device, with its status when known.
pub(crate) fn to_wire(d: &Device, status: Option<&DeviceStatus>) -> wire::Device {
    wire::Device {
        serial: d.serial.clone(),
        device_type: d.device_type.clone(),
        activation_code: None,
        activation_code_hash: None,
        idevid_certificate: d.idevid_cert_der.clone(),
        overrides: wire::Overrides {
            reporting_level: d.reporting_level.map(reporting_from_store),
            signing: d.signing.map(signing_from_store),
            encrypt: d.encrypt,
            owner_certificate: d.owner_certificate.clone(),
        },
        match_rules: rules_from_store(&d.rules),
        enabled: d.enabled,
        status: status.map(|s| wire::DeviceStatus {
            first_seen: s.first_seen,
            last_seen: s.last_seen,
            completed_at: s.completed_at,
            attempts: u64::try_from(s.attempts).unwrap_or(0),
            stage: s.stage.clone(),
            last_error: s.last_error.clone(),
        }),
    }
}

/// RFC 7951 JSON of one device, with its status when known.
pub(crate) fn to_json(d: &Device, status: Option<&DeviceStatus>) -> Value {
    to_wire(d, status).to_value()
}

/// A store device from a wire one, and its activation code in clear if one was given. `existing`
/// keeps the stored activation-code hash when the input omits the write-only leaf.
pub(crate) fn from_wire(d: wire::Device, existing: Option<&Device>) -> Result<(Device, Option<String>), DecodeError> {
    if let Some(h) = &d.activation_code_hash {
        crate::password::check_phc(h)
            .map_err(|e| DecodeError::new("device/activation-code-hash", DecodeErrorKind::InvalidValue, e))?;
    }
    let device = Device {
        serial: d.serial,
        device_type: d.device_type,
        activation_code_hash: d.activation_code_hash.or_else(|| existing.and_then(|e| e.activation_code_hash.clone())),
        idevid_cert_der: d.idevid_certificate,
        reporting_level: d.overrides.reporting_level.map(reporting_to_store),
        signing: d.overrides.signing.map(signing_to_store),
        encrypt: d.overrides.encrypt,
        owner_certificate: d.overrides.owner_certificate,
        rules: rules_to_store(d.match_rules)?,
        enabled: d.enabled,
    };
    Ok((device, d.activation_code))
}

/// `tenants/tenant={t}/devices/device={serial}`: configuration with the device's status; the
/// list pages (`limit`, `offset`), and an activation code is stored only as its argon2 hash.
pub(crate) struct Devices;

#[async_trait::async_trait]
impl Resource for Devices {
    fn container(&self) -> &'static str {
        "devices"
    }
    fn list(&self) -> &'static str {
        "device"
    }
    fn key(&self) -> &'static str {
        "serial"
    }
    async fn list_into(&self, s: &Scope<'_>, query: Option<&str>, body: &mut ListBody) -> Result<(), ErrorReply> {
        let window = paging::Window::parse(query)?;
        paging::devices(s.app, s.tenant(), window, paging::PAGE, body).await
    }
    async fn get(&self, s: &Scope<'_>, key: &str) -> Result<Option<Value>, ErrorReply> {
        let Some(d) = s.app.store().get_device(s.tenant(), key).await.map_err(store_error)? else { return Ok(None) };
        let status = s.app.store().device_status(s.tenant(), key).await.map_err(store_error)?;
        Ok(Some(to_json(&d, status.as_ref())))
    }
    async fn config(&self, s: &Scope<'_>, key: &str) -> Result<Option<Value>, ErrorReply> {
        Ok(s.app.store().get_device(s.tenant(), key).await.map_err(store_error)?.map(|d| to_json(&d, None)))
    }
    async fn put(&self, s: &Scope<'_>, entry: &Value) -> Result<(), ErrorReply> {
        let input = wire::Device::from_value(entry).map_err(decode_error)?;
        let existing = s.app.store().get_device(s.tenant(), &input.serial).await.map_err(store_error)?;
        let (mut device, code) = from_wire(input, existing.as_ref()).map_err(decode_error)?;
        if let Some(code) = code {
            device.activation_code_hash = Some(hash_secret(&code).await?);
        }
        s.app.store().put_device(s.tenant(), &device).await.map_err(store_error)
    }
    async fn delete(&self, s: &Scope<'_>, key: &str) -> Result<(), ErrorReply> {
        s.app.store().delete_device(s.tenant(), key).await.map_err(store_error)
    }
}
