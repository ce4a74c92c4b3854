//! Undo journals of YANG Patches in progress, as releases before units of work kept them
//! (migration 4). A database left with an open journal by a crash is put back once, at the
//! upgrade; migration 5 then drops the tables, so this never runs again.

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::Deserialize;

use crate::entity::journal::{change_journal, change_undo};
use crate::error::{Result, StoreError, db_err};
use crate::model::{
    Artifact, Device, DeviceType, Endpoint, OwnerCertificate, Response, StoredVoucher, TenantId, TrustBag,
};
use crate::store::Store;

/// An entry as it was before the patch touched it (`None`: it did not exist), in the form
/// those releases wrote.
#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
enum Snapshot {
    Device(TenantId, String, Option<Device>),
    DeviceType(TenantId, String, Option<DeviceType>),
    Response(TenantId, String, Option<Response>),
    TrustBag(TenantId, String, Option<TrustBag>),
    OwnerCertificate(TenantId, String, Option<OwnerCertificate>),
    Voucher(TenantId, String, Option<StoredVoucher>),
    Endpoint(String, Option<Endpoint>),
    Artifact(TenantId, String, Option<Artifact>),
}

impl Store {
    /// Undoes every open journal (last edit first) in one unit of work, and returns how many
    /// there were. An unreadable record fails the upgrade rather than leave a patch half-applied.
    pub(crate) async fn recover_legacy_journals(&self) -> Result<usize> {
        recover(self).await
    }
}

async fn recover(store: &Store) -> Result<usize> {
    let heads = change_journal::Entity::find()
        .order_by_asc(change_journal::Column::Id)
        .all(&store.conn())
        .await
        .map_err(db_err)?;
    if heads.is_empty() {
        return Ok(0);
    }
    let uow = store.begin().await?;
    for head in &heads {
        let records = change_undo::Entity::find()
            .filter(change_undo::Column::JournalId.eq(head.id))
            .order_by_desc(change_undo::Column::Id)
            .all(&uow.conn())
            .await
            .map_err(db_err)?;
        for record in records {
            let snapshot: Snapshot = serde_json::from_str(&record.record).map_err(|e| {
                StoreError::Database(format!("undo record {} of YANG Patch \"{}\": {e}", record.id, head.label))
            })?;
            restore(&uow, snapshot).await?;
        }
    }
    change_undo::Entity::delete_many().exec(&uow.conn()).await.map_err(db_err)?;
    change_journal::Entity::delete_many().exec(&uow.conn()).await.map_err(db_err)?;
    uow.commit().await?;
    Ok(heads.len())
}

async fn restore(store: &Store, s: Snapshot) -> Result<()> {
    let result = match s {
        Snapshot::Device(t, k, v) => match v {
            Some(v) => store.put_device(t, &v).await,
            None => store.delete_device(t, &k).await,
        },
        Snapshot::DeviceType(t, k, v) => match v {
            Some(v) => store.put_device_type(t, &v).await,
            None => store.delete_device_type(t, &k).await,
        },
        Snapshot::Response(t, k, v) => match v {
            Some(v) => store.put_response(t, &v).await,
            None => store.delete_response(t, &k).await,
        },
        Snapshot::TrustBag(t, k, v) => match v {
            Some(v) => store.put_trust_bag(t, &v).await,
            None => store.delete_trust_bag(t, &k).await,
        },
        Snapshot::OwnerCertificate(t, k, v) => match v {
            Some(v) => store.put_owner_certificate(t, &v).await,
            None => store.delete_owner_certificate(t, &k).await,
        },
        Snapshot::Voucher(t, k, v) => match v {
            Some(v) => store.put_voucher(t, &v).await,
            None => store.delete_voucher(t, &k).await,
        },
        Snapshot::Endpoint(k, v) => match v {
            Some(v) => store.put_endpoint(&v).await,
            None => store.delete_endpoint(&k).await,
        },
        Snapshot::Artifact(t, k, v) => match v {
            Some(v) => store.put_artifact(t, &v).await,
            None => store.delete_artifact(t, &k).await,
        },
    };
    match result {
        Ok(()) | Err(StoreError::NotFound { .. }) => Ok(()),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use sea_orm::ActiveValue::Set;
    use sea_orm_migration::MigratorTrait;

    use super::*;
    use crate::migration::Migrator;
    use crate::model::{CompatProfile, ReportingLevel, SigningPolicy};

    fn device_type() -> DeviceType {
        DeviceType {
            name: "dpu".into(),
            trust_bag: None,
            allow_sha1: false,
            serial_rule: Default::default(),
            profile: CompatProfile::Rfc8572,
            signing: SigningPolicy::WhenRequired,
            encrypt: false,
            owner_certificate: None,
            reporting_level: ReportingLevel::Verbose,
            rules: vec![],
        }
    }

    fn device(serial: &str, enabled: bool) -> Device {
        Device {
            serial: serial.into(),
            device_type: "dpu".into(),
            activation_code_hash: None,
            idevid_cert_der: None,
            reporting_level: None,
            signing: None,
            encrypt: None,
            owner_certificate: None,
            rules: vec![],
            enabled,
        }
    }

    /// A database of the release with undo journals, left by a crash with a patch half-applied
    /// (SN-1 changed, SN-2 created), is put back when this release opens it, and only then.
    #[tokio::test]
    async fn an_open_journal_is_undone_once_at_the_upgrade_and_its_tables_go() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("old.db").display());
        let db = sea_orm::Database::connect(url.as_str()).await.unwrap();
        Migrator::up(&db, Some(4)).await.unwrap();
        let old = Store::over(db);
        let t = TenantId::DEFAULT;
        old.put_device_type(t, &device_type()).await.unwrap();
        old.put_device(t, &device("SN-1", true)).await.unwrap();
        let journal =
            change_journal::ActiveModel { label: Set("p-1".into()), started_at: Set(0), ..Default::default() };
        let id = change_journal::Entity::insert(journal).exec(&old.conn()).await.unwrap().last_insert_id;
        let before_sn1 = serde_json::json!({"device": [t, "SN-1", device("SN-1", true)]});
        let before_sn2 = serde_json::json!({"device": [t, "SN-2", null]});
        for record in [before_sn1, before_sn2] {
            let row =
                change_undo::ActiveModel { journal_id: Set(id), record: Set(record.to_string()), ..Default::default() };
            change_undo::Entity::insert(row).exec(&old.conn()).await.unwrap();
        }
        old.put_device(t, &device("SN-1", false)).await.unwrap();
        old.put_device(t, &device("SN-2", true)).await.unwrap();
        old.close().await.unwrap();

        let store = Store::open(&url, &Default::default()).await.unwrap();
        assert_eq!(store.recovered_patches(), 1);
        assert_eq!(store.get_device(t, "SN-1").await.unwrap(), Some(device("SN-1", true)), "put back");
        assert_eq!(store.get_device(t, "SN-2").await.unwrap(), None, "created by the patch: removed");
        assert_eq!(store.schema_version().await.unwrap(), 7);
        store.close().await.unwrap();
        let again = Store::open(&url, &Default::default()).await.unwrap();
        assert_eq!(again.recovered_patches(), 0, "never again");
        again.close().await.unwrap();
    }
}
