//! The one place state changes: `update(state, msg) -> effects`. Pure: no I/O,
//! no clock (time comes in `Msg::Tick`), so every key path is unit-testable.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::dialog::{Confirm, ConfirmAction, Dialog, Form, FormKind};
use super::filter::{compute_index, row_visible, Filter, Sort, SortKey};
use super::keymap::Action;
use super::msg::{Effect, Msg, TaskOutcome, UploadRequest};
use super::rows::Repl;
use super::state::{Flash, Level, Mode, Pane, State};
use super::tasks::{Task, TaskState};

/// Above this many rows, sorting and filtering run off the UI task.
pub const SYNC_INDEX_LIMIT: usize = 50_000;

pub fn update(st: &mut State, msg: Msg) -> Vec<Effect> {
    fit_pins(st);
    let fx = update_inner(st, msg);
    // A message may move panes (focus, a peer more): page with the new height.
    fit_pins(st);
    fx
}

/// The pins pane's height, from the terminal's size once it is known.
fn fit_pins(st: &mut State) {
    if let Some(area) = st.screen {
        st.pins_height = super::layout::pins_rows(area, st);
    }
}

fn update_inner(st: &mut State, msg: Msg) -> Vec<Effect> {
    let before = watch_key(st);
    let fx = match msg {
        Msg::Key(k) => on_key(st, k),
        Msg::Tick(now) => {
            st.now = now;
            if st.flash.as_ref().is_some_and(|f| f.until <= now) {
                st.flash = None;
            }
            Vec::new()
        }
        Msg::Resize { width, height } => {
            st.screen = Some(ratatui::layout::Rect::new(0, 0, width, height));
            Vec::new()
        }
        Msg::Peers(Ok(rows), every) => {
            st.peers.fresh.interval = every;
            let old: BTreeMap<String, (Option<u64>, usize)> = st
                .peers
                .rows
                .iter()
                .map(|p| (p.id.clone(), (p.free_space, p.pinned)))
                .collect();
            let names: BTreeMap<String, String> = st
                .peers
                .rows
                .iter()
                .map(|p| (p.id.clone(), p.name.clone()))
                .collect();
            st.peers.rows = rows;
            for p in &mut st.peers.rows {
                if p.name.is_empty() {
                    p.name = names.get(&p.id).cloned().unwrap_or_default();
                }
                if let Some((fs, pinned)) = old.get(&p.id) {
                    p.free_space = *fs;
                    p.pinned = *pinned;
                }
                p.errors = st.pins.peer_errors.get(&p.id).copied().unwrap_or(0);
            }
            st.peers.selected = st.peers.selected.min(st.peers.rows.len().saturating_sub(1));
            st.peers.fresh.ok(st.now);
            recount_peers(st);
            Vec::new()
        }
        Msg::Peers(Err(e), retry) => {
            st.peers.fresh.failed(e, retry, st.now);
            Vec::new()
        }
        Msg::Freespace(metrics) => {
            for m in metrics {
                if let Some(p) = st.peers.rows.iter_mut().find(|p| p.id == m.peer) {
                    p.free_space = m.value.parse().ok();
                }
            }
            Vec::new()
        }
        Msg::PinsetChunk {
            generation,
            rows,
            done,
            every,
        } => {
            st.pins.fresh.interval = every;
            on_chunk(st, generation, rows, done)
        }
        Msg::PinsetFailed {
            generation,
            error,
            retry_in,
        } => {
            if generation >= st.pins.generation {
                st.pins.incoming.clear();
                st.pins.fresh.failed(error, retry_in, st.now);
            }
            Vec::new()
        }
        Msg::Statuses(infos) => {
            learn_peer_names(st, &infos);
            for g in &infos {
                st.pins
                    .repl
                    .insert(g.cid.clone().into_boxed_str(), Repl::from_info(g));
            }
            Vec::new()
        }
        Msg::Selected(Ok(info), every) => {
            learn_peer_names(st, std::slice::from_ref(&info));
            if st.replication.cid.as_deref() == Some(info.cid.as_str()) {
                st.replication.fresh.interval = every;
                st.pins
                    .repl
                    .insert(info.cid.clone().into_boxed_str(), Repl::from_info(&info));
                st.replication.info = Some(sanitize_info(info));
                st.replication.fresh.ok(st.now);
            }
            Vec::new()
        }
        Msg::Selected(Err(e), retry) => {
            st.replication.fresh.failed(e, retry, st.now);
            Vec::new()
        }
        Msg::Problems(Ok(list), every) => {
            st.pins.problems_fresh.interval = every;
            on_problems(st, list)
        }
        Msg::Problems(Err(e), retry) => {
            st.pins.problems_fresh.failed(e, retry, st.now);
            Vec::new()
        }
        Msg::FormRefused(e) => {
            if let Some(Dialog::Form(f)) = st.dialog.as_mut() {
                f.error = Some(e);
                f.pending = false;
                f.force = false;
            } else {
                flash(st, e, Level::Error);
            }
            Vec::new()
        }
        Msg::UploadExists { name, summary } => {
            if let Some(Dialog::Form(f)) = st.dialog.as_mut() {
                f.note = Some(format!(
                    "already in the archive as '{name}', {summary}. Enter uploads anyway, Esc stops."
                ));
                f.force = true;
                f.pending = false;
            }
            Vec::new()
        }
        Msg::TaskStarted {
            id,
            kind,
            what,
            total,
        } => {
            if matches!(&st.dialog, Some(Dialog::Form(f)) if f.pending) {
                st.dialog = None;
            }
            st.tasks.push(Task {
                id,
                kind,
                what,
                bytes: 0,
                total,
                started: st.now,
                state: TaskState::Running,
            });
            flash(st, "started (w shows transfers, c cancels)", Level::Info);
            Vec::new()
        }
        Msg::TaskProgress { id, bytes, total } => {
            if let Some(t) = st.tasks.iter_mut().find(|t| t.id == id) {
                t.bytes = bytes;
                if total.is_some() {
                    t.total = total;
                }
            }
            Vec::new()
        }
        Msg::TaskDone { id, outcome } => {
            let mut fx = Vec::new();
            let Some(t) = st.tasks.iter_mut().find(|t| t.id == id) else {
                return fx;
            };
            match outcome {
                TaskOutcome::Done { message, select } => {
                    t.state = TaskState::Done(message.clone());
                    flash(st, message, Level::Info);
                    if let Some(cid) = select {
                        st.select_when_loaded = Some(cid.into_boxed_str());
                        fx.push(Effect::RefreshNow);
                    }
                }
                TaskOutcome::Cancelled => t.state = TaskState::Cancelled,
                TaskOutcome::Failed(e) => {
                    t.state = TaskState::Failed(e.clone());
                    flash(st, e, Level::Error);
                }
            }
            fx
        }
        Msg::Completion {
            typed,
            completed,
            candidates,
        } => {
            if let Some(Dialog::Form(f)) = st.dialog.as_mut() {
                if f.kind == FormKind::Upload && f.value(0) == typed {
                    f.fields[0].set(&completed);
                    f.error = (candidates == 0).then(|| "no such file or folder".to_string());
                }
            }
            Vec::new()
        }
        Msg::ActionDone(r) => {
            match r {
                Ok(t) => flash(st, t, Level::Info),
                Err(e) => flash(st, e, Level::Error),
            }
            vec![Effect::RefreshNow]
        }
        Msg::Index { generation, index } => {
            if st.pins.index_pending == Some(generation) {
                st.pins.index_pending = None;
                set_index(st, index);
            }
            Vec::new()
        }
    };
    let mut fx = gate(st, fx);
    let after = watch_key(st);
    if before != after {
        fx.push(Effect::Watch {
            visible: st.visible_cids(),
            selected: st.replication.cid.as_ref().map(|c| c.to_string()),
        });
    }
    fx
}

/// The one gate for changes to the cluster: in read-only mode no effect that
/// mutates it leaves `update`.
fn gate(st: &mut State, fx: Vec<Effect>) -> Vec<Effect> {
    if !st.read_only || !fx.iter().any(Effect::mutates) {
        return fx;
    }
    flash(st, "read-only: this would change the cluster", Level::Error);
    fx.into_iter().filter(|e| !e.mutates()).collect()
}

/// What the status poller must know; a change emits `Effect::Watch`.
fn watch_key(st: &State) -> (usize, usize, usize, u64, Option<Box<str>>, usize) {
    (
        st.pins.offset,
        st.pins.index.len(),
        st.pins_height,
        st.pins.index_gen,
        st.replication.cid.clone(),
        st.pins.rows.len(),
    )
}

fn sanitize_info(
    mut g: crate::cluster::types::GlobalPinInfo,
) -> crate::cluster::types::GlobalPinInfo {
    use super::sanitize::clean;
    g.name = clean(&g.name).into_owned();
    for p in g.peer_map.values_mut() {
        p.peername = clean(&p.peername).into_owned();
        p.error = clean(&p.error).into_owned();
    }
    let meta: Vec<(String, String)> = g
        .metadata
        .iter()
        .map(|(k, v)| (clean(k).into_owned(), clean(v).into_owned()))
        .collect();
    g.metadata = meta.into();
    g
}

fn flash(st: &mut State, text: impl Into<String>, level: Level) {
    st.flash = Some(Flash {
        text: text.into(),
        level,
        until: st.now + Duration::from_secs(4),
    });
}

fn on_key(st: &mut State, k: KeyEvent) -> Vec<Effect> {
    if st.dialog.is_some() {
        return dialog_key(st, k);
    }
    if st.show_tasks && st.mode == Mode::Normal {
        return tasks_key(st, k);
    }
    match st.mode.clone() {
        Mode::Help => {
            if matches!(
                k.code,
                KeyCode::Esc | KeyCode::Char('q') | KeyCode::Char('?') | KeyCode::Enter
            ) {
                st.mode = Mode::Normal;
            }
            Vec::new()
        }
        Mode::Filter(mut text) => match k.code {
            KeyCode::Esc => {
                st.mode = Mode::Normal;
                set_filter(st, "")
            }
            KeyCode::Enter => {
                st.mode = Mode::Normal;
                Vec::new()
            }
            KeyCode::Backspace => {
                text.pop();
                st.mode = Mode::Filter(text.clone());
                set_filter(st, &text)
            }
            KeyCode::Char(c) if !k.modifiers.contains(KeyModifiers::CONTROL) => {
                text.push(c);
                st.mode = Mode::Filter(text.clone());
                set_filter(st, &text)
            }
            _ => Vec::new(),
        },
        Mode::Command(mut text) => match k.code {
            KeyCode::Esc => {
                st.mode = Mode::Normal;
                Vec::new()
            }
            KeyCode::Enter => {
                st.mode = Mode::Normal;
                command(st, text.trim())
            }
            KeyCode::Backspace => {
                text.pop();
                st.mode = Mode::Command(text);
                Vec::new()
            }
            KeyCode::Char(c) if !k.modifiers.contains(KeyModifiers::CONTROL) => {
                text.push(c);
                st.mode = Mode::Command(text);
                Vec::new()
            }
            _ => Vec::new(),
        },
        Mode::Normal => match st.keymap.action(&k) {
            Some(a) => action(st, a),
            None => Vec::new(),
        },
    }
}

fn command(st: &mut State, cmd: &str) -> Vec<Effect> {
    let cmd = cmd.trim_start_matches(':');
    match cmd {
        "q" | "quit" | "q!" => vec![Effect::Quit],
        "peers" | "peer" | "pe" => {
            st.focus = Pane::Peers;
            Vec::new()
        }
        "pins" | "pin" | "pi" | "all" => {
            st.focus = Pane::Pins;
            if st.pins.problems_only {
                st.pins.problems_only = false;
                return reindex(st);
            }
            Vec::new()
        }
        "problems" | "problem" | "pr" => {
            st.focus = Pane::Pins;
            if !st.pins.problems_only {
                st.pins.problems_only = true;
                return reindex(st);
            }
            Vec::new()
        }
        "replication" | "repl" | "status" => {
            st.focus = Pane::Replication;
            Vec::new()
        }
        "help" | "h" => {
            st.mode = Mode::Help;
            Vec::new()
        }
        "" => Vec::new(),
        other => {
            flash(
                st,
                format!("unknown command :{other} (try :pins :peers :problems :q)"),
                Level::Error,
            );
            Vec::new()
        }
    }
}

fn set_filter(st: &mut State, text: &str) -> Vec<Effect> {
    match Filter::parse(text) {
        Ok(f) => {
            st.pins.filter = f;
            reindex(st)
        }
        Err(e) => {
            flash(st, e, Level::Error);
            Vec::new()
        }
    }
}

fn action(st: &mut State, a: Action) -> Vec<Effect> {
    match a {
        Action::Quit => vec![Effect::Quit],
        Action::Help => {
            st.mode = Mode::Help;
            Vec::new()
        }
        Action::Command => {
            st.mode = Mode::Command(String::new());
            Vec::new()
        }
        Action::Filter => {
            st.focus = Pane::Pins;
            st.mode = Mode::Filter(st.pins.filter.raw.clone());
            Vec::new()
        }
        Action::Back => {
            if !st.pins.filter.is_empty() {
                set_filter(st, "")
            } else if st.pins.problems_only {
                st.pins.problems_only = false;
                reindex(st)
            } else if st.focus == Pane::Replication {
                st.focus = Pane::Pins;
                Vec::new()
            } else if !st.pins.marked.is_empty() {
                st.pins.marked.clear();
                Vec::new()
            } else {
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
            inspect_selected(st);
            Vec::new()
        }
        Action::Down => move_by(st, 1),
        Action::Up => move_by(st, -1),
        Action::PageDown => move_by(st, st.pins_height.max(1) as i64),
        Action::PageUp => move_by(st, -(st.pins_height.max(1) as i64)),
        Action::Top => move_by(st, i64::MIN / 2),
        Action::Bottom => move_by(st, i64::MAX / 2),
        Action::Inspect => {
            if st.focus == Pane::Pins {
                inspect_selected(st);
                st.focus = Pane::Replication;
            }
            Vec::new()
        }
        Action::Mark => {
            if st.focus == Pane::Pins {
                if let Some(cid) = st.pins.selected_row().map(|r| r.cid.clone()) {
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
                Pane::Pins => st.pins.selected_row().map(|r| r.cid.to_string()),
                Pane::Replication => st.replication.cid.as_ref().map(|c| c.to_string()),
            };
            match text {
                Some(t) => {
                    flash(st, format!("copied {t}"), Level::Info);
                    vec![Effect::Copy(t)]
                }
                None => Vec::new(),
            }
        }
        Action::Problems => {
            st.focus = Pane::Pins;
            st.pins.problems_only = !st.pins.problems_only;
            reindex(st)
        }
        Action::Upload => {
            if st.read_only {
                flash(st, "read-only: uploads are disabled", Level::Error);
            } else {
                st.dialog = Some(Dialog::Form(Form::upload(st.default_org.as_deref())));
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
                    .map(|r| (r.cid.to_string(), r.name.to_string()))
                    .unwrap_or_default(),
            };
            let dest = safe_basename(&name).unwrap_or_else(|| cid.clone());
            st.dialog = Some(Dialog::Form(Form::fetch(&cid, &dest)));
            Vec::new()
        }
        Action::Unpin => {
            let cids: Vec<Box<str>> = if st.pins.marked.is_empty() {
                st.pins
                    .selected_row()
                    .map(|r| r.cid.clone())
                    .into_iter()
                    .collect()
            } else {
                st.pins.marked.iter().cloned().collect()
            };
            if cids.is_empty() {
                return Vec::new();
            }
            if st.read_only {
                flash(st, "read-only: unpinning is disabled", Level::Error);
                return Vec::new();
            }
            let items = cids
                .iter()
                .map(|c| {
                    let row = st.pins.rows.iter().find(|r| &r.cid == c);
                    let holders = st.pins.repl.get(c).map(|r| usize::from(r.pinned));
                    (
                        c.to_string(),
                        row.map(|r| r.name.to_string()).unwrap_or_default(),
                        holders.unwrap_or_else(|| row.map_or(0, |r| r.wanted(st.online_peers()))),
                    )
                })
                .collect();
            st.dialog = Some(Dialog::Confirm(Confirm {
                action: ConfirmAction::Unpin(items),
                on_action: false,
            }));
            Vec::new()
        }
        Action::Recover => {
            let cid = match st.focus {
                Pane::Replication => st.replication.cid.clone(),
                _ => st.pins.selected_row().map(|r| r.cid.clone()),
            };
            let Some(cid) = cid else { return Vec::new() };
            if st.pins.repl.get(&cid).is_some_and(|r| r.errors > 0) {
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
            let n = st.pins.repl.values().filter(|r| r.errors > 0).count();
            if n == 0 {
                flash(st, "nothing to recover", Level::Info);
            } else {
                st.dialog = Some(Dialog::Confirm(Confirm {
                    action: ConfirmAction::RecoverAll(n),
                    on_action: false,
                }));
            }
            Vec::new()
        }
        Action::Tasks => {
            st.show_tasks = !st.show_tasks;
            Vec::new()
        }
        Action::SortName => sort_by(st, SortKey::Name),
        Action::SortCreated => sort_by(st, SortKey::Created),
        Action::SortSize => sort_by(st, SortKey::Size),
        Action::SortStatus => sort_by(st, SortKey::Status),
    }
}

fn sort_by(st: &mut State, key: SortKey) -> Vec<Effect> {
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

fn inspect_selected(st: &mut State) {
    let cid = st.pins.selected_row().map(|r| r.cid.clone());
    if cid != st.replication.cid {
        st.replication.cid = cid;
        st.replication.info = None;
        st.replication.selected = 0;
        st.replication.fresh = Default::default();
        st.replication.fresh.loading = st.replication.cid.is_some();
    }
}

fn move_by(st: &mut State, delta: i64) -> Vec<Effect> {
    let clamp = |cur: usize, len: usize| -> usize {
        if len == 0 {
            return 0;
        }
        (cur as i64).saturating_add(delta).clamp(0, len as i64 - 1) as usize
    };
    match st.focus {
        Pane::Peers => st.peers.selected = clamp(st.peers.selected, st.peers.rows.len()),
        Pane::Pins => {
            st.pins.selected = clamp(st.pins.selected, st.pins.index.len());
            scroll_into_view(st);
        }
        Pane::Replication => {
            let n = st.replication.info.as_ref().map_or(0, |g| g.peer_map.len());
            st.replication.selected = clamp(st.replication.selected, n);
        }
    }
    Vec::new()
}

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
fn set_index(st: &mut State, index: Vec<u32>) {
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

fn on_chunk(
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
fn learn_peer_names(st: &mut State, infos: &[crate::cluster::types::GlobalPinInfo]) {
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
                row.name = super::sanitize::clean(&p.peername).into_owned();
            }
        }
    }
}

fn on_problems(st: &mut State, list: Vec<crate::cluster::types::GlobalPinInfo>) -> Vec<Effect> {
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
fn recount_peers(st: &mut State) {
    let p = &st.pins;
    for peer in &mut st.peers.rows {
        let held = p.alloc_counts.get(peer.id.as_str()).copied().unwrap_or(0) + p.everywhere;
        peer.pinned = held.saturating_sub(peer.errors);
    }
}

/// Counts, per peer ID, the items allocated to it (and those pinned everywhere).
fn count_allocations(st: &mut State) {
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

fn safe_basename(name: &str) -> Option<String> {
    std::path::Path::new(name)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .filter(|n| !n.is_empty() && n != "." && n != "..")
}

fn dialog_key(st: &mut State, k: KeyEvent) -> Vec<Effect> {
    let Some(dialog) = st.dialog.take() else {
        return Vec::new();
    };
    match dialog {
        Dialog::Confirm(mut c) => {
            let decision = match k.code {
                KeyCode::Char('y') | KeyCode::Char('Y') => Some(true),
                KeyCode::Char('n') | KeyCode::Char('N') | KeyCode::Esc | KeyCode::Char('q') => {
                    Some(false)
                }
                KeyCode::Enter => Some(c.on_action),
                KeyCode::Left
                | KeyCode::Right
                | KeyCode::Tab
                | KeyCode::BackTab
                | KeyCode::Char('h')
                | KeyCode::Char('l') => {
                    c.on_action = !c.on_action;
                    None
                }
                _ => None,
            };
            match decision {
                None => {
                    st.dialog = Some(Dialog::Confirm(c));
                    Vec::new()
                }
                Some(false) => {
                    flash(st, "cancelled: nothing changed", Level::Info);
                    Vec::new()
                }
                Some(true) => confirmed(st, c.action),
            }
        }
        Dialog::Form(mut f) => {
            let fx = form_key(st, &mut f, k);
            if let Some(fx) = fx {
                return fx;
            }
            st.dialog = Some(Dialog::Form(f));
            Vec::new()
        }
    }
}

/// The only place a confirmation becomes a change to the cluster.
fn confirmed(st: &mut State, action: ConfirmAction) -> Vec<Effect> {
    match action {
        ConfirmAction::Unpin(items) => {
            let cids: Vec<String> = items.into_iter().map(|(c, _, _)| c).collect();
            for c in &cids {
                // Shown as unpinning until the cluster confirms.
                let r = st.pins.repl.entry(c.clone().into_boxed_str()).or_default();
                r.unpinning = r.unpinning.max(1);
            }
            st.pins.marked.clear();
            flash(
                st,
                format!("unpinning {} item(s)…", cids.len()),
                Level::Info,
            );
            vec![Effect::Unpin(cids)]
        }
        ConfirmAction::RecoverAll(n) => {
            flash(st, format!("recovering {n} item(s)…"), Level::Info);
            vec![Effect::RecoverAll]
        }
    }
}

/// Handles a key in a form; `Some(effects)` closes or submits it.
fn form_key(st: &mut State, f: &mut Form, k: KeyEvent) -> Option<Vec<Effect>> {
    if f.pending {
        // Waiting for the task to accept: only Esc (give up waiting).
        if k.code == KeyCode::Esc {
            return Some(Vec::new());
        }
        return None;
    }
    match k.code {
        KeyCode::Esc => {
            flash(st, "cancelled: nothing sent", Level::Info);
            Some(Vec::new())
        }
        KeyCode::Down => {
            f.focus = (f.focus + 1) % f.fields.len();
            None
        }
        KeyCode::Up | KeyCode::BackTab => {
            f.focus = (f.focus + f.fields.len() - 1) % f.fields.len();
            None
        }
        KeyCode::Tab => {
            if f.kind == FormKind::Upload && f.focus == 0 {
                return Some({
                    let typed = f.value(0).to_string();
                    st.dialog = Some(Dialog::Form(f.clone()));
                    vec![Effect::CompletePath(typed)]
                });
            }
            f.focus = (f.focus + 1) % f.fields.len();
            None
        }
        KeyCode::Enter => submit(st, f),
        _ => {
            f.fields[f.focus].key(k);
            f.note = None;
            f.force = false;
            f.error = validate_live(f);
            None
        }
    }
}

/// Checks that need no I/O, as the user types.
fn validate_live(f: &Form) -> Option<String> {
    if f.kind == FormKind::Fetch {
        let c = f.value(0).trim();
        if !c.is_empty() {
            if let Err(e) = crate::unixfs::parse_cid(c) {
                return Some(format!("not a valid CID: {e}"));
            }
        }
    }
    None
}

fn parse_replication(v: &str, what: &str) -> Result<Option<i32>, String> {
    let v = v.trim();
    if v.is_empty() {
        return Ok(None);
    }
    match v.parse::<i32>() {
        Ok(n) if n == -1 || n >= 1 => Ok(Some(n)),
        _ => Err(format!(
            "{what} must be a number of peers (or -1 for everywhere)"
        )),
    }
}

fn submit(st: &mut State, f: &mut Form) -> Option<Vec<Effect>> {
    match f.kind {
        FormKind::Upload => {
            let path = f.value(0).trim().to_string();
            if path.is_empty() {
                f.error = Some("which file or folder?".into());
                return None;
            }
            let rmin = match parse_replication(f.value(2), "replication min") {
                Ok(v) => v,
                Err(e) => {
                    f.error = Some(e);
                    return None;
                }
            };
            let rmax = match parse_replication(f.value(3), "replication max") {
                Ok(v) => v,
                Err(e) => {
                    f.error = Some(e);
                    return None;
                }
            };
            let mut metadata = Vec::new();
            for kv in f.value(4).split_whitespace() {
                match kv.split_once('=') {
                    Some((k, v)) if !k.is_empty() => metadata.push((k.to_string(), v.to_string())),
                    _ => {
                        f.error = Some(format!("metadata {kv:?}: write key=value"));
                        return None;
                    }
                }
            }
            let name = Some(f.value(1).trim().to_string()).filter(|n| !n.is_empty());
            let id = st.next_task;
            st.next_task += 1;
            f.pending = true;
            f.error = None;
            let req = UploadRequest {
                id,
                path,
                name,
                replication_min: rmin,
                replication_max: rmax,
                metadata,
                force: f.force,
            };
            st.dialog = Some(Dialog::Form(f.clone()));
            Some(vec![Effect::Upload(req)])
        }
        FormKind::Fetch => {
            let cid = f.value(0).trim().to_string();
            if let Err(e) = crate::unixfs::parse_cid(&cid) {
                f.error = Some(format!("not a valid CID: {e}"));
                return None;
            }
            let dest = f.value(1).trim().to_string();
            if dest.is_empty() {
                f.error = Some("where should it go?".into());
                return None;
            }
            let id = st.next_task;
            st.next_task += 1;
            f.pending = true;
            f.error = None;
            st.dialog = Some(Dialog::Form(f.clone()));
            Some(vec![Effect::Fetch { id, cid, dest }])
        }
    }
}

fn tasks_key(st: &mut State, k: KeyEvent) -> Vec<Effect> {
    let n = st.tasks.len();
    match k.code {
        KeyCode::Esc | KeyCode::Char('w') | KeyCode::Char('q') => st.show_tasks = false,
        KeyCode::Char('j') | KeyCode::Down => {
            st.tasks_selected = (st.tasks_selected + 1).min(n.saturating_sub(1))
        }
        KeyCode::Char('k') | KeyCode::Up => st.tasks_selected = st.tasks_selected.saturating_sub(1),
        KeyCode::Char('c') | KeyCode::Enter => {
            if let Some(t) = st.tasks.get(st.tasks_selected).filter(|t| !t.finished()) {
                return vec![Effect::CancelTask(t.id)];
            }
        }
        KeyCode::Char('d') | KeyCode::Delete
            if st.tasks.get(st.tasks_selected).is_some_and(Task::finished) =>
        {
            st.tasks.remove(st.tasks_selected);
            st.tasks_selected = st.tasks_selected.min(st.tasks.len().saturating_sub(1));
        }
        _ => {}
    }
    Vec::new()
}
