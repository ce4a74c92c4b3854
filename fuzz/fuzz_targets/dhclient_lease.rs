//! dhclient lease text: any value the parser accepts round-trips through the colon-hex and quoted forms.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sztp_protocol::dhcp::{
    BootstrapServerUri, dhclient_colon_hex, parse_dhclient_lease_file, parse_dhclient_lease_value,
};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = parse_dhclient_lease_file(text, "sztp-redirect");
    if let Ok(uri) = BootstrapServerUri::parse(text) {
        assert_eq!(uri.as_str(), text);
    }
    let Ok(decoded) = parse_dhclient_lease_value(text) else { return };
    let list = decoded.servers;

    let hex = dhclient_colon_hex(&list.encode());
    assert_eq!(parse_dhclient_lease_value(&hex).expect("hex form parses").servers, list);

    let urls = list.iter().map(|u| u.as_str()).collect::<Vec<_>>().join(",");
    let quoted = parse_dhclient_lease_value(&format!("\"{urls}\";")).expect("text form parses");
    assert_eq!(quoted.servers, list);
    assert!(quoted.rejected.is_empty());
});
