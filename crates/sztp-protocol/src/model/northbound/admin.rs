//! `administrators/administrator`: an operator account, its access level and tenants, a
//! write-only password and read-only login state.

use serde_json::Value;
use time::OffsetDateTime;

use super::{Fields, ListEntry, Out, YangEnum, yang_enum};
use crate::codec::DecodeError;

yang_enum! {
    /// What an administrator may do.
    AccessLevel {
        /// Everything, administrators and endpoints included.
        Unrestricted = "unrestricted",
        /// Read and write configuration.
        ReadWrite = "read-write",
        /// Read only.
        ReadOnly = "read-only",
    }
    default = ReadOnly
}

/// One administrator.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Administrator {
    /// Login name (the key).
    pub login: String,
    /// E-mail address.
    pub email: Option<String>,
    /// Write-only password, in clear (the server keeps only its hash).
    pub password: Option<String>,
    /// Access level.
    pub access_level: AccessLevel,
    /// The tenants it is limited to (none: system-wide).
    pub tenants: Vec<String>,
    /// A client certificate it may authenticate with (DER).
    pub client_certificate: Option<Vec<u8>>,
    /// When the password last changed (read-only).
    pub password_changed_at: Option<OffsetDateTime>,
    /// Locked out until (read-only).
    pub locked_until: Option<OffsetDateTime>,
    /// Last successful login (read-only).
    pub last_login: Option<OffsetDateTime>,
}

impl ListEntry for Administrator {
    const LIST: &'static str = "administrator";

    fn read_entry(mut f: Fields<'_>) -> Result<Self, DecodeError> {
        let login = f.required_string("login")?;
        let email = f.string("email")?;
        if email.as_deref() == Some("") {
            return Err(f.invalid("email", "must not be empty (omit it instead)"));
        }
        let admin = Administrator {
            login,
            email,
            password: f.string("password")?,
            access_level: f.enumeration("access-level")?.unwrap_or_default(),
            tenants: f.string_list("tenant")?,
            client_certificate: f.binary("client-certificate")?,
            password_changed_at: None,
            locked_until: None,
            last_login: None,
        };
        let mut admin = admin;
        if f.is_reply() {
            admin.password_changed_at = f.date_time("password-changed-at")?;
            admin.locked_until = f.date_time("locked-until")?;
            admin.last_login = f.date_time("last-login")?;
        }
        for read_only in ["password-changed-at", "locked-until", "last-login"] {
            f.ignore(read_only);
        }
        f.finish()?;
        Ok(admin)
    }

    fn to_value(&self) -> Value {
        let mut o = Out::default();
        o.put("login", self.login.as_str()).opt("email", self.email.clone()).opt("password", self.password.clone());
        o.put("access-level", self.access_level.as_str());
        if !self.tenants.is_empty() {
            o.put("tenant", self.tenants.clone());
        }
        if let Some(cert) = &self.client_certificate {
            o.binary("client-certificate", cert);
        }
        o.date_time("password-changed-at", self.password_changed_at)
            .date_time("locked-until", self.locked_until)
            .date_time("last-login", self.last_login)
            .done()
    }
}
