//! Offline command arguments: RFC 8572 §8 DHCP options and §3 CMS artifacts.

use std::path::PathBuf;

use clap::{ArgGroup, Args, Subcommand};

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
