//! Keystore (sealed private keys), trust bags with their certificates, owner certificates, vouchers.

use std::collections::HashMap;

use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, TransactionTrait};

use super::{delete_owned, find_owned, owned_write_err};
use crate::codec::{check_name, from_micros, from_opt_micros, micros, now, opt_micros};
use crate::entity::pki::{key, owner_cert, trust_bag, trust_bag_cert, voucher};
use crate::error::{Result, StoreError, db_err};
use crate::model::{OwnerCertificate, StoredKey, StoredVoucher, TenantId, TrustBag};
use crate::store::Store;

fn key_from_row(row: key::Model) -> Result<StoredKey> {
    Ok(StoredKey {
        name: row.name,
        algorithm: row.algorithm,
        public_key_der: row.public_key_der,
        sealed_private_key: row.sealed_private_key,
        created_at: from_micros(row.created_at, "key creation")?,
    })
}

fn owner_from_row(row: owner_cert::Model) -> OwnerCertificate {
    OwnerCertificate { name: row.name, key: row.key_name, cert_chain_pem: row.cert_chain_pem }
}

fn voucher_from_row(row: voucher::Model) -> Result<StoredVoucher> {
    Ok(StoredVoucher {
        serial: row.serial,
        cms_der: row.cms_der,
        expires_at: from_opt_micros(row.expires_at, "voucher expiry")?,
    })
}

impl Store {
    /// Creates or replaces a key; the private key must already be sealed by the caller.
    pub async fn put_key(&self, tenant: TenantId, k: &StoredKey) -> Result<()> {
        check_name("key", &k.name)?;
        if k.algorithm.is_empty() || k.algorithm.len() > 64 {
            return Err(StoreError::Invalid(format!("key '{}': algorithm must be 1 to 64 characters", k.name)));
        }
        let row = key::ActiveModel {
            tenant_id: Set(tenant.0),
            name: Set(k.name.clone()),
            algorithm: Set(k.algorithm.clone()),
            public_key_der: Set(k.public_key_der.clone()),
            sealed_private_key: Set(k.sealed_private_key.clone()),
            created_at: Set(micros(k.created_at)),
            ..Default::default()
        };
        let cols =
            [key::Column::Algorithm, key::Column::PublicKeyDer, key::Column::SealedPrivateKey, key::Column::CreatedAt];
        key::Entity::insert(row)
            .on_conflict(
                OnConflict::columns([key::Column::TenantId, key::Column::Name]).update_columns(cols).to_owned(),
            )
            .exec_without_returning(&self.conn())
            .await
            .map_err(|e| owned_write_err(e, tenant, "key", &k.name))?;
        self.config_changed();
        Ok(())
    }

    /// The key with this name.
    pub async fn get_key(&self, tenant: TenantId, name: &str) -> Result<Option<StoredKey>> {
        let row =
            find_owned::<key::Entity, _>(&self.conn(), key::Column::TenantId, key::Column::Name, tenant, name).await?;
        row.map(key_from_row).transpose()
    }

    /// All keys of the tenant, by name.
    pub async fn list_keys(&self, tenant: TenantId) -> Result<Vec<StoredKey>> {
        let rows = key::Entity::find()
            .filter(key::Column::TenantId.eq(tenant.0))
            .order_by_asc(key::Column::Name)
            .all(&self.conn())
            .await
            .map_err(db_err)?;
        rows.into_iter().map(key_from_row).collect()
    }

    /// Deletes a key.
    pub async fn delete_key(&self, tenant: TenantId, name: &str) -> Result<()> {
        let result =
            delete_owned::<key::Entity, _>(&self.conn(), key::Column::TenantId, key::Column::Name, tenant, name, "key")
                .await;
        if result.is_ok() {
            self.config_changed();
        }
        result
    }

    /// Creates or replaces a trust bag and its certificates, in one transaction.
    pub async fn put_trust_bag(&self, tenant: TenantId, bag: &TrustBag) -> Result<()> {
        check_name("trust bag", &bag.name)?;
        let txn = self.conn().begin().await.map_err(db_err)?;
        let row = trust_bag::ActiveModel {
            tenant_id: Set(tenant.0),
            name: Set(bag.name.clone()),
            description: Set(bag.description.clone()),
            updated_at: Set(micros(now())),
            ..Default::default()
        };
        let on_conflict = OnConflict::columns([trust_bag::Column::TenantId, trust_bag::Column::Name])
            .update_columns([trust_bag::Column::Description, trust_bag::Column::UpdatedAt])
            .to_owned();
        trust_bag::Entity::insert(row)
            .on_conflict(on_conflict)
            .exec_without_returning(&txn)
            .await
            .map_err(|e| owned_write_err(e, tenant, "trust bag", &bag.name))?;
        let id = find_owned::<trust_bag::Entity, _>(
            &txn,
            trust_bag::Column::TenantId,
            trust_bag::Column::Name,
            tenant,
            &bag.name,
        )
        .await?
        .ok_or_else(|| StoreError::Database(format!("trust bag '{}' vanished while being written", bag.name)))?
        .id;
        trust_bag_cert::Entity::delete_many()
            .filter(trust_bag_cert::Column::TrustBagId.eq(id))
            .exec(&txn)
            .await
            .map_err(db_err)?;
        let mut certs = Vec::with_capacity(bag.certificates_der.len());
        for (i, der) in bag.certificates_der.iter().enumerate() {
            let position = i32::try_from(i).map_err(|_| StoreError::Invalid("too many certificates".into()))?;
            certs.push(trust_bag_cert::ActiveModel {
                tenant_id: Set(tenant.0),
                trust_bag_id: Set(id),
                position: Set(position),
                cert_der: Set(der.clone()),
                ..Default::default()
            });
        }
        for chunk in certs.chunks(200) {
            trust_bag_cert::Entity::insert_many(chunk.to_vec()).exec_without_returning(&txn).await.map_err(db_err)?;
        }
        let result = txn.commit().await.map_err(db_err);
        if result.is_ok() {
            self.config_changed();
        }
        result
    }

    /// The trust bag with this name and its certificates, in order.
    pub async fn get_trust_bag(&self, tenant: TenantId, name: &str) -> Result<Option<TrustBag>> {
        let db = &self.conn();
        let Some(row) =
            find_owned::<trust_bag::Entity, _>(db, trust_bag::Column::TenantId, trust_bag::Column::Name, tenant, name)
                .await?
        else {
            return Ok(None);
        };
        let certs = trust_bag_cert::Entity::find()
            .filter(trust_bag_cert::Column::TrustBagId.eq(row.id))
            .order_by_asc(trust_bag_cert::Column::Position)
            .all(db)
            .await
            .map_err(db_err)?;
        let certificates_der = certs.into_iter().map(|c| c.cert_der).collect();
        Ok(Some(TrustBag { name: row.name, description: row.description, certificates_der }))
    }

    /// All trust bags of the tenant with their certificates, by name (two queries).
    pub async fn list_trust_bags(&self, tenant: TenantId) -> Result<Vec<TrustBag>> {
        let db = &self.conn();
        let bags = trust_bag::Entity::find()
            .filter(trust_bag::Column::TenantId.eq(tenant.0))
            .order_by_asc(trust_bag::Column::Name)
            .all(db)
            .await
            .map_err(db_err)?;
        let certs = trust_bag_cert::Entity::find()
            .filter(trust_bag_cert::Column::TenantId.eq(tenant.0))
            .order_by_asc(trust_bag_cert::Column::TrustBagId)
            .order_by_asc(trust_bag_cert::Column::Position)
            .all(db)
            .await
            .map_err(db_err)?;
        let mut by_bag: HashMap<i64, Vec<Vec<u8>>> = HashMap::new();
        for c in certs {
            by_bag.entry(c.trust_bag_id).or_default().push(c.cert_der);
        }
        Ok(bags
            .into_iter()
            .map(|b| TrustBag {
                certificates_der: by_bag.remove(&b.id).unwrap_or_default(),
                name: b.name,
                description: b.description,
            })
            .collect())
    }

    /// Deletes a trust bag and its certificates.
    pub async fn delete_trust_bag(&self, tenant: TenantId, name: &str) -> Result<()> {
        let txn = self.conn().begin().await.map_err(db_err)?;
        let Some(row) = find_owned::<trust_bag::Entity, _>(
            &txn,
            trust_bag::Column::TenantId,
            trust_bag::Column::Name,
            tenant,
            name,
        )
        .await?
        else {
            return Err(StoreError::NotFound { kind: "trust bag", name: name.to_owned() });
        };
        trust_bag_cert::Entity::delete_many()
            .filter(trust_bag_cert::Column::TrustBagId.eq(row.id))
            .exec(&txn)
            .await
            .map_err(db_err)?;
        trust_bag::Entity::delete_by_id(row.id).exec(&txn).await.map_err(db_err)?;
        let result = txn.commit().await.map_err(db_err);
        if result.is_ok() {
            self.config_changed();
        }
        result
    }

    /// Creates or replaces an owner certificate.
    pub async fn put_owner_certificate(&self, tenant: TenantId, oc: &OwnerCertificate) -> Result<()> {
        check_name("owner certificate", &oc.name)?;
        check_name("key", &oc.key)?;
        let row = owner_cert::ActiveModel {
            tenant_id: Set(tenant.0),
            name: Set(oc.name.clone()),
            key_name: Set(oc.key.clone()),
            cert_chain_pem: Set(oc.cert_chain_pem.clone()),
            updated_at: Set(micros(now())),
            ..Default::default()
        };
        let on_conflict = OnConflict::columns([owner_cert::Column::TenantId, owner_cert::Column::Name])
            .update_columns([
                owner_cert::Column::KeyName,
                owner_cert::Column::CertChainPem,
                owner_cert::Column::UpdatedAt,
            ])
            .to_owned();
        owner_cert::Entity::insert(row)
            .on_conflict(on_conflict)
            .exec_without_returning(&self.conn())
            .await
            .map_err(|e| owned_write_err(e, tenant, "owner certificate", &oc.name))?;
        self.config_changed();
        Ok(())
    }

    /// The owner certificate with this name.
    pub async fn get_owner_certificate(&self, tenant: TenantId, name: &str) -> Result<Option<OwnerCertificate>> {
        let (t, n) = (owner_cert::Column::TenantId, owner_cert::Column::Name);
        Ok(find_owned::<owner_cert::Entity, _>(&self.conn(), t, n, tenant, name).await?.map(owner_from_row))
    }

    /// All owner certificates of the tenant, by name.
    pub async fn list_owner_certificates(&self, tenant: TenantId) -> Result<Vec<OwnerCertificate>> {
        let rows = owner_cert::Entity::find()
            .filter(owner_cert::Column::TenantId.eq(tenant.0))
            .order_by_asc(owner_cert::Column::Name)
            .all(&self.conn())
            .await
            .map_err(db_err)?;
        Ok(rows.into_iter().map(owner_from_row).collect())
    }

    /// Deletes an owner certificate.
    pub async fn delete_owner_certificate(&self, tenant: TenantId, name: &str) -> Result<()> {
        let (t, n) = (owner_cert::Column::TenantId, owner_cert::Column::Name);
        let result = delete_owned::<owner_cert::Entity, _>(&self.conn(), t, n, tenant, name, "owner certificate").await;
        if result.is_ok() {
            self.config_changed();
        }
        result
    }

    /// Creates or replaces the voucher of a device.
    pub async fn put_voucher(&self, tenant: TenantId, v: &StoredVoucher) -> Result<()> {
        check_name("voucher serial number", &v.serial)?;
        let row = voucher::ActiveModel {
            tenant_id: Set(tenant.0),
            serial: Set(v.serial.clone()),
            cms_der: Set(v.cms_der.clone()),
            expires_at: Set(opt_micros(v.expires_at)),
            updated_at: Set(micros(now())),
            ..Default::default()
        };
        let on_conflict = OnConflict::columns([voucher::Column::TenantId, voucher::Column::Serial])
            .update_columns([voucher::Column::CmsDer, voucher::Column::ExpiresAt, voucher::Column::UpdatedAt])
            .to_owned();
        voucher::Entity::insert(row)
            .on_conflict(on_conflict)
            .exec_without_returning(&self.conn())
            .await
            .map_err(|e| owned_write_err(e, tenant, "voucher", &v.serial))?;
        self.config_changed();
        Ok(())
    }

    /// The voucher of the device with this serial number.
    pub async fn get_voucher(&self, tenant: TenantId, serial: &str) -> Result<Option<StoredVoucher>> {
        let (t, s) = (voucher::Column::TenantId, voucher::Column::Serial);
        find_owned::<voucher::Entity, _>(&self.conn(), t, s, tenant, serial).await?.map(voucher_from_row).transpose()
    }

    /// Vouchers of the tenant, by serial number.
    pub async fn list_vouchers(&self, tenant: TenantId, limit: u64, offset: u64) -> Result<Vec<StoredVoucher>> {
        use sea_orm::QuerySelect as _;
        let rows = voucher::Entity::find()
            .filter(voucher::Column::TenantId.eq(tenant.0))
            .order_by_asc(voucher::Column::Serial)
            .limit(crate::codec::page_limit(limit))
            .offset(offset)
            .all(&self.conn())
            .await
            .map_err(db_err)?;
        rows.into_iter().map(voucher_from_row).collect()
    }

    /// Vouchers of the tenant with serial numbers after `after` (from the first when `None`), by
    /// serial number, at most `limit`: pages that neither skip nor repeat entries under writes.
    pub async fn list_vouchers_after(
        &self,
        tenant: TenantId,
        after: Option<&str>,
        limit: u64,
    ) -> Result<Vec<StoredVoucher>> {
        use sea_orm::QuerySelect as _;
        let mut select = voucher::Entity::find().filter(voucher::Column::TenantId.eq(tenant.0));
        if let Some(after) = after {
            select = select.filter(voucher::Column::Serial.gt(after));
        }
        let rows = select
            .order_by_asc(voucher::Column::Serial)
            .limit(crate::codec::page_limit(limit))
            .all(&self.conn())
            .await
            .map_err(db_err)?;
        rows.into_iter().map(voucher_from_row).collect()
    }

    /// Deletes the voucher of a device.
    pub async fn delete_voucher(&self, tenant: TenantId, serial: &str) -> Result<()> {
        let (t, s) = (voucher::Column::TenantId, voucher::Column::Serial);
        let result = delete_owned::<voucher::Entity, _>(&self.conn(), t, s, tenant, serial, "voucher").await;
        if result.is_ok() {
            self.config_changed();
        }
        result
    }
}
