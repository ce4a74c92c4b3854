//! `sztpctl`, the operator CLI of sztp: commands over the northbound RESTCONF API, and offline
//! tools for RFC 8572 §8 DHCP options and §3 / §5.4 CMS artifact inspection and verification.

/// `println!` that ends the process when stdout has gone (`… | head`), with the status a
/// SIGPIPE death gives (141), instead of panicking on the broken pipe.
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        if let Err(e) = writeln!(std::io::stdout().lock(), $($arg)*) {
            if e.kind() == std::io::ErrorKind::BrokenPipe {
                std::process::exit(141);
            }
        }
    }};
}

pub mod api;
mod cli;
mod dhcp;
mod error;
mod input;
mod inspect;
mod summary;
mod verify;

pub use cli::{
    ArtifactAddArgs, ArtifactCommand, ArtifactKind, Cli, CmsCommand, Command, DecodeArgs, DeviceCommand, DhcpCommand,
    EncodeArgs, InspectArgs, KeyCommand, LogCommand, ProfileCommand, ResponseAddArgs, ResponseCommand, TrustCommand,
    VerifyArgs,
};
pub use error::CtlError;

/// Runs one parsed command line, printing results on stdout.
pub fn run(cli: &Cli) -> Result<(), CtlError> {
    match &cli.command {
        Command::Dhcp(DhcpCommand::Encode(args)) => dhcp::encode(args, cli.json),
        Command::Dhcp(DhcpCommand::Decode(args)) => dhcp::decode(args, cli.json),
        Command::Cms(CmsCommand::Inspect(args)) => inspect::run(args, cli.json),
        Command::Cms(CmsCommand::Verify(args)) => verify::run(args, cli.json),
        Command::Profile(ProfileCommand::Set { name }) => api::commands::profile_set(name, flags_profile(cli)),
        Command::Profile(ProfileCommand::List) => api::commands::profile_list(cli.json),
        Command::Device(d) => {
            let c = client(cli)?;
            let t = &cli.tenant;
            match d {
                DeviceCommand::List | DeviceCommand::Status => api::commands::device_list(&c, t, cli.json),
                DeviceCommand::Show { serial } => api::commands::device_show(&c, t, serial),
                DeviceCommand::Add { serial, device_type, activation_code } => {
                    api::commands::device_add(&c, t, serial, device_type, activation_code.as_deref())
                }
                DeviceCommand::Rm { serial } => api::commands::device_rm(&c, t, serial),
                DeviceCommand::Import { file, on_conflict, batch } => {
                    api::import::run(&c, t, file, on_conflict, *batch as usize, cli.json)
                }
            }
        }
        Command::Key(k) => api::keys::run(&client(cli)?, &cli.tenant, k, cli.json),
        Command::Trust(t) => api::trust::run(&client(cli)?, &cli.tenant, t, cli.json),
        Command::Artifact(ArtifactCommand::Add(args)) if !args.uris.is_empty() => {
            // Describes an image hosted elsewhere: no server needed.
            api::artifacts::hosted(args, cli.json)
        }
        Command::Artifact(a) => api::artifacts::run(&client(cli)?, &cli.tenant, a, cli.json),
        Command::Response(r) => api::responses::run(&client(cli)?, &cli.tenant, r, cli.json),
        Command::Log(l) => api::logs::run(&client(cli)?, &cli.tenant, l, cli.json),
        Command::Completions { shell } => {
            let mut command = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(*shell, &mut command, "sztpctl", &mut std::io::stdout());
            Ok(())
        }
        Command::Get { path } => api::commands::raw(&client(cli)?, reqwest::Method::GET, path, None),
        Command::Delete { path } => api::commands::raw(&client(cli)?, reqwest::Method::DELETE, path, None),
        Command::Put { path, file } => {
            api::commands::raw(&client(cli)?, reqwest::Method::PUT, path, Some(api::commands::read_body(file)?))
        }
        Command::Post { path, file } => {
            api::commands::raw(&client(cli)?, reqwest::Method::POST, path, Some(api::commands::read_body(file)?))
        }
        Command::Patch { path, file } => {
            api::commands::raw(&client(cli)?, reqwest::Method::PATCH, path, Some(api::commands::read_body(file)?))
        }
    }
}

/// The profile the global flags describe (for `profile set`).
fn flags_profile(cli: &Cli) -> api::Profile {
    api::Profile {
        server: cli.server.clone().unwrap_or_default(),
        user: cli.user.clone(),
        password: cli.password.clone(),
        cacert: cli.cacert.clone(),
    }
}

/// The saved profile, overridden by flags and environment.
fn client(cli: &Cli) -> Result<api::Client, CtlError> {
    let mut profile = api::load_profiles()?.remove(&cli.profile).unwrap_or_default();
    if let Some(s) = &cli.server {
        profile.server = s.clone();
    }
    if cli.user.is_some() {
        profile.user = cli.user.clone();
    }
    if cli.password.is_some() {
        profile.password = cli.password.clone();
    }
    if cli.cacert.is_some() {
        profile.cacert = cli.cacert.clone();
    }
    api::Client::new(profile)
}

/// Prints a value as pretty JSON on stdout.
fn print_json<T: serde::Serialize>(value: &T) -> Result<(), CtlError> {
    let text = serde_json::to_string_pretty(value).map_err(|e| CtlError::input(format!("JSON output: {e}")))?;
    outln!("{text}");
    Ok(())
}
