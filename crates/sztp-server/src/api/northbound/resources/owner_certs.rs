//! `tenants/tenant/owner-certificates/owner-certificate`: the owner certificate chain (base64
//! DER here, a PEM chain in the store) and the name of its signing key.

use serde_json::{Map, Value, json};
use sztp_store::OwnerCertificate;

use crate::api::northbound::json::{FieldError, Fields, b64};
use crate::api::northbound::paging::ListBody;
use crate::api::northbound::resource::{Resource, Scope};
use crate::api::northbound::{field_error, store_error};
use crate::restconf::ErrorReply;

/// RFC 7951 JSON of one owner certificate.
pub(crate) fn to_json(oc: &OwnerCertificate) -> Value {
    let certs: Vec<Value> = sztp_protocol::x509::load_certificates(oc.cert_chain_pem.as_bytes())
        .map(|certs| certs.iter().map(|c| json!(b64(c.der()))).collect())
        .unwrap_or_default();
    let mut o = Map::new();
    o.insert("name".into(), json!(oc.name));
    o.insert("key".into(), json!(oc.key));
    o.insert("certificate".into(), Value::Array(certs));
    Value::Object(o)
}

/// An owner certificate from input JSON; the chain needs at least one certificate.
pub(crate) fn from_json(v: &Value) -> Result<OwnerCertificate, FieldError> {
    let mut f = Fields::new(v, "owner-certificate")?;
    let name = f.required_string("name")?;
    let key = f.required_string("key")?;
    let ders = crate::api::northbound::trust::certificates("certificate", &f.string_list("certificate")?)?;
    f.finish()?;
    if ders.is_empty() {
        return Err(FieldError {
            node: "certificate".into(),
            tag: "missing-element",
            message: "at least one certificate is required".into(),
        });
    }
    let cert_chain_pem = ders.iter().map(|d| sztp_ca::pem_encode("CERTIFICATE", d)).collect();
    Ok(OwnerCertificate { name, key, cert_chain_pem })
}

/// `tenants/tenant={t}/owner-certificates/owner-certificate={name}`.
pub(crate) struct OwnerCertificates;

#[async_trait::async_trait]
impl Resource for OwnerCertificates {
    fn container(&self) -> &'static str {
        "owner-certificates"
    }
    fn list(&self) -> &'static str {
        "owner-certificate"
    }
    async fn list_into(&self, s: &Scope<'_>, _: Option<&str>, body: &mut ListBody) -> Result<(), ErrorReply> {
        let all = s.app.store().list_owner_certificates(s.tenant()).await.map_err(store_error)?;
        all.iter().for_each(|oc| body.push(&to_json(oc)));
        Ok(())
    }
    async fn get(&self, s: &Scope<'_>, key: &str) -> Result<Option<Value>, ErrorReply> {
        Ok(s.app.store().get_owner_certificate(s.tenant(), key).await.map_err(store_error)?.map(|oc| to_json(&oc)))
    }
    async fn put(&self, s: &Scope<'_>, entry: &Value) -> Result<(), ErrorReply> {
        let oc = from_json(entry).map_err(field_error)?;
        s.app.store().put_owner_certificate(s.tenant(), &oc).await.map_err(store_error)
    }
    async fn delete(&self, s: &Scope<'_>, key: &str) -> Result<(), ErrorReply> {
        s.app.store().delete_owner_certificate(s.tenant(), key).await.map_err(store_error)
    }
}
