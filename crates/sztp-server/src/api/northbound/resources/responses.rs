//! `tenants/tenant/responses/response`: named redirect or onboarding information; redirect
//! trust anchors are DER on the wire and a PEM bundle in the store.

use serde_json::Value;
use sztp_protocol::codec::{DecodeError, DecodeErrorKind};
use sztp_protocol::model::northbound::ListEntry;
use sztp_protocol::model::northbound::response as wire;
use sztp_store::{BootImageSpec, OnboardingSpec, RedirectServer, Response, ResponseSpec};

use crate::api::northbound::paging::ListBody;
use crate::api::northbound::resource::{Resource, Scope};
use crate::api::northbound::rules::{handling_from_store, handling_to_store};
use crate::api::northbound::{decode_error, error, store_error};
use crate::restconf::ErrorReply;
use sztp_protocol::model::restconf_errors::ErrorTag;

/// RFC 7951 JSON of one response.
pub(crate) fn to_json(r: &Response) -> Value {
    let kind = match &r.spec {
        ResponseSpec::Redirect { servers } => wire::ResponseKind::Redirect(
            servers
                .iter()
                .map(|s| wire::RedirectServer {
                    address: s.address.clone(),
                    port: s.port,
                    trust_anchors: s.trust_anchor_pem.as_deref().map(ders_of_pem).unwrap_or_default(),
                })
                .collect(),
        ),
        ResponseSpec::Onboarding(spec) => wire::ResponseKind::Onboarding(wire::Onboarding {
            boot_image: spec.boot_image.as_ref().map(|i| wire::BootImage {
                os_name: i.os_name.clone(),
                os_version: i.os_version.clone(),
                download_uris: i.download_uris.clone(),
                sha256: i.sha256_hex.clone(),
                artifact: i.artifact.clone(),
            }),
            pre_configuration_script: spec.pre_configuration_script.clone(),
            configuration_handling: spec.configuration_handling.map(handling_from_store),
            configuration: spec.configuration.clone(),
            post_configuration_script: spec.post_configuration_script.clone(),
        }),
    };
    wire::Response { name: r.name.clone(), kind }.to_value()
}

/// The DER certificates of a PEM bundle.
fn ders_of_pem(pem: &str) -> Vec<Vec<u8>> {
    sztp_protocol::x509::load_certificates(pem.as_bytes())
        .map(|certs| certs.iter().map(|c| c.der().to_vec()).collect())
        .unwrap_or_default()
}

/// A store response from input JSON.
pub(crate) fn from_json(v: &Value) -> Result<Response, DecodeError> {
    let r = wire::Response::from_value(v)?;
    let spec = match r.kind {
        wire::ResponseKind::Redirect(servers) => {
            ResponseSpec::Redirect { servers: servers.into_iter().map(redirect_server).collect::<Result<_, _>>()? }
        }
        wire::ResponseKind::Onboarding(o) => ResponseSpec::Onboarding(OnboardingSpec {
            boot_image: o.boot_image.map(|i| BootImageSpec {
                os_name: i.os_name,
                os_version: i.os_version,
                download_uris: i.download_uris,
                sha256_hex: i.sha256,
                artifact: i.artifact,
            }),
            pre_configuration_script: o.pre_configuration_script,
            configuration_handling: o.configuration_handling.map(handling_to_store),
            configuration: o.configuration,
            post_configuration_script: o.post_configuration_script,
        }),
    };
    Ok(Response { name: r.name, spec })
}

/// A redirect server with its trust anchors checked and kept as PEM.
fn redirect_server(s: wire::RedirectServer) -> Result<RedirectServer, DecodeError> {
    let mut pem = String::new();
    for (i, der) in s.trust_anchors.iter().enumerate() {
        sztp_protocol::x509::load_certificates(der).map_err(|e| {
            let path = "response/redirect/server/trust-anchor";
            DecodeError::new(path, DecodeErrorKind::InvalidValue, format!("entry {}: {e}", i + 1))
        })?;
        pem.push_str(&sztp_ca::pem_encode("CERTIFICATE", der));
    }
    Ok(RedirectServer { address: s.address, port: s.port, trust_anchor_pem: (!pem.is_empty()).then_some(pem) })
}

/// `tenants/tenant={t}/responses/response={name}`: checked to build conveyed information.
pub(crate) struct Responses;

#[async_trait::async_trait]
impl Resource for Responses {
    fn container(&self) -> &'static str {
        "responses"
    }
    fn list(&self) -> &'static str {
        "response"
    }
    async fn list_into(&self, s: &Scope<'_>, _: Option<&str>, body: &mut ListBody) -> Result<(), ErrorReply> {
        s.app.store().list_responses(s.tenant()).await.map_err(store_error)?.iter().for_each(|r| body.push(to_json(r)));
        Ok(())
    }
    async fn get(&self, s: &Scope<'_>, key: &str) -> Result<Option<Value>, ErrorReply> {
        Ok(s.app.store().get_response(s.tenant(), key).await.map_err(store_error)?.map(|r| to_json(&r)))
    }
    async fn put(&self, s: &Scope<'_>, entry: &Value) -> Result<(), ErrorReply> {
        let r = from_json(entry).map_err(decode_error)?;
        crate::domain::conveyed::conveyed_information(&r.spec, sztp_store::CompatProfile::Rfc8572)
            .map_err(|e| error(ErrorTag::InvalidValue, e.to_string()))?;
        s.app.store().put_response(s.tenant(), &r).await.map_err(store_error)
    }
    async fn delete(&self, s: &Scope<'_>, key: &str) -> Result<(), ErrorReply> {
        s.app.store().delete_response(s.tenant(), key).await.map_err(store_error)
    }
}
