//! SIGHUP, SIGTERM and SIGINT map to the main loop's [`Signal`]s (its own test binary, since
//! it signals the whole process).

use std::process::Command;
use std::time::Duration;

use sztp_server::listen::{Signal, Signals};

fn send(signal: &str) {
    let status = Command::new("kill").args([&format!("-{signal}"), &std::process::id().to_string()]).status();
    assert!(status.expect("run kill").success(), "kill -{signal} failed");
}

#[tokio::test]
async fn hup_term_and_int_are_recognised() {
    let mut signals = Signals::new().expect("register handlers");
    for (name, expected) in [("HUP", Signal::Hangup), ("TERM", Signal::Terminate), ("INT", Signal::Terminate)] {
        send(name);
        let got = tokio::time::timeout(Duration::from_secs(10), signals.recv()).await.expect("signal not seen");
        assert_eq!(got, expected, "SIG{name}");
    }
    // The process survives a second hangup: the handler stays installed.
    send("HUP");
    assert_eq!(tokio::time::timeout(Duration::from_secs(10), signals.recv()).await.expect("signal"), Signal::Hangup);
}
