//! What the main screen's keys do to items: mark, copy, upload, fetch,
//! unpin and recover (each change asked for as an effect, or a dialog first).

use super::dialogs::open_fetch_form;
use super::view::{item_in_front, move_by};
use super::{
    flash, refuse_read_only, Confirm, ConfirmAction, Dialog, Effect, Form, Level, Pane, State,
};

/// Space: marks or unmarks the item, and moves on to the next.
pub(super) fn mark(st: &mut State) -> Vec<Effect> {
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

/// Copies what is selected: a peer's ID, an item's CID.
pub(super) fn copy_selected(st: &mut State) -> Vec<Effect> {
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

pub(super) fn open_upload(st: &mut State) -> Vec<Effect> {
    if !refuse_read_only(st, "an upload") {
        st.flash = None;
        st.dialog = Some(Dialog::Form(Form::upload(
            st.default_org.as_deref(),
            st.online_peers(),
        )));
    }
    Vec::new()
}

/// The fetch form for the item in front (the inspected one in the
/// replication pane, else the selected row).
pub(super) fn open_fetch(st: &mut State) -> Vec<Effect> {
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

/// Asks before unpinning the marked items, else the selected one; the
/// dialog shows each with how many peers hold it.
pub(super) fn confirm_unpin(st: &mut State) -> Vec<Effect> {
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
    st.dialog = Some(Confirm::asking(ConfirmAction::Unpin(items)));
    Vec::new()
}

/// Recovers the item in front, when a peer reports an error for it.
pub(super) fn recover_selected(st: &mut State) -> Vec<Effect> {
    if refuse_read_only(st, "recover") {
        return Vec::new();
    }
    let cid = item_in_front(st);
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

pub(super) fn confirm_recover_all(st: &mut State) -> Vec<Effect> {
    if refuse_read_only(st, "recover") {
        return Vec::new();
    }
    let n = st.pins.repl.in_error();
    if n == 0 {
        flash(st, "nothing to recover", Level::Info);
    } else {
        st.dialog = Some(Confirm::asking(ConfirmAction::RecoverAll(n)));
    }
    Vec::new()
}
