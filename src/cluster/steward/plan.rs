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
            let down = fleet
                .holder_down(&m.current, Some(peer))
                .or_else(|| m.to.as_ref().and_then(|_| fleet.no_source(&m.current)));
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
