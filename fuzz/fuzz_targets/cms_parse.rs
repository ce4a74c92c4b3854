//! CMS parsers on untrusted bytes: outer ContentInfo, unsigned conveyed information, certs-only,
//! SignedData verification and the RFC 8572 §5.4 chain must reject garbage without panicking.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sztp_protocol::cms::certs_only::parse_certs_only;
use sztp_protocol::cms::content_type::{outer_content_type, unwrap_unsigned};
use sztp_protocol::cms::signed_data::verify_signed;
use sztp_protocol::trust::{DeviceContext, SignedArtifacts, verify_signed_data, verify_voucher};
use sztp_protocol::x509::Certificate;

fuzz_target!(|data: &[u8]| {
    let _ = outer_content_type(data);
    let _ = unwrap_unsigned(data);
    if let Ok(certs) = parse_certs_only(data) {
        // Every certificate the parser hands out must itself be parseable.
        for c in &certs.certificates {
            let _ = Certificate::from_der(c);
        }
    }
    let _ = verify_signed(data, &[]);
    let _ = Certificate::from_der(data);
    let device = DeviceContext::new("SN-FUZZ", Vec::new());
    let _ = verify_voucher(data, &device);
    // Split the input in three to exercise the full chain with independent artifacts.
    let third = data.len() / 3;
    let (a, rest) = data.split_at(third);
    let (b, c) = rest.split_at(third);
    let artifacts = SignedArtifacts { conveyed_information: a, owner_certificate: b, ownership_voucher: c };
    let _ = verify_signed_data(&artifacts, &device);
});
