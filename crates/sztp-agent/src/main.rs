//! `sztp-agent`: the device side of RFC 8572 (see `sztp-agent --help`).

use std::process::ExitCode;

use clap::Parser;
use sztp_agent::cli::{Cli, main as run};

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let default = if cli.debug { "sztp_agent=debug" } else { "sztp_agent=warn" };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).init();
    run(cli).await
}
