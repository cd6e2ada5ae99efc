//! Keys and `:` commands on the main screen and the tasks view: what each does to the state.

use super::*;

pub(super) fn on_key(st: &mut State, k: KeyEvent) -> Vec<Effect> {
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

pub(super) fn command(st: &mut State, cmd: &str) -> Vec<Effect> {
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

pub(super) fn set_filter(st: &mut State, text: &str) -> Vec<Effect> {
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

pub(super) fn action(st: &mut State, a: Action) -> Vec<Effect> {
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

pub(super) fn inspect_selected(st: &mut State) {
    let cid = st.pins.selected_row().map(|r| r.cid.clone());
    if cid != st.replication.cid {
        st.replication.cid = cid;
        st.replication.info = None;
        st.replication.selected = 0;
        st.replication.fresh = Default::default();
        st.replication.fresh.loading = st.replication.cid.is_some();
    }
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

pub(super) fn tasks_key(st: &mut State, k: KeyEvent) -> Vec<Effect> {
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
