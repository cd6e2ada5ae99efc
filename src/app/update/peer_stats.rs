//! Counts per peer: what each holds and what rests on it alone (the peer
//! detail, the peers pane), and the risk were peers to fail.

use super::index::reindex;
use std::collections::HashMap;
use std::sync::Arc;

use super::{Effect, State};

/// Which members are down changed: what was observed as fine may no longer
/// be, so fall back to what the pinset implies until the next status.
pub(super) fn on_health(st: &mut State) -> Vec<Effect> {
    let down: Vec<Arc<str>> = st
        .peers
        .rows
        .iter()
        .filter(|p| !p.online())
        .map(|p| Arc::from(p.id.as_str()))
        .collect();
    let members = st.peers.rows.len();
    let h = &mut st.pins.repl.health;
    if h.down == down && h.members == members {
        return Vec::new();
    }
    h.down = down;
    h.members = members;
    st.pins.repl.observed.retain(|_, r| r.is_problem());
    refresh_peer_detail(st);
    reindex(st)
}

/// Counts a peer's share of the archive for its detail view. "Only copy"
/// is what the risk rule says its failure would lose: one rule for both.
pub fn peer_stats(st: &State, id: &str) -> crate::app::state::PeerStats {
    let p = &st.pins;
    let lost = risk_of(st, Some(id))
        .if_failed
        .map(|f| f.lost)
        .unwrap_or_default();
    let only_copy_names = lost.iter().take(5).map(|a| a.label().to_string()).collect();
    crate::app::state::PeerStats {
        allocated: p.alloc_counts.get(id).copied().unwrap_or(0) + p.everywhere,
        errors: p.peer_errors.get(id).copied().unwrap_or(0),
        only_copy: lost.len(),
        only_copy_names,
    }
}

pub(super) fn refresh_peer_detail(st: &mut State) {
    if let Some(id) = st.peer_detail.as_ref().map(|d| d.id.clone()) {
        let stats = peer_stats(st, &id);
        if let Some(d) = st.peer_detail.as_mut() {
            d.stats = stats;
        }
    }
}

/// Items each peer should hold, less those it reports trouble with. The
/// allocation counts come from the last complete pinset (counted once per
/// load, not on every peers poll: a million rows is not per-poll work).
pub(super) fn recount_peers(st: &mut State) {
    let p = &st.pins;
    for peer in &mut st.peers.rows {
        let held = p.alloc_counts.get(peer.id.as_str()).copied().unwrap_or(0) + p.everywhere;
        peer.pinned = held.saturating_sub(peer.errors);
    }
}

/// Counts, per peer ID, the items allocated to it (and those pinned everywhere).
pub(super) fn count_allocations(st: &mut State) {
    // Rows share a few thousand allocation sets: count rows per set, then
    // each set's peers once.
    let rows = &st.pins.rows;
    let mut per_set = vec![0usize; rows.sets().len()];
    for r in rows.iter() {
        if let Some(n) = per_set.get_mut(r.set_id() as usize) {
            *n += 1;
        }
    }
    let mut counts: HashMap<std::sync::Arc<str>, usize> = HashMap::new();
    let mut everywhere = 0;
    for (set, n) in rows.sets().iter().zip(per_set) {
        if n == 0 {
            continue;
        }
        if set.is_empty() {
            everywhere += n;
        }
        for a in set.iter() {
            *counts.entry(a.clone()).or_default() += n;
        }
    }
    let mut orgs: Vec<String> = rows.orgs().take(1000).map(String::from).collect();
    orgs.sort();
    orgs.dedup();
    st.pins.alloc_counts = counts;
    st.pins.everywhere = everywhere;
    st.pins.orgs = orgs;
}

/// The risk report from what the console holds, by the one rule
/// `ccs-tui risk` uses (`cluster::steward::risk_over`).
pub fn risk_of(st: &State, fail: Option<&str>) -> crate::cluster::steward::Risk {
    use crate::cluster::steward::{risk_over, RiskItem};
    let members: Vec<&str> = st.peers.rows.iter().map(|p| p.id.as_str()).collect();
    let up: Vec<&str> = st
        .peers
        .rows
        .iter()
        .filter(|p| p.online())
        .map(|p| p.id.as_str())
        .collect();
    let unpinned = &st.pins.repl.unpinned_at;
    let fixity = &st.pins.repl.fixity;
    risk_over(
        st.pins.rows.iter().map(|r| RiskItem {
            cid: r.cid(),
            name: r.name(),
            allocations: r.allocations().iter().map(|a| &**a).collect(),
            replication_min: r.rmin(),
        }),
        &up,
        &members,
        // Not serving: named by the problems list, or found missing or
        // corrupt by an audit.
        |cid, peer| {
            unpinned
                .get(cid)
                .is_some_and(|v| v.iter().any(|x| &**x == peer))
                || fixity.damaged(cid, peer)
        },
        &|peer: &str| {
            let name = &st.peers.rows.iter().find(|p| p.id == peer)?.name;
            st.node_orgs
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, o)| o.clone())
        },
        fail,
    )
}
