//! Match rules of devices and device types: ordered, a device's before its type's, and the
//! first whose conditions all hold names the response. Parses `--match` conditions, inserts a
//! rule, and finds or removes the rules that use a response.

use reqwest::Method;
use serde_json::{Value, json};

use super::{Client, encode, list, tenant_path};
use crate::CtlError;

const FIELDS: [&str; 6] = ["hw-model", "os-name", "os-version", "signed-data-preferred", "nonce", "source-address"];
const OPS: [&str; 4] = ["equals", "regex", "prefix", "present"];

/// What a rule belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Target {
    /// A device, by serial number.
    Device(String),
    /// A device type, by name.
    DeviceType(String),
}

impl Target {
    fn list(&self) -> &'static str {
        match self {
            Target::Device(_) => "device",
            Target::DeviceType(_) => "device-type",
        }
    }

    fn path(&self, tenant: &str) -> String {
        match self {
            Target::Device(sn) => tenant_path(tenant, &format!("devices/device={}", encode(sn))),
            Target::DeviceType(t) => tenant_path(tenant, &format!("device-types/device-type={}", encode(t))),
        }
    }
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Target::Device(sn) => write!(f, "device {sn}"),
            Target::DeviceType(t) => write!(f, "device-type {t}"),
        }
    }
}

/// Parses `[!]FIELD:OP[:VALUE]` into a condition's JSON (without its `id`).
pub(crate) fn parse_condition(text: &str) -> Result<Value, String> {
    let (negate, rest) = match text.strip_prefix('!') {
        Some(r) => (true, r),
        None => (false, text),
    };
    let mut parts = rest.splitn(3, ':');
    let (field, op, value) = (parts.next().unwrap_or_default(), parts.next().unwrap_or_default(), parts.next());
    let bad = |why: String| format!("--match {text:?}: {why} (FIELD:OP[:VALUE], e.g. hw-model:equals:model-x)");
    if !FIELDS.contains(&field) {
        return Err(bad(format!("the field is one of {}", FIELDS.join(", "))));
    }
    if !OPS.contains(&op) {
        return Err(bad(format!("the operation is one of {}", OPS.join(", "))));
    }
    match (op, value) {
        ("present", Some(_)) => return Err(bad("'present' takes no value".into())),
        ("present", None) => {}
        (_, None | Some("")) => return Err(bad(format!("'{op}' needs a value"))),
        _ if field == "signed-data-preferred" => {
            return Err(bad("signed-data-preferred is tested with 'present'".into()));
        }
        _ => {}
    }
    let mut c = json!({ "field": field, "op": op, "negate": negate });
    if let Some(v) = value {
        c["value"] = json!(v);
    }
    Ok(c)
}

/// A rule picking `response` when all `conditions` hold.
pub(crate) fn rule(response: &str, conditions: &[Value]) -> Value {
    let numbered: Vec<Value> = conditions
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let mut c = c.clone();
            c["id"] = json!(i + 1);
            c
        })
        .collect();
    json!({ "name": format!("{response}-rule"), "condition": numbered, "response": response })
}

fn has_conditions(rule: &Value) -> bool {
    rule["condition"].as_array().is_some_and(|c| !c.is_empty())
}

/// The target's entry (the server's `not found` when it does not exist).
pub(crate) fn get_entry(client: &Client, tenant: &str, target: &Target) -> Result<Value, CtlError> {
    let reply = client.call(Method::GET, &target.path(tenant), None)?;
    Ok(reply.body[format!("sztp-server:{}", target.list())][0].clone())
}

/// The rules of an entry.
pub(crate) fn rules_of(entry: &Value) -> Vec<Value> {
    entry["match-rule"].as_array().cloned().unwrap_or_default()
}

/// Replaces the target's rules (a PATCH of `match-rule` only, so nothing else is rewritten).
pub(crate) fn set_rules(client: &Client, tenant: &str, target: &Target, rules: Vec<Value>) -> Result<(), CtlError> {
    let body = json!({ format!("sztp-server:{}", target.list()): [{ "match-rule": rules }] });
    client.call(Method::PATCH, &target.path(tenant), Some(body.to_string().into_bytes()))?;
    Ok(())
}

/// Inserts `new` at 1-based `priority` (or last); returns its position and warnings about rules
/// that can never be reached because an earlier one has no condition.
pub(crate) fn insert(rules: &mut Vec<Value>, new: Value, priority: usize) -> (usize, Vec<String>) {
    let index = priority.saturating_sub(1).min(rules.len());
    rules.insert(index, new);
    let mut notes = Vec::new();
    if let Some(catch_all) = rules.iter().position(|r| !has_conditions(r))
        && catch_all < index
    {
        notes.push(format!(
            "rule {} ({}) has no condition and comes first: the new rule is never tried (use --priority {})",
            catch_all + 1,
            rules[catch_all]["response"].as_str().unwrap_or("-"),
            catch_all + 1
        ));
    }
    let after = rules.len() - index - 1;
    if !has_conditions(&rules[index]) && after > 0 {
        notes.push(format!("the new rule has no condition: the {after} rule(s) after it are never tried"));
    }
    (index + 1, notes)
}

/// Every rule of every device type and device: (owner, 1-based position, response).
pub(crate) fn references(client: &Client, tenant: &str) -> Result<Vec<(Target, usize, String)>, CtlError> {
    let mut out = Vec::new();
    let sources = [("device-types", "device-type", "name"), ("devices", "device", "serial")];
    for (container, list_name, key) in sources {
        let reply = client.call(Method::GET, &tenant_path(tenant, container), None)?;
        for entry in list(&reply.body, container, list_name) {
            let owner = entry[key].as_str().unwrap_or_default().to_owned();
            let target = if list_name == "device" { Target::Device(owner) } else { Target::DeviceType(owner) };
            for (i, r) in rules_of(&entry).iter().enumerate() {
                out.push((target.clone(), i + 1, r["response"].as_str().unwrap_or_default().to_owned()));
            }
        }
    }
    Ok(out)
}

/// Removes the rules of `target` that pick `response`; returns how many went.
pub(crate) fn detach(client: &Client, tenant: &str, target: &Target, response: &str) -> Result<usize, CtlError> {
    let rules = rules_of(&get_entry(client, tenant, target)?);
    let kept: Vec<Value> = rules.iter().filter(|r| r["response"] != response).cloned().collect();
    let removed = rules.len() - kept.len();
    if removed > 0 {
        set_rules(client, tenant, target, kept)?;
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conditions_parse_with_negation_and_values_holding_colons() {
        let c = parse_condition("!source-address:prefix:2001:db8::/32").expect("valid");
        assert_eq!(c, json!({"field": "source-address", "op": "prefix", "value": "2001:db8::/32", "negate": true}));
        assert_eq!(parse_condition("nonce:present").expect("valid")["negate"], false);
        assert!(parse_condition("nonce:present:x").is_err());
        assert!(parse_condition("hw-model:equals").is_err());
        assert!(parse_condition("colour:equals:red").is_err());
        assert!(parse_condition("hw-model:like:x").is_err());
        assert!(parse_condition("signed-data-preferred:equals:x").is_err());
    }

    #[test]
    fn insertion_warns_about_unreachable_rules() {
        let catch_all = rule("old", &[]);
        let mut rules = vec![catch_all.clone()];
        let (pos, notes) = insert(&mut rules, rule("new", &[json!({"field": "nonce", "op": "present"})]), 5);
        assert_eq!((pos, rules.len()), (2, 2));
        assert!(notes[0].contains("never tried (use --priority 1)"), "{notes:?}");
        let mut rules = vec![catch_all];
        let (pos, notes) = insert(&mut rules, rule("new", &[]), 1);
        assert_eq!(pos, 1);
        assert_eq!(rules[0]["response"], "new");
        assert!(notes[0].contains("the 1 rule(s) after it"), "{notes:?}");
        assert_eq!(insert(&mut Vec::new(), rule("only", &[]), 1).1.len(), 0);
    }
}
