//! What a hostile or broken client sends, against a real server (issue #11): malformed, oversized,
//! deeply nested and hostile bodies, wrong media types, bad paths, keys and queries, long paths
//! and headers, slow and half-open connections, to both APIs over HTTP/1.1 and HTTP/2. Each gets
//! a 4xx with an RFC 8040 `ietf-restconf:errors` body (or a closed connection where there is no
//! HTTP), never a 5xx or a hang; the server serves afterwards.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::BTreeSet;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use base64::Engine;
use reqwest::Method;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use serde_json::{Value, json};
use support::{Demo, GBD, JSON, PROGRESS, ROOT, XML};
use sztp_protocol::model::YangDocument;
use sztp_protocol::model::restconf_errors::RestconfErrors;
use sztp_testkit::yanglint::{Schema, yanglint};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::timeout;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

/// The longest one exchange may take before the test calls it a hang.
const BOUND: Duration = Duration::from_secs(20);
/// The RPC input member and namespace.
const IN: &str = "ietf-sztp-bootstrap-server:input";
const NS: &str = "urn:ietf:params:xml:ns:yang:ietf-sztp-bootstrap-server";
/// Our module's XML namespace.
const SZTP_NS: &str = "urn:sztp:params:xml:ns:yang:sztp-server";
const DEVICES: &str = "sztp-server:tenants/tenant=default/devices";
const PATCH_JSON: &str = "application/yang-patch+json";
const PATCH_XML: &str = "application/yang-patch+xml";
/// A billion laughs: ten levels of ten references.
const LAUGHS: &str = r#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">
<!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;"><!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
<!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;"><!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
<!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;"><!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
<!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">]>"#;

// ---------------------------------------------------------------------------------------------
// Replies and the RFC 8040 oracle

/// Status, content type and body of a reply.
#[derive(Debug)]
struct Reply {
    status: u16,
    content_type: String,
    body: Vec<u8>,
}

impl Reply {
    fn text(&self) -> String {
        let text = String::from_utf8_lossy(&self.body);
        text.chars().take(600).collect()
    }
}

/// Sends a request, bounded by [`BOUND`]; `Err` is the client's error (a reset stream, a closed
/// connection, a request the client refused to send).
async fn send(what: &str, request: reqwest::RequestBuilder) -> Result<Reply, String> {
    let exchange = async {
        let response = request.send().await.map_err(|e| format!("{e:?}"))?;
        let status = response.status().as_u16();
        let content_type =
            response.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
        let body = response.bytes().await.map_err(|e| format!("{e:?}"))?.to_vec();
        Ok(Reply { status, content_type, body })
    };
    timeout(BOUND, exchange).await.unwrap_or_else(|_| panic!("{what}: no answer within {BOUND:?}"))
}

/// Checks replies, collecting every mismatch (so one run reports all findings) and the error
/// bodies for one yanglint pass at the end.
#[derive(Default)]
struct Oracle {
    bodies: BTreeSet<(bool, Vec<u8>)>,
    failures: Vec<String>,
}

impl Oracle {
    /// `reply` has `status`, an `ietf-restconf:errors` body in XML (`xml`) or JSON with the
    /// matching Content-Type, and its first error-tag is one of `tags` (any when empty).
    fn expect(&mut self, what: &str, reply: &Reply, status: u16, tags: &[&str], xml: bool) {
        if reply.status != status {
            return self.fail(format!("{what}: status {}, expected {status}: {}", reply.status, reply.text()));
        }
        if let Some(tag) = self.error_tag(what, reply, xml)
            && !tags.is_empty()
            && !tags.contains(&tag.as_str())
        {
            self.fail(format!("{what}: error-tag {tag}, expected one of {tags:?}"));
        }
    }

    /// `reply` is one of `statuses` (a success has no errors body to check).
    fn expect_any(&mut self, what: &str, reply: &Reply, statuses: &[u16], xml: bool) {
        if !statuses.contains(&reply.status) {
            return self.fail(format!("{what}: status {}, expected one of {statuses:?}: {}", reply.status, reply.text()));
        }
        if reply.status >= 400 {
            self.error_tag(what, reply, xml);
        }
    }

    /// The first error-tag of an errors body in the expected encoding.
    fn error_tag(&mut self, what: &str, reply: &Reply, xml: bool) -> Option<String> {
        if reply.status >= 500 {
            self.fail(format!("{what}: {} {}", reply.status, reply.text()));
            return None;
        }
        let want = if xml { XML } else { JSON };
        if reply.content_type != want {
            self.fail(format!("{what}: content type \"{}\", expected {want}: {}", reply.content_type, reply.text()));
            return None;
        }
        let decoded =
            if xml { RestconfErrors::from_xml(&reply.body) } else { RestconfErrors::from_json(&reply.body) };
        match decoded.map(|e| e.errors.into_iter().next()) {
            Ok(Some(first)) => {
                self.bodies.insert((xml, reply.body.clone()));
                Some(first.error_tag.as_str().to_owned())
            }
            Ok(None) => {
                self.fail(format!("{what}: an errors body without an error"));
                None
            }
            Err(e) => {
                self.fail(format!("{what}: not an errors body ({e}): {}", reply.text()));
                None
            }
        }
    }

    fn fail(&mut self, finding: String) {
        self.failures.push(finding);
    }

    /// Every distinct errors body validates against `ietf-restconf` (yanglint, required in CI),
    /// and nothing failed.
    fn finish(mut self) {
        for (xml, body) in std::mem::take(&mut self.bodies) {
            if let Err(e) = yanglint(Schema::Errors, &body, xml) {
                self.fail(format!("invalid errors body ({e}): {}", String::from_utf8_lossy(&body)));
            }
        }
        assert!(self.failures.is_empty(), "{} findings:\n{}", self.failures.len(), self.failures.join("\n"));
    }
}

/// A request body that sends `head`, then nothing, forever.
struct Stalled(Option<Vec<u8>>);

impl hyper::body::Body for Stalled {
    type Data = hyper::body::Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<hyper::body::Frame<Self::Data>, Self::Error>>> {
        match self.0.take() {
            Some(head) => Poll::Ready(Some(Ok(hyper::body::Frame::data(head.into())))),
            None => Poll::Pending,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Raw connections: what reqwest will not send

/// A TLS client configuration trusting the demo's server CA, presenting `serial`'s IDevID.
fn tls_config(demo: &Demo, serial: Option<&str>) -> Arc<rustls::ClientConfig> {
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(demo.path().join("trust/server-ca.pem")).unwrap() {
        roots.add(cert.unwrap()).unwrap();
    }
    let builder = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::aws_lc_rs::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots);
    let mut config = match serial {
        Some(serial) => {
            let dir = demo.device_dir(serial);
            let chain = CertificateDer::pem_file_iter(dir.join("idevid.pem")).unwrap().map(Result::unwrap).collect();
            let key = PrivateKeyDer::from_pem_file(dir.join("idevid.key")).unwrap();
            builder.with_client_auth_cert(chain, key).unwrap()
        }
        None => builder.with_no_client_auth(),
    };
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Arc::new(config)
}

/// An HTTP/1.1-over-TLS connection to the southbound endpoint as `serial`.
async fn tls_connect(demo: &Demo, serial: Option<&str>) -> TlsStream<TcpStream> {
    let tcp = TcpStream::connect(demo.sbi).await.unwrap();
    let connect = TlsConnector::from(tls_config(demo, serial)).connect(localhost(), tcp);
    timeout(BOUND, connect).await.expect("handshake in time").expect("handshake")
}

fn localhost() -> ServerName<'static> {
    ServerName::try_from("127.0.0.1").unwrap()
}

/// A request head with `Host` and `Connection: close` (the server closes after replying).
fn head(method: &str, target: &str, headers: &[(&str, &str)]) -> Vec<u8> {
    let mut text = format!("{method} {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
    for (name, value) in headers {
        text.push_str(&format!("{name}: {value}\r\n"));
    }
    text.push_str("\r\n");
    text.into_bytes()
}

/// `Authorization` for [`ROOT`].
fn root_basic() -> String {
    let b64 = base64::engine::general_purpose::STANDARD;
    format!("Basic {}", b64.encode(format!("{}:{}", ROOT.0, ROOT.1)))
}

/// Sends raw bytes, then reads one reply; `None` when the server closed without one.
async fn raw_exchange<S: AsyncRead + AsyncWrite + Unpin>(stream: &mut S, request: &[u8]) -> Option<Reply> {
    // The server may answer and close before reading everything.
    let _ = stream.write_all(request).await;
    let _ = stream.flush().await;
    read_reply(stream).await
}

/// Reads one HTTP/1.1 reply: until its body is complete, or the server closes.
async fn read_reply<S: AsyncRead + Unpin>(stream: &mut S) -> Option<Reply> {
    let read = async {
        let mut buf = Vec::new();
        let mut chunk = [0u8; 16 * 1024];
        loop {
            if let Some(reply) = parse_reply(&buf, false) {
                return Some(reply);
            }
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return parse_reply(&buf, true),
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
    };
    timeout(BOUND, read).await.expect("a raw reply (or a close) in time")
}

/// One HTTP/1.1 reply from `buf`, if complete (`eof`: nothing more will come).
fn parse_reply(buf: &[u8], eof: bool) -> Option<Reply> {
    let end = buf.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = std::str::from_utf8(&buf[..end]).ok()?;
    let mut lines = head.split("\r\n");
    let status = lines.next()?.split(' ').nth(1)?.parse().ok()?;
    let (mut content_type, mut length, mut chunked) = (String::new(), None, false);
    for line in lines {
        let Some((name, value)) = line.split_once(':') else { continue };
        match name.trim().to_ascii_lowercase().as_str() {
            "content-type" => content_type = value.trim().to_owned(),
            "content-length" => length = value.trim().parse::<usize>().ok(),
            "transfer-encoding" => chunked = value.contains("chunked"),
            _ => {}
        }
    }
    let rest = &buf[end + 4..];
    let body = match (chunked, length) {
        (true, _) => dechunk(rest)?,
        (false, Some(n)) if rest.len() >= n => rest[..n].to_vec(),
        (false, Some(_)) => return None,
        (false, None) if eof => rest.to_vec(),
        (false, None) => return None,
    };
    Some(Reply { status, content_type, body })
}

fn dechunk(mut rest: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let line = rest.windows(2).position(|w| w == b"\r\n")?;
        let size = std::str::from_utf8(&rest[..line]).ok()?.split(';').next()?.trim();
        let size = usize::from_str_radix(size, 16).ok()?;
        rest = &rest[line + 2..];
        if size == 0 {
            return Some(out);
        }
        out.extend_from_slice(rest.get(..size)?);
        rest = rest.get(size + 2..)?;
    }
}

/// Waits until the server closes `stream` (EOF or an error), reading and discarding what it
/// sends; the time it took.
async fn closed_after<S: AsyncRead + Unpin>(stream: &mut S, started: Instant, limit: Duration) -> Duration {
    let wait = async {
        let mut chunk = [0u8; 4096];
        while let Ok(n) = stream.read(&mut chunk).await {
            if n == 0 {
                break;
            }
        }
    };
    timeout(limit.saturating_sub(started.elapsed()), wait).await.expect("the server closes in time");
    started.elapsed()
}

/// Deterministic noise (xorshift).
fn noise(len: usize, mut seed: u64) -> Vec<u8> {
    (0..len)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed as u8
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// What every test ends with

/// A device still gets its bootstrapping data and the administrator still reads the devices.
async fn still_serves(demo: &Demo) {
    let device = demo.client(Some("SN-0001"));
    let input = format!(r#"{{"{IN}":{{"signed-data-preferred":[null]}}}}"#);
    let request = device.post(demo.url(GBD)).header("content-type", JSON).body(input);
    let reply = send("a valid get-bootstrapping-data", request).await.unwrap();
    assert_eq!(reply.status, 200, "{}", reply.text());
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let url = format!("http://{}/restconf/data/{DEVICES}/device=SN-0001", demo.nbi);
    let reply = send("a valid read", http.get(url).basic_auth(ROOT.0, Some(ROOT.1))).await.unwrap();
    assert_eq!(reply.status, 200, "{}", reply.text());
}

// ---------------------------------------------------------------------------------------------
// Bodies

/// One request body case: what is sent and what must come back (2xx: accepted).
struct Case {
    what: String,
    content_type: Option<&'static str>,
    accept: Option<&'static str>,
    body: Vec<u8>,
    status: u16,
    tags: &'static [&'static str],
    xml: bool,
}

const MALFORMED: &[&str] = &["malformed-message"];
const TOO_BIG: &[&str] = &["too-big"];
const BAD_VALUE: &[&str] = &["malformed-message", "invalid-value"];
const ANY: &[&str] = &[];

fn case(what: &str, ct: Option<&'static str>, body: impl Into<Vec<u8>>, status: u16, tags: &'static [&'static str]) -> Case {
    let xml = ct.is_some_and(|c| c.contains("xml"));
    let accept = if xml { Some(XML) } else { None };
    Case { what: what.to_owned(), content_type: ct, accept, body: body.into(), status, tags, xml }
}

fn deep_arrays(n: usize) -> String {
    ["[".repeat(n), "]".repeat(n)].concat()
}

fn deep_objects(n: usize) -> String {
    [r#"{"a":"#.repeat(n), "1".into(), "}".repeat(n)].concat()
}

/// One southbound RPC: the members of a valid input (JSON, XML), a string leaf it has, and its
/// success status.
struct Rpc {
    path: &'static str,
    json: &'static str,
    xml: &'static str,
    leaf: &'static str,
    ok: u16,
}

const RPCS: [Rpc; 2] = [
    Rpc { path: GBD, json: r#""os-name":"x""#, xml: "<os-name>x</os-name>", leaf: "hw-model", ok: 200 },
    Rpc {
        path: PROGRESS,
        json: r#""progress-type":"bootstrap-initiated""#,
        xml: "<progress-type>bootstrap-initiated</progress-type>",
        leaf: "message",
        ok: 204,
    },
];

/// The hostile bodies of one southbound RPC.
fn southbound_cases(rpc: &Rpc) -> Vec<Case> {
    let (leaf, ok) = (rpc.leaf, rpc.ok);
    let json_in = |inner: &str| format!(r#"{{"{IN}":{{{},{inner}}}}}"#, rpc.json).into_bytes();
    let xml_in = |inner: &[u8]| [format!(r#"<input xmlns="{NS}">{}"#, rpc.xml).as_bytes(), inner, b"</input>"].concat();
    let valid_json = String::from_utf8(json_in(&format!(r#""{leaf}":"x""#))).unwrap();
    let valid_xml = String::from_utf8(xml_in(format!("<{leaf}>x</{leaf}>").as_bytes())).unwrap();
    let valid_json = valid_json.as_str();
    let limit = 256 * 1024;
    let big_json = json_in(&format!(r#""{leaf}":"{}""#, "x".repeat(limit)));
    let big_xml = xml_in(format!("<{leaf}>{}</{leaf}>", "x".repeat(limit)).as_bytes());
    let deep_xml = xml_in([format!("<{leaf}>").repeat(10_000), format!("</{leaf}>").repeat(10_000)].concat().as_bytes());
    let dtd = format!(r#"<!DOCTYPE input [<!ELEMENT input ANY>]>{valid_xml}"#);
    let xxe = format!(r#"<!DOCTYPE input [<!ENTITY x SYSTEM "file:///etc/passwd">]>"#);
    let xxe = [xxe.as_bytes(), &xml_in(format!("<{leaf}>&x;</{leaf}>").as_bytes())].concat();
    let laughs = [LAUGHS.as_bytes(), &xml_in(format!("<{leaf}>&lol9;</{leaf}>").as_bytes())].concat();
    let in_leaf = |value: &str| json_in(&format!(r#""{leaf}":{value}"#));
    let raw_leaf = |value: &[u8]| [&in_leaf_prefix(rpc)[..], value, b"\"}}"].concat();
    let xml_leaf = |value: &[u8]| xml_in(&[format!("<{leaf}>").as_bytes(), value, format!("</{leaf}>").as_bytes()].concat());
    let (j, x) = (Some(JSON), Some(XML));
    let mut cases = vec![
        case("truncated JSON", j, &valid_json.as_bytes()[..valid_json.len() / 2], 400, MALFORMED),
        case("truncated XML", x, &valid_xml.as_bytes()[..valid_xml.len() / 2], 400, MALFORMED),
        case("JSON that is not an object", j, "[1,2]", 400, MALFORMED),
        case("a body over the 256 KiB limit (JSON)", j, big_json, 413, TOO_BIG),
        case("a body over the 256 KiB limit (XML)", x, big_xml, 413, TOO_BIG),
        case("100,000 nested arrays in a leaf", j, in_leaf(&deep_arrays(100_000)), 400, ANY),
        case("100,000 nested arrays at the top", j, deep_arrays(100_000), 400, ANY),
        case("100,000 unclosed arrays", j, "[".repeat(100_000), 400, ANY),
        case("40,000 nested objects in a leaf", j, in_leaf(&deep_objects(40_000)), 400, ANY),
        case("10,000 nested XML elements", x, deep_xml, 400, ANY),
        case("1e999999 in a leaf", j, in_leaf("1e999999"), 400, BAD_VALUE),
        case("a 23-digit number in a string leaf", j, in_leaf("99999999999999999999999"), 400, BAD_VALUE),
        case("a 23-digit number in an XML string leaf", x, xml_leaf(b"99999999999999999999999"), ok, ANY),
        case("invalid UTF-8 in JSON", j, raw_leaf(b"\xff\xfe"), 400, ANY),
        case("overlong UTF-8 in JSON", j, raw_leaf(b"\xc0\xaf"), 400, ANY),
        case("a lone surrogate escape", j, in_leaf(r#""\ud800""#), 400, ANY),
        case("a NUL character escape", j, in_leaf(r#""a\u0000b""#), 400, BAD_VALUE),
        case("invalid UTF-8 in XML", x, xml_leaf(b"\xff\xfe"), 400, ANY),
        case("a character reference to a surrogate", x, xml_leaf(b"&#xD800;"), 400, ANY),
        case("a character reference to NUL", x, xml_leaf(b"a&#0;b"), 400, BAD_VALUE),
        case("duplicate members", j, json_in(&format!(r#""{leaf}":"a","{leaf}":"b""#)), 400, MALFORMED),
        case("duplicate top-level members", j, format!(r#"{{"{IN}":{{}},"{IN}":{{}}}}"#), 400, MALFORMED),
        case("a DTD", x, dtd, 400, MALFORMED),
        case("an external entity", x, xxe, 400, MALFORMED),
        case("a billion laughs", x, laughs, 400, MALFORMED),
        case("an undeclared entity", x, xml_leaf(b"&x;"), 400, MALFORMED),
        case("a processing instruction", x, xml_in(b"<?php system('id') ?>"), 400, MALFORMED),
        case("text/plain", Some("text/plain"), valid_json, 415, ANY),
        case("multipart/form-data", Some("multipart/form-data; boundary=x"), valid_json, 415, ANY),
        case("application/jsonx", Some("application/jsonx"), valid_json, 415, ANY),
        case("no Content-Type with a body", None, valid_json, 415, ANY),
        case("application/json (accepted as a synonym)", Some("application/json"), valid_json, ok, ANY),
        case("application/xml (accepted as a synonym)", Some("application/xml"), valid_xml.as_str(), ok, ANY),
    ];
    for (accept, what) in [("text/html", "Accept: text/html"), ("application/yang-data+json;q=0", "Accept with q=0")] {
        let mut c = case(what, j, valid_json, 406, ANY);
        c.accept = Some(accept);
        cases.push(c);
    }
    let mut c = case("Accept XML with a bad XML body", x, "<input", 400, MALFORMED);
    c.accept = Some(XML);
    cases.push(c);
    cases
}

/// The bytes of a JSON input up to the opening quote of its string leaf's value.
fn in_leaf_prefix(rpc: &Rpc) -> Vec<u8> {
    format!(r#"{{"{IN}":{{{},"{}":""#, rpc.json, rpc.leaf).into_bytes()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_southbound_bodies_get_4xx_with_restconf_errors_over_http1_and_http2() {
    let demo = Demo::start(1).await;
    let mut oracle = Oracle::default();
    let h1 = demo.client_builder(Some("SN-0001")).http1_only().build().unwrap();
    let h2 = demo.client(Some("SN-0001"));
    let check = send("ALPN", h2.get(demo.url("/restconf")).header("accept", JSON)).await.unwrap();
    assert_eq!(check.status, 200);
    let version = h2.get(demo.url("/restconf")).send().await.unwrap().version();
    assert_eq!(version, reqwest::Version::HTTP_2, "the TLS endpoint offers h2");
    for (protocol, client) in [("HTTP/1.1", &h1), ("HTTP/2", &h2)] {
        for rpc in &RPCS {
            for c in southbound_cases(rpc) {
                let what = format!("{protocol} {}: {}", rpc.path, c.what);
                let mut request = client.post(demo.url(rpc.path)).body(c.body);
                if let Some(ct) = c.content_type {
                    request = request.header("content-type", ct);
                }
                if let Some(accept) = c.accept {
                    request = request.header("accept", accept);
                }
                match send(&what, request).await {
                    Ok(reply) if c.status < 300 => oracle.expect_any(&what, &reply, &[c.status], c.xml),
                    Ok(reply) => oracle.expect(&what, &reply, c.status, c.tags, c.xml),
                    Err(e) => oracle.fail(format!("{what}: {e}")),
                }
            }
        }
        // Header values that are not text, and credentials that are not credentials.
        let non_ascii = reqwest::header::HeaderValue::from_bytes(b"application/yang-data+json\xff").unwrap();
        let request = client.post(demo.url(GBD)).header("content-type", non_ascii).body("{}");
        let what = format!("{protocol}: non-ASCII Content-Type");
        let reply = send(&what, request).await.unwrap();
        oracle.expect(&what, &reply, 415, ANY, false);
    }
    let anonymous = demo.client_builder(None).http1_only().build().unwrap();
    let b64 = base64::engine::general_purpose::STANDARD;
    let long_login = format!("Basic {}", b64.encode(format!("{}:x", "a".repeat(48 * 1024))));
    for (what, authorization) in [
        ("Basic that is not base64", "Basic !!!not-base64!!!".to_owned()),
        ("Basic of invalid UTF-8", format!("Basic {}", b64.encode(b"SN-0001\xff:\xfe"))),
        ("Basic without a colon", format!("Basic {}", b64.encode("SN-0001"))),
        ("a Bearer token", "Bearer abc".to_owned()),
        ("a 48 KiB login", long_login),
    ] {
        let request = anonymous.post(demo.url(GBD)).header("authorization", authorization).body("");
        let reply = send(what, request).await.unwrap_or_else(|e| panic!("{what}: {e}"));
        oracle.expect(what, &reply, 401, &["access-denied"], false);
    }
    still_serves(&demo).await;
    oracle.finish();
    demo.stop().await;
}
