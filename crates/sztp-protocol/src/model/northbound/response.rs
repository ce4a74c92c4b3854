//! `tenants/tenant/responses/response`: named redirect or onboarding information, what a match
//! rule sends a device.

use serde_json::Value;

use super::{Fields, ListEntry, Out, YangEnum, yang_enum};
use crate::codec::{DecodeError, DecodeErrorKind as K};

yang_enum! {
    /// How the device applies the configuration.
    ConfigurationHandling {
        /// Merged into its running configuration.
        Merge = "merge",
        /// Replacing its running configuration.
        Replace = "replace",
    }
}

/// One bootstrap server of redirect information.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RedirectServer {
    /// Host name or address.
    pub address: String,
    /// Port (443 when absent).
    pub port: Option<u16>,
    /// Trust anchors the device uses for that server (DER certificates).
    pub trust_anchors: Vec<Vec<u8>>,
}

/// The boot image a device must run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BootImage {
    /// Operating system name.
    pub os_name: String,
    /// Operating system version.
    pub os_version: String,
    /// Where to download it.
    pub download_uris: Vec<String>,
    /// Its SHA-256, colon-separated hex.
    pub sha256: Option<String>,
    /// An artifact of this server serving it.
    pub artifact: Option<String>,
}

/// Onboarding information.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Onboarding {
    /// Boot image.
    pub boot_image: Option<BootImage>,
    /// Script run before the configuration.
    pub pre_configuration_script: Option<String>,
    /// How the configuration is applied.
    pub configuration_handling: Option<ConfigurationHandling>,
    /// The configuration.
    pub configuration: Option<String>,
    /// Script run after the configuration.
    pub post_configuration_script: Option<String>,
}

/// What a response sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResponseKind {
    /// Redirect information: other bootstrap servers.
    Redirect(Vec<RedirectServer>),
    /// Onboarding information.
    Onboarding(Onboarding),
}

/// One response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// Name (the key).
    pub name: String,
    /// Redirect or onboarding information.
    pub kind: ResponseKind,
}

impl ListEntry for Response {
    const LIST: &'static str = "response";

    fn read_entry(mut f: Fields<'_>) -> Result<Self, DecodeError> {
        let name = f.required_string("name")?;
        let redirect = f.container("redirect", read_redirect)?;
        let onboarding = f.container("onboarding", read_onboarding)?;
        let kind = match (redirect, onboarding) {
            (Some(r), None) => ResponseKind::Redirect(r),
            (None, Some(o)) => ResponseKind::Onboarding(o),
            (None, None) => return Err(f.here(K::MissingElement, "needs \"redirect\" or \"onboarding\"")),
            (Some(_), Some(_)) => return Err(f.here(K::InvalidValue, "\"redirect\" and \"onboarding\" are exclusive")),
        };
        f.finish()?;
        Ok(Response { name, kind })
    }

    fn to_value(&self) -> Value {
        let mut o = Out::default();
        o.put("name", self.name.as_str());
        match &self.kind {
            ResponseKind::Redirect(servers) => {
                let list: Vec<Value> = servers
                    .iter()
                    .map(|s| {
                        let mut m = Out::default();
                        m.put("address", s.address.as_str()).opt("port", s.port);
                        if !s.trust_anchors.is_empty() {
                            m.binaries("trust-anchor", &s.trust_anchors);
                        }
                        m.done()
                    })
                    .collect();
                o.put("redirect", Out::default().put("server", list).done());
            }
            ResponseKind::Onboarding(spec) => {
                let mut m = Out::default();
                if let Some(img) = &spec.boot_image {
                    let mut i = Out::default();
                    i.put("os-name", img.os_name.as_str()).put("os-version", img.os_version.as_str());
                    if !img.download_uris.is_empty() {
                        i.put("download-uri", img.download_uris.clone());
                    }
                    i.opt("sha-256", img.sha256.clone()).opt("artifact", img.artifact.clone());
                    m.put("boot-image", i.done());
                }
                m.opt("pre-configuration-script", spec.pre_configuration_script.clone())
                    .opt("configuration-handling", spec.configuration_handling.map(YangEnum::as_str))
                    .opt("configuration", spec.configuration.clone())
                    .opt("post-configuration-script", spec.post_configuration_script.clone());
                o.put("onboarding", m.done());
            }
        }
        o.done()
    }
}

fn read_redirect(mut f: Fields<'_>) -> Result<Vec<RedirectServer>, DecodeError> {
    let servers = f.list("server", |mut g| {
        let server = RedirectServer {
            address: g.required_string("address")?,
            port: g.integer("port", (0, 65_535))?.and_then(|p| u16::try_from(p).ok()),
            trust_anchors: g.binary_list("trust-anchor")?,
        };
        g.finish()?;
        Ok(server)
    })?;
    f.finish()?;
    Ok(servers)
}

fn read_onboarding(mut f: Fields<'_>) -> Result<Onboarding, DecodeError> {
    let boot_image = f.container("boot-image", |mut g| {
        let img = BootImage {
            os_name: g.required_string("os-name")?,
            os_version: g.required_string("os-version")?,
            download_uris: g.string_list("download-uri")?,
            sha256: g.string("sha-256")?,
            artifact: g.string("artifact")?,
        };
        if img.download_uris.is_empty() && img.artifact.is_none() {
            return Err(g.here(K::MissingElement, "a boot image needs a download-uri or an artifact"));
        }
        g.finish()?;
        Ok(img)
    })?;
    let spec = Onboarding {
        boot_image,
        pre_configuration_script: f.string("pre-configuration-script")?,
        configuration_handling: f.enumeration("configuration-handling")?,
        configuration: f.string("configuration")?,
        post_configuration_script: f.string("post-configuration-script")?,
    };
    f.finish()?;
    Ok(spec)
}
