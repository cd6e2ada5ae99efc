//! The prompt at the bottom: typing a `:` command or a filter, its
//! history, Tab completion, and the filter applied as it is typed.

use super::command::command;
use super::view::{set_filter, set_filter_strict};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::{browse, Action, Effect, Level, Mode, State};
use crate::app::command_line::{self, Completion};

pub(super) fn prompt_key(st: &mut State, k: KeyEvent, act: Option<Action>) -> Vec<Effect> {
    if let Mode::BrowseFilter(text) = &st.mode {
        return browse_filter_key(st, k, act, text.clone());
    }
    let is_command = matches!(st.mode, Mode::Command(_));
    let mut text = match &st.mode {
        Mode::Filter(t) | Mode::Command(t) => t.clone(),
        Mode::Normal | Mode::BrowseFilter(_) => return Vec::new(),
    };
    match act {
        Some(Action::Submit) => {
            st.mode = Mode::Normal;
            st.prompt_hint = None;
            if is_command {
                let cmd = text.trim().to_string();
                if !cmd.is_empty() && st.history.last() != Some(&cmd) {
                    st.history.push(cmd.clone());
                }
                st.history_pos = None;
                return command(st, &cmd);
            }
            // Applied as typed; Enter checks `peer:` names strictly.
            return set_filter_strict(st, &text);
        }
        Some(Action::Close) => {
            st.mode = Mode::Normal;
            st.prompt_hint = None;
            st.history_pos = None;
            return if is_command {
                Vec::new()
            } else {
                set_filter(st, "")
            };
        }
        Some(Action::Complete) => {
            let names = peer_names(st);
            let known = command_line::Known {
                peers: &names,
                orgs: &st.pins.orgs,
            };
            let c = if is_command {
                command_line::complete_command(&text, &known)
            } else {
                command_line::complete_filter(&text, &known)
            };
            return apply_completion(st, is_command, c);
        }
        _ => {}
    }
    match k.code {
        KeyCode::Backspace => {
            text.pop();
        }
        // As a shell's line: Ctrl-U clears it, Ctrl-W takes the last word.
        KeyCode::Char('u') if k.modifiers.contains(KeyModifiers::CONTROL) => text.clear(),
        KeyCode::Char('w') if k.modifiers.contains(KeyModifiers::CONTROL) => {
            let keep = text.trim_end().rfind(' ').map_or(0, |i| i + 1);
            text.truncate(keep);
        }
        KeyCode::Up | KeyCode::Down if is_command => {
            let n = st.history.len();
            if n == 0 {
                return Vec::new();
            }
            let pos = match (st.history_pos, k.code) {
                (None, KeyCode::Up) => Some(n - 1),
                (Some(p), KeyCode::Up) => Some(p.saturating_sub(1)),
                (Some(p), _) if p + 1 < n => Some(p + 1),
                _ => None,
            };
            st.history_pos = pos;
            text = pos.map(|p| st.history[p].clone()).unwrap_or_default();
        }
        KeyCode::Char(c) if !k.modifiers.contains(KeyModifiers::CONTROL) => text.push(c),
        _ => return Vec::new(),
    }
    st.prompt_hint = None;
    // An error about what was typed before is stale now.
    if st
        .flash
        .as_ref()
        .is_some_and(|f| matches!(f.level, Level::Error))
    {
        st.flash = None;
    }
    if is_command {
        st.mode = Mode::Command(text);
        Vec::new()
    } else {
        st.mode = Mode::Filter(text.clone());
        set_filter(st, &text)
    }
}

/// Typing the filter of the folder being browsed: applied as typed.
fn browse_filter_key(
    st: &mut State,
    k: KeyEvent,
    act: Option<Action>,
    mut text: String,
) -> Vec<Effect> {
    match act {
        Some(Action::Submit) => {
            st.mode = Mode::Normal;
            return Vec::new();
        }
        Some(Action::Close) => {
            st.mode = Mode::Normal;
            return browse::set_browse_filter(st, "");
        }
        _ => {}
    }
    match k.code {
        KeyCode::Backspace => {
            text.pop();
        }
        KeyCode::Char('u') if k.modifiers.contains(KeyModifiers::CONTROL) => text.clear(),
        KeyCode::Char(c) if !k.modifiers.contains(KeyModifiers::CONTROL) => text.push(c),
        _ => return Vec::new(),
    }
    st.mode = Mode::BrowseFilter(text.clone());
    browse::set_browse_filter(st, &text)
}

fn apply_completion(st: &mut State, is_command: bool, c: Completion) -> Vec<Effect> {
    st.prompt_hint = (!c.candidates.is_empty()).then(|| c.candidates.join("  "));
    if is_command {
        st.mode = Mode::Command(c.text);
        Vec::new()
    } else {
        st.mode = Mode::Filter(c.text.clone());
        set_filter(st, &c.text)
    }
}

fn peer_names(st: &State) -> Vec<String> {
    st.peers
        .rows
        .iter()
        .filter(|p| !p.name.is_empty())
        .map(|p| p.name.clone())
        .collect()
}
