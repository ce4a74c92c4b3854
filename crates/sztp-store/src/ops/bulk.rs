//! Bulk loading of bootstrapping-log history (benchmark and migration fixtures): batched inserts
//! of log rows and one device-status upsert per device, instead of one transaction per record.

use std::collections::BTreeMap;

use sea_orm::sea_query::{Expr, ExprTrait as _, OnConflict};
use sea_orm::{ActiveValue::Set, EntityTrait, TransactionTrait};

use super::{MAX_TEXT_LEN, clip, clip_json};
use crate::codec::{MAX_NAME_LEN, micros, to_json};
use crate::entity::logs::{bootstrap_log, device_status};
use crate::error::{Result, db_err};
use crate::model::BootstrapEvent;
use crate::store::Store;

/// Rows per INSERT statement (10 columns each, far below SQLite's bound-parameter limit).
const CHUNK: usize = 500;

impl Store {
    /// Appends `events` to the bootstrapping log in one transaction, with batched inserts, and
    /// applies each device's status changes once (attempts added up, latest time and stage).
    /// Unlike [`Store::record_bootstrap`] it writes no progress reports and no outbox events.
    pub async fn record_bootstrap_bulk(&self, events: &[BootstrapEvent]) -> Result<()> {
        let mut logs = Vec::with_capacity(events.len());
        let mut status: BTreeMap<(i64, String), (device_status::ActiveModel, i64)> = BTreeMap::new();
        for ev in events {
            let time = micros(ev.time);
            let serial = ev.serial.as_deref().map(|s| clip(s, MAX_NAME_LEN));
            let progress_type = ev.progress.as_ref().map(|p| clip(&p.progress_type, MAX_NAME_LEN));
            logs.push(bootstrap_log::ActiveModel {
                tenant_id: Set(ev.tenant.0),
                time: Set(time),
                serial: Set(serial.clone()),
                source: Set(clip(&ev.source, MAX_NAME_LEN)),
                operation: Set(clip(&ev.operation, 64)),
                status: Set(i32::from(ev.status)),
                outcome: Set(clip(&ev.outcome, MAX_TEXT_LEN)),
                progress_type: Set(progress_type),
                message: Set(ev.progress.as_ref().and_then(|p| p.message.as_deref()).map(|m| clip(m, MAX_TEXT_LEN))),
                detail: Set(ev.detail.as_ref().map(|d| to_json(&clip_json(d), "log detail")).transpose()?),
                ..Default::default()
            });
            let Some(serial) = serial else { continue };
            let (row, attempts) = status.entry((ev.tenant.0, serial.clone())).or_insert_with(|| {
                let row = device_status::ActiveModel {
                    tenant_id: Set(ev.tenant.0),
                    serial: Set(serial),
                    first_seen: Set(Some(time)),
                    last_seen: Set(Some(time)),
                    attempts: Set(0),
                    stage: Set(None),
                    last_error: Set(None),
                    completed_at: Set(None),
                    ..Default::default()
                };
                (row, 0)
            });
            row.last_seen = Set(Some(time));
            if ev.change.attempt {
                *attempts += 1;
            }
            if let Some(stage) = &ev.change.stage {
                row.stage = Set(Some(clip(stage, MAX_NAME_LEN)));
            }
            if let Some(error) = &ev.change.error {
                row.last_error = Set(Some(clip(error, MAX_TEXT_LEN)));
            }
            if ev.change.completed {
                row.completed_at = Set(Some(time));
            }
        }
        let txn = self.conn().begin().await.map_err(db_err)?;
        for chunk in logs.chunks(CHUNK) {
            bootstrap_log::Entity::insert_many(chunk.to_vec()).exec_without_returning(&txn).await.map_err(db_err)?;
        }
        use device_status::Column as C;
        let rows: Vec<_> = status
            .into_values()
            .map(|(mut row, attempts)| {
                row.attempts = Set(attempts);
                row
            })
            .collect();
        for chunk in rows.chunks(CHUNK) {
            let mut on_conflict = OnConflict::columns([C::TenantId, C::Serial]);
            on_conflict.update_columns([C::LastSeen, C::Stage, C::LastError, C::CompletedAt]);
            on_conflict.value(
                C::Attempts,
                Expr::col((device_status::Entity, C::Attempts)).add(Expr::cust("excluded.attempts")),
            );
            device_status::Entity::insert_many(chunk.to_vec())
                .on_conflict(on_conflict)
                .exec_without_returning(&txn)
                .await
                .map_err(db_err)?;
        }
        txn.commit().await.map_err(db_err)
    }
}
