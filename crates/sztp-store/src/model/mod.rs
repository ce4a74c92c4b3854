//! Record types shared with the server and its REST API (serde; binary fields as base64 in JSON).

mod admin;
mod device;
mod endpoint;
mod log;
mod pki;
mod response;
mod tenant;

pub use admin::*;
pub use device::*;
pub use endpoint::*;
pub use log::*;
pub use pki::*;
pub use response::*;
pub use tenant::*;

/// Serde default for flags that are on unless said otherwise.
pub(crate) fn yes() -> bool {
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json, to_value};

    #[test]
    fn enumerations_use_the_documented_names() {
        let names = [
            to_value(CompatProfile::Rfc8572).ok(),
            to_value(CompatProfile::OpiAgent).ok(),
            to_value(CompatProfile::CiscoIosXe).ok(),
            to_value(SigningPolicy::WhenRequired).ok(),
            to_value(SerialSource::SubjectSerialNumber).ok(),
            to_value(MatchField::SignedDataPreferred).ok(),
            to_value(ClientAuth::None).ok(),
            to_value(TlsVersion::Tls13).ok(),
        ];
        let expected = [
            "rfc8572",
            "opi-agent",
            "cisco-iosxe",
            "when-required",
            "subject-serial-number",
            "signed-data-preferred",
            "none",
            "tls1.3",
        ];
        assert_eq!(names.to_vec(), expected.map(|s| Some(Value::from(s))).to_vec());
        assert_eq!(serde_json::from_value::<TlsVersion>(json!("tls12")).ok(), Some(TlsVersion::Tls12));
    }

    #[test]
    fn response_specs_are_externally_tagged() {
        let redirect = ResponseSpec::Redirect { servers: vec![] };
        assert_eq!(to_value(&redirect).ok(), Some(json!({ "redirect": { "servers": [] } })));
        let onboarding: Result<ResponseSpec, _> = serde_json::from_value(json!({ "onboarding": {} }));
        assert_eq!(onboarding.ok(), Some(ResponseSpec::Onboarding(OnboardingSpec::default())));
    }

    #[test]
    fn binary_fields_are_base64_and_optional_fields_may_be_omitted() {
        let device: Result<Device, _> =
            serde_json::from_value(json!({ "serial": "SN-1", "device_type": "t", "idevid_cert_der": "MIIB" }));
        let device = device.ok();
        assert_eq!(device.as_ref().and_then(|d| d.idevid_cert_der.clone()), Some(vec![0x30, 0x82, 0x01]));
        assert_eq!(device.as_ref().map(|d| d.enabled), Some(true));
        let back = device.and_then(|d| to_value(d).ok());
        assert_eq!(back.as_ref().map(|v| v["idevid_cert_der"].clone()), Some(json!("MIIB")));
        let bad: Result<StoredVoucher, _> = serde_json::from_value(json!({ "serial": "x", "cms_der": "not base64!" }));
        assert!(bad.is_err());
    }
}
