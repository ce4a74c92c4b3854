//! The verification pool: a few threads (about one per core) each reusing one argon2 working
//! memory, fed by a bounded queue. When the queue is full a request is refused at once
//! ([`Busy`]) instead of waiting, so a flood costs neither memory nor other devices' latency.

use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Mutex, OnceLock};

use argon2::password_hash::{Output, PasswordHash};
use argon2::{Argon2, Block};
use tokio::sync::oneshot;
use tracing::warn;
use zeroize::Zeroizing;

/// The pool's queue is full: answer 503 with Retry-After.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Busy;

struct Job {
    secret: Zeroizing<String>,
    /// `None`: spend the time of a verification against a dummy hash (an unknown user).
    phc: Option<String>,
    reply: oneshot::Sender<bool>,
}

/// Verifies secrets against PHC strings off the async workers. Cheap to clone.
#[derive(Clone)]
pub(crate) struct Verifier {
    queue: SyncSender<Job>,
}

impl Verifier {
    /// A pool of `threads` workers with room for `queued` waiting verifications.
    pub(crate) fn new(threads: usize, queued: usize) -> Self {
        let threads = threads.max(1);
        let (queue, jobs) = sync_channel::<Job>(queued);
        let jobs = Arc::new(Mutex::new(jobs));
        for n in 0..threads {
            let jobs = jobs.clone();
            let spawned = std::thread::Builder::new().name(format!("argon2-{n}")).spawn(move || work(&jobs));
            if let Err(e) = spawned {
                warn!(error = %e, "could not start a password verification thread");
            }
        }
        Verifier { queue }
    }

    /// The default pool: one thread per core, and room for twice one source's burst waiting
    /// (so one flooding source cannot fill the queue for everyone), or 16 per thread.
    pub(crate) fn for_this_machine() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, usize::from);
        Verifier::new(cores, (cores * 16).max(2 * super::budget::BURST as usize))
    }

    /// Whether `secret` matches `phc`; a hash outside the bounds never matches.
    pub(crate) async fn verify(&self, secret: &str, phc: &str) -> Result<bool, Busy> {
        self.submit(secret, Some(phc.to_owned())).await
    }

    /// Spends about the time of one verification, so an unknown user cannot be told from a
    /// wrong password by timing.
    pub(crate) async fn burn(&self, secret: &str) -> Result<(), Busy> {
        self.submit(secret, None).await.map(|_| ())
    }

    async fn submit(&self, secret: &str, phc: Option<String>) -> Result<bool, Busy> {
        let (reply, answer) = oneshot::channel();
        let job = Job { secret: Zeroizing::new(secret.to_owned()), phc, reply };
        match self.queue.try_send(job) {
            Ok(()) => Ok(answer.await.unwrap_or(false)),
            Err(TrySendError::Full(_)) => Err(Busy),
            Err(TrySendError::Disconnected(_)) => {
                warn!("no password verification thread is running");
                Err(Busy)
            }
        }
    }
}

fn work(jobs: &Mutex<Receiver<Job>>) {
    let mut memory: Vec<Block> = Vec::new();
    loop {
        let job = match jobs.lock() {
            Ok(receiver) => receiver.recv(),
            Err(_) => return,
        };
        let Ok(job) = job else { return };
        let phc = job.phc.as_deref().unwrap_or_else(|| dummy());
        let verdict = verify_with(&mut memory, job.secret.as_bytes(), phc);
        // The requester may have gone (a closed connection); nothing to do then.
        let _ = job.reply.send(verdict && job.phc.is_some());
    }
}

/// A hash of the server's own cost, for [`Verifier::burn`].
fn dummy() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| super::hash("not a real activation code").unwrap_or_default())
}

/// Verifies in `memory` (grown to the hash's cost, which [`super::bounded`] caps).
fn verify_with(memory: &mut Vec<Block>, secret: &[u8], phc: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(phc) else { return false };
    let (algorithm, version, params) = match super::bounded(&parsed) {
        Ok(recipe) => recipe,
        Err(e) => {
            warn!(reason = %e, "a stored hash is refused for verification");
            return false;
        }
    };
    let (Some(expected), Some(salt)) = (parsed.hash, parsed.salt) else { return false };
    let mut salt_bytes = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_bytes) else { return false };
    let blocks = params.block_count();
    if memory.len() < blocks {
        memory.resize(blocks, Block::default());
    }
    let mut out = [0u8; Output::MAX_LENGTH];
    let out = &mut out[..expected.len()];
    let argon = Argon2::new(algorithm, version, params);
    if argon.hash_password_into_with_memory(secret, salt, out, &mut memory[..blocks]).is_err() {
        return false;
    }
    // Output's equality is constant-time.
    Output::new(out).is_ok_and(|computed| computed == expected)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn verifies_with_the_hash_parameters_and_refuses_hostile_ones() {
        let v = Verifier::new(1, 4);
        let phc = super::super::hash("s3cret").unwrap();
        assert_eq!(v.verify("s3cret", &phc).await, Ok(true));
        assert_eq!(v.verify("s3cret ", &phc).await, Ok(false));
        assert_eq!(v.verify("s3cret", "not a phc string").await, Ok(false));
        let hostile = phc.replace("m=19456", "m=4294967295");
        assert_eq!(v.verify("s3cret", &hostile).await, Ok(false), "refused before any allocation");
        assert_eq!(v.burn("s3cret").await, Ok(()));
    }

    #[tokio::test]
    async fn a_full_queue_answers_busy_at_once() {
        let v = Verifier::new(1, 1);
        let phc = super::super::hash("s3cret").unwrap();
        let mut many = tokio::task::JoinSet::new();
        for _ in 0..16 {
            let (v, phc) = (v.clone(), phc.clone());
            many.spawn(async move { v.verify("s3cret", &phc).await });
        }
        let results: Vec<_> = many.join_all().await;
        let busy = results.iter().filter(|r| **r == Err(Busy)).count();
        assert!(busy >= 1, "16 at once into one thread and one slot: {results:?}");
        assert!(results.contains(&Ok(true)));
    }
}
