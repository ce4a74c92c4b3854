//! Grouped request records: the bootstrapping-log rows and audit records of many requests in one
//! transaction, written straight into it (no savepoint per record) and, where no row id is
//! needed, as multi-row inserts, so a group costs one commit and few statements.

use sea_orm::{ConnectionTrait, EntityTrait};

use super::audit::{audit_row, write_audit};
use super::bootstrap::{log_row, upsert_status, write_bootstrap};
use crate::entity::logs::{audit, bootstrap_log};
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

/// Progress reports need their log row's id, so they are written one by one; every other log
/// row and every audit record goes into multi-row inserts.
async fn write_grouped<C: ConnectionTrait>(db: &C, requests: &[RequestRecords<'_>]) -> Result<()> {
    let mut logs = Vec::new();
    for event in requests.iter().flat_map(|r| r.events) {
        if event.progress.is_some() {
            write_bootstrap(db, event, false).await?;
        } else {
            logs.push(log_row(event)?);
            upsert_status(db, event).await?;
        }
    }
    while !logs.is_empty() {
        let rest = logs.split_off(logs.len().min(ROWS_PER_INSERT));
        bootstrap_log::Entity::insert_many(std::mem::replace(&mut logs, rest))
            .exec_without_returning(db)
            .await
            .map_err(db_err)?;
    }
    let mut audits: Vec<audit::ActiveModel> = requests.iter().map(|r| audit_row(r.audit)).collect();
    while !audits.is_empty() {
        let rest = audits.split_off(audits.len().min(ROWS_PER_INSERT));
        audit::Entity::insert_many(std::mem::replace(&mut audits, rest))
            .exec_without_returning(db)
            .await
            .map_err(db_err)?;
    }
    Ok(())
}
