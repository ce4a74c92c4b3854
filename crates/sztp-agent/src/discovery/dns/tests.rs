#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::*;
use crate::discovery::dns_wire::{CLASS_IN, Question, Record};

fn record(name: &str, rtype: u16, data: RecordData) -> Record {
    Record { name: name.into(), rtype, class: CLASS_IN, ttl: 60, data }
}

fn reply(query: &Message, rcode: u16, answers: Vec<Record>, additionals: Vec<Record>) -> Message {
    Message {
        id: query.id,
        flags: 0x8180 | rcode,
        questions: query.questions.clone(),
        answers,
        authorities: Vec::new(),
        additionals,
    }
}

/// A UDP name server on loopback answering each query with the handler's messages.
async fn fake_udp<F>(handler: F) -> SocketAddr
where
    F: Fn(&Message) -> Vec<Message> + Send + 'static,
{
    let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let addr = socket.local_addr().unwrap();
    tokio::spawn(async move {
        let mut buf = vec![0u8; 65535];
        while let Ok((len, peer)) = socket.recv_from(&mut buf).await {
            let Ok(query) = dns_wire::parse_message(&buf[..len]) else { continue };
            for answer in handler(&query) {
                let _ = socket.send_to(&dns_wire::encode_message(&answer).unwrap(), peer).await;
            }
        }
    });
    addr
}

fn txt(name: &str, strings: &[&[u8]]) -> Record {
    record(name, TYPE_TXT, RecordData::Txt(strings.iter().map(|s| s.to_vec()).collect()))
}

fn resolver(servers: Vec<SocketAddr>) -> StubResolver {
    StubResolver::new(servers, Duration::from_millis(500), 1)
}

#[test]
fn resolv_conf_keeps_the_last_search_line_and_skips_scoped_addresses() {
    let conf = parse_resolv_conf(
        "# generated\nnameserver 192.0.2.53\nnameserver fe80::1%eth0\nnameserver 2001:db8::53 # v6\n\
         domain old.example\nsearch example.com. lab.example.com\noptions ndots:1 timeout:1 attempts:3\nbogus\n",
    );
    assert_eq!(conf.nameservers, ["192.0.2.53".parse::<IpAddr>().unwrap(), "2001:db8::53".parse().unwrap()]);
    assert_eq!(conf.search, ["example.com", "lab.example.com"]);
    assert_eq!((conf.timeout, conf.attempts), (Some(Duration::from_secs(1)), Some(3)));
    assert_eq!(parse_resolv_conf("\0junk\nnameserver\nsearch\n"), ResolvConf::default());
}

#[tokio::test]
async fn udp_answer_is_returned_and_spoofed_answers_are_ignored() {
    let server = fake_udp(|q| {
        let mut spoof = reply(q, 0, vec![txt("SN-1._sztp.example.com", &[b"ci=evil"])], vec![]);
        spoof.id = q.id.wrapping_add(1);
        let mut other_question = reply(q, 0, vec![], vec![]);
        other_question.questions[0].name = "other.example".into();
        let real = reply(q, 0, vec![txt("SN-1._sztp.example.com", &[b"ci=good"])], vec![]);
        vec![spoof, other_question, real]
    })
    .await;
    let message = resolver(vec![server]).query("SN-1._sztp.example.com", TYPE_TXT).await.unwrap();
    let artifacts = txt_candidate(&[message], "sn-1._SZTP.example.com").unwrap().unwrap();
    assert_eq!(artifacts.conveyed_information, b"good");
}

#[tokio::test]
async fn servfail_moves_on_to_the_next_server_and_nxdomain_is_final() {
    let asked = Arc::new(AtomicUsize::new(0));
    let counter = asked.clone();
    let failing = fake_udp(move |q| {
        counter.fetch_add(1, Ordering::SeqCst);
        vec![reply(q, 2, vec![], vec![])]
    })
    .await;
    let nx = fake_udp(|q| vec![reply(q, 3, vec![], vec![])]).await;
    let message = resolver(vec![failing, nx, failing]).query("x.example", TYPE_SRV).await.unwrap();
    assert_eq!(message.rcode(), 3);
    assert_eq!(asked.load(Ordering::SeqCst), 1);
    assert!(matches!(resolver(vec![failing]).query("x.example", TYPE_SRV).await, Err(DnsQueryError::Rcode(2))));
}

#[tokio::test]
async fn silent_server_times_out_and_the_next_one_answers() {
    let silent = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let answering = fake_udp(|q| vec![reply(q, 0, vec![], vec![])]).await;
    let quick = StubResolver::new(vec![silent.local_addr().unwrap(), answering], Duration::from_millis(100), 1);
    assert_eq!(quick.query("a.example", TYPE_TXT).await.unwrap().rcode(), 0);
    let only_silent = StubResolver::new(vec![silent.local_addr().unwrap()], Duration::from_millis(50), 2);
    assert!(matches!(only_silent.query("a.example", TYPE_TXT).await, Err(DnsQueryError::Timeout)));
    assert!(matches!(resolver(vec![]).query("a.example", TYPE_TXT).await, Err(DnsQueryError::NoNameServers)));
}

#[tokio::test]
async fn truncated_udp_answer_is_retried_over_tcp() {
    // Bind TCP first, then UDP on the same port number (retrying if that port is taken for UDP).
    let (listener, udp) = loop {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        if let Ok(udp) = UdpSocket::bind(listener.local_addr().unwrap()).await {
            break (listener, udp);
        }
    };
    let addr = listener.local_addr().unwrap();
    let big = vec![b'x'; 3000];
    let strings = records::encode_txt_records(&records::DnsConveyedArtifacts::unsigned(big.clone())).unwrap();
    let answer = move |q: &Message| {
        let records = strings.iter().map(|s| record(&q.questions[0].name, TYPE_TXT, RecordData::Txt(s.clone())));
        reply(q, 0, records.collect(), vec![])
    };
    let tcp_answer = answer.clone();
    tokio::spawn(async move {
        let mut buf = vec![0u8; 2048];
        while let Ok((len, peer)) = udp.recv_from(&mut buf).await {
            let query = dns_wire::parse_message(&buf[..len]).unwrap();
            let mut truncated = reply(&query, 0, vec![], vec![]);
            truncated.flags |= 0x0200;
            let _ = udp.send_to(&dns_wire::encode_message(&truncated).unwrap(), peer).await;
        }
    });
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let len = usize::from(stream.read_u16().await.unwrap());
            let mut buf = vec![0u8; len];
            stream.read_exact(&mut buf).await.unwrap();
            let query = dns_wire::parse_message(&buf).unwrap();
            let wire = dns_wire::encode_message(&tcp_answer(&query)).unwrap();
            stream.write_all(&(wire.len() as u16).to_be_bytes()).await.unwrap();
            stream.write_all(&wire).await.unwrap();
        }
    });
    let message = resolver(vec![addr]).query("SN-9._sztp.example.com", TYPE_TXT).await.unwrap();
    assert!(!message.is_truncated());
    let artifacts = txt_candidate(&[message], "SN-9._sztp.example.com").unwrap().unwrap();
    assert_eq!(artifacts.conveyed_information, big);
}

#[test]
fn srv_answers_follow_cnames_priority_and_carry_addresses() {
    let query = Message {
        id: 7,
        flags: 0,
        questions: vec![Question { name: "_sztp._tcp.example.com".into(), qtype: TYPE_SRV, qclass: CLASS_IN }],
        answers: vec![],
        authorities: vec![],
        additionals: vec![],
    };
    let srv = |prio, port, target: &str| RecordData::Srv { priority: prio, weight: 0, port, target: target.into() };
    let message = reply(
        &query,
        0,
        vec![
            record("_sztp._tcp.example.com", TYPE_CNAME, RecordData::Cname("_sztp._tcp.lab.example.com".into())),
            record("_sztp._tcp.lab.example.com", TYPE_SRV, srv(20, 443, "backup.example.com")),
            record("_SZTP._tcp.lab.example.com", TYPE_SRV, srv(10, 8443, "sztp1.example.com")),
            record("_sztp._tcp.lab.example.com", TYPE_SRV, srv(5, 0, "")),
            record("_sztp._tcp.elsewhere.example", TYPE_SRV, srv(0, 1, "evil.example")),
        ],
        vec![
            record("sztp1.example.com", TYPE_A, RecordData::A([192, 0, 2, 10].into())),
            record("SZTP1.example.com", TYPE_AAAA, RecordData::Aaaa("2001:db8::10".parse().unwrap())),
        ],
    );
    let servers = srv_candidates(&[message], "_sztp._tcp.example.com", |_| 0);
    let uris: Vec<_> = servers.iter().map(|s| s.uri.as_str()).collect();
    assert_eq!(uris, ["https://sztp1.example.com:8443", "https://backup.example.com:443"]);
    assert_eq!(servers[0].addresses.len(), 2);
    assert!(servers[1].addresses.is_empty());
}

#[test]
fn txt_without_sztp_keys_is_no_candidate_and_bad_keys_are_errors() {
    let query =
        Message { id: 1, flags: 0, questions: vec![], answers: vec![], authorities: vec![], additionals: vec![] };
    let other = reply(&query, 0, vec![txt("n", &[b"v=spf1 -all"])], vec![]);
    assert!(txt_candidate(std::slice::from_ref(&other), "n").unwrap().is_none());
    assert!(txt_candidate(&[other], "other").unwrap().is_none());
    let unpaired = reply(&query, 0, vec![txt("n", &[b"ci=a", b"oc=b"])], vec![]);
    assert!(matches!(txt_candidate(&[unpaired], "n"), Err(DnsQueryError::Records(_))));
}

#[tokio::test]
async fn mdns_one_shot_query_collects_unicast_answers_for_the_window() {
    let responder = fake_udp(|q| {
        let name = q.questions[0].name.clone();
        let mut flush = record(&name, TYPE_TXT, RecordData::Txt(vec![b"ci=from-mdns".to_vec()]));
        flush.class |= 0x8000;
        vec![reply(q, 0, vec![flush], vec![]), reply(q, 5, vec![], vec![])]
    })
    .await;
    let config = MdnsConfig { groups: vec![responder], wait: Duration::from_millis(200) };
    let messages = mdns_query(&config, "SN-1._sztp.local", TYPE_TXT).await.unwrap();
    assert_eq!(messages.len(), 1, "the REFUSED answer is dropped");
    let artifacts = txt_candidate(&messages, "SN-1._sztp.local").unwrap().unwrap();
    assert_eq!(artifacts.conveyed_information, b"from-mdns");
    let nowhere = MdnsConfig { groups: vec![], wait: Duration::from_millis(10) };
    assert!(mdns_query(&nowhere, "x.local", TYPE_TXT).await.is_err());
}
