//! What happens to the console (messages in) and what it asks for (effects out).

use std::time::{Duration, Instant};

use crossterm::event::KeyEvent;

use super::rows::PeerRow;
use super::transfers::TaskKind;
use crate::cluster::types::{GlobalPinInfo, Metric};
use crate::pinset::Pinset;

#[derive(Debug, Clone)]
pub enum Msg {
    Key(KeyEvent),
    /// Time passes (age counters, flash expiry). Carries the clock.
    Tick(Instant),
    /// The terminal's size, at start and on every change.
    Resize {
        width: u16,
        height: u16,
    },
    /// Peers, or why not; with the delay until the next poll.
    Peers(Result<Vec<PeerRow>, String>, Duration),
    Freespace(Vec<Metric>),
    /// A batch of the pinset; `done` on the last.
    PinsetChunk {
        generation: u64,
        rows: Pinset,
        done: bool,
        /// When the next reload comes (adapts to the pinset's size).
        every: Duration,
    },
    PinsetFailed {
        generation: u64,
        error: String,
        retry_in: Duration,
    },
    /// Status of the rows on screen.
    Statuses(Vec<GlobalPinInfo>),
    /// Status of the inspected item.
    Selected(Result<GlobalPinInfo, String>, Duration),
    /// Every item not fully pinned (the problems poll).
    Problems(Result<Vec<GlobalPinInfo>, String>, Duration),
    /// A recomputed order for the pins pane.
    Index {
        generation: u64,
        indexed: super::order::Indexed,
    },
    /// The task computing that order failed (it panicked): said, and the
    /// next one may start.
    IndexFailed {
        generation: u64,
    },
    /// The open form cannot go on (bad path, target exists…).
    FormRefused(String),
    /// The upload's content is already in the archive: nothing is sent,
    /// and the item keeps its name, metadata and time (only `edit`
    /// changes those, with its diff shown).
    UploadExists {
        cid: String,
        name: String,
        summary: String,
    },
    /// A transfer began; the form closes.
    TaskStarted {
        id: u64,
        kind: TaskKind,
        what: String,
        total: Option<u64>,
    },
    TaskProgress {
        id: u64,
        bytes: u64,
        total: Option<u64>,
    },
    /// Something a running task says on its way (`resuming: …`, a holder
    /// no longer asked).
    TaskNote {
        id: u64,
        note: String,
    },
    /// Finished, one way or another.
    TaskDone {
        id: u64,
        outcome: TaskOutcome,
    },
    /// Tab completion for the path field: the names that matched.
    Completion {
        typed: String,
        completed: String,
        candidates: Vec<String>,
    },
    /// The fetch's folder does not exist; Enter creates it.
    FetchNeedsFolder(String),
    /// The outcome of an unpin or recover.
    ActionDone(Result<String, String>),
    /// What audits found and left standing (from the state folder, and
    /// after each audit).
    Fixity(crate::cluster::fixity::Findings),
    /// The capacity screen's figures and the free-space history.
    CapacityReady(
        Result<
            Box<(
                crate::cluster::capacity::Capacity,
                crate::cluster::capacity::history::History,
            )>,
            String,
        >,
    ),
    /// The free-space history, with the latest samples in it.
    FreeHistory(crate::cluster::capacity::history::History),
    /// Items read for an erase: its confirmation comes next.
    EraseReady(Result<Vec<crate::cluster::erase::Prepared>, String>),
    /// Entries of the folder being browsed (a batch per shard); `done` on the last.
    BrowseEntries {
        generation: u64,
        entries: Vec<(String, String, u64)>,
        done: bool,
        error: Option<String>,
        /// The item itself is a file: `entries` holds it alone.
        root_file: bool,
    },
    /// Type and size of browsed entries, from their root blocks.
    BrowseStats {
        generation: u64,
        stats: Vec<EntryStat>,
    },
    /// The preview of a browsed file (or why there is none).
    Preview {
        generation: u64,
        cid: String,
        result: Result<PreviewAnswer, String>,
    },
    /// The operator's tailnet, as `tailscale status --json` tells it.
    Tailnet(crate::tailnet::Tailnet),
    /// A file read whole for the reader (or why it could not be).
    ReaderText {
        generation: u64,
        result: Result<(crate::preview::Preview, u64), String>,
    },
    /// The file name a fetch of `cid` is best saved under (its original
    /// extension found): the fetch form takes it if still as it opened.
    FetchNamed {
        cid: String,
        file: String,
    },
    /// A stewardship plan, to confirm (or why none could be made).
    StewardPlanned(Result<Box<crate::cluster::steward::Plan>, String>),
    /// The item to edit, read fresh, and the member peers (ID, name).
    EditLoaded(Result<(crate::cluster::types::Pin, Vec<(String, String)>), String>),
}

/// An entry's CID and its type and size (or why they could not be read).
pub type EntryStat = (String, Result<(crate::cluster::dag::Kind, u64), String>);

/// What a preview read found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PreviewAnswer {
    File(crate::preview::Preview),
    Folder,
    Symlink(String),
}

/// How a background task ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TaskOutcome {
    /// What to tell the operator, and the item to select (an upload's CID).
    Done {
        message: String,
        select: Option<String>,
    },
    Failed(String),
    /// Stopped at the operator's request; nothing was left behind.
    Cancelled,
}

/// A view of the pins to order off the UI task: everything it is computed
/// from, so whoever runs it needs nothing of the state.
#[derive(Clone)]
pub struct IndexJob {
    /// Names the view: an answer for an older one is dropped.
    pub generation: u64,
    pub rows: std::sync::Arc<Pinset>,
    pub filter: super::filter::Filter,
    pub sort: super::filter::Sort,
    pub repl: super::rows::ReplBook,
    pub problems_only: bool,
}

/// One generation is one view: two jobs of it are the same job.
impl PartialEq for IndexJob {
    fn eq(&self, other: &Self) -> bool {
        self.generation == other.generation
    }
}

impl Eq for IndexJob {}

/// Its generation only: the rows are a million lines at times.
impl std::fmt::Debug for IndexJob {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IndexJob")
            .field("generation", &self.generation)
            .finish_non_exhaustive()
    }
}

/// Requests to the outside. Only `update` creates them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    Quit,
    /// Poll everything now (Ctrl-R).
    RefreshNow,
    /// Stop or resume polling (`f`).
    Freeze(bool),
    /// Copy to the clipboard with OSC 52.
    Copy(String),
    /// The rows on screen and the inspected item changed.
    Watch {
        visible: Vec<String>,
        selected: Option<String>,
    },
    /// Recompute the pins order off the UI task (large pinsets).
    Reindex(Box<IndexJob>),
    /// Complete a local path (Tab in the upload form).
    CompletePath(String),
    /// Upload a file or folder (after the form was filled in).
    Upload(UploadRequest),
    /// Fetch an item to disk.
    Fetch {
        id: u64,
        cid: String,
        dest: String,
        /// Create the destination's folder (the operator agreed).
        create_folder: bool,
    },
    /// Stop the console and give the shell the terminal (Ctrl-Z).
    Suspend,
    /// List a folder inside an item (lazily, shard by shard).
    BrowseList {
        generation: u64,
        cid: String,
    },
    /// Type and size these entries (the ones on screen).
    BrowseStat {
        generation: u64,
        cids: Vec<String>,
    },
    /// Read the start of a file for its preview.
    Preview {
        generation: u64,
        cid: String,
        name: String,
    },
    /// Read a file whole (up to [`crate::app::reader::READ_BYTES`]) for the reader.
    Read {
        generation: u64,
        cid: String,
        name: String,
    },
    /// Find the name a fetch of `cid` (called `name`) is saved under.
    FetchName {
        cid: String,
        name: String,
    },
    /// Check the archive's copies, peer by peer (`:audit`).
    Audit {
        id: u64,
        sample: Option<usize>,
    },
    CancelTask(u64),
    /// Work out a stewardship plan (reads only).
    StewardPlan(StewardRequest),
    /// Read an item fresh for the edit form.
    EditLoad(String),
    /// Changes to the cluster, never in read-only mode (see `update::gate`).
    /// An unpin comes only after its confirmation; a recover re-queues what
    /// already failed and changes no allocation, so `r` asks nothing.
    Unpin(Vec<String>),
    /// Work out the capacity figures from the loaded pinset (off the UI
    /// task) and read the free-space history.
    Capacity(std::sync::Arc<crate::pinset::Pinset>),
    /// Put the peers' free space (peer ID, bytes) in its history.
    RecordFreeSpace(Vec<(String, u64)>),
    /// Read items and look for the blocks other items share, before the
    /// erase's confirmation (reads only).
    PrepareErase(Vec<String>),
    /// Erase confirmed items, as a task.
    Erase {
        id: u64,
        items: Vec<crate::cluster::erase::Prepared>,
    },
    Recover(String),
    RecoverAll,
    /// Carry a confirmed plan out, as a task.
    Steward {
        id: u64,
        plan: Box<crate::cluster::steward::Plan>,
    },
    /// Write a confirmed edit, as a task.
    Edit {
        id: u64,
        edit: Box<crate::cluster::steward::edit::Edit>,
    },
}

/// Which stewardship plan to make.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StewardRequest {
    Rebalance,
    /// The peer's ID.
    Drain(String),
    /// The profile (org).
    Ensure(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadRequest {
    pub id: u64,
    pub path: String,
    pub name: Option<String>,
    pub replication_min: Option<i32>,
    pub replication_max: Option<i32>,
    pub metadata: Vec<(String, String)>,
}

impl Effect {
    /// Whether carrying this out changes the cluster (the read-only gate
    /// holds these back). Every effect is named: a new one is a compile
    /// error here until it is said whether it changes the cluster.
    pub fn mutates(&self) -> bool {
        match self {
            Effect::Upload(_)
            | Effect::Unpin(_)
            | Effect::Erase { .. }
            | Effect::Recover(_)
            | Effect::RecoverAll
            | Effect::Steward { .. }
            | Effect::Edit { .. } => true,
            Effect::Quit
            | Effect::RefreshNow
            | Effect::Freeze(_)
            | Effect::Copy(_)
            | Effect::Watch { .. }
            | Effect::Reindex(_)
            | Effect::CompletePath(_)
            | Effect::Fetch { .. }
            | Effect::Suspend
            | Effect::BrowseList { .. }
            | Effect::BrowseStat { .. }
            | Effect::Preview { .. }
            | Effect::Read { .. }
            | Effect::FetchName { .. }
            | Effect::Audit { .. }
            | Effect::CancelTask(_)
            | Effect::StewardPlan(_)
            | Effect::EditLoad(_)
            | Effect::Capacity(_)
            | Effect::RecordFreeSpace(_)
            | Effect::PrepareErase(_) => false,
        }
    }
}
