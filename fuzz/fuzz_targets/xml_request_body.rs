//! The operator API's XML request bodies: any input converts to RFC 7951 JSON (an object whose
//! members are module-qualified, the same way twice) or is refused with an error-tag; no panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sztp_protocol::codec::xml_body::json_from_xml;

fuzz_target!(|data: &[u8]| {
    match json_from_xml(data) {
        Ok(value) => {
            let object = value.as_object().expect("a document converts to a JSON object");
            assert!(object.keys().all(|k| k.contains(':')), "top-level members carry their module: {value}");
            assert_eq!(json_from_xml(data).ok(), Some(value), "conversion is deterministic");
        }
        Err(e) => {
            let _ = e.tag();
        }
    }
});
