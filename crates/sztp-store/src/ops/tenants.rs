//! Deleting a tenant: every row that carries its id (configuration, logs, pending events) and
//! the tenant row itself, in one transaction, unless an administrator is scoped to it.

use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, QuerySelect, TransactionTrait};

use crate::codec::from_json;
use crate::entity::admin::administrator;
use crate::entity::config::{device, device_type, endpoint, response, tenant};
use crate::entity::logs::{audit, bootstrap_log, device_status, outbox, progress};
use crate::entity::pki::{artifact, key, owner_cert, trust_bag, trust_bag_cert, voucher};
use crate::error::{Result, StoreError, db_err};
use crate::model::TenantId;
use crate::store::Store;

/// Deletes the rows of `tenant` from the table of `col` (its `tenant_id` column).
async fn purge<C>(txn: &DatabaseTransaction, col: C, tenant: TenantId) -> Result<u64>
where
    C: ColumnTrait,
    C::EntityName: EntityTrait,
{
    let res = <C::EntityName as EntityTrait>::delete_many().filter(col.eq(tenant.0)).exec(txn).await.map_err(db_err)?;
    Ok(res.rows_affected)
}

/// Logins of the administrators whose tenant scope lists `name`, read with a locking read (the
/// latest rows, whatever the isolation level).
async fn scoped_administrators(txn: &DatabaseTransaction, name: &str) -> Result<Vec<String>> {
    use administrator::Column as C;
    let rows: Vec<(String, String)> = administrator::Entity::find()
        .select_only()
        .column(C::Login)
        .column(C::Tenants)
        .lock_exclusive()
        .into_tuple()
        .all(txn)
        .await
        .map_err(db_err)?;
    let mut logins = Vec::new();
    for (login, tenants) in rows {
        let tenants: Vec<String> = from_json(&tenants, "administrator tenant list")?;
        if tenants.iter().any(|t| t == name) {
            logins.push(login);
        }
    }
    logins.sort();
    Ok(logins)
}

async fn refuse(txn: DatabaseTransaction, message: String) -> Result<()> {
    txn.rollback().await.map_err(db_err)?;
    Err(StoreError::Refused(message))
}

impl Store {
    /// Deletes tenant `id` and everything that carries its id, in one transaction: devices and
    /// their status and progress reports, device types, responses, trust bags, owner
    /// certificates, vouchers, keys, artifacts, endpoints, its bootstrapping and audit logs and
    /// its events not yet delivered; then notifies [`Store::endpoint_changes`] if endpoints went.
    ///
    /// Refused with [`StoreError::Refused`] for [`TenantId::DEFAULT`] and while an administrator
    /// lists the tenant in its scope (removing it could leave an empty scope, which means every
    /// tenant); an absent tenant gives [`StoreError::NotFound`].
    pub async fn delete_tenant(&self, id: TenantId) -> Result<()> {
        if id == TenantId::DEFAULT {
            return Err(StoreError::Refused(
                "tenant 'default' cannot be deleted: the server falls back to it".to_owned(),
            ));
        }
        let txn = self.conn().begin().await.map_err(db_err)?;
        // A write first: it locks the tenant row on PostgreSQL/MySQL, so a concurrent insert
        // under this tenant waits for the outcome (and then finds no tenant), and takes the write
        // lock on SQLite before any read.
        let locked = tenant::Entity::update_many()
            .col_expr(tenant::Column::Name, Expr::col(tenant::Column::Name))
            .filter(tenant::Column::Id.eq(id.0))
            .exec(&txn)
            .await
            .map_err(db_err)?;
        let row = tenant::Entity::find_by_id(id.0).lock_exclusive().one(&txn).await.map_err(db_err)?;
        let Some(row) = row.filter(|_| locked.rows_affected > 0) else {
            txn.rollback().await.map_err(db_err)?;
            return Err(StoreError::NotFound { kind: "tenant", name: id.to_string() });
        };
        let admins = scoped_administrators(&txn, &row.name).await?;
        if !admins.is_empty() {
            let list = admins.iter().map(|a| format!("'{a}'")).collect::<Vec<_>>().join(", ");
            return refuse(
                txn,
                format!(
                    "tenant '{}' is in the scope of administrator(s) {list}; remove it from their tenant list or delete them first",
                    row.name
                ),
            )
            .await;
        }
        // Devices refer to device types, so they go first.
        purge(&txn, device::Column::TenantId, id).await?;
        purge(&txn, device_type::Column::TenantId, id).await?;
        purge(&txn, response::Column::TenantId, id).await?;
        purge(&txn, trust_bag_cert::Column::TenantId, id).await?;
        purge(&txn, trust_bag::Column::TenantId, id).await?;
        purge(&txn, owner_cert::Column::TenantId, id).await?;
        purge(&txn, voucher::Column::TenantId, id).await?;
        purge(&txn, key::Column::TenantId, id).await?;
        purge(&txn, artifact::Column::TenantId, id).await?;
        let endpoints = purge(&txn, endpoint::Column::TenantId, id).await?;
        purge(&txn, device_status::Column::TenantId, id).await?;
        purge(&txn, progress::Column::TenantId, id).await?;
        purge(&txn, bootstrap_log::Column::TenantId, id).await?;
        purge(&txn, audit::Column::TenantId, id).await?;
        purge(&txn, outbox::Column::TenantId, id).await?;
        tenant::Entity::delete_by_id(id.0).exec(&txn).await.map_err(db_err)?;
        txn.commit().await.map_err(db_err)?;
        if endpoints > 0 {
            self.endpoints_changed();
        }
        self.config_changed();
        Ok(())
    }
}
