//! `tenants/tenant/device-types/device-type`: device types with their serial rule, profile,
//! signing settings and match rules (validated on input).

use serde_json::Value;
use sztp_protocol::codec::{DecodeError, DecodeErrorKind};
use sztp_protocol::model::northbound::ListEntry;
use sztp_protocol::model::northbound::device_type as wire;
use sztp_store::{DeviceType, SerialRule};

use crate::api::northbound::paging::ListBody;
use crate::api::northbound::resource::{Resource, Scope};
use crate::api::northbound::rules::*;
use crate::api::northbound::{decode_error, store_error};
use crate::restconf::ErrorReply;

/// RFC 7951 JSON of one device type.
pub(crate) fn to_json(t: &DeviceType) -> Value {
    wire::DeviceType {
        name: t.name.clone(),
        trust_bag: t.trust_bag.clone(),
        allow_sha1: t.allow_sha1,
        serial_rule: wire::SerialRule {
            source: source_from_store(t.serial_rule.source),
            token_prefix: t.serial_rule.token_prefix.clone(),
            regex: t.serial_rule.regex.clone(),
        },
        profile: profile_from_store(t.profile),
        signing: signing_from_store(t.signing),
        encrypt: t.encrypt,
        owner_certificate: t.owner_certificate.clone(),
        reporting_level: reporting_from_store(t.reporting_level),
        match_rules: rules_from_store(&t.rules),
    }
    .to_value()
}

/// A store device type from input JSON; absent leaves take their YANG defaults.
pub(crate) fn from_json(v: &Value) -> Result<DeviceType, DecodeError> {
    let t = wire::DeviceType::from_value(v)?;
    if let Some(r) = &t.serial_rule.regex {
        regex::Regex::new(r).map_err(|e| {
            DecodeError::new("device-type/serial-rule/regex", DecodeErrorKind::InvalidValue, e.to_string())
        })?;
    }
    Ok(DeviceType {
        name: t.name,
        trust_bag: t.trust_bag,
        allow_sha1: t.allow_sha1,
        serial_rule: SerialRule {
            source: source_to_store(t.serial_rule.source),
            token_prefix: t.serial_rule.token_prefix,
            regex: t.serial_rule.regex,
        },
        profile: profile_to_store(t.profile),
        signing: signing_to_store(t.signing),
        encrypt: t.encrypt,
        owner_certificate: t.owner_certificate,
        reporting_level: reporting_to_store(t.reporting_level),
        rules: rules_to_store(t.match_rules)?,
    })
}

/// `tenants/tenant={t}/device-types/device-type={name}`.
pub(crate) struct DeviceTypes;

#[async_trait::async_trait]
impl Resource for DeviceTypes {
    fn container(&self) -> &'static str {
        "device-types"
    }
    fn list(&self) -> &'static str {
        "device-type"
    }
    async fn list_into(&self, s: &Scope<'_>, _: Option<&str>, body: &mut ListBody) -> Result<(), ErrorReply> {
        s.app
            .store()
            .list_device_types(s.tenant())
            .await
            .map_err(store_error)?
            .iter()
            .for_each(|t| body.push(to_json(t)));
        Ok(())
    }
    async fn get(&self, s: &Scope<'_>, key: &str) -> Result<Option<Value>, ErrorReply> {
        Ok(s.app.store().get_device_type(s.tenant(), key).await.map_err(store_error)?.map(|t| to_json(&t)))
    }
    async fn put(&self, s: &Scope<'_>, entry: &Value) -> Result<(), ErrorReply> {
        let t = from_json(entry).map_err(decode_error)?;
        s.app.store().put_device_type(s.tenant(), &t).await.map_err(store_error)
    }
    async fn delete(&self, s: &Scope<'_>, key: &str) -> Result<(), ErrorReply> {
        s.app.store().delete_device_type(s.tenant(), key).await.map_err(store_error)
    }
}
