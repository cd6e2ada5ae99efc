//! What a key can do, with the words the footer and the help show for it.

use serde::Deserialize;

use super::Screen;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Quit,
    Help,
    Command,
    Filter,
    Back,
    NextPane,
    PrevPane,
    PeersPane,
    PinsPane,
    ReplicationPane,
    Down,
    Up,
    Top,
    Bottom,
    PageDown,
    PageUp,
    Inspect,
    Mark,
    Refresh,
    Freeze,
    Copy,
    Problems,
    SortName,
    SortCreated,
    SortSize,
    SortStatus,
    Upload,
    Fetch,
    Unpin,
    Recover,
    RecoverAll,
    /// Edit the item: name, replication, peers, metadata.
    Edit,
    Tasks,
    /// The capacity screen.
    Capacity,
    /// Its growth chart in items or in bytes.
    Units,
    Suspend,
    /// Leave an overlay.
    Close,
    /// Run what a prompt or form holds.
    Submit,
    /// Tab: complete the path or command, else the next field.
    Complete,
    NextField,
    PrevField,
    /// Say yes to a confirmation.
    Confirm,
    /// Say no.
    Cancel,
    /// Move between Cancel and the action.
    Toggle,
    /// Enter on a confirmation: the focused button.
    Choose,
    /// A confirmation's second choice (an unpin's Erase).
    Second,
    CancelTask,
    Dismiss,
    /// From a peer's detail: the pins filtered to it.
    PeerItems,
    /// Look inside the selected item.
    Browse,
    /// Into the selected folder (browsing).
    Open,
    /// Up one folder (browsing).
    Parent,
    /// Long lines wrapped or not (reading a file).
    Wrap,
    /// Scroll left and right (reading a file, not wrapped).
    Left,
    Right,
}

impl Action {
    pub fn describe(self) -> &'static str {
        match self {
            Action::Quit => "quit",
            Action::Help => "help for this screen",
            Action::Command => "command line (:problems :peer NAME …; Tab completes)",
            Action::Filter => "filter (!invert, status:error, org:x, peer:NAME)",
            Action::Back => "back: clear filter, problems view, marks, then message",
            Action::NextPane => "next pane",
            Action::PrevPane => "previous pane",
            Action::PeersPane => "peers pane",
            Action::PinsPane => "pins pane",
            Action::ReplicationPane => "replication pane",
            Action::Down => "down",
            Action::Up => "up",
            Action::Top => "top",
            Action::Bottom => "bottom",
            Action::PageDown => "page down",
            Action::PageUp => "page up",
            Action::Inspect => "inspect the item / open the peer / look inside",
            Action::Mark => "mark the item",
            Action::Refresh => "refresh now",
            Action::Freeze => "freeze/unfreeze updates",
            Action::Copy => "copy the CID or peer ID (OSC 52)",
            Action::Problems => "problems only (not fully replicated)",
            Action::SortName => "sort by name (again: reverse)",
            Action::SortCreated => "sort by created (again: reverse)",
            Action::SortSize => "sort by size (again: reverse)",
            Action::SortStatus => "sort by status (again: reverse)",
            Action::Upload => "upload a file or folder",
            Action::Fetch => "fetch the item to disk",
            Action::Unpin => "unpin the marked items, or the selected one",
            Action::Recover => "recover the selected item's errors",
            Action::RecoverAll => "recover every item in error",
            Action::Edit => "edit the item (name, replication, peers, metadata)",
            Action::Tasks => "transfers (tasks view)",
            Action::Capacity => "capacity: how full, how fast, until when",
            Action::Units => "the growth chart in items or in bytes",
            Action::Suspend => "suspend to the shell (fg resumes)",
            Action::Close => "close",
            Action::Submit => "run it",
            Action::Complete => "complete (path, command); else next field",
            Action::NextField => "next field",
            Action::PrevField => "previous field",
            Action::Confirm => "yes: do it",
            Action::Cancel => "no: cancel, nothing changes",
            Action::Toggle => "move between the buttons",
            Action::Choose => "the focused button (Cancel at first)",
            Action::Second => "erase: unpin, collect on every peer, check",
            Action::CancelTask => "cancel the selected transfer",
            Action::Dismiss => "dismiss a finished transfer",
            Action::PeerItems => "show the items allocated to this peer",
            Action::Browse => "look inside the item: folders, previews",
            Action::Open => "open the folder, or read the file whole",
            Action::Parent => "up one folder (at the top: close)",
            Action::Wrap => "wrap long lines, or not",
            Action::Left => "scroll left",
            Action::Right => "scroll right (lines not wrapped)",
        }
    }

    /// The description on a given screen, where the general one would mislead.
    pub fn describe_in(self, screen: Screen) -> &'static str {
        match (screen, self) {
            (Screen::Peer, Action::Down) => "next peer",
            (Screen::Peer, Action::Up) => "previous peer",
            (Screen::Peer, Action::Copy) => "copy the peer ID (OSC 52)",
            (Screen::Tasks, Action::Down) => "next transfer",
            (Screen::Tasks, Action::Up) => "previous transfer",
            (Screen::Help, Action::Down) => "scroll down",
            (Screen::Help, Action::Up) => "scroll up",
            (Screen::Prompt, Action::Complete) => {
                "complete the verb, argument, filter field or value"
            }
            (Screen::Form, Action::Complete) => {
                "complete the path (in the path field), else next field"
            }
            (Screen::Prompt, Action::Submit) => "run the command / keep the filter",
            (Screen::Prompt, Action::Close) => "close (a filter is cleared)",
            (Screen::Form, Action::Submit) => "upload / fetch",
            (Screen::Form, Action::Close) => "cancel: nothing is sent",
            (Screen::Browse, Action::Close) => "back to the panes",
            (Screen::Browse, Action::Filter) => "filter the entries by name",
            (Screen::Browse, Action::SortName) => "sort by name",
            (Screen::Browse, Action::SortSize) => "sort by size, biggest first",
            (Screen::Browse, Action::Fetch) => "fetch the entry (file or folder) to disk",
            (Screen::Browse, Action::Copy) => "copy /ipfs/CID/path (OSC 52)",
            (Screen::Reader, Action::Close) => "back to the folder",
            (Screen::Reader, Action::Down) => "down a line",
            (Screen::Reader, Action::Up) => "up a line",
            (Screen::Reader, Action::Top) => "the first line",
            (Screen::Reader, Action::Bottom) => "the last line",
            (Screen::Reader, Action::Fetch) => "fetch the file to disk",
            (Screen::Reader, Action::Copy) => "copy /ipfs/CID/path (OSC 52)",
            _ => self.describe(),
        }
    }

    /// Short label for the footer.
    pub fn short(self) -> &'static str {
        match self {
            Action::Quit => "quit",
            Action::Help => "help",
            Action::Command => "cmd",
            Action::Filter => "filter",
            Action::Inspect => "inspect",
            Action::Mark => "mark",
            Action::Refresh => "refresh",
            Action::Freeze => "freeze",
            Action::Copy => "copy",
            Action::Problems => "problems",
            Action::NextPane => "pane",
            Action::Back => "back",
            Action::Upload => "upload",
            Action::Fetch => "fetch",
            Action::Unpin => "unpin",
            Action::Recover => "recover",
            Action::RecoverAll => "recover all",
            Action::Edit => "edit",
            Action::Tasks => "tasks",
            Action::Capacity => "capacity",
            Action::Units => "items/bytes",
            Action::Down => "down",
            Action::Up => "up",
            Action::PageDown => "page",
            Action::PageUp => "page up",
            Action::Close => "close",
            Action::Submit => "run",
            Action::Complete => "complete",
            Action::NextField => "next",
            Action::Confirm => "yes",
            Action::Cancel => "no",
            Action::Second => "erase",
            Action::CancelTask => "cancel",
            Action::Dismiss => "dismiss",
            Action::PeerItems => "its items",
            Action::Browse => "browse",
            Action::Open => "open",
            Action::Parent => "up",
            Action::Wrap => "wrap",
            Action::SortName => "name",
            Action::SortSize => "size",
            Action::SortStatus => "status",
            _ => "",
        }
    }
}
