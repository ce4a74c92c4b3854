//! A per-source budget of password attempts: each attempt spends a token, a success gives it
//! back, and tokens return at a steady rate. A source that keeps failing is answered 429
//! before any hashing. IPv6 sources are counted per /64, which one host usually holds whole.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How many sources are tracked at most; beyond, buckets that are full again are dropped,
/// and then untracked sources pass (the verification pool still bounds their cost).
const MAX_SOURCES: usize = 65_536;

/// Attempts one source may have in flight or failed at once (the default).
pub(crate) const BURST: u32 = 32;
/// Failures a minute one source gets back (the default).
pub(crate) const PER_MINUTE: u32 = 30;

/// The budget. Shared by every endpoint of a server.
pub(crate) struct FailureBudget {
    burst: f64,
    per_second: f64,
    sources: Mutex<HashMap<IpAddr, Bucket>>,
}

#[derive(Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

/// A spent token; [`FailureBudget::refund`] it when the attempt succeeds.
#[derive(Debug)]
#[must_use = "refund the token of an attempt that succeeded"]
pub(crate) struct Attempt(Option<IpAddr>);

impl FailureBudget {
    /// `burst` attempts at once, failures returning `per_minute` tokens a minute.
    pub(crate) fn new(burst: u32, per_minute: u32) -> Self {
        FailureBudget {
            burst: f64::from(burst.max(1)),
            per_second: f64::from(per_minute.max(1)) / 60.0,
            sources: Mutex::new(HashMap::new()),
        }
    }

    /// Spends a token of `source`, or says how long until one is back.
    pub(crate) fn attempt(&self, source: IpAddr) -> Result<Attempt, Duration> {
        let key = key_of(source);
        let now = Instant::now();
        let Ok(mut sources) = self.sources.lock() else { return Ok(Attempt(None)) };
        if sources.len() >= MAX_SOURCES && !sources.contains_key(&key) {
            sources.retain(|_, b| self.refilled(*b, now) < self.burst);
            if sources.len() >= MAX_SOURCES {
                return Ok(Attempt(None));
            }
        }
        let bucket = sources.entry(key).or_insert(Bucket { tokens: self.burst, at: now });
        let tokens = self.refilled(*bucket, now);
        if tokens < 1.0 {
            return Err(Duration::from_secs_f64((1.0 - tokens) / self.per_second).max(Duration::from_secs(1)));
        }
        *bucket = Bucket { tokens: tokens - 1.0, at: now };
        Ok(Attempt(Some(key)))
    }

    /// Gives back the token of an attempt that succeeded.
    pub(crate) fn refund(&self, attempt: Attempt) {
        let (Some(key), Ok(mut sources)) = (attempt.0, self.sources.lock()) else { return };
        if let Some(bucket) = sources.get_mut(&key) {
            bucket.tokens = (bucket.tokens + 1.0).min(self.burst);
        }
    }

    fn refilled(&self, bucket: Bucket, now: Instant) -> f64 {
        let elapsed = now.saturating_duration_since(bucket.at).as_secs_f64();
        (bucket.tokens + elapsed * self.per_second).min(self.burst)
    }
}

impl Default for FailureBudget {
    /// [`BURST`] attempts at once, then [`PER_MINUTE`] failures a minute.
    fn default() -> Self {
        FailureBudget::new(BURST, PER_MINUTE)
    }
}

/// The address a budget is kept for: IPv4 (also when mapped into IPv6), or the IPv6 /64.
fn key_of(source: IpAddr) -> IpAddr {
    match source {
        IpAddr::V4(_) => source,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let mut octets = v6.octets();
                octets[8..].fill(0);
                IpAddr::from(octets)
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_exhaust_a_source_and_successes_give_back() {
        let budget = FailureBudget::new(3, 1);
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        let first = budget.attempt(a).expect("token");
        budget.refund(first);
        for _ in 0..3 {
            let _spent = budget.attempt(a).expect("token");
        }
        let wait = budget.attempt(a).expect_err("exhausted");
        assert!(wait >= Duration::from_secs(59), "one token a minute: {wait:?}");
        assert!(budget.attempt(b).is_ok(), "other sources are unaffected");
    }

    #[test]
    fn ipv6_hosts_are_counted_per_64() {
        let budget = FailureBudget::new(1, 1);
        let _spent = budget.attempt("2001:db8:1:2::1".parse().unwrap()).unwrap();
        assert!(budget.attempt("2001:db8:1:2:ffff::9".parse().unwrap()).is_err());
        assert!(budget.attempt("2001:db8:1:3::1".parse().unwrap()).is_ok());
        let _spent = budget.attempt("198.51.100.7".parse().unwrap()).unwrap();
        assert!(budget.attempt("::ffff:198.51.100.7".parse().unwrap()).is_err(), "IPv4-mapped is IPv4");
    }
}
