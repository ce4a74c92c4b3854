//! `tenants/tenant/owner-certificates/owner-certificate`: the owner certificate chain (DER on
//! the wire, a PEM chain in the store) and the name of its signing key.

use serde_json::Value;
use sztp_protocol::codec::DecodeError;
use sztp_protocol::model::northbound::ListEntry;
use sztp_protocol::model::northbound::trust as wire;
use sztp_store::OwnerCertificate;

use crate::api::northbound::paging::ListBody;
use crate::api::northbound::resource::{Resource, Scope};
use crate::api::northbound::{decode_error, store_error};
use crate::restconf::ErrorReply;

/// RFC 7951 JSON of one owner certificate.
pub(crate) fn to_json(oc: &OwnerCertificate) -> Value {
    let certificates = sztp_protocol::x509::load_certificates(oc.cert_chain_pem.as_bytes())
        .map(|certs| certs.iter().map(|c| c.der().to_vec()).collect())
        .unwrap_or_default();
    wire::OwnerCertificate { name: oc.name.clone(), key: oc.key.clone(), certificates }.to_value()
}

/// An owner certificate from input JSON; the chain needs at least one certificate.
pub(crate) fn from_json(v: &Value) -> Result<OwnerCertificate, DecodeError> {
    let oc = wire::OwnerCertificate::from_value(v)?;
    crate::api::northbound::trust::check_certificates("owner-certificate/certificate", &oc.certificates)?;
    let cert_chain_pem = oc.certificates.iter().map(|d| sztp_ca::pem_encode("CERTIFICATE", d)).collect();
    Ok(OwnerCertificate { name: oc.name, key: oc.key, cert_chain_pem })
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
        all.iter().for_each(|oc| body.push(to_json(oc)));
        Ok(())
    }
    async fn get(&self, s: &Scope<'_>, key: &str) -> Result<Option<Value>, ErrorReply> {
        Ok(s.app.store().get_owner_certificate(s.tenant(), key).await.map_err(store_error)?.map(|oc| to_json(&oc)))
    }
    async fn put(&self, s: &Scope<'_>, entry: &Value) -> Result<(), ErrorReply> {
        let oc = from_json(entry).map_err(decode_error)?;
        s.app.store().put_owner_certificate(s.tenant(), &oc).await.map_err(store_error)
    }
    async fn delete(&self, s: &Scope<'_>, key: &str) -> Result<(), ErrorReply> {
        s.app.store().delete_owner_certificate(s.tenant(), key).await.map_err(store_error)
    }
}
