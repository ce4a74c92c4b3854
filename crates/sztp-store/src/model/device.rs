//! Device types and devices: identity rules, compatibility profile, signing and response selection.

use serde::{Deserialize, Serialize};

/// Wire-level quirks the server adapts to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CompatProfile {
    /// Plain RFC 8572.
    #[default]
    Rfc8572,
    /// The OPI sZTP agent for DPUs/IPUs.
    OpiAgent,
    /// Cisco IOS XE.
    #[serde(rename = "cisco-iosxe")]
    CiscoIosXe,
}

/// When conveyed information is signed with the owner key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SigningPolicy {
    /// Never signed.
    Unsigned,
    /// Always signed.
    Signed,
    /// Signed when the device asks for it or cannot trust the TLS connection.
    #[default]
    WhenRequired,
}

/// Where the serial number is taken from in the device's IDevID certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SerialSource {
    /// The subject's serialNumber attribute (IEEE 802.1AR).
    #[default]
    SubjectSerialNumber,
    /// The subject's common name.
    CommonName,
    /// A subjectAltName dNSName.
    SanDns,
    /// A subjectAltName URI.
    SanUri,
    /// A subjectAltName rfc822Name.
    SanEmail,
}

/// How to extract a serial number from a certificate field.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SerialRule {
    /// The certificate field read.
    pub source: SerialSource,
    /// Take the whitespace- or comma-delimited token after this prefix (e.g. "SN:").
    #[serde(default)]
    pub token_prefix: Option<String>,
    /// Take the first capture group of this regular expression.
    #[serde(default)]
    pub regex: Option<String>,
}

/// A property of a bootstrap request that a rule can test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MatchField {
    /// The hw-model input.
    HwModel,
    /// The os-name input.
    OsName,
    /// The os-version input.
    OsVersion,
    /// The signed-data-preferred input.
    SignedDataPreferred,
    /// The nonce input.
    Nonce,
    /// The client's IP address.
    SourceAddress,
}

/// How a condition compares its field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MatchOp {
    /// Exact string equality.
    Equals,
    /// Regular-expression match.
    Regex,
    /// The field is present.
    Present,
    /// String prefix; a CIDR prefix for the source address.
    Prefix,
}

/// One test in a match rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Condition {
    /// The field tested.
    pub field: MatchField,
    /// The comparison.
    pub op: MatchOp,
    /// The operand (absent for [`MatchOp::Present`]).
    #[serde(default)]
    pub value: Option<String>,
    /// Inverts the result.
    #[serde(default)]
    pub negate: bool,
}

/// Picks a response when all its conditions hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatchRule {
    /// The rule's name (the YANG list key); `rule-<position>` when none was given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Conditions, all of which must hold (none: always matches).
    #[serde(default)]
    pub conditions: Vec<Condition>,
    /// Name of the response to send.
    pub response: String,
}

/// RFC 8572 reporting level asked of the device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReportingLevel {
    /// Only the required progress reports.
    #[default]
    Minimal,
    /// Every progress report.
    Verbose,
}

/// Settings shared by a family of devices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceType {
    /// Unique name within the tenant.
    pub name: String,
    /// Trust bag holding the IDevID trust anchors.
    #[serde(default)]
    pub trust_bag: Option<String>,
    /// Accept SHA-1 signed IDevIDs.
    #[serde(default)]
    pub allow_sha1: bool,
    /// How the serial number is read from the IDevID.
    #[serde(default)]
    pub serial_rule: SerialRule,
    /// Compatibility profile.
    #[serde(default)]
    pub profile: CompatProfile,
    /// Signing policy.
    #[serde(default)]
    pub signing: SigningPolicy,
    /// Encrypt conveyed information to the device certificate.
    #[serde(default)]
    pub encrypt: bool,
    /// Owner certificate name used for signing.
    #[serde(default)]
    pub owner_certificate: Option<String>,
    /// Reporting level asked of the devices.
    #[serde(default)]
    pub reporting_level: ReportingLevel,
    /// Response selection rules, tried in order after the device's own.
    #[serde(default)]
    pub rules: Vec<MatchRule>,
}

/// One device expected to bootstrap.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Device {
    /// Serial number, unique within the tenant.
    pub serial: String,
    /// Name of its device type.
    pub device_type: String,
    /// PHC string of the activation code (HTTP Basic password), made by the caller.
    #[serde(default)]
    pub activation_code_hash: Option<String>,
    /// IDevID certificate, for encryption when it is not learnt from TLS.
    #[serde(default, with = "crate::b64::opt_bytes")]
    pub idevid_cert_der: Option<Vec<u8>>,
    /// Overrides the type's reporting level.
    #[serde(default)]
    pub reporting_level: Option<ReportingLevel>,
    /// Overrides the type's signing policy.
    #[serde(default)]
    pub signing: Option<SigningPolicy>,
    /// Overrides the type's encryption flag.
    #[serde(default)]
    pub encrypt: Option<bool>,
    /// Overrides the type's owner certificate.
    #[serde(default)]
    pub owner_certificate: Option<String>,
    /// Response selection rules, tried before the type's.
    #[serde(default)]
    pub rules: Vec<MatchRule>,
    /// Disabled devices are treated as unknown.
    #[serde(default = "super::yes")]
    pub enabled: bool,
}
