//! The device serial number inside a client certificate, found by the device type's rule:
//! the subject serialNumber (802.1AR), CN or a SAN, optionally narrowed by a token prefix
//! (Cisco's `PID:… SN:…`) or a regular expression's first capture group.

use regex::Regex;
use sztp_protocol::x509::{AltName, Certificate};
use sztp_store::{SerialRule, SerialSource};

/// The serial number `rule` finds in `cert`, if any.
pub(crate) fn extract_serial(cert: &Certificate, rule: &SerialRule) -> Option<String> {
    let candidates: Vec<String> = match rule.source {
        SerialSource::SubjectSerialNumber => cert.subject_serial_number().into_iter().collect(),
        SerialSource::CommonName => cert.common_name().into_iter().collect(),
        SerialSource::SanDns | SerialSource::SanUri | SerialSource::SanEmail => cert
            .subject_alt_names()
            .ok()?
            .into_iter()
            .filter_map(|n| match (n, &rule.source) {
                (AltName::Dns(v), SerialSource::SanDns)
                | (AltName::Uri(v), SerialSource::SanUri)
                | (AltName::Email(v), SerialSource::SanEmail) => Some(v),
                _ => None,
            })
            .collect(),
    };
    candidates.iter().find_map(|raw| narrow(raw, rule)).filter(|s| !s.is_empty())
}

fn narrow(raw: &str, rule: &SerialRule) -> Option<String> {
    let mut value = raw.trim().to_owned();
    if let Some(prefix) = rule.token_prefix.as_deref().filter(|p| !p.is_empty()) {
        let start = value.find(prefix)? + prefix.len();
        let token: String =
            value[start..].trim_start().chars().take_while(|c| !c.is_whitespace() && *c != ',' && *c != ';').collect();
        value = token;
    }
    if let Some(pattern) = rule.regex.as_deref().filter(|p| !p.is_empty()) {
        let re = Regex::new(pattern).ok()?;
        let caps = re.captures(&value)?;
        value = caps.get(1).or_else(|| caps.get(0))?.as_str().to_owned();
    }
    Some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(source: SerialSource, token_prefix: Option<&str>, regex: Option<&str>) -> SerialRule {
        SerialRule { source, token_prefix: token_prefix.map(str::to_owned), regex: regex.map(str::to_owned) }
    }

    #[test]
    fn narrowing_rules() {
        let cisco = "PID:C9300-24T SN:FCW2126G05V";
        assert_eq!(
            narrow(cisco, &rule(SerialSource::SubjectSerialNumber, Some("SN:"), None)).as_deref(),
            Some("FCW2126G05V")
        );
        assert_eq!(narrow(cisco, &rule(SerialSource::SubjectSerialNumber, None, None)).as_deref(), Some(cisco));
        assert_eq!(narrow(cisco, &rule(SerialSource::SubjectSerialNumber, Some("XX:"), None)), None);
        assert_eq!(
            narrow("device-42.example", &rule(SerialSource::SanDns, None, Some(r"^device-(\d+)\."))).as_deref(),
            Some("42")
        );
        assert_eq!(narrow("nope", &rule(SerialSource::SanDns, None, Some(r"^device-(\d+)\."))), None);
    }

    #[test]
    fn reads_subject_serial_number_of_a_real_idevid() {
        let pki = sztp_testkit::TestPki::generate();
        let idevid = pki.idevid("SN-0042");
        let cert = Certificate::from_der(&idevid.cert_der).expect("cert");
        assert_eq!(
            extract_serial(&cert, &rule(SerialSource::SubjectSerialNumber, None, None)).as_deref(),
            Some("SN-0042")
        );
        assert_eq!(extract_serial(&cert, &rule(SerialSource::SanUri, None, None)), None);
    }
}
