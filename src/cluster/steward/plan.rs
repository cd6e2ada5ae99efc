//! A stewardship run as data: what each item has, where it goes, what
//! cannot move and why. The command line prints it, the console asks for a
//! confirmation with it, and [`super::run::execute`] carries it out.

use serde::Serialize;

use std::collections::HashMap;

use super::drain::plan_drain;
use super::fleet::Fleet;
use super::journal::Before;
use crate::cluster::types::Pin;

/// Which run, and what names its journal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Kind {
    Rebalance {
        min: usize,
        max: usize,
        /// Where the bounds come from, said in the plan's title.
        from: super::fleet::BoundsFrom,
    },
    Drain {
        peer: String,
        name: String,
    },
    /// ccs's ensure-pins: the profile's primary and the backup on every item.
    Ensure {
        profile: String,
    },
}

impl Kind {
    pub fn rebalance(fleet: &Fleet) -> Kind {
        Kind::Rebalance {
            min: fleet.replication.0,
            max: fleet.replication.1,
            from: fleet.bounds_from,
        }
    }
    pub fn drain(peer: &str, fleet: &Fleet) -> Kind {
        Kind::Drain {
            peer: peer.to_string(),
            name: fleet.name_of(peer),
        }
    }
    pub fn title(&self) -> String {
        match self {
            Kind::Rebalance {
                min,
                max,
                from: super::fleet::BoundsFrom::Configuration,
            } => format!(
                "rebalance to {min}..{max} copies (the configuration's cluster.replication_min/max; an item set higher keeps its own)"
            ),
            Kind::Rebalance {
                from: super::fleet::BoundsFrom::ItemsOwn,
                ..
            } => "rebalance to each item's own bounds (the configuration sets no cluster.replication_min/max)".to_string(),
            Kind::Drain { name, .. } => format!("drain {name}"),
            Kind::Ensure { profile } => {
                format!("ensure-pins {profile} (every item, as ccs does)")
            }
        }
    }
    /// The console command that makes this plan again (to finish it).
    pub fn command(&self) -> String {
        match self {
            Kind::Rebalance { .. } => "rebalance".into(),
            Kind::Drain { name, .. } => format!("drain {name}"),
            Kind::Ensure { profile } => format!("ensure-pins {profile}"),
        }
    }
    /// The journal's kind and what it is about within a cluster.
    pub fn journal(&self) -> (&'static str, String) {
        match self {
            Kind::Rebalance { .. } => ("rebalance", "all".to_string()),
            Kind::Drain { peer, .. } => ("drain", peer.clone()),
            Kind::Ensure { profile } => ("ensure-pins", profile.clone()),
        }
    }
}

/// One item of a plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Item {
    pub cid: String,
    pub name: String,
    pub size: Option<u64>,
    pub current: Vec<String>,
    /// Allocations when done; empty when the item stays as it is.
    pub target: Vec<String>,
    /// Why it stays as it is although the rule would change it.
    pub blocked: Option<String>,
    /// An interrupted run left it changed: settling (or a release) is left.
    pub resumed: bool,
}

impl Item {
    /// Whether the rule changes it (an item an interrupted run left only to
    /// settle does not).
    pub fn changes(&self) -> bool {
        self.added().next().is_some() || self.removed().next().is_some()
    }
    pub fn moves(&self) -> bool {
        !self.target.is_empty() && self.blocked.is_none()
    }
    pub fn added(&self) -> impl Iterator<Item = &String> {
        self.target.iter().filter(|t| !self.current.contains(t))
    }
    pub fn removed(&self) -> impl Iterator<Item = &String> {
        self.current.iter().filter(|c| !self.target.contains(c))
    }
    pub fn label(&self) -> &str {
        crate::cluster::types::item_label(&self.name, &self.cid)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Plan {
    pub kind: Kind,
    /// Every item the rule looked at that changes or cannot.
    pub items: Vec<Item>,
    /// Items the rule looked at.
    pub checked: usize,
    /// Peer ID → node name, to show the plan.
    #[serde(skip)]
    pub names: Vec<(String, String)>,
    /// Peers the daemon counts (fresh metrics) when the plan was made: a
    /// re-pin that adds copies keeps only these of the current ones.
    #[serde(skip)]
    pub up: Vec<String>,
    /// The replication the configuration allows: what a journal's record
    /// must stay within (see [`Before::admissible`]).
    #[serde(skip)]
    pub allowed: (usize, usize),
}

impl Plan {
    pub fn moving(&self) -> impl Iterator<Item = &Item> {
        self.items.iter().filter(|i| i.moves())
    }
    pub fn blocked(&self) -> impl Iterator<Item = &Item> {
        self.items.iter().filter(|i| i.blocked.is_some())
    }
    /// Bytes the new copies take (items without `size` metadata uncounted),
    /// and how many items have no known size.
    pub fn bytes_to_copy(&self) -> (u64, usize) {
        let adding = self.moving().filter(|i| i.added().next().is_some());
        adding.fold((0, 0), |(b, u), i| match i.size {
            Some(s) => (b + s * i.added().count() as u64, u),
            None => (b, u + 1),
        })
    }
    pub fn name_of(&self, peer: &str) -> String {
        self.names
            .iter()
            .find(|(id, _)| id == peer)
            .map_or_else(|| crate::format::short_id(peer, 6), |(_, n)| n.clone())
    }
    /// `from → to` for one item, by node names (`+a -b` when it is not one
    /// peer for another).
    pub fn change_text(&self, i: &Item) -> String {
        let (added, removed): (Vec<&String>, Vec<&String>) =
            (i.added().collect(), i.removed().collect());
        if let ([to], [from]) = (added.as_slice(), removed.as_slice()) {
            return format!("{} → {}", self.name_of(from), self.name_of(to));
        }
        let plus: Vec<String> = i.added().map(|p| format!("+{}", self.name_of(p))).collect();
        let minus: Vec<String> = i
            .removed()
            .map(|p| format!("-{}", self.name_of(p)))
            .collect();
        plus.into_iter().chain(minus).collect::<Vec<_>>().join(" ")
    }

    /// A drain's items: the items on `peer` (and everywhere), and what an
    /// interrupted drain left (`unfinished`).
    pub(super) fn drain_items(
        pins: &[Pin],
        peer: &str,
        fleet: &Fleet,
        unfinished: &HashMap<String, Before>,
    ) -> Vec<Item> {
        let on_peer = |p: &Pin| p.allocations.iter().any(|a| a == peer);
        let (resumed, rest): (Vec<&Pin>, Vec<&Pin>) = pins.iter().partition(|p| {
            unfinished
                .get(&p.cid)
                .is_some_and(|b| on_peer(p) && p.allocations.len() > b.copies)
        });
        let mut items: Vec<Item> = Vec::new();
        for p in &resumed {
            let current: Vec<String> = p.allocations.iter().cloned().collect();
            items.push(Item {
                cid: p.cid.clone(),
                name: p.name.clone(),
                size: p.size(),
                target: current.iter().filter(|a| *a != peer).cloned().collect(),
                current,
                blocked: None,
                resumed: true,
            });
        }
        for m in plan_drain(rest.iter().copied(), peer, fleet) {
            let down = fleet.holder_down(&m.current, Some(peer));
            // A gone peer's allocation goes with the move: the daemon would
            // refuse to allocate it, and it holds no copy anyone can reach.
            let target = match &m.to {
                Some(_) if down.is_some() => Vec::new(),
                Some(to) => {
                    let mut t: Vec<String> = m
                        .current
                        .iter()
                        .filter(|a| *a != peer && !fleet.gone(a))
                        .cloned()
                        .collect();
                    t.push(to.clone());
                    t
                }
                None => Vec::new(),
            };
            items.push(Item {
                resumed: unfinished.contains_key(&m.cid),
                cid: m.cid,
                name: m.name,
                size: m.size,
                current: m.current,
                target,
                blocked: down.or_else(|| m.blocked.map(|b| b.describe().to_string())),
            });
        }
        // Off the peer already, but left with raised bounds: settle them.
        for p in rest
            .iter()
            .filter(|p| unfinished.contains_key(&p.cid) && !on_peer(p))
        {
            let current: Vec<String> = p.allocations.iter().cloned().collect();
            items.push(Item {
                cid: p.cid.clone(),
                name: p.name.clone(),
                size: None,
                target: current.clone(),
                current,
                blocked: None,
                resumed: true,
            });
        }
        items
    }

    pub(super) fn names(fleet: &Fleet) -> Vec<(String, String)> {
        fleet
            .nodes
            .iter()
            .map(|n| (n.peer_id.clone(), n.name.clone()))
            .collect()
    }
}

#[cfg(test)]
use super::{journal::Journal, planner::Planner};

/// The planners over a slice of pins, for the tests (the commands and the
/// console stream the pinset through a `Planner`).
#[cfg(test)]
impl Plan {
    /// ccs's rebalance over `pins` (see [`Planner::rebalance`]).
    pub(crate) fn rebalance(pins: &[Pin], fleet: &Fleet, journal: &Journal) -> Plan {
        Self::over(pins, Planner::rebalance(fleet, journal))
    }

    /// A drain of `peer` over `pins` (see [`Planner::drain`]).
    pub(crate) fn drain(pins: &[Pin], peer: &str, fleet: &Fleet, journal: &Journal) -> Plan {
        Self::over(pins, Planner::drain(peer, fleet, journal))
    }

    fn over(pins: &[Pin], mut planner: Planner) -> Plan {
        for p in pins {
            planner.push(p);
        }
        planner.finish().plan
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::gojson::{List, Map};
    use crate::cluster::steward::fleet::Node;

    fn pin(cid: &str, allocs: &[&str], min: i32, max: i32) -> Pin {
        Pin {
            cid: cid.into(),
            name: cid.into(),
            allocations: List::from(allocs.iter().map(|s| s.to_string()).collect::<Vec<_>>()),
            replication_factor_min: min,
            replication_factor_max: max,
            metadata: Map::from(vec![("size".to_string(), "10".to_string())]),
            ..Default::default()
        }
    }

    /// a, b, c, d up; e known but down (no fresh metric).
    fn fleet() -> Fleet {
        Fleet {
            nodes: ["a", "b", "c", "d", "e"]
                .iter()
                .map(|n| Node::new(n, n, 0))
                .collect(),
            free: [("a", 100), ("b", 200), ("c", 300), ("d", 400)]
                .into_iter()
                .map(|(p, f)| (p.to_string(), f))
                .collect(),
            replication: (2, 2),
            ..Default::default()
        }
    }

    #[test]
    fn an_item_with_a_copy_on_a_down_peer_stays_as_it_is() {
        let j = Journal::default();
        let pins = vec![
            pin("x", &["a", "e", "b"], 2, 3),
            pin("y", &["a", "b"], 2, 2),
        ];
        // Drain a: x has a copy on e, which is down: a re-pin that adds a
        // copy would make the daemon forget e's.
        let p = Plan::drain(&pins, "a", &fleet(), &j);
        let x = p.items.iter().find(|i| i.cid == "x").unwrap();
        assert!(x
            .blocked
            .as_deref()
            .unwrap()
            .starts_with("e holds a copy but is down"));
        assert!(!x.moves());
        let y = p.items.iter().find(|i| i.cid == "y").unwrap();
        assert_eq!(p.change_text(y), "a → d", "most room");
        // The drained peer itself may be down: its copy is what goes.
        let p = Plan::drain(&[pin("z", &["e", "a"], 2, 2)], "e", &fleet(), &j);
        assert!(p.items[0].moves(), "{:?}", p.items[0]);
        // Rebalance the same way.
        let p = Plan::rebalance(&pins, &fleet(), &j);
        let x = p.items.iter().find(|i| i.cid == "x").unwrap();
        assert!(x.blocked.is_some());
        assert_eq!(p.up, ["a", "b", "c", "d"]);
    }

    #[test]
    fn an_items_own_higher_minimum_is_kept() {
        let j = Journal::default();
        // Raised to 3 by a steward; the rule says 2..2.
        let p = Plan::rebalance(&[pin("x", &["a", "b", "c"], 3, 3)], &fleet(), &j);
        assert!(p.items.is_empty(), "nothing trimmed: {:?}", p.items);
        let p = Plan::rebalance(&[pin("y", &["a", "b"], 3, 4)], &fleet(), &j);
        assert_eq!(p.change_text(&p.items[0]), "+d", "filled to its own 3");
    }

    #[test]
    fn a_retiring_node_takes_no_new_copies() {
        let j = Journal::default();
        let mut f = fleet();
        f.nodes[3].retiring = true;
        let p = Plan::drain(&[pin("y", &["a", "b"], 2, 2)], "a", &f, &j);
        assert_eq!(p.change_text(&p.items[0]), "a → c", "d is retiring");
    }

    /// Issue 26: every peer ID of an allocation is up, down or gone by one
    /// rule, and no plan adds a peer the daemon will not allocate to.
    #[test]
    fn no_plan_adds_a_peer_that_is_down_or_gone() {
        let j = Journal::default();
        let gone = "12D3KooWGESCEW1FwKXsB2VGZcxy3VqvfJcxe8kNuyYVJZCgNQ4F";
        let mut f = fleet();
        f.members = ["a", "b", "c", "d", "e"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(f.class("a"), super::super::fleet::PeerClass::Up);
        assert_eq!(f.class("e"), super::super::fleet::PeerClass::Down);
        assert_eq!(f.class(gone), super::super::fleet::PeerClass::Gone);
        // ensure-pins: e (the backup) is down: the item stays, said why.
        let mut planner = Planner::ensure("org", &["e".to_string()], &f);
        planner.push(&pin("x", &["a", "b"], 2, 2));
        let p = planner.finish().plan;
        let why = p.items[0].blocked.as_deref().unwrap();
        assert!(why.starts_with("e is down"), "{why}");
        // ensure-pins: a gone peer's allocation is dropped, not kept.
        let mut planner = Planner::ensure("org", &["c".to_string()], &f);
        planner.push(&pin("y", &["a", gone], 2, 2));
        let p = planner.finish().plan;
        assert!(p.items[0].blocked.is_none(), "{:?}", p.items[0]);
        assert_eq!(p.items[0].target, ["a", "c"]);
        assert_eq!(
            p.change_text(&p.items[0]),
            "12D3Ko…CgNQ4F → c",
            "by short ID"
        );
        // rebalance: the backup down is never added.
        let mut f2 = f.clone();
        f2.backup = Some("e".into());
        let p = Plan::rebalance(&[pin("z", &["a", "b"], 2, 2)], &f2, &j);
        let z = p.items.iter().find(|i| i.cid == "z").unwrap();
        assert!(
            z.blocked.as_deref().unwrap().starts_with("e is down"),
            "{z:?}"
        );
    }
}
