//! Black-box tests of the DHCP option 143/136 and DNS record forms through the public API.

#![allow(clippy::unwrap_used)] // test helpers outside #[test] functions

use sztp_protocol::ProtocolError;
use sztp_protocol::dhcp::{
    self, BootstrapServerList, DhcpError, DhcpVersion, UriError, decode_v4, decode_v6, encode_v4_options,
    encode_v6_option,
};
use sztp_protocol::dns::{
    self, DnsConveyedArtifacts, DnsError, SrvRecord, decode_txt_records, encode_txt_records, order_srv_records,
};

fn example_list() -> BootstrapServerList {
    BootstrapServerList::parse(["https://sztp1.example.com:8443", "https://[2001:db8::1]"]).unwrap()
}

#[test]
fn rfc_digest_example_is_byte_exact_for_v4_and_v6() {
    let v4 = encode_v4_options(&example_list());
    assert_eq!(&v4[..6], &[0x8f, 0x37, 0x00, 0x1e, 0x68, 0x74]);
    assert!(v4.ends_with(b"\x00\x15https://[2001:db8::1]"));
    assert_eq!(v4.len(), 2 + 0x37);
    let v6 = encode_v6_option(&example_list()).unwrap();
    assert_eq!(&v6[..6], &[0x00, 0x88, 0x00, 0x37, 0x00, 0x1e]);
    assert_eq!(&v6[4..], &v4[2..]);
}

#[test]
fn a_device_reads_option_143_from_a_dhcp_options_field_split_by_rfc_3396() {
    let uris: Vec<String> = (0..12).map(|i| format!("https://bootstrap-{i}.sztp.example.net:{}", 8000 + i)).collect();
    let list = BootstrapServerList::parse(&uris).unwrap();
    assert!(list.encoded_len() > 255);
    let mut options = vec![53, 1, 5, 54, 4, 192, 0, 2, 1];
    options.extend(encode_v4_options(&list));
    options.extend_from_slice(&[51, 4, 0, 0, 14, 16, 255, 0, 0, 0]);
    let decoded = decode_v4(&options).unwrap();
    assert_eq!(decoded.servers, list);
    assert!(decoded.rejected.is_empty());
}

#[test]
fn invalid_uris_are_ignored_and_an_all_invalid_option_is_discarded() {
    let mut data = Vec::new();
    for uri in ["https://ok.example", "https://ok.example/path", "http://plain.example"] {
        data.extend_from_slice(&(uri.len() as u16).to_be_bytes());
        data.extend_from_slice(uri.as_bytes());
    }
    let mut option = vec![0, 136];
    option.extend_from_slice(&(data.len() as u16).to_be_bytes());
    option.extend_from_slice(&data);
    let decoded = decode_v6(&option).unwrap();
    assert_eq!(decoded.servers.len(), 1);
    let reasons: Vec<_> = decoded.rejected.iter().map(|r| (r.index, r.reason)).collect();
    assert_eq!(reasons, [(1, UriError::Path), (2, UriError::NotHttps)]);

    let only_bad = dhcp::decode_bootstrap_server_list(&data[20..]).unwrap_err();
    assert!(matches!(only_bad, DhcpError::NoValidUri { ref rejected } if rejected.len() == 2));
    let as_protocol: ProtocolError = only_bad.into();
    assert!(as_protocol.to_string().contains("no valid URI"));
}

#[test]
fn operator_snippets_carry_the_binary_list() {
    let isc = dhcp::isc_dhcpd_snippet(&example_list(), DhcpVersion::V4).unwrap();
    let value = isc.lines().find(|l| l.starts_with("option sztp-redirect 00")).unwrap();
    let value = value.trim_start_matches("option sztp-redirect ");
    assert_eq!(dhcp::parse_dhclient_lease_value(value).unwrap().servers, example_list());
    let kea = dhcp::kea_snippet(&example_list(), DhcpVersion::V6).unwrap();
    assert!(kea.contains("\"code\": 136") && kea.contains("\"csv-format\": false"));
}

#[test]
fn the_agent_reads_both_lease_file_styles() {
    let binary = format!(
        "lease {{\n  interface \"eth0\";\n  option sztp-redirect {};\n}}\n",
        dhcp::dhclient_colon_hex(&example_list().encode())
    );
    assert_eq!(dhcp::parse_dhclient_lease_file(&binary, "sztp-redirect").unwrap().servers, example_list());
    let opi = "lease {\n  option sztp-redirect-urls \"https://bootstrap:9090/restconf/operations/x\";\n}\n";
    match dhcp::parse_dhclient_lease_file(opi, "sztp-redirect-urls") {
        Err(DhcpError::NoValidUri { rejected }) => assert_eq!(rejected[0].reason, UriError::Path),
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn signed_artifacts_survive_zone_file_text_and_txt_wire_form() {
    let artifacts = DnsConveyedArtifacts::signed(
        (0..1500u32).map(|i| (i * 7 % 256) as u8).collect(),
        (0..900u32).map(|i| (i % 256) as u8).collect(),
        vec![b'"'; 400],
    );
    let owner = dns::device_specific_name("SN-1", "example.com").unwrap();
    let zone = dns::zone_file_txt(&owner, 3600, &artifacts).unwrap();
    assert!(zone.lines().filter(|l| !l.starts_with(';')).all(|l| l.is_ascii()));

    let records = encode_txt_records(&artifacts).unwrap();
    let from_zone: Vec<_> = zone
        .split(&format!("{owner}. 3600 IN TXT"))
        .skip(1)
        .map(|rdata| dns::parse_character_strings(rdata).unwrap())
        .collect();
    assert_eq!(from_zone, records);

    let over_the_wire: Vec<_> =
        records.iter().map(|r| dns::parse_txt_rdata(&dns::txt_rdata(r).unwrap()).unwrap()).collect();
    assert_eq!(decode_txt_records(&over_the_wire).unwrap(), artifacts);
}

#[test]
fn dns_errors_convert_into_protocol_errors() {
    let err: ProtocolError = decode_txt_records(&[vec![b"oc=x".to_vec(), b"ov=y".to_vec()]]).unwrap_err().into();
    assert!(matches!(err, ProtocolError::Dns(DnsError::MissingConveyedInformation)));
    assert!(matches!(dns::device_specific_mdns_name("a.b"), Err(DnsError::InvalidSerialNumber(_))));
}

#[test]
fn srv_records_become_an_ordered_server_list() {
    let records: Vec<SrvRecord> = ["10 60 443 b.example.com.", "0 0 8443 a.example.com.", "10 40 443 c.example.com."]
        .iter()
        .map(|t| t.parse().unwrap())
        .collect();
    assert_eq!(dns::device_independent_name("example.com").unwrap(), "_sztp._tcp.example.com");
    let order = order_srv_records(&records, |total| total);
    let hosts: Vec<&str> = order.iter().map(|(h, _)| h.as_str()).collect();
    assert_eq!(hosts, ["a.example.com", "c.example.com", "b.example.com"]);
    assert_eq!(order[0].1, 8443);
}
