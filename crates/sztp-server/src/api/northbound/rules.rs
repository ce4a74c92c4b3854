//! Between the wire entries (`sztp_protocol::model::northbound`) and the store's records: the
//! enumerations both name alike, and match rules (checked by the selection engine on input).

use sztp_protocol::codec::{DecodeError, DecodeErrorKind};
use sztp_protocol::model::northbound as wire;
use sztp_store as store;

/// A pair of conversions between a wire enumeration and the store's, exhaustive both ways.
macro_rules! enum_pair {
    ($to:ident, $from:ident: $w:ty, $s:ty { $($wv:ident = $sv:ident),* $(,)? }) => {
        /// The store's value of a wire value.
        pub(crate) fn $to(v: $w) -> $s {
            type W = $w;
            type S = $s;
            match v { $(W::$wv => S::$sv,)* }
        }
        /// The wire value of a store value.
        pub(crate) fn $from(v: $s) -> $w {
            type W = $w;
            type S = $s;
            match v { $(S::$sv => W::$wv,)* }
        }
    };
}

enum_pair!(reporting_to_store, reporting_from_store: wire::device::ReportingLevel, store::ReportingLevel {
    Minimal = Minimal, Verbose = Verbose,
});
enum_pair!(signing_to_store, signing_from_store: wire::device::Signing, store::SigningPolicy {
    Unsigned = Unsigned, Signed = Signed, WhenRequired = WhenRequired,
});
enum_pair!(source_to_store, source_from_store: wire::device_type::SerialSource, store::SerialSource {
    SubjectSerialNumber = SubjectSerialNumber, CommonName = CommonName, SanDns = SanDns, SanUri = SanUri,
    SanEmail = SanEmail,
});
enum_pair!(profile_to_store, profile_from_store: wire::device_type::Profile, store::CompatProfile {
    Rfc8572 = Rfc8572, OpiAgent = OpiAgent, CiscoIosxe = CiscoIosXe,
});
enum_pair!(field_to_store, field_from_store: wire::rules::MatchField, store::MatchField {
    HwModel = HwModel, OsName = OsName, OsVersion = OsVersion, SignedDataPreferred = SignedDataPreferred,
    Nonce = Nonce, SourceAddress = SourceAddress,
});
enum_pair!(op_to_store, op_from_store: wire::rules::MatchOp, store::MatchOp {
    Equals = Equals, Regex = Regex, Present = Present, Prefix = Prefix,
});
enum_pair!(handling_to_store, handling_from_store: wire::response::ConfigurationHandling, store::ConfigurationHandling {
    Merge = Merge, Replace = Replace,
});
enum_pair!(client_auth_to_store, client_auth_from_store: wire::endpoint::ClientAuth, store::ClientAuth {
    None = None, Optional = Optional, Required = Required,
});
enum_pair!(tls_version_to_store, tls_version_from_store: wire::endpoint::TlsVersion, store::TlsVersion {
    Tls12 = Tls12, Tls13 = Tls13,
});
enum_pair!(access_to_store, access_from_store: wire::admin::AccessLevel, store::AccessLevel {
    Unrestricted = Unrestricted, ReadWrite = ReadWrite, ReadOnly = ReadOnly,
});

/// Store match rules from wire ones, each checked as the selection engine will use it.
pub(crate) fn rules_to_store(rules: Vec<wire::rules::MatchRule>) -> Result<Vec<store::MatchRule>, DecodeError> {
    rules
        .into_iter()
        .map(|r| {
            let conditions = r
                .conditions
                .into_iter()
                .map(|c| store::Condition {
                    field: field_to_store(c.field),
                    op: op_to_store(c.op),
                    value: c.value,
                    negate: c.negate,
                })
                .collect();
            let rule = store::MatchRule { name: r.name, conditions, response: r.response };
            crate::domain::select::validate_rule(&rule)
                .map_err(|e| DecodeError::new("match-rule", DecodeErrorKind::InvalidValue, e))?;
            Ok(rule)
        })
        .collect()
}

/// Wire match rules of store ones.
pub(crate) fn rules_from_store(rules: &[store::MatchRule]) -> Vec<wire::rules::MatchRule> {
    rules
        .iter()
        .map(|r| wire::rules::MatchRule {
            name: r.name.clone(),
            conditions: r
                .conditions
                .iter()
                .map(|c| wire::rules::Condition {
                    field: field_from_store(c.field),
                    op: op_from_store(c.op),
                    value: c.value.clone(),
                    negate: c.negate,
                })
                .collect(),
            response: r.response.clone(),
        })
        .collect()
}
