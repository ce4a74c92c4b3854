//! Endpoints (system-wide listeners): create-or-replace by name, and a change counter for rebinding.

use std::net::IpAddr;

use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use tokio::sync::watch;

use super::owned_write_err;
use crate::codec::{check_name, check_opt_name, from_json, micros, now, to_json, to_u16};
use crate::entity::config::endpoint::{self, Column};
use crate::error::{Result, StoreError, db_err};
use crate::model::{Endpoint, TenantId};
use crate::store::Store;

fn validate(ep: &Endpoint) -> Result<()> {
    check_name("endpoint", &ep.name)?;
    if ep.address.parse::<IpAddr>().is_err() {
        return Err(StoreError::Invalid(format!(
            "endpoint '{}': address '{}' is not an IPv4 or IPv6 literal",
            ep.name,
            ep.address.escape_debug()
        )));
    }
    check_opt_name("external address", ep.external_address.as_deref())?;
    if ep.tls.is_some() && ep.behind_tls_terminator {
        return Err(StoreError::Invalid(format!(
            "endpoint '{}': an https endpoint is not behind a TLS terminator",
            ep.name
        )));
    }
    if let Some(tls) = &ep.tls {
        check_name("server key", &tls.server_key)?;
        check_opt_name("client trust bag", tls.client_trust_bag.as_deref())?;
        if tls.cert_chain_pem.trim().is_empty() {
            return Err(StoreError::Invalid(format!("endpoint '{}': the TLS certificate chain is empty", ep.name)));
        }
    }
    let l = &ep.limits;
    for (what, value, max) in [
        ("max-connections", l.max_connections, 65_536),
        ("max-connections-per-source", l.max_connections_per_source, 65_536),
        ("idle-timeout", l.idle_timeout_secs, 86_400),
        ("header-timeout", l.header_timeout_secs, 600),
    ] {
        if value.is_some_and(|v| v == 0 || v > max) {
            return Err(StoreError::Invalid(format!("endpoint '{}': {what} must be 1 to {max}", ep.name)));
        }
    }
    if let Some(api) = ep.apis.iter().find(|a| a.is_empty() || a.len() > 64) {
        return Err(StoreError::Invalid(format!(
            "endpoint '{}': API name '{}' is not valid",
            ep.name,
            api.escape_debug()
        )));
    }
    Ok(())
}

fn from_row(row: endpoint::Model) -> Result<Endpoint> {
    Ok(Endpoint {
        name: row.name,
        tenant_id: TenantId(row.tenant_id),
        address: row.address,
        port: to_u16(row.port, "endpoint port")?,
        tls: row.tls.as_deref().map(|t| from_json(t, "endpoint TLS settings")).transpose()?,
        apis: from_json(&row.apis, "endpoint API list")?,
        external_address: row.external_address,
        enabled: row.enabled,
        behind_tls_terminator: row.behind_tls_terminator,
        limits: row.limits.as_deref().map(|l| from_json(l, "endpoint limits")).transpose()?.unwrap_or_default(),
    })
}

impl Store {
    /// Creates or replaces the endpoint with this name, then notifies [`Store::endpoint_changes`].
    pub async fn put_endpoint(&self, ep: &Endpoint) -> Result<()> {
        validate(ep)?;
        let row = endpoint::ActiveModel {
            tenant_id: Set(ep.tenant_id.0),
            name: Set(ep.name.clone()),
            address: Set(ep.address.clone()),
            port: Set(i32::from(ep.port)),
            tls: Set(ep.tls.as_ref().map(|t| to_json(t, "endpoint TLS settings")).transpose()?),
            apis: Set(to_json(&ep.apis, "endpoint API list")?),
            external_address: Set(ep.external_address.clone()),
            enabled: Set(ep.enabled),
            behind_tls_terminator: Set(ep.behind_tls_terminator),
            limits: Set((!ep.limits.is_default()).then(|| to_json(&ep.limits, "endpoint limits")).transpose()?),
            updated_at: Set(micros(now())),
            ..Default::default()
        };
        let on_conflict = OnConflict::column(Column::Name)
            .update_columns([
                Column::TenantId,
                Column::Address,
                Column::Port,
                Column::Tls,
                Column::Apis,
                Column::ExternalAddress,
                Column::Enabled,
                Column::BehindTlsTerminator,
                Column::Limits,
                Column::UpdatedAt,
            ])
            .to_owned();
        endpoint::Entity::insert(row)
            .on_conflict(on_conflict)
            .exec_without_returning(&self.conn())
            .await
            .map_err(|e| owned_write_err(e, ep.tenant_id, "endpoint", &ep.name))?;
        self.endpoints_changed();
        Ok(())
    }

    /// The endpoint with this name.
    pub async fn get_endpoint(&self, name: &str) -> Result<Option<Endpoint>> {
        let row = endpoint::Entity::find().filter(Column::Name.eq(name)).one(&self.conn()).await.map_err(db_err)?;
        row.map(from_row).transpose()
    }

    /// All endpoints, by name.
    pub async fn list_endpoints(&self) -> Result<Vec<Endpoint>> {
        let rows = endpoint::Entity::find().order_by_asc(Column::Name).all(&self.conn()).await.map_err(db_err)?;
        rows.into_iter().map(from_row).collect()
    }

    /// Deletes the endpoint with this name, then notifies [`Store::endpoint_changes`].
    pub async fn delete_endpoint(&self, name: &str) -> Result<()> {
        let res =
            endpoint::Entity::delete_many().filter(Column::Name.eq(name)).exec(&self.conn()).await.map_err(db_err)?;
        if res.rows_affected == 0 {
            return Err(StoreError::NotFound { kind: "endpoint", name: name.to_owned() });
        }
        self.endpoints_changed();
        Ok(())
    }

    /// A counter bumped after every committed endpoint write made through this process.
    pub fn endpoint_changes(&self) -> watch::Receiver<u64> {
        self.inner.endpoint_version.subscribe()
    }

    pub(crate) fn endpoints_changed(&self) {
        self.config_changed();
        match &self.tx {
            Some(tx) => tx.endpoints_changed.store(true, std::sync::atomic::Ordering::Relaxed),
            None => self.inner.endpoint_version.send_modify(|v| *v = v.wrapping_add(1)),
        }
    }

    /// A counter moved after every committed configuration write made through this process
    /// (any handle on this store): what was read under an older value may be stale. Writes by
    /// other processes on the same database do not move it.
    pub fn config_version(&self) -> u64 {
        self.inner.config_version.load(std::sync::atomic::Ordering::Acquire)
    }

    /// Configuration was written: moves [`Store::config_version`] now, or at the unit of work's
    /// commit. Called after the write, so a reader never caches the old value under the new one.
    pub(crate) fn config_changed(&self) {
        match &self.tx {
            Some(tx) => tx.config_changed.store(true, std::sync::atomic::Ordering::Relaxed),
            None => {
                self.inner.config_version.fetch_add(1, std::sync::atomic::Ordering::AcqRel);
            }
        }
    }
}
