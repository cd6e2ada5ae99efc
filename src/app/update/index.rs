//! The pins' order: what is visible and in which order, computed here for
//! a small pinset or off the UI task for a large one; the selection kept
//! in view.

use super::{compute_index, flash, Effect, Level, State, SYNC_INDEX_LIMIT};
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
