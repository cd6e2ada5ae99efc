//! The one place state changes: `update(state, msg) -> effects`. Pure: no I/O,
//! no clock (time comes in `Msg::Tick`), so every key path is unit-testable.

use std::time::Duration;

use super::dialog::{Button, Confirm, ConfirmAction, Dialog, Form, FormKind};
use super::filter::{row_visible, Filter, Sort, SortKey};
use super::keymap::{Action, Screen};
use super::msg::{Effect, Msg, TaskOutcome, UploadRequest};
use super::order::compute_index;
use super::state::{Flash, HelpView, Level, Mode, Pane, PeerDetail, State};
use super::transfers::{Task, TaskState};

/// Above this many rows, sorting and filtering run off the UI task.
pub const SYNC_INDEX_LIMIT: usize = 50_000;

mod browse;
mod capacity;
mod dialogs;
mod index;
mod keys;
mod peers;
mod steward;
mod transfers;

use index::{
    abandon_reload, learn_peer_names, on_chunk, on_health, on_problems, on_statuses, recount_peers,
};
pub use index::{peer_stats, reindex, risk_of, scroll_into_view};
use keys::on_key;

pub fn update(st: &mut State, msg: Msg) -> Vec<Effect> {
    let fx = update_inner(st, msg);
    // A message may move panes (focus, a peer more, a new size): the next one
    // pages with the new height.
    fit_pins(st);
    fx
}

/// The pins pane's height, from the terminal's size once it is known.
fn fit_pins(st: &mut State) {
    if let Some(area) = st.screen {
        let before = st.pins_height;
        st.pins_height = super::layout::pins_rows(area, st);
        st.replication_height = super::layout::replication_rows(area, st);
        st.browse_height = super::layout::browse_rows(area);
        // A smaller pane must not leave the cursor's row below its edge
        // (Enter would open a row not on screen).
        if st.pins_height != before {
            index::scroll_into_view(st);
        }
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
        Msg::Peers(Ok(rows), every) => peers::on_peers(st, rows, every),
        Msg::Peers(Err(e), retry) => {
            st.peers.fresh.failed(e, retry, st.now);
            Vec::new()
        }
        Msg::Freespace(metrics) => capacity::on_freespace(st, metrics),
        Msg::Fixity(findings) => {
            let rows = st.pins.rows.clone();
            st.pins.repl.set_fixity(findings, &rows);
            reindex(st)
        }
        Msg::CapacityReady(r) => capacity::on_figures(st, r),
        Msg::FreeHistory(h) => capacity::on_history(st, h),
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
                abandon_reload(st);
                st.pins.fresh.failed(error, retry_in, st.now);
            }
            Vec::new()
        }
        Msg::Statuses(infos) => on_statuses(st, &infos),
        Msg::Selected(Ok(info), every) => {
            learn_peer_names(st, std::slice::from_ref(&info));
            if st.replication.cid.as_deref() == Some(info.cid.as_str()) {
                st.replication.fresh.interval = every;
                st.pins.repl.observe(&info);
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
        Msg::Tailnet(t) => {
            st.tailnet = Some(t);
            Vec::new()
        }
        Msg::ReaderText { generation, result } => {
            browse::on_reader_text(st, generation, result);
            Vec::new()
        }
        Msg::FetchNamed { cid, file } => {
            dialogs::on_fetch_named(st, &cid, &file);
            Vec::new()
        }
        Msg::UploadExists { cid, name, summary } => {
            dialogs::on_upload_exists(st, cid, &name, &summary)
        }
        Msg::TaskStarted {
            id,
            kind,
            what,
            total,
        } => transfers::on_started(st, Task::running(id, kind, what, total, st.now)),
        Msg::TaskProgress { id, bytes, total } => transfers::on_progress(st, id, bytes, total),
        Msg::TaskNote { id, note } => transfers::on_note(st, id, note),
        Msg::TaskDone { id, outcome } => transfers::on_done(st, id, outcome),
        Msg::Completion {
            typed,
            completed,
            candidates,
        } => dialogs::on_completion(st, &typed, &completed, &candidates),
        Msg::FetchNeedsFolder(folder) => dialogs::on_fetch_needs_folder(st, &folder),
        Msg::EraseReady(r) => dialogs::on_erase_ready(st, r),
        Msg::ActionDone(r) => {
            match r {
                Ok(t) => flash(st, t, Level::Info),
                Err(e) => flash(st, e, Level::Error),
            }
            vec![Effect::RefreshNow]
        }
        Msg::BrowseEntries {
            generation,
            entries,
            done,
            error,
            root_file,
        } => browse::on_entries(st, generation, entries, done, error, root_file),
        Msg::BrowseStats { generation, stats } => browse::on_stats(st, generation, stats),
        Msg::Preview {
            generation,
            cid,
            result,
        } => browse::on_preview(st, generation, cid, result),
        Msg::StewardPlanned(r) => steward::planned(st, r),
        Msg::EditLoaded(r) => steward::edit_loaded(st, r),
        Msg::Index {
            generation,
            indexed,
        } => index::on_index(st, generation, Some(indexed)),
        Msg::IndexFailed { generation } => index::on_index(st, generation, None),
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
/// Copies `text` (OSC 52), saying what was copied and the terminal's caveat.
pub(super) fn copy(st: &mut State, text: String) -> Vec<Effect> {
    let note = st.clipboard.caveat();
    flash(st, format!("copied {text}{note}"), Level::Info);
    vec![Effect::Copy(text)]
}

/// At the key: a read-only console says so and does nothing (one message
/// for every change refused). `gate` below holds the effects to it too.
fn refuse_read_only(st: &mut State, what: &str) -> bool {
    if st.read_only {
        flash(
            st,
            format!("read-only: {what} would change the cluster"),
            Level::Error,
        );
    }
    st.read_only
}

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
    use crate::sanitize::clean;
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
    // Errors stay longer: they are what must be read.
    let secs = match level {
        Level::Info => 4,
        Level::Error => 10,
    };
    st.flash = Some(Flash {
        text: text.into(),
        level,
        until: st.now + Duration::from_secs(secs),
    });
}
