//! Untrusted text the agent reads during discovery: host-meta documents (XRD or JRD, from any
//! server a DHCP answer names) and systemd-networkd lease files. Nothing may panic, and an
//! accepted host-meta link stays on the base URL's host.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sztp_agent::discovery::host_meta::parse_host_meta;
use sztp_agent::discovery::lease::parse_networkd_lease;

fuzz_target!(|data: &[u8]| {
    if let Ok(root) = parse_host_meta(data, "https://bootstrap.example:8443") {
        assert!(root.is_empty() || root.starts_with('/'), "a RESTCONF root is a path on the same host: {root:?}");
    }
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = parse_networkd_lease(text, &[143, 224]);
    }
});
