//! Background pruning of old log records: every ten minutes, records older than the retention
//! period go in batches of 1,000, with a pause between batches so devices' writes go first.

use std::time::Duration;

use sztp_store::{Pruned, Store};
use tracing::{info, warn};

/// Rows per table and batch.
const BATCH: u64 = 1_000;
/// Time between pruning runs.
const EVERY: Duration = Duration::from_secs(600);

/// Prunes forever (until the task is aborted); `days` 0 keeps everything.
pub(crate) async fn run(store: Store, days: u32) {
    if days == 0 {
        return;
    }
    let mut tick = tokio::time::interval(EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let cutoff = time::OffsetDateTime::now_utc() - time::Duration::days(i64::from(days));
        match prune(&store, cutoff).await {
            Ok(p) if p.total() > 0 => info!(
                bootstrap_log = p.bootstrap_log,
                progress = p.progress,
                audit = p.audit,
                events = p.outbox,
                "pruned log records older than {days} days"
            ),
            Ok(_) => {}
            Err(e) => warn!(error = %e, "pruning old log records failed; retrying at the next run"),
        }
    }
}

/// Everything before `cutoff`, batch by batch.
pub(crate) async fn prune(store: &Store, cutoff: time::OffsetDateTime) -> Result<Pruned, sztp_store::StoreError> {
    let mut all = Pruned::default();
    loop {
        let p = store.prune_logs_before(cutoff, BATCH).await?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use sztp_store::{AuditRecord, LogQuery, OpenOptions, TenantId};

    #[tokio::test]
    async fn everything_before_the_cutoff_goes_batch_by_batch() {
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
        let pruned = prune(&store, now - time::Duration::days(90)).await.unwrap();
        assert_eq!((pruned.audit, pruned.total()), (2_500, 2_500));
        let kept = store.audit_log(TenantId::DEFAULT, &LogQuery { limit: 1_000, ..LogQuery::default() }).await;
        assert_eq!(kept.unwrap().len(), 100);
    }
}
