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
mod command;
mod dialogs;
mod index;
mod item_actions;
mod keys;
mod loading;
mod main_keys;
mod peer_detail;
mod peer_stats;
mod peers;
mod prompt;
mod statuses;
mod steward;
mod transfers;
mod view;

pub use index::{reindex, scroll_into_view};
use keys::on_key;
use loading::on_chunk;
use peer_stats::{on_health, recount_peers};
pub use peer_stats::{peer_stats, risk_of};
use statuses::{on_problems, on_statuses};

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
        Msg::Tick(now) => on_tick(st, now),
        Msg::Resize { width, height } => on_resize(st, width, height),
        Msg::Peers(Ok(rows), every) => peers::on_peers(st, rows, every),
        Msg::Peers(Err(e), retry) => stale(&mut st.peers.fresh, e, retry, st.now),
        Msg::Freespace(metrics) => capacity::on_freespace(st, metrics),
        Msg::Fixity(findings) => statuses::on_fixity(st, findings),
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
        } => loading::on_pinset_failed(st, generation, error, retry_in),
        Msg::Statuses(infos) => on_statuses(st, &infos),
        Msg::Selected(Ok(info), every) => statuses::on_selected(st, info, every),
        Msg::Selected(Err(e), retry) => stale(&mut st.replication.fresh, e, retry, st.now),
        Msg::Problems(Ok(list), every) => {
            st.pins.problems_fresh.interval = every;
            on_problems(st, list)
        }
        Msg::Problems(Err(e), retry) => stale(&mut st.pins.problems_fresh, e, retry, st.now),
        Msg::FormRefused(e) => dialogs::on_form_refused(st, e),
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
        Msg::ActionDone(r) => transfers::on_action_done(st, r),
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

fn on_resize(st: &mut State, width: u16, height: u16) -> Vec<Effect> {
    st.screen = Some(ratatui::layout::Rect::new(0, 0, width, height));
    Vec::new()
}

/// A poll failed: its pane keeps what it showed, marked stale, and says
/// why and when it tries again.
fn stale(
    fresh: &mut super::state::Freshness,
    error: String,
    retry_in: Duration,
    now: std::time::Instant,
) -> Vec<Effect> {
    fresh.failed(error, retry_in, now);
    Vec::new()
}

/// Time passes: a message whose time is up goes.
fn on_tick(st: &mut State, now: std::time::Instant) -> Vec<Effect> {
    st.now = now;
    if st.flash.as_ref().is_some_and(|f| f.until <= now) {
        st.flash = None;
    }
    Vec::new()
}

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
