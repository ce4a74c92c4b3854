//! Every entry reads back what it writes; input is read strictly and replies leniently.

use serde_json::{Value, json};

use super::admin::{AccessLevel, Administrator};
use super::device::{Device, DeviceStatus, Overrides, ReportingLevel, Signing};
use super::device_type::{DeviceType, Profile, SerialRule, SerialSource};
use super::endpoint::{Api, ClientAuth, Endpoint, Limits, Tls, TlsVersion};
use super::import::{ImportFailure, ImportInput, ImportOutput, OnConflict, read_import};
use super::response::{BootImage, ConfigurationHandling, Onboarding, RedirectServer, Response, ResponseKind};
use super::rules::{Condition, MatchField, MatchOp, MatchRule};
use super::trust::{CertificateBag, OwnerCertificate, Voucher};
use super::{ListEntry, YangEnum};
use crate::codec::{DecodeError, DecodeErrorKind as K};

fn round_trip<T: ListEntry + PartialEq + std::fmt::Debug>(entry: &T) {
    assert_eq!(T::from_value(&entry.to_value()).as_ref(), Ok(entry), "{}", entry.to_value());
    assert_eq!(T::from_reply(&entry.document()).ok().as_deref(), Some(std::slice::from_ref(entry)));
}

fn refused<T: ListEntry + std::fmt::Debug>(v: Value) -> (String, &'static str) {
    let e: DecodeError = T::from_value(&v).expect_err("refused");
    (e.path, e.kind.error_tag())
}

fn rule() -> MatchRule {
    let c = Condition { field: MatchField::HwModel, op: MatchOp::Equals, value: Some("x1".into()), negate: true };
    MatchRule { name: Some("first".into()), conditions: vec![c], response: "onboard".into() }
}

#[test]
fn configuration_entries_read_back_what_they_write() {
    let mut device = Device::new("SN-1", "dpu");
    device.idevid_certificate = Some(vec![0x30, 0x03, 1, 2, 3]);
    device.overrides = Overrides {
        reporting_level: Some(ReportingLevel::Verbose),
        signing: Some(Signing::Signed),
        encrypt: Some(true),
        owner_certificate: Some("owner".into()),
    };
    device.match_rules = vec![rule()];
    round_trip(&device);
    round_trip(&DeviceType {
        name: "dpu".into(),
        trust_bag: Some("factory".into()),
        allow_sha1: true,
        serial_rule: SerialRule { source: SerialSource::SanUri, token_prefix: None, regex: Some("sn=(.*)".into()) },
        profile: Profile::OpiAgent,
        signing: Signing::Unsigned,
        encrypt: true,
        owner_certificate: None,
        reporting_level: ReportingLevel::Verbose,
        match_rules: vec![rule()],
    });
    let server = RedirectServer { address: "10.0.0.1".into(), port: Some(8443), trust_anchors: vec![vec![0x30, 0]] };
    round_trip(&Response { name: "r".into(), kind: ResponseKind::Redirect(vec![server]) });
    let onboarding = Onboarding {
        boot_image: Some(BootImage {
            os_name: "OS".into(),
            os_version: "2".into(),
            download_uris: vec!["https://x/i".into()],
            sha256: Some("ab:cd".into()),
            artifact: None,
        }),
        pre_configuration_script: Some("#!/bin/sh".into()),
        configuration_handling: Some(ConfigurationHandling::Replace),
        configuration: Some("<x/>".into()),
        post_configuration_script: None,
    };
    round_trip(&Response { name: "o".into(), kind: ResponseKind::Onboarding(onboarding) });
    round_trip(&CertificateBag { name: "b".into(), description: Some("d".into()), certificates: vec![vec![0x30, 0]] });
    round_trip(&OwnerCertificate { name: "o".into(), key: "k".into(), certificates: vec![vec![0x30, 0]] });
    round_trip(&Voucher { serial: "SN-1".into(), cms: vec![0x30, 0], expires_at: None });
    round_trip(&Endpoint {
        name: "e".into(),
        address: "::1".into(),
        port: 8443,
        tls: Some(Tls {
            server_key: "k".into(),
            certificates: vec![vec![0x30, 0]],
            client_auth: ClientAuth::Required,
            min_version: TlsVersion::Tls13,
            client_trust_bag: Some("b".into()),
        }),
        apis: vec![Api::Rfc8572, Api::Files],
        external_address: None,
        enabled: false,
        behind_tls_terminator: false,
        limits: Limits { max_connections: Some(10), body_timeout: Some(5), ..Limits::default() },
        listening: None,
        error: None,
    });
    round_trip(&Administrator {
        login: "ops".into(),
        access_level: AccessLevel::ReadWrite,
        tenants: vec!["acme".into()],
        ..Administrator::default()
    });
}

#[test]
fn state_is_skipped_on_input_and_read_from_replies() {
    let when = time::macros::datetime!(2026-12-06 12:00 UTC);
    let mut device = Device::new("SN-1", "dpu");
    device.status =
        Some(DeviceStatus { last_seen: Some(when), attempts: 3, stage: Some("x".into()), ..Default::default() });
    let v = device.to_value();
    assert_eq!(v["status"]["attempts"], "3", "uint64 is a string in RFC 7951");
    assert_eq!(Device::from_value(&v).map(|d| d.status), Ok(None));
    assert_eq!(Device::from_reply(&device.document()).map(|d| d[0].status.clone()), Ok(device.status.clone()));
    let mut newer = device.document();
    newer["sztp-server:device"][0]["colour"] = json!("red");
    assert!(Device::from_reply(&newer).is_ok(), "a newer server's leaves are skipped in replies");
    assert_eq!(refused::<Device>(newer["sztp-server:device"][0].clone()), ("device/colour".into(), "unknown-element"));
}

#[test]
fn input_is_refused_with_the_node_and_tag_at_fault() {
    let device = |extra: Value| {
        let mut v = json!({"serial": "SN-1", "device-type": "dpu"});
        if let (Some(o), Some(extra)) = (v.as_object_mut(), extra.as_object()) {
            o.extend(extra.clone());
        }
        v
    };
    assert_eq!(refused::<Device>(json!({"serial": "SN-1"})), ("device/device-type".into(), "missing-element"));
    assert_eq!(refused::<Device>(device(json!({"enabled": "yes"}))), ("device/enabled".into(), "invalid-value"));
    let bad_enum = device(json!({"overrides": {"signing": "sometimes"}}));
    assert_eq!(refused::<Device>(bad_enum), ("device/overrides/signing".into(), "invalid-value"));
    let bad_op = device(json!({"match-rule": [{"response": "r", "condition": [{"field": "nonce", "op": "like"}]}]}));
    assert_eq!(refused::<Device>(bad_op), ("device/match-rule[1]/condition[1]/op".into(), "invalid-value"));
    let twice = device(json!({"match-rule": [{"name": "a", "response": "r"}, {"name": "a", "response": "s"}]}));
    assert_eq!(refused::<Device>(twice), ("device/match-rule".into(), "data-exists"));
    let both = device(json!({"activation-code": "c", "activation-code-hash": "$argon2id$x"}));
    assert_eq!(refused::<Device>(both).1, "invalid-value");
    assert_eq!(refused::<Response>(json!({"name": "r"})), ("response".into(), "missing-element"));
    let two = json!({"name": "r", "redirect": {"server": []}, "onboarding": {}});
    assert_eq!(refused::<Response>(two), ("response".into(), "invalid-value"));
    let no_source = json!({"name": "r", "onboarding": {"boot-image": {"os-name": "a", "os-version": "1"}}});
    assert_eq!(refused::<Response>(no_source).1, "missing-element");
    let port = json!({"name": "r", "redirect": {"server": [{"address": "a", "port": 70000}]}});
    assert_eq!(refused::<Response>(port), ("response/redirect/server[1]/port".into(), "invalid-value"));
    let endpoint = |extra: Value| {
        let mut v = json!({"name": "e", "address": "127.0.0.1", "port": 0});
        if let (Some(o), Some(extra)) = (v.as_object_mut(), extra.as_object()) {
            o.extend(extra.clone());
        }
        v
    };
    assert_eq!(refused::<Endpoint>(endpoint(json!({"address": "host.example"}))).1, "invalid-value");
    assert_eq!(refused::<Endpoint>(endpoint(json!({"protocol": "https"}))), ("endpoint/tls".into(), "missing-element"));
    assert_eq!(refused::<Endpoint>(endpoint(json!({"apis": ["gopher"]}))), ("endpoint/apis".into(), "invalid-value"));
    let limit = endpoint(json!({"limits": {"max-header-size": 100}}));
    assert_eq!(refused::<Endpoint>(limit), ("endpoint/limits/max-header-size".into(), "invalid-value"));
    assert_eq!(refused::<Voucher>(json!({"serial": "s", "cms": "!!"})), ("voucher/cms".into(), "invalid-value"));
    assert_eq!(refused::<OwnerCertificate>(json!({"name": "o", "key": "k"})).1, "missing-element");
    assert_eq!(refused::<Administrator>(json!({"login": "a", "email": ""})).1, "invalid-value");
    assert_eq!(refused::<Administrator>(json!({"login": "a", "access-level": "root"})).1, "invalid-value");
}

#[test]
fn every_enumeration_name_parses_back() {
    fn check<T: YangEnum + PartialEq + std::fmt::Debug>() {
        for name in T::NAMES {
            assert_eq!(T::parse(name).map(T::as_str), Some(*name));
        }
        assert_eq!(T::parse("no-such-value"), None);
    }
    check::<MatchField>();
    check::<MatchOp>();
    check::<ReportingLevel>();
    check::<Signing>();
    check::<SerialSource>();
    check::<Profile>();
    check::<ConfigurationHandling>();
    check::<Api>();
    check::<ClientAuth>();
    check::<TlsVersion>();
    check::<AccessLevel>();
    check::<OnConflict>();
}

#[test]
fn an_import_reads_each_entry_on_its_own() {
    let input = ImportInput { on_conflict: OnConflict::Skip, devices: vec![Device::new("SN-1", "dpu")] };
    let mut doc = input.document();
    if let Some(d) = doc["sztp-server:input"]["device"].as_array_mut() {
        d.push(json!({"serial": "SN-2"}));
    }
    let (on_conflict, entries) = read_import(&doc).expect("read");
    assert_eq!(on_conflict, OnConflict::Skip);
    assert_eq!(entries[0].as_ref().ok(), Some(&input.devices[0]));
    let (serial, e) = entries[1].as_ref().expect_err("no device type");
    assert_eq!((serial.as_deref(), e.kind), (Some("SN-2"), K::MissingElement));
    let none = json!({"sztp-server:input": {"device": []}});
    assert_eq!(read_import(&none).map(|_| ()).map_err(|e| e.kind), Err(K::MissingElement));
    let output = ImportOutput {
        created: 1,
        replaced: 2,
        skipped: 3,
        failures: vec![ImportFailure { index: 1, serial: Some("SN-2".into()), reason: "why".into() }],
    };
    assert_eq!(ImportOutput::from_document(&output.document()), Ok(output));
}
