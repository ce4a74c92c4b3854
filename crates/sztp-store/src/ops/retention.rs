//! Retention: log records older than a cutoff, or beyond a table's row budget, are deleted in
//! bounded batches (the oldest first), so pruning never holds the single SQLite writer for long.

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use time::OffsetDateTime;

use crate::codec::micros;
use crate::entity::logs::{audit, bootstrap_log, outbox, progress};
use crate::error::{Result, db_err};
use crate::store::Store;

/// Rows deleted by one [`Store::prune_logs_before`] call, per table.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pruned {
    /// Bootstrapping-log records.
    pub bootstrap_log: u64,
    /// Progress reports.
    pub progress: u64,
    /// Audit records.
    pub audit: u64,
    /// Delivered outbox events (undelivered ones are kept).
    pub outbox: u64,
}

impl Pruned {
    /// Rows deleted in all.
    pub fn total(&self) -> u64 {
        self.bootstrap_log + self.progress + self.audit + self.outbox
    }
}

/// Deletes up to `$batch` rows of `$entity` matching `$condition` (and `$extra`), the oldest ids
/// first; evaluates to the number deleted.
macro_rules! prune_where {
    ($store:expr, $entity:ident, $condition:expr, $batch:expr $(, $extra:expr)?) => {{
        let ids: Vec<i64> = $entity::Entity::find()
            .select_only()
            .column($entity::Column::Id)
            .filter($condition)
            $(.filter($extra))?
            .order_by_asc($entity::Column::Id)
            .limit($batch)
            .into_tuple()
            .all(&$store.conn())
            .await
            .map_err(db_err)?;
        if ids.is_empty() {
            0
        } else {
            $entity::Entity::delete_many()
                .filter($entity::Column::Id.is_in(ids))
                .exec(&$store.conn())
                .await
                .map_err(db_err)?
                .rows_affected
        }
    }};
}

/// Deletes up to `batch` rows of `$entity` whose time is before `$cutoff`.
macro_rules! prune {
    ($store:expr, $entity:ident, $cutoff:expr, $batch:expr $(, $extra:expr)?) => {
        prune_where!($store, $entity, $entity::Column::Time.lt($cutoff), $batch $(, $extra)?)
    };
}

/// Deletes up to `batch` rows of `$entity` older than its newest `$budget` (by id, which grows
/// with time; gaps left by deleted rows only make it keep fewer).
macro_rules! prune_over {
    ($store:expr, $entity:ident, $budget:expr, $batch:expr $(, $extra:expr)?) => {{
        let newest: Option<i64> = $entity::Entity::find()
            .select_only()
            .column_as($entity::Column::Id.max(), "newest")
            .into_tuple()
            .one(&$store.conn())
            .await
            .map_err(db_err)?
            .flatten();
        match newest.map(|n| n.saturating_sub($budget)) {
            Some(cutoff) if cutoff > 0 => {
                prune_where!($store, $entity, $entity::Column::Id.lte(cutoff), $batch $(, $extra)?)
            }
            _ => 0,
        }
    }};
}

impl Store {
    /// Deletes at most `batch` rows per log table beyond its newest `budget` rows: bootstrapping
    /// log, progress reports, audit log and delivered events. Call again while it deletes anything.
    pub async fn prune_logs_over(&self, budget: u64, batch: u64) -> Result<Pruned> {
        let budget = i64::try_from(budget).unwrap_or(i64::MAX);
        Ok(Pruned {
            progress: prune_over!(self, progress, budget, batch),
            bootstrap_log: prune_over!(self, bootstrap_log, budget, batch),
            audit: prune_over!(self, audit, budget, batch),
            outbox: prune_over!(self, outbox, budget, batch, outbox::Column::DeliveredAt.is_not_null()),
        })
    }

    /// Deletes at most `batch` rows per log table recorded before `cutoff`: bootstrapping log,
    /// progress reports, audit log and delivered events. Call again while it deletes anything.
    pub async fn prune_logs_before(&self, cutoff: OffsetDateTime, batch: u64) -> Result<Pruned> {
        let cutoff = micros(cutoff);
        Ok(Pruned {
            progress: prune!(self, progress, cutoff, batch),
            bootstrap_log: prune!(self, bootstrap_log, cutoff, batch),
            audit: prune!(self, audit, cutoff, batch),
            outbox: prune!(self, outbox, cutoff, batch, outbox::Column::DeliveredAt.is_not_null()),
        })
    }
}
