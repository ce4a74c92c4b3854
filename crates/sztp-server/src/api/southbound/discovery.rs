//! RESTCONF root discovery (RFC 6415 host-meta, RFC 8040 §3.1) and the server's API
//! description: the root resource, yang-library-version and the YANG library (RFC 8525).

use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use sztp_protocol::codec::Encoding;

use crate::restconf::status::typed_reply;
use crate::restconf::{ErrorReply, media_type, negotiate};

const XRD: &str = "<?xml version='1.0' encoding='UTF-8'?>\n<XRD xmlns='http://docs.oasis-open.org/ns/xri/xrd-1.0'>\n  <Link rel='restconf' href='/restconf'/>\n</XRD>\n";
const JRD: &str = r#"{"links":[{"rel":"restconf","href":"/restconf"}]}"#;
const YANG_LIBRARY_VERSION: &str = "2019-01-04";

/// `GET /.well-known/host-meta`: XRD by default, JSON (JRD) when asked for.
pub(super) async fn host_meta(headers: HeaderMap) -> Response {
    let wants_json = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("application/json") && !a.contains("xrd+xml"));
    if wants_json { host_meta_json().await } else { typed_reply("application/xrd+xml", XRD.into()) }
}

/// `GET /.well-known/host-meta.json`.
pub(super) async fn host_meta_json() -> Response {
    typed_reply("application/json", JRD.into())
}

fn reply(headers: &HeaderMap, json: String, xml: String) -> Response {
    match negotiate(headers, Encoding::Json) {
        Some(enc) => {
            let body = if enc == Encoding::Json { json } else { xml };
            typed_reply(media_type(enc), body)
        }
        None => ErrorReply::not_acceptable(Encoding::Json, "unacceptable media type").into_response(),
    }
}

/// `GET /restconf`: the API root resource.
pub(super) async fn root(headers: HeaderMap) -> Response {
    reply(
        &headers,
        format!(
            r#"{{"ietf-restconf:restconf":{{"data":{{}},"operations":{{}},"yang-library-version":"{YANG_LIBRARY_VERSION}"}}}}"#
        ),
        format!(
            r#"<restconf xmlns="urn:ietf:params:xml:ns:yang:ietf-restconf"><data/><operations/><yang-library-version>{YANG_LIBRARY_VERSION}</yang-library-version></restconf>"#
        ),
    )
}

/// `GET /restconf/yang-library-version`.
pub(super) async fn yang_library_version(headers: HeaderMap) -> Response {
    reply(
        &headers,
        format!(r#"{{"ietf-restconf:yang-library-version":"{YANG_LIBRARY_VERSION}"}}"#),
        format!(
            r#"<yang-library-version xmlns="urn:ietf:params:xml:ns:yang:ietf-restconf">{YANG_LIBRARY_VERSION}</yang-library-version>"#
        ),
    )
}

/// `GET /restconf/operations`: the two RPCs.
pub(super) async fn operations(headers: HeaderMap) -> Response {
    reply(
        &headers,
        r#"{"ietf-restconf:operations":{"ietf-sztp-bootstrap-server:get-bootstrapping-data":[null],"ietf-sztp-bootstrap-server:report-progress":[null]}}"#.to_owned(),
        r#"<operations xmlns="urn:ietf:params:xml:ns:yang:ietf-restconf"><get-bootstrapping-data xmlns="urn:ietf:params:xml:ns:yang:ietf-sztp-bootstrap-server"/><report-progress xmlns="urn:ietf:params:xml:ns:yang:ietf-sztp-bootstrap-server"/></operations>"#.to_owned(),
    )
}

/// The modules this API implements: (name, revision, namespace, features).
const MODULES: &[(&str, &str, &str, &[&str])] = &[
    (
        "ietf-sztp-bootstrap-server",
        "2019-04-30",
        "urn:ietf:params:xml:ns:yang:ietf-sztp-bootstrap-server",
        &["redirect-server", "onboarding-server"],
    ),
    ("ietf-sztp-csr", "2024-10-10", "urn:ietf:params:xml:ns:yang:ietf-sztp-csr", &[]),
    ("ietf-restconf", "2017-01-26", "urn:ietf:params:xml:ns:yang:ietf-restconf", &[]),
    ("ietf-yang-library", "2019-01-04", "urn:ietf:params:xml:ns:yang:ietf-yang-library", &[]),
];

/// `GET /restconf/data/ietf-yang-library:yang-library` (RFC 8525), one module set.
pub(super) async fn yang_library(headers: HeaderMap) -> Response {
    let json_modules: Vec<String> = MODULES
        .iter()
        .map(|(name, rev, ns, features)| {
            let features = if features.is_empty() {
                String::new()
            } else {
                format!(r#","feature":[{}]"#, features.iter().map(|f| format!("\"{f}\"")).collect::<Vec<_>>().join(","))
            };
            format!(r#"{{"name":"{name}","revision":"{rev}","namespace":"{ns}"{features}}}"#)
        })
        .collect();
    let xml_modules: String = MODULES
        .iter()
        .map(|(name, rev, ns, features)| {
            let features: String = features.iter().map(|f| format!("<feature>{f}</feature>")).collect();
            format!(
                "<module><name>{name}</name><revision>{rev}</revision><namespace>{ns}</namespace>{features}</module>"
            )
        })
        .collect();
    let json = format!(
        r#"{{"ietf-yang-library:yang-library":{{"module-set":[{{"name":"sztp","module":[{}]}}],"schema":[{{"name":"sztp","module-set":["sztp"]}}],"datastore":[{{"name":"ietf-datastores:operational","schema":"sztp"}}],"content-id":"sztp-1"}}}}"#,
        json_modules.join(",")
    );
    let xml = format!(
        r#"<yang-library xmlns="urn:ietf:params:xml:ns:yang:ietf-yang-library" xmlns:ds="urn:ietf:params:xml:ns:yang:ietf-datastores"><module-set><name>sztp</name>{xml_modules}</module-set><schema><name>sztp</name><module-set>sztp</module-set></schema><datastore><name>ds:operational</name><schema>sztp</schema></datastore><content-id>sztp-1</content-id></yang-library>"#
    );
    reply(&headers, json, xml)
}
