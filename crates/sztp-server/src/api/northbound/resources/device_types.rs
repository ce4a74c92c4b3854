//! `tenants/tenant/device-types/device-type`: RFC 7951 JSON of device types with their serial
//! rule, profile, signing settings and match rules (validated on input).

use serde_json::{Map, Value, json};
use sztp_store::{CompatProfile, DeviceType, ReportingLevel, SerialRule, SerialSource, SigningPolicy};

use crate::api::northbound::json::{FieldError, Fields};
use crate::api::northbound::paging::ListBody;
use crate::api::northbound::resource::{Resource, Scope};
use crate::api::northbound::rules::{enum_name, from_name, rule_json, rules_from_json};
use crate::api::northbound::{field_error, store_error};
use crate::restconf::ErrorReply;

/// RFC 7951 JSON of one device type.
pub(crate) fn to_json(t: &DeviceType) -> Value {
    let mut o = Map::new();
    o.insert("name".into(), json!(t.name));
    if let Some(bag) = &t.trust_bag {
        o.insert("trust-bag".into(), json!(bag));
    }
    o.insert("allow-sha1".into(), json!(t.allow_sha1));
    let mut rule = Map::new();
    rule.insert("source".into(), json!(enum_name(&t.serial_rule.source)));
    if let Some(p) = &t.serial_rule.token_prefix {
        rule.insert("token-prefix".into(), json!(p));
    }
    if let Some(r) = &t.serial_rule.regex {
        rule.insert("regex".into(), json!(r));
    }
    o.insert("serial-rule".into(), Value::Object(rule));
    o.insert("profile".into(), json!(enum_name(&t.profile)));
    o.insert("signing".into(), json!(enum_name(&t.signing)));
    o.insert("encrypt".into(), json!(t.encrypt));
    if let Some(oc) = &t.owner_certificate {
        o.insert("owner-certificate".into(), json!(oc));
    }
    o.insert("reporting-level".into(), json!(enum_name(&t.reporting_level)));
    if !t.rules.is_empty() {
        o.insert("match-rule".into(), Value::Array(t.rules.iter().enumerate().map(|(i, r)| rule_json(i, r)).collect()));
    }
    Value::Object(o)
}

/// A device type from input JSON; absent leaves take their YANG defaults.
pub(crate) fn from_json(v: &Value) -> Result<DeviceType, FieldError> {
    let mut f = Fields::new(v, "device-type")?;
    let name = f.required_string("name")?;
    let trust_bag = f.string("trust-bag")?;
    let allow_sha1 = f.boolean("allow-sha1")?.unwrap_or(false);
    let mut serial_rule = SerialRule::default();
    if let Some(o) = f.object("serial-rule")? {
        let mut g = Fields::new(o, "serial-rule")?;
        if let Some(s) = g.string("source")? {
            serial_rule.source = from_name::<SerialSource>("source", &s)?;
        }
        serial_rule.token_prefix = g.string("token-prefix")?;
        serial_rule.regex = g.string("regex")?;
        g.finish()?;
        if let Some(r) = &serial_rule.regex {
            regex::Regex::new(r).map_err(|e| FieldError::invalid("regex", e.to_string()))?;
        }
    }
    let profile = f.string("profile")?.map(|s| from_name::<CompatProfile>("profile", &s)).transpose()?;
    let signing = f.string("signing")?.map(|s| from_name::<SigningPolicy>("signing", &s)).transpose()?;
    let encrypt = f.boolean("encrypt")?.unwrap_or(false);
    let owner_certificate = f.string("owner-certificate")?;
    let reporting_level =
        f.string("reporting-level")?.map(|s| from_name::<ReportingLevel>("reporting-level", &s)).transpose()?;
    let mut rules = Vec::new();
    for rule in rules_from_json(f.list("match-rule")?)? {
        rules.push(rule);
    }
    f.finish()?;
    Ok(DeviceType {
        name,
        trust_bag,
        allow_sha1,
        serial_rule,
        profile: profile.unwrap_or_default(),
        signing: signing.unwrap_or_default(),
        encrypt,
        owner_certificate,
        reporting_level: reporting_level.unwrap_or_default(),
        rules,
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
            .for_each(|t| body.push(&to_json(t)));
        Ok(())
    }
    async fn get(&self, s: &Scope<'_>, key: &str) -> Result<Option<Value>, ErrorReply> {
        Ok(s.app.store().get_device_type(s.tenant(), key).await.map_err(store_error)?.map(|t| to_json(&t)))
    }
    async fn put(&self, s: &Scope<'_>, entry: &Value) -> Result<(), ErrorReply> {
        let t = from_json(entry).map_err(field_error)?;
        s.app.store().put_device_type(s.tenant(), &t).await.map_err(store_error)
    }
    async fn delete(&self, s: &Scope<'_>, key: &str) -> Result<(), ErrorReply> {
        s.app.store().delete_device_type(s.tenant(), key).await.map_err(store_error)
    }
}
