//! `sztpctl` binary entry point; the operator CLI is not built yet.

use std::process::ExitCode;

fn main() -> ExitCode {
    eprintln!("sztpctl {}: not implemented yet (see README.md, status table)", env!("CARGO_PKG_VERSION"));
    ExitCode::from(2)
}
