//! Conveyed information (`ietf-sztp-conveyed-info@2019-04-30`, RFC 8572 §6): redirect information
//! or onboarding information, with the module's `must` rules enforced on decode (digest §1.4).

use std::collections::HashSet;

use super::YangDocument;
use super::build;
use crate::codec::tree::{Node, Scalar};
use crate::codec::{Cursor, DecodeError, DecodeErrorKind as K, encode_hex_string, is_valid_host, is_valid_uri};

const M: &str = "ietf-sztp-conveyed-info";

/// The `conveyed-information` yang-data: exactly one of the two cases.
#[derive(Debug, Clone, PartialEq)]
pub enum ConveyedInformation {
    /// Points the device at other bootstrap servers.
    Redirect(RedirectInformation),
    /// Tells the device how to onboard.
    Onboarding(OnboardingInformation),
}

/// `redirect-information`: one or more bootstrap servers, tried in order.
#[derive(Debug, Clone, PartialEq)]
pub struct RedirectInformation {
    /// The `bootstrap-server` list (min-elements 1, keyed by address).
    pub bootstrap_servers: Vec<BootstrapServer>,
}

/// One `bootstrap-server` entry.
#[derive(Debug, Clone, PartialEq)]
pub struct BootstrapServer {
    /// `inet:host`: IP address or domain name.
    pub address: String,
    /// Port; absent means the YANG default 443.
    pub port: Option<u16>,
    /// Degenerate CMS holding one certificate chain that includes the self-signed root.
    pub trust_anchor: Option<Vec<u8>>,
}

impl BootstrapServer {
    /// The port to connect to (the YANG default 443 when absent).
    pub fn effective_port(&self) -> u16 {
        self.port.unwrap_or(443)
    }
}

/// `onboarding-information`; the device processes boot image, pre-script, configuration, post-script.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct OnboardingInformation {
    /// The boot image the device must be running.
    pub boot_image: Option<BootImage>,
    /// How to apply `configuration` (present exactly when `configuration` is).
    pub configuration_handling: Option<ConfigurationHandling>,
    /// Script run before the configuration is committed.
    pub pre_configuration_script: Option<Vec<u8>>,
    /// Configuration data, in the device's native format.
    pub configuration: Option<Vec<u8>>,
    /// Script run after the configuration is committed.
    pub post_configuration_script: Option<Vec<u8>>,
}

/// `boot-image`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct BootImage {
    /// OS name the image provides.
    pub os_name: Option<String>,
    /// OS version the image provides.
    pub os_version: Option<String>,
    /// Where to download the image, tried in order.
    pub download_uri: Vec<String>,
    /// Hashes to verify the downloaded image with (requires `download-uri`).
    pub image_verification: Vec<ImageVerification>,
}

/// One `image-verification` entry.
#[derive(Debug, Clone, PartialEq)]
pub struct ImageVerification {
    /// Hash algorithm (the list key).
    pub hash_algorithm: HashAlgorithm,
    /// Hash of the image.
    pub hash_value: Vec<u8>,
}

/// Identities derived from `hash-algorithm`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HashAlgorithm {
    /// `sha-256`, the only identity RFC 8572 defines.
    Sha256,
}

impl HashAlgorithm {
    /// Digest length in octets.
    pub fn output_len(self) -> usize {
        match self {
            HashAlgorithm::Sha256 => 32,
        }
    }
}

/// `configuration-handling`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConfigurationHandling {
    /// Merge into the running configuration.
    Merge,
    /// Replace the running configuration.
    Replace,
}

impl ConfigurationHandling {
    /// The YANG enumeration name.
    pub fn as_str(self) -> &'static str {
        match self {
            ConfigurationHandling::Merge => "merge",
            ConfigurationHandling::Replace => "replace",
        }
    }
    /// Parses the YANG enumeration name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "merge" => Some(ConfigurationHandling::Merge),
            "replace" => Some(ConfigurationHandling::Replace),
            _ => None,
        }
    }
}

fn read_redirect(mut c: Cursor<'_>) -> Result<RedirectInformation, DecodeError> {
    let mut servers = Vec::new();
    let mut seen = HashSet::new();
    for mut e in c.list("bootstrap-server")? {
        let address = e.req_string("address")?;
        if !is_valid_host(&address) {
            return Err(e.error("address", K::InvalidValue, format!("\"{address}\" is not an inet:host")));
        }
        if !seen.insert(address.clone()) {
            return Err(e.error("address", K::InvalidValue, format!("duplicate bootstrap-server key \"{address}\"")));
        }
        let port = e.uint16("port")?;
        let trust_anchor = e.binary("trust-anchor")?;
        e.finish()?;
        servers.push(BootstrapServer { address, port, trust_anchor });
    }
    if servers.is_empty() {
        return Err(c.error("bootstrap-server", K::MissingElement, "at least one bootstrap-server is required"));
    }
    c.finish()?;
    Ok(RedirectInformation { bootstrap_servers: servers })
}

fn read_boot_image(mut c: Cursor<'_>) -> Result<BootImage, DecodeError> {
    let os_name = c.string("os-name")?;
    let os_version = c.string("os-version")?;
    let download_uri = c.string_list("download-uri")?;
    if let Some(bad) = download_uri.iter().find(|u| !is_valid_uri(u)) {
        return Err(c.error("download-uri", K::InvalidValue, format!("\"{bad}\" is not an inet:uri")));
    }
    let mut image_verification = Vec::new();
    for mut e in c.list("image-verification")? {
        let node = e
            .single_in(M, "hash-algorithm")?
            .ok_or_else(|| e.error("hash-algorithm", K::MissingElement, "mandatory node missing"))?;
        let hash_algorithm = match e.identity_of(node, M)? {
            (M, name) if name == "sha-256" => HashAlgorithm::Sha256,
            (m, name) => {
                return Err(e.error("hash-algorithm", K::InvalidValue, format!("unknown hash algorithm {m}:{name}")));
            }
        };
        let hash_value = e
            .hex_string("hash-value")?
            .ok_or_else(|| e.error("hash-value", K::MissingElement, "mandatory node missing"))?;
        if hash_value.len() != hash_algorithm.output_len() {
            return Err(e.error(
                "hash-value",
                K::InvalidValue,
                format!("{} octets given; sha-256 needs {}", hash_value.len(), hash_algorithm.output_len()),
            ));
        }
        e.finish()?;
        if image_verification.iter().any(|v: &ImageVerification| v.hash_algorithm == hash_algorithm) {
            return Err(c.error("image-verification", K::InvalidValue, "duplicate hash-algorithm key"));
        }
        image_verification.push(ImageVerification { hash_algorithm, hash_value });
    }
    if !image_verification.is_empty() && download_uri.is_empty() {
        return Err(c.error("image-verification", K::InvalidValue, "image-verification requires download-uri"));
    }
    c.finish()?;
    Ok(BootImage { os_name, os_version, download_uri, image_verification })
}

fn read_onboarding(mut c: Cursor<'_>) -> Result<OnboardingInformation, DecodeError> {
    // An empty boot-image is no data at all in YANG terms (a non-presence container).
    let boot_image =
        c.container("boot-image")?.map(read_boot_image).transpose()?.filter(|b| *b != BootImage::default());
    let configuration_handling = c.enumeration("configuration-handling", ConfigurationHandling::parse)?;
    let pre_configuration_script = c.binary("pre-configuration-script")?;
    let configuration = c.binary("configuration")?;
    let post_configuration_script = c.binary("post-configuration-script")?;
    match (&configuration_handling, &configuration) {
        (Some(_), None) => {
            return Err(c.error(
                "configuration-handling",
                K::InvalidValue,
                "configuration-handling requires configuration",
            ));
        }
        (None, Some(_)) => {
            return Err(c.error("configuration", K::InvalidValue, "configuration requires configuration-handling"));
        }
        _ => {}
    }
    let info = OnboardingInformation {
        boot_image,
        configuration_handling,
        pre_configuration_script,
        configuration,
        post_configuration_script,
    };
    if info == OnboardingInformation::default() {
        // Without any data node the mandatory choice `information-type` has no case present.
        return Err(c.error_here(K::MissingElement, "onboarding-information holds no data"));
    }
    c.finish()?;
    Ok(info)
}

impl YangDocument for ConveyedInformation {
    fn from_tree(node: &Node) -> Result<Self, DecodeError> {
        match node.name.as_str() {
            "redirect-information" => {
                Ok(Self::Redirect(read_redirect(Cursor::root(node, M, "redirect-information")?)?))
            }
            _ => Ok(Self::Onboarding(read_onboarding(Cursor::root(node, M, "onboarding-information")?)?)),
        }
    }

    fn to_tree(&self) -> Node {
        match self {
            Self::Redirect(r) => {
                let entries = r
                    .bootstrap_servers
                    .iter()
                    .map(|s| {
                        let mut v = vec![build::string(M, "address", &s.address)];
                        if let Some(p) = s.port {
                            v.push(Node::leaf(M, "port", Scalar::Number(p.to_string())));
                        }
                        build::opt_binary(&mut v, M, "trust-anchor", &s.trust_anchor);
                        Node::inner(M, "bootstrap-server", v).entry()
                    })
                    .collect();
                Node::inner(M, "redirect-information", entries)
            }
            Self::Onboarding(o) => {
                let mut v = Vec::new();
                if let Some(b) = &o.boot_image {
                    let mut bi = Vec::new();
                    build::opt_string(&mut bi, M, "os-name", &b.os_name);
                    build::opt_string(&mut bi, M, "os-version", &b.os_version);
                    bi.extend(b.download_uri.iter().map(|u| build::string(M, "download-uri", u).entry()));
                    bi.extend(b.image_verification.iter().map(|iv| {
                        let alg = match iv.hash_algorithm {
                            HashAlgorithm::Sha256 => "sha-256",
                        };
                        Node::inner(
                            M,
                            "image-verification",
                            vec![
                                Node::leaf(M, "hash-algorithm", Scalar::Identity(M, alg.to_owned())),
                                build::string(M, "hash-value", &encode_hex_string(&iv.hash_value)),
                            ],
                        )
                        .entry()
                    }));
                    v.push(Node::inner(M, "boot-image", bi));
                }
                if let Some(h) = o.configuration_handling {
                    v.push(build::string(M, "configuration-handling", h.as_str()));
                }
                build::opt_binary(&mut v, M, "pre-configuration-script", &o.pre_configuration_script);
                build::opt_binary(&mut v, M, "configuration", &o.configuration);
                build::opt_binary(&mut v, M, "post-configuration-script", &o.post_configuration_script);
                Node::inner(M, "onboarding-information", v)
            }
        }
    }
}
