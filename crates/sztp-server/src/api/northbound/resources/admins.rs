//! `sztp-server:administrators`: administrator accounts, write-only passwords (hashed on
//! input, checked against the minimum length), and the last-unrestricted guard.

use serde_json::Value;
use sztp_protocol::model::northbound::ListEntry;
use sztp_protocol::model::northbound::admin as wire;
use sztp_store::{AccessLevel, Administrator};

use crate::api::northbound::auth::Caller;
use crate::api::northbound::paging::ListBody;
use crate::api::northbound::resource::{Resource, Scope};
use crate::api::northbound::rules::{access_from_store, access_to_store};
use crate::api::northbound::{decode_error, error, first_use_refusal, hash_secret, store_error};
use crate::restconf::ErrorReply;
use sztp_protocol::codec::Encoding;
use sztp_protocol::model::restconf_errors::ErrorTag;

/// RFC 7951 JSON of one administrator (never the password).
pub(crate) fn to_json(a: &Administrator) -> Value {
    wire::Administrator {
        login: a.login.clone(),
        email: Some(a.email.clone()).filter(|e| !e.is_empty()),
        password: None,
        access_level: access_from_store(a.access_level),
        tenants: a.tenants.clone(),
        client_certificate: a.client_cert_der.clone(),
        password_changed_at: a.password_changed_at,
        locked_until: a.locked_until,
        last_login: a.last_login,
    }
    .to_value()
}

/// An administrator from its wire entry; `existing` keeps the stored password and counters
/// (write-only leaves are never returned, so a replace omits them). Returns the record and
/// the cleartext password if one was given (to hash and length-check).
fn from_wire(a: wire::Administrator, existing: Option<&Administrator>) -> (Administrator, Option<String>) {
    let access_level = access_to_store(a.access_level);
    let mut admin = existing.cloned().unwrap_or(Administrator {
        login: a.login.clone(),
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
    admin.login = a.login;
    admin.email = a.email.unwrap_or_default();
    admin.access_level = access_level;
    admin.tenants = a.tenants;
    admin.client_cert_der = a.client_certificate;
    (admin, a.password)
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
        s.app.store().list_administrators().await.map_err(store_error)?.iter().for_each(|a| body.push(to_json(a)));
        Ok(())
    }
    async fn get(&self, s: &Scope<'_>, key: &str) -> Result<Option<Value>, ErrorReply> {
        Ok(s.app.store().get_administrator(key).await.map_err(store_error)?.map(|a| to_json(&a)))
    }
    async fn put(&self, s: &Scope<'_>, entry: &Value) -> Result<(), ErrorReply> {
        let store = s.app.store();
        let input = wire::Administrator::from_value(entry).map_err(decode_error)?;
        let existing = store.get_administrator(&input.login).await.map_err(store_error)?;
        let (mut admin, password) = from_wire(input, existing.as_ref());
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
