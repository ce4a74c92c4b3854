//! `tenants/tenant/truststore/certificate-bag`: named sets of trust anchors, base64 DER.

use serde_json::{Map, Value, json};
use sztp_store::TrustBag;

use crate::api::northbound::json::{FieldError, Fields, b64};
use crate::api::northbound::paging::ListBody;
use crate::api::northbound::resource::{Resource, Scope};
use crate::api::northbound::resources::endpoints::{Needed, refuse_if_in_use};
use crate::api::northbound::{field_error, store_error};
use crate::restconf::ErrorReply;

/// RFC 7951 JSON of one trust bag.
pub(crate) fn to_json(bag: &TrustBag) -> Value {
    let mut o = Map::new();
    o.insert("name".into(), json!(bag.name));
    if let Some(d) = &bag.description {
        o.insert("description".into(), json!(d));
    }
    o.insert("certificate".into(), Value::Array(bag.certificates_der.iter().map(|c| json!(b64(c))).collect()));
    Value::Object(o)
}

/// Base64 DER certificates of a leaf-list, each checked to parse.
pub(super) fn certificates(node: &str, entries: &[String]) -> Result<Vec<Vec<u8>>, FieldError> {
    use base64::Engine;
    entries
        .iter()
        .enumerate()
        .map(|(i, text)| {
            let der = base64::engine::general_purpose::STANDARD
                .decode(text.trim())
                .map_err(|_| FieldError::invalid(node, format!("entry {} is not base64", i + 1)))?;
            if der.first() != Some(&0x30) {
                return Err(FieldError::invalid(node, format!("entry {} is not a DER certificate", i + 1)));
            }
            sztp_protocol::x509::load_certificates(&der)
                .map_err(|e| FieldError::invalid(node, format!("entry {}: {e}", i + 1)))?;
            Ok(der)
        })
        .collect()
}

/// A trust bag from input JSON.
pub(crate) fn from_json(v: &Value) -> Result<TrustBag, FieldError> {
    let mut f = Fields::new(v, "certificate-bag")?;
    let name = f.required_string("name")?;
    let description = f.string("description")?;
    let certificates_der = certificates("certificate", &f.string_list("certificate")?)?;
    f.finish()?;
    Ok(TrustBag { name, description, certificates_der })
}

/// `tenants/tenant={t}/truststore/certificate-bag={name}`.
pub(crate) struct TrustBags;

#[async_trait::async_trait]
impl Resource for TrustBags {
    fn container(&self) -> &'static str {
        "truststore"
    }
    fn list(&self) -> &'static str {
        "certificate-bag"
    }
    async fn list_into(&self, s: &Scope<'_>, _: Option<&str>, body: &mut ListBody) -> Result<(), ErrorReply> {
        s.app
            .store()
            .list_trust_bags(s.tenant())
            .await
            .map_err(store_error)?
            .iter()
            .for_each(|b| body.push(&to_json(b)));
        Ok(())
    }
    async fn get(&self, s: &Scope<'_>, key: &str) -> Result<Option<Value>, ErrorReply> {
        Ok(s.app.store().get_trust_bag(s.tenant(), key).await.map_err(store_error)?.map(|b| to_json(&b)))
    }
    async fn put(&self, s: &Scope<'_>, entry: &Value) -> Result<(), ErrorReply> {
        let bag = from_json(entry).map_err(field_error)?;
        s.app.store().put_trust_bag(s.tenant(), &bag).await.map_err(store_error)
    }
    async fn delete(&self, s: &Scope<'_>, key: &str) -> Result<(), ErrorReply> {
        refuse_if_in_use(s.app.store(), s.tenant(), Needed::TrustBag, key).await?;
        s.app.store().delete_trust_bag(s.tenant(), key).await.map_err(store_error)
    }
}
