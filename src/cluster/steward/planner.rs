//! A plan made as the pinset streams in. Each pin is looked at once and
//! only what the plan needs is kept: the items it changes (or cannot), and
//! for a drain the items on the drained peer. A million whole pins are over
//! a gigabyte; what a plan of them keeps is a few megabytes.

use std::collections::HashMap;

use super::ensure::ensure_item;
use super::fleet::Fleet;
use super::journal::{Before, Journal};
use super::plan::{Item, Kind, Plan};
use super::rebalance::{plan_item, Move, NodeTally};
use crate::cluster::types::Pin;

pub struct Planner {
    kind: Kind,
    rule: Rule,
    fleet: Fleet,
    /// What an interrupted run of this plan left unfinished.
    unfinished: HashMap<String, Before>,
    items: Vec<Item>,
    checked: usize,
    tally: NodeTally,
    /// Journal records the items refuted, as the operator is told.
    refused: Vec<String>,
}

enum Rule {
    Rebalance,
    /// The items a drain looks at (on the peer, everywhere, or left
    /// unfinished), planned together at the end: each takes room the next
    /// cannot.
    Drain {
        peer: String,
        kept: Vec<Pin>,
    },
    Ensure {
        required: Vec<String>,
    },
}

/// The plan, and for a rebalance's report the per-node counts (ccs's
/// `node_summary`).
pub struct Planned {
    pub plan: Plan,
    pub tally: NodeTally,
    /// Journal records not used, and why.
    pub refused: Vec<String>,
}

impl Planner {
    fn new(kind: Kind, rule: Rule, fleet: &Fleet, unfinished: HashMap<String, Before>) -> Self {
        Planner {
            kind,
            rule,
            fleet: fleet.clone(),
            unfinished,
            items: Vec::new(),
            checked: 0,
            tally: NodeTally::default(),
            refused: Vec::new(),
        }
    }

    /// ccs's rebalance. Items pinned on every peer are left as they are:
    /// allocations cannot change them without fewer copies.
    pub fn rebalance(fleet: &Fleet, journal: &Journal) -> Self {
        let unfinished = journal.unfinished().clone();
        Self::new(Kind::rebalance(fleet), Rule::Rebalance, fleet, unfinished)
    }

    /// Every item on `peer` to another peer by room left; items an
    /// interrupted drain already copied only release the peer, and those it
    /// left changed elsewhere settle.
    pub fn drain(peer: &str, fleet: &Fleet, journal: &Journal) -> Self {
        let rule = Rule::Drain {
            peer: peer.to_string(),
            kept: Vec::new(),
        };
        let unfinished = journal.unfinished().clone();
        Self::new(Kind::drain(peer, fleet), rule, fleet, unfinished)
    }

    /// ccs's ensure-pins: every item gets the `required` peers it lacks
    /// (items pinned on every peer have them all).
    pub fn ensure(profile: &str, required: &[String], fleet: &Fleet) -> Self {
        let kind = Kind::Ensure {
            profile: profile.to_string(),
        };
        let rule = Rule::Ensure {
            required: required.to_vec(),
        };
        Self::new(kind, rule, fleet, HashMap::new())
    }

    pub fn push(&mut self, p: &Pin) {
        self.checked += 1;
        // A record the item refutes is not resumed (the run says why).
        if let Some(b) = self
            .unfinished
            .get(&p.cid)
            .filter(|b| !b.admissible(p, self.fleet.replication))
        {
            self.refused.push(format!(
                "journal record for {} not used: bounds {}..{} with {} copies are neither the item's own ({}..{}, {} copies), within the configuration's {}..{}, nor what a run in progress explains",
                p.cid,
                b.bounds.0,
                b.bounds.1,
                b.copies,
                p.replication_factor_min,
                p.replication_factor_max,
                p.allocations.len(),
                self.fleet.replication.0,
                self.fleet.replication.1
            ));
            self.unfinished.remove(&p.cid);
        }
        match &mut self.rule {
            Rule::Rebalance => {
                let m = plan_item(p, &self.fleet);
                self.tally.add(&m, &self.fleet);
                let resumed = self.unfinished.contains_key(&p.cid);
                if m.changes() || resumed {
                    self.items.push(rebalance_item(&m, p, &self.fleet, resumed));
                }
            }
            Rule::Drain { peer, kept } => {
                if p.allocations.is_empty()
                    || p.allocations.iter().any(|a| a == peer)
                    || self.unfinished.contains_key(&p.cid)
                {
                    kept.push(p.clone());
                }
            }
            Rule::Ensure { required } => {
                if let Some(e) = ensure_item(p, required) {
                    // A gone peer's allocation goes with the re-pin, as a
                    // drain drops it: the daemon would refuse to keep it.
                    let target = e
                        .current
                        .iter()
                        .filter(|a| !self.fleet.gone(a))
                        .chain(e.add.iter())
                        .cloned()
                        .collect();
                    self.items.push(Item {
                        size: p.size(),
                        target,
                        blocked: self
                            .fleet
                            .holder_down(&e.current, None)
                            .or_else(|| self.fleet.cannot_add(&e.add)),
                        cid: e.cid,
                        name: e.name,
                        current: e.current,
                        resumed: false,
                    });
                }
            }
        }
    }

    pub fn finish(self) -> Planned {
        let items = match self.rule {
            Rule::Drain { peer, kept } => {
                Plan::drain_items(&kept, &peer, &self.fleet, &self.unfinished)
            }
            _ => self.items,
        };
        Planned {
            plan: Plan {
                kind: self.kind,
                items,
                checked: self.checked,
                names: Plan::names(&self.fleet),
                up: self.fleet.up(),
                allowed: self.fleet.replication,
            },
            tally: self.tally,
            refused: self.refused,
        }
    }
}

/// An item of a rebalance: one the rule changes, or one an interrupted run
/// left to settle.
fn rebalance_item(m: &Move, p: &Pin, fleet: &Fleet, resumed: bool) -> Item {
    let held: Vec<String> = p.allocations.iter().cloned().collect();
    let blocked = if m.everywhere {
        Some("pinned on every peer: allocations cannot change it without fewer copies".to_string())
    } else if m.changes() {
        let added: Vec<&String> = m.target.iter().filter(|t| !held.contains(t)).collect();
        fleet
            .holder_down(&held, None)
            .or_else(|| fleet.cannot_add(added))
    } else {
        None
    };
    Item {
        cid: m.cid.clone(),
        name: m.name.clone(),
        size: m.size,
        target: if m.changes() {
            m.target.clone()
        } else {
            held.clone()
        },
        current: held,
        blocked,
        resumed,
    }
}
