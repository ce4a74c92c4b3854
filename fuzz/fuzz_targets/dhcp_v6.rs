//! DHCPv6 option 136: any options area the decoder accepts re-encodes to the same list.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sztp_protocol::dhcp::{BootstrapServerUri, decode_v6, encode_v6_option};

fuzz_target!(|data: &[u8]| {
    let Ok(decoded) = decode_v6(data) else { return };
    let list = decoded.servers;
    for uri in &list {
        let rebuilt = BootstrapServerUri::from_parts(&uri.host().to_string(), uri.port()).expect("parts re-validate");
        assert_eq!((rebuilt.host(), rebuilt.port()), (uri.host(), uri.port()));
    }
    // The accepted URIs came from one option of at most 65535 octets, so they fit again.
    let wire = encode_v6_option(&list).expect("a decoded list fits option 136");
    let again = decode_v6(&wire).expect("re-encoded option 136 decodes");
    assert_eq!(again.servers, list);
    assert!(again.rejected.is_empty());
});
