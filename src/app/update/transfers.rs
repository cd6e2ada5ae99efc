//! The transfers view's tasks as their messages come: started (the form
//! closes), progress, what a task says on its way, how it ended.

use super::{flash, Dialog, Effect, Level, State, Task, TaskOutcome, TaskState};

pub(super) fn on_started(st: &mut State, task: Task) -> Vec<Effect> {
    if matches!(&st.dialog, Some(Dialog::Form(f)) if f.pending) {
        st.dialog = None;
    }
    st.tasks.push(task);
    flash(st, "started (w shows transfers, c cancels)", Level::Info);
    Vec::new()
}

pub(super) fn on_progress(st: &mut State, id: u64, bytes: u64, total: Option<u64>) -> Vec<Effect> {
    if let Some(t) = st.tasks.iter_mut().find(|t| t.id == id) {
        t.bytes = bytes;
        if total.is_some() {
            t.total = total;
        }
    }
    Vec::new()
}

pub(super) fn on_note(st: &mut State, id: u64, note: String) -> Vec<Effect> {
    if let Some(t) = st.tasks.iter_mut().find(|t| t.id == id) {
        t.note = Some(note);
    }
    Vec::new()
}

pub(super) fn on_done(st: &mut State, id: u64, outcome: TaskOutcome) -> Vec<Effect> {
    let mut fx = Vec::new();
    let Some(t) = st.tasks.iter_mut().find(|t| t.id == id) else {
        return fx;
    };
    match outcome {
        TaskOutcome::Done { message, select } => {
            t.state = TaskState::Done(message.clone());
            // Counted in items: done means all of them.
            if let Some(total) = t.total {
                t.bytes = t.bytes.max(total);
            }
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

/// A one-shot change to the cluster finished: said, and the panes reloaded
/// to show it.
pub(super) fn on_action_done(st: &mut State, r: Result<String, String>) -> Vec<Effect> {
    match r {
        Ok(t) => flash(st, t, Level::Info),
        Err(e) => flash(st, e, Level::Error),
    }
    vec![Effect::RefreshNow]
}
