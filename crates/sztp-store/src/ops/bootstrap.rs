//! Southbound bookkeeping: one transaction per request writes the log, device status, progress and
//! an outbox event; plus the paged readers of those tables.

use sea_orm::sea_query::{Expr, ExprTrait as _, OnConflict};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, TransactionTrait,
};
use time::OffsetDateTime;

use super::{MAX_TEXT_LEN, clip, clip_json};
use crate::codec::{MAX_NAME_LEN, from_json, from_micros, from_opt_micros, micros, page_limit, to_json, to_u16};
use crate::entity::logs::{bootstrap_log, device_status, outbox, progress};
use crate::error::{Result, db_err};
use crate::model::{BootstrapEvent, DeviceStatus, LogEntry, LogQuery, ProgressReport, TenantId};
use crate::store::Store;

fn entry_from_row(row: bootstrap_log::Model) -> Result<LogEntry> {
    Ok(LogEntry {
        id: row.id,
        time: from_micros(row.time, "log entry")?,
        serial: row.serial,
        source: row.source,
        operation: row.operation,
        status: to_u16(row.status, "log status")?,
        outcome: row.outcome,
        progress_type: row.progress_type,
        message: row.message,
        detail: row.detail.as_deref().map(|d| from_json(d, "log detail")).transpose()?,
    })
}

fn status_from_row(row: device_status::Model) -> Result<DeviceStatus> {
    Ok(DeviceStatus {
        serial: row.serial,
        first_seen: from_opt_micros(row.first_seen, "first seen")?,
        last_seen: from_opt_micros(row.last_seen, "last seen")?,
        attempts: row.attempts,
        stage: row.stage,
        last_error: row.last_error,
        completed_at: from_opt_micros(row.completed_at, "completion")?,
    })
}

/// The bootstrapping-log row of an event.
pub(crate) fn log_row(ev: &BootstrapEvent) -> Result<bootstrap_log::ActiveModel> {
    let progress = ev.progress.as_ref();
    Ok(bootstrap_log::ActiveModel {
        tenant_id: Set(ev.tenant.0),
        time: Set(micros(ev.time)),
        serial: Set(ev.serial.as_deref().map(|s| clip(s, MAX_NAME_LEN))),
        source: Set(clip(&ev.source, MAX_NAME_LEN)),
        operation: Set(clip(&ev.operation, 64)),
        status: Set(i32::from(ev.status)),
        outcome: Set(clip(&ev.outcome, MAX_TEXT_LEN)),
        progress_type: Set(progress.map(|p| clip(&p.progress_type, MAX_NAME_LEN))),
        message: Set(progress.and_then(|p| p.message.as_deref()).map(|m| clip(m, MAX_TEXT_LEN))),
        detail: Set(ev.detail.as_ref().map(|d| to_json(&clip_json(d), "log detail")).transpose()?),
        ..Default::default()
    })
}

/// Which status columns an event's change updates on a device already seen: events of the same
/// shape can share one multi-row upsert.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct StatusShape {
    attempt: bool,
    stage: bool,
    error: bool,
    completed: bool,
}

/// The device-status row an event inserts for a device not seen before, and the shape of its
/// update of one seen before; none for an event without a serial number.
pub(crate) fn status_row(ev: &BootstrapEvent) -> Option<(device_status::ActiveModel, StatusShape)> {
    let serial = ev.serial.as_deref().map(|s| clip(s, MAX_NAME_LEN))?;
    let time = micros(ev.time);
    let change = &ev.change;
    let stage = change.stage.as_deref().map(|s| clip(s, MAX_NAME_LEN));
    let shape = StatusShape {
        attempt: change.attempt,
        stage: stage.is_some(),
        error: change.error.is_some() || change.restart,
        completed: change.completed || change.restart,
    };
    let row = device_status::ActiveModel {
        tenant_id: Set(ev.tenant.0),
        serial: Set(serial),
        first_seen: Set(Some(time)),
        last_seen: Set(Some(time)),
        attempts: Set(i64::from(change.attempt)),
        stage: Set(stage),
        last_error: Set(change.error.as_deref().map(|e| clip(e, MAX_TEXT_LEN))),
        completed_at: Set(change.completed.then_some(time)),
        ..Default::default()
    };
    Some((row, shape))
}

/// The update of a seen device's status, for events of one shape.
pub(crate) fn status_update(shape: StatusShape) -> OnConflict {
    use device_status::Column as C;
    let mut on_conflict = OnConflict::columns([C::TenantId, C::Serial]);
    on_conflict.update_column(C::LastSeen);
    if shape.attempt {
        on_conflict.value(C::Attempts, Expr::col((device_status::Entity, C::Attempts)).add(1));
    }
    if shape.stage {
        on_conflict.update_column(C::Stage);
    }
    if shape.error {
        on_conflict.update_column(C::LastError);
    }
    if shape.completed {
        on_conflict.update_column(C::CompletedAt);
    }
    on_conflict
}

/// Applies an event's change to its device's status (`ev.change`); nothing for an event without
/// a serial number.
pub(crate) async fn upsert_status<C: ConnectionTrait>(db: &C, ev: &BootstrapEvent) -> Result<()> {
    let Some((row, shape)) = status_row(ev) else { return Ok(()) };
    device_status::Entity::insert(row)
        .on_conflict(status_update(shape))
        .exec_without_returning(db)
        .await
        .map_err(db_err)?;
    Ok(())
}

/// The progress-report row of an event whose log row has id `log_id`; none for an event without
/// a report or a serial number.
pub(crate) fn progress_row(ev: &BootstrapEvent, log_id: i64) -> Result<Option<progress::ActiveModel>> {
    let (Some(p), Some(serial)) = (&ev.progress, ev.serial.as_deref()) else { return Ok(None) };
    Ok(Some(progress::ActiveModel {
        tenant_id: Set(ev.tenant.0),
        serial: Set(clip(serial, MAX_NAME_LEN)),
        time: Set(micros(ev.time)),
        log_id: Set(log_id),
        progress_type: Set(clip(&p.progress_type, MAX_NAME_LEN)),
        message: Set(p.message.as_deref().map(|m| clip(m, MAX_TEXT_LEN))),
        ssh_host_keys: Set(p.ssh_host_keys.as_ref().map(|k| to_json(k, "SSH host keys")).transpose()?),
        // Stored as a JSON list of base64 strings, inside the blob column.
        trust_anchor_certs: Set(encode_cert_list(&p.trust_anchor_certs)?),
        ..Default::default()
    }))
}

/// The rows of one southbound request (see [`Store::record_bootstrap`]), written through `db`
/// (a transaction the caller commits); `events`: also an outbox event.
pub(crate) async fn write_bootstrap<C: ConnectionTrait>(db: &C, ev: &BootstrapEvent, events: bool) -> Result<()> {
    let log_id = bootstrap_log::Entity::insert(log_row(ev)?).exec(db).await.map_err(db_err)?.last_insert_id;
    upsert_status(db, ev).await?;
    if let Some(row) = progress_row(ev, log_id)? {
        progress::Entity::insert(row).exec_without_returning(db).await.map_err(db_err)?;
    }
    if events {
        let mut payload = serde_json::to_value(ev).map_err(|e| crate::StoreError::Invalid(e.to_string()))?;
        if let Some(obj) = payload.as_object_mut() {
            obj.insert("log_id".into(), log_id.into());
        }
        let event = outbox::ActiveModel {
            tenant_id: Set(ev.tenant.0),
            time: Set(micros(ev.time)),
            topic: Set("bootstrap".into()),
            payload: Set(to_json(&payload, "event payload")?),
            delivered_at: Set(None),
            ..Default::default()
        };
        outbox::Entity::insert(event).exec_without_returning(db).await.map_err(db_err)?;
    }
    Ok(())
}

impl Store {
    /// Records one southbound request durably, in ONE transaction (or inside the caller's unit of
    /// work): a bootstrapping-log row; for a known serial number, the device status change
    /// (`ev.change`) and the progress report; and a "bootstrap" outbox event.
    pub async fn record_bootstrap(&self, ev: &BootstrapEvent) -> Result<()> {
        let txn = self.conn().begin().await.map_err(db_err)?;
        write_bootstrap(&txn, ev, self.events_enabled()).await?;
        txn.commit().await.map_err(db_err)
    }

    /// A page of the bootstrapping log, ordered by time (then id).
    pub async fn bootstrap_log(&self, tenant: TenantId, q: &LogQuery) -> Result<Vec<LogEntry>> {
        use bootstrap_log::Column as C;
        let mut sel = bootstrap_log::Entity::find().filter(C::TenantId.eq(tenant.0));
        if let Some(serial) = &q.serial {
            sel = sel.filter(C::Serial.eq(serial.as_str()));
        }
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
        rows.into_iter().map(entry_from_row).collect()
    }

    /// The status of one device, if it has ever been seen.
    pub async fn device_status(&self, tenant: TenantId, serial: &str) -> Result<Option<DeviceStatus>> {
        let row = device_status::Entity::find()
            .filter(device_status::Column::TenantId.eq(tenant.0))
            .filter(device_status::Column::Serial.eq(serial))
            .one(&self.conn())
            .await
            .map_err(db_err)?;
        row.map(status_from_row).transpose()
    }

    /// A page of device statuses, by serial number.
    pub async fn list_device_status(&self, tenant: TenantId, limit: u64, offset: u64) -> Result<Vec<DeviceStatus>> {
        let rows = device_status::Entity::find()
            .filter(device_status::Column::TenantId.eq(tenant.0))
            .order_by_asc(device_status::Column::Serial)
            .limit(page_limit(limit))
            .offset(offset)
            .all(&self.conn())
            .await
            .map_err(db_err)?;
        rows.into_iter().map(status_from_row).collect()
    }

    /// The statuses of the tenant's devices with serial numbers in `first..=last`, by serial
    /// number: the statuses of one page of devices in one query.
    pub async fn device_status_range(&self, tenant: TenantId, first: &str, last: &str) -> Result<Vec<DeviceStatus>> {
        let rows = device_status::Entity::find()
            .filter(device_status::Column::TenantId.eq(tenant.0))
            .filter(device_status::Column::Serial.between(first, last))
            .order_by_asc(device_status::Column::Serial)
            .all(&self.conn())
            .await
            .map_err(db_err)?;
        rows.into_iter().map(status_from_row).collect()
    }

    /// The latest progress reports of one device, oldest first. At most [`crate::MAX_PAGE_SIZE`]
    /// by design: a device that restarts its bootstrap forever reports without end, and its whole
    /// history is in the bootstrapping log, which pages ([`Store::bootstrap_log`]).
    pub async fn progress_reports(
        &self,
        tenant: TenantId,
        serial: &str,
    ) -> Result<Vec<(OffsetDateTime, ProgressReport)>> {
        let rows = progress::Entity::find()
            .filter(progress::Column::TenantId.eq(tenant.0))
            .filter(progress::Column::Serial.eq(serial))
            .order_by_desc(progress::Column::Time)
            .order_by_desc(progress::Column::Id)
            .limit(crate::MAX_PAGE_SIZE)
            .all(&self.conn())
            .await
            .map_err(db_err)?;
        rows.into_iter()
            .rev()
            .map(|r| {
                let report = ProgressReport {
                    progress_type: r.progress_type,
                    message: r.message,
                    ssh_host_keys: r.ssh_host_keys.as_deref().map(|k| from_json(k, "SSH host keys")).transpose()?,
                    trust_anchor_certs: decode_cert_list(r.trust_anchor_certs.as_deref())?,
                };
                Ok((from_micros(r.time, "progress report")?, report))
            })
            .collect()
    }
}

#[derive(serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
struct CertList(#[serde(with = "crate::b64::bytes_list")] Vec<Vec<u8>>);

fn encode_cert_list(certs: &[Vec<u8>]) -> Result<Option<Vec<u8>>> {
    if certs.is_empty() {
        return Ok(None);
    }
    serde_json::to_vec(&CertList(certs.to_vec()))
        .map(Some)
        .map_err(|e| crate::StoreError::Invalid(format!("trust anchor certificates: {e}")))
}

fn decode_cert_list(blob: Option<&[u8]>) -> Result<Vec<Vec<u8>>> {
    match blob {
        None => Ok(Vec::new()),
        Some(b) => serde_json::from_slice::<CertList>(b)
            .map(|l| l.0)
            .map_err(|e| crate::StoreError::Database(format!("stored trust anchor certificates: {e}"))),
    }
}
