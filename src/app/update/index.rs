//! The pins index: loading the pinset in chunks, problems and statuses, what is visible and in which order, counts per peer.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use super::{compute_index, flash, row_visible, Effect, Level, SortKey, State, SYNC_INDEX_LIMIT};
use crate::app::msg::IndexJob;
use crate::app::order::Indexed;
use crate::app::state::Edge;
use crate::pinset::Order;

/// The replication pane follows the selected item.
pub(super) fn inspect_selected(st: &mut State) {
    let cid = st.pins.selected_row().map(|r| Box::<str>::from(r.cid()));
    if cid != st.replication.cid {
        st.replication.cid = cid;
        st.replication.info = None;
        st.replication.selected = 0;
        st.replication.offset = 0;
        st.replication.fresh = Default::default();
        st.replication.fresh.loading = st.replication.cid.is_some();
    }
}

pub fn scroll_into_view(st: &mut State) {
    let p = &mut st.pins;
    p.offset =
        super::super::layout::keep_in_view(p.selected, p.offset, st.pins_height, p.index.len());
}

/// Recomputes the pins order: inline for small pinsets, off the UI task for big ones.
pub fn reindex(st: &mut State) -> Vec<Effect> {
    st.pins.index_gen += 1;
    if st.pins.rows.len() <= SYNC_INDEX_LIMIT {
        let done = compute_index(
            &st.pins.rows,
            &st.pins.filter,
            st.pins.sort,
            &st.pins.repl,
            st.pins.problems_only,
        );
        st.pins.index_pending = None;
        st.pins.problems = done.problems;
        st.pins.asked = st.pins.view();
        set_index(st, done.index);
        Vec::new()
    } else if st.pins.fresh.fetched.is_none() {
        // The first load is still streaming into the table: a task holding
        // it now would make every later chunk copy it. The last chunk
        // reindexes anyway.
        st.pins.index_pending = Some(st.pins.index_gen);
        st.pins.asked = st.pins.view();
        Vec::new()
    } else {
        st.pins.index_pending = Some(st.pins.index_gen);
        st.pins.asked = st.pins.view();
        if st.pins.index_running.is_some() {
            // Its answer will be stale: this view starts when it ends.
            return Vec::new();
        }
        st.pins.index_running = Some(st.pins.index_gen);
        vec![Effect::Reindex(Box::new(IndexJob {
            generation: st.pins.index_gen,
            rows: st.pins.rows.clone(),
            filter: st.pins.filter.clone(),
            sort: st.pins.sort,
            repl: st.pins.repl.clone(),
            problems_only: st.pins.problems_only,
        }))]
    }
}

/// An index task ended (`indexed`: its order, `None` if it failed): the
/// order is shown if it is still the one asked for, else the view asked
/// for since is computed.
pub(super) fn on_index(st: &mut State, generation: u64, indexed: Option<Indexed>) -> Vec<Effect> {
    if st.pins.index_running == Some(generation) {
        st.pins.index_running = None;
    }
    if st.pins.index_pending != Some(generation) {
        let waiting = st.pins.index_pending.is_some() && st.pins.index_running.is_none();
        return if waiting { reindex(st) } else { Vec::new() };
    }
    st.pins.index_pending = None;
    match indexed {
        Some(indexed) => {
            st.pins.problems = indexed.problems;
            set_index(st, indexed.index);
        }
        None => flash(
            st,
            "the pins could not be ordered: the rows stay as they were",
            Level::Error,
        ),
    }
    Vec::new()
}

/// Installs a new order, keeping the same item selected when it is still shown.
pub(super) fn set_index(st: &mut State, index: Order) {
    if let Some(want) = st.select_when_loaded.clone() {
        if let Some(pos) = index.iter().position(|i| {
            st.pins
                .rows
                .get(*i as usize)
                .is_some_and(|r| *r.cid() == *want)
        }) {
            st.select_when_loaded = None;
            st.pins.land = None;
            st.pins.shown = st.pins.asked.clone();
            st.pins.index = index;
            st.pins.selected = pos;
            scroll_into_view(st);
            inspect_selected(st);
            return;
        }
    }
    let land = st.pins.land.take();
    let keep = match land {
        Some(_) => None,
        None => st.pins.selected_row().map(|r| Box::<str>::from(r.cid())),
    };
    st.pins.shown = st.pins.asked.clone();
    st.pins.index = index;
    if land == Some(Edge::Bottom) {
        st.pins.selected = st.pins.index.len().saturating_sub(1);
        scroll_into_view(st);
        return;
    }
    if land == Some(Edge::Top) {
        st.pins.offset = 0;
    }
    st.pins.selected = keep
        .and_then(|cid| {
            st.pins.index.iter().position(|i| {
                st.pins
                    .rows
                    .get(*i as usize)
                    .is_some_and(|r| *r.cid() == *cid)
            })
        })
        .unwrap_or(0);
    scroll_into_view(st);
}

pub(super) fn on_chunk(
    st: &mut State,
    generation: u64,
    rows: crate::pinset::Pinset,
    done: bool,
) -> Vec<Effect> {
    if generation < st.pins.generation {
        return Vec::new();
    }
    if generation > st.pins.generation {
        st.pins.generation = generation;
        abandon_reload(st);
        st.pins.fresh.loading = true;
    }
    let first_load = st.pins.fresh.fetched.is_none();
    if first_load {
        // Show rows as they stream in, in arrival order; sort once at the end.
        let start = st.pins.rows.len() as u32;
        // Not shared while loading (`reindex` waits for the end), so this
        // appends in place rather than copying the table.
        let all = Arc::make_mut(&mut st.pins.rows);
        all.append(rows);
        let end = all.len() as u32;
        let p = &st.pins;
        let new: Vec<u32> = (start..end)
            .filter(|&i| {
                p.rows
                    .get(i as usize)
                    .is_some_and(|r| row_visible(r, &p.filter, &p.repl, p.problems_only))
            })
            .collect();
        Arc::make_mut(&mut st.pins.index).extend(new);
        st.pins.shown = st.pins.view();
    } else {
        st.pins.pending.push(rows);
        apply_pending(st, done);
    }
    if !done {
        return Vec::new();
    }
    if first_load {
        // Not `selected == 0`: an order made while the first rows came in
        // (few enough to sort at once) moved the selection, not the operator.
        if !st.pins.moved {
            st.pins.land = Some(Edge::Top);
        }
    } else {
        finish_reload(st);
    }
    st.pins.fresh.ok(st.now);
    forget_gone(&mut st.pins);
    // What audits found marks the items again, the pinset in hand.
    if !st.pins.repl.fixity.is_empty() {
        let findings = (*st.pins.repl.fixity).clone();
        let rows = st.pins.rows.clone();
        st.pins.repl.set_fixity(findings, &rows);
    }
    count_allocations(st);
    recount_peers(st);
    refresh_peer_detail(st);
    reindex(st)
}

/// Applies the listing chunks waiting for the table: at once unless an
/// index task still reads it (then at the next chunk, or `now` at the end,
/// copying the table only if that task is still running).
fn apply_pending(st: &mut State, now: bool) {
    let p = &mut st.pins;
    if p.pending.is_empty() {
        return;
    }
    let table = if now {
        Some(Arc::make_mut(&mut p.rows))
    } else {
        Arc::get_mut(&mut p.rows)
    };
    let Some(table) = table else {
        return;
    };
    let reload = p.reload.get_or_insert_with(|| table.begin_reload());
    for chunk in p.pending.drain(..) {
        table.reload_chunk(reload, &chunk);
    }
}

/// Ends a reload: rows the listing no longer has are dropped, and the order
/// shown is carried over to where the rows now are (the reindex that
/// follows replaces it).
fn finish_reload(st: &mut State) {
    let p = &mut st.pins;
    let Some(reload) = p.reload.take() else {
        return;
    };
    let done = Arc::make_mut(&mut p.rows).finish_reload(reload);
    if !done.changed {
        return;
    }
    let now = |i: u32| {
        done.moved
            .get(i as usize)
            .copied()
            .filter(|j| *j != crate::pinset::GONE)
    };
    let before = p
        .index
        .get(..p.selected)
        .map_or(0, |s| s.iter().filter(|i| now(**i).is_none()).count());
    p.index = Arc::new(p.index.iter().filter_map(|i| now(*i)).collect());
    p.selected = p
        .selected
        .saturating_sub(before)
        .min(p.index.len().saturating_sub(1));
}

/// Gives up a reload that will not end (its listing failed, or a newer one
/// began): the table is as it was.
pub(super) fn abandon_reload(st: &mut State) {
    st.pins.pending.clear();
    if let Some(reload) = st.pins.reload.take() {
        Arc::make_mut(&mut st.pins.rows).abandon_reload(reload);
    }
}

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

/// What was marked or observed of items that left the pinset is forgotten
/// with them: a console watching a churning archive for days stays flat.
/// One pass that stops once every kept key is found (no set of ten million
/// CIDs built for it).
fn forget_gone(p: &mut crate::app::state::PinsState) {
    if p.marked.is_empty() && p.repl.observed.is_empty() {
        return;
    }
    let mut marked = std::collections::BTreeSet::new();
    let mut observed = std::collections::HashMap::default();
    for r in p.rows.iter() {
        if let Some(c) = p.marked.take(r.cid()) {
            marked.insert(c);
        }
        if let Some((k, v)) = p.repl.observed.remove_entry(r.cid()) {
            observed.insert(k, v);
        }
        if p.marked.is_empty() && p.repl.observed.is_empty() {
            break;
        }
    }
    p.marked = marked;
    p.repl.observed = observed;
}

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

/// A reload of the pinset failed: the one under way, not an older one.
pub(super) fn on_pinset_failed(
    st: &mut State,
    generation: u64,
    error: String,
    retry_in: std::time::Duration,
) -> Vec<Effect> {
    if generation >= st.pins.generation {
        abandon_reload(st);
        st.pins.fresh.failed(error, retry_in, st.now);
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
