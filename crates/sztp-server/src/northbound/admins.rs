//! `sztp-server:administrators`: RFC 7951 JSON of administrator accounts, write-only passwords
//! (hashed on input, checked against the minimum length), and the last-unrestricted guard.

use serde_json::{Map, Value, json};
use sztp_store::{AccessLevel, Administrator};

use super::json::{FieldError, Fields, rfc3339};

/// RFC 7951 JSON of one administrator (never the password).
pub fn to_json(a: &Administrator) -> Value {
    let mut o = Map::new();
    o.insert("login".into(), json!(a.login));
    if !a.email.is_empty() {
        o.insert("email".into(), json!(a.email));
    }
    o.insert("access-level".into(), json!(level_name(a.access_level)));
    if !a.tenants.is_empty() {
        o.insert("tenant".into(), json!(a.tenants));
    }
    if let Some(cert) = &a.client_cert_der {
        o.insert("client-certificate".into(), json!(super::json::b64(cert)));
    }
    for (name, t) in
        [("password-changed-at", a.password_changed_at), ("locked-until", a.locked_until), ("last-login", a.last_login)]
    {
        if let Some(t) = t {
            o.insert(name.into(), json!(rfc3339(t)));
        }
    }
    Value::Object(o)
}

fn level_name(l: AccessLevel) -> &'static str {
    match l {
        AccessLevel::Unrestricted => "unrestricted",
        AccessLevel::ReadWrite => "read-write",
        AccessLevel::ReadOnly => "read-only",
    }
}

/// An administrator from input JSON; `existing` keeps the stored password and counters when the
/// input has no `password` (write-only leaves are never returned, so a replace omits them).
/// Returns the record and the cleartext password if one was given (to hash and length-check).
pub fn from_json(v: &Value, existing: Option<&Administrator>) -> Result<(Administrator, Option<String>), FieldError> {
    let mut f = Fields::new(v, "administrator")?;
    let login = f.required_string("login")?;
    let email = f.string("email")?;
    if email.as_deref() == Some("") {
        return Err(FieldError::invalid("email", "must not be empty (omit it instead)"));
    }
    let email = email.unwrap_or_default();
    let password = f.string("password")?;
    let access_level = match f.string("access-level")?.as_deref() {
        None | Some("read-only") => AccessLevel::ReadOnly,
        Some("read-write") => AccessLevel::ReadWrite,
        Some("unrestricted") => AccessLevel::Unrestricted,
        Some(other) => return Err(FieldError::invalid("access-level", format!("\"{other}\" is not an access level"))),
    };
    let tenants = f.string_list("tenant")?;
    let client_cert_der = f.binary("client-certificate")?;
    for read_only in ["password-changed-at", "locked-until", "last-login"] {
        f.ignore(read_only);
    }
    f.finish()?;
    let mut admin = existing.cloned().unwrap_or(Administrator {
        login: login.clone(),
        email: String::new(),
        password_hash: None,
        client_cert_der: None,
        access_level,
        tenants: Vec::new(),
        failed_logins: 0,
        locked_until: None,
        password_changed_at: None,
        last_login: None,
    });
    admin.login = login;
    admin.email = email;
    admin.access_level = access_level;
    admin.tenants = tenants;
    admin.client_cert_der = client_cert_der;
    Ok((admin, password))
}
