//! `sztpctl dhcp encode|decode` and `--help`.

use crate::helpers::sztpctl;

const URIS: [&str; 2] = ["https://sztp1.example.com:8443", "https://[2001:db8::1]"];

#[test]
fn help_lists_the_commands() {
    let run = sztpctl(["--help"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    for word in ["dhcp", "cms", "--json", "Exit codes", "Examples"] {
        assert!(run.stdout.contains(word), "--help lacks {word}:\n{}", run.stdout);
    }
    let cms = sztpctl(["cms", "--help"]);
    assert!(cms.stdout.contains("inspect") && cms.stdout.contains("verify"), "{}", cms.stdout);
}

#[test]
fn encode_prints_the_interop_option_143_prefix_and_config_snippets() {
    let run = sztpctl(["dhcp", "encode", URIS[0], URIS[1]]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("8f 37 00 1e 68 74 74 70 73 3a 2f 2f"), "{}", run.stdout);
    assert!(run.stdout.contains("00 88 00 37 00 1e 68 74"), "{}", run.stdout);
    assert!(run.stdout.contains("option sztp-redirect code 143 = string;"));
    assert!(run.stdout.contains("option dhcp6.sztp-redirect code 136 = string;"));
    assert!(run.stdout.contains("\"space\": \"dhcp4\"") && run.stdout.contains("\"space\": \"dhcp6\""));
}

#[test]
fn encode_json_is_one_object_for_scripts() {
    let run = sztpctl(["--json", "dhcp", "encode", URIS[0], URIS[1]]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let v: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert!(v["dhcpv4"]["hex"].as_str().unwrap().starts_with("8f37001e68747470733a2f2f"));
    assert_eq!(v["dhcpv4"]["instances"], 1);
    assert!(v["dhcpv6"]["hex"].as_str().unwrap().starts_with("00880037001e"));
    assert_eq!(v["uris"], serde_json::json!(URIS));
    assert!(v["isc_dhcpd"]["v4"].as_str().unwrap().contains("code 143"));
    assert_eq!(v["kea"]["v6"]["code"], 136);
}

#[test]
fn a_long_list_is_split_into_several_option_143_instances() {
    let host: String = (0..239).map(|i| if (i + 1) % 60 == 0 { '.' } else { 'a' }).collect();
    let uri = format!("https://{host}");
    let run = sztpctl(["--json", "dhcp", "encode", &uri, &uri]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let v: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(v["dhcpv4"]["instances"], 2);
    let hex = v["dhcpv4"]["hex"].as_str().unwrap();
    let back = sztpctl(["dhcp", "decode", "--v4", hex]);
    assert_eq!(back.stdout, format!("{uri}\n{uri}\n"));
}

#[test]
fn invalid_uris_exit_2_with_the_reason() {
    for (uri, reason) in [
        ("http://sztp.example.com", "scheme is not https"),
        ("https://sztp.example.com/path", "a path is not allowed"),
        ("https://2001:db8::1", "IPv6 address not in brackets"),
    ] {
        let run = sztpctl(["dhcp", "encode", "https://ok.example.com", uri]);
        assert_eq!(run.code, 2, "{uri}: {}", run.stdout);
        assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
        assert!(run.stderr.contains(uri) && run.stderr.contains(reason), "{}", run.stderr);
        assert!(run.stdout.is_empty());
    }
    assert_eq!(sztpctl(["dhcp", "encode"]).code, 2);
}

#[test]
fn decode_round_trips_v4_v6_and_bare_lists() {
    let enc = sztpctl(["--json", "dhcp", "encode", URIS[0], URIS[1]]);
    let v: serde_json::Value = serde_json::from_str(&enc.stdout).unwrap();
    let expected = format!("{}\n{}\n", URIS[0], URIS[1]);
    for (flag, hex) in [("--v4", &v["dhcpv4"]["hex"]), ("--v6", &v["dhcpv6"]["hex"])] {
        let run = sztpctl(["dhcp", "decode", flag, hex.as_str().unwrap()]);
        assert_eq!((run.code, run.stdout.as_str()), (0, expected.as_str()), "{flag}: {}", run.stderr);
    }
    let isc = v["isc_dhcpd"]["v4"].as_str().unwrap();
    let lease_value = isc.lines().last().unwrap().trim_start_matches("option sztp-redirect ").trim_end_matches(';');
    let run = sztpctl(["--json", "dhcp", "decode", "--list", lease_value]);
    let decoded: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(decoded["uris"], serde_json::json!(URIS));
}

#[test]
fn decode_reports_ignored_entries_and_rejects_bad_input() {
    // One valid entry and one http:// entry that the client must ignore (RFC 8572 §8.3).
    let mut list = Vec::new();
    for uri in ["https://a.example", "http://b.example"] {
        list.extend((uri.len() as u16).to_be_bytes());
        list.extend(uri.as_bytes());
    }
    let hex: String = list.iter().map(|b| format!("{b:02x}")).collect();
    let run = sztpctl(["dhcp", "decode", "--list", &hex]);
    assert_eq!((run.code, run.stdout.as_str()), (0, "https://a.example\n"));
    assert!(run.stderr.contains("http://b.example") && run.stderr.contains("scheme is not https"), "{}", run.stderr);

    let bad = sztpctl(["dhcp", "decode", "--v4", "8f 10 00"]);
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("malformed"), "{}", bad.stderr);
    assert_eq!(sztpctl(["dhcp", "decode", "--v4", "xyz"]).code, 2);
    assert_eq!(sztpctl(["dhcp", "decode", "8f00"]).code, 2);
}

/// `sztpctl … | head` with the reader already gone: the status a SIGPIPE death gives, no panic.
#[test]
fn a_closed_stdout_ends_the_command_quietly() {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_sztpctl"))
        .args(["dhcp", "encode", URIS[0]])
        .stdout(writer)
        .stderr(std::process::Stdio::piped())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(141));
    assert!(out.stderr.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));
}
