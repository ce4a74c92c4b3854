//! `tenants/tenant/vouchers/voucher`: ownership vouchers (CMS SignedData) per device;
//! `expires-at` is read from the voucher when its signature checks against the certificates
//! it carries.

use serde_json::Value;
use sztp_protocol::cms::content_type::{ContentType, outer_content_type};
use sztp_protocol::codec::{DecodeError, DecodeErrorKind};
use sztp_protocol::model::northbound::ListEntry;
use sztp_protocol::model::northbound::trust as wire;
use sztp_store::StoredVoucher;

use crate::api::northbound::paging::{self, ListBody};
use crate::api::northbound::resource::{Resource, Scope};
use crate::api::northbound::{decode_error, store_error};
use crate::restconf::ErrorReply;

/// RFC 7951 JSON of one voucher.
pub(crate) fn to_json(v: &StoredVoucher) -> Value {
    wire::Voucher { serial: v.serial.clone(), cms: v.cms_der.clone(), expires_at: v.expires_at }.to_value()
}

/// A voucher from input JSON: `cms` must be a CMS SignedData.
pub(crate) fn from_json(v: &Value) -> Result<StoredVoucher, DecodeError> {
    let v = wire::Voucher::from_value(v)?;
    let bad = |m: String| DecodeError::new("voucher/cms", DecodeErrorKind::InvalidValue, m);
    match outer_content_type(&v.cms) {
        Ok(ContentType::SignedData) => {}
        Ok(other) => return Err(bad(format!("is {other}, not SignedData"))),
        Err(e) => return Err(bad(format!("is not CMS: {e}"))),
    }
    Ok(StoredVoucher { serial: v.serial, expires_at: expires_at(&v.cms), cms_der: v.cms })
}

/// The voucher's expiry, when its content can be read.
fn expires_at(cms_der: &[u8]) -> Option<time::OffsetDateTime> {
    let signed = sztp_protocol::cms::signed_data::verify_signed(cms_der, &[]).ok()?;
    sztp_protocol::model::voucher::Voucher::from_json(&signed.content).ok()?.expires_on
}

/// `tenants/tenant={t}/vouchers/voucher={serial}`; one per device, so listed page by page.
pub(crate) struct Vouchers;

#[async_trait::async_trait]
impl Resource for Vouchers {
    fn container(&self) -> &'static str {
        "vouchers"
    }
    fn list(&self) -> &'static str {
        "voucher"
    }
    fn key(&self) -> &'static str {
        "serial"
    }
    async fn list_into(&self, s: &Scope<'_>, _: Option<&str>, body: &mut ListBody) -> Result<(), ErrorReply> {
        paging::vouchers(s.app, s.tenant(), paging::PAGE, body).await
    }
    async fn get(&self, s: &Scope<'_>, key: &str) -> Result<Option<Value>, ErrorReply> {
        Ok(s.app.store().get_voucher(s.tenant(), key).await.map_err(store_error)?.map(|v| to_json(&v)))
    }
    async fn put(&self, s: &Scope<'_>, entry: &Value) -> Result<(), ErrorReply> {
        let v = from_json(entry).map_err(decode_error)?;
        s.app.store().put_voucher(s.tenant(), &v).await.map_err(store_error)
    }
    async fn delete(&self, s: &Scope<'_>, key: &str) -> Result<(), ErrorReply> {
        s.app.store().delete_voucher(s.tenant(), key).await.map_err(store_error)
    }
}
