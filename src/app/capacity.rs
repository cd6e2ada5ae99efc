//! The capacity screen's state: its figures (worked out off the UI task
//! from the loaded pinset), the peers' free-space history, and the growth
//! chart's unit.

use crate::cluster::capacity::history::History;
use crate::cluster::capacity::Capacity;

#[derive(Debug, Clone, Default)]
pub struct CapacityView {
    /// `None` while they are worked out.
    pub figures: Option<Box<Capacity>>,
    pub history: History,
    /// Why there are none.
    pub error: Option<String>,
    /// The growth chart in items (else bytes).
    pub items: bool,
}

/// The figures of the loaded pinset (one pass; the console runs it on a
/// blocking thread, the pinset shared, not copied).
pub fn figures(
    rows: &crate::pinset::Pinset,
    peers: &[crate::cluster::capacity::Peer],
    now: i64,
) -> Capacity {
    let mut t = crate::cluster::capacity::Tally::new(peers, now);
    for r in rows.iter() {
        t.push(&crate::cluster::capacity::Item {
            cid: r.cid(),
            name: r.name(),
            size: r.size(),
            created: r.created(),
            org: r.org(),
            allocations: r.allocations(),
        });
    }
    t.finish()
}
