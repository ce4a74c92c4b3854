//! The `report-progress` RPC input (RFC 8572 §7.3): 27 progress types, SSH host keys and trust
//! anchor certificates (the latter two only with `bootstrap-complete`, per the YANG `when`).

use super::YangDocument;
use super::bootstrap_rpc::SVR;
use super::build;
use crate::codec::tree::Node;
use crate::codec::{Cursor, DecodeError, DecodeErrorKind as K};

macro_rules! progress_types {
    ($($variant:ident => $name:literal, $doc:literal;)*) => {
        /// `progress-type`, in module order.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum ProgressType { $(#[doc = $doc] $variant,)* }

        impl ProgressType {
            /// Every value, in module order.
            pub const ALL: &'static [ProgressType] = &[$(ProgressType::$variant,)*];
            /// The YANG enumeration name.
            pub fn as_str(self) -> &'static str {
                match self { $(ProgressType::$variant => $name,)* }
            }
            /// Parses the YANG enumeration name.
            pub fn parse(s: &str) -> Option<Self> {
                match s { $($name => Some(ProgressType::$variant),)* _ => None }
            }
        }
    };
}

progress_types! {
    BootstrapInitiated => "bootstrap-initiated", "The device started bootstrapping from this server.";
    ParsingInitiated => "parsing-initiated", "Parsing of the response started.";
    ParsingWarning => "parsing-warning", "A non-fatal parsing problem.";
    ParsingError => "parsing-error", "Parsing failed; the device abandons this server.";
    ParsingComplete => "parsing-complete", "Parsing succeeded.";
    BootImageInitiated => "boot-image-initiated", "Boot image processing started.";
    BootImageWarning => "boot-image-warning", "A non-fatal boot image problem.";
    BootImageError => "boot-image-error", "Boot image processing failed.";
    BootImageMismatch => "boot-image-mismatch", "The downloaded image failed verification.";
    BootImageInstalledRebooting => "boot-image-installed-rebooting", "Image installed; the device reboots.";
    BootImageComplete => "boot-image-complete", "The device runs the required image.";
    PreScriptInitiated => "pre-script-initiated", "The pre-configuration script started.";
    PreScriptWarning => "pre-script-warning", "The pre-configuration script warned.";
    PreScriptError => "pre-script-error", "The pre-configuration script failed.";
    PreScriptComplete => "pre-script-complete", "The pre-configuration script succeeded.";
    ConfigInitiated => "config-initiated", "Committing the configuration started.";
    ConfigWarning => "config-warning", "A non-fatal configuration problem.";
    ConfigError => "config-error", "The configuration could not be committed.";
    ConfigComplete => "config-complete", "The configuration was committed.";
    PostScriptInitiated => "post-script-initiated", "The post-configuration script started.";
    PostScriptWarning => "post-script-warning", "The post-configuration script warned.";
    PostScriptError => "post-script-error", "The post-configuration script failed.";
    PostScriptComplete => "post-script-complete", "The post-configuration script succeeded.";
    BootstrapWarning => "bootstrap-warning", "A non-fatal problem not covered by another type.";
    BootstrapError => "bootstrap-error", "Bootstrapping failed for a reason not covered by another type.";
    BootstrapComplete => "bootstrap-complete", "Bootstrapping finished successfully.";
    Informational => "informational", "Information without a state change.";
}

impl ProgressType {
    /// Whether the device abandons this server (or stops contacting it) after this report.
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            ProgressType::ParsingError
                | ProgressType::BootImageError
                | ProgressType::BootImageMismatch
                | ProgressType::BootImageInstalledRebooting
                | ProgressType::PreScriptError
                | ProgressType::ConfigError
                | ProgressType::PostScriptError
                | ProgressType::BootstrapError
                | ProgressType::BootstrapComplete
        )
    }
}

/// One `ssh-host-key` entry (RFC 4253 §6.6 public key blob).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SshHostKey {
    /// Public key algorithm, e.g. `ssh-ed25519`.
    pub algorithm: String,
    /// The public key blob.
    pub key_data: Vec<u8>,
}

/// Input of `report-progress`.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportProgressInput {
    /// What happened (mandatory).
    pub progress_type: ProgressType,
    /// Free-form message.
    pub message: Option<String>,
    /// The device's SSH host keys (only with `bootstrap-complete`).
    pub ssh_host_keys: Vec<SshHostKey>,
    /// Degenerate CMS chains the device trusts for its own certificates (only with `bootstrap-complete`).
    pub trust_anchor_certs: Vec<Vec<u8>>,
}

impl ReportProgressInput {
    /// A report with only a type.
    pub fn new(progress_type: ProgressType) -> Self {
        ReportProgressInput { progress_type, message: None, ssh_host_keys: Vec::new(), trust_anchor_certs: Vec::new() }
    }
}

impl YangDocument for ReportProgressInput {
    fn from_tree(node: &Node) -> Result<Self, DecodeError> {
        let mut c = Cursor::root(node, SVR, "input")?;
        let progress_type = c
            .enumeration("progress-type", ProgressType::parse)?
            .ok_or_else(|| c.error("progress-type", K::MissingElement, "mandatory node missing"))?;
        let message = c.string("message")?;
        let complete = progress_type == ProgressType::BootstrapComplete;
        let mut ssh_host_keys = Vec::new();
        if let Some(mut keys) = c.container("ssh-host-keys")? {
            if !complete {
                return Err(keys.error_here(K::BadElement, "ssh-host-keys is only allowed with bootstrap-complete"));
            }
            for mut k in keys.list("ssh-host-key")? {
                let algorithm = k.req_string("algorithm")?;
                let key_data = k.req_binary("key-data")?;
                k.finish()?;
                ssh_host_keys.push(SshHostKey { algorithm, key_data });
            }
            keys.finish()?;
        }
        let mut trust_anchor_certs = Vec::new();
        if let Some(mut tac) = c.container("trust-anchor-certs")? {
            if !complete {
                return Err(tac.error_here(K::BadElement, "trust-anchor-certs is only allowed with bootstrap-complete"));
            }
            trust_anchor_certs = tac.binary_list("trust-anchor-cert")?;
            tac.finish()?;
        }
        c.finish()?;
        Ok(ReportProgressInput { progress_type, message, ssh_host_keys, trust_anchor_certs })
    }

    fn to_tree(&self) -> Node {
        let mut v = vec![build::string(SVR, "progress-type", self.progress_type.as_str())];
        build::opt_string(&mut v, SVR, "message", &self.message);
        if !self.ssh_host_keys.is_empty() {
            let keys = self
                .ssh_host_keys
                .iter()
                .map(|k| {
                    Node::inner(
                        SVR,
                        "ssh-host-key",
                        vec![
                            build::string(SVR, "algorithm", &k.algorithm),
                            build::binary(SVR, "key-data", &k.key_data),
                        ],
                    )
                    .entry()
                })
                .collect();
            v.push(Node::inner(SVR, "ssh-host-keys", keys));
        }
        if !self.trust_anchor_certs.is_empty() {
            let certs =
                self.trust_anchor_certs.iter().map(|c| build::binary(SVR, "trust-anchor-cert", c).entry()).collect();
            v.push(Node::inner(SVR, "trust-anchor-certs", certs));
        }
        Node::inner(SVR, "input", v)
    }
}
