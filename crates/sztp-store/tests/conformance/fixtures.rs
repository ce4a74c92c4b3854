//! Sample records covering every enum variant and optional field.

use sztp_store::*;
use time::OffsetDateTime;

/// A fixed instant with microsecond precision (what the store keeps).
pub(crate) fn at(seconds: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_700_000_000 + seconds).unwrap() + time::Duration::microseconds(123_456)
}

pub(crate) fn rules(response: &str) -> Vec<MatchRule> {
    let cond =
        |field, op, value: Option<&str>, negate| Condition { field, op, value: value.map(str::to_owned), negate };
    vec![
        MatchRule {
            name: None,
            conditions: vec![
                cond(MatchField::HwModel, MatchOp::Equals, Some("model-x"), false),
                cond(MatchField::OsName, MatchOp::Regex, Some("^ios(-xe)?$"), false),
                cond(MatchField::OsVersion, MatchOp::Prefix, Some("17."), true),
                cond(MatchField::SignedDataPreferred, MatchOp::Present, None, false),
                cond(MatchField::Nonce, MatchOp::Present, None, true),
                cond(MatchField::SourceAddress, MatchOp::Prefix, Some("2001:db8::/32"), false),
            ],
            response: response.to_owned(),
        },
        MatchRule { name: None, conditions: vec![], response: "fallback".to_owned() },
    ]
}

pub(crate) fn device_type(name: &str) -> DeviceType {
    DeviceType {
        name: name.to_owned(),
        trust_bag: Some("manufacturer-roots".to_owned()),
        allow_sha1: true,
        serial_rule: SerialRule {
            source: SerialSource::SanUri,
            token_prefix: Some("SN:".to_owned()),
            regex: Some("^urn:dev:(.*)$".to_owned()),
        },
        profile: CompatProfile::CiscoIosXe,
        signing: SigningPolicy::WhenRequired,
        encrypt: true,
        owner_certificate: Some("owner".to_owned()),
        reporting_level: ReportingLevel::Verbose,
        rules: rules("onboard"),
    }
}

pub(crate) fn device(serial: &str, device_type: &str) -> Device {
    Device {
        serial: serial.to_owned(),
        device_type: device_type.to_owned(),
        activation_code_hash: Some("$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2g".to_owned()),
        idevid_cert_der: Some(vec![0x30, 0x82, 0x01, 0x00, 0xff]),
        reporting_level: Some(ReportingLevel::Minimal),
        signing: Some(SigningPolicy::Signed),
        encrypt: Some(false),
        owner_certificate: None,
        rules: rules("special"),
        enabled: true,
    }
}

/// A device with nothing optional set.
pub(crate) fn bare_device(serial: &str, device_type: &str) -> Device {
    Device {
        serial: serial.to_owned(),
        device_type: device_type.to_owned(),
        activation_code_hash: None,
        idevid_cert_der: None,
        reporting_level: None,
        signing: None,
        encrypt: None,
        owner_certificate: None,
        rules: vec![],
        enabled: true,
    }
}

pub(crate) fn onboarding() -> Response {
    Response {
        name: "onboard".to_owned(),
        spec: ResponseSpec::Onboarding(OnboardingSpec {
            boot_image: Some(BootImageSpec {
                os_name: "VendorOS".to_owned(),
                os_version: "17.3.1".to_owned(),
                download_uris: vec!["https://files.example/os.img".to_owned(), "ftp://mirror/os.img".to_owned()],
                sha256_hex: Some("ab".repeat(32)),
                artifact: Some("os.img".to_owned()),
            }),
            pre_configuration_script: Some("#!/bin/sh\necho pre\n".to_owned()),
            configuration_handling: Some(ConfigurationHandling::Replace),
            configuration: Some("<config xmlns=\"urn:x\">ünïcode ✓</config>".to_owned()),
            post_configuration_script: None,
        }),
    }
}

pub(crate) fn redirect() -> Response {
    Response {
        name: "elsewhere".to_owned(),
        spec: ResponseSpec::Redirect {
            servers: vec![
                RedirectServer {
                    address: "bootstrap.example".to_owned(),
                    port: Some(8443),
                    trust_anchor_pem: Some("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n".to_owned()),
                },
                RedirectServer { address: "192.0.2.7".to_owned(), port: None, trust_anchor_pem: None },
            ],
        },
    }
}

pub(crate) fn event(
    serial: Option<&str>,
    seconds: i64,
    operation: &str,
    progress: Option<(&str, Option<&str>)>,
) -> BootstrapEvent {
    BootstrapEvent {
        tenant: TenantId::DEFAULT,
        serial: serial.map(str::to_owned),
        time: at(seconds),
        source: "[2001:db8::7]:50123".to_owned(),
        operation: operation.to_owned(),
        status: if operation == BootstrapEvent::GET_BOOTSTRAPPING_DATA { 200 } else { 204 },
        outcome: "ok".to_owned(),
        progress: progress.map(|(t, m)| ProgressReport {
            progress_type: t.to_owned(),
            message: m.map(str::to_owned),
            ssh_host_keys: None,
            trust_anchor_certs: Vec::new(),
        }),
        detail: Some(serde_json::json!({ "hw-model": "model-x", "n": 1 })),
        change: StatusChange {
            attempt: operation == BootstrapEvent::GET_BOOTSTRAPPING_DATA,
            stage: progress.map(|(t, _)| t.to_owned()),
            error: progress.filter(|(t, _)| t.ends_with("-error")).map(|(t, m)| match m {
                Some(m) => format!("{t}: {m}"),
                None => t.to_owned(),
            }),
            completed: progress.is_some_and(|(t, _)| t == "bootstrap-complete"),
            restart: progress.is_some_and(|(t, _)| t == "bootstrap-initiated"),
        },
    }
}

/// A refused request: its status, and its outcome as the device's latest error.
pub(crate) fn refused(mut ev: BootstrapEvent, status: u16, outcome: &str) -> BootstrapEvent {
    ev.status = status;
    ev.outcome = outcome.to_owned();
    ev.change.error = Some(outcome.to_owned());
    ev
}
