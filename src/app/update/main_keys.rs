//! The main screen's keys (peers, pins and replication panes): what each
//! action of its keymap does.

use super::item_actions::{
    confirm_recover_all, confirm_unpin, copy_selected, mark, open_fetch, open_upload,
    recover_selected,
};
use super::peer_detail::open_peer;
use super::prompt::set_filter;

use super::{
    browse, flash, index, reindex, scroll_into_view, Action, Effect, HelpView, Level, Mode, Pane,
    Screen, Sort, SortKey, State,
};
use crate::app::state::Edge;

pub(super) fn action(st: &mut State, a: Action) -> Vec<Effect> {
    match a {
        Action::Quit => vec![Effect::Quit],
        Action::Suspend => suspend(st),
        Action::Help => open_help(st),
        Action::Command => open_command(st),
        Action::Filter => open_filter(st),
        Action::Back => back(st),
        Action::NextPane | Action::PrevPane => cycle_pane(st, a),
        Action::PeersPane => focus(st, Pane::Peers),
        Action::PinsPane => focus(st, Pane::Pins),
        Action::ReplicationPane => open_replication(st),
        Action::Down => move_by(st, 1),
        Action::Up => move_by(st, -1),
        Action::PageDown => move_by(st, page(st) as i64),
        Action::PageUp => move_by(st, -(page(st) as i64)),
        Action::Top => move_by(st, i64::MIN / 2),
        Action::Bottom => move_by(st, i64::MAX / 2),
        Action::Inspect => inspect(st),
        Action::Browse => match st.focus {
            Pane::Peers => open_peer(st),
            _ => browse::open_item(st),
        },
        Action::Mark => mark(st),
        Action::Refresh => refresh(st),
        Action::Freeze => freeze(st),
        Action::Copy => copy_selected(st),
        Action::Problems => toggle_problems(st),
        Action::Upload => open_upload(st),
        Action::Fetch => open_fetch(st),
        Action::Unpin => confirm_unpin(st),
        Action::Recover => recover_selected(st),
        Action::RecoverAll => confirm_recover_all(st),
        Action::Tasks => toggle_tasks(st),
        Action::Capacity => super::capacity::open_capacity(st),
        Action::Edit => super::steward::edit(st),
        Action::SortName => sort_by(st, SortKey::Name),
        Action::SortCreated => sort_by(st, SortKey::Created),
        Action::SortSize => sort_by(st, SortKey::Size),
        Action::SortStatus => sort_by(st, SortKey::Status),
        // Actions of other screens.
        _ => Vec::new(),
    }
}

/// Ctrl-Z: back to the shell, when there is one to go back to.
fn suspend(st: &mut State) -> Vec<Effect> {
    if st.job_control {
        return vec![Effect::Suspend];
    }
    flash(
        st,
        "no shell to return to (started without job control): q quits",
        Level::Error,
    );
    Vec::new()
}

fn focus(st: &mut State, pane: Pane) -> Vec<Effect> {
    st.focus = pane;
    Vec::new()
}

/// Enter: a peer's detail, an item's replication, and from there inside
/// the item.
fn inspect(st: &mut State) -> Vec<Effect> {
    match st.focus {
        Pane::Pins => {
            index::inspect_selected(st);
            st.focus = Pane::Replication;
            Vec::new()
        }
        Pane::Peers => open_peer(st),
        Pane::Replication => browse::open_item(st),
    }
}

/// The help of the main screen.
fn open_help(st: &mut State) -> Vec<Effect> {
    st.help = Some(HelpView {
        of: Screen::Main,
        offset: 0,
    });
    Vec::new()
}

fn open_command(st: &mut State) -> Vec<Effect> {
    st.mode = Mode::Command(String::new());
    st.history_pos = None;
    Vec::new()
}

fn open_filter(st: &mut State) -> Vec<Effect> {
    st.focus = Pane::Pins;
    st.mode = Mode::Filter(st.pins.filter.raw.clone());
    Vec::new()
}

/// Esc: one step back from what is on, nearest first.
fn back(st: &mut State) -> Vec<Effect> {
    // Back from the replication pane first: what is behind it (a
    // filter, the problems view) is not what Esc seems to be about.
    if st.focus == Pane::Replication {
        st.focus = Pane::Pins;
        Vec::new()
    } else if !st.pins.filter.is_empty() {
        set_filter(st, "")
    } else if st.pins.problems_only {
        set_problems_only(st, false)
    } else if !st.pins.marked.is_empty() {
        st.pins.marked.clear();
        Vec::new()
    } else {
        // Nothing else to step back from: the message goes.
        st.flash = None;
        Vec::new()
    }
}

fn cycle_pane(st: &mut State, a: Action) -> Vec<Effect> {
    let i = Pane::ALL.iter().position(|p| *p == st.focus).unwrap_or(0);
    let n = Pane::ALL.len();
    let j = if a == Action::NextPane {
        (i + 1) % n
    } else {
        (i + n - 1) % n
    };
    st.focus = Pane::ALL[j];
    Vec::new()
}

fn open_replication(st: &mut State) -> Vec<Effect> {
    st.focus = Pane::Replication;
    index::inspect_selected(st);
    Vec::new()
}

fn refresh(st: &mut State) -> Vec<Effect> {
    flash(st, "refreshing…", Level::Info);
    vec![Effect::RefreshNow]
}

/// Stops or resumes the panes' updates (to read a list that moves).
fn freeze(st: &mut State) -> Vec<Effect> {
    st.frozen = !st.frozen;
    flash(
        st,
        if st.frozen {
            "updates frozen (f to resume)"
        } else {
            "updates resumed"
        },
        Level::Info,
    );
    vec![Effect::Freeze(st.frozen)]
}

fn toggle_problems(st: &mut State) -> Vec<Effect> {
    st.focus = Pane::Pins;
    let on = !st.pins.problems_only;
    set_problems_only(st, on)
}

fn toggle_tasks(st: &mut State) -> Vec<Effect> {
    st.show_tasks = !st.show_tasks;
    Vec::new()
}

/// Rows a page moves in the focused pane.
fn page(st: &State) -> usize {
    match st.focus {
        Pane::Replication => st.replication_height.max(1),
        _ => st.pins_height.max(1),
    }
}

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
