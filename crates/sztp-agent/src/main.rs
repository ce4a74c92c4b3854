//! `sztp-agent` binary entry point; the real program is not built yet.

use std::process::ExitCode;

fn main() -> ExitCode {
    eprintln!("sztp-agent {}: not implemented yet (see README.md, status table)", env!("CARGO_PKG_VERSION"));
    ExitCode::from(2)
}
