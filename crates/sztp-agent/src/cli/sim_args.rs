//! `sztp-agent simulate` flags: devices from a quickstart directory, or minted from a
//! manufacturer CA and registered through the northbound API.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

use crate::error::AgentError;
use crate::identity::read_anchors;
use crate::session::{ServerEntry, require_https};

/// How to simulate.
#[derive(Debug, Args)]
#[command(after_help = SIMULATE_HELP)]
pub struct SimArgs {
    /// Bootstrap server URL (`https://host:port`; https only).
    #[arg(long)]
    pub server: String,
    /// Virtual devices (with --credentials: at most the number of credential directories).
    #[arg(long, default_value_t = 100)]
    pub devices: usize,
    /// Devices in flight at once.
    #[arg(long, default_value_t = 32)]
    pub concurrency: usize,
    /// A quickstart directory, or a directory of device directories holding idevid.pem and idevid.key.
    #[arg(long, value_name = "DIR", help_heading = "Devices from files")]
    pub credentials: Option<PathBuf>,
    /// Manufacturer CA that mints an IDevID per device (PEM: its certificate, then the chain above it).
    #[arg(long, value_name = "CERT.pem", help_heading = "Devices minted on the fly")]
    pub manufacturer_ca: Option<PathBuf>,
    /// Private key of --manufacturer-ca (PEM).
    #[arg(long, value_name = "KEY.pem", help_heading = "Devices minted on the fly")]
    pub manufacturer_key: Option<PathBuf>,
    /// Serial numbers of minted devices: this prefix and a number (SIM-0001, SIM-0002, …).
    #[arg(long, default_value = "SIM-", help_heading = "Devices minted on the fly")]
    pub serial_prefix: String,
    /// Northbound API (`http://host:port`) to register the minted devices on before the run;
    /// existing devices with the same serials are replaced.
    #[arg(long, value_name = "NBI_URL", help_heading = "Devices minted on the fly")]
    pub register: Option<String>,
    /// Administrator login for --register.
    #[arg(long, env = "SZTPCTL_USER", help_heading = "Devices minted on the fly")]
    pub admin_user: Option<String>,
    /// Its password; prefer the environment variable.
    #[arg(long, env = "SZTPCTL_PASSWORD", hide_env_values = true, help_heading = "Devices minted on the fly")]
    pub admin_password: Option<String>,
    /// Tenant to register the devices in.
    #[arg(long, default_value = "default", help_heading = "Devices minted on the fly")]
    pub tenant: String,
    /// Device type of the minted devices (default: the tenant's only device type).
    #[arg(long, help_heading = "Devices minted on the fly")]
    pub device_type: Option<String>,
    /// Trust anchors (PEM) of an HTTPS --register endpoint (default: the system's).
    #[arg(long = "register-trust", value_name = "PEM", help_heading = "Devices minted on the fly")]
    pub register_trust: Vec<PathBuf>,
    /// MASA certificate (PEM, leaf first) signing a voucher per minted device, pinned to the
    /// root of the device type's owner certificate.
    #[arg(long, value_name = "CERT.pem", help_heading = "Devices minted on the fly")]
    pub masa_cert: Option<PathBuf>,
    /// Private key of --masa-cert (PEM).
    #[arg(long, value_name = "KEY.pem", help_heading = "Devices minted on the fly")]
    pub masa_key: Option<PathBuf>,
    /// Server trust anchors (PEM); default: trust/server-ca.pem under --credentials if present,
    /// else the server is used provisionally.
    #[arg(long = "server-trust")]
    pub server_trust: Vec<PathBuf>,
    /// Manufacturer anchors (PEM) for vouchers; default: trust/manufacturer-ca.pem under
    /// --credentials, or the last certificate of --manufacturer-ca.
    #[arg(long = "manufacturer-trust")]
    pub manufacturer_trust: Vec<PathBuf>,
    /// OS name and version the devices start with (an image for another OS is installed).
    #[arg(long, num_args = 2, value_names = ["NAME", "VERSION"], default_values = ["unknown", "0"])]
    pub os: Vec<String>,
    /// HTTP timeout in seconds.
    #[arg(long, default_value_t = 30)]
    pub timeout: u64,
    /// JSON summary for scripts.
    #[arg(long)]
    pub json: bool,
}

const SIMULATE_HELP: &str = "\
Devices come from files or are minted on the fly:
  --credentials DIR      the device directories a quickstart wrote (DIR/devices/SN-*/idevid.pem, idevid.key)
  --manufacturer-ca ...  an IDevID per device from a manufacturer CA, in memory; the devices are registered
                         with --register (devices/import) and get vouchers signed with --masa-cert first

Examples (Q: a quickstart directory, whose server listens on 8443 and 8080):
  sztp-agent simulate --server https://127.0.0.1:8443 --credentials $Q --devices 100
  sztp-agent simulate --server https://127.0.0.1:8443 --devices 1000 --concurrency 32 \\
      --manufacturer-ca $Q/manufacturer/device-ca.pem --manufacturer-key $Q/manufacturer/device-ca.key \\
      --masa-cert $Q/manufacturer/masa.pem --masa-key $Q/manufacturer/masa.key \\
      --register http://127.0.0.1:8080 --server-trust $Q/trust/server-ca.pem
  (registering needs an administrator: --admin-user/--admin-password or SZTPCTL_USER/SZTPCTL_PASSWORD)

Exit codes: 0 every device completed, 1 some failed, 2 bad arguments or registration refused.";

impl SimArgs {
    pub(super) fn config(&self) -> Result<(crate::simulate::SimConfig, Option<crate::simulate::MintPlan>), AgentError> {
        use crate::simulate::{MintPlan, SimDevice, mint, register::Registrar};
        let bad = |m: &str| Err(AgentError::Config(m.into()));
        require_https(&self.server).map_err(|e| AgentError::Config(format!("--server: {e}")))?;
        let minting_flags = [
            ("--register", self.register.is_some()),
            ("--masa-cert", self.masa_cert.is_some()),
            ("--masa-key", self.masa_key.is_some()),
            ("--device-type", self.device_type.is_some()),
            ("--manufacturer-key", self.manufacturer_key.is_some()),
        ];
        let (devices, plan, mfg_default) = match (&self.credentials, &self.manufacturer_ca) {
            (None, None) => {
                return bad(
                    "give --credentials DIR (devices from files) or --manufacturer-ca and --manufacturer-key (devices minted on the fly)",
                );
            }
            (Some(_), Some(_)) => {
                return bad("--credentials and --manufacturer-ca are two ways to get devices: give one");
            }
            (Some(credentials), None) => {
                if let Some((flag, _)) = minting_flags.iter().find(|(_, given)| *given) {
                    return Err(AgentError::Config(format!(
                        "{flag} is for minted devices (--manufacturer-ca), not --credentials"
                    )));
                }
                let mut devices = crate::simulate::device_dirs(credentials)?;
                if devices.len() < self.devices {
                    return Err(AgentError::Config(format!(
                        "--devices {} but {} holds credentials for {} devices",
                        self.devices,
                        credentials.display(),
                        devices.len()
                    )));
                }
                devices.truncate(self.devices);
                let p = credentials.join("trust").join("manufacturer-ca.pem");
                let anchors = if p.is_file() { read_anchors(&[p])? } else { Vec::new() };
                (devices.into_iter().map(SimDevice::Directory).collect(), None, anchors)
            }
            (None, Some(ca)) => {
                let Some(key) = &self.manufacturer_key else {
                    return bad("--manufacturer-ca needs --manufacturer-key");
                };
                let Some(url) = &self.register else {
                    return bad(
                        "minted devices are unknown to the server: give --register NBI_URL to register them first",
                    );
                };
                let masa = match (&self.masa_cert, &self.masa_key) {
                    (Some(cert), Some(key)) => Some(mint::Masa::from_files(cert, key)?),
                    (None, None) => None,
                    _ => return bad("--masa-cert and --masa-key go together"),
                };
                // Both end up in certificate subjects and URLs: keep them to plain name characters.
                let plain = |v: &str| v.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
                if !plain(&self.serial_prefix) {
                    return bad("--serial-prefix: letters, digits, '-', '_' and '.' only");
                }
                if self.tenant.is_empty() || !plain(&self.tenant) {
                    return bad("--tenant: letters, digits, '-', '_' and '.' only");
                }
                if self.admin_password.is_some() && self.admin_user.is_none() {
                    return bad("--admin-password needs --admin-user");
                }
                let manufacturer = mint::Manufacturer::from_files(ca, key)?;
                let root = manufacturer.root()?;
                let registrar = Registrar {
                    url: url.clone(),
                    tenant: self.tenant.clone(),
                    credentials: self.admin_user.clone().map(|u| (u, self.admin_password.clone().unwrap_or_default())),
                    device_type: self.device_type.clone(),
                    anchors: read_anchors(&self.register_trust)?.iter().map(|c| c.der().to_vec()).collect(),
                    timeout: Duration::from_secs(self.timeout.max(1)),
                };
                let plan = MintPlan {
                    manufacturer,
                    masa,
                    serial_prefix: self.serial_prefix.clone(),
                    count: self.devices,
                    registrar,
                };
                (Vec::new(), Some(plan), vec![root])
            }
        };
        let server_trust = match (&self.credentials, self.server_trust.is_empty()) {
            (Some(dir), true) if dir.join("trust/server-ca.pem").is_file() => vec![dir.join("trust/server-ca.pem")],
            _ => self.server_trust.clone(),
        };
        let anchors: Vec<Vec<u8>> = read_anchors(&server_trust)?.iter().map(|c| c.der().to_vec()).collect();
        let manufacturer_anchors =
            if self.manufacturer_trust.is_empty() { mfg_default } else { read_anchors(&self.manufacturer_trust)? };
        let os = (self.os.first().cloned().unwrap_or_default(), self.os.get(1).cloned().unwrap_or_default());
        let config = crate::simulate::SimConfig {
            server: ServerEntry::server(self.server.clone(), anchors, "configured"),
            devices,
            concurrency: self.concurrency,
            manufacturer_anchors,
            os,
            timeout: Duration::from_secs(self.timeout.max(1)),
            progress: !self.json,
        };
        Ok((config, plan))
    }
}
