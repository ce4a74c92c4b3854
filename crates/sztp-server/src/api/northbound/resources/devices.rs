//! `tenants/tenant/devices/device`: RFC 7951 JSON of devices with their overrides, match rules
//! and (read-only) status; the activation code is write-only and hashed on input.

use serde_json::{Map, Value, json};
use sztp_store::{Device, DeviceStatus, ReportingLevel, SigningPolicy};

use crate::api::northbound::json::{FieldError, Fields, b64, rfc3339};
use crate::api::northbound::paging::{self, ListBody};
use crate::api::northbound::resource::{Resource, Scope};
use crate::api::northbound::rules::{enum_name, from_name, rule_json, rules_from_json};
use crate::api::northbound::{field_error, hash_secret, store_error};
use crate::restconf::ErrorReply;

/// RFC 7951 JSON of one device, with its status when known.
pub(crate) fn to_json(d: &Device, status: Option<&DeviceStatus>) -> Value {
    let mut o = Map::new();
    o.insert("serial".into(), json!(d.serial));
    o.insert("device-type".into(), json!(d.device_type));
    if let Some(cert) = &d.idevid_cert_der {
        o.insert("idevid-certificate".into(), json!(b64(cert)));
    }
    let mut overrides = Map::new();
    if let Some(l) = d.reporting_level {
        overrides.insert("reporting-level".into(), json!(enum_name(&l)));
    }
    if let Some(s) = d.signing {
        overrides.insert("signing".into(), json!(enum_name(&s)));
    }
    if let Some(e) = d.encrypt {
        overrides.insert("encrypt".into(), json!(e));
    }
    if let Some(oc) = &d.owner_certificate {
        overrides.insert("owner-certificate".into(), json!(oc));
    }
    if !overrides.is_empty() {
        o.insert("overrides".into(), Value::Object(overrides));
    }
    if !d.rules.is_empty() {
        o.insert("match-rule".into(), Value::Array(d.rules.iter().enumerate().map(|(i, r)| rule_json(i, r)).collect()));
    }
    o.insert("enabled".into(), json!(d.enabled));
    if let Some(s) = status {
        let mut st = Map::new();
        for (name, t) in [("first-seen", s.first_seen), ("last-seen", s.last_seen), ("completed-at", s.completed_at)] {
            if let Some(t) = t {
                st.insert(name.into(), json!(rfc3339(t)));
            }
        }
        // uint64 is a JSON string in RFC 7951.
        st.insert("attempts".into(), json!(s.attempts.to_string()));
        if let Some(stage) = &s.stage {
            st.insert("stage".into(), json!(stage));
        }
        if let Some(e) = &s.last_error {
            st.insert("last-error".into(), json!(e));
        }
        o.insert("status".into(), Value::Object(st));
    }
    Value::Object(o)
}

/// A device from input JSON, and its activation code in clear if one was given. `existing`
/// keeps the stored activation-code hash when the input omits the write-only leaf.
pub(crate) fn from_json(v: &Value, existing: Option<&Device>) -> Result<(Device, Option<String>), FieldError> {
    let mut f = Fields::new(v, "device")?;
    let serial = f.required_string("serial")?;
    let device_type = f.required_string("device-type")?;
    let code = f.string("activation-code")?;
    let given_hash = f.string("activation-code-hash")?;
    if code.is_some() && given_hash.is_some() {
        return Err(FieldError::invalid("activation-code-hash", "give the activation code or its hash, not both"));
    }
    if let Some(h) = &given_hash {
        crate::password::check_phc(h).map_err(|e| FieldError::invalid("activation-code-hash", e))?;
    }
    let idevid_cert_der = f.binary("idevid-certificate")?;
    let mut device = Device {
        serial,
        device_type,
        activation_code_hash: given_hash.or_else(|| existing.and_then(|e| e.activation_code_hash.clone())),
        idevid_cert_der,
        reporting_level: None,
        signing: None,
        encrypt: None,
        owner_certificate: None,
        rules: Vec::new(),
        enabled: f.boolean("enabled")?.unwrap_or(true),
    };
    if let Some(o) = f.object("overrides")? {
        let mut g = Fields::new(o, "overrides")?;
        device.reporting_level =
            g.string("reporting-level")?.map(|s| from_name::<ReportingLevel>("reporting-level", &s)).transpose()?;
        device.signing = g.string("signing")?.map(|s| from_name::<SigningPolicy>("signing", &s)).transpose()?;
        device.encrypt = g.boolean("encrypt")?;
        device.owner_certificate = g.string("owner-certificate")?;
        g.finish()?;
    }
    for rule in rules_from_json(f.list("match-rule")?)? {
        device.rules.push(rule);
    }
    f.ignore("status");
    f.finish()?;
    Ok((device, code))
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
        let serial = entry.get("serial").and_then(Value::as_str).unwrap_or_default();
        let existing = s.app.store().get_device(s.tenant(), serial).await.map_err(store_error)?;
        let (mut device, code) = from_json(entry, existing.as_ref()).map_err(field_error)?;
        if let Some(code) = code {
            device.activation_code_hash = Some(hash_secret(&code).await?);
        }
        s.app.store().put_device(s.tenant(), &device).await.map_err(store_error)
    }
    async fn delete(&self, s: &Scope<'_>, key: &str) -> Result<(), ErrorReply> {
        s.app.store().delete_device(s.tenant(), key).await.map_err(store_error)
    }
}
