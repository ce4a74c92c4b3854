//! Arguments of the profile, device and log commands.

use std::time::Duration;

use clap::Subcommand;

/// `sztpctl profile …`
#[derive(Debug, Subcommand)]
pub enum ProfileCommand {
    /// Save the global --server/--user/--password/--cacert under NAME.
    #[command(after_help = "Example:\n  \
        sztpctl --server https://sztp.example.net:8080 --cacert ca.pem --user root profile set default")]
    Set {
        /// Profile name.
        name: String,
    },
    /// List saved profiles (without passwords).
    List,
}

/// `sztpctl device …`
#[derive(Debug, Subcommand)]
pub enum DeviceCommand {
    /// All devices.
    List,
    /// Table: serial, type, stage, attempts, last seen, last error.
    Status,
    /// One device, as JSON.
    Show {
        /// Serial number.
        serial: String,
    },
    /// Add a device.
    #[command(after_help = "Example:\n  sztpctl device add SN-0100 --type demo-device --activation-code '…'")]
    Add {
        /// Serial number.
        serial: String,
        /// Its device type.
        #[arg(long = "type", value_name = "TYPE")]
        device_type: String,
        /// HTTP Basic password the device will use.
        #[arg(long)]
        activation_code: Option<String>,
    },
    /// Bulk import from CSV (a header line naming the columns: `serial,device-type`, then any of
    /// `activation-code`, `activation-code-hash` (an argon2 PHC string, in double quotes as it
    /// holds commas), `enabled`) or JSON (a list of device objects); sent in batches, failures
    /// listed by line. A progress bar is drawn on stderr when it is a terminal.
    #[command(after_help = "Examples:\n  \
        sztpctl device import devices.csv\n  \
        sztpctl --json device import devices.json --on-conflict replace --batch 1000")]
    Import {
        /// The file (`.csv` or `.json`), or `-` for CSV on stdin.
        file: String,
        /// What to do with serials that exist already.
        #[arg(long, value_parser = ["fail", "skip", "replace"], default_value = "fail")]
        on_conflict: String,
        /// Devices per request.
        #[arg(long, default_value_t = 5000, value_parser = clap::value_parser!(u64).range(1..=10000))]
        batch: u64,
    },
    /// Remove a device.
    Rm {
        /// Serial number.
        serial: String,
    },
}

/// `sztpctl log …`
#[derive(Debug, Subcommand)]
pub enum LogCommand {
    /// Southbound requests, newest first; with --follow, oldest first and new ones as they come.
    #[command(after_help = "Examples:\n  \
        sztpctl log bootstrap --device SN-0001 --limit 20\n  \
        sztpctl log bootstrap --follow                 # until Ctrl-C\n  \
        sztpctl --json log bootstrap -f --follow-for 600 --interval 0.5   # one JSON entry per line")]
    Bootstrap {
        /// Only this device.
        #[arg(long, value_name = "SN")]
        device: Option<String>,
        /// Most entries (with --follow: of the backlog printed first).
        #[arg(long, default_value_t = 100)]
        limit: u64,
        /// Keep polling and print new entries as they arrive, until interrupted.
        #[arg(long, short = 'f')]
        follow: bool,
        /// Seconds between polls while following.
        #[arg(long, value_name = "SECONDS", default_value = "2", value_parser = super::parse_seconds, requires = "follow")]
        interval: Duration,
        /// Stop following after SECONDS (default: never).
        #[arg(long, value_name = "SECONDS", value_parser = super::parse_seconds, requires = "follow")]
        follow_for: Option<Duration>,
    },
    /// Every API request, newest first.
    Audit {
        /// Most entries.
        #[arg(long, default_value_t = 100)]
        limit: u64,
    },
}
