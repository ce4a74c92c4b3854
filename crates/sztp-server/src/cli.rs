//! Command line of `sztp-server`: the database URL and what is needed to reach it; everything
//! else lives in the database.

use std::net::IpAddr;
use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// Secure Zero Touch Provisioning (RFC 8572) bootstrap server.
///
/// All configuration lives in the database; flags only say how to reach it.
#[derive(Debug, Parser)]
#[command(
    name = "sztp-server",
    version,
    after_help = "Examples:\n  sztp-server                         # SQLite file ./sztp.db, created if absent\n  sztp-server sqlite::memory:          # throw-away run\n  sztp-server sqlite:///var/lib/sztp/sztp.db --key-file /etc/sztp/key\n  sztp-server quickstart               # demo in ./sztp-quickstart, then serve it\n\nEnvironment:\n  SZTP_DEFAULT_ADDR, SZTP_DEFAULT_PORT  first endpoint of a fresh database (127.0.0.1:8080)\n  SZTP_KEY_FILE                         key-encryption key file\n  RUST_LOG                              log filter (overrides -d)"
)]
pub struct Cli {
    /// Database URL: sqlite://PATH, sqlite::memory:, postgres://…, mysql://…
    #[arg(value_name = "DATABASE_URL", default_value = "sqlite://sztp.db")]
    pub database_url: String,

    /// CA certificate (PEM) to verify the database server's TLS certificate.
    #[arg(long, value_name = "FILE", global = true)]
    pub db_cacert: Option<PathBuf>,
    /// Client certificate (PEM) for TLS to the database.
    #[arg(long, value_name = "FILE", global = true)]
    pub db_cert: Option<PathBuf>,
    /// Client key (PEM) for TLS to the database.
    #[arg(long, value_name = "FILE", global = true)]
    pub db_key: Option<PathBuf>,
    /// Key-encryption key for private keys at rest; created if absent (default: `key` next to
    /// the SQLite file).
    #[arg(long, value_name = "FILE", env = "SZTP_KEY_FILE", global = true)]
    pub key_file: Option<PathBuf>,
    /// Days the bootstrapping log, progress reports, audit log and delivered events are kept;
    /// older records are pruned in the background (0: keep everything).
    #[arg(long, value_name = "DAYS", env = "SZTP_LOG_RETENTION_DAYS", default_value_t = 90, global = true)]
    pub log_retention_days: u32,
    /// Most rows kept in each of the bootstrapping log, progress reports, audit log and delivered
    /// events; beyond it the oldest are pruned in the background (0: no budget).
    #[arg(long, value_name = "ROWS", env = "SZTP_LOG_MAX_ROWS", default_value_t = crate::retention::DEFAULT_MAX_ROWS, global = true)]
    pub log_max_rows: u64,
    /// More logging; repeat for more (-d: debug, -dd: trace).
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub debug: u8,
    /// Address of the first endpoint a fresh database opens.
    #[arg(long, env = "SZTP_DEFAULT_ADDR", default_value = "127.0.0.1", hide = true)]
    pub default_addr: IpAddr,
    /// Port of the first endpoint a fresh database opens.
    #[arg(long, env = "SZTP_DEFAULT_PORT", default_value_t = 8080, hide = true)]
    pub default_port: u16,

    /// What to do (default: serve).
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a complete demo (PKI, devices, vouchers, HTTPS endpoint) if absent, then serve it.
    Quickstart {
        /// Demo directory.
        #[arg(long, default_value = "sztp-quickstart")]
        dir: PathBuf,
        /// Number of demo devices (SN-0001 …).
        #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=100_000))]
        devices: u32,
        /// Northbound (operator API, plain HTTP on 127.0.0.1) port.
        #[arg(long, default_value_t = 8080)]
        nbi_port: u16,
        /// Southbound (devices, HTTPS on 127.0.0.1) port; 0 picks a free one.
        #[arg(long, default_value_t = 8443)]
        sbi_port: u16,
        /// Compatibility profile of the demo devices (when the demo is created).
        #[arg(long, value_enum, default_value_t = Profile::Rfc8572)]
        profile: Profile,
    },
}

/// Compatibility profiles, as named on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Profile {
    /// Plain RFC 8572.
    Rfc8572,
    /// The OPI sztp-agent: unsigned conveyed information only.
    OpiAgent,
    /// Cisco IOS-XE: signed JSON, RSA server certificate, SHA-1 device chains accepted.
    CiscoIosxe,
}

impl From<Profile> for sztp_store::CompatProfile {
    fn from(p: Profile) -> Self {
        match p {
            Profile::Rfc8572 => sztp_store::CompatProfile::Rfc8572,
            Profile::OpiAgent => sztp_store::CompatProfile::OpiAgent,
            Profile::CiscoIosxe => sztp_store::CompatProfile::CiscoIosXe,
        }
    }
}
