//! DHCPv4 option 143: any options field the decoder accepts re-encodes (split per RFC 3396) to the same list.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sztp_protocol::dhcp::{
    OPTION_V4_SZTP_REDIRECT, V4_OPTION_MAX_DATA, decode_bootstrap_server_list, decode_v4, encode_v4_options,
};

fuzz_target!(|data: &[u8]| {
    let Ok(decoded) = decode_v4(data) else { return };
    let list = decoded.servers;

    let wire = encode_v4_options(&list);
    let mut offset = 0;
    while offset < wire.len() {
        assert_eq!(wire[offset], OPTION_V4_SZTP_REDIRECT);
        let len = usize::from(wire[offset + 1]);
        offset += 2 + len;
        assert!(len == V4_OPTION_MAX_DATA || offset == wire.len(), "only the last instance may be short");
    }
    let again = decode_v4(&wire).expect("re-encoded option 143 decodes");
    assert_eq!(again.servers, list);
    assert!(again.rejected.is_empty());

    let exact = decode_bootstrap_server_list(&list.encode()).expect("encoded list decodes");
    assert_eq!(exact.servers, list);
});
