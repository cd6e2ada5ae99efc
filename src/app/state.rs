//! Everything the console knows, in one value that `update` changes and
//! `view` draws. No I/O here; time arrives through messages.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::filter::{Filter, Sort};
use super::keymap::{Keymap, Screen};
use super::rows::{PeerRow, ReplBook};
use crate::cluster::types::GlobalPinInfo;
use crate::pinset::{Pinset, Row};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    Peers,
    Pins,
    Replication,
}

impl Pane {
    pub const ALL: [Pane; 3] = [Pane::Peers, Pane::Pins, Pane::Replication];
    pub fn title(self) -> &'static str {
        match self {
            Pane::Peers => "peers",
            Pane::Pins => "pins",
            Pane::Replication => "replication",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    Normal,
    /// Typing a `/` filter.
    Filter(String),
    /// Typing a `:` command.
    Command(String),
    /// Typing a filter of the folder being browsed.
    BrowseFilter(String),
}

/// The help overlay: the keys of the screen it was opened on, scrolled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HelpView {
    pub of: Screen,
    pub offset: usize,
}

/// One peer, opened from the peers pane: what it holds and what hangs on it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PeerDetail {
    pub id: String,
    pub stats: PeerStats,
}

/// A peer's share of the archive, counted over the whole pinset.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PeerStats {
    /// Items it should hold (allocated to it, or pinned everywhere).
    pub allocated: usize,
    /// Items it reports in error (from the problems list).
    pub errors: usize,
    /// Items whose only copy that can be served is this peer's: no other
    /// allocated peer is up and free of errors.
    pub only_copy: usize,
    /// A few of those, by name, to show.
    pub only_copy_names: Vec<String>,
}

/// How fresh a pane's data is, and why it is not fresher.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Freshness {
    pub fetched: Option<Instant>,
    /// How often this data is refreshed when all is well.
    pub interval: Duration,
    pub error: Option<String>,
    pub retry_at: Option<Instant>,
    pub loading: bool,
}

impl Freshness {
    pub fn ok(&mut self, now: Instant) {
        self.fetched = Some(now);
        self.loading = false;
        self.error = None;
        self.retry_at = None;
    }
    pub fn failed(&mut self, error: String, retry_in: Duration, now: Instant) {
        self.error = Some(error);
        self.retry_at = Some(now + retry_in);
        self.loading = false;
    }
    /// `live` while data arrives on time (so an idle screen stays unchanged
    /// and writes nothing), `stale 45 s` when late, or why it cannot refresh:
    /// `cannot reach nas:9094: connection refused; retrying in 8 s`.
    pub fn describe(&self, now: Instant) -> String {
        if let Some(e) = &self.error {
            let retry = self
                .retry_at
                .map(|t| {
                    format!(
                        "; retrying in {} s",
                        t.saturating_duration_since(now).as_secs().max(1)
                    )
                })
                .unwrap_or_default();
            return format!("{e}{retry}");
        }
        match self.fetched {
            None if self.loading => "loading…".into(),
            None => "waiting…".into(),
            Some(t) => {
                let age = now.saturating_duration_since(t);
                let late = age > (self.interval * 2).max(Duration::from_secs(10));
                if late {
                    format!("stale {} s", age.as_secs())
                } else {
                    "live".into()
                }
            }
        }
    }
}

/// How an OSC 52 copy reaches the clipboard from here: the event loop
/// writes the sequence this says, and the operator is told when it may not
/// arrive (found from the environment at start).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Clipboard {
    /// A terminal that takes OSC 52 as it comes.
    #[default]
    Direct,
    /// Inside tmux: plain OSC 52, which tmux forwards when `set-clipboard`
    /// is on (its default, `external`, forwards too); `passthrough` wraps it
    /// in tmux's DCS passthrough instead (configured: `allow-passthrough on`).
    Tmux { passthrough: bool },
    /// GNU screen, which does not forward OSC 52.
    Screen,
    /// The Linux console: no clipboard to set.
    NoClipboard,
}

impl Clipboard {
    /// What to add to "copied …" when the copy may not arrive.
    pub fn caveat(self) -> &'static str {
        match self {
            Clipboard::Direct => "",
            Clipboard::Tmux { passthrough: false } => " (tmux: needs set-clipboard)",
            Clipboard::Tmux { passthrough: true } => " (tmux: needs allow-passthrough)",
            Clipboard::Screen => " (GNU screen may drop it)",
            Clipboard::NoClipboard => " (no clipboard here: not copied)",
        }
    }
}

#[derive(Debug, Clone)]
pub enum Level {
    Info,
    Error,
}

#[derive(Debug, Clone)]
pub struct Flash {
    pub text: String,
    pub level: Level,
    pub until: Instant,
}

/// The pins pane: immutable rows (shared with filter tasks), the order to show
/// them in, and the replication summaries polls have brought.
#[derive(Debug, Clone, Default)]
pub struct PinsState {
    pub rows: Arc<Pinset>,
    /// A reload being applied to `rows` in place (the old rows stay on
    /// screen until it ends), and listing chunks waiting for the table while
    /// an index task still reads it.
    pub reload: Option<crate::pinset::Reload>,
    pub pending: Vec<Pinset>,
    pub generation: u64,
    pub index: crate::pinset::Order,
    /// Set when `index` is being recomputed off the UI task.
    pub index_pending: Option<u64>,
    /// The index task running, if any. One at a time: typing a filter over
    /// a million rows would otherwise start a task a key, each holding its
    /// own flags and index (the console's peak went from 137 to 169 MiB);
    /// the latest view starts when the running one ends.
    pub index_running: Option<u64>,
    pub index_gen: u64,
    pub selected: usize,
    pub offset: usize,
    pub filter: Filter,
    pub sort: Sort,
    pub problems_only: bool,
    /// Items of the whole pinset that are problems (the header's count; the
    /// same rule as the problems view).
    pub problems: usize,
    pub marked: BTreeSet<Box<str>>,
    /// The view `index` is of: the one asked for (`filter`, `sort`,
    /// `problems_only`) may still be on its way, and until it comes the
    /// title says what the rows on screen are.
    pub shown: View,
    /// The view the pending index is of.
    pub asked: View,
    /// Where the next order installed puts the selection: its first row
    /// (the first load ends sorted and the user had not moved; `g` pressed
    /// while a sort was on its way) or its last (`G`).
    pub land: Option<Edge>,
    /// The operator has moved in the pins pane: the first load's order then
    /// keeps the item they are on, else it opens at its first row.
    pub moved: bool,
    /// The item selected when the problems view opened, selected again
    /// when it closes.
    pub before_problems: Option<Box<str>>,
    /// Replication per item: observed, else derived (one rule).
    pub repl: ReplBook,
    /// Items allocated to each peer ID in the last complete pinset, and items
    /// pinned everywhere (for the peers pane).
    pub alloc_counts: HashMap<Arc<str>, usize>,
    /// The orgs items carry (a few), for completing `org:`.
    pub orgs: Vec<String>,
    pub everywhere: usize,
    /// Items each peer ID reports in error, from the last problems list; kept
    /// here so peers listed after that list arrives get theirs too.
    pub peer_errors: HashMap<String, usize>,
    pub fresh: Freshness,
    pub problems_fresh: Freshness,
}

/// What an order of the pins pane is of.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct View {
    /// The filter as typed.
    pub filter: String,
    pub sort: Sort,
    pub problems_only: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edge {
    Top,
    Bottom,
}

impl PinsState {
    /// The view asked for now.
    pub fn view(&self) -> View {
        View {
            filter: self.filter.raw.clone(),
            sort: self.sort,
            problems_only: self.problems_only,
        }
    }

    pub fn selected_row(&self) -> Option<Row<'_>> {
        self.index
            .get(self.selected)
            .and_then(|i| self.rows.get(*i as usize))
    }

    /// The row of `cid`: the selected one or one near it without a scan
    /// (what is looked up is nearly always what the operator is on).
    pub fn row_of(&self, cid: &str) -> Option<Row<'_>> {
        let near = self.selected.saturating_sub(200)..(self.selected + 200).min(self.index.len());
        self.index[near]
            .iter()
            .filter_map(|i| self.rows.get(*i as usize))
            .find(|r| r.cid() == cid)
            .or_else(|| self.rows.find(cid))
    }
}

#[derive(Debug, Clone, Default)]
pub struct PeersState {
    pub rows: Vec<PeerRow>,
    pub selected: usize,
    pub fresh: Freshness,
}

#[derive(Debug, Clone, Default)]
pub struct ReplicationState {
    pub cid: Option<Box<str>>,
    pub info: Option<GlobalPinInfo>,
    pub selected: usize,
    /// First peer line shown (the pane scrolls).
    pub offset: usize,
    pub fresh: Freshness,
}

#[derive(Debug, Clone)]
pub struct State {
    pub cluster: String,
    pub user: Option<String>,
    pub read_only: bool,
    pub color: bool,
    pub keymap: Keymap,
    pub mode: Mode,
    /// The help overlay, over whatever screen it was opened on.
    pub help: Option<HelpView>,
    /// A peer opened from the peers pane.
    pub peer_detail: Option<PeerDetail>,
    /// The risk view (`:risk [PEER]`).
    pub risk: Option<crate::cluster::steward::Risk>,
    /// The capacity screen (`c`, `:capacity`).
    pub capacity: Option<super::capacity::CapacityView>,
    /// When the peers' free space was last put in its history.
    pub free_sampled: Option<Instant>,
    /// Which org runs each node (node name, org), from the configuration.
    pub node_orgs: Vec<(String, String)>,
    /// Inside an item: its folders and a preview.
    pub browse: Option<super::browse::Browse>,
    /// What the operator's Tailscale sees of the members' machines (none
    /// without Tailscale).
    pub tailnet: Option<crate::tailnet::Tailnet>,
    /// A file read whole, over the folder it is in.
    pub reader: Option<super::reader::Reader>,
    pub browse_generation: u64,
    /// Rows the browse list shows (from the layout).
    pub browse_height: usize,
    /// Candidates of an ambiguous Tab on the prompt line.
    pub prompt_hint: Option<String>,
    /// Commands run from the `:` line, oldest first (↑ recalls).
    pub history: Vec<String>,
    /// Where ↑/↓ are in `history` while typing a command.
    pub history_pos: Option<usize>,
    pub focus: Pane,
    pub peers: PeersState,
    pub pins: PinsState,
    pub replication: ReplicationState,
    pub flash: Option<Flash>,
    /// An open form or confirmation; keys go to it first.
    pub dialog: Option<super::dialog::Dialog>,
    pub tasks: Vec<super::transfers::Task>,
    pub show_tasks: bool,
    pub tasks_selected: usize,
    pub next_task: u64,
    /// `org` metadata the upload form starts with (the config's profile).
    pub default_org: Option<String>,
    /// Select this item once a pinset load brings it (after an upload).
    pub select_when_loaded: Option<Box<str>>,
    pub frozen: bool,
    pub now: Instant,
    /// Rows the pins pane can show (from the layout, on every message).
    pub pins_height: usize,
    /// Peer lines the replication pane can show.
    pub replication_height: usize,
    pub clipboard: Clipboard,
    /// A shell with job control started us: Ctrl-Z has somewhere to return.
    pub job_control: bool,
    /// Where relative fetch destinations land (shown absolute in the form).
    pub cwd: std::path::PathBuf,
    /// The terminal's area, once the event loop has said it.
    pub screen: Option<ratatui::layout::Rect>,
}

impl State {
    pub fn new(cluster: String, user: Option<String>, now: Instant) -> Self {
        Self {
            cluster,
            user,
            read_only: false,
            color: true,
            keymap: Keymap::default(),
            mode: Mode::Normal,
            help: None,
            peer_detail: None,
            risk: None,
            capacity: None,
            free_sampled: None,
            node_orgs: Vec::new(),
            browse: None,
            reader: None,
            tailnet: None,
            browse_generation: 0,
            browse_height: 10,
            prompt_hint: None,
            history: Vec::new(),
            history_pos: None,
            focus: Pane::Pins,
            peers: PeersState::default(),
            pins: PinsState::default(),
            replication: ReplicationState::default(),
            flash: None,
            dialog: None,
            tasks: Vec::new(),
            show_tasks: false,
            tasks_selected: 0,
            next_task: 1,
            default_org: None,
            select_when_loaded: None,
            frozen: false,
            now,
            pins_height: 10,
            replication_height: 5,
            clipboard: Clipboard::Direct,
            job_control: true,
            cwd: std::path::PathBuf::new(),
            screen: None,
        }
    }

    /// The screen keys go to now (help over all; then a dialog, a prompt,
    /// a peer's detail, the transfers, the panes).
    pub fn screen(&self) -> Screen {
        use super::dialog::Dialog;
        if self.help.is_some() {
            return Screen::Help;
        }
        match &self.dialog {
            Some(Dialog::Form(_)) => return Screen::Form,
            Some(Dialog::Confirm(_)) => return Screen::Confirm,
            None => {}
        }
        if !matches!(self.mode, Mode::Normal) {
            Screen::Prompt
        } else if self.risk.is_some() {
            Screen::Risk
        } else if self.capacity.is_some() {
            Screen::Capacity
        } else if self.reader.is_some() {
            Screen::Reader
        } else if self.browse.is_some() {
            Screen::Browse
        } else if self.peer_detail.is_some() {
            Screen::Peer
        } else if self.show_tasks {
            Screen::Tasks
        } else {
            Screen::Main
        }
    }

    /// The inspected item's lines in the replication pane (one rule for
    /// moving in it and drawing it).
    pub fn replication_lines(&self) -> Vec<super::rows::PeerLine> {
        let Some(g) = &self.replication.info else {
            return Vec::new();
        };
        let names: HashMap<String, String> = self
            .peers
            .rows
            .iter()
            .map(|p| (p.id.clone(), p.name.clone()))
            .collect();
        super::rows::peer_lines(g, &self.pins.repl.health, &names)
    }

    /// The fetch form's default destination: `name` in the working folder.
    pub fn fetch_dir(&self, name: &str) -> String {
        self.cwd.join(name).display().to_string()
    }

    /// Tasks still running (uploads, fetches, audits, plans, edits).
    pub fn running_tasks(&self) -> usize {
        self.tasks.iter().filter(|t| !t.finished()).count()
    }

    /// The cluster does not answer: the peers poller, which asks every few
    /// seconds, failed its last try.
    pub fn unreachable(&self) -> bool {
        self.peers.fresh.error.is_some()
    }

    pub fn online_peers(&self) -> usize {
        self.peers.rows.iter().filter(|p| p.online()).count()
    }

    /// CIDs of the rows on screen, then the selected one: what the status
    /// poller asks about.
    pub fn visible_cids(&self) -> Vec<String> {
        let p = &self.pins;
        let end = (p.offset + self.pins_height.max(1)).min(p.index.len());
        p.index[p.offset.min(end)..end]
            .iter()
            .filter_map(|i| p.rows.get(*i as usize))
            .map(|r| r.cid().to_string())
            .collect()
    }
}
