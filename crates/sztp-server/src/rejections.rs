//! Requests nobody authenticated (401, 404, 429, 503 and the like) are counted, not stored a
//! row each: anyone can send them, and storing them would let anyone fill the disk. The counts
//! are summarised in the server log once a minute, with the busiest sources.

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

/// Sources tracked per summary window; beyond, they are counted under "others".
const MAX_SOURCES: usize = 4096;
/// Sources named in a summary.
const TOP: usize = 5;

/// The counters. Shared by every endpoint of a server.
#[derive(Default)]
pub(crate) struct Rejections {
    total: AtomicU64,
    window: Mutex<Window>,
}

#[derive(Default)]
struct Window {
    by_kind: BTreeMap<(String, u16), u64>,
    by_source: HashMap<IpAddr, u64>,
    others: u64,
}

impl Rejections {
    /// Counts one unauthenticated request of `api` answered `status`.
    pub(crate) fn count(&self, api: &str, status: u16, source: Option<IpAddr>) {
        self.total.fetch_add(1, Ordering::Relaxed);
        let Ok(mut w) = self.window.lock() else { return };
        *w.by_kind.entry((api.to_owned(), status)).or_default() += 1;
        match source {
            Some(ip) if w.by_source.len() < MAX_SOURCES || w.by_source.contains_key(&ip) => {
                *w.by_source.entry(ip).or_default() += 1;
            }
            _ => w.others += 1,
        }
    }

    /// Unauthenticated requests since the server started.
    pub(crate) fn total(&self) -> u64 {
        self.total.load(Ordering::Relaxed)
    }

    /// The window's summary, which starts a new window; `None` when nothing was counted.
    pub(crate) fn take_summary(&self) -> Option<String> {
        let w = std::mem::take(&mut *self.window.lock().ok()?);
        if w.by_kind.is_empty() {
            return None;
        }
        let kinds: Vec<String> = w.by_kind.iter().map(|((api, status), n)| format!("{api} {status}×{n}")).collect();
        let mut sources: Vec<(IpAddr, u64)> = w.by_source.into_iter().collect();
        sources.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let mut top: Vec<String> = sources.iter().take(TOP).map(|(ip, n)| format!("{ip} ×{n}")).collect();
        let rest: u64 = sources.iter().skip(TOP).map(|(_, n)| n).sum::<u64>() + w.others;
        if rest > 0 {
            top.push(format!("others ×{rest}"));
        }
        Some(format!("unauthenticated requests: {}; from {}", kinds.join(", "), top.join(", ")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_summarised_per_kind_and_source_then_reset() {
        let r = Rejections::default();
        assert_eq!(r.take_summary(), None);
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        for _ in 0..3 {
            r.count("sbi", 401, Some(a));
        }
        r.count("nbi", 404, Some("192.0.2.2".parse().unwrap()));
        r.count("sbi", 401, None);
        assert_eq!(r.total(), 5);
        let summary = r.take_summary().unwrap();
        assert_eq!(
            summary,
            "unauthenticated requests: nbi 404×1, sbi 401×4; from 192.0.2.1 ×3, 192.0.2.2 ×1, others ×1"
        );
        assert_eq!(r.take_summary(), None, "a new window");
        assert_eq!(r.total(), 5);
    }
}
