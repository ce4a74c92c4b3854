//! Device-independent SRV records at `_sztp._tcp.<domain>` (RFC 8572 §4.2), the "essence" of
//! unsigned redirect information, and their RFC 2782 priority/weight ordering.

use std::fmt;
use std::str::FromStr;

use super::DnsError;
use super::names::validate_domain;

/// One SRV record's RDATA (RFC 2782): where a bootstrap server listens.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SrvRecord {
    /// Lower values are tried first.
    pub priority: u16,
    /// Relative share among records of equal priority; 0 means "rarely, if others exist".
    pub weight: u16,
    /// TCP port of the bootstrap server.
    pub port: u16,
    /// Host name of the bootstrap server in presentation form; `.` means "no service here".
    pub target: String,
}

impl SrvRecord {
    /// Builds a record, validating `target` as a domain name (or `.`).
    pub fn new(priority: u16, weight: u16, port: u16, target: &str) -> Result<Self, DnsError> {
        if target != "." {
            validate_domain(target).map_err(|_| DnsError::InvalidSrv("target is not a valid domain name"))?;
        }
        Ok(Self { priority, weight, port, target: target.to_owned() })
    }

    /// True for the RFC 2782 "service decidedly not available" record (target `.`).
    pub fn is_unavailable(&self) -> bool {
        self.target == "."
    }

    /// The target without its trailing dot, as used to connect.
    pub fn host(&self) -> &str {
        self.target.strip_suffix('.').unwrap_or(&self.target)
    }
}

impl FromStr for SrvRecord {
    type Err = DnsError;

    /// Parses the RDATA presentation form `<priority> <weight> <port> <target>`, e.g. `0 0 443 sztp1.example.com.`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let fields: Vec<&str> = s.split_ascii_whitespace().collect();
        let [priority, weight, port, target] = fields.as_slice() else {
            return Err(DnsError::InvalidSrv("expected <priority> <weight> <port> <target>"));
        };
        Self::new(number(priority)?, number(weight)?, number(port)?, target)
    }
}

impl fmt::Display for SrvRecord {
    /// Writes the RDATA presentation form.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {} {}", self.priority, self.weight, self.port, self.target)
    }
}

fn number(field: &str) -> Result<u16, DnsError> {
    if field.is_empty() || !field.bytes().all(|b| b.is_ascii_digit()) {
        return Err(DnsError::InvalidSrv("priority, weight and port must be decimal"));
    }
    field.parse().map_err(|_| DnsError::InvalidSrv("priority, weight or port above 65535"))
}

/// Orders SRV records into the (host, port) sequence to try, per RFC 2782.
///
/// Records with target `.` are dropped. Lower priority comes first; within one priority the order
/// is a weighted random draw: `pick(total)` must return a uniformly chosen value in `0..=total`
/// (the running-sum selection of RFC 2782, weight-0 records placed first). Passing the random
/// source in keeps this function deterministic under test; out-of-range picks are clamped.
pub fn order_srv_records(records: &[SrvRecord], mut pick: impl FnMut(u64) -> u64) -> Vec<(String, u16)> {
    let mut remaining: Vec<&SrvRecord> = records.iter().filter(|r| !r.is_unavailable()).collect();
    remaining.sort_by_key(|r| (r.priority, r.weight != 0));
    let mut ordered = Vec::with_capacity(remaining.len());
    while let Some(priority) = remaining.first().map(|r| r.priority) {
        let split = remaining.iter().position(|r| r.priority != priority).unwrap_or(remaining.len());
        let mut group: Vec<&SrvRecord> = remaining.drain(..split).collect();
        while !group.is_empty() {
            let total: u64 = group.iter().map(|r| u64::from(r.weight)).sum();
            let chosen = pick(total).min(total);
            let mut running = 0u64;
            let index = group
                .iter()
                .position(|r| {
                    running += u64::from(r.weight);
                    running >= chosen
                })
                .unwrap_or(0);
            let record = group.remove(index);
            ordered.push((record.host().to_owned(), record.port));
        }
    }
    ordered
}

#[cfg(test)]
mod tests {
    use super::*;

    fn srv(text: &str) -> SrvRecord {
        text.parse().unwrap()
    }

    #[test]
    fn parses_and_formats_presentation_form() {
        let record = srv("0 0 443 sztp1.example.com.");
        assert_eq!(record, SrvRecord { priority: 0, weight: 0, port: 443, target: "sztp1.example.com.".into() });
        assert_eq!(record.to_string(), "0 0 443 sztp1.example.com.");
        assert_eq!(record.host(), "sztp1.example.com");
        assert_eq!(srv("  10\t5 8443   b.example ").to_string(), "10 5 8443 b.example");
        assert!(srv("0 0 0 .").is_unavailable());
    }

    #[test]
    fn malformed_presentation_is_rejected() {
        for bad in
            ["", "0 0 443", "0 0 443 a b", "-1 0 443 a.", "+1 0 443 a.", "0 0 65536 a.", "0 x 1 a.", "0 0 1 a..b"]
        {
            assert!(matches!(bad.parse::<SrvRecord>(), Err(DnsError::InvalidSrv(_))), "{bad:?}");
        }
    }

    #[test]
    fn lower_priority_comes_first_and_root_targets_are_dropped() {
        let records = [srv("20 0 443 c."), srv("10 0 443 a."), srv("10 0 8443 b."), srv("5 0 0 .")];
        let order = order_srv_records(&records, |_| 0);
        assert_eq!(order, [("a".to_owned(), 443), ("b".to_owned(), 8443), ("c".to_owned(), 443)]);
        assert!(order_srv_records(&[srv("0 0 0 .")], |_| 0).is_empty());
    }

    #[test]
    fn weighted_selection_follows_the_running_sum() {
        // Weight-0 first, then running sums 0 (z), 10 (a), 40 (b): a pick of 25 selects b.
        let records = [srv("1 10 1 a."), srv("1 30 2 b."), srv("1 0 3 z.")];
        let mut picks = vec![25u64, 0, 0].into_iter();
        let order = order_srv_records(&records, |_| picks.next().unwrap_or(0));
        assert_eq!(order, [("b".to_owned(), 2), ("z".to_owned(), 3), ("a".to_owned(), 1)]);
        let totals = std::cell::RefCell::new(Vec::new());
        order_srv_records(&records, |total| {
            totals.borrow_mut().push(total);
            u64::MAX
        });
        assert_eq!(totals.into_inner(), [40, 10, 0]);
    }
}
