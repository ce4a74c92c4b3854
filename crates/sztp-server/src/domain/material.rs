//! Loading what signed data needs for one device: its voucher, its owner certificate chain and
//! the owner's signing key (opened from the keystore).

use std::sync::Arc;

use sztp_protocol::cms::signer::Signer;
use sztp_protocol::x509::load_certificates;
use sztp_store::StoredVoucher;

use super::Site;
use super::conveyed::{BuildError, OwnerMaterial, trust_anchor_cms};
use super::identity::AuthenticatedDevice;
use super::keys;

/// The pieces of signed data that exist for a device, before the key is opened.
#[derive(Debug, Clone)]
pub(crate) struct Available {
    /// Name of the owner certificate (device's, else its type's).
    pub owner_certificate: String,
    /// The stored voucher.
    pub voucher: Arc<StoredVoucher>,
}

/// Finds the owner certificate name and voucher of a device; `None` when either is missing.
pub(crate) async fn available(
    site: &Site<'_>,
    device: &AuthenticatedDevice,
) -> Result<Option<Available>, sztp_store::StoreError> {
    let Some(owner) = device.device.owner_certificate.clone().or_else(|| device.device_type.owner_certificate.clone())
    else {
        return Ok(None);
    };
    let generation = site.caches.generation();
    let key = (site.tenant, device.serial.clone());
    let voucher = match site.caches.vouchers.get(generation, &key) {
        Some(cached) => cached,
        None => {
            let read = site.store.get_voucher(site.tenant, &device.serial).await?.map(Arc::new);
            site.caches.vouchers.insert(generation, key, read.clone());
            read
        }
    };
    Ok(voucher.map(|voucher| Available { owner_certificate: owner, voucher }))
}

/// The owner certificate `name` ready to sign: from the cache, else its key opened and its
/// owner-certificate artifact built (and cached).
pub(crate) async fn owner(site: &Site<'_>, name: &str) -> Result<Arc<OwnerMaterial>, LoadError> {
    let generation = site.caches.generation();
    let key = (site.tenant, name.to_owned());
    if let Some(found) = site.caches.owners.get(generation, &key) {
        return Ok(found);
    }
    let loaded = Arc::new(load(site, name).await?);
    site.caches.owners.insert(generation, key, loaded.clone());
    Ok(loaded)
}

async fn load(site: &Site<'_>, name: &str) -> Result<OwnerMaterial, LoadError> {
    let (store, tenant) = (site.store, site.tenant);
    let owner = store
        .get_owner_certificate(tenant, name)
        .await?
        .ok_or_else(|| BuildError::MissingSigningMaterial(format!("owner certificate \"{name}\" does not exist")))?;
    let stored_key = store.get_key(tenant, &owner.key).await?.ok_or_else(|| {
        BuildError::MissingSigningMaterial(format!(
            "key \"{}\" of owner certificate \"{}\" does not exist",
            owner.key, owner.name
        ))
    })?;
    let pkcs8 = keys::open(site.kek, tenant, &stored_key)
        .map_err(|e| BuildError::MissingSigningMaterial(format!("key \"{}\" cannot be opened: {e}", owner.key)))?;
    let chain = load_certificates(owner.cert_chain_pem.as_bytes())
        .map_err(|e| BuildError::BadConfiguration(format!("owner certificate \"{}\": {e}", owner.name)))?;
    let signer = Signer::new(&pkcs8, chain)?;
    Ok(OwnerMaterial { signer, owner_certificate: trust_anchor_cms(&owner.cert_chain_pem)? })
}

/// Why signing material could not be loaded.
#[derive(Debug, thiserror::Error)]
pub(crate) enum LoadError {
    /// Configuration problem.
    #[error(transparent)]
    Build(#[from] BuildError),
    /// Storage failure.
    #[error("storage: {0}")]
    Store(#[from] sztp_store::StoreError),
}

impl From<sztp_protocol::cms::CmsError> for LoadError {
    fn from(e: sztp_protocol::cms::CmsError) -> Self {
        LoadError::Build(BuildError::Cms(e))
    }
}
