//! Invalid documents: each must be refused by our decoder (naming the node) AND by yanglint,
//! so our YANG constraint checks agree with an implementation we did not write.

mod common;

use common::{Schema, yanglint};
use sztp_protocol::codec::{DecodeError, DecodeErrorKind as K};
use sztp_protocol::model::YangDocument;
use sztp_protocol::model::bootstrap_rpc::{GetBootstrappingDataInput, GetBootstrappingDataOutput};
use sztp_protocol::model::conveyed_info::ConveyedInformation;
use sztp_protocol::model::progress::ReportProgressInput;
use sztp_protocol::model::restconf_errors::{RestconfError, RestconfErrors};
use sztp_protocol::model::voucher::Voucher;

const HASH: &str = "ba:ec:cf:a5:67:82:b4:10:77:c6:67:a6:22:ab:7d:50:04:a7:8b:8f:0e:db:02:8b:f4:75:55:fb:c1:13:b2:33";

fn ours(schema: Schema, doc: &str) -> Result<(), DecodeError> {
    let b = doc.as_bytes();
    match schema {
        Schema::ConveyedInfo => ConveyedInformation::from_json(b).map(drop),
        Schema::GbdInput => GetBootstrappingDataInput::from_json(b).map(drop),
        Schema::GbdOutput => GetBootstrappingDataOutput::from_json(b).map(drop),
        Schema::ReportProgress => ReportProgressInput::from_json(b).map(drop),
        Schema::Voucher => Voucher::from_json(b).map(drop),
        Schema::Errors => RestconfErrors::from_json(b).map(drop),
        Schema::CsrRequest => unreachable!(),
    }
}

fn refused(schema: Schema, doc: &str, kind: K, path: &str) {
    let e = ours(schema, doc).expect_err(doc);
    assert_eq!((e.kind, e.path.as_str()), (kind, path), "{doc}: {e}");
    assert!(yanglint(schema, doc.as_bytes(), false).is_err(), "yanglint accepted {doc}");
    // The RFC 8040 error body a server would send for it is itself valid, in both encodings.
    let body = RestconfErrors::from(RestconfError::from_decode(&e));
    assert!(body.errors[0].error_message.as_deref().is_some_and(|m| m.contains(path)));
    yanglint(Schema::Errors, &body.to_json(), false).unwrap_or_else(|y| panic!("error body for {doc}: {y}"));
    yanglint(Schema::Errors, &body.to_xml(), true).unwrap_or_else(|y| panic!("error body for {doc}: {y}"));
}

fn accepted(schema: Schema, doc: &str) {
    ours(schema, doc).unwrap_or_else(|e| panic!("{doc}: {e}"));
    yanglint(schema, doc.as_bytes(), false).unwrap_or_else(|e| panic!("yanglint refused {doc}: {e}"));
}

const CI: &str = "/ietf-sztp-conveyed-info:onboarding-information";

#[test]
fn conveyed_information_constraints() {
    let s = Schema::ConveyedInfo;
    accepted(s, r#"{"ietf-sztp-conveyed-info:onboarding-information":{"boot-image":{"os-name":"x"}}}"#);
    refused(s, r#"{"ietf-sztp-conveyed-info:onboarding-information":{}}"#, K::MissingElement, CI);
    refused(s, r#"{"ietf-sztp-conveyed-info:onboarding-information":{"boot-image":{}}}"#, K::MissingElement, CI);
    refused(
        s,
        r#"{"ietf-sztp-conveyed-info:onboarding-information":{"configuration":"AAAA"}}"#,
        K::InvalidValue,
        &format!("{CI}/configuration"),
    );
    refused(
        s,
        r#"{"ietf-sztp-conveyed-info:onboarding-information":{"configuration-handling":"merge"}}"#,
        K::InvalidValue,
        &format!("{CI}/configuration-handling"),
    );
    refused(
        s,
        r#"{"ietf-sztp-conveyed-info:onboarding-information":{"configuration-handling":"overwrite","configuration":"AAAA"}}"#,
        K::InvalidValue,
        &format!("{CI}/configuration-handling"),
    );
    refused(
        s,
        &format!(
            r#"{{"ietf-sztp-conveyed-info:onboarding-information":{{"boot-image":{{"image-verification":[{{"hash-algorithm":"sha-256","hash-value":"{HASH}"}}]}}}}}}"#
        ),
        K::InvalidValue,
        &format!("{CI}/boot-image/image-verification"),
    );
    refused(
        s,
        r#"{"ietf-sztp-conveyed-info:onboarding-information":{"boot-image":{"download-uri":["https://x/i"],"image-verification":[{"hash-algorithm":"sha-256","hash-value":"baeccfa5"}]}}}"#,
        K::InvalidValue,
        &format!("{CI}/boot-image/image-verification[1]/hash-value"),
    );
    refused(
        s,
        r#"{"ietf-sztp-conveyed-info:onboarding-information":{"pre-configuration-script":"!!notbase64"}}"#,
        K::InvalidValue,
        &format!("{CI}/pre-configuration-script"),
    );
    refused(
        s,
        r#"{"ietf-sztp-conveyed-info:redirect-information":{"bootstrap-server":[{"address":"a.example","port":70000}]}}"#,
        K::InvalidValue,
        "/ietf-sztp-conveyed-info:redirect-information/bootstrap-server[1]/port",
    );
    refused(
        s,
        r#"{"ietf-sztp-conveyed-info:redirect-information":{"bootstrap-server":[{"port":443}]}}"#,
        K::MissingElement,
        "/ietf-sztp-conveyed-info:redirect-information/bootstrap-server[1]/address",
    );
    refused(
        s,
        r#"{"ietf-sztp-conveyed-info:onboarding-information":{"boot-image":{"colour":"blue"}}}"#,
        K::UnknownElement,
        &format!("{CI}/boot-image/colour"),
    );
}

#[test]
fn bootstrap_rpc_constraints() {
    let i = Schema::GbdInput;
    let input = "/ietf-sztp-bootstrap-server:input";
    refused(i, r#"{"ietf-sztp-bootstrap-server:input":{"nonce":"AAAA"}}"#, K::InvalidValue, &format!("{input}/nonce"));
    refused(
        i,
        r#"{"ietf-sztp-bootstrap-server:input":{"signed-data-preferred":"yes"}}"#,
        K::InvalidValue,
        &format!("{input}/signed-data-preferred"),
    );
    refused(
        i,
        r#"{"ietf-sztp-bootstrap-server:input":{"ietf-sztp-csr:p10-csr":"AAAA","ietf-sztp-csr:cmp-csr":"AAAA"}}"#,
        K::BadElement,
        &format!("{input}/ietf-sztp-csr:cmp-csr"),
    );
    refused(
        i,
        r#"{"ietf-sztp-bootstrap-server:input":{"ietf-sztp-csr:csr-support":{"csr-generation":{"supported-formats":{"format-identifier":["ietf-ztp-types:x509-csr"]}}}}}"#,
        K::InvalidValue,
        &format!("{input}/ietf-sztp-csr:csr-support/csr-generation/supported-formats/format-identifier"),
    );
    let o = Schema::GbdOutput;
    let output = "/ietf-sztp-bootstrap-server:output";
    refused(
        o,
        r#"{"ietf-sztp-bootstrap-server:output":{"reporting-level":"verbose"}}"#,
        K::MissingElement,
        &format!("{output}/conveyed-information"),
    );
    refused(
        o,
        r#"{"ietf-sztp-bootstrap-server:output":{"conveyed-information":"AAAA","owner-certificate":"AAAA"}}"#,
        K::InvalidValue,
        &format!("{output}/owner-certificate"),
    );
    refused(
        o,
        r#"{"ietf-sztp-bootstrap-server:output":{"conveyed-information":"AAAA","reporting-level":"chatty"}}"#,
        K::InvalidValue,
        &format!("{output}/reporting-level"),
    );
}

#[test]
fn report_progress_constraints() {
    let s = Schema::ReportProgress;
    let input = "/ietf-sztp-bootstrap-server:input";
    refused(
        s,
        r#"{"ietf-sztp-bootstrap-server:input":{"message":"hi"}}"#,
        K::MissingElement,
        &format!("{input}/progress-type"),
    );
    refused(
        s,
        r#"{"ietf-sztp-bootstrap-server:input":{"progress-type":"rebooting"}}"#,
        K::InvalidValue,
        &format!("{input}/progress-type"),
    );
    refused(
        s,
        r#"{"ietf-sztp-bootstrap-server:input":{"progress-type":"bootstrap-initiated","ssh-host-keys":{"ssh-host-key":[{"algorithm":"ssh-ed25519","key-data":"AAAA"}]}}}"#,
        K::BadElement,
        &format!("{input}/ssh-host-keys"),
    );
    accepted(
        s,
        r#"{"ietf-sztp-bootstrap-server:input":{"progress-type":"bootstrap-complete","ssh-host-keys":{"ssh-host-key":[{"algorithm":"ssh-ed25519","key-data":"AAAA"}]}}}"#,
    );
}

#[test]
fn voucher_and_errors_constraints() {
    refused(
        Schema::Voucher,
        r#"{"ietf-voucher:voucher":{"created-on":"2016-10-07T19:31:42Z","assertion":"logged","serial-number":"X","pinned-domain-cert":"AAAA","nonce":"AAAA"}}"#,
        K::InvalidValue,
        "/ietf-voucher:voucher/nonce",
    );
    refused(
        Schema::Voucher,
        r#"{"ietf-voucher:voucher":{"created-on":"yesterday","assertion":"logged","serial-number":"X","pinned-domain-cert":"AAAA"}}"#,
        K::InvalidValue,
        "/ietf-voucher:voucher/created-on",
    );
    refused(
        Schema::Errors,
        r#"{"ietf-restconf:errors":{"error":[{"error-type":"session","error-tag":"invalid-value"}]}}"#,
        K::InvalidValue,
        "/ietf-restconf:errors/error[1]/error-type",
    );
}

#[test]
fn malformed_documents_are_refused_without_panicking() {
    for doc in [
        "",
        "{",
        "[]",
        "null",
        r#"{"input":{}}"#,
        r#"{"nosuch-module:input":{}}"#,
        r#"{"ietf-sztp-bootstrap-server:input":{},"ietf-sztp-bootstrap-server:input":{}}"#,
        r#"{"ietf-sztp-bootstrap-server:input":{"hw-model":"a","hw-model":"b"}}"#,
        r#"{"ietf-sztp-bootstrap-server:input":{"hw-model":["a"]}}"#,
        r#"{"ietf-sztp-bootstrap-server:input":{"hw-model":null}}"#,
        r#"{"ietf-sztp-bootstrap-server:input":{"hw-model":7}}"#,
    ] {
        assert!(GetBootstrappingDataInput::from_json(doc.as_bytes()).is_err(), "{doc}");
    }
    let deep =
        format!("{}{}", "{\"ietf-sztp-bootstrap-server:input\":".to_owned() + &"{\"a\":".repeat(200), "}".repeat(201));
    assert_eq!(GetBootstrappingDataInput::from_json(deep.as_bytes()).unwrap_err().kind, K::TooBig);
    for doc in [
        "<input/>",
        r#"<input xmlns="urn:ietf:params:xml:ns:yang:ietf-sztp-bootstrap-server"><hw-model>a</hw-model>"#,
        r#"<!DOCTYPE x [<!ENTITY e "boom">]><input xmlns="urn:ietf:params:xml:ns:yang:ietf-sztp-bootstrap-server"><hw-model>&e;</hw-model></input>"#,
        r#"<input xmlns="urn:ietf:params:xml:ns:yang:ietf-sztp-bootstrap-server">text<hw-model>a</hw-model></input>"#,
        r#"<input xmlns="urn:example:other"><hw-model>a</hw-model></input>"#,
        r#"<input xmlns="urn:ietf:params:xml:ns:yang:ietf-sztp-bootstrap-server"><hw-model>a</hw-model><hw-model>b</hw-model></input>"#,
    ] {
        assert!(GetBootstrappingDataInput::from_xml(doc.as_bytes()).is_err(), "{doc}");
    }
}

#[test]
fn xml_identityref_prefixes_resolve_through_declarations() {
    let doc = r#"<onboarding-information xmlns="urn:ietf:params:xml:ns:yang:ietf-sztp-conveyed-info" xmlns:x="urn:ietf:params:xml:ns:yang:ietf-sztp-conveyed-info"><boot-image><download-uri>https://e/i</download-uri><image-verification><hash-algorithm>x:sha-256</hash-algorithm><hash-value>HASH</hash-value></image-verification></boot-image></onboarding-information>"#
        .replace("HASH", HASH);
    ConveyedInformation::from_xml(doc.as_bytes()).unwrap();
    let unbound = doc.replace("x:sha-256", "y:sha-256");
    assert!(ConveyedInformation::from_xml(unbound.as_bytes()).is_err());
}
