//! Finding the RESTCONF root of a bootstrap server (RFC 8040 §3.1): `GET /.well-known/host-meta`
//! (RFC 6415: XRD XML, or its JSON form JRD) and its `restconf` link, falling back to `/restconf`
//! when the server has no host-meta. Parsing is sans-I/O; [`resolve_restconf`] does the request
//! with a client the caller configured (trust anchors, client certificate).

use quick_xml::events::Event;
use thiserror::Error;

use super::candidate::{GET_BOOTSTRAPPING_DATA_PATH, REPORT_PROGRESS_PATH};

/// Path of the host-meta document (RFC 6415 §2).
pub const HOST_META_PATH: &str = "/.well-known/host-meta";
/// The RESTCONF root assumed without host-meta (what RFC 8572 §7.2's examples use).
pub const DEFAULT_RESTCONF_ROOT: &str = "/restconf";
/// Largest host-meta document read.
const MAX_HOST_META: usize = 64 * 1024;

/// Why no RESTCONF root came out of host-meta.
#[derive(Debug, Error)]
pub enum HostMetaError {
    /// The document is neither XRD XML nor JRD JSON.
    #[error("host-meta is not XRD or JRD: {0}")]
    Syntax(String),
    /// No link has `rel="restconf"`.
    #[error("host-meta has no restconf link")]
    NoRestconfLink,
    /// The restconf link is not a path on this server (absolute URLs must be same-origin).
    #[error("unusable restconf href {0:?}")]
    BadHref(String),
    /// The request failed (connection, TLS, timeout) or the body was unreadable.
    #[error("host-meta request failed: {0}")]
    Http(#[from] reqwest::Error),
    /// The server answered with a server error.
    #[error("host-meta request answered {0}")]
    Status(reqwest::StatusCode),
    /// The document exceeds 64 KiB.
    #[error("host-meta document too large")]
    TooLarge,
    /// The base URL is not `scheme://authority`.
    #[error("invalid base URL {0:?}")]
    BadBase(String),
}

/// How the RESTCONF root was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RootDiscovery {
    /// From the host-meta `restconf` link.
    HostMeta,
    /// Host-meta was absent (4xx), unparsable or had no usable link: [`DEFAULT_RESTCONF_ROOT`].
    Fallback,
}

/// The RPC URLs of one bootstrap server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RestconfEndpoints {
    /// The RESTCONF root path, e.g. `/restconf`.
    pub root: String,
    /// Full URL of `get-bootstrapping-data`.
    pub get_bootstrapping_data: String,
    /// Full URL of `report-progress`.
    pub report_progress: String,
    /// Whether host-meta gave the root.
    pub discovered: RootDiscovery,
}

impl RestconfEndpoints {
    /// The endpoints under `root` (a path) on `base` (`scheme://authority`).
    pub fn new(base: &str, root: &str, discovered: RootDiscovery) -> Self {
        let base = base.trim_end_matches('/');
        let root = root.trim_end_matches('/').to_owned();
        Self {
            get_bootstrapping_data: format!("{base}{root}{GET_BOOTSTRAPPING_DATA_PATH}"),
            report_progress: format!("{base}{root}{REPORT_PROGRESS_PATH}"),
            root,
            discovered,
        }
    }
}

/// Extracts the RESTCONF root path from a host-meta document (XRD, or JRD when it starts with
/// `{`). An absolute href is accepted only when it is on `base` (same scheme and authority).
pub fn parse_host_meta(document: &[u8], base: &str) -> Result<String, HostMetaError> {
    let text = std::str::from_utf8(document).map_err(|e| HostMetaError::Syntax(e.to_string()))?;
    let href = if text.trim_start().starts_with('{') { jrd_restconf_href(text)? } else { xrd_restconf_href(text)? };
    let href = href.trim();
    let base = base.trim_end_matches('/');
    let path = match href.get(..base.len()) {
        Some(prefix) if href.contains("://") && prefix.eq_ignore_ascii_case(base) => &href[base.len()..],
        _ if href.contains("://") || href.starts_with("//") => return Err(HostMetaError::BadHref(href.to_owned())),
        _ => href,
    };
    let acceptable = path.starts_with('/')
        && path.bytes().all(|b| b.is_ascii_graphic())
        && !path.contains(['?', '#'])
        && !path.split('/').any(|segment| segment == "..");
    if !acceptable {
        return Err(HostMetaError::BadHref(href.to_owned()));
    }
    Ok(path.trim_end_matches('/').to_owned())
}

fn xrd_restconf_href(text: &str) -> Result<String, HostMetaError> {
    let mut reader = quick_xml::Reader::from_str(text);
    let syntax = |e: &dyn std::fmt::Display| HostMetaError::Syntax(e.to_string());
    let mut saw_element = false;
    loop {
        match reader.read_event().map_err(|e| syntax(&e))? {
            Event::Start(element) | Event::Empty(element) => {
                saw_element = true;
                if element.local_name().as_ref() != b"Link" {
                    continue;
                }
                let (mut rel, mut href) = (None, None);
                for attribute in element.attributes() {
                    let attribute = attribute.map_err(|e| syntax(&e))?;
                    let value = attribute.unescape_value().map_err(|e| syntax(&e))?.into_owned();
                    match attribute.key.local_name().as_ref() {
                        b"rel" => rel = Some(value),
                        b"href" => href = Some(value),
                        _ => {}
                    }
                }
                if rel.as_deref() == Some("restconf") {
                    return href.ok_or(HostMetaError::NoRestconfLink);
                }
            }
            Event::Eof if saw_element => return Err(HostMetaError::NoRestconfLink),
            Event::Eof => return Err(HostMetaError::Syntax("no XML element".into())),
            _ => {}
        }
    }
}

fn jrd_restconf_href(text: &str) -> Result<String, HostMetaError> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| HostMetaError::Syntax(e.to_string()))?;
    value
        .get("links")
        .and_then(|links| links.as_array())
        .into_iter()
        .flatten()
        .find(|link| link.get("rel").and_then(|r| r.as_str()) == Some("restconf"))
        .and_then(|link| link.get("href")?.as_str().map(str::to_owned))
        .ok_or(HostMetaError::NoRestconfLink)
}

/// Finds the RPC URLs of the server at `base` (`https://host:port`; plain `http` works here, for
/// tests, but the agent's client refuses it before it gets here). A 4xx answer or an unusable document falls back to
/// `/restconf`; a 5xx answer or a transport error is an error, so the caller can move on.
pub async fn resolve_restconf(client: &reqwest::Client, base: &str) -> Result<RestconfEndpoints, HostMetaError> {
    let base = base.trim_end_matches('/');
    let authority = base.split_once("://").map(|(_, rest)| rest).unwrap_or_default();
    if authority.is_empty() || authority.contains(['/', '?', '#']) {
        return Err(HostMetaError::BadBase(base.to_owned()));
    }
    let mut response = client
        .get(format!("{base}{HOST_META_PATH}"))
        .header(reqwest::header::ACCEPT, "application/xrd+xml, application/json;q=0.9")
        .send()
        .await?;
    let status = response.status();
    if status.is_server_error() {
        return Err(HostMetaError::Status(status));
    }
    if !status.is_success() {
        tracing::debug!(%base, %status, "no host-meta; assuming {DEFAULT_RESTCONF_ROOT}");
        return Ok(RestconfEndpoints::new(base, DEFAULT_RESTCONF_ROOT, RootDiscovery::Fallback));
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        if body.len() + chunk.len() > MAX_HOST_META {
            return Err(HostMetaError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    match parse_host_meta(&body, base) {
        Ok(root) => Ok(RestconfEndpoints::new(base, &root, RootDiscovery::HostMeta)),
        Err(err) => {
            tracing::warn!(%base, error = %err, "unusable host-meta; assuming {DEFAULT_RESTCONF_ROOT}");
            Ok(RestconfEndpoints::new(base, DEFAULT_RESTCONF_ROOT, RootDiscovery::Fallback))
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const BASE: &str = "https://sztp.example.com:8443";

    #[test]
    fn xrd_from_rfc_8040_gives_the_root() {
        let xrd = br#"<?xml version='1.0' encoding='UTF-8'?>
            <XRD xmlns='http://docs.oasis-open.org/ns/xri/xrd-1.0'>
              <Link rel='author' href='http://example.com/me'/>
              <Link rel='restconf' href='/top/restconf/'></Link>
            </XRD>"#;
        assert_eq!(parse_host_meta(xrd, BASE).unwrap(), "/top/restconf");
        let prefixed = br#"<x:XRD xmlns:x="http://docs.oasis-open.org/ns/xri/xrd-1.0"><x:Link href="/r&amp;c" rel="restconf"/></x:XRD>"#;
        assert_eq!(parse_host_meta(prefixed, BASE).unwrap(), "/r&c");
    }

    #[test]
    fn jrd_and_same_origin_absolute_hrefs_are_accepted() {
        let jrd = br#"{"links":[{"rel":"lrdd","href":"/x"},{"rel":"restconf","href":"https://SZTP.example.com:8443/restconf"}]}"#;
        assert_eq!(parse_host_meta(jrd, BASE).unwrap(), "/restconf");
    }

    #[test]
    fn unusable_documents_are_errors() {
        let cases: [(&[u8], &str); 8] = [
            (b"<XRD><Link rel='lrdd' href='/x'/></XRD>", "no restconf link"),
            (b"<XRD><Link rel='restconf'/></XRD>", "no restconf link"),
            (b"{\"links\":[]}", "no restconf link"),
            (b"<XRD><Link rel='restconf' href='https://evil.example/restconf'/></XRD>", "unusable"),
            (b"<XRD><Link rel='restconf' href='//evil.example/restconf'/></XRD>", "unusable"),
            (b"<XRD><Link rel='restconf' href='/a/../b'/></XRD>", "unusable"),
            (b"<XRD><Link rel='restconf' href='restconf'/></XRD>", "unusable"),
            (b"not xml", "not XRD"),
        ];
        for (document, expected) in cases {
            let err = parse_host_meta(document, BASE).unwrap_err().to_string();
            assert!(err.contains(expected), "{}: {err}", String::from_utf8_lossy(document));
        }
        assert!(parse_host_meta(&[0xff, 0xfe], BASE).is_err());
        assert!(parse_host_meta(b"<XRD><Link rel='restconf' href='/x'", BASE).is_err());
    }

    #[test]
    fn endpoints_join_base_root_and_rpc_paths() {
        let endpoints = RestconfEndpoints::new("https://[2001:db8::1]:443/", "/restconf/", RootDiscovery::HostMeta);
        assert_eq!(endpoints.root, "/restconf");
        assert_eq!(
            endpoints.get_bootstrapping_data,
            "https://[2001:db8::1]:443/restconf/operations/ietf-sztp-bootstrap-server:get-bootstrapping-data"
        );
        assert_eq!(
            endpoints.report_progress,
            "https://[2001:db8::1]:443/restconf/operations/ietf-sztp-bootstrap-server:report-progress"
        );
    }
}
