//! Audit log of northbound requests, and the event outbox read by webhook/e-mail delivery.

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, TransactionTrait,
};

use super::{MAX_TEXT_LEN, clip};
use crate::codec::{MAX_NAME_LEN, check_name, from_micros, micros, now, page_limit, to_json, to_u16};
use crate::entity::logs::{audit, outbox};
use crate::error::{Result, StoreError, db_err};
use crate::model::{AuditRecord, LogQuery, TenantId};
use crate::store::Store;

/// Ids per UPDATE when marking events delivered.
const MARK_CHUNK: usize = 500;

async fn enqueue<C: ConnectionTrait>(db: &C, tenant: TenantId, topic: &str, payload: &serde_json::Value) -> Result<()> {
    let row = outbox::ActiveModel {
        tenant_id: Set(tenant.0),
        time: Set(micros(now())),
        topic: Set(topic.to_owned()),
        payload: Set(to_json(payload, "event payload")?),
        delivered_at: Set(None),
        ..Default::default()
    };
    outbox::Entity::insert(row).exec_without_returning(db).await.map_err(db_err)?;
    Ok(())
}

fn audit_from_row(row: audit::Model) -> Result<(i64, AuditRecord)> {
    let record = AuditRecord {
        tenant: TenantId(row.tenant_id),
        time: from_micros(row.time, "audit entry")?,
        principal: row.principal,
        source: row.source,
        api: row.api,
        method: row.method,
        path: row.path,
        status: to_u16(row.status, "audit status")?,
    };
    Ok((row.id, record))
}

/// The audit-log row of a record.
pub(crate) fn audit_row(r: &AuditRecord) -> audit::ActiveModel {
    audit::ActiveModel {
        tenant_id: Set(r.tenant.0),
        time: Set(micros(r.time)),
        principal: Set(r.principal.as_deref().map(|p| clip(p, MAX_NAME_LEN))),
        source: Set(clip(&r.source, MAX_NAME_LEN)),
        api: Set(clip(&r.api, 64)),
        method: Set(clip(&r.method, 16)),
        path: Set(clip(&r.path, MAX_TEXT_LEN)),
        status: Set(i32::from(r.status)),
        ..Default::default()
    }
}

/// An audit record (see [`Store::append_audit`]), written through `db` (a transaction the caller
/// commits); `events`: also an outbox event.
pub(crate) async fn write_audit<C: ConnectionTrait>(db: &C, r: &AuditRecord, events: bool) -> Result<()> {
    audit::Entity::insert(audit_row(r)).exec_without_returning(db).await.map_err(db_err)?;
    if events {
        let payload = serde_json::to_value(r).map_err(|e| StoreError::Invalid(e.to_string()))?;
        enqueue(db, r.tenant, "audit", &payload).await?;
    }
    Ok(())
}

impl Store {
    /// Appends an audit record and its "audit" outbox event, in one transaction.
    pub async fn append_audit(&self, r: &AuditRecord) -> Result<()> {
        let txn = self.conn().begin().await.map_err(db_err)?;
        write_audit(&txn, r, self.events_enabled()).await?;
        txn.commit().await.map_err(db_err)
    }

    /// A page of the audit log, ordered by time (then id); `q.serial` is ignored.
    pub async fn audit_log(&self, tenant: TenantId, q: &LogQuery) -> Result<Vec<(i64, AuditRecord)>> {
        use audit::Column as C;
        let mut sel = audit::Entity::find().filter(C::TenantId.eq(tenant.0));
        if let Some(since) = q.since {
            sel = sel.filter(C::Time.gte(micros(since)));
        }
        if let Some(until) = q.until {
            sel = sel.filter(C::Time.lt(micros(until)));
        }
        sel = if q.descending {
            sel.order_by_desc(C::Time).order_by_desc(C::Id)
        } else {
            sel.order_by_asc(C::Time).order_by_asc(C::Id)
        };
        let rows = sel.limit(page_limit(q.limit)).offset(q.offset).all(&self.conn()).await.map_err(db_err)?;
        rows.into_iter().map(audit_from_row).collect()
    }

    /// Queues an event for delivery (certificate expiry, configuration change, …).
    pub async fn enqueue_event(&self, tenant: TenantId, topic: &str, payload: &serde_json::Value) -> Result<()> {
        check_name("event topic", topic)?;
        if topic.len() > 64 {
            return Err(StoreError::Invalid("event topic is longer than 64 bytes".into()));
        }
        enqueue(&self.conn(), tenant, topic, payload).await
    }

    /// The oldest undelivered events: (id, topic, payload). An unreadable payload comes back as a JSON string.
    pub async fn outbox_pending(&self, limit: u64) -> Result<Vec<(i64, String, serde_json::Value)>> {
        let rows = outbox::Entity::find()
            .filter(outbox::Column::DeliveredAt.is_null())
            .order_by_asc(outbox::Column::Id)
            .limit(page_limit(limit))
            .all(&self.conn())
            .await
            .map_err(db_err)?;
        Ok(rows
            .into_iter()
            .map(|r| {
                let payload = serde_json::from_str(&r.payload).unwrap_or(serde_json::Value::String(r.payload));
                (r.id, r.topic, payload)
            })
            .collect())
    }

    /// Marks events delivered so [`Store::outbox_pending`] no longer returns them.
    pub async fn outbox_mark_delivered(&self, ids: &[i64]) -> Result<()> {
        let at = micros(now());
        let txn = self.conn().begin().await.map_err(db_err)?;
        for chunk in ids.chunks(MARK_CHUNK) {
            outbox::Entity::update_many()
                .col_expr(outbox::Column::DeliveredAt, Expr::value(at))
                .filter(outbox::Column::Id.is_in(chunk.iter().copied()))
                .filter(outbox::Column::DeliveredAt.is_null())
                .exec(&txn)
                .await
                .map_err(db_err)?;
        }
        txn.commit().await.map_err(db_err)
    }

    /// Deletes events delivered before `before`; returns how many went.
    pub async fn outbox_purge_delivered(&self, before: time::OffsetDateTime) -> Result<u64> {
        let res = outbox::Entity::delete_many()
            .filter(outbox::Column::DeliveredAt.lt(micros(before)))
            .exec(&self.conn())
            .await
            .map_err(db_err)?;
        Ok(res.rows_affected)
    }
}
