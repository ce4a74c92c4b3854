//! Devices: single and bulk create-or-replace, paging, and the hot-path device+type lookup.

use std::collections::HashSet;

use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
    TransactionTrait,
};

use super::device_types::{self, check_rules};
use super::{delete_owned, find_owned};
use crate::codec::{check_name, check_opt_name, enum_str, from_json, micros, now, opt_enum_parse, page_limit, to_json};
use crate::entity::config::{device, device_type};
use crate::error::{Result, StoreError, db_err, is_fk_violation, write_err};
use crate::model::{Device, DeviceType, TenantId};
use crate::store::Store;

/// Rows per INSERT in bulk imports: 13 columns × 500 stays under every backend's parameter limit.
const BULK_CHUNK: usize = 500;

fn validate(d: &Device) -> Result<()> {
    check_name("device serial number", &d.serial)?;
    check_name("device type", &d.device_type)?;
    check_opt_name("owner certificate", d.owner_certificate.as_deref())?;
    check_rules(&d.rules)
}

fn to_row(tenant: TenantId, d: &Device, updated_at: i64) -> Result<device::ActiveModel> {
    Ok(device::ActiveModel {
        tenant_id: Set(tenant.0),
        serial: Set(d.serial.clone()),
        device_type: Set(d.device_type.clone()),
        activation_code_hash: Set(d.activation_code_hash.clone()),
        idevid_cert_der: Set(d.idevid_cert_der.clone()),
        reporting_level: Set(d.reporting_level.as_ref().map(|v| enum_str(v, "reporting level")).transpose()?),
        signing: Set(d.signing.as_ref().map(|v| enum_str(v, "signing policy")).transpose()?),
        encrypt: Set(d.encrypt),
        owner_certificate: Set(d.owner_certificate.clone()),
        rules: Set(to_json(&d.rules, "device rules")?),
        enabled: Set(d.enabled),
        updated_at: Set(updated_at),
        ..Default::default()
    })
}

fn from_row(row: device::Model) -> Result<Device> {
    Ok(Device {
        serial: row.serial,
        device_type: row.device_type,
        activation_code_hash: row.activation_code_hash,
        idevid_cert_der: row.idevid_cert_der,
        reporting_level: opt_enum_parse(row.reporting_level.as_deref(), "reporting level")?,
        signing: opt_enum_parse(row.signing.as_deref(), "signing policy")?,
        encrypt: row.encrypt,
        owner_certificate: row.owner_certificate,
        rules: from_json(&row.rules, "device rules")?,
        enabled: row.enabled,
    })
}

/// Every column but the key, rewritten when a device is replaced.
fn upsert() -> OnConflict {
    use device::Column as C;
    OnConflict::columns([C::TenantId, C::Serial])
        .update_columns([
            C::DeviceType,
            C::ActivationCodeHash,
            C::IdevidCertDer,
            C::ReportingLevel,
            C::Signing,
            C::Encrypt,
            C::OwnerCertificate,
            C::Rules,
            C::Enabled,
            C::UpdatedAt,
        ])
        .to_owned()
}

impl Store {
    /// Creates or replaces a device; its device type must exist.
    pub async fn put_device(&self, tenant: TenantId, d: &Device) -> Result<()> {
        validate(d)?;
        let res = device::Entity::insert(to_row(tenant, d, micros(now()))?)
            .on_conflict(upsert())
            .exec_without_returning(&self.conn())
            .await;
        let result = match res {
            Ok(_) => Ok(()),
            Err(e) if is_fk_violation(&e) => Err(self.missing_parent(tenant, &d.device_type).await),
            Err(e) => Err(write_err(e, "device", &d.serial)),
        };
        if result.is_ok() {
            self.config_changed();
        }
        result
    }

    /// Names what a failed foreign key pointed at: the device type, or else the tenant.
    async fn missing_parent(&self, tenant: TenantId, device_type: &str) -> StoreError {
        match self.get_device_type(tenant, device_type).await {
            Ok(Some(_)) => StoreError::NotFound { kind: "tenant", name: tenant.to_string() },
            Ok(None) => StoreError::NotFound { kind: "device type", name: device_type.to_owned() },
            Err(e) => e,
        }
    }

    /// Creates or replaces many devices in one transaction, with batched inserts.
    ///
    /// Returns one result per input: invalid items, unknown device types and repeated serial
    /// numbers are reported and skipped; the others are all written, or none on a database error.
    pub async fn put_devices_bulk(&self, tenant: TenantId, devices: &[Device]) -> Result<Vec<Result<()>>> {
        let types: HashSet<String> = device_type::Entity::find()
            .select_only()
            .column(device_type::Column::Name)
            .filter(device_type::Column::TenantId.eq(tenant.0))
            .into_tuple::<String>()
            .all(&self.conn())
            .await
            .map_err(db_err)?
            .into_iter()
            .collect();
        let updated_at = micros(now());
        let mut seen = HashSet::with_capacity(devices.len());
        let mut results = Vec::with_capacity(devices.len());
        let mut rows = Vec::with_capacity(devices.len());
        for d in devices {
            let checked = validate(d).and_then(|()| {
                if !types.contains(&d.device_type) {
                    Err(StoreError::NotFound { kind: "device type", name: d.device_type.clone() })
                } else if !seen.insert(d.serial.as_str()) {
                    Err(StoreError::Conflict { kind: "device", name: d.serial.clone() })
                } else {
                    to_row(tenant, d, updated_at)
                }
            });
            results.push(checked.map(|row| rows.push(row)));
        }
        let txn = self.conn().begin().await.map_err(db_err)?;
        for chunk in rows.chunks(BULK_CHUNK) {
            device::Entity::insert_many(chunk.to_vec())
                .on_conflict(upsert())
                .exec_without_returning(&txn)
                .await
                .map_err(|e: DbErr| {
                    if is_fk_violation(&e) {
                        StoreError::Database("a device type was deleted during the import; nothing was written".into())
                    } else {
                        db_err(e)
                    }
                })?;
        }
        txn.commit().await.map_err(db_err)?;
        self.config_changed();
        Ok(results)
    }

    /// The device with this serial number.
    pub async fn get_device(&self, tenant: TenantId, serial: &str) -> Result<Option<Device>> {
        let (t, s) = (device::Column::TenantId, device::Column::Serial);
        find_owned::<device::Entity, _>(&self.conn(), t, s, tenant, serial).await?.map(from_row).transpose()
    }

    /// A page of the tenant's devices, by serial number (at most [`crate::MAX_PAGE_SIZE`]).
    pub async fn list_devices(&self, tenant: TenantId, limit: u64, offset: u64) -> Result<Vec<Device>> {
        let rows = device::Entity::find()
            .filter(device::Column::TenantId.eq(tenant.0))
            .order_by_asc(device::Column::Serial)
            .limit(page_limit(limit))
            .offset(offset)
            .all(&self.conn())
            .await
            .map_err(db_err)?;
        rows.into_iter().map(from_row).collect()
    }

    /// The tenant's devices with serial numbers after `after` (from the first when `None`), by
    /// serial number, at most `limit` (≤ [`crate::MAX_PAGE_SIZE`]). Reading a long list page by
    /// page this way neither skips nor repeats devices while others are added or deleted.
    pub async fn list_devices_after(&self, tenant: TenantId, after: Option<&str>, limit: u64) -> Result<Vec<Device>> {
        let mut select = device::Entity::find().filter(device::Column::TenantId.eq(tenant.0));
        if let Some(after) = after {
            select = select.filter(device::Column::Serial.gt(after));
        }
        let rows = select
            .order_by_asc(device::Column::Serial)
            .limit(page_limit(limit))
            .all(&self.conn())
            .await
            .map_err(db_err)?;
        rows.into_iter().map(from_row).collect()
    }

    /// Number of devices of the tenant.
    pub async fn count_devices(&self, tenant: TenantId) -> Result<u64> {
        device::Entity::find().filter(device::Column::TenantId.eq(tenant.0)).count(&self.conn()).await.map_err(db_err)
    }

    /// Deletes a device (its status, logs and voucher stay).
    pub async fn delete_device(&self, tenant: TenantId, serial: &str) -> Result<()> {
        let (t, s) = (device::Column::TenantId, device::Column::Serial);
        let result = delete_owned::<device::Entity, _>(&self.conn(), t, s, tenant, serial, "device").await;
        if result.is_ok() {
            self.config_changed();
        }
        result
    }

    /// Hot path: the device and its type, in two indexed reads.
    pub async fn device_with_type(&self, tenant: TenantId, serial: &str) -> Result<Option<(Device, DeviceType)>> {
        let db = &self.conn();
        let (t, s) = (device::Column::TenantId, device::Column::Serial);
        let Some(row) = find_owned::<device::Entity, _>(db, t, s, tenant, serial).await? else {
            return Ok(None);
        };
        let (tt, tn) = (device_type::Column::TenantId, device_type::Column::Name);
        let Some(type_row) = find_owned::<device_type::Entity, _>(db, tt, tn, tenant, &row.device_type).await? else {
            return Err(StoreError::Database(format!("device '{serial}' refers to a missing device type")));
        };
        Ok(Some((from_row(row)?, device_types::from_row(type_row)?)))
    }
}
