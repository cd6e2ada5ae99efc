//! What the cluster says of items: the problems list, the statuses of
//! the rows on screen, the selected item's, and what audits found.

use super::index::reindex;
use super::peer_stats::{recount_peers, refresh_peer_detail};
use std::collections::HashSet;

use super::{Effect, SortKey, State};

/// `/peers` gives no name for a peer that is down; statuses do.
pub(super) fn learn_peer_names(st: &mut State, infos: &[crate::cluster::types::GlobalPinInfo]) {
    if st.peers.rows.iter().all(|p| !p.name.is_empty()) {
        return;
    }
    for g in infos {
        for (id, p) in &g.peer_map {
            if p.peername.is_empty() {
                continue;
            }
            if let Some(row) = st
                .peers
                .rows
                .iter_mut()
                .find(|r| &r.id == id && r.name.is_empty())
            {
                row.name = crate::sanitize::clean(&p.peername).into_owned();
            }
        }
    }
}

pub(super) fn on_problems(
    st: &mut State,
    list: Vec<crate::cluster::types::GlobalPinInfo>,
) -> Vec<Effect> {
    learn_peer_names(st, &list);
    let now_problem: HashSet<Box<str>> = list
        .iter()
        .map(|g| g.cid.clone().into_boxed_str())
        .collect();
    // Items that left the problem list no longer have errors or pending pins:
    // forget what was observed, so what the pinset implies takes over.
    st.pins.repl.observed.retain(|cid, r| {
        let listed_kind = r.errors > 0 || r.pinning + r.queued > 0;
        !listed_kind || now_problem.contains(cid)
    });
    for g in &list {
        st.pins.repl.observe_partial(g);
    }
    st.pins.repl.unpinned_at = list
        .iter()
        .map(|g| {
            let ids = g
                .peer_map
                .iter()
                .filter(|(_, s)| s.status != crate::cluster::types::TrackerStatus::Pinned)
                .map(|(id, _)| id.clone().into_boxed_str())
                .collect();
            (g.cid.clone().into_boxed_str(), ids)
        })
        .collect();
    st.pins.repl.health.known = true;
    st.pins.peer_errors = crate::app::rows::per_peer_counts(&list)
        .into_iter()
        .map(|(id, (_, errors))| (id, errors))
        .collect();
    for p in &mut st.peers.rows {
        p.errors = st.pins.peer_errors.get(&p.id).copied().unwrap_or(0);
    }
    st.pins.problems_fresh.ok(st.now);
    recount_peers(st);
    refresh_peer_detail(st);
    // The header's count is over the whole pinset: recount with the order.
    reindex(st)
}

/// Statuses of the rows on screen: observed, and the problem count kept
/// exact without a pass over the pinset (the window is small).
pub(super) fn on_statuses(
    st: &mut State,
    infos: &[crate::cluster::types::GlobalPinInfo],
) -> Vec<Effect> {
    learn_peer_names(st, infos);
    let mut changed = false;
    for g in infos {
        let row = visible_row(st, &g.cid);
        let before = row
            .and_then(|i| st.pins.rows.get(i as usize))
            .map(|r| st.pins.repl.is_problem(r));
        st.pins.repl.observe(g);
        let now = row.and_then(|i| st.pins.rows.get(i as usize));
        if let (Some(row), Some(before)) = (now, before) {
            let after = st.pins.repl.is_problem(row);
            if after != before {
                changed = true;
                if after {
                    st.pins.problems += 1;
                } else {
                    st.pins.problems = st.pins.problems.saturating_sub(1);
                }
            }
        }
    }
    let p = &st.pins;
    if changed && (p.problems_only || p.sort.key == SortKey::Status || p.filter.uses_status()) {
        reindex(st)
    } else {
        Vec::new()
    }
}

/// The row of `cid` if it is on screen (or selected).
fn visible_row(st: &State, cid: &str) -> Option<u32> {
    let p = &st.pins;
    let end = (p.offset + st.pins_height.max(1)).min(p.index.len());
    p.index[p.offset.min(end)..end]
        .iter()
        .chain(p.index.get(p.selected))
        .copied()
        .find(|i| p.rows.get(*i as usize).is_some_and(|r| r.cid() == cid))
}

/// The selected item's status, as the poller brought it (for the item
/// still selected: an answer about the one before is late, not wrong).
pub(super) fn on_selected(
    st: &mut State,
    info: crate::cluster::types::GlobalPinInfo,
    every: std::time::Duration,
) -> Vec<Effect> {
    learn_peer_names(st, std::slice::from_ref(&info));
    if st.replication.cid.as_deref() == Some(info.cid.as_str()) {
        st.replication.fresh.interval = every;
        st.pins.repl.observe(&info);
        st.replication.info = Some(sanitize_info(info));
        st.replication.fresh.ok(st.now);
    }
    Vec::new()
}

fn sanitize_info(
    mut g: crate::cluster::types::GlobalPinInfo,
) -> crate::cluster::types::GlobalPinInfo {
    use crate::sanitize::clean;
    g.name = clean(&g.name).into_owned();
    for p in g.peer_map.values_mut() {
        p.peername = clean(&p.peername).into_owned();
        p.error = clean(&p.error).into_owned();
    }
    let meta: Vec<(String, String)> = g
        .metadata
        .iter()
        .map(|(k, v)| (clean(k).into_owned(), clean(v).into_owned()))
        .collect();
    g.metadata = meta.into();
    g
}

/// What audits found: the items' fixity marks, and the order (a sort or
/// filter may use them).
pub(super) fn on_fixity(st: &mut State, findings: crate::cluster::fixity::Findings) -> Vec<Effect> {
    let rows = st.pins.rows.clone();
    st.pins.repl.set_fixity(findings, &rows);
    reindex(st)
}
