//! Retry with capped exponential back-off and jitter, for looping over the sources until a
//! bootstrap succeeds (RFC 8572 §5.2 lets a device keep trying). Sleeping goes through a
//! [`Sleeper`], so tests advance a fake clock instead of waiting.

use std::collections::hash_map::RandomState;
use std::future::Future;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// How delays grow and when to give up.
#[derive(Debug, Clone, PartialEq)]
pub struct BackoffPolicy {
    /// Delay before the first retry, before jitter.
    pub initial: Duration,
    /// Cap on any single delay, before jitter.
    pub max_delay: Duration,
    /// Growth factor per retry (1 gives a constant delay).
    pub multiplier: u32,
    /// Fraction of each delay that is randomised away, in `0.0..=1.0`: a delay `d` becomes a value
    /// in `(d·(1−jitter), d]`, so devices that lost power together do not retry together.
    pub jitter: f64,
    /// Give up after this many retries (`None`: no limit).
    pub max_retries: Option<u32>,
    /// Give up once the delays handed out add up to this much (`None`: no limit).
    pub max_total_delay: Option<Duration>,
}

impl Default for BackoffPolicy {
    /// 1 s doubling to at most 5 min, half jitter, no retry limit.
    fn default() -> Self {
        Self {
            initial: Duration::from_secs(1),
            max_delay: Duration::from_secs(300),
            multiplier: 2,
            jitter: 0.5,
            max_retries: None,
            max_total_delay: None,
        }
    }
}

/// The state of one retry loop: hands out the next delay, or `None` when the policy is exhausted.
#[derive(Debug, Clone)]
pub struct Backoff {
    policy: BackoffPolicy,
    retries: u32,
    total: Duration,
    rng: u64,
}

impl Backoff {
    /// A fresh loop with a random jitter seed.
    pub fn new(policy: BackoffPolicy) -> Self {
        Self::with_seed(policy, random_u64())
    }

    /// A fresh loop with a fixed jitter seed (deterministic delays for tests and simulations).
    pub fn with_seed(policy: BackoffPolicy, seed: u64) -> Self {
        Self { policy, retries: 0, total: Duration::ZERO, rng: seed | 1 }
    }

    /// Retries handed out so far.
    pub fn retries(&self) -> u32 {
        self.retries
    }

    /// Starts over (e.g. after a success that leads to a new phase).
    pub fn reset(&mut self) {
        self.retries = 0;
        self.total = Duration::ZERO;
    }

    /// The delay before the next retry, or `None` when the policy says to give up.
    pub fn next_delay(&mut self) -> Option<Duration> {
        if self.policy.max_retries.is_some_and(|max| self.retries >= max) {
            return None;
        }
        let growth = self.policy.multiplier.max(1).checked_pow(self.retries).unwrap_or(u32::MAX);
        let base = self.policy.initial.checked_mul(growth).unwrap_or(Duration::MAX).min(self.policy.max_delay);
        let jitter = self.policy.jitter.clamp(0.0, 1.0);
        let delay = base.mul_f64(1.0 - jitter * self.next_unit());
        if self.policy.max_total_delay.is_some_and(|max| self.total.saturating_add(delay) > max) {
            return None;
        }
        self.retries += 1;
        self.total = self.total.saturating_add(delay);
        Some(delay)
    }

    /// A value in `[0, 1)` from xorshift64*.
    fn next_unit(&mut self) -> f64 {
        self.rng ^= self.rng >> 12;
        self.rng ^= self.rng << 25;
        self.rng ^= self.rng >> 27;
        let value = self.rng.wrapping_mul(0x2545_f491_4f6c_dd1d);
        (value >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Something that can wait; [`TokioSleeper`] in production, a recording fake in tests.
pub trait Sleeper {
    /// Waits for `duration`.
    fn sleep(&self, duration: Duration) -> impl Future<Output = ()> + Send;
}

/// Sleeps on the tokio timer.
#[derive(Debug, Clone, Copy, Default)]
pub struct TokioSleeper;

impl Sleeper for TokioSleeper {
    fn sleep(&self, duration: Duration) -> impl Future<Output = ()> + Send {
        tokio::time::sleep(duration)
    }
}

/// Runs `attempt` (given the retry number, 0 first) until it succeeds or `backoff` is exhausted,
/// sleeping between attempts; returns the last error when giving up.
pub async fn retry<T, E, S, F, Fut>(backoff: &mut Backoff, sleeper: &S, mut attempt: F) -> Result<T, E>
where
    S: Sleeper,
    F: FnMut(u32) -> Fut,
    Fut: Future<Output = Result<T, E>>,
{
    let mut number = 0;
    loop {
        match attempt(number).await {
            Ok(value) => return Ok(value),
            Err(err) => match backoff.next_delay() {
                Some(delay) => {
                    tracing::debug!(retry = number + 1, ?delay, "retrying after back-off");
                    sleeper.sleep(delay).await;
                    number += 1;
                }
                None => return Err(err),
            },
        }
    }
}

/// A non-cryptographic random number (DNS query IDs, jitter seeds): the std hasher's random keys
/// mixed with a counter and the clock.
pub(crate) fn random_u64() -> u64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    if let Ok(now) = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
        hasher.write_u128(now.as_nanos());
    }
    hasher.finish()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use std::sync::Mutex;

    use super::*;

    /// Records requested sleeps instead of sleeping.
    #[derive(Default)]
    struct FakeSleeper(Mutex<Vec<Duration>>);

    impl Sleeper for FakeSleeper {
        fn sleep(&self, duration: Duration) -> impl Future<Output = ()> + Send {
            self.0.lock().unwrap().push(duration);
            std::future::ready(())
        }
    }

    fn no_jitter() -> BackoffPolicy {
        BackoffPolicy { jitter: 0.0, max_delay: Duration::from_secs(10), ..BackoffPolicy::default() }
    }

    #[test]
    fn delays_double_up_to_the_cap() {
        let mut backoff = Backoff::with_seed(no_jitter(), 1);
        let delays: Vec<u64> = (0..7).map(|_| backoff.next_delay().unwrap().as_secs()).collect();
        assert_eq!(delays, [1, 2, 4, 8, 10, 10, 10]);
        backoff.reset();
        assert_eq!(backoff.next_delay(), Some(Duration::from_secs(1)));
        let mut huge = Backoff::with_seed(BackoffPolicy { max_delay: Duration::MAX, ..no_jitter() }, 1);
        for _ in 0..200 {
            assert!(huge.next_delay().is_some());
        }
    }

    #[test]
    fn jitter_stays_within_the_band_and_is_reproducible_per_seed() {
        let policy = BackoffPolicy { jitter: 0.5, ..no_jitter() };
        let mut a = Backoff::with_seed(policy.clone(), 42);
        let mut b = Backoff::with_seed(policy.clone(), 42);
        let mut other = Backoff::with_seed(policy, 7);
        let (mut same, mut differs) = (true, false);
        for retry in 0..50u32 {
            let base = Duration::from_secs(1u64 << retry.min(20)).min(Duration::from_secs(10));
            let (da, db, dc) = (a.next_delay().unwrap(), b.next_delay().unwrap(), other.next_delay().unwrap());
            assert!(da <= base && da >= base / 2, "{da:?} vs {base:?}");
            same &= da == db;
            differs |= da != dc;
        }
        assert!(same && differs);
    }

    #[test]
    fn retry_and_total_limits_end_the_loop() {
        let mut by_count = Backoff::with_seed(BackoffPolicy { max_retries: Some(3), ..no_jitter() }, 1);
        assert_eq!((0..5).filter_map(|_| by_count.next_delay()).count(), 3);
        let total = BackoffPolicy { max_total_delay: Some(Duration::from_secs(7)), ..no_jitter() };
        let mut by_total = Backoff::with_seed(total, 1);
        let delays: Vec<u64> = std::iter::from_fn(|| by_total.next_delay()).map(|d| d.as_secs()).collect();
        assert_eq!(delays, [1, 2, 4]);
    }

    #[tokio::test]
    async fn retry_sleeps_between_failures_without_waiting() {
        let sleeper = FakeSleeper::default();
        let mut backoff = Backoff::with_seed(no_jitter(), 1);
        let result: Result<u32, &str> =
            retry(&mut backoff, &sleeper, |n| async move { if n < 3 { Err("down") } else { Ok(n) } }).await;
        assert_eq!(result, Ok(3));
        assert_eq!(*sleeper.0.lock().unwrap(), [1, 2, 4].map(Duration::from_secs));

        let mut limited = Backoff::with_seed(BackoffPolicy { max_retries: Some(2), ..no_jitter() }, 1);
        let result: Result<(), String> =
            retry(&mut limited, &sleeper, |n| async move { Err(format!("fail {n}")) }).await;
        assert_eq!(result, Err("fail 2".to_owned()));
    }

    #[test]
    fn random_numbers_differ() {
        assert_ne!(random_u64(), random_u64());
    }
}
