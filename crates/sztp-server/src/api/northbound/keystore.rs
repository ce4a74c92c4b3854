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

use super::path::Step;
use super::resources::endpoints::{Needed, refuse_if_in_use};
use super::{decode_error, error, no_such, store_error};
use crate::domain::keys;
use crate::restconf::ErrorReply;
use crate::restconf::{json_reply, no_content};
use crate::state::AppState;
use sztp_protocol::codec::Encoding;
use sztp_protocol::model::northbound::ListEntry;
use sztp_protocol::model::northbound::keys::{AsymmetricKey, CreateKey, CreatedKey};

fn to_json(k: &StoredKey) -> Value {
    let key = AsymmetricKey {
        name: k.name.clone(),
        algorithm: k.algorithm.clone(),
        public_key: k.public_key_der.clone(),
        created_at: Some(k.created_at),
    };
    key.to_value()
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
    let create = CreateKey::from_document(action, &input.unwrap_or(Value::Null)).map_err(decode_error)?;
    let name = create.name().to_owned();
    let key = match create {
        CreateKey::Generate { algorithm, .. } => generated(algorithm).await?,
        CreateKey::Import { private_key, .. } => PrivateKey::from_pkcs8_der(&private_key)
            .map_err(|e| error(ErrorTag::InvalidValue, format!("private-key: {e}")))?,
    };
    if store.get_key(tenant, &name).await.map_err(store_error)?.is_some() {
        return Err(error(ErrorTag::DataExists, format!("key \"{name}\" exists")));
    }
    let stored =
        keys::seal(app.kek(), tenant, &name, &key).map_err(|e| error(ErrorTag::OperationFailed, e.to_string()))?;
    store.put_key(tenant, &stored).await.map_err(store_error)?;
    let algorithm = (action == "import").then(|| stored.algorithm.clone());
    Ok(json_reply(CreatedKey { public_key: stored.public_key_der, algorithm }.document()))
}

/// A key generated with the input's algorithm (P-256 by default).
async fn generated(algorithm: Option<String>) -> Result<PrivateKey, ErrorReply> {
    let alg = match algorithm {
        None => KeyAlgorithm::EcdsaP256,
        Some(a) => a
            .parse::<KeyAlgorithm>()
            .map_err(|_| error(ErrorTag::InvalidValue, format!("algorithm: \"{a}\" is not supported")))?,
    };
    // RSA generation takes a while: keep it off the async workers.
    tokio::task::spawn_blocking(move || PrivateKey::generate(alg))
        .await
        .map_err(|e| error(ErrorTag::OperationFailed, e.to_string()))?
        .map_err(|e| error(ErrorTag::OperationFailed, e.to_string()))
}
