//! Talking to the northbound RESTCONF API: connection settings from flags, environment or a
//! saved profile (a 0600 file in the user's config directory), and one blocking HTTP client.

pub mod commands;
pub mod import;

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

    /// Sends a request to `/restconf/data/{path}` (or an absolute `/…` path).
    pub fn send(&self, method: reqwest::Method, path: &str, body: Option<Vec<u8>>) -> Result<Reply, CtlError> {
        let path = if path.starts_with('/') { path.to_owned() } else { format!("/restconf/data/{path}") };
        let url = format!("{}{path}", self.profile.server.trim_end_matches('/'));
        let mut req = self.http.request(method, &url).header("accept", "application/yang-data+json");
        if let Some(user) = &self.profile.user {
            req = req.basic_auth(user, self.profile.password.as_deref());
        }
        if let Some(body) = body {
            req = req.header("content-type", "application/yang-data+json").body(body);
        }
        let resp = req.send().map_err(|e| CtlError::Connection(format!("{url}: {e}")))?;
        let status = resp.status().as_u16();
        let location = resp.headers().get("location").and_then(|v| v.to_str().ok()).map(str::to_owned);
        let text = resp.text().map_err(|e| CtlError::Connection(e.to_string()))?;
        let body = if text.trim().is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        Ok(Reply { status, body, location })
    }

    /// Like [`Client::send`], but a 4xx/5xx becomes [`CtlError::Refused`] with the server's message.
    pub fn call(&self, method: reqwest::Method, path: &str, body: Option<Vec<u8>>) -> Result<Reply, CtlError> {
        let reply = self.send(method, path, body)?;
        if reply.status >= 400 {
            let error = &reply.body["ietf-restconf:errors"]["error"][0];
            let message = error["error-message"].as_str().or_else(|| reply.body.as_str()).unwrap_or("(no message)");
            let tag = error["error-tag"].as_str().unwrap_or("error");
            return Err(CtlError::Refused(format!("{} {tag}: {message}", reply.status)));
        }
        Ok(reply)
    }
}
