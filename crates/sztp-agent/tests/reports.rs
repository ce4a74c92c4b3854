//! The bootstrap-complete report the agent sends is valid report-progress input (yanglint), with
//! the SSH host keys it found and a trust-anchor CMS that OpenSSL reads as the IDevID's issuer
//! chain up to the self-signed manufacturer root.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;
use std::time::Duration;

use sztp_agent::agent::{AgentConfig, NonceMode, completion_report};
use sztp_agent::identity::Identity;
use sztp_protocol::codec::Encoding;
use sztp_protocol::model::YangDocument;
use sztp_protocol::x509::Certificate;
use sztp_testkit::TestPki;
use sztp_testkit::yanglint::{Schema, yanglint};

#[test]
fn bootstrap_complete_carries_ssh_keys_and_a_trust_anchor_cms() {
    let pki = TestPki::generate();
    let idevid = pki.idevid("SN-42");
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("ssh_host_ed25519_key.pub"),
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl root@dpu\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("ssh_host_ed25519_key"), "private: never read").unwrap();
    let identity = Identity {
        serial: "SN-42".into(),
        chain: vec![
            Certificate::from_der(&idevid.cert_der).unwrap(),
            Certificate::from_der(&pki.manufacturer_ca.issued.cert_der).unwrap(),
        ],
        key_pkcs8: idevid.key_pkcs8_der.clone(),
        hw_model: "dpu".into(),
        os_name: "linux".into(),
        os_version: "6.1".into(),
    };
    let config = AgentConfig {
        identity,
        servers: Vec::new(),
        manufacturer_anchors: vec![Certificate::from_der(&pki.manufacturer_anchor_der()).unwrap()],
        server_anchors: Vec::new(),
        state_dir: dir.path().join("state"),
        install_command: None,
        config_command: None,
        ssh_dir: dir.path().to_owned(),
        allow_untrusted: true,
        nonce: NonceMode::Off,
        timeout: Duration::from_secs(1),
        step_timeout: Duration::from_secs(1),
        max_redirects: 10,
        storage_dirs: Vec::new(),
        discovery: None,
    };
    let report = completion_report(&config).unwrap();
    assert_eq!(report.ssh_host_keys.len(), 1);
    assert_eq!(report.ssh_host_keys[0].algorithm, "ssh-ed25519");
    assert_eq!(report.trust_anchor_certs.len(), 1);
    yanglint(Schema::ReportProgress, &report.encode(Encoding::Json), false).unwrap();
    yanglint(Schema::ReportProgress, &report.encode(Encoding::Xml), true).unwrap();

    let cms = dir.path().join("anchors.p7b");
    std::fs::write(&cms, &report.trust_anchor_certs[0]).unwrap();
    let out =
        Command::new("openssl").args(["pkcs7", "-inform", "DER", "-print_certs", "-noout", "-in"]).arg(&cms).output();
    let Ok(out) = out else {
        assert!(std::env::var_os("CI").is_none(), "openssl is required under CI");
        return;
    };
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(text.matches("subject=").count(), 2, "{text}");
    let root = Certificate::from_der(&pki.manufacturer_anchor_der()).unwrap();
    assert!(root.is_self_issued());
}
