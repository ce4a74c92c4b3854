//! Command-line definitions (clap derive). Exit codes: 0 success, 1 verification failure,
//! 2 bad input file or arguments; failures print one line on stderr.

use std::path::PathBuf;

use clap::{ArgGroup, Args, Parser, Subcommand};

const EXAMPLES: &str = "\
Exit codes: 0 success, 1 verification failed, 2 bad input file or arguments,
3 refused by the server (its message on stderr), 4 server unreachable.

Examples:
  sztpctl dhcp encode https://sztp1.example.com:8443 'https://[2001:db8::1]'
  sztpctl dhcp decode --v4 '8f 37 00 1e 68 74 74 70 73 3a 2f 2f ...'
  sztpctl cms inspect ownership-voucher.cms
  sztpctl --json cms inspect get-bootstrapping-data-output.json
  sztpctl cms verify --output gbd-output.json --anchor manufacturer-ca.pem --serial SN-0001
  sztpctl profile set lab --server http://127.0.0.1:8080 --user root --password '…'
  sztpctl device add SN-0100 --type demo-device --activation-code '…'
  sztpctl device status
  sztpctl log bootstrap --device SN-0001
  sztpctl get sztp-server:administrators";

/// Operator CLI of sztp: offline tools for RFC 8572 DHCP options and CMS artifacts.
#[derive(Debug, Parser)]
#[command(name = "sztpctl", version, after_help = EXAMPLES)]
pub struct Cli {
    /// Print machine-readable JSON on stdout instead of text.
    #[arg(long, global = true)]
    pub json: bool,
    /// Server base URL (overrides the profile).
    #[arg(long, global = true, env = "SZTPCTL_SERVER", value_name = "URL")]
    pub server: Option<String>,
    /// Administrator login (overrides the profile).
    #[arg(long, global = true, env = "SZTPCTL_USER")]
    pub user: Option<String>,
    /// Password (overrides the profile); prefer the environment variable.
    #[arg(long, global = true, env = "SZTPCTL_PASSWORD", hide_env_values = true)]
    pub password: Option<String>,
    /// CA certificate (PEM) for an HTTPS server.
    #[arg(long, global = true, value_name = "FILE")]
    pub cacert: Option<PathBuf>,
    /// Saved profile to use (see `sztpctl profile`).
    #[arg(long, global = true, env = "SZTPCTL_PROFILE", default_value = "default")]
    pub profile: String,
    /// Tenant the device and log commands act on.
    #[arg(long, global = true, default_value = "default")]
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
    /// Devices: list, status table, show, add, remove.
    #[command(subcommand)]
    Device(DeviceCommand),
    /// Logs, newest first.
    #[command(subcommand)]
    Log(LogCommand),
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

/// `sztpctl profile …`
#[derive(Debug, Subcommand)]
pub enum ProfileCommand {
    /// Save the global --server/--user/--password/--cacert under NAME.
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
    /// Bulk import from CSV (`serial,device-type[,activation-code[,enabled]]`, header line
    /// first) or JSON (a list of device objects); sent in batches, failures listed by line.
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
    /// Southbound requests.
    Bootstrap {
        /// Only this device.
        #[arg(long)]
        device: Option<String>,
        /// Most entries.
        #[arg(long, default_value_t = 100)]
        limit: u64,
    },
    /// Every API request.
    Audit {
        /// Most entries.
        #[arg(long, default_value_t = 100)]
        limit: u64,
    },
}

/// `sztpctl dhcp …`
#[derive(Debug, Subcommand)]
pub enum DhcpCommand {
    /// Encode bootstrap server URIs as option 143/136 hex plus ISC dhcpd and Kea snippets.
    #[command(after_help = "Example:\n  sztpctl dhcp encode https://sztp1.example.com:8443 'https://[2001:db8::1]'")]
    Encode(EncodeArgs),
    /// Decode option 143/136 (or a bare bootstrap-server-list) from hex and print the URIs.
    #[command(after_help = "Hex may contain spaces or colons.\n\nExamples:\n  \
        sztpctl dhcp decode --v4 8f37001e...\n  sztpctl dhcp decode --v6 '00 88 00 37 00 1e ...'\n  \
        sztpctl dhcp decode --list 00:1e:68:74:...   # value from a dhclient lease file")]
    Decode(DecodeArgs),
}

/// Arguments of `dhcp encode`.
#[derive(Debug, Args)]
pub struct EncodeArgs {
    /// Bootstrap server URIs, each `https://<host>[:<port>]` with no path (RFC 8572 §8.3).
    #[arg(required = true, value_name = "URL")]
    pub urls: Vec<String>,
}

/// Arguments of `dhcp decode`.
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("format").required(true).args(["v4", "v6", "list"])))]
pub struct DecodeArgs {
    /// HEX holds DHCPv4 options (code 143 instances are concatenated per RFC 3396).
    #[arg(long)]
    pub v4: bool,
    /// HEX holds DHCPv6 options (code 136).
    #[arg(long)]
    pub v6: bool,
    /// HEX is a bare bootstrap-server-list (no option code or length).
    #[arg(long)]
    pub list: bool,
    /// The octets, as hex.
    #[arg(value_name = "HEX")]
    pub hex: String,
}

/// `sztpctl cms …`
#[derive(Debug, Subcommand)]
pub enum CmsCommand {
    /// Show what a CMS artifact (DER, PEM or base64) or a get-bootstrapping-data output holds.
    #[command(after_help = "Examples:\n  sztpctl cms inspect conveyed-information.cms\n  \
        sztpctl --json cms inspect gbd-output.xml\n  \
        sztpctl cms inspect encrypted.cms --idevid idevid.pem --key idevid.key")]
    Inspect(InspectArgs),
    /// Run the RFC 8572 §5.4 checks (voucher → owner certificate → conveyed information).
    #[command(
        after_help = "Examples:\n  sztpctl cms verify --conveyed-information ci.cms --owner-certificate oc.cms \\\n      \
        --ownership-voucher ov.cms --anchor manufacturer-ca.pem --serial SN-0001\n  \
        sztpctl cms verify --output gbd-output.json --anchor manufacturer-ca.pem --serial SN-0001 \\\n      \
        --idevid idevid.pem --key idevid.key"
    )]
    Verify(VerifyArgs),
}

/// Arguments of `cms inspect`.
#[derive(Debug, Args)]
pub struct InspectArgs {
    /// The artifact: DER, PEM or base64 CMS, or a get-bootstrapping-data output (JSON or XML).
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Device certificate (PEM or DER) that EnvelopedData is encrypted to.
    #[arg(long, value_name = "FILE", requires = "key")]
    pub idevid: Option<PathBuf>,
    /// Device private key (PKCS#8, PEM or DER) to decrypt EnvelopedData with.
    #[arg(long, value_name = "FILE", requires = "idevid")]
    pub key: Option<PathBuf>,
}

/// Arguments of `cms verify`.
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("source").required(true).args(["conveyed_information", "output"])))]
pub struct VerifyArgs {
    /// Conveyed-information artifact (signed, optionally encrypted).
    #[arg(long, value_name = "FILE", requires_all = ["owner_certificate", "ownership_voucher"])]
    pub conveyed_information: Option<PathBuf>,
    /// Owner-certificate artifact (certs-only SignedData).
    #[arg(long, value_name = "FILE", requires = "conveyed_information")]
    pub owner_certificate: Option<PathBuf>,
    /// Ownership-voucher artifact (SignedData, id-ct-animaJSONVoucher).
    #[arg(long, value_name = "FILE", requires = "conveyed_information")]
    pub ownership_voucher: Option<PathBuf>,
    /// A get-bootstrapping-data output document (JSON or XML) holding all three artifacts.
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Manufacturer trust anchor(s) for the voucher signer (PEM or DER; repeatable).
    #[arg(long, value_name = "FILE", required = true)]
    pub anchor: Vec<PathBuf>,
    /// The device's serial number, compared with the voucher's serial-number.
    #[arg(long, value_name = "SN")]
    pub serial: String,
    /// The device's IDevID (PEM or DER): checked against idevid-issuer, and the decryption recipient.
    #[arg(long, value_name = "FILE")]
    pub idevid: Option<PathBuf>,
    /// The IDevID private key (PKCS#8, PEM or DER) to decrypt EnvelopedData artifacts.
    #[arg(long, value_name = "FILE", requires = "idevid")]
    pub key: Option<PathBuf>,
    /// The nonce (hex) the device sent; the voucher must carry the same one.
    #[arg(long, value_name = "HEX")]
    pub nonce: Option<String>,
    /// Verify as a device without an accurate clock (skips the validity checks, RFC 8572 §5.4 step 2).
    #[arg(long)]
    pub no_clock: bool,
}
