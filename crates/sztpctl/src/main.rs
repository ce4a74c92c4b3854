//! `sztpctl` binary entry point: parses the command line and maps errors to exit codes
//! (0 success, 1 verification failure, 2 bad input or arguments).

use std::process::ExitCode;

use clap::Parser;
use sztpctl::Cli;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match sztpctl::run(&cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("sztpctl: {}", e.one_line());
            ExitCode::from(e.exit_code())
        }
    }
}
