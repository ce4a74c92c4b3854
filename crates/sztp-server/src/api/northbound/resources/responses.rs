//! `tenants/tenant/responses/response`: RFC 7951 JSON of named redirect or onboarding
//! information; redirect trust anchors are base64 DER here and a PEM bundle in the store.

use serde_json::{Map, Value, json};
use sztp_store::{BootImageSpec, ConfigurationHandling, OnboardingSpec, RedirectServer, Response, ResponseSpec};

use crate::api::northbound::json::{FieldError, Fields, b64};
use crate::api::northbound::paging::ListBody;
use crate::api::northbound::resource::{Resource, Scope};
use crate::api::northbound::rules::{enum_name, from_name};
use crate::api::northbound::{error, field_error, store_error};
use crate::restconf::ErrorReply;
use sztp_protocol::model::restconf_errors::ErrorTag;

/// RFC 7951 JSON of one response.
pub(crate) fn to_json(r: &Response) -> Value {
    let mut o = Map::new();
    o.insert("name".into(), json!(r.name));
    match &r.spec {
        ResponseSpec::Redirect { servers } => {
            let list: Vec<Value> = servers
                .iter()
                .map(|s| {
                    let mut m = Map::new();
                    m.insert("address".into(), json!(s.address));
                    if let Some(p) = s.port {
                        m.insert("port".into(), json!(p));
                    }
                    if let Some(pem) = &s.trust_anchor_pem {
                        let ders: Vec<Value> = sztp_protocol::x509::load_certificates(pem.as_bytes())
                            .map(|certs| certs.iter().map(|c| json!(b64(c.der()))).collect())
                            .unwrap_or_default();
                        m.insert("trust-anchor".into(), Value::Array(ders));
                    }
                    Value::Object(m)
                })
                .collect();
            o.insert("redirect".into(), json!({ "server": list }));
        }
        ResponseSpec::Onboarding(spec) => {
            let mut m = Map::new();
            if let Some(img) = &spec.boot_image {
                let mut i = Map::new();
                i.insert("os-name".into(), json!(img.os_name));
                i.insert("os-version".into(), json!(img.os_version));
                if !img.download_uris.is_empty() {
                    i.insert("download-uri".into(), json!(img.download_uris));
                }
                if let Some(h) = &img.sha256_hex {
                    i.insert("sha-256".into(), json!(h));
                }
                if let Some(a) = &img.artifact {
                    i.insert("artifact".into(), json!(a));
                }
                m.insert("boot-image".into(), Value::Object(i));
            }
            if let Some(s) = &spec.pre_configuration_script {
                m.insert("pre-configuration-script".into(), json!(s));
            }
            if let Some(h) = &spec.configuration_handling {
                m.insert("configuration-handling".into(), json!(enum_name(h)));
            }
            if let Some(c) = &spec.configuration {
                m.insert("configuration".into(), json!(c));
            }
            if let Some(s) = &spec.post_configuration_script {
                m.insert("post-configuration-script".into(), json!(s));
            }
            o.insert("onboarding".into(), Value::Object(m));
        }
    }
    Value::Object(o)
}

/// A response from input JSON: exactly one of `redirect` and `onboarding`.
pub(crate) fn from_json(v: &Value) -> Result<Response, FieldError> {
    let mut f = Fields::new(v, "response")?;
    let name = f.required_string("name")?;
    let redirect = f.object("redirect")?;
    let onboarding = f.object("onboarding")?;
    f.finish()?;
    let spec = match (redirect, onboarding) {
        (Some(r), None) => redirect_from_json(r)?,
        (None, Some(o)) => ResponseSpec::Onboarding(onboarding_from_json(o)?),
        (None, None) => {
            return Err(FieldError {
                node: "response".into(),
                tag: "missing-element",
                message: "needs \"redirect\" or \"onboarding\"".into(),
            });
        }
        (Some(_), Some(_)) => {
            return Err(FieldError::invalid("response", "\"redirect\" and \"onboarding\" are exclusive"));
        }
    };
    Ok(Response { name, spec })
}

fn redirect_from_json(v: &Value) -> Result<ResponseSpec, FieldError> {
    let mut f = Fields::new(v, "redirect")?;
    let mut servers = Vec::new();
    for s in f.list("server")? {
        let mut g = Fields::new(s, "server")?;
        let address = g.required_string("address")?;
        g.ignore("port");
        let port = match s.get("port") {
            None | Some(Value::Null) => None,
            Some(p) => Some(
                p.as_u64()
                    .and_then(|n| u16::try_from(n).ok())
                    .ok_or_else(|| FieldError::invalid("port", "must be a port number"))?,
            ),
        };
        let mut pem = String::new();
        for (i, text) in g.string_list("trust-anchor")?.iter().enumerate() {
            let der = base64_decode(text).ok_or_else(|| FieldError::invalid("trust-anchor", "is not base64"))?;
            sztp_protocol::x509::load_certificates(&der)
                .map_err(|e| FieldError::invalid("trust-anchor", format!("entry {}: {e}", i + 1)))?;
            pem.push_str(&sztp_ca::pem_encode("CERTIFICATE", &der));
        }
        g.finish()?;
        servers.push(RedirectServer { address, port, trust_anchor_pem: (!pem.is_empty()).then_some(pem) });
    }
    f.finish()?;
    Ok(ResponseSpec::Redirect { servers })
}

fn onboarding_from_json(v: &Value) -> Result<OnboardingSpec, FieldError> {
    let mut f = Fields::new(v, "onboarding")?;
    let mut spec = OnboardingSpec::default();
    if let Some(img) = f.object("boot-image")? {
        let mut g = Fields::new(img, "boot-image")?;
        spec.boot_image = Some(BootImageSpec {
            os_name: g.required_string("os-name")?,
            os_version: g.required_string("os-version")?,
            download_uris: g.string_list("download-uri")?,
            sha256_hex: g.string("sha-256")?,
            artifact: g.string("artifact")?,
        });
        g.finish()?;
        if spec.boot_image.as_ref().is_some_and(|i| i.download_uris.is_empty() && i.artifact.is_none()) {
            return Err(FieldError {
                node: "boot-image".into(),
                tag: "missing-element",
                message: "a boot image needs a download-uri or an artifact".into(),
            });
        }
    }
    spec.pre_configuration_script = f.string("pre-configuration-script")?;
    spec.configuration_handling = f
        .string("configuration-handling")?
        .map(|s| from_name::<ConfigurationHandling>("configuration-handling", &s))
        .transpose()?;
    spec.configuration = f.string("configuration")?;
    spec.post_configuration_script = f.string("post-configuration-script")?;
    f.finish()?;
    Ok(spec)
}

fn base64_decode(s: &str) -> Option<Vec<u8>> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.decode(s.trim()).ok()
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
        s.app
            .store()
            .list_responses(s.tenant())
            .await
            .map_err(store_error)?
            .iter()
            .for_each(|r| body.push(&to_json(r)));
        Ok(())
    }
    async fn get(&self, s: &Scope<'_>, key: &str) -> Result<Option<Value>, ErrorReply> {
        Ok(s.app.store().get_response(s.tenant(), key).await.map_err(store_error)?.map(|r| to_json(&r)))
    }
    async fn put(&self, s: &Scope<'_>, entry: &Value) -> Result<(), ErrorReply> {
        let r = from_json(entry).map_err(field_error)?;
        crate::domain::conveyed::conveyed_information(&r.spec, sztp_store::CompatProfile::Rfc8572)
            .map_err(|e| error(ErrorTag::InvalidValue, e.to_string()))?;
        s.app.store().put_response(s.tenant(), &r).await.map_err(store_error)
    }
    async fn delete(&self, s: &Scope<'_>, key: &str) -> Result<(), ErrorReply> {
        s.app.store().delete_response(s.tenant(), key).await.map_err(store_error)
    }
}
