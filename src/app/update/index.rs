//! The pins index: loading the pinset in chunks, problems and statuses, what is visible and in which order, counts per peer.

use super::*;

pub fn scroll_into_view(st: &mut State) {
    let h = st.pins_height.max(1);
    let p = &mut st.pins;
    if p.selected < p.offset {
        p.offset = p.selected;
    } else if p.selected >= p.offset + h {
        p.offset = p.selected + 1 - h;
    }
    let max_off = p.index.len().saturating_sub(h);
    p.offset = p.offset.min(max_off);
}

/// Recomputes the pins order: inline for small pinsets, off the UI task for big ones.
pub fn reindex(st: &mut State) -> Vec<Effect> {
    st.pins.index_gen += 1;
    if st.pins.rows.len() <= SYNC_INDEX_LIMIT {
        let idx = compute_index(
            &st.pins.rows,
            &st.pins.filter,
            st.pins.sort,
            &st.pins.repl,
            st.pins.problems_only,
        );
        st.pins.index_pending = None;
        set_index(st, idx);
        Vec::new()
    } else {
        st.pins.index_pending = Some(st.pins.index_gen);
        vec![Effect::Reindex {
            generation: st.pins.index_gen,
        }]
    }
}

/// Installs a new order, keeping the same item selected when it is still shown.
pub(super) fn set_index(st: &mut State, index: Vec<u32>) {
    if let Some(want) = st.select_when_loaded.clone() {
        if let Some(pos) = index
            .iter()
            .position(|i| st.pins.rows.get(*i as usize).is_some_and(|r| r.cid == want))
        {
            st.select_when_loaded = None;
            st.pins.select_top = false;
            st.pins.index = index;
            st.pins.selected = pos;
            scroll_into_view(st);
            inspect_selected(st);
            return;
        }
    }
    let keep = if std::mem::take(&mut st.pins.select_top) {
        st.pins.offset = 0;
        None
    } else {
        st.pins.selected_row().map(|r| r.cid.clone())
    };
    st.pins.index = index;
    st.pins.selected = keep
        .and_then(|cid| {
            st.pins
                .index
                .iter()
                .position(|i| st.pins.rows.get(*i as usize).is_some_and(|r| r.cid == cid))
        })
        .unwrap_or(0);
    scroll_into_view(st);
}

pub(super) fn on_chunk(
    st: &mut State,
    generation: u64,
    rows: Vec<crate::app::rows::PinRow>,
    done: bool,
) -> Vec<Effect> {
    if generation < st.pins.generation {
        return Vec::new();
    }
    if generation > st.pins.generation {
        st.pins.generation = generation;
        st.pins.incoming.clear();
        st.pins.fresh.loading = true;
    }
    let first_load = st.pins.fresh.fetched.is_none();
    if first_load {
        // Show rows as they stream in, in arrival order; sort once at the end.
        let start = st.pins.rows.len() as u32;
        let all = Arc::make_mut(&mut st.pins.rows);
        all.extend(rows);
        let end = all.len() as u32;
        let p = &st.pins;
        let new: Vec<u32> = (start..end)
            .filter(|&i| row_visible(&p.rows[i as usize], &p.filter, &p.repl, p.problems_only))
            .collect();
        st.pins.index.extend(new);
    } else {
        st.pins.incoming.extend(rows);
    }
    if !done {
        return Vec::new();
    }
    if first_load {
        st.pins.select_top = st.pins.selected == 0;
    } else {
        st.pins.rows = Arc::new(std::mem::take(&mut st.pins.incoming));
    }
    st.pins.fresh.ok(st.now);
    let live: HashSet<&str> = st.pins.rows.iter().map(|r| &*r.cid).collect();
    st.pins.marked.retain(|c| live.contains(&**c));
    count_allocations(st);
    recount_peers(st);
    reindex(st)
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
                row.name = crate::app::sanitize::clean(&p.peername).into_owned();
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
    // Items that left the problem list no longer have errors or pending pins
    // (a peer being down is not in that list: the status polls track it).
    st.pins.repl.retain(|cid, r| {
        let listed_kind = r.errors > 0 || r.pinning + r.queued > 0;
        !listed_kind || now_problem.contains(cid)
    });
    for g in &list {
        st.pins
            .repl
            .insert(g.cid.clone().into_boxed_str(), Repl::from_info(g));
    }
    st.pins.peer_errors = crate::app::rows::per_peer_counts(&list)
        .into_iter()
        .map(|(id, (_, errors))| (id, errors))
        .collect();
    for p in &mut st.peers.rows {
        p.errors = st.pins.peer_errors.get(&p.id).copied().unwrap_or(0);
    }
    st.pins.problems_fresh.ok(st.now);
    recount_peers(st);
    if st.pins.problems_only || st.pins.sort.key == SortKey::Status || !st.pins.filter.is_empty() {
        reindex(st)
    } else {
        Vec::new()
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
    let mut counts: HashMap<std::sync::Arc<str>, usize> = HashMap::new();
    let mut everywhere = 0;
    for r in st.pins.rows.iter() {
        if r.allocations.is_empty() {
            everywhere += 1;
        }
        for a in r.allocations.iter() {
            *counts.entry(a.clone()).or_default() += 1;
        }
    }
    st.pins.alloc_counts = counts;
    st.pins.everywhere = everywhere;
}
