//! Property-based round trips of the DNS forms.

use proptest::prelude::*;

use super::*;

fn value(max: usize) -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(any::<u8>(), 1..max)
}

fn artifacts() -> impl Strategy<Value = DnsConveyedArtifacts> {
    (value(1200), proptest::option::of((value(800), value(800)))).prop_map(|(ci, signed)| match signed {
        Some((oc, ov)) => DnsConveyedArtifacts::signed(ci, oc, ov),
        None => DnsConveyedArtifacts::unsigned(ci),
    })
}

fn records() -> impl Strategy<Value = Vec<CharacterStrings>> {
    let string = prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..300).prop_map(|mut s| {
            s.truncate(MAX_CHARACTER_STRING);
            s
        }),
        "(ci|oc|ov|CI|x)=[a-z]{0,4}".prop_map(String::into_bytes),
    ];
    proptest::collection::vec(proptest::collection::vec(string, 0..6), 0..4)
}

proptest! {
    #[test]
    fn txt_records_round_trip(artifacts in artifacts()) {
        let records = encode_txt_records(&artifacts).unwrap();
        prop_assert!(records.iter().flatten().all(|s| s.len() <= MAX_CHARACTER_STRING));
        prop_assert_eq!(decode_txt_records(&records).unwrap(), artifacts.clone());
        let wire: Vec<CharacterStrings> = records.iter().map(|r| parse_txt_rdata(&txt_rdata(r).unwrap()).unwrap()).collect();
        prop_assert_eq!(wire, records);
    }

    #[test]
    fn arbitrary_records_never_panic_and_accepted_ones_re_encode(records in records()) {
        if let Ok(artifacts) = decode_txt_records(&records) {
            prop_assert_eq!(decode_txt_records(&encode_txt_records(&artifacts).unwrap()).unwrap(), artifacts);
        }
    }

    #[test]
    fn quoted_character_strings_round_trip(strings in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..=255), 0..5)) {
        let text = strings.iter().map(|s| quote_character_string(s)).collect::<Vec<_>>().join(" ");
        prop_assert!(text.is_ascii());
        prop_assert_eq!(parse_character_strings(&text).unwrap(), strings);
    }

    #[test]
    fn arbitrary_text_and_rdata_never_panic(text in "\\PC{0,200}", rdata in proptest::collection::vec(any::<u8>(), 0..600)) {
        let _ = parse_character_strings(&text);
        let _ = text.parse::<SrvRecord>();
        let _ = validate_serial_label(&text);
        if let Ok(strings) = parse_txt_rdata(&rdata) {
            prop_assert_eq!(txt_rdata(&strings).unwrap(), rdata);
        }
    }

    #[test]
    fn srv_order_is_a_priority_sorted_permutation(
        fields in proptest::collection::vec((0u16..3, 0u16..5, any::<bool>()), 0..8),
        seed in any::<u64>(),
    ) {
        // Each record gets a unique host h<index>; unavailable ones use the root target.
        let records: Vec<SrvRecord> = fields
            .iter()
            .enumerate()
            .map(|(i, (p, w, up))| SrvRecord::new(*p, *w, 443, &if *up { format!("h{i}.example.") } else { ".".into() }).unwrap())
            .collect();
        let mut state = seed;
        let order = order_srv_records(&records, |total| {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            state % (total + 1)
        });
        let index_of = |host: &str| host.trim_start_matches('h').trim_end_matches(".example").parse::<usize>().unwrap();
        let mut seen: Vec<usize> = order.iter().map(|(h, _)| index_of(h)).collect();
        prop_assert!(seen.windows(2).all(|w| records[w[0]].priority <= records[w[1]].priority));
        seen.sort_unstable();
        let available: Vec<usize> = (0..records.len()).filter(|i| !records[*i].is_unavailable()).collect();
        prop_assert_eq!(seen, available);
    }
}
