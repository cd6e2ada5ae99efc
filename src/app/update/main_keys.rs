//! The main screen's keys (peers, pins and replication panes): what each
//! action of its keymap does.

use super::item_actions::{
    confirm_recover_all, confirm_unpin, copy_selected, mark, open_fetch, open_upload,
    recover_selected,
};
use super::view::{move_by, open_peer, set_filter, set_problems_only, sort_by};

use super::{
    browse, flash, index, Action, Effect, HelpView, Level, Mode, Pane, Screen, SortKey, State,
};

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
        // Other screens' actions: listed, so that a new action is a compile
        // error here until it is given its place (done, or another screen's).
        Action::Units
        | Action::Close
        | Action::Submit
        | Action::Complete
        | Action::NextField
        | Action::PrevField
        | Action::Confirm
        | Action::Cancel
        | Action::Toggle
        | Action::Choose
        | Action::Second
        | Action::CancelTask
        | Action::Dismiss
        | Action::PeerItems
        | Action::Open
        | Action::Parent
        | Action::Wrap
        | Action::Left
        | Action::Right => Vec::new(),
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
