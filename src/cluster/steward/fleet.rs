//! The peers a plan may put copies on, as ccs v0.4 knows them: the nodes of
//! the configuration with their peer IDs and reserves, the free space each
//! reports, the backup node and each org's primary.

use std::collections::HashMap;

use serde::Serialize;

use crate::cluster::types::Metric;

const GIB: u64 = 1024 * 1024 * 1024;

/// One node a plan may use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Node {
    pub name: String,
    pub peer_id: String,
    /// Bytes never to fill (ccs's `reserved_min_gb`, GiB as ccs counts).
    pub reserve: u64,
    /// Being retired (`nodes.N.retiring`): never given new copies.
    pub retiring: bool,
}

impl Node {
    pub fn new(name: &str, peer_id: &str, reserved_min_gb: u64) -> Self {
        Node {
            name: name.to_string(),
            peer_id: peer_id.to_string(),
            reserve: reserved_min_gb.saturating_mul(GIB),
            retiring: false,
        }
    }
}

/// Where a rebalance takes each item's bounds from: the bounds an operator
/// chose somewhere, never ones nobody did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BoundsFrom {
    /// `cluster.replication_min`/`max` of the configuration (an item set
    /// higher keeps its own minimum).
    #[default]
    Configuration,
    /// The configuration sets none: each item's own bounds, as it was
    /// pinned (ccs would use its default 3..5, which nobody chose here).
    ItemsOwn,
}

/// What a peer ID in an allocation is, by one rule for every plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PeerClass {
    /// A member reporting fresh metrics: the daemon allocates to it.
    Up,
    /// A member that is down (a node of the configuration, listed with an
    /// error, or missing by an alert): it may come back with its copy.
    Down,
    /// Named by nothing (ccs calls its allocations orphans): no copy anyone
    /// can reach, and the daemon never allocates to it.
    Gone,
}

/// The known nodes and what they can take.
#[derive(Debug, Clone, Default)]
pub struct Fleet {
    pub nodes: Vec<Node>,
    /// Free bytes by peer ID, from the `freespace` metric; a node that
    /// reports none has no room a plan may count on.
    pub free: HashMap<String, u64>,
    /// The backup node's peer ID: on every item.
    pub backup: Option<String>,
    /// Each org's primary peer ID: on every item of that org.
    pub primaries: HashMap<String, String>,
    /// ccs's `replication_min`/`replication_max` (3 and 5 unless set).
    pub replication: (usize, usize),
    /// Whether the configuration set `replication`, or each item's own
    /// bounds rule.
    pub bounds_from: BoundsFrom,
    /// Every member the cluster names (listed, or missing by an alert):
    /// a peer ID in an allocation that is neither this nor a node is gone.
    pub members: Vec<String>,
    /// The members listed without an error. A peer just stopped is listed
    /// with its dial error while its last metrics are still valid (seen on
    /// 1.1.6): it is down, not up. Empty: not known (every peer with a
    /// fresh metric counts as up).
    pub listed: Vec<String>,
}

impl Fleet {
    /// Free space from `/monitor/metrics/freespace`; values that are not
    /// numbers are left out, as ccs leaves them, and so are metrics that
    /// expired: the daemon allocates only to peers with fresh ones.
    pub fn with_metrics(mut self, metrics: &[Metric]) -> Self {
        self.free = metrics
            .iter()
            .filter(|m| m.valid)
            .filter_map(|m| Some((m.peer.clone(), m.value.parse().ok()?)))
            .collect();
        self
    }

    /// Whether the daemon counts `peer` now: it reports fresh metrics and
    /// answers (the cluster lists it without an error).
    pub fn is_up(&self, peer: &str) -> bool {
        self.free.contains_key(peer)
            && (self.listed.is_empty() || self.listed.iter().any(|l| l == peer))
    }

    /// Peers the daemon counts now.
    pub fn up(&self) -> Vec<String> {
        let mut v: Vec<String> = self
            .free
            .keys()
            .filter(|p| self.is_up(p))
            .cloned()
            .collect();
        v.sort();
        v
    }

    /// Why `allocations` cannot change now: a known node that holds a copy
    /// is down, and any re-pin that adds a copy makes the daemon forget the
    /// copies of peers without fresh metrics. `except` (a peer being
    /// drained) may be down: its copy is what is being replaced.
    pub fn holder_down<'a>(
        &self,
        allocations: impl IntoIterator<Item = &'a String>,
        except: Option<&str>,
    ) -> Option<String> {
        allocations
            .into_iter()
            .find(|a| Some(a.as_str()) != except && self.class(a) == PeerClass::Down)
            .map(|a| {
                format!(
                    "{} holds a copy but is down: changing the item now would make the cluster forget that copy (run again when it is back)",
                    self.name_of(a)
                )
            })
    }

    /// Why no new copy of an item held on `allocations` can be made now:
    /// no peer holding one answers, so a new copy would have nowhere to
    /// come from (the daemon would leave it pinning, and the live run fail
    /// where its dry run said it would move). None when one answers, or
    /// when the item names no holder (pinned everywhere).
    pub fn no_source<'a>(
        &self,
        allocations: impl IntoIterator<Item = &'a String>,
    ) -> Option<String> {
        let held: Vec<&String> = allocations.into_iter().collect();
        if held.is_empty() || held.iter().any(|a| self.is_up(a)) {
            return None;
        }
        let names: Vec<String> = held.iter().map(|a| self.name_of(a)).collect();
        Some(format!(
            "no peer holding a copy answers ({}): a new copy would have nowhere to come from (run again when one is back)",
            names.join(", ")
        ))
    }

    /// Nodes that may take new copies: not retiring.
    pub fn takes_copies(&self, peer_id: &str) -> bool {
        self.node(peer_id).is_some_and(|n| !n.retiring)
    }

    pub fn node(&self, peer_id: &str) -> Option<&Node> {
        self.nodes.iter().find(|n| n.peer_id == peer_id)
    }

    pub fn knows(&self, peer_id: &str) -> bool {
        self.node(peer_id).is_some()
    }

    /// The one rule every plan classifies a peer ID of an allocation by.
    pub fn class(&self, peer_id: &str) -> PeerClass {
        if self.is_up(peer_id) {
            PeerClass::Up
        } else if self.gone(peer_id) {
            PeerClass::Gone
        } else {
            PeerClass::Down
        }
    }

    /// Why a plan cannot add `peers` now: the daemon allocates only to
    /// peers that report fresh metrics, so adding one that is down or gone
    /// would be refused (the live run would fail where the dry run said it
    /// would move).
    pub fn cannot_add<'a>(&self, peers: impl IntoIterator<Item = &'a String>) -> Option<String> {
        peers.into_iter().find(|p| !self.is_up(p)).map(|p| match self.class(p) {
            PeerClass::Gone => format!(
                "{} is gone (named by no node, member or alert): the cluster cannot allocate to it",
                self.name_of(p)
            ),
            _ => format!(
                "{} is down: the cluster allocates only to peers that report free space (run again when it is back)",
                self.name_of(p)
            ),
        })
    }

    /// Named by nothing: no node of the configuration, no member listed or
    /// missing by an alert. The daemon never allocates to such a peer (it
    /// has no fresh metrics), so a plan drops it rather than keep it.
    pub fn gone(&self, peer_id: &str) -> bool {
        // A valid metric says the daemon still counts it: not gone yet.
        !self.knows(peer_id)
            && !self.members.iter().any(|m| m == peer_id)
            && !self.free.contains_key(peer_id)
    }

    /// A node's name, else a short peer ID (`12D3Ko…CgNQ4F`): messages
    /// name peers, they do not list IDs.
    pub fn name_of(&self, peer_id: &str) -> String {
        self.node(peer_id)
            .map_or_else(|| crate::format::short_id(peer_id, 6), |n| n.name.clone())
    }

    /// Room for copies: free space less the node's reserve; nothing for a
    /// peer that is not a known node or reports no free space.
    pub fn available(&self, peer_id: &str) -> u64 {
        if !self.is_up(peer_id) {
            return 0;
        }
        match (self.node(peer_id), self.free.get(peer_id)) {
            (Some(n), Some(_)) if n.retiring => 0,
            (Some(n), Some(free)) => free.saturating_sub(n.reserve),
            _ => 0,
        }
    }

    /// ccs's `_get_allocations(profile)`: the profile's primary and the
    /// backup, or why they cannot be named (ccs's AllocationError).
    pub fn required_of(&self, profile: &str) -> Result<Vec<String>, String> {
        let primary = self.primaries.get(profile).ok_or_else(|| {
            let mut known: Vec<&str> = self.primaries.keys().map(String::as_str).collect();
            known.sort_unstable();
            format!(
                "profiles.{profile}.primary: no such profile, or its node has no peer_id and no member of its name (profiles whose primary is known: {})",
                if known.is_empty() { "none".to_string() } else { known.join(", ") }
            )
        })?;
        let backup = self.backup.as_ref().ok_or(
            "cluster.backup_node: unset, or its node has no peer_id and no member of its name",
        )?;
        let mut r = vec![primary.clone()];
        if backup != primary {
            r.push(backup.clone());
        }
        Ok(r)
    }

    /// The peers an item of `org` must keep: its org's primary and the backup.
    pub fn required(&self, org: Option<&str>) -> Vec<String> {
        let mut r: Vec<String> = Vec::new();
        if let Some(p) = org.and_then(|o| self.primaries.get(o)) {
            r.push(p.clone());
        }
        if let Some(b) = &self.backup {
            if !r.contains(b) {
                r.push(b.clone());
            }
        }
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_peer_named_by_nothing_is_gone_and_named_short() {
        let f = Fleet {
            nodes: vec![Node::new(
                "nas",
                "12D3KooWNAS00000000000000000000000000000000000nas1",
                0,
            )],
            members: vec!["12D3KooWDOWN0000000000000000000000000000000000dwn2".into()],
            ..Default::default()
        };
        assert!(
            !f.gone("12D3KooWNAS00000000000000000000000000000000000nas1"),
            "a node"
        );
        assert!(
            !f.gone("12D3KooWDOWN0000000000000000000000000000000000dwn2"),
            "a member (down)"
        );
        let gone = "12D3KooWGESCEW1FwKXsB2VGZcxy3VqvfJcxe8kNuyYVJZCgNQ4F";
        assert!(f.gone(gone));
        assert_eq!(f.name_of(gone), "12D3Ko…CgNQ4F");
    }
}
