//! Draining a peer: every item allocated to it gets a copy on another peer
//! first (the one with most room left, counting what the plan already sent
//! there), and only then is the peer released. Each item keeps as many
//! copies as it had.

use std::collections::HashMap;

use serde::Serialize;

use super::fleet::Fleet;
use crate::cluster::types::Pin;

/// Why an item cannot leave the peer without losing a copy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Blocked {
    /// Pinned on every peer: it leaves the peer only when the peer leaves
    /// the cluster.
    Everywhere,
    /// Every other peer that can take a copy holds one already, or none
    /// has room.
    NoPeerWithRoom,
}

impl Blocked {
    pub fn describe(self) -> &'static str {
        match self {
            Blocked::Everywhere => {
                "pinned on every peer: it leaves this peer only when the peer leaves the cluster"
            }
            Blocked::NoPeerWithRoom => "no other peer without a copy has room for it",
        }
    }
}

/// One item to move off the drained peer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DrainMove {
    pub cid: String,
    pub name: String,
    pub size: Option<u64>,
    pub current: Vec<String>,
    /// The peer that takes the copy.
    pub to: Option<String>,
    pub blocked: Option<Blocked>,
}

/// The items on `peer` and where each goes. Only peers that report free
/// space (they are up and the daemon can allocate to them) take copies.
pub fn plan_drain<'p>(
    pins: impl IntoIterator<Item = &'p Pin>,
    peer: &str,
    fleet: &Fleet,
) -> Vec<DrainMove> {
    let mut planned: HashMap<&str, u64> = HashMap::new();
    let mut out = Vec::new();
    for p in pins {
        let everywhere = p.allocations.is_empty();
        if !everywhere && !p.allocations.iter().any(|a| a == peer) {
            continue;
        }
        let size = p.size();
        let mut m = DrainMove {
            cid: p.cid.clone(),
            name: p.name.clone(),
            size,
            current: p.allocations.iter().cloned().collect(),
            to: None,
            blocked: None,
        };
        if everywhere {
            m.blocked = Some(Blocked::Everywhere);
            out.push(m);
            continue;
        }
        let cost = size.unwrap_or(0);
        let best = fleet
            .nodes
            .iter()
            .map(|n| n.peer_id.as_str())
            .filter(|id| *id != peer && !p.allocations.iter().any(|a| a == id))
            .map(|id| {
                let room = fleet
                    .available(id)
                    .saturating_sub(planned.get(id).copied().unwrap_or(0));
                (room, id)
            })
            .filter(|(room, _)| *room > cost)
            .max();
        match best {
            Some((_, id)) => {
                *planned.entry(id).or_default() += cost;
                m.to = Some(id.to_string());
            }
            None => m.blocked = Some(Blocked::NoPeerWithRoom),
        }
        out.push(m);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::gojson::{List, Map};
    use crate::cluster::steward::fleet::Node;

    fn pin(cid: &str, allocs: &[&str], size: u64) -> Pin {
        Pin {
            cid: cid.into(),
            allocations: List::from(allocs.iter().map(|s| s.to_string()).collect::<Vec<_>>()),
            replication_factor_min: 2,
            replication_factor_max: 3,
            metadata: Map::from(vec![("size".to_string(), size.to_string())]),
            ..Default::default()
        }
    }

    fn fleet() -> Fleet {
        Fleet {
            nodes: ["a", "b", "c", "d"]
                .iter()
                .map(|n| Node::new(n, n, 0))
                .collect(),
            free: [("a", 100), ("b", 100), ("c", 250), ("d", 120)]
                .into_iter()
                .map(|(p, f)| (p.to_string(), f))
                .collect(),
            ..Default::default()
        }
    }

    #[test]
    fn copies_go_where_room_is_left_counting_the_plan_itself() {
        let pins = vec![
            pin("x", &["a", "b"], 100),
            pin("y", &["a", "c"], 50),
            pin("z", &["a", "b"], 100),
            pin("w", &["b", "c"], 10), // not on a
            pin("e", &[], 1),
            pin("f", &["a", "b", "c", "d"], 1),
        ];
        let plan = plan_drain(&pins, "a", &fleet());
        let to: Vec<(&str, Option<&str>)> = plan
            .iter()
            .map(|m| (m.cid.as_str(), m.to.as_deref()))
            .collect();
        // x → c (250 free); y → d (c has it); z → d? no: d has 70 left after
        // y, c has 150: c.
        assert_eq!(
            to,
            [
                ("x", Some("c")),
                ("y", Some("d")),
                ("z", Some("c")),
                ("e", None),
                ("f", None)
            ]
        );
        assert_eq!(plan[3].blocked, Some(Blocked::Everywhere));
        assert_eq!(plan[4].blocked, Some(Blocked::NoPeerWithRoom));
    }
}
