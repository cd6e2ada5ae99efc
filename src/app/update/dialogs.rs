//! Forms and confirmations: keys inside a dialog, validation, and what a confirmed or submitted dialog asks for.

use super::*;

pub(super) fn dialog_key(st: &mut State, k: KeyEvent) -> Vec<Effect> {
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
pub(super) fn confirmed(st: &mut State, action: ConfirmAction) -> Vec<Effect> {
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
pub(super) fn form_key(st: &mut State, f: &mut Form, k: KeyEvent) -> Option<Vec<Effect>> {
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
pub(super) fn validate_live(f: &Form) -> Option<String> {
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

pub(super) fn parse_replication(v: &str, what: &str) -> Result<Option<i32>, String> {
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

pub(super) fn submit(st: &mut State, f: &mut Form) -> Option<Vec<Effect>> {
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

pub(super) fn safe_basename(name: &str) -> Option<String> {
    std::path::Path::new(name)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .filter(|n| !n.is_empty() && n != "." && n != "..")
}
