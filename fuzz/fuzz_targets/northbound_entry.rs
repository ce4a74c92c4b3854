//! The operator API's entry readers: any JSON value is read into each list's wire model or
//! refused with a path and tag, never a panic; what a reader accepts, it writes back so that
//! the same reader accepts it again unchanged.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use sztp_protocol::model::northbound::{ListEntry, import, preferences};
use sztp_protocol::model::northbound::{admin, artifact, device, device_type, endpoint, keys, response, tenant, trust};
use sztp_protocol::model::yang_patch::YangPatch;

fn check<T: ListEntry + PartialEq + std::fmt::Debug>(v: &Value) {
    match T::from_value(v) {
        Ok(entry) => assert_eq!(T::from_value(&entry.to_value()).as_ref(), Ok(&entry), "{v}"),
        Err(e) => assert!(!e.kind.error_tag().is_empty()),
    }
    let _ = T::from_reply(v);
}

/// Every object of a document, the document first (at most 256: entries sit inside whole
/// configurations, which are the seeds).
fn objects(v: &Value, out: &mut Vec<Value>) {
    if out.len() >= 256 {
        return;
    }
    match v {
        Value::Object(o) => {
            out.push(v.clone());
            o.values().for_each(|c| objects(c, out));
        }
        Value::Array(a) => a.iter().for_each(|c| objects(c, out)),
        _ => {}
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(document) = serde_json::from_slice::<Value>(data) else { return };
    let mut all = Vec::new();
    objects(&document, &mut all);
    all.iter().for_each(entries);
});

fn entries(v: &Value) {
    check::<device::Device>(v);
    check::<device_type::DeviceType>(v);
    check::<response::Response>(v);
    check::<trust::CertificateBag>(v);
    check::<trust::OwnerCertificate>(v);
    check::<trust::Voucher>(v);
    check::<endpoint::Endpoint>(v);
    check::<admin::Administrator>(v);
    check::<artifact::Artifact>(v);
    check::<tenant::Tenant>(v);
    check::<keys::AsymmetricKey>(v);
    let _ = import::read_import(v);
    let _ = import::ImportOutput::from_document(v);
    let _ = preferences::Preferences::from_document(v);
    let _ = keys::CreateKey::from_document("generate", v);
    let _ = keys::CreateKey::from_document("import", v);
    if let Ok(patch) = YangPatch::from_document(v) {
        assert_eq!(YangPatch::from_document(&patch.document()).as_ref(), Ok(&patch));
    }
}
