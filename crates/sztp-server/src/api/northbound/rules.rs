//! Pieces shared by the device and device-type resources: store enums by their kebab-case
//! names, and match rules to and from RFC 7951 JSON.

use serde_json::{Map, Value, json};
use sztp_store::{Condition, MatchField, MatchOp, MatchRule};

use super::json::{FieldError, Fields};

/// The kebab-case serde name of a store enum.
pub(super) fn enum_name<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_value(v).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}

pub(super) fn from_name<T: serde::de::DeserializeOwned>(node: &str, name: &str) -> Result<T, FieldError> {
    serde_json::from_value(Value::String(name.to_owned()))
        .map_err(|_| FieldError::invalid(node, format!("\"{name}\" is not a valid value")))
}

pub(super) fn rule_json(index: usize, r: &MatchRule) -> Value {
    let conditions: Vec<Value> = r
        .conditions
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let mut o = Map::new();
            o.insert("id".into(), json!(i + 1));
            o.insert("field".into(), json!(enum_name(&c.field)));
            o.insert("op".into(), json!(enum_name(&c.op)));
            if let Some(v) = &c.value {
                o.insert("value".into(), json!(v));
            }
            o.insert("negate".into(), json!(c.negate));
            Value::Object(o)
        })
        .collect();
    let name = r.name.clone().unwrap_or_else(|| format!("rule-{}", index + 1));
    json!({ "name": name, "condition": conditions, "response": r.response })
}

/// A `match-rule` list; names (the list key, `rule-<position>` when absent) must be unique.
pub(super) fn rules_from_json(list: &[Value]) -> Result<Vec<MatchRule>, FieldError> {
    let rules = list.iter().map(rule_from_json).collect::<Result<Vec<_>, _>>()?;
    let names: Vec<String> =
        rules.iter().enumerate().map(|(i, r)| r.name.clone().unwrap_or_else(|| format!("rule-{}", i + 1))).collect();
    if let Some((i, dup)) = names.iter().enumerate().find(|(i, n)| names[..*i].contains(n)) {
        return Err(FieldError {
            node: "match-rule".into(),
            tag: "data-exists",
            message: format!("rule {} repeats the name \"{dup}\"", i + 1),
        });
    }
    Ok(rules)
}

fn rule_from_json(v: &Value) -> Result<MatchRule, FieldError> {
    let mut f = Fields::new(v, "match-rule")?;
    let name = f.string("name")?;
    let response = f.required_string("response")?;
    let mut conditions = Vec::new();
    for c in f.list("condition")? {
        let mut g = Fields::new(c, "condition")?;
        g.ignore("id");
        let field: MatchField = from_name("field", &g.required_string("field")?)?;
        let op: MatchOp = from_name("op", &g.required_string("op")?)?;
        let value = g.string("value")?;
        let negate = g.boolean("negate")?.unwrap_or(false);
        g.finish()?;
        conditions.push(Condition { field, op, value, negate });
    }
    f.finish()?;
    let rule = MatchRule { name, conditions, response };
    crate::domain::select::validate_rule(&rule).map_err(|e| FieldError::invalid("match-rule", e))?;
    Ok(rule)
}
