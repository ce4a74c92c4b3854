//! The southbound API of a real server (quickstart database, port 0) driven as devices do:
//! signed bootstrap verified by our device-side chain, yanglint and openssl; authentication
//! rules; RFC 8040 negotiation and errors; progress reports reaching status and logs.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use base64::Engine;
use support::{Demo, GBD, JSON, PROGRESS, XML, post};
use sztp_protocol::cms::content_type::ContentType;
use sztp_protocol::codec::Encoding;
use sztp_protocol::model::YangDocument;
use sztp_protocol::model::bootstrap_rpc::GetBootstrappingDataOutput;
use sztp_protocol::model::conveyed_info::ConveyedInformation;
use sztp_protocol::model::restconf_errors::RestconfErrors;
use sztp_protocol::trust::{DeviceContext, SignedArtifacts, verify_signed_data};
use sztp_protocol::x509::load_certificates;
use sztp_store::{LogQuery, TenantId};
use sztp_testkit::yanglint::{Schema, yanglint};

fn device_context(demo: &Demo, serial: &str) -> DeviceContext {
    let anchors = load_certificates(&std::fs::read(demo.path().join("trust/manufacturer-ca.pem")).unwrap()).unwrap();
    let chain = load_certificates(&std::fs::read(demo.device_dir(serial).join("idevid.pem")).unwrap()).unwrap();
    let mut ctx = DeviceContext::new(serial, anchors);
    ctx.idevid = chain.first().cloned();
    ctx.now = Some(time::OffsetDateTime::now_utc());
    ctx
}

fn verify(demo: &Demo, serial: &str, output: &GetBootstrappingDataOutput) -> ConveyedInformation {
    let artifacts = SignedArtifacts {
        conveyed_information: &output.conveyed_information,
        owner_certificate: output.owner_certificate.as_deref().expect("owner certificate"),
        ownership_voucher: output.ownership_voucher.as_deref().expect("voucher"),
    };
    let verified = verify_signed_data(&artifacts, &device_context(demo, serial)).expect("RFC 8572 §5.4 chain");
    let encoding = match verified.content_type {
        ContentType::ConveyedInfoXml => Encoding::Xml,
        _ => Encoding::Json,
    };
    yanglint(Schema::ConveyedInfo, &verified.payload, encoding == Encoding::Xml)
        .expect("conveyed information validates");
    ConveyedInformation::decode(encoding, &verified.payload).expect("conveyed information")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signed_bootstrap_in_json_and_xml_verifies_and_the_image_matches() {
    let demo = Demo::start(2).await;
    let client = demo.client(Some("SN-0001"));
    for (ct, encoding) in [(JSON, Encoding::Json), (XML, Encoding::Xml)] {
        let body = match encoding {
            Encoding::Json => br#"{"ietf-sztp-bootstrap-server:input":{"signed-data-preferred":[null],"hw-model":"demo"}}"#.to_vec(),
            Encoding::Xml => br#"<input xmlns="urn:ietf:params:xml:ns:yang:ietf-sztp-bootstrap-server"><signed-data-preferred/><hw-model>demo</hw-model></input>"#.to_vec(),
        };
        let (status, content_type, reply) = post(&client, &demo.url(GBD), None, Some(ct), Some(ct), body).await;
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&reply));
        assert_eq!(content_type, ct);
        yanglint(Schema::GbdOutput, &reply, encoding == Encoding::Xml).expect("reply validates");
        let output = GetBootstrappingDataOutput::decode(encoding, &reply).expect("output decodes");
        let ConveyedInformation::Onboarding(info) = verify(&demo, "SN-0001", &output) else { panic!("onboarding") };
        let image = info.boot_image.expect("boot image");
        let image_bytes = client.get(&image.download_uri[0]).send().await.unwrap().bytes().await.unwrap();
        let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, &image_bytes);
        assert_eq!(image.image_verification[0].hash_value, digest.as_ref());
    }
    // The same device with HTTP Basic only gets the same kind of answer.
    let basic = demo.client(None);
    let password = demo.password("SN-0002");
    let (status, _, reply) = post(&basic, &demo.url(GBD), Some(("SN-0002", &password)), None, None, Vec::new()).await;
    assert_eq!(status, 200);
    verify(&demo, "SN-0002", &GetBootstrappingDataOutput::from_json(&reply).unwrap());
    demo.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_authentication_failure_is_the_same_401() {
    let demo = Demo::start(2).await;
    let url = demo.url(GBD);
    let p1 = demo.password("SN-0001");
    let anonymous = demo.client(None);
    let as_sn2 = demo.client(Some("SN-0002"));
    let cases: Vec<(&reqwest::Client, Option<(&str, &str)>)> = vec![
        (&anonymous, None),
        (&anonymous, Some(("SN-0001", "wrong"))),
        (&anonymous, Some(("SN-9999", &p1))),
        (&as_sn2, Some(("SN-0001", &p1))), // certificate and Basic name different devices
    ];
    let mut bodies = Vec::new();
    for (client, basic) in cases {
        let (status, ct, body) = post(client, &url, basic, None, None, Vec::new()).await;
        assert_eq!((status, ct.as_str()), (401, JSON));
        let errors = RestconfErrors::from_json(&body).expect("errors body");
        assert_eq!(errors.errors[0].error_tag.as_str(), "access-denied");
        bodies.push(body);
    }
    assert!(bodies.windows(2).all(|w| w[0] == w[1]), "failures must be indistinguishable");
    // Both credentials naming the same device are accepted.
    let p2 = demo.password("SN-0002");
    let (status, _, _) = post(&as_sn2, &url, Some(("SN-0002", &p2)), None, None, Vec::new()).await;
    assert_eq!(status, 200);
    // Failures are counted, not stored (anyone can cause them); the reason is in the server log.
    let log =
        demo.store.bootstrap_log(TenantId::DEFAULT, &LogQuery { limit: 100, ..Default::default() }).await.unwrap();
    assert_eq!(log.iter().filter(|e| e.status == 401).count(), 0);
    assert_eq!(demo.app.unauthenticated_requests(), 4);
    demo.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restconf_negotiation_and_errors() {
    let demo = Demo::start(1).await;
    let client = demo.client(Some("SN-0001"));
    let url = demo.url(GBD);
    let input = r#"{"ietf-sztp-bootstrap-server:input":{"hw-model":"x"}}"#;
    // No Accept: JSON.
    let (status, ct, _) = post(&client, &url, None, Some(JSON), None, input).await;
    assert_eq!((status, ct.as_str()), (200, JSON));
    // Accept nothing we produce: 406.
    assert_eq!(post(&client, &url, None, Some(JSON), Some("text/html"), input).await.0, 406);
    // Unsupported body type: 415.
    assert_eq!(post(&client, &url, None, Some("text/plain"), None, input).await.0, 415);
    // Too big: 413 with too-big.
    let big = format!(r#"{{"ietf-sztp-bootstrap-server:input":{{"hw-model":"{}"}}}}"#, "x".repeat(300 * 1024));
    let (status, _, body) = post(&client, &url, None, Some(JSON), None, big).await;
    assert_eq!(status, 413);
    assert_eq!(RestconfErrors::from_json(&body).unwrap().errors[0].error_tag.as_str(), "too-big");
    // Invalid input: 400 in the request's encoding, and the error body validates.
    let short_nonce =
        r#"<input xmlns="urn:ietf:params:xml:ns:yang:ietf-sztp-bootstrap-server"><nonce>AAAA</nonce></input>"#;
    let (status, ct, body) = post(&client, &url, None, Some(XML), Some(JSON), short_nonce).await;
    assert_eq!((status, ct.as_str()), (400, XML));
    let errors = RestconfErrors::from_xml(&body).unwrap();
    assert_eq!(errors.errors[0].error_tag.as_str(), "invalid-value");
    assert!(errors.errors[0].error_message.as_deref().unwrap_or("").contains("nonce"));
    yanglint(Schema::Errors, &body, true).expect("error body validates");
    // Unknown RPC: 404. GET on an RPC: 405.
    let (status, _, _) =
        post(&client, &demo.url("/restconf/operations/ietf-sztp-bootstrap-server:nope"), None, None, None, "").await;
    assert_eq!(status, 404);
    assert_eq!(client.get(&url).send().await.unwrap().status().as_u16(), 405);
    // Discovery.
    let xrd = client.get(demo.url("/.well-known/host-meta")).send().await.unwrap().text().await.unwrap();
    assert!(xrd.contains("rel='restconf' href='/restconf'"));
    let root = client.get(demo.url("/restconf")).header("accept", JSON).send().await.unwrap().text().await.unwrap();
    assert!(root.contains("ietf-restconf:restconf"));
    demo.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn progress_reports_are_stored_and_drive_device_status() {
    let demo = Demo::start(1).await;
    let client = demo.client(Some("SN-0001"));
    let url = demo.url(PROGRESS);
    let b64 = base64::engine::general_purpose::STANDARD;
    let ssh = b64.encode(b"\x00\x00\x00\x0bssh-ed25519 key");
    let ca = load_certificates(&std::fs::read(demo.path().join("trust/server-ca.pem")).unwrap()).unwrap();
    let ta = b64.encode(sztp_protocol::cms::certs_only::build_certs_only(&[ca[0].der()], &[] as &[&[u8]]).unwrap());
    let reports = [
        r#"{"ietf-sztp-bootstrap-server:input":{"progress-type":"bootstrap-initiated","message":"starting"}}"#
            .to_owned(),
        format!(
            r#"{{"ietf-sztp-bootstrap-server:input":{{"progress-type":"bootstrap-complete","ssh-host-keys":{{"ssh-host-key":[{{"algorithm":"ssh-ed25519","key-data":"{ssh}"}}]}},"trust-anchor-certs":{{"trust-anchor-cert":["{ta}"]}}}}}}"#
        ),
    ];
    for report in reports {
        yanglint(Schema::ReportProgress, report.as_bytes(), false).expect("our test input is valid");
        let (status, _, body) = post(&client, &url, None, Some(JSON), None, report).await;
        assert_eq!(status, 204, "{}", String::from_utf8_lossy(&body));
        assert!(body.is_empty());
    }
    // No body: 400.
    assert_eq!(post(&client, &url, None, Some(JSON), None, "").await.0, 400);
    // A report naming a progress type that does not exist: 400.
    let bad = r#"{"ietf-sztp-bootstrap-server:input":{"progress-type":"all-done"}}"#;
    assert_eq!(post(&client, &url, None, Some(JSON), None, bad).await.0, 400);

    let status = demo.store.device_status(TenantId::DEFAULT, "SN-0001").await.unwrap().expect("status");
    assert_eq!(status.stage.as_deref(), Some("bootstrap-complete"));
    assert!(status.completed_at.is_some());
    let reports = demo.store.progress_reports(TenantId::DEFAULT, "SN-0001").await.unwrap();
    assert_eq!(reports.len(), 2);
    assert!(reports[1].1.ssh_host_keys.is_some());
    assert_eq!(reports[1].1.trust_anchor_certs.len(), 1);
    let audit = demo.store.audit_log(TenantId::DEFAULT, &LogQuery { limit: 100, ..Default::default() }).await.unwrap();
    assert!(
        audit.iter().any(|(_, a)| a.path == PROGRESS && a.status == 204 && a.principal.as_deref() == Some("SN-0001"))
    );
    demo.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_error_status_has_a_valid_restconf_errors_body() {
    let demo = Demo::start(1).await;
    let device = demo.client(Some("SN-0001"));
    let anonymous = demo.client(None);
    let gbd = demo.url(GBD);
    let ok_input = r#"{"ietf-sztp-bootstrap-server:input":{}}"#;
    let big = format!(r#"{{"ietf-sztp-bootstrap-server:input":{{"hw-model":"{}"}}}}"#, "x".repeat(300 * 1024));
    let mut cases: Vec<(u16, support::Reply)> = vec![
        (401, post(&anonymous, &gbd, None, Some(JSON), Some(JSON), ok_input).await),
        (
            400,
            post(&device, &gbd, None, Some(JSON), Some(JSON), r#"{"ietf-sztp-bootstrap-server:input":{"bogus":1}}"#)
                .await,
        ),
        (400, post(&device, &gbd, None, Some(XML), Some(XML), "<input").await),
        (406, post(&device, &gbd, None, Some(JSON), Some("image/png"), ok_input).await),
        (415, post(&device, &gbd, None, Some("text/csv"), Some(JSON), ok_input).await),
        (413, post(&device, &gbd, None, Some(JSON), Some(JSON), big).await),
        (
            404,
            post(&device, &demo.url("/restconf/operations/ietf-sztp-bootstrap-server:other"), None, None, None, "")
                .await,
        ),
    ];
    let resp = device.get(demo.url("/no/such/path")).send().await.unwrap();
    let ct = resp.headers()["content-type"].to_str().unwrap().to_owned();
    cases.push((404, (resp.status().as_u16(), ct, resp.bytes().await.unwrap().to_vec())));
    let resp = device.get(&gbd).send().await.unwrap();
    let ct = resp.headers()["content-type"].to_str().unwrap().to_owned();
    cases.push((405, (resp.status().as_u16(), ct, resp.bytes().await.unwrap().to_vec())));
    let mut dt = demo.store.get_device_type(TenantId::DEFAULT, "demo-device").await.unwrap().unwrap();
    dt.rules.clear();
    demo.store.put_device_type(TenantId::DEFAULT, &dt).await.unwrap();
    cases.push((404, post(&device, &gbd, None, Some(XML), Some(XML), "").await));
    for (want, (status, ct, body)) in cases {
        assert_eq!(status, want, "{}", String::from_utf8_lossy(&body));
        let xml = ct == XML;
        assert!(xml || ct == JSON, "{want}: content type {ct}");
        yanglint(Schema::Errors, &body, xml).unwrap_or_else(|e| panic!("{want} body invalid: {e}"));
    }
    demo.stop().await;
}
