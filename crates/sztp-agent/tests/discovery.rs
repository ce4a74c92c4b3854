//! Discovery end to end on loopback: fixture lease files and a storage directory, a fake DNS server
//! and mDNS responder, and a canned HTTP host-meta server; checks the RFC 8572 order of candidates,
//! de-duplication across sources, and the host-meta step a client runs on a chosen candidate.
#![allow(clippy::unwrap_used)]

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use sztp_agent::discovery::dns_wire::{self, CLASS_IN, Message, Record, RecordData, TYPE_A, TYPE_SRV, TYPE_TXT};
use sztp_agent::discovery::host_meta::RootDiscovery;
use sztp_agent::discovery::{
    CandidateKind, DhcpProtocol, DiscoveryConfig, DiscoveryError, DnsConfig, DnsRecordKind, LeaseFormat, LeaseSource,
    MdnsConfig, Source, discover, discover_with_report, resolve_restconf,
};
use sztp_protocol::dhcp::{BootstrapServerList, dhclient_colon_hex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, UdpSocket};

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/discovery")
}

fn record(name: &str, rtype: u16, data: RecordData) -> Record {
    Record { name: name.into(), rtype, class: CLASS_IN, ttl: 300, data }
}

fn srv(priority: u16, port: u16, target: &str) -> RecordData {
    RecordData::Srv { priority, weight: 0, port, target: target.into() }
}

/// A UDP DNS responder on loopback serving a fixed zone; unknown names get NXDOMAIN, or silence
/// when `silent_when_unknown` (how mDNS responders behave).
async fn fake_dns(zone: Vec<Record>, additionals: Vec<Record>, silent_when_unknown: bool) -> SocketAddr {
    let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let addr = socket.local_addr().unwrap();
    tokio::spawn(async move {
        let mut buf = vec![0u8; 65535];
        while let Ok((len, peer)) = socket.recv_from(&mut buf).await {
            let Ok(query) = dns_wire::parse_message(&buf[..len]) else { continue };
            let Some(question) = query.questions.first() else { continue };
            let answers: Vec<Record> = zone
                .iter()
                .filter(|r| r.rtype == question.qtype && r.name.eq_ignore_ascii_case(&question.name))
                .cloned()
                .collect();
            if answers.is_empty() && silent_when_unknown {
                continue;
            }
            let rcode = if answers.is_empty() { 3 } else { 0 };
            let extra = if answers.is_empty() { Vec::new() } else { additionals.clone() };
            let reply = Message {
                id: query.id,
                flags: 0x8180 | rcode,
                questions: query.questions.clone(),
                answers,
                authorities: Vec::new(),
                additionals: extra,
            };
            let _ = socket.send_to(&dns_wire::encode_message(&reply).unwrap(), peer).await;
        }
    });
    addr
}

/// A plain-HTTP/1.1 server answering every request with the given status line and body.
async fn canned_http(status: &'static str, content_type: &'static str, body: &'static str) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let mut request = Vec::new();
            let mut buf = [0u8; 1024];
            while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                match stream.read(&mut buf).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => request.extend_from_slice(&buf[..n]),
                }
            }
            let found = request.starts_with(b"GET /.well-known/host-meta HTTP/1.1\r\n");
            let (status, body) = if found { (status, body) } else { ("404 Not Found", "") };
            let response = format!(
                "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = stream.write_all(response.as_bytes()).await;
        }
    });
    addr
}

fn server_uri(kind: &CandidateKind) -> &str {
    match kind {
        CandidateKind::Server(server) => server.uri.as_str(),
        CandidateKind::Artifacts(_) => "artifacts",
    }
}

#[tokio::test]
async fn discover_orders_storage_configured_dhcp_then_dns_and_folds_duplicates() {
    let unicast = fake_dns(
        vec![
            record("SN-1._sztp.example.com", TYPE_TXT, RecordData::Txt(vec![b"ci=dns-conveyed-info".to_vec()])),
            record("_sztp._tcp.example.com", TYPE_SRV, srv(10, 443, "dns-only.example.com.")),
            record("_sztp._tcp.example.com", TYPE_SRV, srv(0, 8443, "sztp1.example.com.")),
        ],
        Vec::new(),
        false,
    )
    .await;
    let mdns = fake_dns(
        vec![record("_sztp._tcp.local", TYPE_SRV, srv(0, 8443, "sztp-box.local"))],
        vec![record("sztp-box.local", TYPE_A, RecordData::A([192, 0, 2, 99].into()))],
        true,
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let resolv_conf = dir.path().join("resolv.conf");
    std::fs::write(&resolv_conf, "# written by the test\nsearch example.com\nnameserver 192.0.2.1\n").unwrap();

    let config = DiscoveryConfig {
        serial_number: Some("SN-1".into()),
        storage_dirs: vec![fixtures().join("usb"), dir.path().join("no-usb-stick")],
        urls: vec!["https://sztp.example.net:8443/restconf".into(), "ftp://nope.example".into()],
        leases: vec![
            LeaseSource::new(LeaseFormat::Dhclient, fixtures().join("leases/dhclient.leases")),
            LeaseSource::new(LeaseFormat::Dhclient, fixtures().join("leases/dhclient6.leases")),
            LeaseSource::new(LeaseFormat::NetworkManager, fixtures().join("NetworkManager")),
            LeaseSource::new(LeaseFormat::Networkd, fixtures().join("networkd")),
            LeaseSource::new(LeaseFormat::Networkd, dir.path().join("no-networkd")),
        ],
        networkd_option_codes: vec![143, 224],
        dns: Some(DnsConfig {
            resolv_conf,
            nameservers: vec![unicast],
            timeout: Duration::from_secs(2),
            mdns: Some(MdnsConfig { groups: vec![mdns], wait: Duration::from_millis(200) }),
            ..DnsConfig::default()
        }),
        ..DiscoveryConfig::default()
    };

    let report = discover_with_report(&config).await;
    let summary: Vec<(String, &str)> =
        report.candidates.iter().map(|c| (c.source.to_string(), server_uri(&c.kind))).collect();
    let order: Vec<&str> = summary.iter().map(|(_, uri)| *uri).collect();
    assert_eq!(
        order,
        [
            "artifacts",                        // usb/SN-1 (per-device, signed)
            "artifacts",                        // usb (shared)
            "https://sztp.example.net:8443",    // configured #0 (networkd lists it too)
            "https://sztp1.example.com:8443",   // dhclient v4 (DNS SRV lists it too)
            "https://[2001:db8::1]",            // dhclient v4
            "https://sztp6.example.com:8443",   // dhclient v6
            "https://nm.example.org",           // NetworkManager dhclient backend
            "artifacts",                        // DNS TXT SN-1._sztp.example.com
            "https://sztp-box.local:8443",      // mDNS SRV
            "https://dns-only.example.com:443", // unicast SRV
        ],
        "{summary:#?}"
    );

    let c = &report.candidates;
    assert!(matches!(&c[0].source, Source::RemovableStorage { dir } if dir.ends_with("usb/SN-1")));
    assert!(
        matches!(&c[0].kind, CandidateKind::Artifacts(a) if a.owner_certificate.is_some() && a.ownership_voucher.is_some())
    );
    assert_eq!(c[2].source, Source::Configured { index: 0 });
    assert!(c[2].source.is_preconfigured() && !c[3].source.is_preconfigured());
    assert!(matches!(&c[2].kind, CandidateKind::Server(s) if s.restconf_root.as_deref() == Some("/restconf")));
    assert!(matches!(
        &c[2].also_from[..],
        [Source::Dhcp { format: LeaseFormat::Networkd, protocol: DhcpProtocol::V4, .. }]
    ));
    assert!(matches!(&c[3].also_from[..], [Source::Dns { record: DnsRecordKind::Srv, multicast: false, .. }]));
    assert!(matches!(&c[5].source, Source::Dhcp { protocol: DhcpProtocol::V6, .. }));
    assert!(
        matches!(&c[6].source, Source::Dhcp { format: LeaseFormat::NetworkManager, path, .. } if path.to_string_lossy().contains("dhclient-"))
    );
    assert!(
        matches!(&c[7].kind, CandidateKind::Artifacts(a) if a.conveyed_information == b"dns-conveyed-info" && a.owner_certificate.is_none())
    );
    assert!(
        matches!(&c[7].source, Source::Dns { record: DnsRecordKind::Txt, name, multicast: false } if name == "SN-1._sztp.example.com")
    );
    assert!(
        matches!(&c[8].kind, CandidateKind::Server(s) if s.addresses == ["192.0.2.99".parse::<std::net::IpAddr>().unwrap()])
    );
    assert!(matches!(&c[8].source, Source::Dns { multicast: true, .. }));

    assert_eq!(report.problems.len(), 1, "{:#?}", report.problems);
    assert!(matches!(&report.problems[0], DiscoveryError::ConfiguredUrl { index: 1, .. }));

    // `discover` is the same list without the report.
    assert_eq!(discover(&config).await.len(), report.candidates.len());
}

#[tokio::test]
async fn a_dhcp_candidate_leads_to_its_rpc_urls_through_host_meta() {
    let xrd = "<?xml version='1.0'?>\n<XRD xmlns='http://docs.oasis-open.org/ns/xri/xrd-1.0'>\n  \
               <Link rel='restconf' href='/sztp/restconf'/>\n</XRD>\n";
    let with_host_meta = canned_http("200 OK", "application/xrd+xml", xrd).await;
    let without_host_meta = canned_http("404 Not Found", "text/plain", "").await;
    let broken = canned_http("503 Service Unavailable", "text/plain", "").await;

    // A lease announcing the first server, as a DHCP server would (binary option 143 framing).
    let dir = tempfile::tempdir().unwrap();
    let list =
        BootstrapServerList::parse([format!("https://{with_host_meta}"), format!("https://{without_host_meta}")])
            .unwrap();
    let lease = format!(
        "lease {{\n  interface \"eth0\";\n  option sztp-redirect {};\n}}\n",
        dhclient_colon_hex(&list.encode())
    );
    std::fs::write(dir.path().join("dhclient.eth0.leases"), lease).unwrap();
    let config = DiscoveryConfig {
        leases: vec![LeaseSource::new(LeaseFormat::Dhclient, dir.path())],
        dns: None,
        ..DiscoveryConfig::default()
    };
    let candidates = discover(&config).await;
    assert_eq!(candidates.len(), 2);

    let client = reqwest::Client::builder().no_proxy().timeout(Duration::from_secs(5)).build().unwrap();
    let mut endpoints = Vec::new();
    for candidate in &candidates {
        let CandidateKind::Server(server) = &candidate.kind else { panic!("expected a server") };
        // The canned servers speak plain HTTP; a real client keeps https and its trust anchors.
        let base = server.base_url().replacen("https://", "http://", 1);
        endpoints.push(resolve_restconf(&client, &base).await.unwrap());
    }
    assert_eq!(endpoints[0].discovered, RootDiscovery::HostMeta);
    assert_eq!(
        endpoints[0].get_bootstrapping_data,
        format!("http://{with_host_meta}/sztp/restconf/operations/ietf-sztp-bootstrap-server:get-bootstrapping-data")
    );
    assert_eq!(
        endpoints[0].report_progress,
        format!("http://{with_host_meta}/sztp/restconf/operations/ietf-sztp-bootstrap-server:report-progress")
    );
    assert_eq!(endpoints[1].discovered, RootDiscovery::Fallback);
    assert_eq!(endpoints[1].root, "/restconf");

    assert!(resolve_restconf(&client, &format!("http://{broken}")).await.is_err());
    assert!(resolve_restconf(&client, "http://127.0.0.1:9/path").await.is_err());
}
