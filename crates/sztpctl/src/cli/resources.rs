//! Arguments of the keystore and truststore commands.

use std::path::PathBuf;

use clap::Subcommand;

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
