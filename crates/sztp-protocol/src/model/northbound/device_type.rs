//! `tenants/tenant/device-types/device-type`: how devices of one kind are recognised and
//! served: serial rule, client profile, signing, encryption, reporting and match rules.

use serde_json::Value;

use super::device::{ReportingLevel, Signing};
use super::rules::{MatchRule, read_rules, write_rules};
use super::{Fields, ListEntry, Out, YangEnum, yang_enum};
use crate::codec::DecodeError;

yang_enum! {
    /// Where a device's serial number is read from its client certificate.
    SerialSource {
        /// The subject's serialNumber attribute.
        SubjectSerialNumber = "subject-serial-number",
        /// The subject's common name.
        CommonName = "common-name",
        /// A DNS name of the subject alternative names.
        SanDns = "san-dns",
        /// A URI of the subject alternative names.
        SanUri = "san-uri",
        /// An e-mail address of the subject alternative names.
        SanEmail = "san-email",
    }
    default = SubjectSerialNumber
}

yang_enum! {
    /// Which client's reading of RFC 8572 the server follows.
    Profile {
        /// RFC 8572 as written.
        Rfc8572 = "rfc8572",
        /// The OPI sztp agent.
        OpiAgent = "opi-agent",
        /// Cisco IOS-XE.
        CiscoIosxe = "cisco-iosxe",
    }
    default = Rfc8572
}

/// How the serial number is found in a client certificate.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SerialRule {
    /// Which field holds it.
    pub source: SerialSource,
    /// A prefix before the serial in that field (stripped).
    pub token_prefix: Option<String>,
    /// A regular expression whose first group is the serial.
    pub regex: Option<String>,
}

/// One device type.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeviceType {
    /// Name (the key).
    pub name: String,
    /// The trust bag holding the manufacturer's IDevID issuers.
    pub trust_bag: Option<String>,
    /// Whether SHA-1 signatures are accepted in IDevID chains.
    pub allow_sha1: bool,
    /// Where the serial number is read.
    pub serial_rule: SerialRule,
    /// Client profile.
    pub profile: Profile,
    /// Signing policy.
    pub signing: Signing,
    /// Whether conveyed information is encrypted to the device.
    pub encrypt: bool,
    /// The owner certificate that signs.
    pub owner_certificate: Option<String>,
    /// Reporting level asked of devices.
    pub reporting_level: ReportingLevel,
    /// Match rules choosing a response.
    pub match_rules: Vec<MatchRule>,
}

impl ListEntry for DeviceType {
    const LIST: &'static str = "device-type";

    fn read_entry(mut f: Fields<'_>) -> Result<Self, DecodeError> {
        let name = f.required_string("name")?;
        let trust_bag = f.string("trust-bag")?;
        let allow_sha1 = f.boolean("allow-sha1")?.unwrap_or(false);
        let serial_rule = f
            .container("serial-rule", |mut g| {
                let rule = SerialRule {
                    source: g.enumeration("source")?.unwrap_or_default(),
                    token_prefix: g.string("token-prefix")?,
                    regex: g.string("regex")?,
                };
                g.finish()?;
                Ok(rule)
            })?
            .unwrap_or_default();
        let profile = f.enumeration("profile")?.unwrap_or_default();
        let signing = f.enumeration("signing")?.unwrap_or_default();
        let encrypt = f.boolean("encrypt")?.unwrap_or(false);
        let owner_certificate = f.string("owner-certificate")?;
        let reporting_level = f.enumeration("reporting-level")?.unwrap_or_default();
        let match_rules = read_rules(&mut f)?;
        f.finish()?;
        Ok(DeviceType {
            name,
            trust_bag,
            allow_sha1,
            serial_rule,
            profile,
            signing,
            encrypt,
            owner_certificate,
            reporting_level,
            match_rules,
        })
    }

    fn to_value(&self) -> Value {
        let mut o = Out::default();
        o.put("name", self.name.as_str()).opt("trust-bag", self.trust_bag.clone()).put("allow-sha1", self.allow_sha1);
        let rule = Out::default()
            .put("source", self.serial_rule.source.as_str())
            .opt("token-prefix", self.serial_rule.token_prefix.clone())
            .opt("regex", self.serial_rule.regex.clone())
            .done();
        o.put("serial-rule", rule)
            .put("profile", self.profile.as_str())
            .put("signing", self.signing.as_str())
            .put("encrypt", self.encrypt)
            .opt("owner-certificate", self.owner_certificate.clone())
            .put("reporting-level", self.reporting_level.as_str());
        write_rules(&mut o, &self.match_rules);
        o.done()
    }
}
