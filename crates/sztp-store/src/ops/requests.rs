//! Grouped request records: the bootstrapping-log rows, progress reports and audit records of many
//! requests in one transaction, written straight into it (no savepoint per record) as multi-row
//! inserts, so a group costs one commit and about one statement per request.

use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QuerySelect};

use super::audit::{audit_row, write_audit};
use std::collections::{BTreeMap, HashSet};

use super::bootstrap::{StatusShape, log_row, progress_row, status_row, status_update, write_bootstrap};
use super::clip;
use crate::codec::MAX_NAME_LEN;
use crate::entity::logs::{audit, bootstrap_log, device_status, progress};
use crate::error::{Result, db_err};
use crate::model::{AuditRecord, BootstrapEvent};
use crate::store::Store;

/// Rows per multi-row INSERT (at most 10 columns each: far below every backend's limit on bound
/// parameters).
const ROWS_PER_INSERT: usize = 500;

/// The records of one request: its bootstrapping-log events and its audit record.
#[derive(Debug, Clone, Copy)]
pub struct RequestRecords<'a> {
    /// What the request did, for the bootstrapping log and the device status.
    pub events: &'a [BootstrapEvent],
    /// Who did it.
    pub audit: &'a AuditRecord,
}

impl Store {
    /// Writes every request's records in ONE transaction: all are durable, or (on error) none
    /// is, and the caller may retry them one by one. Outside a unit of work only.
    pub async fn record_requests(&self, requests: &[RequestRecords<'_>]) -> Result<()> {
        let events = self.events_enabled();
        let uow = self.begin().await?;
        {
            let db = uow.conn();
            if events {
                // Outbox events carry the log row's id: one row at a time.
                for request in requests {
                    for event in request.events {
                        write_bootstrap(&db, event, true).await?;
                    }
                    write_audit(&db, request.audit, true).await?;
                }
            } else {
                write_grouped(&db, requests).await?;
            }
        }
        uow.commit().await
    }
}

/// Log rows, progress reports, audit records and device statuses go into multi-row statements. Progress rows name their log row's id: on SQLite, which holds
/// the one write lock for the whole transaction, ids are assigned here; elsewhere each log row
/// with a report is inserted alone to learn its id.
async fn write_grouped<C: ConnectionTrait>(db: &C, requests: &[RequestRecords<'_>]) -> Result<()> {
    let mut next_id = match db.get_database_backend() {
        DbBackend::Sqlite => Some(next_log_id(db).await?),
        _ => None,
    };
    let (mut logs, mut reports) = (Vec::new(), Vec::new());
    let mut statuses = Statuses::default();
    for event in requests.iter().flat_map(|r| r.events) {
        match next_id.as_mut() {
            Some(id) => {
                let mut row = log_row(event)?;
                row.id = Set(*id);
                logs.push(row);
                reports.extend(progress_row(event, *id)?);
                *id += 1;
                statuses.add(db, event).await?;
            }
            None if event.progress.is_some() => write_bootstrap(db, event, false).await?,
            None => {
                logs.push(log_row(event)?);
                statuses.add(db, event).await?;
            }
        }
    }
    statuses.flush(db).await?;
    insert_all::<bootstrap_log::Entity, _>(db, logs).await?;
    insert_all::<progress::Entity, _>(db, reports).await?;
    insert_all::<audit::Entity, _>(db, requests.iter().map(|r| audit_row(r.audit)).collect()).await
}

/// Device-status upserts waiting to be written, one multi-row upsert per shape. Each device is
/// in at most one of them: a device's second event first writes everything waiting, so its
/// changes apply in order.
#[derive(Default)]
struct Statuses {
    waiting: BTreeMap<StatusShape, Vec<device_status::ActiveModel>>,
    devices: HashSet<(i64, String)>,
}

impl Statuses {
    async fn add<C: ConnectionTrait>(&mut self, db: &C, event: &BootstrapEvent) -> Result<()> {
        let Some((row, shape)) = status_row(event) else { return Ok(()) };
        let device = (event.tenant.0, clip(event.serial.as_deref().unwrap_or_default(), MAX_NAME_LEN));
        if self.devices.contains(&device) {
            self.flush(db).await?;
        }
        self.devices.insert(device);
        self.waiting.entry(shape).or_default().push(row);
        Ok(())
    }

    async fn flush<C: ConnectionTrait>(&mut self, db: &C) -> Result<()> {
        for (shape, mut rows) in std::mem::take(&mut self.waiting) {
            while !rows.is_empty() {
                let rest = rows.split_off(rows.len().min(ROWS_PER_INSERT));
                device_status::Entity::insert_many(std::mem::replace(&mut rows, rest))
                    .on_conflict(status_update(shape))
                    .exec_without_returning(db)
                    .await
                    .map_err(db_err)?;
            }
        }
        self.devices.clear();
        Ok(())
    }
}

/// The id the next bootstrapping-log row gets.
async fn next_log_id<C: ConnectionTrait>(db: &C) -> Result<i64> {
    let max: Option<Option<i64>> = bootstrap_log::Entity::find()
        .select_only()
        .column_as(bootstrap_log::Column::Id.max(), "max_id")
        .into_tuple()
        .one(db)
        .await
        .map_err(db_err)?;
    Ok(max.flatten().unwrap_or(0) + 1)
}

/// Inserts `rows` in multi-row statements of at most [`ROWS_PER_INSERT`].
async fn insert_all<E: EntityTrait, C: ConnectionTrait>(db: &C, mut rows: Vec<E::ActiveModel>) -> Result<()> {
    while !rows.is_empty() {
        let rest = rows.split_off(rows.len().min(ROWS_PER_INSERT));
        E::insert_many(std::mem::replace(&mut rows, rest)).exec_without_returning(db).await.map_err(db_err)?;
    }
    Ok(())
}
