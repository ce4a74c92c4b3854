//! Makes minted devices known to the server through its northbound RESTCONF API: the
//! `devices/import` action, then one YANG Patch (RFC 8072) of vouchers per 500 devices.

use std::time::Duration;

use reqwest::Method;
use serde_json::Value;
use sztp_protocol::model::northbound::ListEntry;
use sztp_protocol::model::northbound::device::{Device, Signing};
use sztp_protocol::model::northbound::device_type::DeviceType;
use sztp_protocol::model::northbound::import::{ImportInput, ImportOutput, OnConflict};
use sztp_protocol::model::northbound::trust::{OwnerCertificate, Voucher};
use sztp_protocol::model::yang_patch::{Edit, Operation, YangPatch};
use sztp_protocol::x509::Certificate;

use super::mint::Masa;
use crate::error::AgentError;

/// Vouchers per YANG Patch request (about 1 MiB of base64, well under the 4 MiB body limit).
const VOUCHERS_PER_PATCH: usize = 500;

/// Where and as whom to register devices.
#[derive(Debug, Clone)]
pub(crate) struct Registrar {
    /// The northbound API's base URL (`http://127.0.0.1:8080`).
    pub(crate) url: String,
    /// Tenant of the devices.
    pub(crate) tenant: String,
    /// Administrator login and password (writes need an administrator).
    pub(crate) credentials: Option<(String, String)>,
    /// Device type of the new devices; `None`: the tenant's only one.
    pub(crate) device_type: Option<String>,
    /// Trust anchors (DER) of an HTTPS northbound endpoint; empty: the system's.
    pub(crate) anchors: Vec<Vec<u8>>,
    /// HTTP timeout.
    pub(crate) timeout: Duration,
}

/// What registration did.
#[derive(Debug, Clone, Default)]
pub(crate) struct Registered {
    /// The device type used.
    pub(crate) device_type: String,
    /// Devices created.
    pub(crate) created: u64,
    /// Devices that existed and were replaced.
    pub(crate) replaced: u64,
    /// Vouchers uploaded.
    pub(crate) vouchers: usize,
}

/// A northbound session.
struct Nbi<'a> {
    http: reqwest::Client,
    base: String,
    registrar: &'a Registrar,
}

impl Nbi<'_> {
    /// Sends one request; a non-success status becomes the server's RFC 8040 error message.
    async fn call(&self, method: Method, path: &str, media: &str, body: Option<Value>) -> Result<Value, AgentError> {
        let mut req = self
            .http
            .request(method.clone(), format!("{}{path}", self.base))
            .header("accept", "application/yang-data+json");
        if let Some((user, password)) = &self.registrar.credentials {
            req = req.basic_auth(user, Some(password));
        }
        if let Some(body) = body {
            req = req.header("content-type", media).body(body.to_string());
        }
        let what = format!("{method} {}", path.split('?').next().unwrap_or(path));
        let refused = |m: String| AgentError::Config(format!("registration refused: {what}: {m}"));
        let r = req.send().await.map_err(|e| refused(error_chain(&e)))?;
        let status = r.status();
        let text = r.text().await.map_err(|e| refused(error_chain(&e)))?;
        let value: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        if !status.is_success() {
            let message = error_message(&value).unwrap_or_else(|| text.lines().next().unwrap_or("").to_owned());
            return Err(refused(format!("{status}: {message}")));
        }
        Ok(value)
    }

    async fn get(&self, path: &str) -> Result<Value, AgentError> {
        self.call(Method::GET, path, "", None).await
    }
}

/// Creates (or replaces) the devices and uploads a voucher for each when `masa` is given.
pub(crate) async fn register(
    registrar: &Registrar,
    serials: &[String],
    masa: Option<&Masa>,
) -> Result<Registered, AgentError> {
    let mut http = reqwest::Client::builder().timeout(registrar.timeout);
    if !registrar.anchors.is_empty() {
        let certs = registrar
            .anchors
            .iter()
            .map(|d| reqwest::Certificate::from_der(d))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| AgentError::Config(format!("--register-trust: {e}")))?;
        http = http.tls_certs_only(certs);
    }
    let http = http.build().map_err(|e| AgentError::Config(format!("HTTP client: {e}")))?;
    let base = format!(
        "{}/restconf/data/sztp-server:tenants/tenant={}/",
        registrar.url.trim_end_matches('/'),
        registrar.tenant
    );
    let nbi = Nbi { http, base, registrar };

    let device_type = pick_device_type(&nbi).await?;
    let name = device_type.name.clone();
    let pinned = match (masa, &device_type.owner_certificate) {
        (Some(_), Some(owner)) => Some(owner_root(&nbi, owner).await?),
        (Some(_), None) => {
            return Err(AgentError::Config(format!(
                "device type \"{name}\" has no owner certificate for vouchers to pin"
            )));
        }
        (None, _) if device_type.signing == Signing::Signed => {
            return Err(AgentError::Config(format!(
                "device type \"{name}\" signs conveyed information: give --masa-cert and --masa-key so each device gets a voucher"
            )));
        }
        (None, _) => None,
    };

    let devices = serials.iter().map(|s| Device::new(s, &name)).collect();
    let input = ImportInput { on_conflict: OnConflict::Replace, devices }.document();
    let output = nbi.call(Method::POST, "devices/import", "application/yang-data+json", Some(input)).await?;
    let output = ImportOutput::from_document(&output).map_err(|e| unexpected("devices/import", &e))?;
    if let Some(f) = output.failures.first() {
        return Err(AgentError::Config(format!(
            "registration refused: device {}: {}",
            f.serial.as_deref().unwrap_or("?"),
            f.reason
        )));
    }
    let mut registered = Registered {
        device_type: name,
        created: u64::from(output.created),
        replaced: u64::from(output.replaced),
        vouchers: 0,
    };

    if let (Some(masa), Some(pinned)) = (masa, pinned) {
        for (n, chunk) in serials.chunks(VOUCHERS_PER_PATCH).enumerate() {
            let mut edits = Vec::with_capacity(chunk.len());
            for serial in chunk {
                let voucher = Voucher { serial: serial.clone(), cms: masa.voucher(serial, &pinned)?, expires_at: None };
                edits.push(Edit {
                    id: serial.clone(),
                    operation: Operation::Replace,
                    target: format!("/voucher={serial}"),
                    value: Some(voucher.document()),
                });
            }
            let patch = YangPatch { patch_id: format!("sim-vouchers-{n}"), edits }.document();
            nbi.call(Method::PATCH, "vouchers", "application/yang-patch+json", Some(patch)).await?;
            registered.vouchers += chunk.len();
        }
    }
    Ok(registered)
}

/// A reply the server should not have sent.
fn unexpected(what: &str, e: &sztp_protocol::codec::DecodeError) -> AgentError {
    AgentError::Config(format!("registration: unexpected reply to {what}: {e}"))
}

/// The named device type, or the tenant's only one.
async fn pick_device_type(nbi: &Nbi<'_>) -> Result<DeviceType, AgentError> {
    let list = nbi.get("device-types").await?;
    let types = DeviceType::from_reply(&list).map_err(|e| unexpected("device-types", &e))?;
    let names: Vec<&str> = types.iter().map(|t| t.name.as_str()).collect();
    match &nbi.registrar.device_type {
        Some(wanted) => types.iter().find(|t| t.name == *wanted).cloned().ok_or_else(|| {
            AgentError::Config(format!(
                "device type \"{wanted}\" does not exist on the server (it has: {})",
                names.join(", ")
            ))
        }),
        None if types.len() == 1 => Ok(types[0].clone()),
        None => Err(AgentError::Config(format!(
            "the server has {} device types ({}): choose one with --device-type",
            types.len(),
            names.join(", ")
        ))),
    }
}

/// The certificate a voucher pins: the last of the owner certificate's chain (its root, or the
/// owner certificate itself when it comes alone).
async fn owner_root(nbi: &Nbi<'_>, name: &str) -> Result<Vec<u8>, AgentError> {
    let v = nbi.get(&format!("owner-certificates/owner-certificate={name}")).await?;
    let found = OwnerCertificate::from_reply(&v).map_err(|e| unexpected("owner-certificates", &e))?;
    let der = found
        .into_iter()
        .next()
        .and_then(|oc| oc.certificates.last().cloned())
        .ok_or_else(|| AgentError::Config(format!("owner certificate \"{name}\" has no certificate")))?;
    Certificate::from_der(&der).map_err(|e| AgentError::Config(format!("owner certificate \"{name}\": {e}")))?;
    Ok(der)
}

/// The first `error-message` in an RFC 8040 errors body or an RFC 8072 patch status.
pub(crate) fn error_message(v: &Value) -> Option<String> {
    match v {
        Value::Object(o) => o
            .get("error-message")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .or_else(|| o.values().find_map(error_message)),
        Value::Array(a) => a.iter().find_map(error_message),
        _ => None,
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut source = e.source();
    while let Some(inner) = source {
        s.push_str(": ");
        s.push_str(&inner.to_string());
        source = inner.source();
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn error_messages_are_found_in_restconf_errors_and_patch_status() {
        let restconf =
            json!({"ietf-restconf:errors": {"error": [{"error-tag": "access-denied", "error-message": "bad login"}]}});
        assert_eq!(error_message(&restconf).as_deref(), Some("bad login"));
        let patch = json!({"ietf-yang-patch:yang-patch-status": {"patch-id": "p", "edit-status": {"edit": [
            {"edit-id": "1", "errors": {"error": [{"error-tag": "invalid-value", "error-message": "no such device"}]}}]}}});
        assert_eq!(error_message(&patch).as_deref(), Some("no such device"));
        assert_eq!(error_message(&json!({"ok": [null]})), None);
    }
}
