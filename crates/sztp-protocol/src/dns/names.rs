//! Owner names of RFC 8572 §4.2.1: TXT at `<serial-number>._sztp.<domain>` and SRV at
//! `_sztp._tcp.<domain>`, each also under `local` for multicast DNS (RFC 6762).

use super::DnsError;

/// The underscored node name for device-specific TXT records (RFC 8572 §10.7, RFC 8552).
pub const SZTP_TXT_LABEL: &str = "_sztp";
/// The service and protocol labels of the device-independent SRV records (RFC 8572 §10.6).
pub const SZTP_SERVICE_LABELS: &str = "_sztp._tcp";
/// The multicast DNS domain (RFC 6762 §3).
pub const MDNS_DOMAIN: &str = "local";

/// Longest label in octets (RFC 1035 §2.3.4).
const MAX_LABEL: usize = 63;
/// Longest name in presentation form without the trailing dot (255 octets on the wire).
const MAX_NAME: usize = 253;

/// `<serial-number>._sztp.<domain>`, where device-specific TXT records live (RFC 8572 §4.2.1).
///
/// A trailing dot on `domain` is dropped; the result is written without one.
pub fn device_specific_name(serial: &str, domain: &str) -> Result<String, DnsError> {
    validate_serial_label(serial)?;
    let domain = validate_domain(domain)?;
    check_length(format!("{serial}.{SZTP_TXT_LABEL}.{domain}"))
}

/// `<serial-number>._sztp.local`, the multicast DNS form queried first (RFC 8572 §4.2.1).
pub fn device_specific_mdns_name(serial: &str) -> Result<String, DnsError> {
    device_specific_name(serial, MDNS_DOMAIN)
}

/// `_sztp._tcp.<domain>`, where device-independent SRV records live (RFC 8572 §4.2.1).
pub fn device_independent_name(domain: &str) -> Result<String, DnsError> {
    let domain = validate_domain(domain)?;
    check_length(format!("{SZTP_SERVICE_LABELS}.{domain}"))
}

/// `_sztp._tcp.local`, the multicast DNS form queried first (RFC 8572 §4.2.1).
pub fn device_independent_mdns_name() -> String {
    format!("{SZTP_SERVICE_LABELS}.{MDNS_DOMAIN}")
}

/// Checks that a serial number fits one DNS label: 1..=63 printable ASCII octets, no `.` or `\`.
///
/// DNS labels may hold any octet, but a serial number outside this set could not be written in a
/// name or zone file without escapes that resolvers and devices treat inconsistently.
pub fn validate_serial_label(serial: &str) -> Result<(), DnsError> {
    if serial.is_empty() {
        return Err(DnsError::InvalidSerialNumber("empty"));
    }
    if serial.len() > MAX_LABEL {
        return Err(DnsError::InvalidSerialNumber("longer than 63 octets"));
    }
    if serial.contains('.') {
        return Err(DnsError::InvalidSerialNumber("contains a dot"));
    }
    if !serial.bytes().all(is_plain_label_octet) {
        return Err(DnsError::InvalidSerialNumber("contains a space, backslash, control or non-ASCII octet"));
    }
    Ok(())
}

/// Validates a domain name in presentation form and returns it without its trailing dot.
pub(super) fn validate_domain(domain: &str) -> Result<&str, DnsError> {
    let trimmed = domain.strip_suffix('.').unwrap_or(domain);
    if trimmed.is_empty() {
        return Err(DnsError::InvalidDomain("empty"));
    }
    if trimmed.len() > MAX_NAME {
        return Err(DnsError::InvalidDomain("longer than 253 octets"));
    }
    for label in trimmed.split('.') {
        if label.is_empty() {
            return Err(DnsError::InvalidDomain("empty label"));
        }
        if label.len() > MAX_LABEL {
            return Err(DnsError::InvalidDomain("label longer than 63 octets"));
        }
        if !label.bytes().all(is_plain_label_octet) {
            return Err(DnsError::InvalidDomain("contains a space, backslash, control or non-ASCII octet"));
        }
    }
    Ok(trimmed)
}

fn is_plain_label_octet(b: u8) -> bool {
    b.is_ascii_graphic() && b != b'\\' && b != b'.'
}

fn check_length(name: String) -> Result<String, DnsError> {
    if name.len() > MAX_NAME {
        return Err(DnsError::InvalidDomain("resulting name longer than 253 octets"));
    }
    Ok(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_the_four_rfc_8572_owner_names() {
        assert_eq!(device_specific_name("SN-1", "example.com.").unwrap(), "SN-1._sztp.example.com");
        assert_eq!(device_specific_mdns_name("first-serial-number").unwrap(), "first-serial-number._sztp.local");
        assert_eq!(device_independent_name("example.com").unwrap(), "_sztp._tcp.example.com");
        assert_eq!(device_independent_mdns_name(), "_sztp._tcp.local");
    }

    #[test]
    fn serial_numbers_must_fit_one_label() {
        assert!(validate_serial_label(&"A".repeat(63)).is_ok());
        assert!(validate_serial_label("FOC1234X0AB").is_ok());
        for bad in ["", "a.b", "has space", "back\\slash", "tab\t", "é"] {
            assert!(matches!(validate_serial_label(bad), Err(DnsError::InvalidSerialNumber(_))), "{bad:?}");
        }
        assert_eq!(validate_serial_label(&"A".repeat(64)), Err(DnsError::InvalidSerialNumber("longer than 63 octets")));
    }

    #[test]
    fn domains_are_validated_and_overall_length_is_bounded() {
        for bad in ["", ".", "a..b", "a b", &format!("{}.com", "x".repeat(64))] {
            assert!(matches!(device_independent_name(bad), Err(DnsError::InvalidDomain(_))), "{bad:?}");
        }
        let long_domain = ["a".repeat(63), "b".repeat(63), "c".repeat(63), "d".repeat(50)].join(".");
        assert!(device_independent_name(&long_domain).is_ok());
        assert_eq!(
            device_specific_name("SERIAL", &long_domain),
            Err(DnsError::InvalidDomain("resulting name longer than 253 octets"))
        );
    }
}
