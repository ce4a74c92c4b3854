//! What a connection is doing, so idle ones can be closed: requests being handled and response
//! bodies being sent count as busy. An idle HTTP/2 connection would otherwise hold its slot
//! forever (it answers keep-alive pings), and 4,096 of them would lock everyone else out.

use std::collections::HashMap;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Instant;

use axum::body::Body;
use hyper::body::{Bytes, Frame, SizeHint};

/// One connection's activity.
#[derive(Debug)]
pub(crate) struct Activity {
    busy: AtomicUsize,
    since: Mutex<Instant>,
}

impl Activity {
    pub(crate) fn new() -> Arc<Self> {
        Arc::new(Activity { busy: AtomicUsize::new(0), since: Mutex::new(Instant::now()) })
    }

    /// Marks one unit of work (a request, then its response body) until the guard drops.
    pub(crate) fn busy(self: &Arc<Self>) -> Busy {
        self.busy.fetch_add(1, Ordering::SeqCst);
        Busy(self.clone())
    }

    /// How long the connection has had nothing to do; `None` while it is busy.
    pub(crate) fn idle_for(&self) -> Option<std::time::Duration> {
        if self.busy.load(Ordering::SeqCst) > 0 {
            return None;
        }
        self.since.lock().ok().map(|since| since.elapsed())
    }
}

/// A unit of work in progress.
#[derive(Debug)]
pub(crate) struct Busy(Arc<Activity>);

impl Drop for Busy {
    fn drop(&mut self) {
        if let Ok(mut since) = self.0.since.lock() {
            *since = Instant::now();
        }
        self.0.busy.fetch_sub(1, Ordering::SeqCst);
    }
}

/// A response body that keeps its connection busy until it is sent (or dropped).
pub(crate) struct Tracked {
    inner: Body,
    _busy: Busy,
}

impl Tracked {
    pub(crate) fn body(inner: Body, busy: Busy) -> Body {
        Body::new(Tracked { inner, _busy: busy })
    }
}

impl hyper::body::Body for Tracked {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        Pin::new(&mut self.inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// Open connections per source address of one endpoint.
#[derive(Debug, Default)]
pub(crate) struct PerSource {
    open: Mutex<HashMap<IpAddr, usize>>,
}

/// A connection counted against its source; uncounted when dropped.
#[derive(Debug)]
pub(crate) struct SourceSlot {
    table: Arc<PerSource>,
    ip: IpAddr,
}

impl PerSource {
    /// Counts a connection from `ip`, unless that source already has `max` open.
    pub(crate) fn admit(table: &Arc<PerSource>, ip: IpAddr, max: usize) -> Option<SourceSlot> {
        let mut open = table.open.lock().ok()?;
        let n = open.entry(ip).or_insert(0);
        if *n >= max {
            return None;
        }
        *n += 1;
        Some(SourceSlot { table: table.clone(), ip })
    }
}

impl Drop for SourceSlot {
    fn drop(&mut self) {
        let Ok(mut open) = self.table.open.lock() else { return };
        if let Some(n) = open.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                open.remove(&self.ip);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_source_gets_at_most_its_share_and_slots_come_back() {
        let table = Arc::new(PerSource::default());
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        let first = PerSource::admit(&table, ip, 2).unwrap();
        let _second = PerSource::admit(&table, ip, 2).unwrap();
        assert!(PerSource::admit(&table, ip, 2).is_none());
        assert!(PerSource::admit(&table, "192.0.2.2".parse().unwrap(), 2).is_some());
        drop(first);
        assert!(PerSource::admit(&table, ip, 2).is_some());
    }

    #[test]
    fn busy_until_the_last_guard_drops() {
        let activity = Activity::new();
        assert!(activity.idle_for().is_some());
        let request = activity.busy();
        let body = activity.busy();
        drop(request);
        assert_eq!(activity.idle_for(), None);
        drop(body);
        assert!(activity.idle_for().is_some_and(|d| d.as_secs() == 0));
    }
}
