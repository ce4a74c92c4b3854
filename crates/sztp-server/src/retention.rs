//! Background pruning: every ten minutes, log records older than the retention period or beyond
//! each table's row budget go in batches of 1,000, with a pause between batches so devices' writes go first; and artifact
//! content nothing names any more (replaced, deleted, abandoned uploads) goes after an hour.

use std::time::Duration;

use sztp_store::{Pruned, Store};
use tracing::{info, warn};

/// Rows per table and batch.
const BATCH: u64 = 1_000;
/// Time between pruning runs.
const EVERY: Duration = Duration::from_secs(600);

/// How long unnamed artifact content stays readable: downloads under way when it was replaced
/// or deleted finish within this time.
const CONTENT_GRACE: time::Duration = time::Duration::hours(1);
/// Unnamed blobs per collection batch.
const BLOB_BATCH: u64 = 20;

/// Rows kept per log table unless `--log-max-rows` says otherwise.
pub(crate) const DEFAULT_MAX_ROWS: u64 = 5_000_000;

/// What the log tables keep.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Retention {
    /// Days a record is kept (0: no age limit).
    pub days: u32,
    /// Rows kept per table, the newest (0: no budget).
    pub max_rows: u64,
}

/// Prunes forever (until the task is aborted).
pub(crate) async fn run(store: Store, keep: Retention) {
    let mut tick = tokio::time::interval(EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match collect(&store, time::OffsetDateTime::now_utc() - CONTENT_GRACE).await {
            Ok(0) => {}
            Ok(n) => info!(blobs = n, "removed artifact content nothing names any more"),
            Err(e) => warn!(error = %e, "removing unnamed artifact content failed; retrying at the next run"),
        }
        if keep.days > 0 {
            let cutoff = time::OffsetDateTime::now_utc() - time::Duration::days(i64::from(keep.days));
            let pruned = prune(|| store.prune_logs_before(cutoff, BATCH)).await;
            report(pruned, &format!("older than {} days", keep.days));
        }
        if keep.max_rows > 0 {
            let pruned = prune(|| store.prune_logs_over(keep.max_rows, BATCH)).await;
            report(pruned, &format!("beyond the newest {} per table", keep.max_rows));
        }
    }
}

fn report(pruned: Result<Pruned, sztp_store::StoreError>, which: &str) {
    match pruned {
        Ok(p) if p.total() > 0 => info!(
            bootstrap_log = p.bootstrap_log,
            progress = p.progress,
            audit = p.audit,
            events = p.outbox,
            "pruned log records {which}"
        ),
        Ok(_) => {}
        Err(e) => warn!(error = %e, "pruning log records {which} failed; retrying at the next run"),
    }
}

/// Runs one pruning step (`batch`) until it deletes nothing, pausing between batches.
pub(crate) async fn prune<F, Fut>(mut batch: F) -> Result<Pruned, sztp_store::StoreError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<Pruned, sztp_store::StoreError>>,
{
    let mut all = Pruned::default();
    loop {
        let p = batch().await?;
        if p.total() == 0 {
            return Ok(all);
        }
        all.bootstrap_log += p.bootstrap_log;
        all.progress += p.progress;
        all.audit += p.audit;
        all.outbox += p.outbox;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Artifact content no artifact names, last used before `cutoff`, batch by batch.
pub(crate) async fn collect(store: &Store, cutoff: time::OffsetDateTime) -> Result<u64, sztp_store::StoreError> {
    let mut all = 0;
    loop {
        let n = store.collect_artifact_blobs(cutoff, BLOB_BATCH).await?;
        if n == 0 {
            return Ok(all);
        }
        all += n;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sztp_store::{AuditRecord, LogQuery, OpenOptions, TenantId};

    #[tokio::test]
    async fn records_before_the_cutoff_then_beyond_the_budget_go_batch_by_batch() {
        let store = Store::open("sqlite::memory:", &OpenOptions::default()).await.unwrap();
        let now = time::OffsetDateTime::now_utc();
        for i in 0..2_600 {
            let time = if i < 2_500 { now - time::Duration::days(100) } else { now };
            let record = AuditRecord {
                tenant: TenantId::DEFAULT,
                time,
                principal: Some("root".into()),
                source: "127.0.0.1:1".into(),
                api: "native".into(),
                method: "GET".into(),
                path: "/".into(),
                status: 200,
            };
            store.append_audit(&record).await.unwrap();
        }
        let cutoff = now - time::Duration::days(90);
        let pruned = prune(|| store.prune_logs_before(cutoff, BATCH)).await.unwrap();
        assert_eq!((pruned.audit, pruned.total()), (2_500, 2_500));
        let kept = store.audit_log(TenantId::DEFAULT, &LogQuery { limit: 1_000, ..LogQuery::default() }).await;
        assert_eq!(kept.unwrap().len(), 100);

        let pruned = prune(|| store.prune_logs_over(40, 25)).await.unwrap();
        assert_eq!(pruned.audit, 60, "beyond the row budget");
        let kept = store.audit_log(TenantId::DEFAULT, &LogQuery { limit: 1_000, ..LogQuery::default() }).await;
        assert_eq!(kept.unwrap().len(), 40);
    }
}
