//! `tenants/tenant/owner-certificates/owner-certificate`: the owner certificate chain (base64
//! DER here, a PEM chain in the store) and the name of its signing key.

use serde_json::{Map, Value, json};
use sztp_store::OwnerCertificate;

use super::json::{FieldError, Fields, b64};

/// RFC 7951 JSON of one owner certificate.
pub fn to_json(oc: &OwnerCertificate) -> Value {
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
pub fn from_json(v: &Value) -> Result<OwnerCertificate, FieldError> {
    let mut f = Fields::new(v, "owner-certificate")?;
    let name = f.required_string("name")?;
    let key = f.required_string("key")?;
    let ders = super::trust::certificates("certificate", &f.string_list("certificate")?)?;
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
