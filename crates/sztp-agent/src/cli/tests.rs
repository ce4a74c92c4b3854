//! Flags refused before anything is read or contacted: bootstrap servers that are not HTTPS.

use clap::Parser;

use super::*;

fn parse(args: &[&str]) -> Command {
    Cli::try_parse_from([&["sztp-agent"], args].concat()).unwrap().command
}

/// The identity files do not exist: the URL is refused before they are read.
#[test]
fn a_plain_http_bootstrap_url_is_a_usage_error() {
    let run = ["run", "--serial", "SN-1", "--idevid-cert", "/nonexistent.pem", "--idevid-key", "/nonexistent.key"];
    let Command::Run(args) = parse(
        &[&run[..], &["--bootstrap-url", "https://a.example", "--bootstrap-url", "http://b.example:8080"]].concat(),
    ) else {
        panic!("not run")
    };
    let refused = args.config(PathBuf::from("/nonexistent")).unwrap_err();
    assert!(matches!(&refused, AgentError::Config(_)), "{refused:?}");
    let text = refused.to_string();
    assert!(text.contains("--bootstrap-url") && text.contains("\"http://b.example:8080\" refused"), "{text}");
    assert_eq!(exit_for(&Err(refused)), ExitCode::from(2));

    let Command::Run(args) = parse(&[&run[..], &["--bootstrap-url", "https://a.example"]].concat()) else {
        panic!("not run")
    };
    let other = args.config(PathBuf::from("/nonexistent")).unwrap_err();
    assert!(!other.to_string().contains("--bootstrap-url"), "an https URL passes: {other}");
}

#[test]
fn a_plain_http_simulator_server_is_a_usage_error() {
    let Command::Simulate(args) = parse(&["simulate", "--server", "http://127.0.0.1:8443", "--credentials", "/x"])
    else {
        panic!("not simulate")
    };
    let refused = args.config().unwrap_err();
    assert!(
        matches!(&refused, AgentError::Config(m) if m.starts_with("--server: ") && m.contains("https")),
        "{refused:?}"
    );
}
