//! Administrators of the northbound API and the system-wide preferences that govern their logins.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// What an administrator may do through the northbound API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AccessLevel {
    /// Everything, including administrators, tenants, endpoints and preferences.
    Unrestricted,
    /// Read and change the data of the administrator's tenants.
    ReadWrite,
    /// Read the data of the administrator's tenants.
    #[default]
    ReadOnly,
}

/// An administrator account (system-wide, not owned by a tenant).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Administrator {
    /// Unique login name.
    pub login: String,
    /// Where notifications for this administrator go.
    pub email: String,
    /// PHC string of the password hash (made by the caller); `None` for certificate-only accounts.
    #[serde(default)]
    pub password_hash: Option<String>,
    /// TLS client certificate (DER) the administrator must present, if any.
    #[serde(default, with = "crate::b64::opt_bytes")]
    pub client_cert_der: Option<Vec<u8>>,
    /// What the administrator may do.
    #[serde(default)]
    pub access_level: AccessLevel,
    /// Names of the tenants the administrator may act on; empty means every tenant.
    #[serde(default)]
    pub tenants: Vec<String>,
    /// Consecutive failed logins.
    #[serde(default)]
    pub failed_logins: u32,
    /// Set while the account is locked after too many failed logins.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub locked_until: Option<OffsetDateTime>,
    /// When the password was last set.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub password_changed_at: Option<OffsetDateTime>,
    /// When the administrator last authenticated successfully.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub last_login: Option<OffsetDateTime>,
}

impl Administrator {
    /// Whether this administrator is unrestricted and system-wide (no tenant listed), the kind of
    /// which at least one must exist once any administrator exists.
    pub fn is_unrestricted(&self) -> bool {
        self.access_level == AccessLevel::Unrestricted && self.tenants.is_empty()
    }
}

/// System-wide policies (one row).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Preferences {
    /// Shortest password accepted, in characters.
    pub min_password_length: u32,
    /// Days after which a password must be changed; `None`: passwords do not expire.
    pub password_max_age_days: Option<u32>,
    /// Consecutive failed logins that lock an account; 0 disables lockout.
    pub lockout_threshold: u32,
    /// How long a locked account stays locked, in seconds.
    pub lockout_duration_secs: u32,
}

impl Default for Preferences {
    fn default() -> Self {
        Self { min_password_length: 12, password_max_age_days: None, lockout_threshold: 5, lockout_duration_secs: 900 }
    }
}
