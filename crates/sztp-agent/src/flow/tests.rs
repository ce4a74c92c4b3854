//! The flow against a scripted transport: which anchors a redirect passes on to the next server
//! (RFC 8572 §5.5), what each server is told (§9.6), and which URLs are refused, for the agent
//! and virtual devices alike.
#![allow(clippy::unwrap_used)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use sztp_protocol::cms::content_type::{ContentType, wrap_unsigned};
use sztp_protocol::cms::signed_data::{SignOptions, sign};
use sztp_protocol::cms::signer::Signer;
use sztp_protocol::codec::Encoding;
use sztp_protocol::model::YangDocument;
use sztp_protocol::model::conveyed_info::{BootstrapServer, RedirectInformation};
use sztp_protocol::model::voucher::{Assertion, Voucher};
use sztp_testkit::TestPki;
use sztp_testkit::rcgen::date_time_ymd;
use time::OffsetDateTime;

use super::*;
use crate::platform::{Clock, StepFailure, SystemClock};
use crate::session::Policy;

/// Answers get-bootstrapping-data with a fixed output per URL; other URLs are unreachable.
struct Scripted {
    answers: Vec<(&'static str, GetBootstrappingDataOutput)>,
    /// Every connection asked for: URL and number of trust anchors.
    connects: Mutex<Vec<(String, usize)>>,
    /// Every get-bootstrapping-data input sent, with the URL it went to.
    inputs: Arc<Mutex<Vec<(String, GetBootstrappingDataInput)>>>,
}

struct ScriptedConn {
    url: String,
    trusted: bool,
    answer: Option<GetBootstrappingDataOutput>,
    inputs: Arc<Mutex<Vec<(String, GetBootstrappingDataInput)>>>,
}

impl Transport for Scripted {
    type Conn = ScriptedConn;

    fn connect(&self, _identity: &Identity, url: &str, anchors: &[Vec<u8>]) -> Result<ScriptedConn, AgentError> {
        self.connects.lock().unwrap().push((url.to_owned(), anchors.len()));
        let answer = self.answers.iter().find(|(u, _)| *u == url).map(|(_, output)| output.clone());
        let inputs = self.inputs.clone();
        Ok(ScriptedConn { url: url.to_owned(), trusted: !anchors.is_empty(), answer, inputs })
    }
}

impl Connection for ScriptedConn {
    fn trusted(&self) -> bool {
        self.trusted
    }

    fn root(&self) -> &str {
        &self.url
    }

    async fn discover_root(&mut self) -> Result<(), AgentError> {
        Ok(())
    }

    async fn get_bootstrapping_data(
        &self,
        input: &GetBootstrappingDataInput,
    ) -> Result<GetBootstrappingDataOutput, AgentError> {
        self.inputs.lock().unwrap().push((self.url.clone(), input.clone()));
        self.answer.clone().ok_or_else(|| AgentError::Unreachable(format!("{}: nothing listens", self.url)))
    }

    async fn report_progress(&self, _input: &ReportProgressInput) -> Result<(), AgentError> {
        Ok(())
    }

    async fn download(&self, uri: &str) -> Result<Vec<u8>, String> {
        Err(format!("{uri}: no images here"))
    }
}

/// Onboarding is not reached in these tests.
struct Unreached;

impl Executor for Unreached {
    async fn install(&self, _image: &[u8], _os_name: &str, _os_version: &str) -> Result<(), StepFailure> {
        Err("install: not expected".to_owned().into())
    }

    async fn script(&self, stage: &str, _content: &[u8]) -> Result<Option<String>, StepFailure> {
        Err(format!("{stage}: not expected").into())
    }

    async fn configure(&self, _content: &[u8], _handling: &'static str) -> Result<Option<String>, StepFailure> {
        Err("config: not expected".to_owned().into())
    }
}

/// Stage names with their outcome and detail.
#[derive(Default)]
struct Stages(Vec<(String, String, String)>);

impl Journal for Stages {
    fn stage(&mut self, name: &str) {
        self.0.push((name.to_owned(), "running".into(), String::new()));
    }

    fn done(&mut self, name: &str, outcome: &str, detail: Option<String>) -> Result<(), AgentError> {
        if let Some(s) = self.0.iter_mut().rev().find(|s| s.0 == name && s.1 == "running") {
            (s.1, s.2) = (outcome.to_owned(), detail.unwrap_or_default());
        }
        Ok(())
    }

    fn source(&mut self, _source: String) {}

    fn trust(&mut self, _trust: String) {}

    fn reported(&mut self, _kind: ProgressType, _took: Duration) {}

    fn current_os(&self) -> (String, String) {
        ("TestOS".into(), "1".into())
    }

    fn installed(&mut self, _name: String, _version: String) -> Result<(), AgentError> {
        Ok(())
    }

    fn check_enabled(&self) -> Result<(), AgentError> {
        Ok(())
    }

    async fn until_stopped(&self) -> AgentError {
        std::future::pending().await
    }
}

/// A fixed time, as a device without a network clock might have.
struct FixedClock(OffsetDateTime);

impl Clock for FixedClock {
    fn now(&self) -> OffsetDateTime {
        self.0
    }
}

/// Redirect information naming `https://b.example:8443`, with `anchor` as its trust anchor.
fn redirect(anchor: &[u8]) -> Vec<u8> {
    let trust_anchor = build_certs_only::<&[u8], &[u8]>(&[anchor], &[]).unwrap();
    let server = BootstrapServer { address: "b.example".into(), port: Some(8443), trust_anchor: Some(trust_anchor) };
    redirect_to(vec![server])
}

fn redirect_to(bootstrap_servers: Vec<BootstrapServer>) -> Vec<u8> {
    ConveyedInformation::Redirect(RedirectInformation { bootstrap_servers }).encode(Encoding::Json)
}

fn unsigned(conveyed_information: &[u8]) -> GetBootstrappingDataOutput {
    GetBootstrappingDataOutput {
        reporting_level: None,
        conveyed_information: wrap_unsigned(ContentType::ConveyedInfoJson, conveyed_information).unwrap(),
        owner_certificate: None,
        ownership_voucher: None,
    }
}

/// Conveyed information signed by the owner, with a voucher for SN-1 valid through 2030.
fn signed(pki: &TestPki, conveyed_information: &[u8]) -> GetBootstrappingDataOutput {
    let voucher = Voucher {
        created_on: date_time_ymd(2030, 1, 1),
        expires_on: Some(date_time_ymd(2030, 12, 31)),
        assertion: Assertion::Verified,
        serial_number: "SN-1".into(),
        idevid_issuer: None,
        pinned_domain_cert: pki.pinned_domain_cert_der(),
        domain_cert_revocation_checks: None,
        nonce: None,
        last_renewal_date: None,
    };
    let masa = Signer::from_pem(pki.masa.key_pem.as_bytes(), pki.voucher_chain_pem().as_bytes()).unwrap();
    let owner = Signer::from_pem(pki.owner.key_pem.as_bytes(), pki.owner_chain_pem().as_bytes()).unwrap();
    let options = SignOptions::default();
    GetBootstrappingDataOutput {
        reporting_level: None,
        conveyed_information: sign(ContentType::ConveyedInfoJson, conveyed_information, &owner, &options).unwrap(),
        owner_certificate: Some(build_certs_only::<_, Vec<u8>>(&pki.owner_chain_der(), &[]).unwrap()),
        ownership_voucher: Some(sign(ContentType::AnimaJsonVoucher, &voucher.to_json(), &masa, &options).unwrap()),
    }
}

/// What a flow did: its result, the connections it asked for (URL and number of anchors), and
/// its stages (name, outcome, detail).
struct Run {
    result: Result<Outcome, AgentError>,
    connects: Vec<(String, usize)>,
    stages: Vec<(String, String, String)>,
    inputs: Vec<(String, GetBootstrappingDataInput)>,
}

/// Runs SN-1 of `pki` from `https://a.example` (with `anchors`), which gives `answer`, at the
/// time `clock` says.
async fn run(pki: &TestPki, anchors: Vec<Vec<u8>>, answer: GetBootstrappingDataOutput, clock: &dyn Clock) -> Run {
    let servers = vec![ServerEntry::server("https://a.example", anchors, "configured")];
    run_with(pki, servers, answer, clock, NonceMode::Off).await
}

/// Runs SN-1 of `pki` over `servers`, with `https://a.example` giving `answer`.
async fn run_with(
    pki: &TestPki,
    servers: Vec<ServerEntry>,
    answer: GetBootstrappingDataOutput,
    clock: &dyn Clock,
    nonce: NonceMode,
) -> Run {
    let idevid = pki.idevid("SN-1");
    let identity = Identity {
        serial: "SN-1".into(),
        chain: vec![Certificate::from_der(&idevid.cert_der).unwrap()],
        key_pkcs8: idevid.key_pkcs8_der.clone(),
        hw_model: "test".into(),
        os_name: "TestOS".into(),
        os_version: "1".into(),
    };
    let policy = Policy {
        identity,
        manufacturer_anchors: vec![Certificate::from_der(&pki.manufacturer_anchor_der()).unwrap()],
        allow_untrusted: true,
        nonce,
        max_redirects: 10,
        ssh_dir: None,
    };
    let answers = vec![("https://a.example", answer)];
    let transport = Scripted { answers, connects: Mutex::new(Vec::new()), inputs: Arc::default() };
    let mut journal = Stages::default();
    let mut session =
        Session { policy: &policy, transport: &transport, executor: &Unreached, clock, journal: &mut journal };
    let result = session.try_servers(servers).await;
    let inputs = std::mem::take(&mut *transport.inputs.lock().unwrap());
    Run { result, connects: transport.connects.into_inner().unwrap(), stages: journal.0, inputs }
}

fn connect(url: &str, anchors: usize) -> (String, usize) {
    (url.to_owned(), anchors)
}

/// The redirect was followed to b.example, which nothing answers.
fn assert_b_unreachable(run: &Run) {
    assert!(matches!(&run.result, Err(AgentError::Unreachable(m)) if m.contains("b.example")), "{:?}", run.result);
}

#[tokio::test]
async fn unsigned_redirect_information_from_an_untrusted_server_is_followed_without_its_anchors() {
    let pki = TestPki::generate();
    let answer = unsigned(&redirect(&pki.owner_root.issued.cert_der));
    let run = run(&pki, Vec::new(), answer, &SystemClock).await;
    assert_b_unreachable(&run);
    assert_eq!(run.connects, [connect("https://a.example", 0), connect("https://b.example:8443", 0)]);
    let verification = run.stages.iter().find(|s| s.0 == "verification").unwrap();
    assert_eq!((verification.1.as_str(), verification.2.as_str()), ("ok", "unsigned data"));
}

#[tokio::test]
async fn unsigned_redirect_information_from_a_trusted_server_passes_its_anchors_on() {
    let pki = TestPki::generate();
    let answer = unsigned(&redirect(&pki.owner_root.issued.cert_der));
    let run = run(&pki, vec![pki.manufacturer_anchor_der()], answer, &SystemClock).await;
    assert_b_unreachable(&run);
    assert_eq!(run.connects[..2], [connect("https://a.example", 1), connect("https://b.example:8443", 1)]);
    // b.example cannot be reached with its anchor: it is tried provisionally, as allowed.
    assert_eq!(run.connects[2..], [connect("https://b.example:8443", 0)]);
}

/// Signed redirect information is trusted from any server while its voucher is current by the
/// device's clock; past the voucher's expiry it is refused and nothing is followed.
#[tokio::test]
async fn signed_redirect_information_is_verified_at_the_devices_time() {
    let pki = TestPki::generate();
    let answer = signed(&pki, &redirect(&pki.owner_root.issued.cert_der));
    let current = run(&pki, Vec::new(), answer.clone(), &FixedClock(date_time_ymd(2030, 6, 1))).await;
    assert_b_unreachable(&current);
    assert_eq!(current.connects[..2], [connect("https://a.example", 0), connect("https://b.example:8443", 1)]);

    let expired = run(&pki, Vec::new(), answer, &FixedClock(date_time_ymd(2031, 6, 1))).await;
    assert!(matches!(&expired.result, Err(AgentError::Trust(m)) if m.contains("expired")), "{:?}", expired.result);
    assert_eq!(expired.connects, [connect("https://a.example", 0)]);
    let last = expired.stages.last().unwrap();
    assert_eq!((last.0.as_str(), last.1.as_str()), ("verification", "failed"), "{:?}", expired.stages);
}

/// The input a provisional request carries: signed-data-preferred and the nonce, nothing else.
fn provisional(nonce: Option<Nonce>) -> GetBootstrappingDataInput {
    GetBootstrappingDataInput { signed_data_preferred: true, nonce, ..GetBootstrappingDataInput::default() }
}

#[test]
fn only_trusted_servers_learn_the_hardware_model_and_os() {
    let pki = TestPki::generate();
    let idevid = pki.idevid("SN-1");
    let identity = Identity {
        serial: "SN-1".into(),
        chain: vec![Certificate::from_der(&idevid.cert_der).unwrap()],
        key_pkcs8: idevid.key_pkcs8_der.clone(),
        hw_model: "test".into(),
        os_name: "TestOS".into(),
        os_version: "1".into(),
    };
    let os = ("TestOS".to_owned(), "2".to_owned());
    let nonce = Some(Nonce::new(vec![7; 16]).unwrap());
    assert_eq!(bootstrap_input(false, &identity, &os, &nonce), provisional(nonce.clone()));
    assert_eq!(bootstrap_input(false, &identity, &os, &None), provisional(None));
    let trusted = bootstrap_input(true, &identity, &os, &nonce);
    assert!(!trusted.signed_data_preferred);
    assert_eq!(trusted.hw_model.as_deref(), Some("test"));
    assert_eq!((trusted.os_name.as_deref(), trusted.os_version.as_deref()), (Some("TestOS"), Some("2")));
    assert_eq!(trusted.nonce, nonce);
}

/// a.example is trusted and redirects to b.example, which cannot be authenticated: b is asked
/// provisionally, and gets no hardware model or OS, only what §9.6 allows.
#[tokio::test]
async fn a_provisional_request_carries_only_signed_data_preferred_and_the_nonce() {
    let pki = TestPki::generate();
    let answer = unsigned(&redirect(&pki.owner_root.issued.cert_der));
    let servers = vec![ServerEntry::server("https://a.example", vec![pki.manufacturer_anchor_der()], "configured")];
    let run = run_with(&pki, servers, answer, &SystemClock, NonceMode::Request).await;
    assert_b_unreachable(&run);
    let urls: Vec<&str> = run.inputs.iter().map(|(u, _)| u.as_str()).collect();
    assert_eq!(urls, ["https://a.example", "https://b.example:8443", "https://b.example:8443"]);
    for (_, trusted) in &run.inputs[..2] {
        assert_eq!((trusted.hw_model.as_deref(), trusted.os_name.as_deref()), (Some("test"), Some("TestOS")));
        assert!(!trusted.signed_data_preferred && trusted.nonce.is_some());
    }
    let (_, untrusted) = &run.inputs[2];
    assert!(untrusted.nonce.is_some(), "the nonce goes to a provisional server too");
    assert_eq!(untrusted, &provisional(untrusted.nonce.clone()));
}

/// A plain-HTTP server in the list is refused without a connection, and the next one is tried.
#[tokio::test]
async fn plain_http_bootstrap_servers_are_refused_and_skipped() {
    let pki = TestPki::generate();
    let anchors = vec![pki.manufacturer_anchor_der()];
    let servers = vec![
        ServerEntry::server("http://a.example", anchors.clone(), "configured"),
        ServerEntry::server("https://a.example", anchors, "configured"),
    ];
    let answer = unsigned(&redirect(&pki.owner_root.issued.cert_der));
    let run = run_with(&pki, servers, answer, &SystemClock, NonceMode::Off).await;
    assert_b_unreachable(&run);
    assert!(run.connects.iter().all(|(url, _)| url.starts_with("https://")), "{:?}", run.connects);
    let first = &run.stages[0];
    assert_eq!((first.0.as_str(), first.1.as_str()), ("bootstrap-request", "failed"));
    assert!(first.2.contains("\"http://a.example\" refused: the scheme must be https"), "{}", first.2);

    let only_http = vec![ServerEntry::server("http://a.example", Vec::new(), "dhcp")];
    let run = run_with(&pki, only_http, unsigned(b"{}"), &SystemClock, NonceMode::Off).await;
    assert!(matches!(&run.result, Err(AgentError::Trust(m)) if m.contains("https")), "{:?}", run.result);
    assert!(run.connects.is_empty() && run.inputs.is_empty());
}

/// Redirect information names hosts and ports; the URL made of each is checked like any other,
/// and one that cannot be used (an IPv6 zone has no place in a URL) is refused and skipped.
#[tokio::test]
async fn redirect_addresses_become_urls_that_are_checked_like_any_other() {
    let pki = TestPki::generate();
    let to = |address: &str| BootstrapServer { address: address.into(), port: Some(8443), trust_anchor: None };
    let answer = unsigned(&redirect_to(vec![to("fe80::1%eth0"), to("b.example")]));
    let run = run(&pki, vec![pki.manufacturer_anchor_der()], answer, &SystemClock).await;
    assert_b_unreachable(&run);
    assert_eq!(run.connects, [connect("https://a.example", 1), connect("https://b.example:8443", 0)]);
    let refused = run.stages.iter().filter(|s| s.0 == "bootstrap-request").nth(1).unwrap();
    assert_eq!(refused.1, "failed");
    assert!(
        refused.2.starts_with("trust: bootstrap server URL \"https://[fe80::1%eth0]:8443\" refused"),
        "{}",
        refused.2
    );
}
