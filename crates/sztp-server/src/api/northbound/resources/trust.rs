//! `tenants/tenant/truststore/certificate-bag`: named sets of trust anchors.

use serde_json::Value;
use sztp_protocol::codec::{DecodeError, DecodeErrorKind};
use sztp_protocol::model::northbound::ListEntry;
use sztp_protocol::model::northbound::trust as wire;
use sztp_store::TrustBag;

use crate::api::northbound::paging::ListBody;
use crate::api::northbound::resource::{Resource, Scope};
use crate::api::northbound::resources::endpoints::{Needed, refuse_if_in_use};
use crate::api::northbound::{decode_error, store_error};
use crate::restconf::ErrorReply;

/// RFC 7951 JSON of one trust bag.
pub(crate) fn to_json(bag: &TrustBag) -> Value {
    let certificates = bag.certificates_der.clone();
    wire::CertificateBag { name: bag.name.clone(), description: bag.description.clone(), certificates }.to_value()
}

/// Checks that each DER value of leaf-list `path` is one certificate.
pub(crate) fn check_certificates(path: &str, ders: &[Vec<u8>]) -> Result<(), DecodeError> {
    for (i, der) in ders.iter().enumerate() {
        let bad = |m: String| DecodeError::new(path, DecodeErrorKind::InvalidValue, format!("entry {}: {m}", i + 1));
        if der.first() != Some(&0x30) {
            return Err(bad("not a DER certificate".into()));
        }
        sztp_protocol::x509::load_certificates(der).map_err(|e| bad(e.to_string()))?;
    }
    Ok(())
}

/// A trust bag from input JSON.
pub(crate) fn from_json(v: &Value) -> Result<TrustBag, DecodeError> {
    let bag = wire::CertificateBag::from_value(v)?;
    check_certificates("certificate-bag/certificate", &bag.certificates)?;
    Ok(TrustBag { name: bag.name, description: bag.description, certificates_der: bag.certificates })
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
            .for_each(|b| body.push(to_json(b)));
        Ok(())
    }
    async fn get(&self, s: &Scope<'_>, key: &str) -> Result<Option<Value>, ErrorReply> {
        Ok(s.app.store().get_trust_bag(s.tenant(), key).await.map_err(store_error)?.map(|b| to_json(&b)))
    }
    async fn put(&self, s: &Scope<'_>, entry: &Value) -> Result<(), ErrorReply> {
        let bag = from_json(entry).map_err(decode_error)?;
        s.app.store().put_trust_bag(s.tenant(), &bag).await.map_err(store_error)
    }
    async fn delete(&self, s: &Scope<'_>, key: &str) -> Result<(), ErrorReply> {
        refuse_if_in_use(s.app.store(), s.tenant(), Needed::TrustBag, key).await?;
        s.app.store().delete_trust_bag(s.tenant(), key).await.map_err(store_error)
    }
}
