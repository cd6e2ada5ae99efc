//! ccs v0.4's `ensure-pins` rule: the profile's primary and the backup node
//! on every item. The bounds are what a re-pin needs to make the daemon add
//! them (the executor settles them back afterwards).

use serde::Serialize;

use crate::cluster::types::Pin;

/// One item that lacks required peers, and what fixes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Ensure {
    pub cid: String,
    pub name: String,
    pub current: Vec<String>,
    /// Required peers it lacks (IDs).
    pub add: Vec<String>,
    pub replication_min: (i32, i32),
    pub replication_max: (i32, i32),
}

/// The items of `pins` that lack one of `required` (peer IDs), each with
/// the replication bounds that make the daemon allocate them. Items pinned
/// everywhere already have every peer.
#[cfg(test)]
pub(crate) fn plan_ensure(pins: &[Pin], required: &[String]) -> Vec<Ensure> {
    pins.iter()
        .filter_map(|p| ensure_item(p, required))
        .collect()
}

/// What one item lacks, if anything.
pub fn ensure_item(p: &Pin, required: &[String]) -> Option<Ensure> {
    if p.allocations.is_empty() {
        return None;
    }
    let add: Vec<String> = required
        .iter()
        .filter(|r| !p.allocations.iter().any(|a| a == *r))
        .cloned()
        .collect();
    if add.is_empty() {
        return None;
    }
    let want = (p.allocations.len() + add.len()) as i32;
    let rmin = p.replication_factor_min.max(want);
    let rmax = p.replication_factor_max.max(rmin);
    Some(Ensure {
        cid: p.cid.clone(),
        name: p.name.clone(),
        current: p.allocations.iter().cloned().collect(),
        add,
        replication_min: (p.replication_factor_min, rmin),
        replication_max: (p.replication_factor_max, rmax),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::gojson::{List, Map};

    fn pin(cid: &str, allocs: &[&str], min: i32, max: i32) -> Pin {
        Pin {
            cid: cid.into(),
            name: format!("{cid}.txt"),
            allocations: List::from(allocs.iter().map(|s| s.to_string()).collect::<Vec<_>>()),
            replication_factor_min: min,
            replication_factor_max: max,
            metadata: Map::from(vec![("org".to_string(), "hrdag".to_string())]),
            ..Default::default()
        }
    }

    /// ccs's rule (primary and backup always allocated) on the daemon's
    /// terms: the minimum becomes the number of peers the item must have.
    #[test]
    fn required_peers_raise_the_minimum_they_need() {
        let req = vec!["nas".to_string(), "chll".to_string()];
        let pins = vec![
            pin("a", &["nas", "chll", "meerkat"], 2, 3),
            pin("b", &["meerkat"], 1, 1),
            pin("c", &["nas", "meerkat"], 2, 3),
            pin("d", &[], -1, -1),
        ];
        let plan = plan_ensure(&pins, &req);
        assert_eq!(plan.len(), 2, "a has both, d is everywhere");
        assert_eq!(plan[0].cid, "b");
        assert_eq!(plan[0].add, ["nas", "chll"]);
        assert_eq!(plan[0].replication_min, (1, 3));
        assert_eq!(plan[0].replication_max, (1, 3));
        assert_eq!(plan[1].add, ["chll"]);
        assert_eq!(plan[1].replication_min, (2, 3));
        assert_eq!(plan[1].replication_max, (3, 3));
    }
}
