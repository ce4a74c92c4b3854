//! Talking to the northbound RESTCONF API: connection settings from flags, environment or a
//! saved profile (a 0600 file in the user's config directory), and one blocking HTTP client.

pub mod artifacts;
pub mod commands;
pub mod import;
pub mod keys;
pub mod logs;
mod progress;
pub mod responses;
mod rules;
pub mod trust;

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::CtlError;

/// Where and as whom to connect.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Profile {
    /// Server base URL, e.g. `http://127.0.0.1:8080`.
    pub server: String,
    /// Administrator login.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// Password (stored only if given to `profile set`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    /// CA certificate file to trust for HTTPS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cacert: Option<PathBuf>,
}

/// The profiles file: `$XDG_CONFIG_HOME/sztpctl/profiles.json` (or `~/.config/…`).
pub fn profiles_path() -> Result<PathBuf, CtlError> {
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))
        .ok_or_else(|| CtlError::input("cannot find a config directory (set HOME or XDG_CONFIG_HOME)"))?;
    Ok(base.join("sztpctl").join("profiles.json"))
}

/// Reads all saved profiles (none if the file does not exist).
pub fn load_profiles() -> Result<BTreeMap<String, Profile>, CtlError> {
    let path = profiles_path()?;
    match std::fs::read(&path) {
        Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| CtlError::input(format!("{}: {e}", path.display()))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(BTreeMap::new()),
        Err(e) => Err(CtlError::input(format!("{}: {e}", path.display()))),
    }
}

/// Writes the profiles file with mode 0600 (it may hold passwords).
pub fn save_profiles(profiles: &BTreeMap<String, Profile>) -> Result<PathBuf, CtlError> {
    use std::io::Write;
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let path = profiles_path()?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| CtlError::input(format!("{}: {e}", dir.display())))?;
    }
    let text = serde_json::to_string_pretty(profiles).map_err(CtlError::input)?;
    let tmp = path.with_extension("json.tmp");
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&tmp)
        .map_err(|e| CtlError::input(format!("{}: {e}", tmp.display())))?;
    file.set_permissions(std::fs::Permissions::from_mode(0o600)).map_err(CtlError::input)?;
    file.write_all(text.as_bytes()).map_err(CtlError::input)?;
    std::fs::rename(&tmp, &path).map_err(|e| CtlError::input(format!("{}: {e}", path.display())))?;
    Ok(path)
}

/// A connected client.
pub struct Client {
    http: reqwest::blocking::Client,
    profile: Profile,
}

/// A reply: status and JSON body (`Null` when empty), plus the Location header.
pub struct Reply {
    /// HTTP status.
    pub status: u16,
    /// Parsed body.
    pub body: Value,
    /// `Location`, after a create.
    pub location: Option<String>,
    /// `ETag`, when the server sent one.
    pub etag: Option<String>,
}

impl Client {
    /// Builds a client for a profile.
    pub fn new(profile: Profile) -> Result<Self, CtlError> {
        if profile.server.is_empty() {
            return Err(CtlError::input("no server: use --server URL, SZTPCTL_SERVER, or `sztpctl profile set`"));
        }
        let mut builder = reqwest::blocking::Client::builder().no_proxy();
        if let Some(ca) = &profile.cacert {
            let pem = std::fs::read(ca).map_err(|e| CtlError::input(format!("{}: {e}", ca.display())))?;
            let certs = reqwest::Certificate::from_pem_bundle(&pem)
                .map_err(|e| CtlError::input(format!("{}: {e}", ca.display())))?;
            builder = builder.tls_certs_only(certs);
        }
        let http = builder.build().map_err(|e| CtlError::Connection(e.to_string()))?;
        Ok(Client { http, profile })
    }

    /// Sends a request to `/restconf/data/{path}` (or an absolute `/…` path) with a JSON body.
    pub fn send(&self, method: reqwest::Method, path: &str, body: Option<Vec<u8>>) -> Result<Reply, CtlError> {
        self.send_as(method, path, body.map(|b| ("application/yang-data+json", b)))
    }

    /// Sends a request with a body of any media type.
    fn send_as(&self, method: reqwest::Method, path: &str, body: Option<(&str, Vec<u8>)>) -> Result<Reply, CtlError> {
        let path = if path.starts_with('/') { path.to_owned() } else { format!("/restconf/data/{path}") };
        let url = format!("{}{path}", self.profile.server.trim_end_matches('/'));
        let mut req = self.http.request(method, &url).header("accept", "application/yang-data+json");
        if let Some(user) = &self.profile.user {
            req = req.basic_auth(user, self.profile.password.as_deref());
        }
        if let Some((media_type, body)) = body {
            req = req.header("content-type", media_type).body(body);
        }
        let resp = req.send().map_err(|e| CtlError::Connection(format!("{url}: {e}")))?;
        let status = resp.status().as_u16();
        let header = |name: &str| resp.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
        let (location, etag) = (header("location"), header("etag"));
        let text = resp.text().map_err(|e| CtlError::Connection(e.to_string()))?;
        let body = if text.trim().is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        Ok(Reply { status, body, location, etag })
    }

    /// Like [`Client::send`], but a 4xx/5xx becomes [`CtlError::Refused`] with the server's message.
    pub fn call(&self, method: reqwest::Method, path: &str, body: Option<Vec<u8>>) -> Result<Reply, CtlError> {
        refused(self.send(method, path, body)?)
    }

    /// PUTs raw content of a media type to an absolute path (the artifact content API).
    pub fn upload(&self, path: &str, media_type: &str, content: Vec<u8>) -> Result<Reply, CtlError> {
        refused(self.send_as(reqwest::Method::PUT, path, Some((media_type, content)))?)
    }
}

/// A 4xx/5xx reply as [`CtlError::Refused`], with the `ietf-restconf:errors` message.
pub(crate) fn refused(reply: Reply) -> Result<Reply, CtlError> {
    if reply.status >= 400 {
        let error = &reply.body["ietf-restconf:errors"]["error"][0];
        let message = error["error-message"].as_str().or_else(|| reply.body.as_str()).unwrap_or("(no message)");
        let tag = error["error-tag"].as_str().unwrap_or("error");
        return Err(CtlError::Refused(format!("{} {tag}: {message}", reply.status)));
    }
    Ok(reply)
}

/// The RESTCONF path of a resource inside a tenant, e.g. `tenant_path("default", "keystore")`.
pub(crate) fn tenant_path(tenant: &str, rest: &str) -> String {
    format!("sztp-server:tenants/tenant={}/{rest}", encode(tenant))
}

/// Percent-encodes a list key for a RESTCONF path (RFC 8040 §3.5.3).
pub(crate) fn encode(key: &str) -> String {
    key.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A JSON leaf as table text: strings bare, absent as `-`.
pub(crate) fn cell(v: &Value) -> String {
    match v {
        Value::Null => "-".to_owned(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A `yang:date-and-time` leaf for a table: to the second, `-` when absent.
pub(crate) fn short_time(v: &Value) -> String {
    let text = cell(v);
    match text.find('.') {
        Some(dot) => {
            let end = text[dot + 1..].find(|c: char| !c.is_ascii_digit()).map_or(text.len(), |i| dot + 1 + i);
            format!("{}{}", &text[..dot], &text[end..])
        }
        None => text,
    }
}

/// The entries of a list in a reply, e.g. `list(&body, "keystore", "asymmetric-key")`.
pub(crate) fn list(body: &Value, container: &str, list: &str) -> Vec<Value> {
    body[format!("sztp-server:{container}")][list].as_array().cloned().unwrap_or_default()
}

/// SHA-256 of bytes, as colon-separated hex pairs (the YANG `sha-256` typedef and RFC 8572 `hash-value`).
pub(crate) fn sha256_colon_hex(bytes: &[u8]) -> String {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, bytes);
    crate::input::to_hex(digest.as_ref(), ":")
}

/// Writes one line on stdout; `false` once the reader has gone (a closed pipe).
pub(crate) fn say(line: &str) -> bool {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{line}").and_then(|()| out.flush()).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_percent_encoded_and_paths_scoped_to_the_tenant() {
        assert_eq!(encode("SN/1 a"), "SN%2F1%20a");
        assert_eq!(tenant_path("a b", "keystore"), "sztp-server:tenants/tenant=a%20b/keystore");
    }

    #[test]
    fn table_times_stop_at_the_second() {
        assert_eq!(short_time(&Value::from("2026-01-02T03:04:05.123456Z")), "2026-01-02T03:04:05Z");
        assert_eq!(short_time(&Value::from("2026-01-02T03:04:05.5+01:00")), "2026-01-02T03:04:05+01:00");
        assert_eq!(short_time(&Value::from("2026-01-02T03:04:05Z")), "2026-01-02T03:04:05Z");
        assert_eq!(short_time(&Value::Null), "-");
    }

    #[test]
    fn sha256_is_written_as_95_characters_of_colon_hex() {
        let h = sha256_colon_hex(b"abc");
        assert_eq!(h.len(), 95);
        assert!(h.starts_with("ba:78:16:bf:8f:01:cf:ea"), "{h}");
    }
}
