//! Command-line definitions (clap derive), one module per command group. Exit codes: 0 success,
//! 1 verification failure, 2 bad input, 3 refused by the server, 4 server unreachable.

mod api;
mod offline;
mod resources;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

pub use api::{DeviceCommand, LogCommand, ProfileCommand};
pub use offline::{CmsCommand, DecodeArgs, DhcpCommand, EncodeArgs, InspectArgs, VerifyArgs};
pub use resources::{
    ArtifactAddArgs, ArtifactCommand, ArtifactKind, KeyCommand, ResponseAddArgs, ResponseCommand, TrustCommand,
};

const EXAMPLES: &str = "\
Exit codes: 0 success, 1 verification failed, 2 bad input file or arguments,
3 refused by the server (its message on stderr), 4 server unreachable.

Examples:
  sztpctl dhcp encode https://sztp1.example.com:8443 'https://[2001:db8::1]'
  sztpctl cms inspect ownership-voucher.cms
  sztpctl cms verify --output gbd-output.json --anchor manufacturer-ca.pem --serial SN-0001
  sztpctl profile set lab --server http://127.0.0.1:8080 --user root --password '…'
  sztpctl device add SN-0100 --type demo-device --activation-code '…'
  sztpctl device import devices.csv --on-conflict skip
  sztpctl key generate owner-signer --algorithm ecdsa-p384
  sztpctl trust add manufacturer manufacturer-root.pem
  sztpctl artifact add image demoos-2.0.img
  sztpctl response add demo-2.0 --device-type demo-device --os-name DemoOS --os-version 2.0 \\
      --image-artifact demoos-2.0.img --config demo.cfg
  sztpctl log bootstrap --device SN-0001 --follow
  sztpctl get sztp-server:administrators
  sztpctl completions bash > /etc/bash_completion.d/sztpctl";

/// Operator CLI of sztp: the northbound API (devices, keys, trust anchors, artifacts,
/// responses, logs) and offline tools for RFC 8572 DHCP options and CMS artifacts.
#[derive(Debug, Parser)]
#[command(name = "sztpctl", version, after_help = EXAMPLES)]
pub struct Cli {
    /// Print machine-readable JSON on stdout instead of text.
    #[arg(long, global = true, help_heading = "Global options")]
    pub json: bool,
    /// Server base URL (overrides the profile).
    #[arg(long, global = true, help_heading = "Global options", env = "SZTPCTL_SERVER", value_name = "URL")]
    pub server: Option<String>,
    /// Administrator login (overrides the profile).
    #[arg(long, global = true, help_heading = "Global options", env = "SZTPCTL_USER")]
    pub user: Option<String>,
    /// Password (overrides the profile); prefer the environment variable.
    #[arg(long, global = true, help_heading = "Global options", env = "SZTPCTL_PASSWORD", hide_env_values = true)]
    pub password: Option<String>,
    /// CA certificate (PEM) for an HTTPS server.
    #[arg(long, global = true, help_heading = "Global options", value_name = "FILE")]
    pub cacert: Option<PathBuf>,
    /// Saved profile to use (see `sztpctl profile`).
    #[arg(long, global = true, help_heading = "Global options", env = "SZTPCTL_PROFILE", default_value = "default")]
    pub profile: String,
    /// Tenant the API commands act on.
    #[arg(long, global = true, help_heading = "Global options", env = "SZTPCTL_TENANT", default_value = "default")]
    pub tenant: String,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Top-level commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// RFC 8572 §8 DHCP options 143 (v4) and 136 (v6): encode URIs, decode option bytes.
    #[command(subcommand)]
    Dhcp(DhcpCommand),
    /// RFC 8572 §3 CMS artifacts: inspect them, or verify the §5.4 signed-data chain.
    #[command(subcommand)]
    Cms(CmsCommand),
    /// Saved connection profiles (server, user, password, CA), in a 0600 file.
    #[command(subcommand)]
    Profile(ProfileCommand),
    /// Devices: list, status table, show, add, remove, bulk import.
    #[command(subcommand)]
    Device(DeviceCommand),
    /// Keystore: generate, import, list and remove the tenant's key pairs.
    #[command(subcommand)]
    Key(KeyCommand),
    /// Truststore: bags of trust anchor certificates.
    #[command(subcommand)]
    Trust(TrustCommand),
    /// Artifacts: files (boot images, scripts, configurations) served to devices.
    #[command(subcommand)]
    Artifact(ArtifactCommand),
    /// Responses: the redirect or onboarding information devices receive, and which devices get it.
    #[command(subcommand)]
    Response(ResponseCommand),
    /// Logs, newest first (or followed as they grow).
    #[command(subcommand)]
    Log(LogCommand),
    /// Print a shell completion script on stdout.
    #[command(after_help = "Examples:\n  \
        sztpctl completions bash > /etc/bash_completion.d/sztpctl\n  \
        sztpctl completions zsh > \"${fpath[1]}/_sztpctl\"\n  \
        sztpctl completions fish > ~/.config/fish/completions/sztpctl.fish")]
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// RESTCONF GET of a data resource path (relative to /restconf/data/).
    Get {
        /// e.g. `sztp-server:administrators`.
        path: String,
    },
    /// RESTCONF PUT (create or replace) with a JSON body from FILE or `-`.
    Put {
        /// Resource path.
        path: String,
        /// Body file, or `-` for stdin.
        file: String,
    },
    /// RESTCONF POST (create) with a JSON body from FILE or `-`.
    Post {
        /// Parent resource path.
        path: String,
        /// Body file, or `-` for stdin.
        file: String,
    },
    /// RESTCONF PATCH (merge) with a JSON body from FILE or `-`.
    Patch {
        /// Resource path.
        path: String,
        /// Body file, or `-` for stdin.
        file: String,
    },
    /// RESTCONF DELETE.
    Delete {
        /// Resource path.
        path: String,
    },
}

/// Parses a positive number of seconds (fractions allowed), e.g. `2` or `0.5`.
pub(crate) fn parse_seconds(text: &str) -> Result<std::time::Duration, String> {
    let secs: f64 = text.parse().map_err(|_| format!("\"{text}\" is not a number of seconds"))?;
    if secs.is_nan() || secs <= 0.0 {
        return Err("the number of seconds must be positive".into());
    }
    std::time::Duration::try_from_secs_f64(secs).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn seconds_are_positive_numbers() {
        assert_eq!(parse_seconds("0.5"), Ok(std::time::Duration::from_millis(500)));
        assert!(parse_seconds("0").is_err());
        assert!(parse_seconds("-1").is_err());
        assert!(parse_seconds("NaN").is_err());
        assert!(parse_seconds("soon").is_err());
    }
}
