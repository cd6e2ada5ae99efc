//! A key, to the screen in front: its keymap names the action, and that
//! screen's handler carries it out (the main screen in `main_keys`, items in
//! `item_actions`, the prompt in `prompt`, a peer's detail in `peer_detail`,
//! dialogs in `dialogs`, browsing in `browse`, capacity in `capacity`). The
//! help overlay's and the transfers view's few keys live here.

use super::dialogs::dialog_key;
use super::main_keys::action;
use super::peer_detail::peer_key;
use super::prompt::prompt_key;
use crossterm::event::KeyEvent;

use super::{browse, Action, Effect, HelpView, Screen, State, Task};

pub(super) fn on_key(st: &mut State, k: KeyEvent) -> Vec<Effect> {
    let screen = st.screen();
    let act = st.keymap.action(screen, &k);
    if act == Some(Action::Help) && screen != Screen::Help {
        st.help = Some(HelpView {
            of: screen,
            offset: 0,
        });
        return Vec::new();
    }
    match screen {
        Screen::Help => {
            help_key(st, act);
            Vec::new()
        }
        Screen::Form | Screen::Confirm => dialog_key(st, k, act),
        Screen::Prompt => prompt_key(st, k, act),
        Screen::Peer => peer_key(st, act),
        Screen::Browse => browse::browse_key(st, act),
        Screen::Reader => browse::reader_key(st, act),
        Screen::Risk => {
            if act == Some(Action::Close) {
                st.risk = None;
            }
            Vec::new()
        }
        Screen::Capacity => super::capacity::capacity_key(st, act),
        Screen::Tasks => tasks_key(st, act),
        Screen::Main => act.map(|a| action(st, a)).unwrap_or_default(),
    }
}

/// The help overlay scrolls over the rows of the screen it was opened on.
fn help_key(st: &mut State, act: Option<Action>) {
    let Some(h) = st.help.as_ref() else { return };
    let rows = st.keymap.help_rows(h.of).len();
    let visible = st
        .screen
        .map_or(rows, |a| super::super::layout::help_visible(a, rows));
    let last = rows.saturating_sub(visible);
    let Some(h) = st.help.as_mut() else { return };
    let page = visible.max(1);
    h.offset = match act {
        Some(Action::Close) => {
            st.help = None;
            return;
        }
        Some(Action::Down) => h.offset + 1,
        Some(Action::Up) => h.offset.saturating_sub(1),
        Some(Action::PageDown) => h.offset + page,
        Some(Action::PageUp) => h.offset.saturating_sub(page),
        Some(Action::Top) => 0,
        Some(Action::Bottom) => last,
        _ => h.offset,
    }
    .min(last);
}

pub(super) fn tasks_key(st: &mut State, act: Option<Action>) -> Vec<Effect> {
    let n = st.tasks.len();
    match act {
        Some(Action::Close) => st.show_tasks = false,
        Some(Action::Down) => st.tasks_selected = (st.tasks_selected + 1).min(n.saturating_sub(1)),
        Some(Action::Up) => st.tasks_selected = st.tasks_selected.saturating_sub(1),
        Some(Action::CancelTask) => {
            if let Some(t) = st.tasks.get(st.tasks_selected).filter(|t| !t.finished()) {
                return vec![Effect::CancelTask(t.id)];
            }
        }
        Some(Action::Dismiss) if st.tasks.get(st.tasks_selected).is_some_and(Task::finished) => {
            st.tasks.remove(st.tasks_selected);
            st.tasks_selected = st.tasks_selected.min(st.tasks.len().saturating_sub(1));
        }
        _ => {}
    }
    Vec::new()
}
