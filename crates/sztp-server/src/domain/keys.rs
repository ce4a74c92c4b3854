//! Private keys at rest: sealed with the key-encryption key, bound to their keystore name so a
//! sealed blob copied onto another key's row does not open.

use sztp_ca::{CaError, KeyEncryptionKey, PrivateKey};
use sztp_store::{StoredKey, TenantId};
use time::OffsetDateTime;
use zeroize::Zeroizing;

fn aad(tenant: TenantId, name: &str) -> Vec<u8> {
    format!("sztp-keystore:{}:{name}", tenant.0).into_bytes()
}

/// A keystore row for `key`, its private half sealed.
pub(crate) fn seal(
    kek: &KeyEncryptionKey,
    tenant: TenantId,
    name: &str,
    key: &PrivateKey,
) -> Result<StoredKey, CaError> {
    Ok(StoredKey {
        name: name.to_owned(),
        algorithm: key.algorithm().to_string(),
        public_key_der: key.public_key_der(),
        sealed_private_key: kek.seal(key.pkcs8_der(), &aad(tenant, name))?,
        created_at: OffsetDateTime::now_utc(),
    })
}

/// The PKCS#8 DER of a keystore row.
pub(crate) fn open(
    kek: &KeyEncryptionKey,
    tenant: TenantId,
    stored: &StoredKey,
) -> Result<Zeroizing<Vec<u8>>, CaError> {
    kek.open(&stored.sealed_private_key, &aad(tenant, &stored.name))
}
