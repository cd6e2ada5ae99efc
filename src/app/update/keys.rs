//! Keys on every screen and `:` commands: what each does to the state. The
//! keymap of the screen in front decides the action; this carries it out.

use super::dialogs::{dialog_key, open_fetch_form};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::{
    browse, flash, index, peer_stats, refuse_read_only, reindex, scroll_into_view, Action, Button,
    Confirm, ConfirmAction, Dialog, Effect, Filter, Form, HelpView, Level, Mode, Pane, PeerDetail,
    Screen, Sort, SortKey, State, Task,
};
use crate::app::command_line::{self, Cmd, Completion};
use crate::app::state::Edge;

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

fn prompt_key(st: &mut State, k: KeyEvent, act: Option<Action>) -> Vec<Effect> {
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
        Cmd::Help => {
            st.help = Some(HelpView {
                of: Screen::Main,
                offset: 0,
            });
            Vec::new()
        }
        Cmd::Tasks => {
            st.show_tasks = true;
            Vec::new()
        }
        Cmd::Capacity => super::capacity::open_capacity(st),
        Cmd::Browse => browse::open_item(st),
        Cmd::Risk => {
            let fail = if arg.is_empty() {
                None
            } else {
                match st.peers.rows.iter().find(|p| p.answers_to(arg)) {
                    Some(p) => Some(p.id.clone()),
                    None => {
                        flash(
                            st,
                            format!("no peer named {arg:?} (Tab completes)"),
                            Level::Error,
                        );
                        return Vec::new();
                    }
                }
            };
            let risk = index::risk_of(st, fail.as_deref());
            st.risk = Some(risk);
            Vec::new()
        }
        Cmd::Audit => {
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
        Cmd::Sort => match arg {
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
        },
        Cmd::Peer => {
            if arg.is_empty() {
                st.focus = Pane::Peers;
                return open_peer(st);
            }
            let found = st.peers.rows.iter().position(|p| p.answers_to(arg));
            match found {
                Some(i) => {
                    st.focus = Pane::Peers;
                    st.peers.selected = i;
                    open_peer(st)
                }
                None => {
                    flash(
                        st,
                        format!("no peer named {arg:?} (Tab completes)"),
                        Level::Error,
                    );
                    Vec::new()
                }
            }
        }
        Cmd::Upload => {
            let fx = action(st, Action::Upload);
            if let Some(Dialog::Form(f)) = st.dialog.as_mut() {
                if !arg.is_empty() {
                    f.fields[0].set(arg);
                }
            }
            fx
        }
        Cmd::Fetch => {
            if arg.is_empty() {
                return action(st, Action::Fetch);
            }
            open_fetch_form(st, arg, arg)
        }
        Cmd::Recover => match arg {
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
        },
    }
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
fn set_filter_strict(st: &mut State, text: &str) -> Vec<Effect> {
    let fx = set_filter(st, text);
    let mut f = st.pins.filter.clone();
    if let Err(e) = f.resolve_peers(&st.peers.rows) {
        flash(st, e, Level::Error);
    }
    fx
}

/// Opens the detail of the selected peer.
fn open_peer(st: &mut State) -> Vec<Effect> {
    let Some(id) = st.peers.rows.get(st.peers.selected).map(|p| p.id.clone()) else {
        return Vec::new();
    };
    let stats = peer_stats(st, &id);
    st.peer_detail = Some(PeerDetail { id, stats });
    Vec::new()
}

fn peer_key(st: &mut State, act: Option<Action>) -> Vec<Effect> {
    let Some(id) = st.peer_detail.as_ref().map(|d| d.id.clone()) else {
        return Vec::new();
    };
    match act {
        Some(Action::Close) => st.peer_detail = None,
        Some(Action::PeerItems) => {
            let Some(p) = st.peers.rows.iter().find(|p| p.id == id) else {
                return Vec::new();
            };
            let term = if p.name.is_empty() || p.name.contains(' ') {
                format!("peer:{}", p.id)
            } else {
                format!("peer:{}", p.name)
            };
            st.peer_detail = None;
            st.focus = Pane::Pins;
            return set_filter_strict(st, &term);
        }
        Some(Action::Copy) => return super::copy(st, id),
        Some(a @ (Action::Down | Action::Up)) => {
            let n = st.peers.rows.len();
            if n > 0 {
                st.peers.selected = if a == Action::Down {
                    (st.peers.selected + 1).min(n - 1)
                } else {
                    st.peers.selected.saturating_sub(1)
                };
                return open_peer(st);
            }
        }
        _ => {}
    }
    Vec::new()
}

pub(super) fn action(st: &mut State, a: Action) -> Vec<Effect> {
    match a {
        Action::Quit => vec![Effect::Quit],
        Action::Suspend if !st.job_control => {
            flash(
                st,
                "no shell to return to (started without job control): q quits",
                Level::Error,
            );
            Vec::new()
        }
        Action::Suspend => vec![Effect::Suspend],
        Action::Help => {
            st.help = Some(HelpView {
                of: Screen::Main,
                offset: 0,
            });
            Vec::new()
        }
        Action::Command => {
            st.mode = Mode::Command(String::new());
            st.history_pos = None;
            Vec::new()
        }
        Action::Filter => {
            st.focus = Pane::Pins;
            st.mode = Mode::Filter(st.pins.filter.raw.clone());
            Vec::new()
        }
        Action::Back => {
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
        Action::NextPane | Action::PrevPane => {
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
        Action::PeersPane => {
            st.focus = Pane::Peers;
            Vec::new()
        }
        Action::PinsPane => {
            st.focus = Pane::Pins;
            Vec::new()
        }
        Action::ReplicationPane => {
            st.focus = Pane::Replication;
            index::inspect_selected(st);
            Vec::new()
        }
        Action::Down => move_by(st, 1),
        Action::Up => move_by(st, -1),
        Action::PageDown => move_by(st, page(st) as i64),
        Action::PageUp => move_by(st, -(page(st) as i64)),
        Action::Top => move_by(st, i64::MIN / 2),
        Action::Bottom => move_by(st, i64::MAX / 2),
        Action::Inspect => match st.focus {
            Pane::Pins => {
                index::inspect_selected(st);
                st.focus = Pane::Replication;
                Vec::new()
            }
            Pane::Peers => open_peer(st),
            // Enter again: inside the item.
            Pane::Replication => browse::open_item(st),
        },
        Action::Browse => match st.focus {
            Pane::Peers => open_peer(st),
            _ => browse::open_item(st),
        },
        Action::Mark => {
            if st.focus == Pane::Pins {
                if let Some(cid) = st.pins.selected_row().map(|r| Box::<str>::from(r.cid())) {
                    if !st.pins.marked.remove(&cid) {
                        st.pins.marked.insert(cid);
                    }
                    return move_by(st, 1);
                }
            }
            Vec::new()
        }
        Action::Refresh => {
            flash(st, "refreshing…", Level::Info);
            vec![Effect::RefreshNow]
        }
        Action::Freeze => {
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
        Action::Copy => {
            let text = match st.focus {
                Pane::Peers => st.peers.rows.get(st.peers.selected).map(|p| p.id.clone()),
                Pane::Pins => st.pins.selected_row().map(|r| r.cid().to_string()),
                Pane::Replication => st.replication.cid.as_ref().map(|c| c.to_string()),
            };
            match text {
                Some(t) => super::copy(st, t),
                None => Vec::new(),
            }
        }
        Action::Problems => {
            st.focus = Pane::Pins;
            let on = !st.pins.problems_only;
            set_problems_only(st, on)
        }
        Action::Upload => {
            if !refuse_read_only(st, "an upload") {
                st.flash = None;
                st.dialog = Some(Dialog::Form(Form::upload(
                    st.default_org.as_deref(),
                    st.online_peers(),
                )));
            }
            Vec::new()
        }
        Action::Fetch => {
            let (cid, name) = match st.focus {
                Pane::Replication => (
                    st.replication
                        .cid
                        .as_ref()
                        .map(|c| c.to_string())
                        .unwrap_or_default(),
                    st.replication
                        .info
                        .as_ref()
                        .map(|g| g.name.clone())
                        .unwrap_or_default(),
                ),
                _ => st
                    .pins
                    .selected_row()
                    .map(|r| (r.cid().to_string(), r.name().to_string()))
                    .unwrap_or_default(),
            };
            open_fetch_form(st, &cid, &name)
        }
        Action::Unpin => {
            let cids: Vec<Box<str>> = if st.pins.marked.is_empty() {
                st.pins
                    .selected_row()
                    .map(|r| Box::<str>::from(r.cid()))
                    .into_iter()
                    .collect()
            } else {
                st.pins.marked.iter().cloned().collect()
            };
            if cids.is_empty() {
                return Vec::new();
            }
            if refuse_read_only(st, "unpinning") {
                return Vec::new();
            }
            let items = cids
                .iter()
                .map(|c| {
                    let row = st.pins.row_of(c);
                    let holders = row
                        .and_then(|r| st.pins.repl.of(r))
                        .or_else(|| st.pins.repl.observed.get(c).copied())
                        .map_or(0, |r| usize::from(r.pinned));
                    (
                        c.to_string(),
                        row.map(|r| r.name().to_string()).unwrap_or_default(),
                        holders,
                    )
                })
                .collect();
            st.dialog = Some(Dialog::Confirm(Confirm {
                action: ConfirmAction::Unpin(items),
                focus: Button::Cancel,
                back: None,
            }));
            Vec::new()
        }
        Action::Recover => {
            if refuse_read_only(st, "recover") {
                return Vec::new();
            }
            let cid = match st.focus {
                Pane::Replication => st.replication.cid.clone(),
                _ => st.pins.selected_row().map(|r| Box::<str>::from(r.cid())),
            };
            let Some(cid) = cid else { return Vec::new() };
            if st
                .pins
                .repl
                .observed
                .get(&cid)
                .is_some_and(|r| r.errors > 0)
            {
                flash(st, format!("recovering {cid}…"), Level::Info);
                vec![Effect::Recover(cid.to_string())]
            } else {
                flash(
                    st,
                    "nothing to recover: no peer reports an error for it",
                    Level::Info,
                );
                Vec::new()
            }
        }
        Action::RecoverAll => {
            if refuse_read_only(st, "recover") {
                return Vec::new();
            }
            let n = st.pins.repl.in_error();
            if n == 0 {
                flash(st, "nothing to recover", Level::Info);
            } else {
                st.dialog = Some(Dialog::Confirm(Confirm {
                    action: ConfirmAction::RecoverAll(n),
                    focus: Button::Cancel,
                    back: None,
                }));
            }
            Vec::new()
        }
        Action::Tasks => {
            st.show_tasks = !st.show_tasks;
            Vec::new()
        }
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
fn set_problems_only(st: &mut State, on: bool) -> Vec<Effect> {
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
