//! `match-rule` lists of devices and device types: which response a request gets, by conditions
//! on what the device sent.

use serde_json::{Value, json};

use super::{Fields, Out, YangEnum, yang_enum};
use crate::codec::{DecodeError, DecodeErrorKind as K};

yang_enum! {
    /// What a condition looks at.
    MatchField {
        /// The device's `hw-model` input.
        HwModel = "hw-model",
        /// The device's `os-name` input.
        OsName = "os-name",
        /// The device's `os-version` input.
        OsVersion = "os-version",
        /// Whether the device asked for signed data.
        SignedDataPreferred = "signed-data-preferred",
        /// The device's nonce.
        Nonce = "nonce",
        /// The request's source address.
        SourceAddress = "source-address",
    }
}

yang_enum! {
    /// How a condition compares.
    MatchOp {
        /// Equal to the value.
        Equals = "equals",
        /// Matches the value as a regular expression.
        Regex = "regex",
        /// Present at all.
        Present = "present",
        /// Starts with the value (an address prefix for `source-address`).
        Prefix = "prefix",
    }
}

/// One condition of a rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    /// What is looked at.
    pub field: MatchField,
    /// How it is compared.
    pub op: MatchOp,
    /// What it is compared with.
    pub value: Option<String>,
    /// Whether the result is inverted.
    pub negate: bool,
}

/// One match rule: all its conditions hold, and the named response is sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatchRule {
    /// The list key; `rule-<position>` when absent.
    pub name: Option<String>,
    /// Conditions, all of which must hold.
    pub conditions: Vec<Condition>,
    /// The response sent when the rule matches.
    pub response: String,
}

impl MatchRule {
    /// The rule's name, `rule-<position>` (from 1) when it has none.
    pub fn name_at(&self, index: usize) -> String {
        self.name.clone().unwrap_or_else(|| format!("rule-{}", index + 1))
    }

    fn read(mut f: Fields<'_>) -> Result<MatchRule, DecodeError> {
        let name = f.string("name")?;
        let response = f.required_string("response")?;
        let conditions = f.list("condition", |mut g| {
            g.ignore("id");
            let field = g.enumeration("field")?.ok_or_else(|| g.missing("field", "is mandatory"))?;
            let op = g.enumeration("op")?.ok_or_else(|| g.missing("op", "is mandatory"))?;
            let value = g.string("value")?;
            let negate = g.boolean("negate")?.unwrap_or(false);
            g.finish()?;
            Ok(Condition { field, op, value, negate })
        })?;
        f.finish()?;
        Ok(MatchRule { name, conditions, response })
    }

    fn to_value(&self, index: usize) -> Value {
        let conditions: Vec<Value> = self
            .conditions
            .iter()
            .enumerate()
            .map(|(i, c)| {
                Out::default()
                    .put("id", i + 1)
                    .put("field", c.field.as_str())
                    .put("op", c.op.as_str())
                    .opt("value", c.value.clone())
                    .put("negate", c.negate)
                    .done()
            })
            .collect();
        json!({ "name": self.name_at(index), "condition": conditions, "response": self.response })
    }
}

/// Reads the `match-rule` list of an entry; names (the key) must be unique.
pub(crate) fn read_rules(f: &mut Fields<'_>) -> Result<Vec<MatchRule>, DecodeError> {
    let rules = f.list("match-rule", MatchRule::read)?;
    let names: Vec<String> = rules.iter().enumerate().map(|(i, r)| r.name_at(i)).collect();
    if let Some((i, dup)) = names.iter().enumerate().find(|(i, n)| names[..*i].contains(n)) {
        let message = format!("rule {} repeats the name \"{dup}\"", i + 1);
        return Err(DecodeError::new(f.path_of("match-rule"), K::DataExists, message));
    }
    Ok(rules)
}

/// The `match-rule` list as RFC 7951 JSON (for a PATCH that sets only the rules).
pub fn rules_value(rules: &[MatchRule]) -> Value {
    Value::Array(rules.iter().enumerate().map(|(i, r)| r.to_value(i)).collect())
}

/// Writes the `match-rule` list of an entry (omitted when empty).
pub(crate) fn write_rules(out: &mut Out, rules: &[MatchRule]) {
    out.nonempty("match-rule", rules.iter().enumerate().map(|(i, r)| r.to_value(i)).collect());
}
