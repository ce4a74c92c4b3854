//! RFC 7951 JSON decoder: any document a model accepts re-encodes (JSON and XML) to the same value.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sztp_protocol::codec::Encoding;

#[path = "yang_common.rs"]
mod yang_common;

fuzz_target!(|data: &[u8]| yang_common::check_all(Encoding::Json, data));
