//! Match rules of devices and device types: ordered, a device's before its type's, and the
//! first whose conditions all hold names the response. Parses `--match` conditions, inserts a
//! rule, and finds or removes the rules that use a response.

use reqwest::Method;
use serde_json::json;
use sztp_protocol::model::northbound::device::Device;
use sztp_protocol::model::northbound::device_type::DeviceType;
use sztp_protocol::model::northbound::rules::{Condition, MatchField, MatchOp, MatchRule, rules_value};
use sztp_protocol::model::northbound::{ListEntry, YangEnum};

use super::{Client, encode, tenant_path};
use crate::CtlError;

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

/// Parses `[!]FIELD:OP[:VALUE]` into a condition.
pub(crate) fn parse_condition(text: &str) -> Result<Condition, String> {
    let (negate, rest) = match text.strip_prefix('!') {
        Some(r) => (true, r),
        None => (false, text),
    };
    let mut parts = rest.splitn(3, ':');
    let (field, op, value) = (parts.next().unwrap_or_default(), parts.next().unwrap_or_default(), parts.next());
    let bad = |why: String| format!("--match {text:?}: {why} (FIELD:OP[:VALUE], e.g. hw-model:equals:model-x)");
    let Some(field) = MatchField::parse(field) else {
        return Err(bad(format!("the field is one of {}", MatchField::NAMES.join(", "))));
    };
    let Some(op) = MatchOp::parse(op) else {
        return Err(bad(format!("the operation is one of {}", MatchOp::NAMES.join(", "))));
    };
    match (op, value) {
        (MatchOp::Present, Some(_)) => return Err(bad("'present' takes no value".into())),
        (MatchOp::Present, None) => {}
        (_, None | Some("")) => return Err(bad(format!("'{}' needs a value", op.as_str()))),
        _ if field == MatchField::SignedDataPreferred => {
            return Err(bad("signed-data-preferred is tested with 'present'".into()));
        }
        _ => {}
    }
    Ok(Condition { field, op, value: value.map(str::to_owned), negate })
}

/// A rule picking `response` when all `conditions` hold.
pub(crate) fn rule(response: &str, conditions: &[Condition]) -> MatchRule {
    MatchRule { name: Some(format!("{response}-rule")), conditions: conditions.to_vec(), response: response.into() }
}

fn has_conditions(rule: &MatchRule) -> bool {
    !rule.conditions.is_empty()
}

/// The target's rules (the server's `not found` when it does not exist).
pub(crate) fn get_rules(client: &Client, tenant: &str, target: &Target) -> Result<Vec<MatchRule>, CtlError> {
    let reply = client.call(Method::GET, &target.path(tenant), None)?;
    let rules = match target {
        Target::Device(_) => Device::from_reply(&reply.body).map(|d| d.into_iter().next().map(|d| d.match_rules)),
        Target::DeviceType(_) => {
            DeviceType::from_reply(&reply.body).map(|t| t.into_iter().next().map(|t| t.match_rules))
        }
    };
    rules.map(Option::unwrap_or_default).map_err(|e| CtlError::Refused(format!("unexpected reply: {e}")))
}

/// Replaces the target's rules (a PATCH of `match-rule` only, so nothing else is rewritten).
pub(crate) fn set_rules(client: &Client, tenant: &str, target: &Target, rules: Vec<MatchRule>) -> Result<(), CtlError> {
    let body = json!({ format!("sztp-server:{}", target.list()): [{ "match-rule": rules_value(&rules) }] });
    client.call(Method::PATCH, &target.path(tenant), Some(body.to_string().into_bytes()))?;
    Ok(())
}

/// Inserts `new` at 1-based `priority` (or last); returns its position and warnings about rules
/// that can never be reached because an earlier one has no condition.
pub(crate) fn insert(rules: &mut Vec<MatchRule>, new: MatchRule, priority: usize) -> (usize, Vec<String>) {
    let index = priority.saturating_sub(1).min(rules.len());
    rules.insert(index, new);
    let mut notes = Vec::new();
    if let Some(catch_all) = rules.iter().position(|r| !has_conditions(r))
        && catch_all < index
    {
        notes.push(format!(
            "rule {} ({}) has no condition and comes first: the new rule is never tried (use --priority {})",
            catch_all + 1,
            rules[catch_all].response,
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
    let unexpected = |e: sztp_protocol::codec::DecodeError| CtlError::Refused(format!("unexpected reply: {e}"));
    let mut owners: Vec<(Target, Vec<MatchRule>)> = Vec::new();
    let reply = client.call(Method::GET, &tenant_path(tenant, "device-types"), None)?;
    for t in DeviceType::from_reply(&reply.body).map_err(unexpected)? {
        owners.push((Target::DeviceType(t.name), t.match_rules));
    }
    let reply = client.call(Method::GET, &tenant_path(tenant, "devices"), None)?;
    for d in Device::from_reply(&reply.body).map_err(unexpected)? {
        owners.push((Target::Device(d.serial), d.match_rules));
    }
    let mut out = Vec::new();
    for (target, rules) in owners {
        for (i, r) in rules.into_iter().enumerate() {
            out.push((target.clone(), i + 1, r.response));
        }
    }
    Ok(out)
}

/// Removes the rules of `target` that pick `response`; returns how many went.
pub(crate) fn detach(client: &Client, tenant: &str, target: &Target, response: &str) -> Result<usize, CtlError> {
    let rules = get_rules(client, tenant, target)?;
    let before = rules.len();
    let kept: Vec<MatchRule> = rules.into_iter().filter(|r| r.response != response).collect();
    let removed = before - kept.len();
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
        let want = Condition {
            field: MatchField::SourceAddress,
            op: MatchOp::Prefix,
            value: Some("2001:db8::/32".into()),
            negate: true,
        };
        assert_eq!(c, want);
        assert!(!parse_condition("nonce:present").expect("valid").negate);
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
        let present = Condition { field: MatchField::Nonce, op: MatchOp::Present, value: None, negate: false };
        let (pos, notes) = insert(&mut rules, rule("new", &[present]), 5);
        assert_eq!((pos, rules.len()), (2, 2));
        assert!(notes[0].contains("never tried (use --priority 1)"), "{notes:?}");
        let mut rules = vec![catch_all];
        let (pos, notes) = insert(&mut rules, rule("new", &[]), 1);
        assert_eq!(pos, 1);
        assert_eq!(rules[0].response, "new");
        assert!(notes[0].contains("the 1 rule(s) after it"), "{notes:?}");
        assert_eq!(insert(&mut Vec::new(), rule("only", &[]), 1).1.len(), 0);
    }
}
