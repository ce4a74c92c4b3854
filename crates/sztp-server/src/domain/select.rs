//! Response selection: the device's own ordered match rules first, then its device type's;
//! the first rule whose conditions all hold names the response.

use std::net::IpAddr;

use ipnet::IpNet;
use regex::Regex;
use sztp_protocol::model::bootstrap_rpc::GetBootstrappingDataInput;
use sztp_store::{Condition, MatchField, MatchOp, MatchRule};

/// What a rule may look at in one request.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RequestFacts<'a> {
    /// The decoded input.
    pub input: &'a GetBootstrappingDataInput,
    /// The device's source address.
    pub source: IpAddr,
}

/// Why no response was selected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum NoResponse {
    /// Neither the device nor its type has any rule.
    NoneConfigured,
    /// Rules exist but none matched.
    NoneMatched,
}

impl NoResponse {
    /// The RFC 8040 error message sent to the device.
    pub(crate) fn message(&self) -> &'static str {
        match self {
            NoResponse::NoneConfigured => "No responses configured.",
            NoResponse::NoneMatched => "No matching responses configured.",
        }
    }
}

/// Picks the first matching rule of `device_rules`, then of `type_rules`.
pub(crate) fn select<'r>(
    device_rules: &'r [MatchRule],
    type_rules: &'r [MatchRule],
    facts: &RequestFacts<'_>,
) -> Result<&'r MatchRule, NoResponse> {
    if device_rules.is_empty() && type_rules.is_empty() {
        return Err(NoResponse::NoneConfigured);
    }
    device_rules
        .iter()
        .chain(type_rules)
        .find(|rule| rule.conditions.iter().all(|c| holds(c, facts)))
        .ok_or(NoResponse::NoneMatched)
}

/// Checks a rule's conditions for configuration mistakes (bad regex, bad prefix, missing value).
pub(crate) fn validate_rule(rule: &MatchRule) -> Result<(), String> {
    for c in &rule.conditions {
        match (&c.op, &c.value) {
            (MatchOp::Present, _) => {}
            (_, None) => return Err(format!("condition on {:?} needs a value", c.field)),
            (MatchOp::Regex, Some(v)) => {
                Regex::new(v).map_err(|e| format!("bad regular expression {v:?}: {e}"))?;
            }
            (MatchOp::Prefix, Some(v)) if c.field == MatchField::SourceAddress => {
                v.parse::<IpNet>().map_err(|e| format!("bad address prefix {v:?}: {e}"))?;
            }
            _ => {}
        }
    }
    Ok(())
}

fn holds(c: &Condition, facts: &RequestFacts<'_>) -> bool {
    let input = facts.input;
    let source = facts.source.to_string();
    let value: Option<&str> = match c.field {
        MatchField::HwModel => input.hw_model.as_deref(),
        MatchField::OsName => input.os_name.as_deref(),
        MatchField::OsVersion => input.os_version.as_deref(),
        MatchField::SignedDataPreferred => input.signed_data_preferred.then_some(""),
        MatchField::Nonce => input.nonce.as_ref().map(|_| ""),
        MatchField::SourceAddress => Some(source.as_str()),
    };
    let result = match (&c.op, value, c.value.as_deref()) {
        (MatchOp::Present, v, _) => v.is_some(),
        (_, None, _) | (_, _, None) => false,
        (MatchOp::Equals, Some(v), Some(want)) => v == want,
        (MatchOp::Prefix, Some(_), Some(want)) if c.field == MatchField::SourceAddress => {
            want.parse::<IpNet>().is_ok_and(|net| net.contains(&facts.source))
        }
        (MatchOp::Prefix, Some(v), Some(want)) => v.starts_with(want),
        // Rules are validated on write; a bad pattern that slipped through matches nothing.
        (MatchOp::Regex, Some(v), Some(pattern)) => Regex::new(pattern).is_ok_and(|re| re.is_match(v)),
    };
    result != c.negate
}

/// Whether `device` may download the artifact `name`: only when a response its own or its
/// type's rules can select serves it as its boot image (as the artifact, or by a download URI
/// ending in `/files/{name}`), so no device reads the images meant for others.
pub(crate) async fn may_download(
    store: &sztp_store::Store,
    tenant: sztp_store::TenantId,
    device: &super::identity::AuthenticatedDevice,
    name: &str,
) -> Result<bool, sztp_store::StoreError> {
    let rules = device.device.rules.iter().chain(&device.device_type.rules);
    let mut responses: Vec<&str> = rules.map(|r| r.response.as_str()).collect();
    responses.sort_unstable();
    responses.dedup();
    for response in responses {
        let Some(found) = store.get_response(tenant, response).await? else { continue };
        let sztp_store::ResponseSpec::Onboarding(spec) = &found.spec else { continue };
        let Some(image) = &spec.boot_image else { continue };
        // Named as the image's artifact, or as one of its download URIs on this server.
        let file = format!("/files/{name}");
        let by_uri = image.download_uris.iter().any(|u| u.split(['?', '#']).next().is_some_and(|p| p.ends_with(&file)));
        if image.artifact.as_deref() == Some(name) || by_uri {
            return Ok(true);
        }
    }
    Ok(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cond(field: MatchField, op: MatchOp, value: Option<&str>, negate: bool) -> Condition {
        Condition { field, op, value: value.map(str::to_owned), negate }
    }

    fn rule(conditions: Vec<Condition>, response: &str) -> MatchRule {
        MatchRule { name: None, conditions, response: response.to_owned() }
    }

    #[test]
    fn device_rules_win_then_type_rules_in_order() {
        let input = GetBootstrappingDataInput { hw_model: Some("X1".into()), ..Default::default() };
        let facts = RequestFacts { input: &input, source: "10.1.2.3".parse().expect("ip") };
        let device = vec![rule(vec![cond(MatchField::HwModel, MatchOp::Equals, Some("X2"), false)], "d")];
        let types = vec![
            rule(vec![cond(MatchField::SourceAddress, MatchOp::Prefix, Some("10.1.0.0/16"), false)], "net"),
            rule(vec![], "fallback"),
        ];
        assert_eq!(select(&device, &types, &facts).map(|r| r.response.as_str()), Ok("net"));
        let device = vec![rule(vec![cond(MatchField::HwModel, MatchOp::Regex, Some("^X[0-9]$"), false)], "d")];
        assert_eq!(select(&device, &types, &facts).map(|r| r.response.as_str()), Ok("d"));
    }

    #[test]
    fn presence_negation_and_errors() {
        let input = GetBootstrappingDataInput { signed_data_preferred: true, ..Default::default() };
        let facts = RequestFacts { input: &input, source: "::1".parse().expect("ip") };
        let rules = vec![
            rule(vec![cond(MatchField::Nonce, MatchOp::Present, None, false)], "nonce"),
            rule(vec![cond(MatchField::SignedDataPreferred, MatchOp::Present, None, true)], "unsigned"),
        ];
        assert_eq!(select(&rules, &[], &facts), Err(NoResponse::NoneMatched));
        assert_eq!(select(&[], &[], &facts), Err(NoResponse::NoneConfigured));
        assert!(validate_rule(&rule(vec![cond(MatchField::OsName, MatchOp::Regex, Some("("), false)], "x")).is_err());
        assert!(
            validate_rule(&rule(vec![cond(MatchField::SourceAddress, MatchOp::Prefix, Some("10/x"), false)], "x"))
                .is_err()
        );
    }
}
