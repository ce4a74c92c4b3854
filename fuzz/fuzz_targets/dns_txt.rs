//! DNS TXT: input is a sequence of (u16 length, TXT RDATA) records; accepted RRsets re-encode to the
//! same artifacts, RDATA re-serialises exactly, and zone-file quoting of every string parses back.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sztp_protocol::dns::{
    CharacterStrings, decode_txt_records, encode_txt_records, parse_character_strings, parse_txt_rdata,
    quote_character_string, txt_rdata,
};

fuzz_target!(|data: &[u8]| {
    let mut records: Vec<CharacterStrings> = Vec::new();
    let mut rest = data;
    while let [hi, lo, tail @ ..] = rest {
        let len = usize::from(u16::from_be_bytes([*hi, *lo])).min(tail.len());
        let (rdata, next) = tail.split_at(len);
        rest = next;
        if let Ok(strings) = parse_txt_rdata(rdata) {
            assert_eq!(txt_rdata(&strings).expect("parsed RDATA re-serialises"), rdata);
            for string in &strings {
                let quoted = quote_character_string(string);
                assert_eq!(parse_character_strings(&quoted).expect("quoted string parses"), vec![string.clone()]);
            }
            records.push(strings);
        }
    }
    let Ok(artifacts) = decode_txt_records(&records) else { return };
    let encoded = encode_txt_records(&artifacts).expect("decoded artifacts re-encode");
    assert_eq!(decode_txt_records(&encoded).expect("re-encoded records decode"), artifacts);
});
