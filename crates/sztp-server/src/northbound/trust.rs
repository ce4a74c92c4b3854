//! `tenants/tenant/truststore/certificate-bag`: named sets of trust anchors, base64 DER.

use serde_json::{Map, Value, json};
use sztp_store::TrustBag;

use super::json::{FieldError, Fields, b64};

/// RFC 7951 JSON of one trust bag.
pub fn to_json(bag: &TrustBag) -> Value {
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
pub fn from_json(v: &Value) -> Result<TrustBag, FieldError> {
    let mut f = Fields::new(v, "certificate-bag")?;
    let name = f.required_string("name")?;
    let description = f.string("description")?;
    let certificates_der = certificates("certificate", &f.string_list("certificate")?)?;
    f.finish()?;
    Ok(TrustBag { name, description, certificates_der })
}
