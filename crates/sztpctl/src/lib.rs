//! `sztpctl`, the operator CLI of sztp. This library holds the offline tools: RFC 8572 §8 DHCP
//! option encoding/decoding and RFC 8572 §3 / §5.4 CMS artifact inspection and verification.

mod cli;
mod dhcp;
mod error;
mod input;
mod inspect;
mod summary;
mod verify;

pub use cli::{Cli, CmsCommand, Command, DecodeArgs, DhcpCommand, EncodeArgs, InspectArgs, VerifyArgs};
pub use error::CtlError;

/// Runs one parsed command line, printing results on stdout.
pub fn run(cli: &Cli) -> Result<(), CtlError> {
    match &cli.command {
        Command::Dhcp(DhcpCommand::Encode(args)) => dhcp::encode(args, cli.json),
        Command::Dhcp(DhcpCommand::Decode(args)) => dhcp::decode(args, cli.json),
        Command::Cms(CmsCommand::Inspect(args)) => inspect::run(args, cli.json),
        Command::Cms(CmsCommand::Verify(args)) => verify::run(args, cli.json),
    }
}

/// Prints a value as pretty JSON on stdout.
fn print_json<T: serde::Serialize>(value: &T) -> Result<(), CtlError> {
    let text = serde_json::to_string_pretty(value).map_err(|e| CtlError::input(format!("JSON output: {e}")))?;
    println!("{text}");
    Ok(())
}
