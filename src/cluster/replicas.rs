//! How many copies an item wants and how many it has: the one rule for the
//! console's rows, replication pane and problems, `status` (text and JSON),
//! `add` and its "already in the archive" answer.

use std::sync::Arc;

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

/// Replication at a glance, from a `GlobalPinInfo`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Repl {
    pub pinned: u16,
    pub pinning: u16,
    pub queued: u16,
    pub errors: u16,
    pub unpinning: u16,
    pub cluster_errors: u16,
    pub allocated: u16,
    /// Copies an audit found corrupt, and missing (they do not serve,
    /// whatever the pin status claims), until a later audit finds them ok.
    pub corrupt: u16,
    pub missing: u16,
}

impl Repl {
    /// From an item's status alone: the members are the peers it lists.
    pub fn of_status(g: &GlobalPinInfo) -> Self {
        Self::from_info(
            g,
            &Health {
                members: g.peer_map.len(),
                ..Default::default()
            },
        )
    }

    /// From an item's status, completed with what the console knows of the
    /// members: the daemon (crdt) drops a dead peer from statuses, so an
    /// allocated peer that is down and absent still counts as a copy missing.
    pub fn from_info(g: &GlobalPinInfo, health: &Health) -> Self {
        let mut r = Repl::default();
        for p in g.peer_map.values() {
            match p.status {
                TrackerStatus::Pinned => r.pinned += 1,
                TrackerStatus::Pinning => r.pinning += 1,
                TrackerStatus::PinQueued => r.queued += 1,
                TrackerStatus::PinError
                | TrackerStatus::UnpinError
                | TrackerStatus::UnexpectedlyUnpinned => r.errors += 1,
                // The daemon adds a down peer to every item; it only matters
                // where that peer should hold a copy.
                TrackerStatus::ClusterError => {}
                TrackerStatus::Unpinning | TrackerStatus::UnpinQueued => r.unpinning += 1,
                _ => {}
            }
        }
        let allocated =
            |id: &str| g.allocations.is_empty() || g.allocations.iter().any(|a| a == id);
        for (id, p) in &g.peer_map {
            if p.status == TrackerStatus::ClusterError && allocated(id) {
                r.cluster_errors += 1;
            }
        }
        for id in &health.down {
            if allocated(id) && !g.peer_map.contains_key(&**id) {
                r.cluster_errors += 1;
            }
        }
        let members = g.peer_map.len().max(health.members);
        r.allocated = wanted(g.allocations.len(), members) as u16;
        // Never claim more pinned than wanted ("2/1"): peers may hold extra copies.
        r.allocated = r.allocated.max(r.pinned + r.pinning + r.queued + r.errors);
        r
    }

    /// From an entry of a filtered status list (`/pins?filter=…`): the
    /// daemon lists only the peers whose status matched, so an allocated
    /// peer left out holds its copy.
    pub fn from_partial(g: &GlobalPinInfo, health: &Health) -> Self {
        let mut r = Self::from_info(g, health);
        let trouble = r.errors + r.pinning + r.queued + r.unpinning + r.cluster_errors;
        r.pinned = r.allocated.saturating_sub(trouble);
        r
    }

    /// What the pinset and the peers say without a status: every allocated
    /// peer that is up holds its copy (errors and pins in flight come from
    /// the problems list, which is asked of the cluster as a whole). From the
    /// allocations alone (rows share a few thousand sets).
    pub fn derived_of(allocations: &[Arc<str>], health: &Health) -> Self {
        let allocated = wanted(allocations.len(), health.members);
        let down = if allocations.is_empty() {
            health.down.len()
        } else {
            allocations
                .iter()
                .filter(|a| health.down.iter().any(|d| d == *a))
                .count()
        };
        Repl {
            pinned: allocated.saturating_sub(down) as u16,
            cluster_errors: down as u16,
            allocated: allocated as u16,
            ..Default::default()
        }
    }

    /// Not fully replicated, or in trouble.
    pub fn is_problem(&self) -> bool {
        self.errors > 0
            || self.pinning > 0
            || self.queued > 0
            || self.pinned < self.allocated
            || self.corrupt + self.missing > 0
    }

    /// Copies an allocated peer that is down cannot serve.
    pub fn down(&self) -> u16 {
        self.cluster_errors
    }

    /// `3/3 pinned`, `2/3 pinning`, `1 error`, `3/3, 1 corrupt`…
    pub fn summary(&self) -> String {
        let want = self.allocated.max(1);
        // What an audit found outranks what the pin status claims.
        if self.corrupt > 0 {
            return format!("{}/{want}, {} corrupt", self.pinned, self.corrupt);
        }
        if self.missing > 0 {
            return format!("{}/{want}, {} missing", self.pinned, self.missing);
        }
        if self.errors > 0 {
            // With copies down too, "err" keeps all three in the column.
            let (e, down) = match (self.errors, self.cluster_errors) {
                (1, 0) => ("error", String::new()),
                (_, 0) => ("errors", String::new()),
                (_, d) => ("err", format!(", {d} down")),
            };
            return format!("{}/{want}, {} {e}{down}", self.pinned, self.errors);
        }
        if self.unpinning > 0 {
            return "unpinning".into();
        }
        if self.cluster_errors > 0 && self.pinning + self.queued == 0 {
            return format!("{}/{want}, {} down", self.pinned, self.cluster_errors);
        }
        if self.pinning + self.queued > 0 {
            return format!("{}/{want} pinning", self.pinned);
        }
        format!("{}/{want} pinned", self.pinned)
    }

    /// Rank for sorting by status: worst first.
    pub fn rank(&self) -> u32 {
        if self.errors > 0 || self.corrupt + self.missing > 0 {
            0
        } else if self.pinning + self.queued > 0 {
            1
        } else if self.pinned < self.allocated {
            2
        } else {
            3
        }
    }
}

impl Health {
    /// From the members the cluster names (listed, or missing by an alert):
    /// those with an error are down.
    pub fn of_members(members: &[super::types::PeerId]) -> Health {
        Health {
            down: members
                .iter()
                .filter(|m| !m.error.is_empty())
                .map(|m| Arc::from(m.id.as_str()))
                .collect(),
            members: members.len(),
            known: true,
        }
    }
}

/// What the pinset alone cannot say about replication: which members are
/// down, how many there are, and whether the problems list has come yet.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Health {
    /// Peer IDs of members that are offline or missing.
    pub down: Vec<Arc<str>>,
    pub members: usize,
    /// The cluster's problems list has arrived at least once: until then an
    /// item without a status is not known to be fine.
    pub known: bool,
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
        assert_eq!(Repl::of_status(&all).summary(), "5/5 pinned");
        let one = info(&["p0"], &[Pinned, Remote, Remote]);
        assert_eq!(Repl::of_status(&one).summary(), "1/1 pinned");
        let down = info(&[], &[Pinned, Pinned, ClusterError]);
        assert_eq!(Repl::of_status(&down).summary(), "2/3, 1 down");
    }
}
