//! The one place state changes: `update(state, msg) -> effects`. Pure: no I/O,
//! no clock (time comes in `Msg::Tick`), so every key path is unit-testable.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::filter::{compute_index, Filter, Sort, SortKey};
use super::keymap::Action;
use super::msg::{Effect, Msg};
use super::rows::Repl;
use super::state::{Flash, Level, Mode, Pane, State};

/// Above this many rows, sorting and filtering run off the UI task.
pub const SYNC_INDEX_LIMIT: usize = 50_000;

pub fn update(st: &mut State, msg: Msg) -> Vec<Effect> {
    let before = watch_key(st);
    let mut fx = match msg {
        Msg::Key(k) => on_key(st, k),
        Msg::Tick(now) => {
            st.now = now;
            if st.flash.as_ref().is_some_and(|f| f.until <= now) {
                st.flash = None;
            }
            Vec::new()
        }
        Msg::Resize => Vec::new(),
        Msg::Peers(Ok(rows), every) => {
            st.peers.fresh.interval = every;
            let old: BTreeMap<String, (Option<u64>, usize, usize)> = st
                .peers
                .rows
                .iter()
                .map(|p| (p.id.clone(), (p.free_space, p.pinned, p.errors)))
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
                if let Some((fs, pinned, errors)) = old.get(&p.id) {
                    p.free_space = *fs;
                    p.pinned = *pinned;
                    p.errors = *errors;
                }
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
        Msg::Index { generation, index } => {
            if st.pins.index_pending == Some(generation) {
                st.pins.index_pending = None;
                set_index(st, index);
            }
            Vec::new()
        }
    };
    let after = watch_key(st);
    if before != after {
        fx.push(Effect::Watch {
            visible: st.visible_cids(),
            selected: st.replication.cid.as_ref().map(|c| c.to_string()),
        });
    }
    fx
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
        "q" | "quit" | "q!" => {
            st.quit = true;
            vec![Effect::Quit]
        }
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
        Action::Quit => {
            st.quit = true;
            vec![Effect::Quit]
        }
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
        let filter = st.pins.filter.clone();
        let only_problems = st.pins.problems_only;
        let (rows_ref, repl) = (&st.pins.rows, &st.pins.repl);
        let new: Vec<u32> = (start..end)
            .filter(|&i| {
                let r = &rows_ref[i as usize];
                let rp = repl.get(&r.cid);
                (!only_problems || rp.is_some_and(Repl::is_problem))
                    && (filter.is_empty() || filter.matches(r, rp))
            })
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
    let counts = crate::app::rows::per_peer_counts(&list);
    for p in &mut st.peers.rows {
        p.errors = counts.get(&p.id).map_or(0, |c| c.1);
    }
    st.pins.problems_fresh.ok(st.now);
    recount_peers(st);
    if st.pins.problems_only || st.pins.sort.key == SortKey::Status || !st.pins.filter.is_empty() {
        reindex(st)
    } else {
        Vec::new()
    }
}

/// Items each peer should hold, less those it reports trouble with.
fn recount_peers(st: &mut State) {
    if st.pins.rows.is_empty() || st.peers.rows.is_empty() {
        return;
    }
    let mut alloc: BTreeMap<&str, usize> = BTreeMap::new();
    let mut everywhere = 0usize;
    for r in st.pins.rows.iter() {
        if r.allocations.is_empty() {
            everywhere += 1;
        }
        for a in r.allocations.iter() {
            *alloc.entry(a).or_default() += 1;
        }
    }
    let counts: Vec<(String, usize)> = st
        .peers
        .rows
        .iter()
        .map(|p| {
            (
                p.id.clone(),
                alloc.get(p.id.as_str()).copied().unwrap_or(0) + everywhere,
            )
        })
        .collect();
    for (p, (_, n)) in st.peers.rows.iter_mut().zip(counts) {
        p.pinned = n.saturating_sub(p.errors);
    }
}
