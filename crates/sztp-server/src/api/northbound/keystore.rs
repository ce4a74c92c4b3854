//! `tenants/tenant/keystore`: asymmetric keys, created only by the `generate` and `import`
//! actions (so private keys never pass through the datastore) and sealed at rest; reads show the
//! public half only. Keys hold no certificates: a chain lives where it is used (owner
//! certificates, endpoints), so an import that sends one is refused rather than dropped.

use axum::http::Method;
use axum::response::Response;
use serde_json::{Value, json};
use sztp_ca::{KeyAlgorithm, PrivateKey};
use sztp_protocol::model::restconf_errors::ErrorTag;
use sztp_store::{StoredKey, TenantId};

use super::json::{Fields, b64, rfc3339};
use super::path::Step;
use super::resources::endpoints::{Needed, refuse_if_in_use};
use super::{error, field_error, no_such, store_error};
use crate::domain::keys;
use crate::restconf::ErrorReply;
use crate::restconf::{json_reply, no_content};
use crate::state::AppState;
use sztp_protocol::codec::Encoding;

fn to_json(k: &StoredKey) -> Value {
    json!({ "name": k.name, "algorithm": k.algorithm, "public-key": b64(&k.public_key_der), "created-at": rfc3339(k.created_at) })
}

/// Serves `keystore`, `keystore/asymmetric-key=N`, `keystore/generate` and `keystore/import`.
pub(super) async fn serve(
    app: &AppState,
    tenant: TenantId,
    method: &Method,
    step: Option<&Step>,
    input: Option<Value>,
) -> Result<Response, ErrorReply> {
    let store = app.store();
    match (method.clone(), step.map(|s| (s.name.as_str(), s.key.clone()))) {
        (Method::GET, None) => {
            let keys: Vec<Value> = store.list_keys(tenant).await.map_err(store_error)?.iter().map(to_json).collect();
            Ok(json_reply(json!({ "sztp-server:keystore": { "asymmetric-key": keys } })))
        }
        (Method::GET, Some(("asymmetric-key", Some(name)))) => {
            let k = store.get_key(tenant, &name).await.map_err(store_error)?.ok_or_else(|| no_such("key", &name))?;
            Ok(json_reply(json!({ "sztp-server:asymmetric-key": [to_json(&k)] })))
        }
        (Method::DELETE, Some(("asymmetric-key", Some(name)))) => {
            store.get_key(tenant, &name).await.map_err(store_error)?.ok_or_else(|| no_such("key", &name))?;
            refuse_if_in_use(store, tenant, Needed::Key, &name).await?;
            store.delete_key(tenant, &name).await.map_err(store_error)?;
            Ok(no_content())
        }
        (Method::POST, Some((action @ ("generate" | "import"), None))) => create_key(app, tenant, action, input).await,
        (Method::POST | Method::PUT | Method::PATCH, _) => Err(error(
            ErrorTag::OperationNotSupported,
            "keys are created with the keystore generate and import actions",
        )),
        _ => Err(ErrorReply::no_such(Encoding::Json, "no such keystore resource")),
    }
}

/// The `generate` and `import` actions: a new key, sealed under the key-encryption key.
async fn create_key(
    app: &AppState,
    tenant: TenantId,
    action: &str,
    input: Option<Value>,
) -> Result<Response, ErrorReply> {
    let store = app.store();
    let body = input.unwrap_or(Value::Null);
    let input = body
        .get("sztp-server:input")
        .ok_or_else(|| error(ErrorTag::MalformedMessage, "the body must hold \"sztp-server:input\""))?;
    let mut f = Fields::new(input, "input").map_err(field_error)?;
    let name = f.required_string("name").map_err(field_error)?;
    let key = if action == "generate" { generated(f).await? } else { imported(f)? };
    if store.get_key(tenant, &name).await.map_err(store_error)?.is_some() {
        return Err(error(ErrorTag::DataExists, format!("key \"{name}\" exists")));
    }
    let stored =
        keys::seal(app.kek(), tenant, &name, &key).map_err(|e| error(ErrorTag::OperationFailed, e.to_string()))?;
    store.put_key(tenant, &stored).await.map_err(store_error)?;
    let mut output = json!({ "public-key": b64(&stored.public_key_der) });
    if action == "import" {
        output["algorithm"] = json!(stored.algorithm);
    }
    Ok(json_reply(json!({ "sztp-server:output": output })))
}

/// A key generated with the input's algorithm (P-256 by default).
async fn generated(mut f: Fields<'_>) -> Result<PrivateKey, ErrorReply> {
    let alg = match f.string("algorithm").map_err(field_error)? {
        None => KeyAlgorithm::EcdsaP256,
        Some(a) => a
            .parse::<KeyAlgorithm>()
            .map_err(|_| error(ErrorTag::InvalidValue, format!("algorithm: \"{a}\" is not supported")))?,
    };
    f.finish().map_err(field_error)?;
    // RSA generation takes a while: keep it off the async workers.
    tokio::task::spawn_blocking(move || PrivateKey::generate(alg))
        .await
        .map_err(|e| error(ErrorTag::OperationFailed, e.to_string()))?
        .map_err(|e| error(ErrorTag::OperationFailed, e.to_string()))
}

/// The input's PKCS#8 key.
fn imported(mut f: Fields<'_>) -> Result<PrivateKey, ErrorReply> {
    let der = f
        .binary("private-key")
        .map_err(field_error)?
        .ok_or_else(|| error(ErrorTag::MissingElement, "private-key: PKCS#8 DER, base64, is mandatory"))?;
    f.finish().map_err(field_error)?;
    PrivateKey::from_pkcs8_der(&der).map_err(|e| error(ErrorTag::InvalidValue, format!("private-key: {e}")))
}
