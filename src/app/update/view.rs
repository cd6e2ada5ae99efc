//! What keys and commands change in the view, whichever screen asks: the
//! selection, the order, the filter, the problems-only switch, a peer's
//! detail opened.

use super::{
    flash, peer_stats, reindex, scroll_into_view, Effect, Filter, Level, Pane, PeerDetail, Sort,
    SortKey, State,
};
use crate::app::state::Edge;

pub(super) fn sort_by(st: &mut State, key: SortKey) -> Vec<Effect> {
    st.pins.sort = if st.pins.sort.key == key {
        Sort {
            key,
            descending: !st.pins.sort.descending,
        }
    } else {
        Sort {
            key,
            // Newest, biggest and worst first; names A→Z.
            descending: matches!(key, SortKey::Created | SortKey::Size),
        }
    };
    reindex(st)
}

/// Into or out of the problems view; out of it, the item selected before
/// it is selected again (when nothing else asked to be).
pub(super) fn set_problems_only(st: &mut State, on: bool) -> Vec<Effect> {
    if st.pins.problems_only == on {
        return Vec::new();
    }
    st.pins.problems_only = on;
    if on {
        st.pins.before_problems = st.pins.selected_row().map(|r| r.cid().into());
    } else if st.select_when_loaded.is_none() {
        st.select_when_loaded = st.pins.before_problems.take();
    }
    reindex(st)
}

pub(super) fn move_by(st: &mut State, delta: i64) -> Vec<Effect> {
    let clamp = |cur: usize, len: usize| -> usize {
        if len == 0 {
            return 0;
        }
        (cur as i64).saturating_add(delta).clamp(0, len as i64 - 1) as usize
    };
    match st.focus {
        Pane::Peers => st.peers.selected = clamp(st.peers.selected, st.peers.rows.len()),
        Pane::Pins => {
            // A move while an order is on its way is for that order:
            // `g` after a sort key means its first row, not the old one's.
            if st.pins.index_pending.is_some() {
                st.pins.land = match delta {
                    d if d <= i64::MIN / 2 => Some(Edge::Top),
                    d if d >= i64::MAX / 2 => Some(Edge::Bottom),
                    _ => None,
                };
            }
            st.pins.moved = true;
            st.pins.selected = clamp(st.pins.selected, st.pins.index.len());
            scroll_into_view(st);
        }
        Pane::Replication => {
            let n = st.replication_lines().len();
            st.replication.selected = clamp(st.replication.selected, n);
            scroll_replication(st);
        }
    }
    Vec::new()
}

/// Keeps the selected peer line of the replication pane on screen.
pub(super) fn scroll_replication(st: &mut State) {
    let n = st.replication_lines().len();
    let r = &mut st.replication;
    r.offset = super::super::layout::keep_in_view(r.selected, r.offset, st.replication_height, n);
}

/// Applies a filter as it is typed: a `peer:` name not (yet) known matches
/// nothing rather than interrupting the typing.
pub(super) fn set_filter(st: &mut State, text: &str) -> Vec<Effect> {
    match Filter::parse(text) {
        Ok(mut f) => {
            let _ = f.resolve_peers(&st.peers.rows);
            st.pins.filter = f;
            reindex(st)
        }
        Err(e) => {
            flash(st, e, Level::Error);
            Vec::new()
        }
    }
}

/// Applies a finished filter: unknown `peer:` names are an error.
pub(super) fn set_filter_strict(st: &mut State, text: &str) -> Vec<Effect> {
    let fx = set_filter(st, text);
    let mut f = st.pins.filter.clone();
    if let Err(e) = f.resolve_peers(&st.peers.rows) {
        flash(st, e, Level::Error);
    }
    fx
}

/// The item a key acts on: the one inspected in the replication pane, else
/// the selected row.
pub(super) fn item_in_front(st: &State) -> Option<Box<str>> {
    match st.focus {
        Pane::Replication => st.replication.cid.clone(),
        _ => st.pins.selected_row().map(|r| Box::<str>::from(r.cid())),
    }
}

/// Opens the detail of the selected peer.
pub(super) fn open_peer(st: &mut State) -> Vec<Effect> {
    let Some(id) = st.peers.rows.get(st.peers.selected).map(|p| p.id.clone()) else {
        return Vec::new();
    };
    let stats = peer_stats(st, &id);
    st.peer_detail = Some(PeerDetail { id, stats });
    Vec::new()
}
