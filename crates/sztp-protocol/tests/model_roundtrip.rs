//! Property tests: every model survives encode → decode in JSON and in XML unchanged, and a
//! sample of generated documents also validates with yanglint.

mod common;

use common::{Schema, yanglint};
use proptest::prelude::*;
use sztp_protocol::codec::Encoding;
use sztp_protocol::model::YangDocument;
use sztp_protocol::model::bootstrap_rpc::*;
use sztp_protocol::model::conveyed_info::*;
use sztp_protocol::model::csr::*;
use sztp_protocol::model::progress::*;
use sztp_protocol::model::restconf_errors::*;
use sztp_protocol::model::voucher::*;
use time::OffsetDateTime;

fn text() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9 ._:/<>&'\"-]{0,24}"
}
fn bytes() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(any::<u8>(), 0..48)
}
fn host() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z][a-z0-9]{0,8}(\\.[a-z][a-z0-9]{0,8}){0,3}",
        "(25[0-5]|1[0-9]{2}|[1-9]?[0-9])(\\.(1[0-9]{2}|[1-9]?[0-9])){3}",
        Just("2001:db8::1".to_owned())
    ]
}
fn uri() -> impl Strategy<Value = String> {
    "https://[a-z]{1,10}\\.example(:[1-9][0-9]{0,3})?/[a-z0-9/._-]{0,16}"
}
fn instant() -> impl Strategy<Value = OffsetDateTime> {
    (0i64..4_000_000_000).prop_map(|s| OffsetDateTime::from_unix_timestamp(s).expect("in range"))
}
fn csr_format() -> impl Strategy<Value = CsrFormat> {
    prop_oneof![Just(CsrFormat::P10), Just(CsrFormat::Cmp), Just(CsrFormat::Cmc)]
}
fn msg_type() -> impl Strategy<Value = MsgType> {
    prop_oneof![
        (prop::option::of(prop::collection::vec(bytes(), 1..3)), prop::collection::vec(csr_format(), 1..4)).prop_map(
            |(key_generation, supported_formats)| MsgType::CsrSupport(CsrSupport { key_generation, supported_formats })
        ),
        bytes().prop_map(|b| MsgType::Csr(Csr::P10(b))),
        bytes().prop_map(|b| MsgType::Csr(Csr::Cmc(b))),
        bytes().prop_map(|b| MsgType::Csr(Csr::Cmp(b))),
    ]
}

prop_compose! {
    fn gbd_input()(sdp in any::<bool>(), hw in prop::option::of(text()), osn in prop::option::of(text()),
                   osv in prop::option::of(text()), nonce in prop::option::of(prop::collection::vec(any::<u8>(), 16..=32)),
                   msg in prop::option::of(msg_type())) -> GetBootstrappingDataInput {
        GetBootstrappingDataInput { signed_data_preferred: sdp, hw_model: hw, os_name: osn, os_version: osv,
            nonce: nonce.map(|n| Nonce::new(n).expect("length in range")), msg_type: msg }
    }
}

prop_compose! {
    fn gbd_output()(rl in prop::option::of(prop_oneof![Just(ReportingLevel::Minimal), Just(ReportingLevel::Verbose)]),
                    ci in bytes(), signed in prop::option::of((bytes(), bytes()))) -> GetBootstrappingDataOutput {
        let (owner_certificate, ownership_voucher) = match signed { Some((a, b)) => (Some(a), Some(b)), None => (None, None) };
        GetBootstrappingDataOutput { reporting_level: rl, conveyed_information: ci, owner_certificate, ownership_voucher }
    }
}

fn conveyed() -> impl Strategy<Value = ConveyedInformation> {
    let server = (host(), prop::option::of(any::<u16>()), prop::option::of(bytes()))
        .prop_map(|(address, port, trust_anchor)| BootstrapServer { address, port, trust_anchor });
    let redirect = prop::collection::vec(server, 1..4)
        .prop_filter("unique keys", |v| {
            let mut a: Vec<_> = v.iter().map(|s| &s.address).collect();
            a.sort();
            a.dedup();
            a.len() == v.len()
        })
        .prop_map(|bootstrap_servers| ConveyedInformation::Redirect(RedirectInformation { bootstrap_servers }));
    let boot_image = (
        prop::option::of(text()),
        prop::option::of(text()),
        prop::collection::vec(uri(), 0..3),
        prop::option::of(prop::collection::vec(any::<u8>(), 32)),
    )
        .prop_map(|(os_name, os_version, download_uri, hash)| {
            let image_verification = match (&hash, download_uri.is_empty()) {
                (Some(h), false) => {
                    vec![ImageVerification { hash_algorithm: HashAlgorithm::Sha256, hash_value: h.clone() }]
                }
                _ => vec![],
            };
            BootImage { os_name, os_version, download_uri, image_verification }
        });
    let onboarding = (
        prop::option::of(boot_image),
        prop::option::of((
            prop_oneof![Just(ConfigurationHandling::Merge), Just(ConfigurationHandling::Replace)],
            bytes(),
        )),
        prop::option::of(bytes()),
        prop::option::of(bytes()),
    )
        .prop_map(|(boot_image, cfg, pre, post)| OnboardingInformation {
            boot_image: boot_image.filter(|b| *b != BootImage::default()),
            configuration_handling: cfg.as_ref().map(|c| c.0),
            configuration: cfg.map(|c| c.1),
            pre_configuration_script: pre,
            post_configuration_script: post,
        })
        .prop_filter("has data", |o| *o != OnboardingInformation::default())
        .prop_map(ConveyedInformation::Onboarding);
    prop_oneof![redirect, onboarding]
}

fn progress() -> impl Strategy<Value = ReportProgressInput> {
    (
        prop::sample::select(ProgressType::ALL),
        prop::option::of(text()),
        prop::collection::vec(("[a-z0-9-]{1,12}", bytes()), 0..3),
        prop::collection::vec(bytes(), 0..3),
    )
        .prop_map(|(t, message, keys, tacs)| {
            let complete = t == ProgressType::BootstrapComplete;
            ReportProgressInput {
                progress_type: t,
                message,
                ssh_host_keys: if complete {
                    keys.into_iter().map(|(algorithm, key_data)| SshHostKey { algorithm, key_data }).collect()
                } else {
                    vec![]
                },
                trust_anchor_certs: if complete { tacs } else { vec![] },
            }
        })
}

fn voucher() -> impl Strategy<Value = Voucher> {
    (
        instant(),
        prop::option::of(instant()),
        prop::option::of(instant()),
        prop::sample::select(vec![Assertion::Verified, Assertion::Logged, Assertion::Proximity]),
        "[A-Za-z0-9-]{1,20}",
        prop::option::of(bytes()),
        bytes(),
        prop::option::of(any::<bool>()),
        prop::option::of(prop::collection::vec(any::<u8>(), 8..=32)),
    )
        .prop_map(|(created_on, expires, renewal, assertion, serial_number, idevid_issuer, pdc, checks, nonce)| {
            let expires_on = if nonce.is_some() { None } else { expires };
            Voucher {
                created_on,
                expires_on,
                assertion,
                serial_number,
                idevid_issuer,
                pinned_domain_cert: pdc,
                domain_cert_revocation_checks: checks,
                nonce,
                last_renewal_date: if expires_on.is_some() { renewal } else { None },
            }
        })
}

fn errors() -> impl Strategy<Value = RestconfErrors> {
    let tag = prop::sample::select(vec![
        "invalid-value",
        "access-denied",
        "data-missing",
        "malformed-message",
        "missing-attribute",
    ]);
    let csr = (prop::option::of(bytes()), csr_format(), prop::option::of(bytes())).prop_map(
        |(key_generation, selected_format, cert_req_info)| CsrRequest {
            key_generation,
            selected_format,
            cert_req_info,
        },
    );
    let err = (
        prop::sample::select(vec![ErrorType::Transport, ErrorType::Rpc, ErrorType::Protocol, ErrorType::Application]),
        tag,
        prop::option::of(text()),
        prop::option::of(text()),
        prop::option::of(csr),
    )
        .prop_map(|(t, tag, app, msg, csr)| RestconfError {
            error_type: t,
            error_tag: ErrorTag::parse(tag),
            error_app_tag: app,
            error_path: None,
            error_message: msg,
            error_info: csr.map(ErrorInfo::CsrRequest),
        });
    prop::collection::vec(err, 1..3).prop_map(|errors| RestconfErrors { errors })
}

fn round_trip<T: YangDocument + PartialEq + std::fmt::Debug>(v: &T) -> Result<(), TestCaseError> {
    for enc in [Encoding::Json, Encoding::Xml] {
        let bytes = v.encode(enc);
        let back = T::decode(enc, &bytes)
            .map_err(|e| TestCaseError::fail(format!("{enc:?}: {e}\n{}", String::from_utf8_lossy(&bytes))))?;
        prop_assert_eq!(&back, v);
    }
    // The JSON value of a document is exactly what its JSON text says.
    let text: serde_json::Value =
        serde_json::from_slice(&v.to_json()).map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert_eq!(v.to_json_value(), text);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]
    #[test] fn gbd_input_round_trips(v in gbd_input()) { round_trip(&v)?; }
    #[test] fn gbd_output_round_trips(v in gbd_output()) { round_trip(&v)?; }
    #[test] fn conveyed_information_round_trips(v in conveyed()) { round_trip(&v)?; }
    #[test] fn report_progress_round_trips(v in progress()) { round_trip(&v)?; }
    #[test] fn voucher_round_trips(v in voucher()) { round_trip(&v)?; }
    #[test] fn restconf_errors_round_trip(v in errors()) { round_trip(&v)?; }
}

proptest! {
    // yanglint is a process per case: a small sample, in both encodings.
    #![proptest_config(ProptestConfig::with_cases(12))]
    #[test]
    fn generated_documents_validate_with_yanglint(i in gbd_input(), o in gbd_output(), c in conveyed(), p in progress(), v in voucher()) {
        for (xml, enc) in [(false, Encoding::Json), (true, Encoding::Xml)] {
            let checks = [(Schema::GbdInput, i.encode(enc)), (Schema::GbdOutput, o.encode(enc)),
                          (Schema::ConveyedInfo, c.encode(enc)), (Schema::ReportProgress, p.encode(enc)), (Schema::Voucher, v.encode(enc))];
            for (schema, doc) in checks {
                yanglint(schema, &doc, xml).map_err(|e| TestCaseError::fail(format!("{schema:?}: {e}\n{}", String::from_utf8_lossy(&doc))))?;
            }
        }
    }
}
