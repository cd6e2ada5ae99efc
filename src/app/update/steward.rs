//! Stewardship in the console: `:rebalance` and `:drain PEER` show their
//! plan first and ask (Cancel focused) before a task carries it out; `e`
//! edits an item through a form whose changes are shown before they are
//! written. `--read-only` shows plans (they only read) and refuses to carry
//! one out; it refuses an edit at the start.

use super::view::item_in_front;
use super::{
    flash, refuse_read_only, Button, Confirm, ConfirmAction, Dialog, Effect, Form, FormKind, Level,
    State, Task,
};
use crate::app::msg::StewardRequest;
use crate::app::transfers::TaskKind;
use crate::cluster::steward::edit::Edit;
use crate::cluster::steward::Plan;

/// `:rebalance`
pub(super) fn rebalance(st: &mut State) -> Vec<Effect> {
    flash(st, "planning the rebalance…", Level::Info);
    vec![Effect::StewardPlan(StewardRequest::Rebalance)]
}

/// `:drain PEER`
pub(super) fn drain(st: &mut State, arg: &str) -> Vec<Effect> {
    if arg.is_empty() {
        flash(st, ":drain takes a peer (Tab completes)", Level::Error);
        return Vec::new();
    }
    let Some(peer) = st.peers.rows.iter().find(|p| p.answers_to(arg)) else {
        flash(
            st,
            format!("no peer named {arg:?} (Tab completes)"),
            Level::Error,
        );
        return Vec::new();
    };
    let id = peer.id.clone();
    flash(st, format!("planning the drain of {arg}…"), Level::Info);
    vec![Effect::StewardPlan(StewardRequest::Drain(id))]
}

/// `:ensure-pins PROFILE`
pub(super) fn ensure(st: &mut State, arg: &str) -> Vec<Effect> {
    if arg.is_empty() {
        flash(st, ":ensure-pins takes a profile (org)", Level::Error);
        return Vec::new();
    }
    flash(st, format!("planning ensure-pins {arg}…"), Level::Info);
    vec![Effect::StewardPlan(StewardRequest::Ensure(arg.to_string()))]
}

/// A plan arrived: nothing to do is said; anything else is asked.
pub(super) fn planned(st: &mut State, r: Result<Box<Plan>, String>) -> Vec<Effect> {
    match r {
        Err(e) => flash(st, format!("no plan: {e}"), Level::Error),
        Ok(plan) if plan.moving().next().is_none() && plan.blocked().next().is_none() => {
            // The rule counts allocations: a down peer's copies still count,
            // which "nothing to do" alone would hide.
            let down: Vec<&str> = st
                .peers
                .rows
                .iter()
                .filter(|p| !p.online())
                .map(|p| p.name.as_str())
                .collect();
            let hint = match (&plan.kind, down.first()) {
                (crate::cluster::steward::plan::Kind::Rebalance { .. }, Some(first)) => format!(
                    "; {} down: its copies still count (:drain {first} moves them)",
                    down.join(", ")
                ),
                _ => String::new(),
            };
            let text = format!(
                "{}: nothing to do ({} items checked){hint}",
                plan.kind.title(),
                plan.checked
            );
            flash(st, text, Level::Info)
        }
        Ok(plan) => {
            st.flash = None;
            st.dialog = Some(Confirm::asking(ConfirmAction::Steward(plan)));
        }
    }
    Vec::new()
}

/// `e`: the selected item, read fresh, in the edit form.
pub(super) fn edit(st: &mut State) -> Vec<Effect> {
    if refuse_read_only(st, "an edit") {
        return Vec::new();
    }
    let cid = item_in_front(st);
    match cid {
        Some(cid) => vec![Effect::EditLoad(cid.to_string())],
        None => Vec::new(),
    }
}

pub(super) fn edit_loaded(
    st: &mut State,
    r: Result<(crate::cluster::types::Pin, Vec<(String, String)>), String>,
) -> Vec<Effect> {
    match r {
        Ok((pin, members)) => st.dialog = Some(Dialog::Form(Form::edit(pin, members))),
        Err(e) => flash(st, format!("cannot edit: {e}"), Level::Error),
    }
    Vec::new()
}

/// Enter in the edit form: the changes, to confirm; nothing if none.
pub(super) fn submit_edit(st: &mut State, f: &mut Form) -> Option<Vec<Effect>> {
    use crate::app::dialog::{EDIT_MAX, EDIT_META, EDIT_MIN, EDIT_NAME, EDIT_PEERS};
    let FormKind::Edit(pin, members) = &f.kind else {
        return None;
    };
    let e = Edit::from_form(
        pin,
        members,
        f.value(EDIT_NAME),
        f.value(EDIT_MIN),
        f.value(EDIT_MAX),
        f.value(EDIT_PEERS),
        f.value(EDIT_META),
    );
    match e {
        Err(e) => {
            f.error = Some(e);
            None
        }
        Ok(e) if e.changes.is_empty() => {
            flash(st, "nothing to change", Level::Info);
            Some(Vec::new())
        }
        Ok(e) => {
            st.dialog = Some(Dialog::Confirm(Confirm {
                action: ConfirmAction::Edit(Box::new(e)),
                focus: Button::Cancel,
                back: Some(Box::new(f.clone())),
            }));
            Some(Vec::new())
        }
    }
}

fn start_task(st: &mut State, kind: TaskKind, what: String, total: Option<u64>) -> u64 {
    let id = st.next_task;
    st.next_task += 1;
    st.tasks.push(Task::running(id, kind, what, total, st.now));
    st.show_tasks = true;
    id
}

/// A confirmed erase becomes a task.
pub(super) fn confirmed_erase(
    st: &mut State,
    items: Vec<crate::cluster::erase::Prepared>,
) -> Vec<Effect> {
    if refuse_read_only(st, "erase") {
        return Vec::new();
    }
    let what = match items.as_slice() {
        [one] => format!(
            "erase {}",
            crate::cluster::types::item_label(&one.name, &one.cid)
        ),
        many => format!("erase {} items", many.len()),
    };
    let id = start_task(st, TaskKind::Erase, what, Some(items.len() as u64));
    for p in items.iter().filter(|p| p.pinned) {
        let r = st
            .pins
            .repl
            .observed
            .entry(p.cid.clone().into_boxed_str())
            .or_default();
        r.unpinning = r.unpinning.max(1);
    }
    st.pins.marked.clear();
    vec![Effect::Erase { id, items }]
}

/// A confirmed plan becomes a task.
pub(super) fn confirmed_plan(st: &mut State, plan: Box<Plan>) -> Vec<Effect> {
    // Read-only: the plan was shown (a plan only reads); carrying it out
    // is the change refused here, where a plan becomes an effect.
    if refuse_read_only(st, &plan.kind.title()) {
        return Vec::new();
    }
    let n = plan.moving().count() as u64;
    let id = start_task(st, TaskKind::Steward, plan.kind.title(), Some(n));
    flash(
        st,
        format!("{}: {n} item(s)…", plan.kind.title()),
        Level::Info,
    );
    vec![Effect::Steward { id, plan }]
}

/// A confirmed edit becomes a task.
pub(super) fn confirmed_edit(st: &mut State, edit: Box<Edit>) -> Vec<Effect> {
    let label = crate::cluster::types::item_label(&edit.after.name, &edit.cid).to_string();
    let id = start_task(st, TaskKind::Edit, format!("edit {label}"), Some(1));
    vec![Effect::Edit { id, edit }]
}
