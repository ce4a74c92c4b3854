//! `tenants/tenant/vouchers/voucher`: ownership vouchers (CMS SignedData, base64) per device;
//! `expires-at` is read from the voucher when its signature checks against the certificates
//! it carries.

use serde_json::{Map, Value, json};
use sztp_protocol::cms::content_type::{ContentType, outer_content_type};
use sztp_store::StoredVoucher;

use super::json::{FieldError, Fields, b64, rfc3339};

/// RFC 7951 JSON of one voucher.
pub fn to_json(v: &StoredVoucher) -> Value {
    let mut o = Map::new();
    o.insert("serial".into(), json!(v.serial));
    o.insert("cms".into(), json!(b64(&v.cms_der)));
    if let Some(t) = v.expires_at {
        o.insert("expires-at".into(), json!(rfc3339(t)));
    }
    Value::Object(o)
}

/// A voucher from input JSON: `cms` must be a CMS SignedData.
pub fn from_json(v: &Value) -> Result<StoredVoucher, FieldError> {
    let mut f = Fields::new(v, "voucher")?;
    let serial = f.required_string("serial")?;
    let cms_der = f.binary("cms")?.ok_or(FieldError {
        node: "cms".into(),
        tag: "missing-element",
        message: "is mandatory".into(),
    })?;
    f.ignore("expires-at");
    f.finish()?;
    match outer_content_type(&cms_der) {
        Ok(ContentType::SignedData) => {}
        Ok(other) => return Err(FieldError::invalid("cms", format!("is {other}, not SignedData"))),
        Err(e) => return Err(FieldError::invalid("cms", format!("is not CMS: {e}"))),
    }
    Ok(StoredVoucher { serial, expires_at: expires_at(&cms_der), cms_der })
}

/// The voucher's expiry, when its content can be read.
fn expires_at(cms_der: &[u8]) -> Option<time::OffsetDateTime> {
    let signed = sztp_protocol::cms::signed_data::verify_signed(cms_der, &[]).ok()?;
    sztp_protocol::model::voucher::Voucher::from_json(&signed.content).ok()?.expires_on
}
