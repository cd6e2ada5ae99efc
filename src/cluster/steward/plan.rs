//! A stewardship run as data: what each item has, where it goes, what
//! cannot move and why. The command line prints it, the console asks for a
//! confirmation with it, and [`super::run::execute`] carries it out.

use serde::Serialize;

use super::drain::plan_drain;
use super::fleet::Fleet;
use super::journal::Journal;
use super::rebalance::plan_rebalance;
use crate::cluster::types::Pin;

/// Which run, and what names its journal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Kind {
    Rebalance {
        min: usize,
        max: usize,
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
    pub fn title(&self) -> String {
        match self {
            Kind::Rebalance { min, max } => format!("rebalance to {min}..{max} copies"),
            Kind::Drain { name, .. } => format!("drain {name}"),
            Kind::Ensure { profile } => format!("ensure-pins {profile}"),
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
    /// The journal's kind and key within a cluster.
    pub fn journal(&self, cluster: &str) -> (&'static str, String) {
        match self {
            Kind::Rebalance { .. } => ("rebalance", cluster.to_string()),
            Kind::Drain { peer, .. } => ("drain", format!("{cluster}-{peer}")),
            Kind::Ensure { profile } => ("ensure-pins", format!("{cluster}-{profile}")),
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
        if self.name.is_empty() {
            &self.cid
        } else {
            &self.name
        }
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
            .map_or_else(|| peer.chars().take(16).collect(), |(_, n)| n.clone())
    }
    /// `from → to` for one item, by node names.
    pub fn change_text(&self, i: &Item) -> String {
        let plus: Vec<String> = i.added().map(|p| format!("+{}", self.name_of(p))).collect();
        let minus: Vec<String> = i
            .removed()
            .map(|p| format!("-{}", self.name_of(p)))
            .collect();
        plus.into_iter().chain(minus).collect::<Vec<_>>().join(" ")
    }

    /// ccs's rebalance over `pins`. Items pinned on every peer are left as
    /// they are: allocations cannot change them without fewer copies.
    pub fn rebalance(pins: &[Pin], fleet: &Fleet, journal: &Journal) -> Plan {
        let moves = plan_rebalance(pins, fleet);
        let mut items = Vec::new();
        for m in &moves {
            let resumed = journal.unfinished().contains_key(&m.cid);
            if !m.changes() && !resumed {
                continue;
            }
            let pin_allocs = pins
                .iter()
                .find(|p| p.cid == m.cid)
                .map(|p| p.allocations.iter().cloned().collect::<Vec<_>>())
                .unwrap_or_default();
            items.push(Item {
                cid: m.cid.clone(),
                name: m.name.clone(),
                size: m.size,
                current: pin_allocs.clone(),
                target: if m.changes() {
                    m.target.clone()
                } else {
                    pin_allocs
                },
                blocked: m.everywhere.then(|| {
                    "pinned on every peer: allocations cannot change it without fewer copies"
                        .to_string()
                }),
                resumed,
            });
        }
        Plan {
            kind: Kind::Rebalance {
                min: fleet.replication.0,
                max: fleet.replication.1,
            },
            items,
            checked: pins.len(),
            names: names(fleet),
        }
    }

    /// Every item on `peer` to another peer by room left; items an
    /// interrupted drain already copied only release the peer, and those it
    /// left changed elsewhere settle.
    pub fn drain(pins: &[Pin], peer: &str, fleet: &Fleet, journal: &Journal) -> Plan {
        let unfinished = journal.unfinished();
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
                size: p.metadata.get("size").and_then(|s| s.parse().ok()),
                target: current.iter().filter(|a| *a != peer).cloned().collect(),
                current,
                blocked: None,
                resumed: true,
            });
        }
        let rest: Vec<Pin> = rest.into_iter().cloned().collect();
        for m in plan_drain(&rest, peer, fleet) {
            let target = match &m.to {
                Some(to) => {
                    let mut t: Vec<String> =
                        m.current.iter().filter(|a| *a != peer).cloned().collect();
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
                blocked: m.blocked.map(|b| b.describe().to_string()),
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
        Plan {
            kind: Kind::Drain {
                peer: peer.to_string(),
                name: fleet.name_of(peer),
            },
            items,
            checked: pins.len(),
            names: names(fleet),
        }
    }
}

impl Plan {
    /// ccs's ensure-pins: every item gets the `required` peers it lacks
    /// (items pinned on every peer have them all).
    pub fn ensure(pins: &[Pin], profile: &str, required: &[String], fleet: &Fleet) -> Plan {
        let items = super::ensure::plan_ensure(pins, required)
            .into_iter()
            .map(|e| Item {
                size: pins
                    .iter()
                    .find(|p| p.cid == e.cid)
                    .and_then(|p| p.metadata.get("size"))
                    .and_then(|s| s.parse().ok()),
                target: e.current.iter().chain(e.add.iter()).cloned().collect(),
                cid: e.cid,
                name: e.name,
                current: e.current,
                blocked: None,
                resumed: false,
            })
            .collect();
        Plan {
            kind: Kind::Ensure {
                profile: profile.to_string(),
            },
            items,
            checked: pins.len(),
            names: names(fleet),
        }
    }
}

fn names(fleet: &Fleet) -> Vec<(String, String)> {
    fleet
        .nodes
        .iter()
        .map(|n| (n.peer_id.clone(), n.name.clone()))
        .collect()
}
