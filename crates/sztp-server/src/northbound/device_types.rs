//! `tenants/tenant/device-types/device-type`: RFC 7951 JSON of device types with their serial
//! rule, profile, signing settings and match rules (validated on input).

use serde_json::{Map, Value, json};
use sztp_store::{CompatProfile, DeviceType, ReportingLevel, SerialRule, SerialSource, SigningPolicy};

use super::json::{FieldError, Fields};
use super::rules::{enum_name, from_name, rule_json, rules_from_json};

/// RFC 7951 JSON of one device type.
pub fn to_json(t: &DeviceType) -> Value {
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
pub fn from_json(v: &Value) -> Result<DeviceType, FieldError> {
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
