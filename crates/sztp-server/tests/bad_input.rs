//! What a hostile or broken client sends, against a real server (issue #11): malformed, oversized,
//! deeply nested and hostile bodies, wrong media types, bad paths, keys and queries, long paths
//! and headers, slow and half-open connections, to both APIs over HTTP/1.1 and HTTP/2. Each gets
//! a 4xx with an RFC 8040 `ietf-restconf:errors` body (or a closed connection where there is no
//! HTTP), never a 5xx or a hang; the server serves afterwards. Every wait is bounded; the slow
//! cases run at once, so the file takes about the server's 30 s body timeout plus its 10 s drain.
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
    send_within(what, request, BOUND).await
}

/// [`send`] with its own bound.
async fn send_within(what: &str, request: reqwest::RequestBuilder, limit: Duration) -> Result<Reply, String> {
    let exchange = async {
        let response = request.send().await.map_err(|e| format!("{e:?}"))?;
        let status = response.status().as_u16();
        let content_type =
            response.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
        let body = response.bytes().await.map_err(|e| format!("{e:?}"))?.to_vec();
        Ok(Reply { status, content_type, body })
    };
    timeout(limit, exchange).await.unwrap_or_else(|_| panic!("{what}: no answer within {limit:?}"))
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
            return self.fail(format!(
                "{what}: status {}, expected one of {statuses:?}: {}",
                reply.status,
                reply.text()
            ));
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
        let decoded = if xml { RestconfErrors::from_xml(&reply.body) } else { RestconfErrors::from_json(&reply.body) };
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

/// A request body that sends its head, then nothing until `give_up`, when it fails (the client
/// resets the stream).
struct Stalled {
    head: Option<Vec<u8>>,
    give_up: Pin<Box<tokio::time::Sleep>>,
}

impl Stalled {
    fn new(head: &[u8], give_up: Duration) -> Self {
        Stalled { head: Some(head.to_vec()), give_up: Box::pin(tokio::time::sleep(give_up)) }
    }
}

impl hyper::body::Body for Stalled {
    type Data = hyper::body::Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<hyper::body::Frame<Self::Data>, Self::Error>>> {
        if let Some(head) = self.head.take() {
            return Poll::Ready(Some(Ok(hyper::body::Frame::data(head.into()))));
        }
        match self.give_up.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Some(Err(std::io::Error::other("the client gives up")))),
            Poll::Pending => Poll::Pending,
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
    read_reply_within(stream, BOUND).await
}

/// [`read_reply`] with its own bound.
async fn read_reply_within<S: AsyncRead + Unpin>(stream: &mut S, limit: Duration) -> Option<Reply> {
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
    timeout(limit, read).await.expect("a raw reply (or a close) in time")
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

fn case(
    what: &str,
    ct: Option<&'static str>,
    body: impl Into<Vec<u8>>,
    status: u16,
    tags: &'static [&'static str],
) -> Case {
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
    let deep_xml =
        xml_in([format!("<{leaf}>").repeat(10_000), format!("</{leaf}>").repeat(10_000)].concat().as_bytes());
    let dtd = format!(r#"<!DOCTYPE input [<!ELEMENT input ANY>]>{valid_xml}"#);
    let xxe = r#"<!DOCTYPE input [<!ENTITY x SYSTEM "file:///etc/passwd">]>"#;
    let xxe = [xxe.as_bytes(), &xml_in(format!("<{leaf}>&x;</{leaf}>").as_bytes())].concat();
    let laughs = [LAUGHS.as_bytes(), &xml_in(format!("<{leaf}>&lol9;</{leaf}>").as_bytes())].concat();
    let in_leaf = |value: &str| json_in(&format!(r#""{leaf}":{value}"#));
    let raw_leaf = |value: &[u8]| [&in_leaf_prefix(rpc)[..], value, b"\"}}"].concat();
    let xml_leaf =
        |value: &[u8]| xml_in(&[format!("<{leaf}>").as_bytes(), value, format!("</{leaf}>").as_bytes()].concat());
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

/// A plain-HTTP client for the northbound endpoint: HTTP/1.1, or HTTP/2 with prior knowledge.
fn nbi_client(h2: bool) -> reqwest::Client {
    let builder = reqwest::Client::builder().no_proxy();
    let builder = if h2 { builder.http2_prior_knowledge() } else { builder.http1_only() };
    builder.build().unwrap()
}

/// The hostile bodies of a device creation (POST to the device list) and of a preferences
/// replacement (PUT); `serial` names the devices the accepted cases create.
fn northbound_cases(serial: &str) -> Vec<(Method, &'static str, Case)> {
    let device =
        |s: &str| format!(r#"{{"sztp-server:device":[{{"serial":"{serial}-{s}","device-type":"demo-device"}}]}}"#);
    let device_xml = |s: &str| {
        format!(
            r#"<device xmlns="{SZTP_NS}"><serial>{serial}-{s}</serial><device-type>demo-device</device-type></device>"#
        )
    };
    let valid = device("0");
    let valid_xml = device_xml("0");
    let in_serial =
        |v: &[u8]| [br#"{"sztp-server:device":[{"device-type":"demo-device","serial":""#, v, b"\"}]}"].concat();
    let xml_serial = |v: &[u8]| {
        let open = format!(r#"<device xmlns="{SZTP_NS}"><device-type>demo-device</device-type><serial>"#);
        [open.as_bytes(), v, b"</serial></device>"].concat()
    };
    let limit = 4 * 1024 * 1024;
    let big = format!(r#"{{"sztp-server:device":[{{"serial":"{}"}}]}}"#, "x".repeat(limit));
    let big_xml = format!(r#"<device xmlns="{SZTP_NS}"><serial>{}</serial></device>"#, "x".repeat(limit));
    let deep_xml = ["<device>".repeat(10_000), "</device>".repeat(10_000)].concat();
    let deep_xml = format!(r#"<device xmlns="{SZTP_NS}">{deep_xml}</device>"#);
    let dtd = format!("<!DOCTYPE device [<!ELEMENT device ANY>]>{valid_xml}");
    let xxe = format!(
        r#"<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><device xmlns="{SZTP_NS}"><serial>&x;</serial></device>"#
    );
    let laughs = format!(r#"{LAUGHS}<device xmlns="{SZTP_NS}"><serial>&lol9;</serial></device>"#);
    let duration = |v: &str| format!(r#"{{"sztp-server:preferences":{{"lockout":{{"duration":{v}}}}}}}"#);
    let duration_xml = |v: &str| {
        format!(r#"<preferences xmlns="{SZTP_NS}"><lockout><duration>{v}</duration></lockout></preferences>"#)
    };
    let (j, x) = (Some(JSON), Some(XML));
    let post = |c: Case| (Method::POST, DEVICES, c);
    let put = |c: Case| (Method::PUT, "sztp-server:preferences", c);
    let mut cases = vec![
        post(case("truncated JSON", j, &valid.as_bytes()[..valid.len() / 2], 400, MALFORMED)),
        post(case("truncated XML", x, &valid_xml.as_bytes()[..valid_xml.len() / 2], 400, MALFORMED)),
        post(case("an empty JSON body", j, "", 400, MALFORMED)),
        post(case("a body over the 4 MiB limit (JSON)", j, big, 413, TOO_BIG)),
        post(case("a body over the 4 MiB limit (XML)", x, big_xml, 413, TOO_BIG)),
        post(case("100,000 nested arrays", j, deep_arrays(100_000), 400, ANY)),
        post(case("100,000 nested objects", j, deep_objects(100_000), 400, ANY)),
        post(case("100,000 unclosed objects", j, r#"{"a":"#.repeat(100_000), 400, ANY)),
        post(case("10,000 nested XML elements", x, deep_xml, 400, ANY)),
        put(case("1e999999 where a uint32 is expected", j, duration("1e999999"), 400, BAD_VALUE)),
        put(case("a 23-digit uint32", j, duration("99999999999999999999999"), 400, BAD_VALUE)),
        put(case("a negative uint32", j, duration("-1"), 400, BAD_VALUE)),
        put(case("a fractional uint32", j, duration("1.5"), 400, BAD_VALUE)),
        put(case("a 23-digit uint32 in XML", x, duration_xml("99999999999999999999999"), 400, BAD_VALUE)),
        put(case("1e999999 in XML", x, duration_xml("1e999999"), 400, BAD_VALUE)),
        put(case("uint32 max + 1", j, duration("4294967296"), 400, BAD_VALUE)),
        put(case("uint32 max (accepted)", j, duration("4294967295"), 204, ANY)),
        put(case("the defaults back", j, r#"{"sztp-server:preferences":{}}"#, 204, ANY)),
        post(case("invalid UTF-8 in JSON", j, in_serial(b"SN-\xff\xfe"), 400, ANY)),
        post(case("a lone surrogate escape", j, in_serial(br"SN-\ud800"), 400, ANY)),
        post(case("invalid UTF-8 in XML", x, xml_serial(b"SN-\xff\xfe"), 400, ANY)),
        post(case("a character reference to NUL", x, xml_serial(b"SN-&#0;"), 400, BAD_VALUE)),
        post(case("a character reference to ESC", x, xml_serial(b"SN-&#x1b;"), 400, BAD_VALUE)),
        post(case("duplicate keys in XML", x, xml_serial(b"SN-A</serial><serial>SN-B"), 400, ANY)),
        post(case("a DTD", x, dtd, 400, MALFORMED)),
        post(case("an external entity", x, xxe, 400, MALFORMED)),
        post(case("a billion laughs", x, laughs, 400, MALFORMED)),
        post(case("an undeclared entity", x, xml_serial(b"&x;"), 400, MALFORMED)),
        post(case("text/plain", Some("text/plain"), valid.as_str(), 415, ANY)),
        post(case("multipart/form-data", Some("multipart/form-data; boundary=x"), valid.as_str(), 415, ANY)),
        post(case("application/yang-data+jsonx", Some("application/yang-data+jsonx"), valid.as_str(), 415, ANY)),
        post(case("application/json (a synonym)", Some("application/json"), device("1"), 201, ANY)),
        post(case("no Content-Type (read as JSON)", None, device("2"), 201, ANY)),
        post(case("application/xml (a synonym)", Some("application/xml"), device_xml("3"), 201, ANY)),
        post(case("application/yang-data+json", j, valid.as_str(), 201, ANY)),
    ];
    let mut c = case("an XML body without Accept: errors in JSON", x, "<device", 400, MALFORMED);
    (c.accept, c.xml) = (None, false);
    cases.push(post(c));
    for accept in ["text/html", "application/yang-data+xml;q=0, application/yang-data+json;q=0"] {
        let mut c = case(&format!("Accept: {accept}"), j, device("4"), 406, ANY);
        c.accept = Some(accept);
        cases.push(post(c));
    }
    cases
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_northbound_bodies_get_4xx_with_restconf_errors_over_http1_and_http2() {
    let demo = Demo::start(1).await;
    let (_, nbi) = support::nbi_as_root(&demo).await;
    let mut oracle = Oracle::default();
    for (protocol, h2) in [("HTTP/1.1", false), ("HTTP/2", true)] {
        let http = nbi_client(h2);
        let serial = if h2 { "SN-H2" } else { "SN-H1" };
        for (method, path, c) in northbound_cases(serial) {
            let what = format!("{protocol} {method} {path}: {}", c.what);
            let mut request =
                http.request(method, format!("{nbi}{path}")).basic_auth(ROOT.0, Some(ROOT.1)).body(c.body);
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
    // Nothing hostile was stored: only the accepted devices exist.
    let devices = demo.store.list_devices(sztp_store::TenantId::DEFAULT, 100, 0).await.unwrap();
    let mut serials: Vec<String> = devices.into_iter().map(|d| d.serial).collect();
    serials.sort();
    assert_eq!(
        serials,
        ["SN-0001", "SN-H1-0", "SN-H1-1", "SN-H1-2", "SN-H1-3", "SN-H2-0", "SN-H2-1", "SN-H2-2", "SN-H2-3"]
    );
    let prefs = demo.store.get_preferences().await.unwrap();
    assert_eq!(prefs, sztp_store::Preferences::default(), "the preferences are untouched");
    still_serves(&demo).await;
    oracle.finish();
    demo.stop().await;
}

/// Duplicate members in a JSON object are refused by both APIs (400): "the last one wins" would
/// let two readers of one document disagree.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duplicate_json_members_are_refused_by_the_northbound_api() {
    let demo = Demo::start(1).await;
    let (http, nbi) = support::nbi_as_root(&demo).await;
    let mut oracle = Oracle::default();
    for (what, body) in [
        (
            "duplicate keys",
            r#"{"sztp-server:device":[{"serial":"SN-DUP-A","serial":"SN-DUP-B","device-type":"demo-device"}]}"#,
        ),
        (
            "duplicate top-level members",
            r#"{"sztp-server:device":[{"serial":"SN-DUP-C","device-type":"demo-device"}],"sztp-server:device":[{"serial":"SN-DUP-D","device-type":"demo-device"}]}"#,
        ),
    ] {
        let request =
            http.post(format!("{nbi}{DEVICES}")).basic_auth(ROOT.0, Some(ROOT.1)).header("content-type", JSON);
        let reply = send(what, request.body(body)).await.unwrap();
        oracle.expect(what, &reply, 400, MALFORMED, false);
    }
    still_serves(&demo).await;
    oracle.finish();
    demo.stop().await;
}

impl Oracle {
    /// A raw exchange: the application's 4xx with an errors body in JSON (`app`), or — for what
    /// never reaches the application — a bodiless 4xx from the HTTP layer or a closed connection.
    fn expect_raw(&mut self, what: &str, reply: Option<&Reply>, statuses: &[u16], app: bool) {
        match reply {
            None if app => self.fail(format!("{what}: closed without a reply")),
            None => {}
            Some(reply) if app || !reply.body.is_empty() => self.expect_any(what, reply, statuses, false),
            Some(reply) if !statuses.contains(&reply.status) => {
                self.fail(format!("{what}: status {}, expected one of {statuses:?}", reply.status));
            }
            Some(_) => {}
        }
    }

    /// A failed YANG Patch: `status` and an RFC 8072 `yang-patch-status` naming the failed edit
    /// with its errors.
    fn expect_patch_status(&mut self, what: &str, reply: &Reply, statuses: &[u16]) {
        if !statuses.contains(&reply.status) {
            return self.fail(format!(
                "{what}: status {}, expected one of {statuses:?}: {}",
                reply.status,
                reply.text()
            ));
        }
        let doc: Value = serde_json::from_slice(&reply.body).unwrap_or(Value::Null);
        let edit = &doc["ietf-yang-patch:yang-patch-status"]["edit-status"]["edit"][0];
        let error = &edit["errors"]["error"][0];
        if reply.content_type != JSON || !edit["edit-id"].is_string() || !error["error-tag"].is_string() {
            self.fail(format!("{what}: not a yang-patch-status with errors: {}", reply.text()));
        }
        if !error["error-type"].is_string() {
            self.fail(format!("{what}: an edit error without error-type: {}", reply.text()));
        }
    }
}

/// A YANG Patch document with `edits`.
fn yang_patch(edits: Value) -> String {
    json!({"ietf-yang-patch:yang-patch": {"patch-id": "hostile", "edit": edits}}).to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_paths_keys_queries_and_patches_get_4xx_with_restconf_errors() {
    let demo = Demo::start(1).await;
    let (http, nbi) = support::nbi_as_root(&demo).await;
    let mut oracle = Oracle::default();
    let get = |path: String| http.get(format!("{nbi}{path}")).basic_auth(ROOT.0, Some(ROOT.1));

    // Keys, modules and node names.
    let log = "sztp-server:tenants/tenant=default/bootstrapping-log";
    let paths: Vec<(String, &[u16])> = vec![
        (format!("{DEVICES}/device=%zz"), &[400]),
        (format!("{DEVICES}/device=%f"), &[400]),
        (format!("{DEVICES}/device="), &[400, 404]),
        (format!("{DEVICES}/device=SN-0001,extra"), &[400, 404]),
        (format!("{DEVICES}/device={}", "k".repeat(16 * 1024)), &[404]),
        (format!("{DEVICES}/device=SN-0001/nosuch"), &[400, 404]),
        ("sztp-server:tenants/tenant/devices".into(), &[400]),
        ("sztp-server:tenants/tenant=/devices".into(), &[400, 404]),
        ("sztp-server:tenants/tenant=nosuch/devices".into(), &[404]),
        ("sztp-server:tenants/tenant=default/nosuch".into(), &[404]),
        ("sztp-server:administrators/administrator=root=x".into(), &[400, 404]),
        ("ietf-foo:bar".into(), &[400, 404]),
        ("ietf-yang-library:yang-library".into(), &[400, 404]),
        ("tenants".into(), &[400]),
        ("sztp-server:nosuch".into(), &[404]),
        ("sztp-server:ten%20ants".into(), &[400]),
        ("sztp-server:".into(), &[400, 404]),
        (":tenants".into(), &[400, 404]),
        // Query parameters (RFC 8040 §4.8) and the list and log pagination.
        (format!("{DEVICES}?depth=abc"), &[400]),
        (format!("{DEVICES}?depth=0"), &[400]),
        (format!("{DEVICES}?depth=-1"), &[400]),
        (format!("{DEVICES}?depth=99999999999999999999999"), &[400]),
        (format!("{DEVICES}?depth=%ff"), &[400]),
        (format!("{DEVICES}?content=bogus"), &[400]),
        (format!("{DEVICES}?fields=a(b"), &[400]),
        (format!("{DEVICES}?fields=a)"), &[400]),
        (format!("{DEVICES}?fields={}a{}", "(".repeat(1000), ")".repeat(1000)), &[400]),
        (format!("{DEVICES}?limit=-1"), &[400]),
        (format!("{DEVICES}?limit=abc"), &[400]),
        (format!("{DEVICES}?limit=99999999999999999999999"), &[400]),
        (format!("{DEVICES}?offset=-5"), &[400]),
        (format!("{DEVICES}?nosuch=1"), &[400]),
        (format!("{DEVICES}?%ff=1"), &[400]),
        (format!("{log}?limit=-1"), &[400]),
        (format!("{log}?limit=1e999999"), &[400]),
        (format!("{log}?since=not-a-date"), &[400]),
        (format!("{log}?direction=sideways"), &[400]),
        ("sztp-server:administrators?depth=abc".into(), &[400]),
    ];
    for (path, statuses) in paths {
        let what = format!("GET {}", &path[..path.len().min(120)]);
        match send(&what, get(path)).await {
            Ok(reply) => oracle.expect_any(&what, &reply, statuses, false),
            Err(e) => oracle.fail(format!("{what}: {e}")),
        }
    }
    // The same with Accept XML: the errors in XML.
    let reply = send("XML", get(format!("{DEVICES}?depth=abc")).header("accept", XML)).await.unwrap();
    oracle.expect("GET ?depth=abc with Accept XML", &reply, 400, &["invalid-value"], true);

    // PATCH with the wrong media type, or a document of the other one.
    let device = format!("{nbi}{DEVICES}/device=SN-0001");
    let merge = r#"{"sztp-server:device":[{"serial":"SN-0001","enabled":false}]}"#;
    let delete_device = yang_patch(json!([{"edit-id": "1", "operation": "delete", "target": "/device=SN-0001"}]));
    let patch_xml = r#"<yang-patch xmlns="urn:ietf:params:xml:ns:yang:ietf-yang-patch"><patch-id>p</patch-id><edit><edit-id>1</edit-id>"#;
    let cases: Vec<(&str, Option<&str>, String, u16)> = vec![
        ("text/plain", Some("text/plain"), merge.into(), 415),
        ("application/yang-patch", Some("application/yang-patch"), delete_device.clone(), 415),
        ("multipart/mixed", Some("multipart/mixed; boundary=x"), merge.into(), 415),
        ("a JSON patch as yang-patch+xml", Some(PATCH_XML), delete_device.clone(), 400),
        ("an XML patch as yang-patch+json", Some(PATCH_JSON), patch_xml.into(), 400),
        ("a truncated XML patch", Some(PATCH_XML), patch_xml.into(), 400),
        ("a YANG Patch as yang-data+json", Some(JSON), delete_device.clone(), 400),
        ("a YANG Patch without Content-Type", None, delete_device.clone(), 400),
        ("a JSON merge patch (RFC 7396)", Some("application/merge-patch+json"), merge.into(), 415),
    ];
    for (what, ct, body, status) in cases {
        let what = format!("PATCH {what}");
        let mut request = http.patch(&device).basic_auth(ROOT.0, Some(ROOT.1)).body(body);
        if let Some(ct) = ct {
            request = request.header("content-type", ct);
        }
        match send(&what, request).await {
            Ok(reply) => oracle.expect_any(&what, &reply, &[status], false),
            Err(e) => oracle.fail(format!("{what}: {e}")),
        }
    }

    let patch_url = format!("{nbi}{DEVICES}");

    // YANG Patch documents with malformed edits: refused before any edit runs...
    let d = |serial: &str| json!({"sztp-server:device": [{"serial": serial, "device-type": "demo-device"}]});
    let many: Vec<Value> = (0..10_001)
        .map(|i| json!({"edit-id": i.to_string(), "operation": "remove", "target": format!("/device=SN-{i}")}))
        .collect();
    let refused: Vec<(&str, String, u16)> = vec![
        ("an array", "[]".into(), 400),
        ("no yang-patch", "{}".into(), 400),
        ("no patch-id", json!({"ietf-yang-patch:yang-patch": {"edit": []}}).to_string(), 400),
        ("a numeric patch-id", json!({"ietf-yang-patch:yang-patch": {"patch-id": 1, "edit": []}}).to_string(), 400),
        ("no edits", yang_patch(json!([])), 400),
        ("edit not a list", yang_patch(json!({"edit-id": "1"})), 400),
        ("an edit without edit-id", yang_patch(json!([{"operation": "remove", "target": "/device=x"}])), 400),
        ("an edit that is a string", yang_patch(json!(["remove /device=x"])), 400),
        (
            "an unknown operation",
            yang_patch(json!([{"edit-id": "1", "operation": "frobnicate", "target": "/device=x"}])),
            400,
        ),
        (
            "insert",
            yang_patch(json!([{"edit-id": "1", "operation": "insert", "target": "/device=x", "value": d("x")}])),
            400,
        ),
        ("no target", yang_patch(json!([{"edit-id": "1", "operation": "remove"}])), 400),
        (
            "create without value",
            yang_patch(json!([{"edit-id": "1", "operation": "create", "target": "/device=x"}])),
            400,
        ),
        (
            "delete with a value",
            yang_patch(json!([{"edit-id": "1", "operation": "delete", "target": "/device=x", "value": d("x")}])),
            400,
        ),
        (
            "a duplicate edit-id",
            yang_patch(json!([{"edit-id": "1", "operation": "remove", "target": "/device=a"},
                {"edit-id": "1", "operation": "remove", "target": "/device=b"}])),
            400,
        ),
        ("10,001 edits", yang_patch(Value::Array(many)), 413),
    ];
    for (what, body, status) in refused {
        let what = format!("YANG Patch with {what}");
        let request = http.patch(&patch_url).basic_auth(ROOT.0, Some(ROOT.1)).header("content-type", PATCH_JSON);
        match send(&what, request.body(body)).await {
            Ok(reply) => oracle.expect_any(&what, &reply, &[status], false),
            Err(e) => oracle.fail(format!("{what}: {e}")),
        }
    }
    // ... or failing at an edit: a yang-patch-status naming it, and nothing applied.
    let failing: Vec<(&str, Value, &[u16])> = vec![
        (
            "a target climbing out of the list",
            json!([{"edit-id": "1", "operation": "delete", "target": "/../../../administrators/administrator=root"}]),
            &[400],
        ),
        (
            "a target with %2e%2e",
            json!([{"edit-id": "1", "operation": "remove", "target": "/%2e%2e/%2e%2e/tenant=default"}]),
            &[400, 404],
        ),
        ("a target outside the tenant lists", json!([{"edit-id": "1", "operation": "remove", "target": "/"}]), &[400]),
        (
            "a target in an unknown module",
            json!([{"edit-id": "1", "operation": "remove", "target": "/ietf-foo:bar=1"}]),
            &[400],
        ),
        (
            "a value that is a number",
            json!([{"edit-id": "1", "operation": "create", "target": "/device=SN-P1", "value": 5}]),
            &[400],
        ),
        (
            "a value of another list",
            json!([{"edit-id": "1", "operation": "create", "target": "/device=SN-P2",
            "value": {"sztp-server:tenant": [{"name": "evil"}]}}]),
            &[400],
        ),
        (
            "a value whose key differs",
            json!([{"edit-id": "1", "operation": "create", "target": "/device=SN-P3", "value": d("SN-P4")}]),
            &[400],
        ),
        (
            "a create after a good one",
            json!([{"edit-id": "1", "operation": "create", "target": "/device=SN-P5", "value": d("SN-P5")},
            {"edit-id": "2", "operation": "create", "target": "/device=SN-0001", "value": d("SN-0001")}]),
            &[409],
        ),
        (
            "a delete of nothing",
            json!([{"edit-id": "1", "operation": "delete", "target": "/device=SN-NONE"}]),
            &[404, 409],
        ),
    ];
    for (what, edits, statuses) in failing {
        let what = format!("YANG Patch with {what}");
        let request = http.patch(&patch_url).basic_auth(ROOT.0, Some(ROOT.1)).header("content-type", PATCH_JSON);
        match send(&what, request.body(yang_patch(edits))).await {
            Ok(reply)
                if reply.status >= 400 && reply.content_type == JSON && reply.body.starts_with(b"{\"ietf-restconf") =>
            {
                oracle.expect_any(&what, &reply, statuses, false);
            }
            Ok(reply) => oracle.expect_patch_status(&what, &reply, statuses),
            Err(e) => oracle.fail(format!("{what}: {e}")),
        }
    }
    let laughs = format!(
        r#"{LAUGHS}<yang-patch xmlns="urn:ietf:params:xml:ns:yang:ietf-yang-patch"><patch-id>&lol9;</patch-id></yang-patch>"#
    );
    let request = http.patch(&patch_url).basic_auth(ROOT.0, Some(ROOT.1)).header("content-type", PATCH_XML);
    let reply = send("an XML patch with a billion laughs", request.header("accept", XML).body(laughs)).await.unwrap();
    oracle.expect("an XML patch with a billion laughs", &reply, 400, MALFORMED, true);
    let serials: Vec<String> = demo
        .store
        .list_devices(sztp_store::TenantId::DEFAULT, 100, 0)
        .await
        .unwrap()
        .into_iter()
        .map(|d| d.serial)
        .collect();
    assert_eq!(serials, ["SN-0001"], "no edit of a failed patch was applied");
    let stored = demo.store.get_device(sztp_store::TenantId::DEFAULT, "SN-0001").await.unwrap().unwrap();
    assert!(stored.enabled, "no PATCH was applied");

    // What reqwest normalises away, sent raw: dot segments, encoded dots and NULs, bad UTF-8.
    let authorization = root_basic();
    let raw: Vec<(&str, &[u16], bool)> = vec![
        ("/restconf/data/../../etc/passwd", &[400, 404], true),
        ("/restconf/data/sztp-server:tenants/tenant=default/../../../etc/passwd", &[400, 404], true),
        ("/restconf/data/%2e%2e/%2e%2e/etc/passwd", &[400, 404], true),
        ("/restconf/data/sztp-server:tenants%2F..%2F..%2Fadministrators", &[400, 404], true),
        ("/restconf/%2e%2e/restconf/data/sztp-server:administrators", &[400, 404], true),
        ("/artifacts/default/..%2F..%2Fsztp.db", &[400, 404], true),
        ("/artifacts/../../etc/passwd", &[400, 404], true),
        ("restconf/data/sztp-server:administrators", &[400, 404], false),
        ("/restconf/data/sztp-server:administrators\x01", &[400], false),
    ];
    for (target, statuses, app) in raw {
        let what = format!("raw GET {}", target.escape_debug());
        let mut tcp = TcpStream::connect(demo.nbi).await.unwrap();
        let request = head("GET", target, &[("Authorization", &authorization), ("Accept", JSON)]);
        let reply = raw_exchange(&mut tcp, &request).await;
        oracle.expect_raw(&what, reply.as_ref(), statuses, app);
    }
    // The same on the southbound API, as a device over TLS.
    let raw: Vec<(&str, &str, &[u16])> = vec![
        ("GET", "/files/..%2F..%2Fsztp.db", &[400, 404]),
        ("GET", "/files/../../etc/passwd", &[400, 404]),
        ("GET", "/files/%2e%2e%2f%2e%2e%2fetc%2fpasswd", &[400, 404]),
        ("POST", "/restconf/operations/..%2F..%2Frestconf", &[404]),
        ("POST", "/restconf/data/../operations/ietf-sztp-bootstrap-server:report-progress", &[404]),
    ];
    for (method, target, statuses) in raw {
        let what = format!("raw southbound {method} {target}");
        let mut tls = tls_connect(&demo, Some("SN-0001")).await;
        let request = head(method, target, &[("Accept", JSON), ("Content-Length", "0")]);
        let reply = raw_exchange(&mut tls, &request).await;
        oracle.expect_raw(&what, reply.as_ref(), statuses, true);
    }
    still_serves(&demo).await;
    oracle.finish();
    demo.stop().await;
}

/// Error messages quote the request (a key, a node name, a file name); a control character in
/// it must not make the errors body invalid: YANG strings and XML 1.0 cannot hold NUL or ESC.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn control_characters_in_a_path_do_not_spoil_the_errors_body() {
    let demo = Demo::start(1).await;
    let (http, nbi) = support::nbi_as_root(&demo).await;
    let mut oracle = Oracle::default();
    let cases: Vec<(String, u16)> = vec![
        (format!("{DEVICES}/device=SN%00"), 404),
        (format!("{DEVICES}/device=SN%1B%5B31m"), 404),
        ("sztp-server:tenants%00".into(), 400),
    ];
    for (path, status) in cases {
        for xml in [false, true] {
            let what = format!("GET {path} (XML: {xml})");
            let request = http.get(format!("{nbi}{path}")).basic_auth(ROOT.0, Some(ROOT.1));
            let reply = send(&what, request.header("accept", if xml { XML } else { JSON })).await.unwrap();
            oracle.expect(&what, &reply, status, ANY, xml);
        }
    }
    let device = demo.client(Some("SN-0001"));
    for (method, path) in
        [(Method::GET, "/files/a%00b"), (Method::POST, "/restconf/operations/ietf-sztp-bootstrap-server:x%00")]
    {
        let what = format!("{method} {path}");
        let reply = send(&what, device.request(method, demo.url(path)).header("accept", JSON)).await.unwrap();
        oracle.expect(&what, &reply, 404, ANY, false);
    }
    still_serves(&demo).await;
    oracle.finish();
    demo.stop().await;
}

/// A path parameter that percent-decodes to invalid UTF-8 is refused, as any bad path is, with
/// an RFC 8040 errors body.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_utf8_in_a_path_gets_a_restconf_errors_body() {
    let demo = Demo::start(1).await;
    let _ = support::nbi_as_root(&demo).await;
    let mut oracle = Oracle::default();
    let authorization = root_basic();
    for target in [
        "/restconf/data/%ff",
        "/restconf/data/sztp-server:administrators/administrator=%ff",
        "/restconf/data/sztp-server:administrators/administrator=%c0%af",
        "/artifacts/default/%ff",
        "/artifacts/%ff/x",
    ] {
        let mut tcp = TcpStream::connect(demo.nbi).await.unwrap();
        let reply = raw_exchange(&mut tcp, &head("GET", target, &[("Authorization", &authorization)])).await;
        oracle.expect_raw(&format!("northbound GET {target}"), reply.as_ref(), &[400, 404], true);
    }
    for (method, target) in [("GET", "/files/%ff"), ("POST", "/restconf/operations/%ff")] {
        let mut tls = tls_connect(&demo, Some("SN-0001")).await;
        let reply = raw_exchange(&mut tls, &head(method, target, &[("Content-Length", "0")])).await;
        oracle.expect_raw(&format!("southbound {method} {target}"), reply.as_ref(), &[400, 404], true);
    }
    still_serves(&demo).await;
    oracle.finish();
    demo.stop().await;
}

/// RFC 8040 §3.5.3: a key holding "/" or "%" is percent-encoded once, as the server's own
/// Location header does; decoding it twice addresses another entry (or splits the path).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_keys_are_percent_decoded_once() {
    let demo = Demo::start(1).await;
    let (http, nbi) = support::nbi_as_root(&demo).await;
    let mut oracle = Oracle::default();
    let origin = format!("http://{}", demo.nbi);
    for serial in ["A/B", "C%41", "../../administrators"] {
        let body = json!({"sztp-server:device": [{"serial": serial, "device-type": "demo-device"}]});
        let request = http.post(format!("{nbi}{DEVICES}")).basic_auth(ROOT.0, Some(ROOT.1)).body(body.to_string());
        let created = request.send().await.unwrap();
        assert_eq!(created.status().as_u16(), 201, "{serial}");
        let location = created.headers()["location"].to_str().unwrap().to_owned();
        let what = format!("GET {location} (serial {serial})");
        let reply =
            send(&what, http.get(format!("{origin}{location}")).basic_auth(ROOT.0, Some(ROOT.1))).await.unwrap();
        oracle.expect_any(&what, &reply, &[200], false);
    }
    let reply = send("CA", http.get(format!("{nbi}{DEVICES}/device=C%2541")).basic_auth(ROOT.0, Some(ROOT.1))).await;
    let body: Value = serde_json::from_slice(&reply.unwrap().body).unwrap_or(Value::Null);
    if body["sztp-server:device"][0]["serial"] != "C%41" {
        oracle.fail(format!("GET device=C%2541 does not name C%41: {body}"));
    }
    still_serves(&demo).await;
    oracle.finish();
    demo.stop().await;
}

/// A method a resource does not support is 405 with an errors body (RFC 8040 §7.1), and OPTIONS
/// is supported on every resource (RFC 8040 §4.1), over HTTP/1.1 and HTTP/2.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unsupported_methods_get_405_with_an_errors_body() {
    let demo = Demo::start(1).await;
    let (http, nbi) = support::nbi_as_root(&demo).await;
    let mut oracle = Oracle::default();
    for (method, target) in [
        ("POST", "/files/x"),
        ("POST", "/restconf"),
        ("DELETE", "/restconf/"),
        ("POST", "/.well-known/host-meta"),
        ("PUT", "/restconf/operations"),
        ("POST", "/restconf/yang-library-version"),
        ("FOO", "/restconf"),
    ] {
        let mut tls = tls_connect(&demo, Some("SN-0001")).await;
        let reply = raw_exchange(&mut tls, &head(method, target, &[("Content-Length", "0")])).await;
        oracle.expect_raw(&format!("southbound {method} {target}"), reply.as_ref(), &[405], true);
    }
    let authorization = root_basic();
    let admins = "/restconf/data/sztp-server:administrators";
    for (method, status) in [("OPTIONS", 200), ("TRACE", 405), ("FOO", 405)] {
        let mut tcp = TcpStream::connect(demo.nbi).await.unwrap();
        let request = head(method, admins, &[("Content-Length", "0"), ("Authorization", &authorization)]);
        let reply = raw_exchange(&mut tcp, &request).await;
        oracle.expect_raw(&format!("northbound {method} {admins}"), reply.as_ref(), &[status], true);
    }
    // The same over HTTP/2: the device's TLS connection negotiates it, the operator's is h2c.
    let device = demo.client(Some("SN-0001"));
    let h2c = nbi_client(true);
    let requests = [
        ("southbound POST /restconf", device.post(demo.url("/restconf")), 405),
        ("northbound TRACE", h2c.request(Method::TRACE, format!("http://{}{admins}", demo.nbi)), 405),
        ("northbound OPTIONS", h2c.request(Method::OPTIONS, format!("http://{}{admins}", demo.nbi)), 200),
    ];
    for (what, request, status) in requests {
        let reply = request.basic_auth(ROOT.0, Some(ROOT.1)).send().await.unwrap();
        let (version, got) = (reply.version(), reply.status().as_u16());
        let body = reply.text().await.unwrap_or_default();
        let errors_body = status == 200 || body.contains("errors");
        if version != reqwest::Version::HTTP_2 || got != status || !errors_body {
            oracle.fail(format!("{what} over HTTP/2: {version:?} {got} {body:?}"));
        }
    }
    let options = http.request(Method::OPTIONS, format!("{nbi}{DEVICES}")).basic_auth(ROOT.0, Some(ROOT.1));
    let reply = options.send().await.unwrap();
    let header = |name: &str| reply.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    if reply.status() != 200 || !header("allow").contains("PATCH") || !header("accept-patch").contains(PATCH_JSON) {
        oracle.fail(format!(
            "OPTIONS {DEVICES}: {} allow {:?} accept-patch {:?}",
            reply.status(),
            header("allow"),
            header("accept-patch")
        ));
    }
    still_serves(&demo).await;
    oracle.finish();
    demo.stop().await;
}

impl Oracle {
    /// An oversized request: refused with one of `statuses` (the application's 404 carries an
    /// errors body; the HTTP layer's 414 and 431 may be bodiless), or its connection or stream
    /// closed; never a 5xx.
    fn expect_refused(&mut self, what: &str, sent: Result<Reply, String>, statuses: &[u16]) {
        match sent {
            Err(_) => {}
            Ok(reply) if reply.status == 404 || !reply.body.is_empty() => {
                self.expect_any(what, &reply, statuses, false)
            }
            Ok(reply) if !statuses.contains(&reply.status) => {
                self.fail(format!("{what}: status {}, expected one of {statuses:?}", reply.status));
            }
            Ok(_) => {}
        }
    }
}

/// A 64 KiB request target over HTTP/1.1, sent raw (reqwest refuses URLs this long): to the
/// southbound API over TLS as a device, or to the northbound API as the administrator.
async fn long_target(demo: &Demo, northbound: bool, target: &str) -> Option<Reply> {
    if northbound {
        let mut tcp = TcpStream::connect(demo.nbi).await.unwrap();
        raw_exchange(&mut tcp, &head("GET", target, &[("Authorization", &root_basic())])).await
    } else {
        let mut tls = tls_connect(demo, Some("SN-0001")).await;
        raw_exchange(&mut tls, &head("GET", target, &[])).await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn long_paths_and_huge_headers_are_refused_over_http1_and_http2() {
    let demo = Demo::start(1).await;
    let (_, nbi) = support::nbi_as_root(&demo).await;
    let mut oracle = Oracle::default();
    let long = "a".repeat(64 * 1024);
    // Well beyond hyper's HTTP/1.1 head buffer (8 KiB + 400 KiB, enforced only between reads:
    // see the ignored test below).
    let huge = "b".repeat(2 * 1024 * 1024);
    for (api, northbound) in [("southbound", false), ("northbound", true)] {
        let key = if northbound { format!("/restconf/data/{DEVICES}/device=") } else { "/files/".to_owned() };
        for (what, target) in [("a 64 KiB path", format!("/{long}")), ("a 64 KiB key", format!("{key}{long}"))] {
            let what = format!("{api} HTTP/1.1: {what}");
            let reply = long_target(&demo, northbound, &target).await;
            oracle.expect_refused(&what, reply.ok_or_else(|| "closed".to_owned()), &[404, 414]);
        }
    }
    // reqwest sends at most 64 KiB - 2 of URL; over HTTP/2 the header block is bounded anyway.
    let long = &long[..60 * 1024];
    let clients = [
        ("southbound HTTP/1.1", demo.client_builder(Some("SN-0001")).http1_only().build().unwrap(), demo.url("")),
        ("southbound HTTP/2", demo.client(Some("SN-0001")), demo.url("")),
        ("northbound HTTP/1.1", nbi_client(false), format!("http://{}", demo.nbi)),
        ("northbound HTTP/2", nbi_client(true), format!("http://{}", demo.nbi)),
    ];
    for (api, client, origin) in &clients {
        let northbound = api.starts_with("north");
        let auth = |r: reqwest::RequestBuilder| if northbound { r.basic_auth(ROOT.0, Some(ROOT.1)) } else { r };
        let what = format!("{api}: a 60 KiB path");
        let sent = send(&what, auth(client.get(format!("{origin}/{long}")))).await;
        oracle.expect_refused(&what, sent, &[404, 414, 431]);
        let rpc = if northbound { format!("{nbi}{DEVICES}") } else { format!("{origin}{GBD}") };
        let what = format!("{api}: a 2 MiB header value");
        let sent = send(&what, auth(client.post(&rpc)).header("x-padding", &huge).body("")).await;
        oracle.expect_refused(&what, sent, &[431]);
        let what = format!("{api}: a 2 MiB Authorization");
        let sent = send(&what, client.post(&rpc).header("authorization", format!("Basic {huge}")).body("")).await;
        oracle.expect_refused(&what, sent, &[431]);
        let what = format!("{api}: 10,000 headers");
        let mut request = auth(client.post(&rpc)).body("");
        for i in 0..10_000 {
            request = request.header(format!("x-h{i}"), "v");
        }
        oracle.expect_refused(&what, send(&what, request).await, &[431]);
    }
    still_serves(&demo).await;
    oracle.finish();
    demo.stop().await;
}

/// A 400 KB header value is refused (431) over HTTP/1.1 as over HTTP/2, where the header
/// block is bounded: a head that large costs every connection that much memory.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_400_kb_header_value_is_refused_over_http1() {
    let demo = Demo::start(1).await;
    let (_, nbi) = support::nbi_as_root(&demo).await;
    let mut oracle = Oracle::default();
    let huge = "b".repeat(400 * 1000);
    let device = demo.client_builder(Some("SN-0001")).http1_only().build().unwrap();
    let request = device.post(demo.url(GBD)).header("x-padding", &huge);
    oracle.expect_refused("southbound, 400 KB", send("southbound", request).await, &[431]);
    let http = nbi_client(false);
    let request = http.get(format!("{nbi}{DEVICES}")).basic_auth(ROOT.0, Some(ROOT.1));
    oracle.expect_refused("northbound, 400 KB", send("northbound", request.header("x-padding", &huge)).await, &[431]);
    // The same connection, its read buffer grown by a 60 KiB request: 600 KiB pass.
    let http = nbi_client(false);
    let first = http.get(format!("http://{}/{}", demo.nbi, "a".repeat(60 * 1024))).send().await.unwrap();
    assert_eq!(first.status().as_u16(), 404);
    let request = http.get(format!("{nbi}{DEVICES}")).basic_auth(ROOT.0, Some(ROOT.1));
    let sent = send("600 KiB", request.header("x-padding", "b".repeat(600 * 1024))).await;
    oracle.expect_refused("northbound, 600 KiB after a 60 KiB request", sent, &[431]);
    still_serves(&demo).await;
    oracle.finish();
    demo.stop().await;
}

// ---------------------------------------------------------------------------------------------
// Slow, half-open and broken connections

/// The server's header and TLS handshake timeouts (`ListenLimits::default`), and how late a
/// close after them may come.
const HEAD_TIMEOUT: Duration = Duration::from_secs(10);
const HEAD_CLOSED_BY: Duration = Duration::from_secs(15);
/// The server's request body timeout (`restconf::BODY_TIME`): then 408.
const BODY_TIMEOUT: Duration = Duration::from_secs(30);
const BODY_ANSWERED_BY: Duration = Duration::from_secs(36);
/// After the 408 the server still reads (and discards) the body for 10 s (`listen::body`'s
/// drain), then closes the connection.
const DRAINED_BY: Duration = Duration::from_secs(BODY_TIMEOUT.as_secs() + 10 + 5);
/// How soon garbage gets a connection closed.
const GARBAGE_CLOSED_BY: Duration = Duration::from_secs(5);

/// Sends `prefix` and then `a`s, one byte a second, until the server closes; when it did.
async fn trickle<S: AsyncRead + AsyncWrite>(stream: S, prefix: &[u8], started: Instant) -> Duration {
    let (mut reader, mut writer) = tokio::io::split(stream);
    let write = async {
        for byte in prefix.iter().copied().chain(std::iter::repeat(b'a')) {
            if writer.write_all(&[byte]).await.is_err() || writer.flush().await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        std::future::pending::<Duration>().await
    };
    tokio::select! {
        closed = closed_after(&mut reader, started, HEAD_CLOSED_BY) => closed,
        never = write => never,
    }
}

/// A ClientHello, as rustls writes it first.
fn client_hello(demo: &Demo) -> Vec<u8> {
    let mut conn = rustls::ClientConnection::new(tls_config(demo, None), localhost()).unwrap();
    let mut hello = Vec::new();
    conn.write_tls(&mut hello).unwrap();
    hello
}

/// `bytes` on a new connection to `addr`; the reply if any (HTTP/1.1), and when it closed.
async fn garbage(addr: std::net::SocketAddr, bytes: &[u8]) -> (Option<Reply>, Duration) {
    let started = Instant::now();
    let mut tcp = TcpStream::connect(addr).await.unwrap();
    let reply = raw_exchange(&mut tcp, bytes).await;
    (reply, closed_after(&mut tcp, started, GARBAGE_CLOSED_BY).await)
}

/// A request whose body stops after a few bytes, over HTTP/1.1 (raw) to either API: the reply
/// and when it came; the connection must then be closed by [`DRAINED_BY`].
async fn stalled_h1(demo: &Demo, northbound: bool) -> (Option<Reply>, Duration) {
    let started = Instant::now();
    let headers = [("Content-Type", JSON), ("Content-Length", "100"), ("Authorization", &root_basic())];
    if northbound {
        let request = [head("POST", &format!("/restconf/data/{DEVICES}"), &headers), b"{\"sztp-".to_vec()].concat();
        let mut tcp = TcpStream::connect(demo.nbi).await.unwrap();
        tcp.write_all(&request).await.unwrap();
        let reply = read_reply_within(&mut tcp, BODY_ANSWERED_BY).await;
        let answered = started.elapsed();
        closed_after(&mut tcp, started, DRAINED_BY).await;
        (reply, answered)
    } else {
        let request = [head("POST", GBD, &headers[..2]), b"{\"ietf-".to_vec()].concat();
        let mut tls = tls_connect(demo, Some("SN-0001")).await;
        tls.write_all(&request).await.unwrap();
        tls.flush().await.unwrap();
        let reply = read_reply_within(&mut tls, BODY_ANSWERED_BY).await;
        let answered = started.elapsed();
        closed_after(&mut tls, started, DRAINED_BY).await;
        (reply, answered)
    }
}

/// The same over HTTP/2 (reqwest, with a body that never ends).
async fn stalled_h2(demo: &Demo, northbound: bool) -> (Result<Reply, String>, Duration) {
    let started = Instant::now();
    let request = if northbound {
        let body = reqwest::Body::wrap(Stalled::new(b"{\"sztp-", BODY_ANSWERED_BY));
        nbi_client(true)
            .post(format!("http://{}/restconf/data/{DEVICES}", demo.nbi))
            .basic_auth(ROOT.0, Some(ROOT.1))
            .body(body)
    } else {
        let body = reqwest::Body::wrap(Stalled::new(b"{\"ietf-", BODY_ANSWERED_BY));
        demo.client(Some("SN-0001")).post(demo.url(GBD)).body(body)
    };
    let reply = send_within("a stalled HTTP/2 body", request.header("content-type", JSON), BODY_ANSWERED_BY).await;
    (reply, started.elapsed())
}

/// Every slow and broken connection runs at once, so the test takes about the longest server
/// timeout (the 30 s body timeout), not their sum.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_half_open_and_garbage_connections_are_closed_in_bounded_time() {
    let demo = Demo::start(1).await;
    let _ = support::nbi_as_root(&demo).await;
    let started = Instant::now();
    let slow_head = b"GET /restconf HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ";
    let hello = client_hello(&demo);
    let mut tls_noise = vec![0x16, 0x03, 0x01, 0x40, 0x00];
    tls_noise.extend(noise(16 * 1024, 7));
    let mut h2_noise = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".to_vec();
    h2_noise.extend(noise(4096, 11));
    let (tls_random, plain_random) = (noise(4096, 3), noise(4096, 5));
    let (
        (slow_plain, slow_tls, half_hello, whole_hello),
        (random_tls, record_tls, random_plain, random_h2),
        (stalled_sbi, stalled_nbi, stalled_sbi_h2, stalled_nbi_h2),
        served_meanwhile,
    ) = tokio::join!(
        async {
            tokio::join!(
                async { trickle(TcpStream::connect(demo.nbi).await.unwrap(), slow_head, started).await },
                async { trickle(tls_connect(&demo, Some("SN-0001")).await, slow_head, started).await },
                async {
                    let mut tcp = TcpStream::connect(demo.sbi).await.unwrap();
                    tcp.write_all(&hello[..hello.len() / 2]).await.unwrap();
                    closed_after(&mut tcp, started, HEAD_CLOSED_BY).await
                },
                async {
                    let mut tcp = TcpStream::connect(demo.sbi).await.unwrap();
                    tcp.write_all(&hello).await.unwrap();
                    closed_after(&mut tcp, started, HEAD_CLOSED_BY).await
                },
            )
        },
        async {
            tokio::join!(
                garbage(demo.sbi, &tls_random),
                garbage(demo.sbi, &tls_noise),
                garbage(demo.nbi, &plain_random),
                garbage(demo.nbi, &h2_noise),
            )
        },
        async {
            tokio::join!(
                stalled_h1(&demo, false),
                stalled_h1(&demo, true),
                stalled_h2(&demo, false),
                stalled_h2(&demo, true)
            )
        },
        async {
            tokio::time::sleep(Duration::from_secs(3)).await;
            still_serves(&demo).await;
            started.elapsed()
        },
    );
    let mut oracle = Oracle::default();
    let head_window = HEAD_TIMEOUT - Duration::from_secs(2)..HEAD_CLOSED_BY;
    for (what, closed) in [
        ("a head sent a byte a second (plain)", slow_plain),
        ("a head sent a byte a second (TLS)", slow_tls),
        ("half a ClientHello", half_hello),
        ("a ClientHello, then silence", whole_hello),
    ] {
        if !head_window.contains(&closed) {
            oracle.fail(format!("{what}: closed after {closed:?}, expected {head_window:?}"));
        }
    }
    for (what, (reply, closed)) in [
        ("random bytes on the TLS port", random_tls),
        ("a TLS record of random bytes", record_tls),
        ("random bytes on the HTTP port", random_plain),
        ("an HTTP/2 preface and random frames", random_h2),
    ] {
        oracle.expect_raw(what, reply.as_ref(), &[400], false);
        if closed > GARBAGE_CLOSED_BY {
            oracle.fail(format!("{what}: closed after {closed:?}"));
        }
    }
    let body_window = BODY_TIMEOUT - Duration::from_secs(1)..BODY_ANSWERED_BY;
    for (what, (reply, answered)) in [
        ("a stalled southbound body (HTTP/1.1)", stalled_sbi),
        ("a stalled northbound body (HTTP/1.1)", stalled_nbi),
        ("a stalled southbound body (HTTP/2)", (stalled_sbi_h2.0.ok(), stalled_sbi_h2.1)),
        ("a stalled northbound body (HTTP/2)", (stalled_nbi_h2.0.ok(), stalled_nbi_h2.1)),
    ] {
        match reply {
            Some(reply) => oracle.expect(what, &reply, 408, ANY, false),
            None => oracle.fail(format!("{what}: no reply")),
        }
        if !body_window.contains(&answered) {
            oracle.fail(format!("{what}: answered after {answered:?}, expected {body_window:?}"));
        }
    }
    assert!(served_meanwhile < Duration::from_secs(10), "served while under attack, after {served_meanwhile:?}");
    still_serves(&demo).await;
    oracle.finish();
    demo.stop().await;
}

/// Input the store refuses (a key with control characters, a key too long) is the client's
/// error: 400 invalid-value, not 409 in-use (which says the data is in use elsewhere).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_the_store_refuses_are_400_not_409() {
    let demo = Demo::start(1).await;
    let (http, nbi) = support::nbi_as_root(&demo).await;
    let mut oracle = Oracle::default();
    let long = format!("SN-{}", "x".repeat(300));
    for (what, serial) in [("a NUL", "SN-\u{0}"), ("an ESC", "SN-\u{1b}[2J"), ("256+ characters", long.as_str())] {
        let body = json!({"sztp-server:device": [{"serial": serial, "device-type": "demo-device"}]});
        let request =
            http.post(format!("{nbi}{DEVICES}")).basic_auth(ROOT.0, Some(ROOT.1)).header("content-type", JSON);
        let what = format!("a serial number with {what}");
        let reply = send(&what, request.body(body.to_string())).await.unwrap();
        oracle.expect(&what, &reply, 400, &["invalid-value"], false);
    }
    still_serves(&demo).await;
    oracle.finish();
    demo.stop().await;
}
