//! Cross-module DHCP tests: the rfc-digest §1.11 example bytes and property-based round trips.

use std::net::{Ipv4Addr, Ipv6Addr};

use proptest::prelude::*;

use super::*;

/// `https://sztp1.example.com:8443` and `https://[2001:db8::1]` as option 143 (rfc-digest §1.11).
const EXAMPLE_V4: &str = "8f 37 00 1e 68 74 74 70 73 3a 2f 2f 73 7a 74 70 31 2e 65 78 61 6d 70 6c 65 2e 63 6f 6d \
                          3a 38 34 34 33 00 15 68 74 74 70 73 3a 2f 2f 5b 32 30 30 31 3a 64 62 38 3a 3a 31 5d";

fn hex(text: &str) -> Vec<u8> {
    text.split_whitespace().map(|b| u8::from_str_radix(b, 16).unwrap()).collect()
}

fn example() -> BootstrapServerList {
    BootstrapServerList::parse(["https://sztp1.example.com:8443", "https://[2001:db8::1]"]).unwrap()
}

#[test]
fn rfc_digest_v4_example_bytes_are_exact() {
    assert_eq!(encode_v4_options(&example()), hex(EXAMPLE_V4));
    let decoded = decode_v4(&hex(EXAMPLE_V4)).unwrap();
    assert_eq!(decoded.servers, example());
    assert!(decoded.rejected.is_empty());
}

#[test]
fn rfc_digest_v6_example_bytes_are_exact() {
    let mut expected = hex("00 88 00 37");
    expected.extend_from_slice(&hex(EXAMPLE_V4)[2..]);
    assert_eq!(encode_v6_option(&example()).unwrap(), expected);
    assert_eq!(decode_v6(&expected).unwrap().servers, example());
}

fn host() -> impl Strategy<Value = String> {
    prop_oneof![
        proptest::collection::vec("[a-z]([a-z0-9-]{0,12}[a-z0-9])?", 1..5).prop_map(|labels| labels.join(".")),
        any::<[u8; 4]>().prop_map(|o| Ipv4Addr::from(o).to_string()),
        any::<[u16; 8]>().prop_map(|s| format!("[{}]", Ipv6Addr::from(s))),
    ]
}

fn uri() -> impl Strategy<Value = String> {
    (host(), proptest::option::of(1..=u16::MAX)).prop_map(|(host, port)| match port {
        Some(port) => format!("https://{host}:{port}"),
        None => format!("https://{host}"),
    })
}

fn list(max: usize) -> impl Strategy<Value = BootstrapServerList> {
    proptest::collection::vec(uri(), 1..max).prop_map(|uris| BootstrapServerList::parse(uris).unwrap())
}

proptest! {
    #[test]
    fn bootstrap_server_list_round_trips(list in list(8)) {
        let decoded = decode_bootstrap_server_list(&list.encode()).unwrap();
        prop_assert_eq!(decoded.servers, list);
        prop_assert!(decoded.rejected.is_empty());
    }

    #[test]
    fn v4_round_trips_and_splits_at_255(list in list(40), pads in 0usize..4) {
        let wire = encode_v4_options(&list);
        let mut offset = 0;
        let mut instances = 0;
        while offset < wire.len() {
            prop_assert_eq!(wire[offset], OPTION_V4_SZTP_REDIRECT);
            let len = usize::from(wire[offset + 1]);
            offset += 2 + len;
            instances += 1;
            prop_assert!(len == V4_OPTION_MAX_DATA || offset == wire.len());
        }
        prop_assert_eq!(instances, list.encoded_len().div_ceil(V4_OPTION_MAX_DATA));
        let mut framed = vec![0u8; pads];
        framed.extend_from_slice(&[53, 1, 2]);
        framed.extend_from_slice(&wire);
        framed.push(255);
        prop_assert_eq!(decode_v4(&framed).unwrap().servers, list);
    }

    #[test]
    fn v6_round_trips(list in list(16)) {
        let wire = encode_v6_option(&list).unwrap();
        prop_assert_eq!(decode_v6(&wire).unwrap().servers, list);
    }

    #[test]
    fn dhclient_hex_and_octal_forms_round_trip(list in list(6)) {
        let data = list.encode();
        prop_assert_eq!(&parse_dhclient_lease_value(&dhclient_colon_hex(&data)).unwrap().servers, &list);
        let octal: String = data.iter().map(|b| format!("\\{b:03o}")).collect();
        prop_assert_eq!(&parse_dhclient_lease_value(&format!("\"{octal}\";")).unwrap().servers, &list);
        let text = list.iter().map(|u| u.as_str()).collect::<Vec<_>>().join(", ");
        prop_assert_eq!(&parse_dhclient_lease_value(&format!("\"{text}\"")).unwrap().servers, &list);
    }

    #[test]
    fn arbitrary_input_never_panics_and_accepted_lists_re_encode(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        if let Ok(decoded) = decode_v4(&bytes) {
            prop_assert_eq!(decode_v4(&encode_v4_options(&decoded.servers)).unwrap().servers, decoded.servers);
        }
        if let Ok(decoded) = decode_v6(&bytes) {
            prop_assert_eq!(decode_v6(&encode_v6_option(&decoded.servers).unwrap()).unwrap().servers, decoded.servers);
        }
        let _ = decode_bootstrap_server_list(&bytes);
        let _ = parse_dhclient_lease_value(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn arbitrary_text_never_panics_the_uri_parser(text in "\\PC{0,80}") {
        if let Ok(uri) = BootstrapServerUri::parse(&text) {
            prop_assert_eq!(uri.as_str(), text.as_str());
            prop_assert!(uri.port() != Some(0));
        }
    }
}
