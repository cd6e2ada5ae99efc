//! The screens that have keys of their own.

use serde::Deserialize;

/// A screen with keys of its own. Help shows the keys of the one you are on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Screen {
    /// The panes: peers, pins, replication.
    Main,
    /// The `/` filter and `:` command lines.
    Prompt,
    Help,
    /// Upload and fetch forms.
    Form,
    /// A confirmation.
    Confirm,
    /// Transfers.
    Tasks,
    /// One peer, in detail.
    Peer,
    /// Inside an item: folders and a preview.
    Browse,
    /// What a failure would cost (`:risk`).
    Risk,
    /// How full, how fast, how long (`:capacity`).
    Capacity,
    /// A file read whole (Enter on a file while browsing).
    Reader,
}

impl Screen {
    pub const ALL: [Screen; 11] = [
        Screen::Main,
        Screen::Browse,
        Screen::Reader,
        Screen::Risk,
        Screen::Capacity,
        Screen::Prompt,
        Screen::Help,
        Screen::Form,
        Screen::Confirm,
        Screen::Tasks,
        Screen::Peer,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Screen::Main => "main screen",
            Screen::Prompt => "filter and command line",
            Screen::Help => "help",
            Screen::Form => "forms (upload, fetch, edit)",
            Screen::Confirm => "confirmations",
            Screen::Tasks => "transfers",
            Screen::Peer => "peer detail",
            Screen::Browse => "inside an item",
            Screen::Risk => "risk",
            Screen::Capacity => "capacity",
            Screen::Reader => "reading a file",
        }
    }

    /// The name a keymap file uses for this screen's section.
    pub fn key(self) -> &'static str {
        match self {
            Screen::Main => "main",
            Screen::Prompt => "prompt",
            Screen::Help => "help",
            Screen::Form => "form",
            Screen::Confirm => "confirm",
            Screen::Tasks => "tasks",
            Screen::Peer => "peer",
            Screen::Browse => "browse",
            Screen::Risk => "risk",
            Screen::Capacity => "capacity",
            Screen::Reader => "reader",
        }
    }
}
