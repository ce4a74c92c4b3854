//! TLS client set-up for the load driver: rustls on aws-lc-rs, the server's CA, and a quickstart
//! device's IDevID (chain leaf first, PKCS#8 key) and HTTP Basic credentials.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use base64::Engine;
use http::HeaderValue;
use rustls::client::Resumption;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::{ClientConfig, RootCertStore};

/// The directory of quickstart device number `n` (`DIR/devices/SN-0001`).
pub(crate) fn device_dir(credentials: &Path, n: u32) -> PathBuf {
    credentials.join("devices").join(format!("SN-{n:04}"))
}

/// A client configuration trusting `ca`, presenting `identity` (a device directory) if given.
pub(crate) fn client_config(ca: &Path, identity: Option<&Path>, resumption: bool) -> anyhow::Result<Arc<ClientConfig>> {
    let mut roots = RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(ca).with_context(|| format!("reading {}", ca.display()))? {
        roots.add(cert?)?;
    }
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let builder = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots);
    let mut config = match identity {
        Some(dir) => {
            let chain = CertificateDer::pem_file_iter(dir.join("idevid.pem"))
                .with_context(|| format!("reading {}/idevid.pem", dir.display()))?
                .collect::<Result<Vec<_>, _>>()?;
            let key = PrivateKeyDer::from_pem_file(dir.join("idevid.key"))
                .with_context(|| format!("reading {}/idevid.key", dir.display()))?;
            builder.with_client_auth_cert(chain, key)?
        }
        None => builder.with_no_client_auth(),
    };
    if !resumption {
        // Every new connection is then a full handshake, client certificate included.
        config.resumption = Resumption::disabled();
    }
    Ok(Arc::new(config))
}

/// The `Authorization: Basic` header of a device: its serial number and activation code.
pub(crate) fn basic_auth(dir: &Path) -> anyhow::Result<HeaderValue> {
    let serial = dir.file_name().and_then(|n| n.to_str()).context("device directory without a name")?;
    let password =
        std::fs::read_to_string(dir.join("password")).with_context(|| format!("reading {}/password", dir.display()))?;
    let token = base64::engine::general_purpose::STANDARD.encode(format!("{serial}:{}", password.trim()));
    Ok(HeaderValue::from_str(&format!("Basic {token}"))?)
}
