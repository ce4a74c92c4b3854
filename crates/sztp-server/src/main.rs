//! `sztp-server`: parse the command line, start the server (or the quickstart), serve until
//! SIGTERM/SIGINT. Any start-up failure is one line on stderr and exit status 1.

use clap::Parser;
use sztp_server::cli::{Cli, Command};
use sztp_server::quickstart::Quickstart;
use sztp_server::server::{Server, ServerOptions};
use sztp_store::OpenOptions;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    sztp_server::telemetry::init(cli.debug);
    match run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("sztp-server: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let open = OpenOptions {
        db_ca_cert: cli.db_cacert,
        db_client_cert: cli.db_cert,
        db_client_key: cli.db_key,
        ..OpenOptions::default()
    };
    let mut options = ServerOptions {
        database_url: cli.database_url,
        open,
        key_file: cli.key_file,
        default_addr: cli.default_addr,
        default_port: cli.default_port,
        log_retention_days: cli.log_retention_days,
        log_max_rows: cli.log_max_rows,
    };
    let mut demo = None;
    if let Some(Command::Quickstart { dir, devices, nbi_port, sbi_port, profile }) = cli.command {
        let quickstart = Quickstart { dir, devices, nbi_port, sbi_port, profile: profile.into() };
        let demo = demo.insert(quickstart);
        if demo.prepare().await? {
            eprintln!("sztp-server: created the quickstart demo in {}", demo.dir.display());
        }
        options.database_url = demo.database_url();
        options.key_file = Some(demo.dir.join("key"));
        eprintln!("sztp-server: see {} for how to bootstrap SN-0001 by hand", demo.dir.join("README.txt").display());
    }
    let server = Server::start(options).await?;
    let sbi = server.bound().into_iter().find(|(name, _)| name == "sbi");
    if let (Some(demo), Some((_, addr))) = (demo.as_mut().filter(|d| d.sbi_port == 0), sbi) {
        demo.retarget(server.app().store(), addr.port()).await?;
    }
    for (name, addr) in server.bound() {
        eprintln!("sztp-server: endpoint {name} listening on {addr}");
    }
    server.run(std::future::pending()).await?;
    Ok(())
}
