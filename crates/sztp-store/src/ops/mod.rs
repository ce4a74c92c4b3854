//! `Store` methods, one module per area; all writes that belong together share one transaction.

mod admins;
mod artifacts;
mod audit;
mod bootstrap;
mod bulk;
mod device_types;
mod devices;
mod endpoints;
mod pki;
mod requests;
mod responses;
mod retention;
mod tenants;

pub use artifacts::{ARTIFACT_CHUNK, ArtifactReader, ArtifactUpload};
pub use requests::RequestRecords;
pub use retention::Pruned;

/// Cuts a string to at most `max` characters, for log columns fed by untrusted peers.
/// The longest free text kept in a log field (a path, a message, an error); longer is clipped,
/// so no request can store more than a few KiB.
pub(crate) const MAX_TEXT_LEN: usize = 2048;
/// The longest JSON detail kept with a log record, in bytes of its text.
const MAX_DETAIL_LEN: usize = 8192;

/// `detail` as stored: itself when small, else its text clipped inside `{"clipped": …}`.
pub(crate) fn clip_json(detail: &serde_json::Value) -> serde_json::Value {
    let text = detail.to_string();
    if text.len() <= MAX_DETAIL_LEN {
        return detail.clone();
    }
    serde_json::json!({ "clipped": clip(&text, MAX_DETAIL_LEN / 2) })
}

pub(crate) fn clip(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((at, _)) => s[..at].to_owned(),
        None => s.to_owned(),
    }
}

use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};

use crate::error::{Result, StoreError, db_err, is_fk_violation, write_err};
use crate::model::TenantId;

/// Maps a write error on a tenant-owned row: a missing tenant, a unique collision, or a database failure.
pub(crate) fn owned_write_err(e: DbErr, tenant: TenantId, kind: &'static str, name: &str) -> StoreError {
    if is_fk_violation(&e) {
        StoreError::NotFound { kind: "tenant", name: tenant.to_string() }
    } else {
        write_err(e, kind, name)
    }
}

/// Deletes the row of `tenant` whose `key_col` is `key`; none gives [`StoreError::NotFound`].
pub(crate) async fn delete_owned<E, C>(
    db: &C,
    tenant_col: E::Column,
    key_col: E::Column,
    tenant: TenantId,
    key: &str,
    kind: &'static str,
) -> Result<()>
where
    E: EntityTrait,
    C: ConnectionTrait,
{
    let res =
        E::delete_many().filter(tenant_col.eq(tenant.0)).filter(key_col.eq(key)).exec(db).await.map_err(db_err)?;
    if res.rows_affected == 0 {
        return Err(StoreError::NotFound { kind, name: key.to_owned() });
    }
    Ok(())
}

/// Finds the row of `tenant` whose `key_col` is `key`.
pub(crate) async fn find_owned<E, C>(
    db: &C,
    tenant_col: E::Column,
    key_col: E::Column,
    tenant: TenantId,
    key: &str,
) -> Result<Option<E::Model>>
where
    E: EntityTrait,
    C: ConnectionTrait,
{
    E::find().filter(tenant_col.eq(tenant.0)).filter(key_col.eq(key)).one(db).await.map_err(db_err)
}
