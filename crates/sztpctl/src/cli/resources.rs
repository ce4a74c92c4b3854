//! Arguments of the keystore, truststore, artifact and response commands.

use std::path::PathBuf;

use clap::{ArgGroup, Args, Subcommand, ValueEnum};

/// `sztpctl key …`
#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Generate a key pair on the server; the private key never leaves it.
    #[command(after_help = "Examples:\n  \
        sztpctl key generate owner-signer\n  \
        sztpctl key generate sbi-tls --algorithm rsa-3072 --public-key sbi-tls.pub.pem")]
    Generate {
        /// Name of the new key.
        name: String,
        /// Key algorithm.
        #[arg(long, default_value = "ecdsa-p256",
              value_parser = ["ecdsa-p256", "ecdsa-p384", "rsa-2048", "rsa-3072", "rsa-4096"])]
        algorithm: String,
        /// Also write the public key (PEM SubjectPublicKeyInfo) to FILE.
        #[arg(long, value_name = "FILE")]
        public_key: Option<PathBuf>,
    },
    /// Table: name, algorithm, created, SHA-256 fingerprint of the public key (SubjectPublicKeyInfo DER).
    List,
    /// Import a private key (unencrypted PKCS#8, PEM or DER); it is sealed on arrival and never returned.
    #[command(after_help = "Convert other formats first:\n  \
        openssl pkcs8 -topk8 -nocrypt -in key.pem -out key.pk8.pem\n\nExample:\n  \
        sztpctl key import owner-signer owner.key")]
    Import {
        /// Name of the new key.
        name: String,
        /// The key file.
        file: PathBuf,
    },
    /// Remove a key: the private key is destroyed.
    Rm {
        /// Key name.
        name: String,
    },
}

/// `sztpctl trust …`
#[derive(Debug, Subcommand)]
pub enum TrustCommand {
    /// Create a trust bag, or add certificates to an existing one (duplicates are skipped).
    #[command(after_help = "Examples:\n  \
        sztpctl trust add manufacturer vendor-root.pem\n  \
        sztpctl trust add manufacturer other-vendor-root.pem other-vendor-ca.der --description 'IDevID anchors'")]
    Add {
        /// Bag name.
        bag: String,
        /// Certificate files (PEM, possibly several per file, or DER).
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
        /// Set the bag's description.
        #[arg(long)]
        description: Option<String>,
    },
    /// Table: bag, number of certificates, description, then each certificate's subject and expiry.
    List,
    /// Remove a trust bag.
    Rm {
        /// Bag name.
        bag: String,
    },
}

/// `sztpctl artifact …`
#[derive(Debug, Subcommand)]
pub enum ArtifactCommand {
    /// Upload a file (created or replaced) and print its SHA-256; with --uri, only print the
    /// SHA-256 and a boot-image fragment for an image hosted elsewhere.
    #[command(after_help = "Examples:\n  \
        sztpctl artifact add image demoos-2.0.img\n  \
        sztpctl artifact add script pre.sh --name pre-v2.sh\n  \
        sztpctl artifact add file inventory.json --media-type application/json\n  \
        sztpctl artifact add image demoos-2.0.img --uri https://images.example.net/demoos-2.0.img \\\n      \
        --os-name DemoOS --os-version 2.0")]
    Add(ArtifactAddArgs),
    /// Table: name, media type, size, last update, SHA-256.
    List,
    /// Remove an artifact.
    Rm {
        /// Artifact name.
        name: String,
    },
}

/// What an artifact holds; it picks the default media type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ArtifactKind {
    /// A boot image (application/octet-stream).
    Image,
    /// A script (text/x-shellscript).
    Script,
    /// A configuration (text/plain).
    Config,
    /// Anything else (media type from the file extension).
    File,
}

/// Arguments of `artifact add`.
#[derive(Debug, Args)]
pub struct ArtifactAddArgs {
    /// What the file is: image (application/octet-stream), script (text/x-shellscript), config
    /// (text/plain) or file (media type from the extension).
    #[arg(value_enum, hide_possible_values = true)]
    pub kind: ArtifactKind,
    /// The file.
    pub file: PathBuf,
    /// Artifact name (default: the file name); letters, digits, `.`, `_`, `+`, `-`.
    #[arg(long, conflicts_with = "uris")]
    pub name: Option<String>,
    /// Media type sent with the content (default: from the kind).
    #[arg(long, value_name = "TYPE", conflicts_with = "uris")]
    pub media_type: Option<String>,
    /// Image hosted elsewhere, at URL (repeatable): nothing is uploaded.
    #[arg(long = "uri", value_name = "URL")]
    pub uris: Vec<String>,
    /// OS name for the boot-image fragment (with --uri).
    #[arg(long, value_name = "NAME", requires = "uris")]
    pub os_name: Option<String>,
    /// OS version for the boot-image fragment (with --uri).
    #[arg(long, value_name = "VERSION", requires = "uris")]
    pub os_version: Option<String>,
}

/// `sztpctl response …`
#[derive(Debug, Subcommand)]
pub enum ResponseCommand {
    /// Create a response and attach it, through a match rule, to a device or a device type.
    #[command(
        after_help = RESPONSE_ADD_HELP,
        override_usage = "sztpctl response add NAME (--device SN | --device-type TYPE) [--priority N] [--match COND]...\n       \
            (--redirect URL... [--trust-anchor FILE] | ONBOARDING OPTIONS)"
    )]
    Add(Box<ResponseAddArgs>),
    /// Table: name, kind, what it carries, and the devices and device types whose rules use it.
    List,
    /// One response as JSON, and where it is used.
    Show {
        /// Response name.
        name: String,
    },
    /// Remove a response; refused while match rules use it, unless --detach removes those rules.
    Rm {
        /// Response name.
        name: String,
        /// Also remove the match rules of devices and device types that use it.
        #[arg(long)]
        detach: bool,
    },
}

const RESPONSE_ADD_HELP: &str = "\
Rules are tried in order, a device's own before its type's; the first whose conditions all hold
picks the response. --priority places the new rule (1 = first). A condition is FIELD:OP[:VALUE]
with FIELD hw-model, os-name, os-version, signed-data-preferred, nonce or source-address, and OP
equals, regex, prefix (a CIDR prefix for source-address) or present; a leading '!' negates it.

Examples:
  sztpctl response add demo-2.0 --device-type demo-device --os-name DemoOS --os-version 2.0 \\
      --image-uri https://images.example.net/demoos-2.0.img --image-file demoos-2.0.img \\
      --config site.cfg --config-handling replace --post-script post.sh
  sztpctl response add lab-image --device SN-0001 --os-name DemoOS --os-version 2.1 \\
      --image-artifact demoos-2.1.img
  sztpctl response add to-lab --device-type demo-device --priority 1 \\
      --match 'source-address:prefix:10.1.0.0/16' --redirect https://sztp.lab.example.net:8443 \\
      --trust-anchor lab-ca.pem";

const ONBOARDING: [&str; 10] = [
    "os_name",
    "os_version",
    "image_uris",
    "image_file",
    "image_sha256",
    "image_artifact",
    "pre_script",
    "config",
    "config_handling",
    "post_script",
];

/// Arguments of `response add`.
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("target").required(true).args(["device", "device_type"])))]
#[command(group(ArgGroup::new("content").required(true).multiple(true)
    .args(["redirect", "os_name", "os_version", "image_uris", "image_file", "image_sha256", "image_artifact",
           "pre_script", "config", "post_script"])))]
pub struct ResponseAddArgs {
    /// Response name.
    pub name: String,
    /// Attach to this device (its rules are tried before its type's).
    #[arg(long, value_name = "SN", help_heading = "Attach to")]
    pub device: Option<String>,
    /// Attach to this device type.
    #[arg(long, value_name = "TYPE", help_heading = "Attach to")]
    pub device_type: Option<String>,
    /// Position of the new rule among the target's rules (1 = tried first).
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..=65535),
          help_heading = "Attach to")]
    pub priority: u64,
    /// A condition of the rule, FIELD:OP[:VALUE] (repeatable; all must hold).
    #[arg(long = "match", value_name = "COND", help_heading = "Attach to")]
    pub conditions: Vec<String>,
    /// Redirect to this bootstrap server, `https://host[:port]` (repeatable, tried in order).
    #[arg(long, value_name = "URL", conflicts_with_all = ONBOARDING, help_heading = "Redirect information")]
    pub redirect: Vec<String>,
    /// Trust anchors (PEM or DER certificates, with a self-signed root) for the redirect servers.
    #[arg(long, value_name = "FILE", requires = "redirect", help_heading = "Redirect information")]
    pub trust_anchor: Option<PathBuf>,
    /// Boot image: the OS name the device must run.
    #[arg(long, value_name = "NAME", help_heading = "Onboarding information")]
    pub os_name: Option<String>,
    /// Boot image: the OS version the device must run.
    #[arg(long, value_name = "VERSION", help_heading = "Onboarding information")]
    pub os_version: Option<String>,
    /// Boot image: a download URI (repeatable, tried in order).
    #[arg(long = "image-uri", value_name = "URL", help_heading = "Onboarding information")]
    pub image_uris: Vec<String>,
    /// Boot image: the image file, to compute its SHA-256 (it is not uploaded).
    #[arg(long, value_name = "FILE", conflicts_with = "image_sha256", help_heading = "Onboarding information")]
    pub image_file: Option<PathBuf>,
    /// Boot image: its SHA-256, hex (with or without colons).
    #[arg(long, value_name = "HEX", help_heading = "Onboarding information")]
    pub image_sha256: Option<String>,
    /// Boot image: an artifact of this server holding the image (see `sztpctl artifact`).
    #[arg(long, value_name = "NAME", help_heading = "Onboarding information")]
    pub image_artifact: Option<String>,
    /// Script the device runs before configuration (text file).
    #[arg(long, value_name = "FILE", help_heading = "Onboarding information")]
    pub pre_script: Option<PathBuf>,
    /// Configuration the device applies (text file).
    #[arg(long, value_name = "FILE", help_heading = "Onboarding information")]
    pub config: Option<PathBuf>,
    /// How the device applies --config.
    #[arg(long, value_name = "HOW", value_parser = ["merge", "replace"], default_value = "merge", requires = "config",
          help_heading = "Onboarding information")]
    pub config_handling: String,
    /// Script the device runs after configuration (text file).
    #[arg(long, value_name = "FILE", help_heading = "Onboarding information")]
    pub post_script: Option<PathBuf>,
}
