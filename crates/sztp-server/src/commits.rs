//! Grouped commits of request records: requests finishing together have their bootstrapping-log
//! and audit records written in one transaction (one fsync), and each request hears back only
//! after the commit that holds its records, so a 204 still means "stored".

use std::sync::OnceLock;

use sztp_store::{AuditRecord, BootstrapEvent, RequestRecords, Store, StoreError};
use tokio::sync::{mpsc, oneshot};

/// Most requests whose records go into one transaction.
const MAX_GROUP: usize = 256;
/// Requests waiting for a commit at most; beyond, a request waits for room (backpressure).
const QUEUE: usize = 4096;

/// One request's records, and who waits for their commit.
struct Job {
    events: Vec<BootstrapEvent>,
    record: AuditRecord,
    done: oneshot::Sender<Result<(), StoreError>>,
}

/// The queue into the committing task (started with the first commit, on the caller's runtime;
/// it ends when the last handle is dropped).
pub(crate) struct Committer {
    store: Store,
    queue: OnceLock<mpsc::Sender<Job>>,
}

impl Committer {
    /// A committer writing through `store`.
    pub(crate) fn new(store: Store) -> Self {
        Committer { store, queue: OnceLock::new() }
    }

    /// Commits one request's records with its audit record; returns once they are durable.
    pub(crate) async fn commit(&self, events: Vec<BootstrapEvent>, record: AuditRecord) -> Result<(), StoreError> {
        let queue = self.queue.get_or_init(|| {
            let (tx, rx) = mpsc::channel(QUEUE);
            tokio::spawn(run(self.store.clone(), rx));
            tx
        });
        let (done, wait) = oneshot::channel();
        let gone = || StoreError::Unavailable("the commit task has stopped".into());
        queue.send(Job { events, record, done }).await.map_err(|_| gone())?;
        wait.await.map_err(|_| gone())?
    }
}

async fn run(store: Store, mut queue: mpsc::Receiver<Job>) {
    let mut group = Vec::with_capacity(MAX_GROUP);
    while queue.recv_many(&mut group, MAX_GROUP).await > 0 {
        if group.len() == 1 || write(&store, &group).await.is_err() {
            // Alone, or the group failed: each request gets its own commit and its own outcome,
            // so one bad record fails only its own request.
            for job in group.drain(..) {
                let result = write(&store, std::slice::from_ref(&job)).await;
                let _ = job.done.send(result);
            }
            continue;
        }
        for job in group.drain(..) {
            let _ = job.done.send(Ok(()));
        }
    }
}

/// Every job's records in one transaction.
async fn write(store: &Store, jobs: &[Job]) -> Result<(), StoreError> {
    let records: Vec<RequestRecords<'_>> =
        jobs.iter().map(|job| RequestRecords { events: &job.events, audit: &job.record }).collect();
    store.record_requests(&records).await
}
