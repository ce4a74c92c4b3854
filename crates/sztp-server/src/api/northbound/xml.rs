//! XML replies (RFC 8040 §5.2): a reply the handlers wrote in RFC 7951 JSON, written in XML by
//! the protocol crate's [`xml_from_json`].

use axum::body::Body;
use axum::http::{HeaderValue, header};
use axum::response::Response;
use serde_json::{Value, json};
use sztp_protocol::codec::xml_body::xml_from_json as to_xml;

use crate::restconf::status::ReplyDocument;
use crate::restconf::{YANG_JSON, YANG_XML};

/// The XML form of a reply the handlers wrote in JSON; other replies (errors, written in XML
/// already) pass as they are. A body XML cannot carry becomes a 406 that says why.
pub(crate) async fn reply_in_xml(response: Response) -> Response {
    let json = response.headers().get(header::CONTENT_TYPE).is_some_and(|v| v.as_bytes() == YANG_JSON.as_bytes());
    if !json {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let document = parts.extensions.remove::<ReplyDocument>();
    parts.headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(YANG_XML));
    parts.headers.remove(header::CONTENT_LENGTH);
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return crate::restconf::status::internal_bare();
    };
    if bytes.is_empty() {
        return Response::from_parts(parts, Body::empty()); // HEAD
    }
    // The handler's document; a reply built without one (none is, today: errors are written in
    // XML where they leave, in `data`) is read back from its JSON.
    let converted = match document {
        Some(ReplyDocument(doc)) => to_xml(&doc),
        None => serde_json::from_slice::<Value>(&bytes).map_err(|e| e.to_string()).and_then(|v| to_xml(&v)),
    };
    match converted {
        Ok(xml) => Response::from_parts(parts, Body::from(xml)),
        Err(reason) => {
            let error = json!({"ietf-restconf:errors": {"error": [{"error-type": "protocol",
                "error-tag": "invalid-value", "error-message": format!("no XML form of this reply: {reason}")}]}});
            let body = to_xml(&error).unwrap_or_default();
            crate::restconf::status::not_acceptable_body(YANG_XML, body)
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// A reply that kept its document is written from it: its JSON is not read back.
    #[tokio::test]
    async fn a_kept_document_is_written_without_parsing_the_json_again() {
        let mut reply = crate::restconf::json_reply(json!({"sztp-server:preferences": {"x": 1}}));
        *reply.body_mut() = Body::from("not JSON: the writer must not read this");
        let xml = reply_in_xml(reply).await;
        assert_eq!(xml.headers()[header::CONTENT_TYPE], YANG_XML);
        let text = axum::body::to_bytes(xml.into_body(), usize::MAX).await.unwrap();
        assert_eq!(&text[..], b"<preferences xmlns=\"urn:sztp:params:xml:ns:yang:sztp-server\"><x>1</x></preferences>");
    }
}
