//! A `:` command, carried out: each verb of `command_line::VERBS`, matched
//! exhaustively, with its argument checked.

use super::dialogs::open_fetch_form;
use super::main_keys::action;
use super::view::{open_peer, set_filter_strict, set_problems_only, sort_by};

use super::{browse, flash, Action, Dialog, Effect, Level, Pane, SortKey, State, Task};
use crate::app::command_line::{self, Cmd};

pub(super) fn command(st: &mut State, cmd: &str) -> Vec<Effect> {
    let cmd = cmd.trim().trim_start_matches(':');
    if cmd.is_empty() {
        return Vec::new();
    }
    let (word, arg) = match cmd.split_once(char::is_whitespace) {
        Some((w, a)) => (w, a.trim()),
        None => (cmd, ""),
    };
    let verb = match command_line::resolve(word) {
        Ok(v) => v.cmd,
        Err(e) => {
            flash(st, e, Level::Error);
            return Vec::new();
        }
    };
    match verb {
        Cmd::Quit => vec![Effect::Quit],
        Cmd::Peers => action(st, Action::PeersPane),
        Cmd::Pins => {
            st.focus = Pane::Pins;
            set_problems_only(st, false)
        }
        Cmd::Problems => {
            st.focus = Pane::Pins;
            set_problems_only(st, true)
        }
        Cmd::Replication => action(st, Action::ReplicationPane),
        Cmd::Help => action(st, Action::Help),
        Cmd::Tasks => {
            st.show_tasks = true;
            Vec::new()
        }
        Cmd::Capacity => super::capacity::open_capacity(st),
        Cmd::Browse => browse::open_item(st),
        Cmd::Risk => risk(st, arg),
        Cmd::Audit => audit(st, arg),
        Cmd::Rebalance => super::steward::rebalance(st),
        Cmd::Drain => super::steward::drain(st, arg),
        Cmd::EnsurePins => super::steward::ensure(st, arg),
        Cmd::Edit => super::steward::edit(st),
        Cmd::Refresh => action(st, Action::Refresh),
        Cmd::Freeze => action(st, Action::Freeze),
        Cmd::Filter => {
            st.focus = Pane::Pins;
            set_filter_strict(st, arg)
        }
        Cmd::Sort => sort(st, arg),
        Cmd::Peer => peer(st, arg),
        Cmd::Upload => upload(st, arg),
        Cmd::Fetch => fetch(st, arg),
        Cmd::Recover => recover(st, arg),
    }
}

/// `:risk [PEER]`: what is at risk now, or were PEER to fail.
fn risk(st: &mut State, arg: &str) -> Vec<Effect> {
    let fail = if arg.is_empty() {
        None
    } else {
        let Some(i) = named_peer(st, arg) else {
            return Vec::new();
        };
        Some(st.peers.rows[i].id.clone())
    };
    let risk = super::risk_of(st, fail.as_deref());
    st.risk = Some(risk);
    Vec::new()
}

/// `:audit [N]`: the whole archive, or N items sampled, as a task.
fn audit(st: &mut State, arg: &str) -> Vec<Effect> {
    let sample = if arg.is_empty() {
        None
    } else {
        match arg.parse::<usize>() {
            Ok(n) if n > 0 => Some(n),
            _ => {
                flash(
                    st,
                    format!(":audit takes a number of items to sample, not {arg:?}"),
                    Level::Error,
                );
                return Vec::new();
            }
        }
    };
    let id = st.next_task;
    st.next_task += 1;
    let what = match sample {
        Some(n) => format!("audit of {n} items, sampled"),
        None => "audit of the archive".into(),
    };
    st.tasks.push(Task::running(
        id,
        crate::app::transfers::TaskKind::Audit,
        what,
        None,
        st.now,
    ));
    st.show_tasks = true;
    vec![Effect::Audit { id, sample }]
}

/// `:peer [NAME]`: the detail of the selected peer, or of NAME.
fn peer(st: &mut State, arg: &str) -> Vec<Effect> {
    if arg.is_empty() {
        st.focus = Pane::Peers;
        return open_peer(st);
    }
    let Some(i) = named_peer(st, arg) else {
        return Vec::new();
    };
    st.focus = Pane::Peers;
    st.peers.selected = i;
    open_peer(st)
}

/// The peer a command names (by name or ID), or the message that there is
/// none.
fn named_peer(st: &mut State, arg: &str) -> Option<usize> {
    let found = st.peers.rows.iter().position(|p| p.answers_to(arg));
    if found.is_none() {
        flash(
            st,
            format!("no peer named {arg:?} (Tab completes)"),
            Level::Error,
        );
    }
    found
}

/// `:upload [PATH]`: the upload form, with PATH filled in.
fn upload(st: &mut State, arg: &str) -> Vec<Effect> {
    let fx = action(st, Action::Upload);
    if let Some(Dialog::Form(f)) = st.dialog.as_mut() {
        if !arg.is_empty() {
            f.fields[0].set(arg);
        }
    }
    fx
}

/// `:fetch [CID]`: the fetch form for the selected item, or for CID.
fn fetch(st: &mut State, arg: &str) -> Vec<Effect> {
    if arg.is_empty() {
        return action(st, Action::Fetch);
    }
    open_fetch_form(st, arg, arg)
}

/// `:sort KEY`: as the sort keys do (again: the other way).
fn sort(st: &mut State, arg: &str) -> Vec<Effect> {
    match arg {
        "name" => sort_by(st, SortKey::Name),
        "created" | "date" | "time" => sort_by(st, SortKey::Created),
        "size" => sort_by(st, SortKey::Size),
        "status" => sort_by(st, SortKey::Status),
        other => {
            flash(
                st,
                format!("sort by what? {other:?} (name, created, size, status)"),
                Level::Error,
            );
            Vec::new()
        }
    }
}

/// `:recover [all]`: the item in front, or every item in error.
fn recover(st: &mut State, arg: &str) -> Vec<Effect> {
    match arg {
        "" => action(st, Action::Recover),
        "all" => action(st, Action::RecoverAll),
        other => {
            flash(
                st,
                format!(":recover takes nothing or \"all\", not {other:?}"),
                Level::Error,
            );
            Vec::new()
        }
    }
}
