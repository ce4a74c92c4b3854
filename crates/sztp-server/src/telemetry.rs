//! Logging to stderr: `RUST_LOG` if set, else info (or debug/trace with -d/-dd).

use tracing_subscriber::EnvFilter;

/// Installs the global subscriber; later calls do nothing.
pub fn init(debug: u8) {
    let default = match debug {
        0 => "info",
        1 => "info,sztp_server=debug,sztp_store=debug",
        _ => "trace",
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
}
