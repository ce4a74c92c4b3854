//! `tenants/tenant/devices/device`: a device with its overrides, match rules, write-only
//! activation code and read-only status.

use serde_json::Value;
use time::OffsetDateTime;

use super::rules::{MatchRule, read_rules, write_rules};
use super::{Fields, ListEntry, Out, YangEnum, yang_enum};
use crate::codec::{DecodeError, DecodeErrorKind as K};

yang_enum! {
    /// How much of a device's progress is asked for (`reporting-level`).
    ReportingLevel {
        /// Only the required reports.
        Minimal = "minimal",
        /// Every report.
        Verbose = "verbose",
    }
    default = Minimal
}

yang_enum! {
    /// When conveyed information is signed.
    Signing {
        /// Never.
        Unsigned = "unsigned",
        /// Always.
        Signed = "signed",
        /// When the device asks for it, or cannot trust the server.
        WhenRequired = "when-required",
    }
    default = WhenRequired
}

/// Settings of one device that win over its device type's.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Overrides {
    /// Reporting level.
    pub reporting_level: Option<ReportingLevel>,
    /// Signing policy.
    pub signing: Option<Signing>,
    /// Whether conveyed information is encrypted.
    pub encrypt: Option<bool>,
    /// The owner certificate that signs.
    pub owner_certificate: Option<String>,
}

impl Overrides {
    fn is_empty(&self) -> bool {
        *self == Overrides::default()
    }
}

/// What the server knows of a device's bootstrapping (read-only).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeviceStatus {
    /// First request seen.
    pub first_seen: Option<OffsetDateTime>,
    /// Last request seen.
    pub last_seen: Option<OffsetDateTime>,
    /// When `bootstrap-complete` was reported.
    pub completed_at: Option<OffsetDateTime>,
    /// Requests made.
    pub attempts: u64,
    /// The last progress reported.
    pub stage: Option<String>,
    /// The last error reported.
    pub last_error: Option<String>,
}

/// One device.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Device {
    /// Serial number (the key).
    pub serial: String,
    /// Its device type.
    pub device_type: String,
    /// Write-only activation code, in clear (the server keeps only its hash).
    pub activation_code: Option<String>,
    /// The activation code's PHC hash, for configuration exported from another server.
    pub activation_code_hash: Option<String>,
    /// The IDevID certificate the device must present (DER).
    pub idevid_certificate: Option<Vec<u8>>,
    /// Settings overriding the device type's.
    pub overrides: Overrides,
    /// Match rules, tried before the device type's.
    pub match_rules: Vec<MatchRule>,
    /// Whether the device is served.
    pub enabled: bool,
    /// Status (read from replies; ignored on input).
    pub status: Option<DeviceStatus>,
}

impl Device {
    /// A new enabled device of `device_type`.
    pub fn new(serial: &str, device_type: &str) -> Device {
        Device { serial: serial.into(), device_type: device_type.into(), enabled: true, ..Device::default() }
    }
}

impl ListEntry for Device {
    const LIST: &'static str = "device";

    fn read_entry(mut f: Fields<'_>) -> Result<Self, DecodeError> {
        let serial = f.required_string("serial")?;
        let device_type = f.required_string("device-type")?;
        let activation_code = f.string("activation-code")?;
        let activation_code_hash = f.string("activation-code-hash")?;
        if activation_code.is_some() && activation_code_hash.is_some() {
            let message = "give the activation code or its hash, not both";
            return Err(DecodeError::new(f.path_of("activation-code-hash"), K::InvalidValue, message));
        }
        let idevid_certificate = f.binary("idevid-certificate")?;
        let overrides = f
            .container("overrides", |mut g| {
                let o = Overrides {
                    reporting_level: g.enumeration("reporting-level")?,
                    signing: g.enumeration("signing")?,
                    encrypt: g.boolean("encrypt")?,
                    owner_certificate: g.string("owner-certificate")?,
                };
                g.finish()?;
                Ok(o)
            })?
            .unwrap_or_default();
        let match_rules = read_rules(&mut f)?;
        let enabled = f.boolean("enabled")?.unwrap_or(true);
        let status = if f.is_reply() { f.container("status", read_status)? } else { None };
        f.ignore("status");
        f.finish()?;
        Ok(Device {
            serial,
            device_type,
            activation_code,
            activation_code_hash,
            idevid_certificate,
            overrides,
            match_rules,
            enabled,
            status,
        })
    }

    fn to_value(&self) -> Value {
        let mut o = Out::default();
        o.put("serial", self.serial.as_str()).put("device-type", self.device_type.as_str());
        o.opt("activation-code", self.activation_code.clone());
        o.opt("activation-code-hash", self.activation_code_hash.clone());
        if let Some(cert) = &self.idevid_certificate {
            o.binary("idevid-certificate", cert);
        }
        if !self.overrides.is_empty() {
            let v = &self.overrides;
            let overrides = Out::default()
                .opt("reporting-level", v.reporting_level.map(YangEnum::as_str))
                .opt("signing", v.signing.map(YangEnum::as_str))
                .opt("encrypt", v.encrypt)
                .opt("owner-certificate", v.owner_certificate.clone())
                .done();
            o.put("overrides", overrides);
        }
        write_rules(&mut o, &self.match_rules);
        o.put("enabled", self.enabled);
        if let Some(s) = &self.status {
            let mut st = Out::default();
            st.date_time("first-seen", s.first_seen)
                .date_time("last-seen", s.last_seen)
                .date_time("completed-at", s.completed_at)
                // uint64 is a JSON string in RFC 7951.
                .put("attempts", s.attempts.to_string())
                .opt("stage", s.stage.clone())
                .opt("last-error", s.last_error.clone());
            o.put("status", st.done());
        }
        o.done()
    }
}

fn read_status(mut f: Fields<'_>) -> Result<DeviceStatus, DecodeError> {
    let status = DeviceStatus {
        first_seen: f.date_time("first-seen")?,
        last_seen: f.date_time("last-seen")?,
        completed_at: f.date_time("completed-at")?,
        attempts: f.integer("attempts", (0, u64::MAX))?.unwrap_or(0),
        stage: f.string("stage")?,
        last_error: f.string("last-error")?,
    };
    f.finish()?;
    Ok(status)
}
