//! Every RFC example decodes, re-encodes in JSON and XML, still validates with yanglint, and
//! decodes back to the same value.

mod common;

use common::{Schema, example, yanglint};
use sztp_protocol::codec::Encoding;
use sztp_protocol::model::YangDocument;
use sztp_protocol::model::bootstrap_rpc::{GetBootstrappingDataInput, GetBootstrappingDataOutput};
use sztp_protocol::model::conveyed_info::ConveyedInformation;
use sztp_protocol::model::csr::CsrRequest;
use sztp_protocol::model::progress::ReportProgressInput;
use sztp_protocol::model::restconf_errors::RestconfErrors;
use sztp_protocol::model::voucher::Voucher;

fn check<T: YangDocument + PartialEq + std::fmt::Debug>(file: &str, schema: Schema) -> T {
    let xml_source = file.ends_with(".xml");
    let bytes = example(file);
    // The example itself is valid per yanglint, and per us.
    yanglint(schema, &bytes, xml_source).unwrap_or_else(|e| panic!("{file} as given: {e}"));
    let enc = if xml_source { Encoding::Xml } else { Encoding::Json };
    let value = T::decode(enc, &bytes).unwrap_or_else(|e| panic!("{file}: {e}"));
    for (out_enc, is_xml) in [(Encoding::Json, false), (Encoding::Xml, true)] {
        let encoded = value.encode(out_enc);
        yanglint(schema, &encoded, is_xml)
            .unwrap_or_else(|e| panic!("{file} re-encoded as {out_enc:?}: {e}\n{}", String::from_utf8_lossy(&encoded)));
        let again = T::decode(out_enc, &encoded).unwrap_or_else(|e| panic!("{file} re-decoded from {out_enc:?}: {e}"));
        assert_eq!(again, value, "{file} round trip through {out_enc:?}");
    }
    value
}

#[test]
fn rfc8572_conveyed_information_examples() {
    let r: ConveyedInformation = check("rfc8572/sec6.2-redirect-information.json", Schema::ConveyedInfo);
    assert!(matches!(r, ConveyedInformation::Redirect(ref ri) if ri.bootstrap_servers.len() == 3));
    let o: ConveyedInformation = check("rfc8572/sec6.2-onboarding-information.json", Schema::ConveyedInfo);
    assert!(matches!(o, ConveyedInformation::Onboarding(ref oi) if oi.boot_image.is_some()));
}

#[test]
fn rfc8572_rpc_examples_in_xml() {
    let i: GetBootstrappingDataInput = check("rfc8572/sec7.2-gbd-trusted-input.xml", Schema::GbdInput);
    assert_eq!(i.hw_model.as_deref(), Some("model-x"));
    let u: GetBootstrappingDataInput = check("rfc8572/sec7.2-gbd-untrusted-input.xml", Schema::GbdInput);
    assert!(u.signed_data_preferred);
    let _: GetBootstrappingDataOutput = check("rfc8572/sec7.2-gbd-trusted-output.xml", Schema::GbdOutput);
    let o: GetBootstrappingDataOutput = check("rfc8572/sec7.2-gbd-untrusted-output.xml", Schema::GbdOutput);
    assert!(o.owner_certificate.is_some() && o.ownership_voucher.is_some());
    let p: ReportProgressInput = check("rfc8572/sec7.2-report-progress-input.xml", Schema::ReportProgress);
    assert_eq!(p.ssh_host_keys.len(), 2);
}

#[test]
fn rfc8572_rpc_examples_in_json() {
    let _: GetBootstrappingDataInput = check("rfc8572-json-restconf/gbd-trusted-input.json", Schema::GbdInput);
    let u: GetBootstrappingDataInput = check("rfc8572-json-restconf/gbd-untrusted-input.json", Schema::GbdInput);
    assert!(u.signed_data_preferred);
    let _: GetBootstrappingDataOutput = check("rfc8572-json-restconf/gbd-trusted-output.json", Schema::GbdOutput);
    let _: GetBootstrappingDataOutput = check("rfc8572-json-restconf/gbd-untrusted-output.json", Schema::GbdOutput);
    let p: ReportProgressInput = check("rfc8572-json-restconf/report-progress-input.json", Schema::ReportProgress);
    assert_eq!(p.trust_anchor_certs.len(), 1);
}

#[test]
fn rfc9646_examples() {
    let s: GetBootstrappingDataInput = check("rfc9646/sec2.2-gbd-input-csr-support.json", Schema::GbdInput);
    assert!(s.msg_type.is_some());
    let p: GetBootstrappingDataInput = check("rfc9646/sec2.2-gbd-input-p10-csr.json", Schema::GbdInput);
    assert!(p.msg_type.is_some());
    let _: GetBootstrappingDataOutput = check("rfc9646/sec2.2-gbd-output.json", Schema::GbdOutput);
    let e: RestconfErrors = check("rfc9646/sec2.2-400-errors-csr-request.json", Schema::Errors);
    assert_eq!(e.errors[0].error_tag.as_str(), "missing-attribute");
    let _: CsrRequest = check("rfc9646/sec2.2-csr-request-structure.json", Schema::CsrRequest);
}

#[test]
fn rfc8366_voucher_examples() {
    let _: Voucher = check("rfc8366/sec5.2-voucher-ephemeral.json", Schema::Voucher);
    let _: Voucher = check("rfc8366/sec5.2-voucher-nonephemeral.FIXED-boolean.json", Schema::Voucher);
    // As printed in RFC 8366 the boolean is the string "true": yanglint and we both refuse it.
    let bad = example("rfc8366/sec5.2-voucher-nonephemeral.json");
    assert!(
        yanglint(Schema::Voucher, &bad, false).is_err() || std::process::Command::new("yanglint").output().is_err()
    );
    let e = Voucher::from_json(&bad).unwrap_err();
    assert_eq!(e.path, "/ietf-voucher:voucher/domain-cert-revocation-checks");
}
