//! `sztp-server:administrators`: RFC 7951 JSON of administrator accounts, write-only passwords
//! (hashed on input, checked against the minimum length), and the last-unrestricted guard.

use serde_json::{Map, Value, json};
use sztp_store::{AccessLevel, Administrator};

use crate::api::northbound::auth::Caller;
use crate::api::northbound::json::{FieldError, Fields, rfc3339};
use crate::api::northbound::paging::ListBody;
use crate::api::northbound::resource::{Resource, Scope};
use crate::api::northbound::{error, field_error, first_use_refusal, hash_secret, store_error};
use crate::restconf::ErrorReply;
use sztp_protocol::codec::Encoding;
use sztp_protocol::model::restconf_errors::ErrorTag;

/// RFC 7951 JSON of one administrator (never the password).
pub(crate) fn to_json(a: &Administrator) -> Value {
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
        o.insert("client-certificate".into(), json!(crate::api::northbound::json::b64(cert)));
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
pub(crate) fn from_json(
    v: &Value,
    existing: Option<&Administrator>,
) -> Result<(Administrator, Option<String>), FieldError> {
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

/// `administrators/administrator={login}`: only unrestricted administrators see or change it;
/// on first use, the one write allowed creates an unrestricted system-wide administrator.
pub(crate) struct Administrators;

#[async_trait::async_trait]
impl Resource for Administrators {
    fn container(&self) -> &'static str {
        "administrators"
    }
    fn list(&self) -> &'static str {
        "administrator"
    }
    fn key(&self) -> &'static str {
        "login"
    }
    fn check_access(&self, caller: &Caller, _write: bool) -> Result<(), ErrorReply> {
        if caller.is_unrestricted() {
            Ok(())
        } else {
            Err(ErrorReply::forbidden(Encoding::Json, "only unrestricted administrators manage administrators"))
        }
    }
    async fn list_into(&self, s: &Scope<'_>, _: Option<&str>, body: &mut ListBody) -> Result<(), ErrorReply> {
        s.app.store().list_administrators().await.map_err(store_error)?.iter().for_each(|a| body.push(&to_json(a)));
        Ok(())
    }
    async fn get(&self, s: &Scope<'_>, key: &str) -> Result<Option<Value>, ErrorReply> {
        Ok(s.app.store().get_administrator(key).await.map_err(store_error)?.map(|a| to_json(&a)))
    }
    async fn put(&self, s: &Scope<'_>, entry: &Value) -> Result<(), ErrorReply> {
        let store = s.app.store();
        let login = entry.get("login").and_then(Value::as_str).unwrap_or_default();
        let existing = store.get_administrator(login).await.map_err(store_error)?;
        let (mut admin, password) = from_json(entry, existing.as_ref()).map_err(field_error)?;
        if matches!(s.caller, Caller::FirstUse)
            && !(admin.access_level == AccessLevel::Unrestricted && admin.tenants.is_empty())
        {
            return Err(first_use_refusal());
        }
        // Two first writes may race; inside this unit of work only one finds no administrator.
        if matches!(s.caller, Caller::FirstUse) && !store.list_administrators().await.map_err(store_error)?.is_empty() {
            let message = "an administrator was created meanwhile: first use is over; authenticate as an administrator";
            return Err(error(ErrorTag::ResourceDenied, message));
        }
        if let Some(pw) = password {
            let min = store.get_preferences().await.map_err(store_error)?.min_password_length;
            if pw.chars().count() < min as usize {
                return Err(error(ErrorTag::InvalidValue, format!("password: at least {min} characters are required")));
            }
            admin.password_hash = Some(hash_secret(&pw).await?);
            admin.password_changed_at = Some(time::OffsetDateTime::now_utc());
        }
        if admin.password_hash.is_none() && admin.client_cert_der.is_none() {
            let message = "password: an administrator needs a password or a client certificate";
            return Err(error(ErrorTag::MissingElement, message));
        }
        store.put_administrator_guarded(&admin).await.map_err(store_error)
    }
    async fn delete(&self, s: &Scope<'_>, key: &str) -> Result<(), ErrorReply> {
        s.app.store().delete_administrator_guarded(key).await.map_err(store_error)
    }
}
