//! How many copies an item wants and how many it has: one rule for the
//! console's rows, `add`, `status` and the "already in the archive" answer.

use super::types::{GlobalPinInfo, TrackerStatus};

/// The peers that should hold an item: its allocations, or, pinned
/// everywhere (no allocations), every member peer.
pub fn wanted(allocations: usize, members: usize) -> usize {
    if allocations == 0 {
        members
    } else {
        allocations
    }
}

/// Replication factors as the daemon validates them, with its messages.
pub fn check_replication(rmin: i32, rmax: i32) -> Result<(), String> {
    if (rmin < 0 && rmax >= 0) || (rmin >= 0 && rmax < 0) {
        return Err("cluster.replication_factor_min and max must be -1 when one of them is".into());
    }
    if rmax >= 0 && rmin > rmax {
        return Err("cluster.replication_factor_min is larger than max".into());
    }
    Ok(())
}

/// `pinned/wanted`, from an item's global status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReplicaCount {
    pub pinned: usize,
    pub wanted: usize,
}

impl ReplicaCount {
    /// Everywhere, the members are the peers the status lists (a listed peer
    /// in `cluster_error` still should hold a copy). A peer keeping an extra
    /// copy never makes it "3/2".
    pub fn of(g: &GlobalPinInfo) -> Self {
        let pinned = g.count(TrackerStatus::Pinned);
        let wanted = wanted(g.allocations.len(), g.peer_map.len()).max(pinned);
        Self { pinned, wanted }
    }
}

impl std::fmt::Display for ReplicaCount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{} pinned", self.pinned, self.wanted)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::gojson::List;
    use crate::cluster::types::PinInfoShort;

    fn info(allocs: &[&str], statuses: &[TrackerStatus]) -> GlobalPinInfo {
        let mut g = GlobalPinInfo {
            cid: "Qm".into(),
            name: String::new(),
            allocations: List::from(allocs.iter().map(|s| s.to_string()).collect::<Vec<_>>()),
            origins: List::null(),
            created: Default::default(),
            metadata: Default::default(),
            peer_map: Default::default(),
        };
        for (i, s) in statuses.iter().enumerate() {
            g.peer_map.insert(
                format!("p{i}"),
                PinInfoShort {
                    status: *s,
                    ..Default::default()
                },
            );
        }
        g
    }

    #[test]
    fn everywhere_wants_every_member_and_allocated_wants_its_allocations() {
        use TrackerStatus::*;
        let all = info(&[], &[Pinned, Pinned, Pinned, Pinned, Pinned]);
        assert_eq!(ReplicaCount::of(&all).to_string(), "5/5 pinned");
        let one = info(&["p0"], &[Pinned, Remote, Remote]);
        assert_eq!(ReplicaCount::of(&one).to_string(), "1/1 pinned");
        let down = info(&[], &[Pinned, Pinned, ClusterError]);
        assert_eq!(ReplicaCount::of(&down).to_string(), "2/3 pinned");
    }
}
