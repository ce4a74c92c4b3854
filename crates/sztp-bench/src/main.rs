//! `sztp-bench`: the benchmark harness of issue #12. `run` prepares databases, starts
//! `sztp-server` as its own process, drives each row with `load` from another and prints the table.

mod load;
mod prepare;
mod report;
mod run;
mod server;
mod storm;
mod tls;

use clap::{Parser, Subcommand};

/// Benchmark harness for the sztp bootstrap server (RFC 8572).
#[derive(Debug, Parser)]
#[command(
    name = "sztp-bench",
    version,
    after_help = "Examples:\n  bench/run                          # release build, full table (about 10 minutes)\n  bench/run --quick --debug          # CI: debug build, a few seconds per row\n  sztp-bench load https://127.0.0.1:8443/health --ca Q/trust/server-ca.pem \\\n      --credentials Q --client-cert --devices 64 -c 64 --duration 5"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the whole benchmark: prepare, start servers, drive every row, print the table.
    Run(run::RunArgs),
    /// Drive load at one URL over HTTPS (keep-alive or a new connection per request) and report.
    Load(load::LoadArgs),
    /// Create a benchmark database directory (reused when already present with the same sizes).
    Prepare(prepare::PrepareArgs),
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("sztp-bench: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Run(args) => run::main(args).await,
            Command::Load(args) => load::main(args).await.map(|()| true),
            Command::Prepare(args) => prepare::prepare(&args).await.map(|_| true),
        }
    });
    match result {
        Ok(true) => std::process::ExitCode::SUCCESS,
        Ok(false) => std::process::ExitCode::FAILURE,
        Err(e) => {
            eprintln!("sztp-bench: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
