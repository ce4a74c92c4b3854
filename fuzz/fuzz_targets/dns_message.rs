//! DNS messages (the agent's stub resolver and mDNS answers): whatever the parser accepts, name
//! compression included, re-encodes uncompressed to octets that parse back to the same message.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sztp_agent::discovery::dns_wire::{encode_message, parse_message};

fuzz_target!(|data: &[u8]| {
    let Ok(message) = parse_message(data) else { return };
    // Decompressed names can push a message past 65535 octets; such a message has no wire form.
    let Ok(wire) = encode_message(&message) else { return };
    assert_eq!(parse_message(&wire).expect("re-encoded message parses"), message);
});
