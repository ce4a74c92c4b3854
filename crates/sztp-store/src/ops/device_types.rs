//! Device types: identity rules, compatibility profile, signing policy and response selection rules.

use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, ColumnTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};

use super::{find_owned, owned_write_err};
use crate::codec::{check_name, check_opt_name, enum_parse, enum_str, from_json, micros, now, to_json};
use crate::entity::config::device_type::{self, Column};
use crate::error::{Result, StoreError, db_err, is_fk_violation};
use crate::model::{DeviceType, MatchRule, TenantId};
use crate::store::Store;

/// Checks the names a list of rules refers to.
pub(crate) fn check_rules(rules: &[MatchRule]) -> Result<()> {
    rules.iter().try_for_each(|r| check_name("response", &r.response))
}

fn validate(t: &DeviceType) -> Result<()> {
    check_name("device type", &t.name)?;
    check_opt_name("trust bag", t.trust_bag.as_deref())?;
    check_opt_name("owner certificate", t.owner_certificate.as_deref())?;
    check_rules(&t.rules)
}

pub(crate) fn from_row(row: device_type::Model) -> Result<DeviceType> {
    Ok(DeviceType {
        name: row.name,
        trust_bag: row.trust_bag,
        allow_sha1: row.allow_sha1,
        serial_rule: from_json(&row.serial_rule, "serial rule")?,
        profile: enum_parse(&row.profile, "compatibility profile")?,
        signing: enum_parse(&row.signing, "signing policy")?,
        encrypt: row.encrypt,
        owner_certificate: row.owner_certificate,
        reporting_level: enum_parse(&row.reporting_level, "reporting level")?,
        rules: from_json(&row.rules, "device type rules")?,
    })
}

impl Store {
    /// Creates or replaces a device type.
    pub async fn put_device_type(&self, tenant: TenantId, t: &DeviceType) -> Result<()> {
        validate(t)?;
        let row = device_type::ActiveModel {
            tenant_id: Set(tenant.0),
            name: Set(t.name.clone()),
            trust_bag: Set(t.trust_bag.clone()),
            allow_sha1: Set(t.allow_sha1),
            serial_rule: Set(to_json(&t.serial_rule, "serial rule")?),
            profile: Set(enum_str(&t.profile, "compatibility profile")?),
            signing: Set(enum_str(&t.signing, "signing policy")?),
            encrypt: Set(t.encrypt),
            owner_certificate: Set(t.owner_certificate.clone()),
            reporting_level: Set(enum_str(&t.reporting_level, "reporting level")?),
            rules: Set(to_json(&t.rules, "device type rules")?),
            updated_at: Set(micros(now())),
            ..Default::default()
        };
        let on_conflict = OnConflict::columns([Column::TenantId, Column::Name])
            .update_columns([
                Column::TrustBag,
                Column::AllowSha1,
                Column::SerialRule,
                Column::Profile,
                Column::Signing,
                Column::Encrypt,
                Column::OwnerCertificate,
                Column::ReportingLevel,
                Column::Rules,
                Column::UpdatedAt,
            ])
            .to_owned();
        device_type::Entity::insert(row)
            .on_conflict(on_conflict)
            .exec_without_returning(&self.conn())
            .await
            .map_err(|e| owned_write_err(e, tenant, "device type", &t.name))?;
        self.config_changed();
        Ok(())
    }

    /// The device type with this name.
    pub async fn get_device_type(&self, tenant: TenantId, name: &str) -> Result<Option<DeviceType>> {
        let row =
            find_owned::<device_type::Entity, _>(&self.conn(), Column::TenantId, Column::Name, tenant, name).await?;
        row.map(from_row).transpose()
    }

    /// All device types of the tenant, by name.
    pub async fn list_device_types(&self, tenant: TenantId) -> Result<Vec<DeviceType>> {
        let rows = device_type::Entity::find()
            .filter(Column::TenantId.eq(tenant.0))
            .order_by_asc(Column::Name)
            .all(&self.conn())
            .await
            .map_err(db_err)?;
        rows.into_iter().map(from_row).collect()
    }

    /// Deletes a device type; [`StoreError::InUse`] while devices still have it.
    pub async fn delete_device_type(&self, tenant: TenantId, name: &str) -> Result<()> {
        let res = device_type::Entity::delete_many()
            .filter(Column::TenantId.eq(tenant.0))
            .filter(Column::Name.eq(name))
            .exec(&self.conn())
            .await
            .map_err(|e: DbErr| {
                if is_fk_violation(&e) {
                    StoreError::InUse { kind: "device type", name: name.to_owned(), used_by: "devices" }
                } else {
                    db_err(e)
                }
            })?;
        if res.rows_affected == 0 {
            return Err(StoreError::NotFound { kind: "device type", name: name.to_owned() });
        }
        self.config_changed();
        Ok(())
    }
}
