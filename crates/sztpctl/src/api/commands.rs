//! The API commands: raw RESTCONF verbs, profiles and devices, printed as tables for people or
//! JSON for scripts.

use std::io::Read;

use reqwest::Method;
use serde_json::{Value, json};
use sztp_protocol::model::northbound::ListEntry;
use sztp_protocol::model::northbound::device::Device;

use super::{Client, Profile, encode, load_profiles, save_profiles, tenant_path};
use crate::CtlError;

/// Reads a request body from a file or `-` (stdin); it must be JSON.
pub fn read_body(source: &str) -> Result<Vec<u8>, CtlError> {
    let mut bytes = Vec::new();
    if source == "-" {
        std::io::stdin().read_to_end(&mut bytes).map_err(CtlError::input)?;
    } else {
        bytes = std::fs::read(source).map_err(|e| CtlError::input(format!("{source}: {e}")))?;
    }
    serde_json::from_slice::<Value>(&bytes).map_err(|e| CtlError::input(format!("{source}: not JSON: {e}")))?;
    Ok(bytes)
}

/// `get|put|post|patch|delete PATH [FILE|-]`: prints the reply body (or the Location).
pub fn raw(client: &Client, method: Method, path: &str, body: Option<Vec<u8>>) -> Result<(), CtlError> {
    let reply = client.call(method, path, body)?;
    if let Some(location) = reply.location {
        outln!("{location}");
    } else if !reply.body.is_null() {
        outln!("{}", serde_json::to_string_pretty(&reply.body).map_err(CtlError::input)?);
    }
    Ok(())
}

/// `profile set`: saves (or replaces) a named profile.
pub fn profile_set(name: &str, profile: Profile) -> Result<(), CtlError> {
    let mut all = load_profiles()?;
    all.insert(name.to_owned(), profile);
    let path = save_profiles(&all)?;
    outln!("profile \"{name}\" saved in {}", path.display());
    Ok(())
}

/// `profile list`: names and servers (never passwords).
pub fn profile_list(json_out: bool) -> Result<(), CtlError> {
    let all = load_profiles()?;
    if json_out {
        let v: Value = all.iter().map(|(n, p)| (n.clone(), json!({"server": p.server, "user": p.user}))).collect();
        outln!("{v}");
    } else {
        for (name, p) in all {
            outln!("{name:<16} {:<40} {}", p.server, p.user.unwrap_or_default());
        }
    }
    Ok(())
}

fn devices_path(tenant: &str) -> String {
    tenant_path(tenant, "devices")
}

/// `device list` / `device status`: one row per device.
pub fn device_list(client: &Client, tenant: &str, json_out: bool) -> Result<(), CtlError> {
    let reply = client.call(Method::GET, &devices_path(tenant), None)?;
    let devices = reply.body["sztp-server:devices"]["device"].as_array().cloned().unwrap_or_default();
    if json_out {
        outln!("{}", Value::Array(devices));
        return Ok(());
    }
    outln!("{:<20} {:<16} {:<24} {:>8} {:<20} LAST ERROR", "SERIAL", "TYPE", "STAGE", "ATTEMPTS", "LAST SEEN");
    for d in devices {
        let s = &d["status"];
        let text = |v: &Value| v.as_str().unwrap_or("-").to_owned();
        outln!(
            "{:<20} {:<16} {:<24} {:>8} {:<20} {}",
            text(&d["serial"]),
            text(&d["device-type"]),
            text(&s["stage"]),
            text(&s["attempts"]),
            text(&s["last-seen"]),
            text(&s["last-error"])
        );
    }
    Ok(())
}

/// `device show SN`.
pub fn device_show(client: &Client, tenant: &str, serial: &str) -> Result<(), CtlError> {
    let path = format!("{}/device={}", devices_path(tenant), encode(serial));
    let reply = client.call(Method::GET, &path, None)?;
    outln!("{}", serde_json::to_string_pretty(&reply.body["sztp-server:device"][0]).map_err(CtlError::input)?);
    Ok(())
}

/// `device add SN --type T [--activation-code C]`.
pub fn device_add(
    client: &Client,
    tenant: &str,
    serial: &str,
    device_type: &str,
    code: Option<&str>,
) -> Result<(), CtlError> {
    let device = Device { activation_code: code.map(str::to_owned), ..Device::new(serial, device_type) };
    let body = device.document().to_string().into_bytes();
    client.call(Method::POST, &devices_path(tenant), Some(body))?;
    outln!("device {serial} added");
    Ok(())
}

/// `device rm SN`.
pub fn device_rm(client: &Client, tenant: &str, serial: &str) -> Result<(), CtlError> {
    client.call(Method::DELETE, &format!("{}/device={}", devices_path(tenant), encode(serial)), None)?;
    outln!("device {serial} removed");
    Ok(())
}
