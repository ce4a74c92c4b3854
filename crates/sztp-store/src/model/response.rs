//! Responses: what a device receives as conveyed information (RFC 8572 §2.2), named and reusable.

use serde::{Deserialize, Serialize};

/// How a device applies the configuration (RFC 8572 `configuration-handling`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ConfigurationHandling {
    /// Merge into the running configuration.
    Merge,
    /// Replace the running configuration.
    Replace,
}

/// A bootstrap server a redirect points to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RedirectServer {
    /// Host name or IP address.
    pub address: String,
    /// Port, when not 443.
    #[serde(default)]
    pub port: Option<u16>,
    /// PEM trust anchor(s) for the next server, conveyed as a certs-only CMS.
    #[serde(default)]
    pub trust_anchor_pem: Option<String>,
}

/// The boot image a device must run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BootImageSpec {
    /// Expected OS name.
    pub os_name: String,
    /// Expected OS version.
    pub os_version: String,
    /// Where the device downloads it.
    #[serde(default)]
    pub download_uris: Vec<String>,
    /// SHA-256 of the image, hex.
    #[serde(default)]
    pub sha256_hex: Option<String>,
    /// Name of an artifact served by this server.
    #[serde(default)]
    pub artifact: Option<String>,
}

/// Onboarding information (RFC 8572 §2.2).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OnboardingSpec {
    /// Boot image.
    #[serde(default)]
    pub boot_image: Option<BootImageSpec>,
    /// Script run before configuration.
    #[serde(default)]
    pub pre_configuration_script: Option<String>,
    /// Merge or replace.
    #[serde(default)]
    pub configuration_handling: Option<ConfigurationHandling>,
    /// Configuration body.
    #[serde(default)]
    pub configuration: Option<String>,
    /// Script run after configuration.
    #[serde(default)]
    pub post_configuration_script: Option<String>,
}

/// The two kinds of conveyed information.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ResponseSpec {
    /// Redirect information: other bootstrap servers.
    Redirect {
        /// Servers, tried in order.
        servers: Vec<RedirectServer>,
    },
    /// Onboarding information.
    Onboarding(OnboardingSpec),
}

/// A named response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Response {
    /// Unique name within the tenant.
    pub name: String,
    /// What it conveys.
    pub spec: ResponseSpec,
}
