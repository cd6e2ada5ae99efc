//! Forms and confirmations: keys inside a dialog, validation, and what a confirmed or submitted dialog asks for.

use crossterm::event::KeyEvent;

use super::{
    flash, Action, Button, Confirm, ConfirmAction, Dialog, Effect, Form, FormKind, Level, State,
    UploadRequest,
};
use crate::app::dialog::{FETCH_CID, FETCH_DEST};

pub(super) fn dialog_key(st: &mut State, k: KeyEvent, act: Option<Action>) -> Vec<Effect> {
    let Some(dialog) = st.dialog.take() else {
        return Vec::new();
    };
    match dialog {
        Dialog::Confirm(mut c) => {
            let second = c.action.second().is_some();
            let decision = match act {
                Some(Action::Confirm) => Some(Button::Action),
                Some(Action::Cancel) => Some(Button::Cancel),
                Some(Action::Second) if second => Some(Button::Second),
                Some(Action::Choose) => Some(c.focus),
                Some(Action::Toggle) => {
                    c.focus = match c.focus {
                        Button::Cancel => Button::Action,
                        Button::Action if second => Button::Second,
                        _ => Button::Cancel,
                    };
                    None
                }
                _ => None,
            };
            match decision {
                None => {
                    st.dialog = Some(Dialog::Confirm(c));
                    Vec::new()
                }
                Some(Button::Second) => second_choice(st, c.action),
                Some(Button::Cancel) => {
                    if let Some(mut f) = c.back {
                        f.note = Some("not written: change it, or Esc to leave".into());
                        st.dialog = Some(Dialog::Form(*f));
                    } else {
                        flash(st, "cancelled: nothing changed", Level::Info);
                    }
                    Vec::new()
                }
                Some(Button::Action) => confirmed(st, c.action),
            }
        }
        Dialog::Form(mut f) => {
            let fx = form_key(st, &mut f, k, act);
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
                let r = st
                    .pins
                    .repl
                    .observed
                    .entry(c.clone().into_boxed_str())
                    .or_default();
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
        ConfirmAction::Steward(plan) => super::steward::confirmed_plan(st, plan),
        ConfirmAction::Edit(edit) => super::steward::confirmed_edit(st, edit),
        ConfirmAction::Erase(items) => super::steward::confirmed_erase(st, items),
    }
}

/// A confirmation's second choice: an unpin becomes an erase, whose items
/// are read first so its own confirmation can say what it will do.
fn second_choice(st: &mut State, action: ConfirmAction) -> Vec<Effect> {
    match action {
        ConfirmAction::Unpin(items) => {
            let cids: Vec<String> = items.into_iter().map(|(c, _, _)| c).collect();
            flash(
                st,
                format!(
                    "reading {} item(s) and looking for blocks other items share…",
                    cids.len()
                ),
                Level::Info,
            );
            vec![Effect::PrepareErase(cids)]
        }
        other => {
            st.dialog = Some(Confirm::asking(other));
            Vec::new()
        }
    }
}

/// Handles a key in a form; `Some(effects)` closes or submits it.
pub(super) fn form_key(
    st: &mut State,
    f: &mut Form,
    k: KeyEvent,
    act: Option<Action>,
) -> Option<Vec<Effect>> {
    if f.pending {
        // Waiting for the task to accept: only Esc (give up waiting).
        if act == Some(Action::Close) {
            return Some(Vec::new());
        }
        return None;
    }
    let n = f.fields.len();
    match act {
        // A question pending (create the folder? upload anyway?): Esc
        // answers no and leaves the form to be changed.
        Some(Action::Close) if f.force => {
            f.force = false;
            f.note = None;
            None
        }
        Some(Action::Close) => {
            flash(st, "cancelled: nothing sent", Level::Info);
            Some(Vec::new())
        }
        Some(Action::NextField) => {
            f.focus = (f.focus + 1) % n;
            None
        }
        Some(Action::PrevField) => {
            f.focus = (f.focus + n - 1) % n;
            None
        }
        Some(Action::Complete) => {
            if f.path_field() == Some(f.focus) {
                let typed = f.value(f.focus).to_string();
                st.dialog = Some(Dialog::Form(f.clone()));
                return Some(vec![Effect::CompletePath(typed)]);
            }
            f.focus = (f.focus + 1) % n;
            None
        }
        Some(Action::Submit) => submit(st, f),
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
    match f.kind {
        FormKind::Fetch => {
            let c = f.value(FETCH_CID).trim();
            if !c.is_empty() {
                if let Err(e) = crate::unixfs::parse_cid(c) {
                    return Some(format!("not a valid CID: {e}"));
                }
            }
            None
        }
        FormKind::Upload => replication_bounds(f).err(),
        FormKind::Edit(..) => None,
    }
}

/// The upload form's replication min and max, checked as the daemon checks
/// them (both -1 or neither; min ≤ max) and against the members there are.
pub(super) fn replication_bounds(f: &Form) -> Result<(Option<i32>, Option<i32>), String> {
    let rmin = parse_replication(f.value(2), "replication min")?;
    let rmax = parse_replication(f.value(3), "replication max")?;
    match (rmin, rmax) {
        (Some(-1), Some(m)) | (Some(m), Some(-1)) if m != -1 => {
            return Err(
                "-1 (everywhere) must be both min and max: the cluster refuses one alone".into(),
            )
        }
        (Some(a), Some(b)) if a > b => {
            return Err(format!(
                "replication min {a} is more than max {b}: min must be at most max"
            ))
        }
        _ => {}
    }
    // The cluster allocates to peers that are up: fewer than min fails the add.
    if let Some(m) = rmin.filter(|m| *m > 0 && f.members > 0 && *m as usize > f.members) {
        return Err(format!(
            "replication min {m}, but {} peer{} up: the add would fail",
            f.members,
            if f.members == 1 { " is" } else { "s are" }
        ));
    }
    Ok((rmin, rmax))
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
        FormKind::Edit(..) => super::steward::submit_edit(st, f),
        FormKind::Upload => {
            let path = f.value(0).trim().to_string();
            if path.is_empty() {
                f.error = Some("which file or folder?".into());
                return None;
            }
            let (rmin, rmax) = match replication_bounds(f) {
                Ok(v) => v,
                Err(e) => {
                    f.error = Some(e);
                    return None;
                }
            };
            let metadata = match crate::cluster::steward::edit::parse_metadata_words(f.value(4)) {
                Ok(m) => m,
                Err(e) => {
                    f.error = Some(e);
                    return None;
                }
            };
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
            };
            st.dialog = Some(Dialog::Form(f.clone()));
            Some(vec![Effect::Upload(req)])
        }
        FormKind::Fetch => {
            let cid = f.value(FETCH_CID).trim().to_string();
            if let Err(e) = crate::unixfs::parse_cid(&cid) {
                f.error = Some(format!("not a valid CID: {e}"));
                return None;
            }
            let dest = f.value(FETCH_DEST).trim().to_string();
            if dest.is_empty() {
                f.error = Some("where should it go?".into());
                return None;
            }
            let id = st.next_task;
            st.next_task += 1;
            f.pending = true;
            f.error = None;
            let create_folder = f.force;
            st.dialog = Some(Dialog::Form(f.clone()));
            Some(vec![Effect::Fetch {
                id,
                cid,
                dest,
                create_folder,
            }])
        }
    }
}

/// The fetch form for `cid`, saved under `name` (if it is a safe file
/// name, else the CID) in the working folder: one opening for every place
/// that offers a fetch.
pub(super) fn open_fetch_form(st: &mut State, cid: &str, name: &str) -> Vec<Effect> {
    let base = crate::cluster::fetch::suggested_name(name, cid, None, None);
    st.flash = None;
    let mut f = Form::fetch(cid, &st.fetch_dir(&base));
    f.error = validate_live(&f);
    st.dialog = Some(Dialog::Form(f));
    // Its original extension, when the name has none, comes a moment later.
    if std::path::Path::new(&base).extension().is_none() && base != cid {
        return vec![Effect::FetchName {
            cid: cid.to_string(),
            name: name.to_string(),
        }];
    }
    Vec::new()
}

/// The fetch form still open for `cid` and its path still as it opened
/// (`file` without its extension): it takes `file`.
pub(super) fn on_fetch_named(st: &mut State, cid: &str, file: &str) {
    let Some(Dialog::Form(f)) = st.dialog.as_mut() else {
        return;
    };
    if f.kind != FormKind::Fetch || f.value(FETCH_CID) != cid {
        return;
    }
    let path = std::path::PathBuf::from(f.value(0));
    let stem = std::path::Path::new(file).file_stem();
    if path.file_name().is_none() || path.file_name() != stem || stem == Some(file.as_ref()) {
        return;
    }
    let new = path.with_file_name(file).display().to_string();
    f.fields[0] =
        crate::app::dialog::Field::new("save as", &new, "a new file or folder (absolute path)");
    f.error = validate_live(f);
}

/// The upload's content is already in the archive. As `add` does: nothing
/// is sent and nothing changes (uploading again would re-pin the item under
/// the form's name and metadata, replacing its own without a word); the
/// item is selected, and `e` edits it.
pub(super) fn on_upload_exists(
    st: &mut State,
    cid: String,
    name: &str,
    summary: &str,
) -> Vec<Effect> {
    if matches!(&st.dialog, Some(Dialog::Form(f)) if f.pending) {
        st.dialog = None;
    }
    flash(
        st,
        format!(
            "already in the archive as '{}', {summary}: nothing uploaded (e edits its name and metadata)",
            crate::sanitize::clean(name)
        ),
        Level::Info,
    );
    st.select_when_loaded = Some(cid.into_boxed_str());
    vec![Effect::RefreshNow]
}

/// Tab completion for the upload form's path, if the form still shows what
/// was completed.
pub(super) fn on_completion(
    st: &mut State,
    typed: &str,
    completed: &str,
    candidates: &[String],
) -> Vec<Effect> {
    if let Some(Dialog::Form(f)) = st.dialog.as_mut() {
        let Some(at) = f.path_field().filter(|i| f.value(*i) == typed) else {
            return Vec::new();
        };
        f.fields[at].set(completed);
        // What an upload sends must exist; where a fetch writes may be
        // a new name.
        f.error = (f.kind == FormKind::Upload && candidates.is_empty())
            .then(|| "no such file or folder".to_string());
        f.note = (candidates.len() > 1).then(|| {
            let shown: Vec<&str> = candidates.iter().take(12).map(String::as_str).collect();
            let more = candidates.len().saturating_sub(shown.len());
            let more = if more > 0 {
                format!(" … {more} more")
            } else {
                String::new()
            };
            format!("{}{more}", shown.join("  "))
        });
    }
    Vec::new()
}

/// The fetch form's target folder does not exist: Enter again creates it.
pub(super) fn on_fetch_needs_folder(st: &mut State, folder: &str) -> Vec<Effect> {
    if let Some(Dialog::Form(f)) = st.dialog.as_mut() {
        f.note = Some(format!(
            "the folder {folder} does not exist. Enter creates it, Esc edits."
        ));
        f.force = true;
        f.pending = false;
    }
    Vec::new()
}

/// The items of an erase read: its confirmation, onto a clear screen only.
pub(super) fn on_erase_ready(
    st: &mut State,
    r: Result<Vec<crate::cluster::erase::Prepared>, String>,
) -> Vec<Effect> {
    match r {
        // A dialog opened meanwhile is the operator's, and is not replaced.
        Ok(items) if st.dialog.is_none() => {
            st.dialog = Some(Confirm::asking(ConfirmAction::Erase(items)));
        }
        Ok(_) => flash(
            st,
            "erase not started: another dialog is open; choose it again",
            Level::Error,
        ),
        Err(e) => flash(st, format!("erase not started: {e}"), Level::Error),
    }
    Vec::new()
}

/// The cluster refused what a form sent: said in the form, which stays open
/// to be corrected (or, with no form open, in the message line).
pub(super) fn on_form_refused(st: &mut State, e: String) -> Vec<Effect> {
    if let Some(Dialog::Form(f)) = st.dialog.as_mut() {
        f.error = Some(e);
        f.pending = false;
        f.force = false;
    } else {
        flash(st, e, Level::Error);
    }
    Vec::new()
}
