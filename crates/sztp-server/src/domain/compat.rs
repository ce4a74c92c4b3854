//! Input repairs for the `opi-agent` compatibility profile (docs/interop.md §1), applied only to
//! devices of such a type: an empty `nonce`, and progress-report containers sent where YANG
//! forbids them or holding values that are not CMS.

use base64::Engine;
use serde_json::Value;

const SVR: &str = "ietf-sztp-bootstrap-server:input";

/// Drops `"nonce": ""` from a JSON get-bootstrapping-data input. Anything unparseable is
/// returned unchanged (the strict decoder then reports it).
pub(crate) fn repair_opi_input(body: &[u8]) -> Vec<u8> {
    edit(body, |input| {
        if input.get("nonce").and_then(Value::as_str) == Some("") {
            input.remove("nonce");
        }
    })
}

/// Drops `ssh-host-keys` / `trust-anchor-certs` outside `bootstrap-complete`, empty ones, and
/// `trust-anchor-cert` entries that are not base64 of a DER SEQUENCE.
pub(crate) fn repair_opi_progress(body: &[u8]) -> Vec<u8> {
    edit(body, |input| {
        let complete = input.get("progress-type").and_then(Value::as_str) == Some("bootstrap-complete");
        for container in ["ssh-host-keys", "trust-anchor-certs"] {
            let empty = input.get(container).and_then(Value::as_object).is_some_and(|o| o.is_empty());
            if !complete || empty {
                input.remove(container);
            }
        }
        if let Some(Value::Array(certs)) =
            input.get_mut("trust-anchor-certs").and_then(|c| c.get_mut("trust-anchor-cert"))
        {
            certs.retain(|c| c.as_str().is_some_and(looks_like_der));
            if certs.is_empty() {
                input.remove("trust-anchor-certs");
            }
        }
    })
}

fn looks_like_der(b64: &str) -> bool {
    base64::engine::general_purpose::STANDARD.decode(b64).is_ok_and(|d| d.first() == Some(&0x30) && d.len() > 2)
}

fn edit(body: &[u8], f: impl FnOnce(&mut serde_json::Map<String, Value>)) -> Vec<u8> {
    let Ok(mut doc) = serde_json::from_slice::<Value>(body) else { return body.to_vec() };
    let Some(input) = doc.get_mut(SVR).and_then(Value::as_object_mut) else { return body.to_vec() };
    f(input);
    serde_json::to_vec(&doc).unwrap_or_else(|_| body.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opi_empty_nonce_is_dropped() {
        let body = br#"{"ietf-sztp-bootstrap-server:input":{"hw-model":"m","nonce":""}}"#;
        let fixed: Value = serde_json::from_slice(&repair_opi_input(body)).expect("json");
        assert_eq!(fixed, serde_json::json!({"ietf-sztp-bootstrap-server:input":{"hw-model":"m"}}));
        assert_eq!(repair_opi_input(b"not json"), b"not json");
    }

    #[test]
    fn opi_progress_containers_are_cleaned() {
        let body = br#"{"ietf-sztp-bootstrap-server:input":{"progress-type":"bootstrap-initiated","ssh-host-keys":{},"trust-anchor-certs":{}}}"#;
        let fixed: Value = serde_json::from_slice(&repair_opi_progress(body)).expect("json");
        assert_eq!(
            fixed,
            serde_json::json!({"ietf-sztp-bootstrap-server:input":{"progress-type":"bootstrap-initiated"}})
        );
        let body = br#"{"ietf-sztp-bootstrap-server:input":{"progress-type":"bootstrap-complete","trust-anchor-certs":{"trust-anchor-cert":["aGVsbG8="]}}}"#;
        let fixed: Value = serde_json::from_slice(&repair_opi_progress(body)).expect("json");
        assert_eq!(
            fixed,
            serde_json::json!({"ietf-sztp-bootstrap-server:input":{"progress-type":"bootstrap-complete"}})
        );
    }
}
