//! ccs v0.4's `rebalance` rule, item by item: keep the allocations to known
//! nodes, add the required peers (the org's primary, the backup), fill up to
//! `replication_min` from the nodes with most room (free space less their
//! reserve), trim above `replication_max` dropping the non-required nodes
//! with least room, and always drop allocations to peers that are not known
//! nodes ("orphans").
//!
//! Ties, which ccs leaves to Python's set order, are broken by peer ID: for
//! filling, the larger ID first (ccs sorts `(room, id)` descending); for
//! trimming, the smaller first.
//!
//! One deviation, for safety: an item whose own minimum is higher than
//! `replication_min` (a steward raised it with `edit`) is filled to its own
//! minimum and never trimmed below it; ccs would lower it silently.

use serde::Serialize;

use super::fleet::{BoundsFrom, Fleet};
use super::plan::Item;
use crate::cluster::types::Pin;

/// What a plan does to one item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    AlreadyCorrect,
    AddReplicas,
    RemoveReplicas,
}

/// One item's move from its allocations to the planned ones.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Move {
    pub cid: String,
    pub name: String,
    /// The item's `size` metadata, when it has one: what adding a copy costs.
    pub size: Option<u64>,
    pub action: Action,
    /// Allocations to known nodes now.
    pub current: Vec<String>,
    /// Allocations when done (peer IDs; empty when nothing changes).
    pub target: Vec<String>,
    pub added: Vec<String>,
    /// Peers released, orphans included.
    pub removed: Vec<String>,
    /// Pinned on every peer (no allocations): ccs plans for it, but
    /// allocations cannot change it without lowering its copies.
    pub everywhere: bool,
}

impl Move {
    pub fn changes(&self) -> bool {
        self.action != Action::AlreadyCorrect
    }
}

/// The plan for every item, in pinset order.
#[cfg(test)]
pub(crate) fn plan_rebalance(pins: &[Pin], fleet: &Fleet) -> Vec<Move> {
    pins.iter().map(|p| plan_item(p, fleet)).collect()
}

/// One item's move: it depends on the item and the fleet alone, so a
/// pinset is planned as it streams in.
pub fn plan_item(pin: &Pin, fleet: &Fleet) -> Move {
    let own = usize::try_from(pin.replication_factor_min).unwrap_or(0);
    let everywhere = pin.allocations.is_empty();
    let (rmin, rmax) = match fleet.bounds_from {
        BoundsFrom::Configuration => (fleet.replication.0.max(own), fleet.replication.1.max(own)),
        // Its own bounds; pinned everywhere (-1), it is where it should be.
        BoundsFrom::ItemsOwn => {
            let max = usize::try_from(pin.replication_factor_max).unwrap_or(0);
            if everywhere || own == 0 || max < own {
                return unchanged(pin, fleet);
            }
            (own, max)
        }
    };
    let org = pin.metadata.get("org");
    let required = fleet.required(org);
    let current: Vec<String> = pin
        .allocations
        .iter()
        .filter(|a| fleet.knows(a))
        .cloned()
        .collect();
    let orphans: Vec<String> = pin
        .allocations
        .iter()
        .filter(|a| !fleet.knows(a))
        .cloned()
        .collect();
    let mut target = current.clone();
    for r in &required {
        if !target.contains(r) {
            target.push(r.clone());
        }
    }
    if target.len() < rmin {
        let mut candidates: Vec<(u64, &str)> = fleet
            .nodes
            .iter()
            .map(|n| n.peer_id.as_str())
            .filter(|id| !target.iter().any(|t| t == id))
            .map(|id| (fleet.available(id), id))
            .filter(|(room, _)| *room > 0)
            .collect();
        candidates.sort_by(|a, b| b.cmp(a));
        let needed = rmin - target.len();
        target.extend(candidates.iter().take(needed).map(|(_, id)| id.to_string()));
    }
    if target.len() > rmax {
        let mut removable: Vec<(u64, String)> = target
            .iter()
            .filter(|t| !required.contains(t))
            .map(|t| (fleet.available(t), t.clone()))
            .collect();
        removable.sort();
        let excess = target.len() - rmax;
        let drop: Vec<String> = removable.into_iter().take(excess).map(|(_, t)| t).collect();
        target.retain(|t| !drop.contains(t));
    }
    let added: Vec<String> = target
        .iter()
        .filter(|t| !current.contains(t))
        .cloned()
        .collect();
    let mut removed: Vec<String> = current
        .iter()
        .filter(|c| !target.contains(c))
        .cloned()
        .collect();
    removed.extend(orphans);
    let action = match (added.is_empty(), removed.is_empty()) {
        (true, true) => Action::AlreadyCorrect,
        (false, _) => Action::AddReplicas,
        (true, false) => Action::RemoveReplicas,
    };
    Move {
        cid: pin.cid.clone(),
        name: pin.name.clone(),
        size: pin.size(),
        action,
        current,
        target: if action == Action::AlreadyCorrect {
            Vec::new()
        } else {
            target
        },
        added,
        removed,
        everywhere: pin.allocations.is_empty(),
    }
}

/// An item left as it is.
fn unchanged(pin: &Pin, fleet: &Fleet) -> Move {
    Move {
        cid: pin.cid.clone(),
        name: pin.name.clone(),
        size: pin.size(),
        action: Action::AlreadyCorrect,
        current: pin
            .allocations
            .iter()
            .filter(|a| fleet.knows(a))
            .cloned()
            .collect(),
        target: Vec::new(),
        added: Vec::new(),
        removed: Vec::new(),
        everywhere: pin.allocations.is_empty(),
    }
}

/// Per node, how many items it holds before and after a rebalance (ccs's
/// `node_summary`), counted as the moves are made: the moves that change
/// something are kept by the caller and counted at the end, once it is
/// known which of them took place.
#[derive(Debug, Default, Clone)]
pub struct NodeTally {
    before: Vec<usize>,
    unchanged: Vec<usize>,
}

impl NodeTally {
    pub fn add(&mut self, m: &Move, fleet: &Fleet) {
        let n = fleet.nodes.len();
        self.before.resize(n, 0);
        self.unchanged.resize(n, 0);
        for (k, node) in fleet.nodes.iter().enumerate() {
            // Pinned everywhere: on every node, and left there (allocations
            // cannot change it without fewer copies).
            if m.everywhere || m.current.contains(&node.peer_id) {
                self.before[k] += 1;
                self.unchanged[k] += usize::from(!m.changes() || m.everywhere);
            }
        }
    }

    /// `(node, before, after)` in the fleet's order; `changed` are the
    /// plan's items that change, `applied` says which took place (the
    /// others count as they were).
    pub fn summary(
        &self,
        changed: &[&Item],
        fleet: &Fleet,
        applied: &dyn Fn(&str) -> bool,
    ) -> Vec<(String, usize, usize)> {
        fleet
            .nodes
            .iter()
            .enumerate()
            .map(|(k, n)| {
                let after = changed
                    .iter()
                    .filter(|i| {
                        let now = if applied(&i.cid) {
                            &i.target
                        } else {
                            &i.current
                        };
                        now.contains(&n.peer_id)
                    })
                    .count();
                let get = |v: &[usize]| v.get(k).copied().unwrap_or(0);
                (
                    n.name.clone(),
                    get(&self.before),
                    get(&self.unchanged) + after,
                )
            })
            .collect()
    }
}

/// ccs's own test cases (test_operations.py `TestRebalance`, at dc9d03d):
/// the same configuration and pinset give the same allocations.
#[cfg(test)]
mod shared_cases {
    use super::*;
    use crate::cluster::gojson::{List, Map};
    use crate::cluster::steward::fleet::Node;

    const NAS: &str = "12D3KooWNAS";
    const MEER: &str = "12D3KooWMEER";
    const CHLL: &str = "12D3KooWCHLL";
    const PIHOST: &str = "12D3KooWPIHOST";
    const IPFS1: &str = "12D3KooWIPFS1";

    /// `rebalance_config` and `TestRebalance.FREESPACE`.
    fn fleet() -> Fleet {
        Fleet {
            nodes: vec![
                Node::new("nas", NAS, 200),
                Node::new("meerkat", MEER, 200),
                Node::new("chll", CHLL, 200),
                Node::new("pihost", PIHOST, 500),
                Node::new("ipfs1", IPFS1, 200),
            ],
            free: [
                (NAS, 1_390_000_000_000),
                (MEER, 2_460_000_000_000),
                (CHLL, 1_390_000_000_000),
                (PIHOST, 18_190_000_000_000),
                (IPFS1, 1_610_000_000_000),
            ]
            .into_iter()
            .map(|(p, f)| (p.to_string(), f))
            .collect(),
            backup: Some(CHLL.into()),
            primaries: [("hrdag", NAS), ("orgB", MEER)]
                .into_iter()
                .map(|(o, p)| (o.to_string(), p.to_string()))
                .collect(),
            replication: (3, 5),
            bounds_from: BoundsFrom::Configuration,
            members: Vec::new(),
            listed: Vec::new(),
        }
    }

    /// `_make_pin`: replication 2..4, org metadata.
    fn pin(cid: &str, allocs: &[&str], org: &str) -> Pin {
        Pin {
            cid: cid.into(),
            name: cid.to_lowercase(),
            allocations: List::from(allocs.iter().map(|s| s.to_string()).collect::<Vec<_>>()),
            replication_factor_min: 2,
            replication_factor_max: 4,
            metadata: Map::from(vec![("org".to_string(), org.to_string())]),
            ..Default::default()
        }
    }

    fn has(m: &Move, ids: &[&str]) -> bool {
        ids.iter().all(|i| m.target.iter().any(|t| t == i))
    }

    #[test]
    fn all_correct_no_changes() {
        let plan = plan_rebalance(&[pin("QmAAA", &[NAS, CHLL, PIHOST], "hrdag")], &fleet());
        assert_eq!(plan[0].action, Action::AlreadyCorrect);
    }

    #[test]
    fn under_replicated_adds_the_node_with_most_room() {
        let plan = plan_rebalance(&[pin("QmAAA", &[NAS, CHLL], "hrdag")], &fleet());
        assert_eq!(plan[0].action, Action::AddReplicas);
        assert!(has(&plan[0], &[NAS, CHLL, PIHOST]));
        assert_eq!(plan[0].added, [PIHOST]);
    }

    #[test]
    fn over_replicated_removes_excess_keeping_primary_and_backup() {
        let mut f = fleet();
        f.replication.1 = 3;
        let plan = plan_rebalance(
            &[pin("QmAAA", &[NAS, CHLL, MEER, PIHOST, IPFS1], "hrdag")],
            &f,
        );
        assert_eq!(plan[0].action, Action::RemoveReplicas);
        assert_eq!(plan[0].target.len(), 3);
        assert!(has(&plan[0], &[NAS, CHLL]));
        // Least room goes first: ipfs1 (1.41 TB left) and meerkat (2.26 TB).
        assert_eq!(plan[0].removed, [MEER, IPFS1]);
    }

    #[test]
    fn primary_and_backup_are_never_removed() {
        let mut f = fleet();
        f.replication.1 = 2;
        let plan = plan_rebalance(&[pin("QmAAA", &[NAS, CHLL, MEER], "hrdag")], &f);
        assert!(has(&plan[0], &[NAS, CHLL]));
        assert!(!has(&plan[0], &[MEER]));
    }

    #[test]
    fn a_node_at_its_reserve_takes_nothing() {
        let mut f = fleet();
        f.nodes[3] = Node::new("pihost", PIHOST, 20_000);
        let plan = plan_rebalance(&[pin("QmAAA", &[NAS, CHLL], "hrdag")], &f);
        assert_eq!(plan[0].added, [MEER]);
    }

    #[test]
    fn mixed_under_over_and_correct() {
        let mut f = fleet();
        f.replication.1 = 3;
        let plan = plan_rebalance(
            &[
                pin("QmUNDER", &[NAS, CHLL], "hrdag"),
                pin("QmCORRECT", &[NAS, CHLL, PIHOST], "hrdag"),
                pin("QmOVER", &[NAS, CHLL, MEER, IPFS1], "hrdag"),
            ],
            &f,
        );
        let actions: Vec<Action> = plan.iter().map(|m| m.action).collect();
        assert_eq!(
            actions,
            [
                Action::AddReplicas,
                Action::AlreadyCorrect,
                Action::RemoveReplicas
            ]
        );
        assert_eq!(plan[2].removed, [IPFS1], "ipfs1 has less room than meerkat");
    }

    #[test]
    fn orphaned_allocations_are_dropped() {
        let plan = plan_rebalance(
            &[pin(
                "QmORPHAN",
                &[NAS, CHLL, PIHOST, "12D3KooWOLD_PIHOST"],
                "hrdag",
            )],
            &fleet(),
        );
        assert_eq!(plan[0].action, Action::RemoveReplicas);
        assert_eq!(plan[0].removed, ["12D3KooWOLD_PIHOST"]);
        assert!(!has(&plan[0], &["12D3KooWOLD_PIHOST"]));
    }

    #[test]
    fn each_org_keeps_its_own_primary() {
        let plan = plan_rebalance(
            &[
                pin("QmHRDAG", &[NAS, CHLL], "hrdag"),
                pin("QmORGB", &[MEER, CHLL], "orgB"),
            ],
            &fleet(),
        );
        assert!(plan.iter().all(|m| m.action == Action::AddReplicas));
        assert!(has(&plan[0], &[NAS, CHLL, PIHOST]));
        assert!(has(&plan[1], &[MEER, CHLL, PIHOST]));
    }

    #[test]
    fn the_node_summary_counts_before_and_after() {
        let pins = [
            pin("QmHRDAG", &[NAS, CHLL], "hrdag"),
            pin("QmORGB", &[MEER, CHLL], "orgB"),
        ];
        let mut planner =
            crate::cluster::steward::Planner::rebalance(&fleet(), &Default::default());
        for p in &pins {
            planner.push(p);
        }
        let planned = planner.finish();
        let changed: Vec<&Item> = planned.plan.items.iter().filter(|i| i.changes()).collect();
        let s = planned.tally.summary(&changed, &fleet(), &|_| true);
        assert_eq!(s[0], ("nas".to_string(), 1, 1));
        assert_eq!(s[2], ("chll".to_string(), 2, 2));
        assert_eq!(s[3], ("pihost".to_string(), 0, 2));
        // Nothing carried out: every node as it was.
        let none = planned.tally.summary(&changed, &fleet(), &|_| false);
        assert!(
            none.iter().all(|(_, before, after)| before == after),
            "{none:?}"
        );
    }
}
