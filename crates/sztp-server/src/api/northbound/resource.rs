//! One resource model: each list of the module is described once (names, key, access, store
//! operations) by a [`Resource`], and one set of verbs serves them all: GET of the list or an
//! entry, POST and PUT (create or replace), PATCH (merge) and DELETE.

use axum::http::Method;
use axum::response::Response;
use serde_json::{Value, json};
use sztp_store::TenantId;

use super::auth::Caller;
use super::paging::ListBody;
use super::{MODULE, entry, error, json as nb_json, no_such, path};
use crate::restconf::{ErrorReply, created_or_replaced, json_reply, no_content};
use crate::state::AppState;
use sztp_protocol::model::restconf_errors::ErrorTag;

/// Who asks, and in which tenant (none for system-wide lists such as administrators).
#[derive(Clone, Copy)]
pub(crate) struct Scope<'a> {
    /// Server state (its store is the request's unit of work for writes).
    pub app: &'a AppState,
    /// The authenticated caller.
    pub caller: &'a Caller,
    /// The tenant the path names, with its name.
    pub tenant: Option<(TenantId, &'a str)>,
}

impl Scope<'_> {
    /// The tenant's id (the default tenant for system-wide lists).
    pub(crate) fn tenant(&self) -> TenantId {
        self.tenant.map_or(TenantId::DEFAULT, |(id, _)| id)
    }

    /// Where an entry of `r` lives below `/restconf/data/`.
    fn location(&self, r: &dyn Resource, key: &str) -> String {
        let prefix = match self.tenant {
            Some((_, name)) => format!("{MODULE}:tenants/tenant={}/{}", path::encode(name), r.container()),
            None => format!("{MODULE}:{}", r.container()),
        };
        format!("{prefix}/{}={}", r.list(), path::encode(key))
    }
}

/// A list of the module: how to name, read, validate and write its entries.
#[async_trait::async_trait]
pub(crate) trait Resource: Send + Sync {
    /// The container holding the list (`device-types`).
    fn container(&self) -> &'static str;
    /// The list (`device-type`).
    fn list(&self) -> &'static str;
    /// The list's key leaf.
    fn key(&self) -> &'static str {
        "name"
    }
    /// Refuses callers who may not use this list beyond their access level (`write`: to change it).
    fn check_access(&self, _caller: &Caller, _write: bool) -> Result<(), ErrorReply> {
        Ok(())
    }
    /// Writes every entry (the query may page it).
    async fn list_into(&self, scope: &Scope<'_>, query: Option<&str>, body: &mut ListBody) -> Result<(), ErrorReply>;
    /// One entry, state included.
    async fn get(&self, scope: &Scope<'_>, key: &str) -> Result<Option<Value>, ErrorReply>;
    /// One entry as configuration, what a merge starts from.
    async fn config(&self, scope: &Scope<'_>, key: &str) -> Result<Option<Value>, ErrorReply> {
        self.get(scope, key).await
    }
    /// Validates an entry whole, then writes it (nothing is written when it is refused).
    async fn put(&self, scope: &Scope<'_>, entry: &Value) -> Result<(), ErrorReply>;
    /// Deletes an entry that exists.
    async fn delete(&self, scope: &Scope<'_>, key: &str) -> Result<(), ErrorReply>;
}

/// Serves `method` on the list `r` (no key) or one of its entries.
pub(crate) async fn serve(
    r: &dyn Resource,
    scope: &Scope<'_>,
    method: &Method,
    key: Option<&str>,
    query: Option<&str>,
    input: Option<Value>,
) -> Result<Response, ErrorReply> {
    r.check_access(scope.caller, *method != Method::GET && *method != Method::HEAD)?;
    match (method.clone(), key) {
        (Method::GET | Method::HEAD, None) => {
            let mut body = ListBody::new(r.container(), r.list());
            r.list_into(scope, query, &mut body).await?;
            Ok(body.finish())
        }
        (Method::GET | Method::HEAD, Some(key)) => {
            let v = r.get(scope, key).await?.ok_or_else(|| no_such(r.list(), key))?;
            Ok(json_reply(json!({ format!("{MODULE}:{}", r.list()): [v] })))
        }
        (Method::POST | Method::PUT, key) => create_or_replace(r, scope, *method == Method::POST, key, input).await,
        (Method::PATCH, Some(key)) => merge(r, scope, key, input).await,
        (Method::DELETE, Some(key)) => {
            r.get(scope, key).await?.ok_or_else(|| no_such(r.list(), key))?;
            r.delete(scope, key).await?;
            Ok(no_content())
        }
        _ => Err(error(ErrorTag::OperationNotSupported, "method not allowed here")),
    }
}

/// POST creates (409 if the entry exists); PUT creates or replaces. Inside the request's unit
/// of work, so two racing POSTs of one key see each other: one 201, one 409.
async fn create_or_replace(
    r: &dyn Resource,
    scope: &Scope<'_>,
    post: bool,
    key: Option<&str>,
    input: Option<Value>,
) -> Result<Response, ErrorReply> {
    let body = input.unwrap_or(Value::Null);
    let entry = entry(&body, r.list())?;
    let name = entry.get(r.key()).and_then(Value::as_str).unwrap_or_default().to_owned();
    if key.is_some_and(|k| k != name) {
        let message = format!("the {} in the body differs from the one in the path", r.key());
        return Err(error(ErrorTag::InvalidValue, message));
    }
    let exists = !name.is_empty() && r.config(scope, &name).await?.is_some();
    if post && exists {
        return Err(error(ErrorTag::DataExists, format!("{} \"{name}\" exists", r.list())));
    }
    r.put(scope, entry).await?;
    Ok(created_or_replaced(!exists, &scope.location(r, &name)))
}

/// PATCH: the entry's configuration merged with the body (RFC 8040 §4.6.1), validated whole.
async fn merge(r: &dyn Resource, scope: &Scope<'_>, key: &str, input: Option<Value>) -> Result<Response, ErrorReply> {
    let mut merged = r.config(scope, key).await?.ok_or_else(|| no_such(r.list(), key))?;
    let body = input.unwrap_or(Value::Null);
    let patch = entry(&body, r.list())?;
    if patch.get(r.key()).is_some_and(|k| k.as_str() != Some(key)) {
        return Err(error(ErrorTag::InvalidValue, format!("a PATCH cannot change the {}", r.key())));
    }
    nb_json::merge(&mut merged, patch);
    r.put(scope, &merged).await?;
    Ok(no_content())
}
