//! The pinset arriving: chunk by chunk into the table, a reload in place,
//! items gone since, a load that failed.

use super::index::reindex;
use super::peer_stats::{count_allocations, recount_peers, refresh_peer_detail};
use std::sync::Arc;

use super::{row_visible, Effect, State};
use crate::app::state::Edge;

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
        // The selection follows its item through the reload (its row may
        // move, or come back changed), unless the operator asked for another.
        let selected = st.pins.selected_row().map(|r| Box::<str>::from(r.cid()));
        finish_reload(st);
        if st.select_when_loaded.is_none()
            && st.pins.selected_row().map(|r| r.cid()) != selected.as_deref()
        {
            st.select_when_loaded = selected.filter(|c| st.pins.rows.find(c).is_some());
        }
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
