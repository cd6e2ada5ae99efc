//! One keymap per screen (yazi's way): each key with the action it runs and
//! that action's description, which the footer and the help screen show. One
//! table per screen, so help can never disagree with behaviour.

use std::collections::{BTreeMap, HashMap};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
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

/// A key as written in the keymap file: `q`, `G`, `ctrl-r`, `space`, `pgdn`…
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub ctrl: bool,
}

impl Key {
    pub const fn ch(c: char) -> Self {
        Key {
            code: KeyCode::Char(c),
            ctrl: false,
        }
    }
    pub const fn ctrl(c: char) -> Self {
        Key {
            code: KeyCode::Char(c),
            ctrl: true,
        }
    }
    pub const fn code(code: KeyCode) -> Self {
        Key { code, ctrl: false }
    }

    pub fn from_event(e: &KeyEvent) -> Self {
        let ctrl = e.modifiers.contains(KeyModifiers::CONTROL);
        let code = match e.code {
            // Terminals report Shift-Tab as BackTab; letters arrive already cased.
            KeyCode::Char(c) if ctrl => KeyCode::Char(c.to_ascii_lowercase()),
            c => c,
        };
        Key { code, ctrl }
    }

    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        if let Some(rest) = s.strip_prefix("ctrl-").or_else(|| s.strip_prefix("C-")) {
            let mut cs = rest.chars();
            let c = cs.next()?;
            return cs
                .next()
                .is_none()
                .then(|| Key::ctrl(c.to_ascii_lowercase()));
        }
        let lower = s.to_lowercase();
        let code = match lower.as_str() {
            "space" => KeyCode::Char(' '),
            "enter" => KeyCode::Enter,
            "esc" => KeyCode::Esc,
            "tab" => KeyCode::Tab,
            "backtab" | "shift-tab" => KeyCode::BackTab,
            "up" => KeyCode::Up,
            "down" => KeyCode::Down,
            "left" => KeyCode::Left,
            "right" => KeyCode::Right,
            "pgup" | "pageup" => KeyCode::PageUp,
            "pgdn" | "pagedown" => KeyCode::PageDown,
            "home" => KeyCode::Home,
            "end" => KeyCode::End,
            "delete" | "del" => KeyCode::Delete,
            f if f.len() >= 2 && f.starts_with('f') && f[1..].parse::<u8>().is_ok() => {
                KeyCode::F(f[1..].parse().ok()?)
            }
            _ => {
                let mut cs = s.chars();
                let c = cs.next()?;
                if cs.next().is_some() {
                    return None;
                }
                KeyCode::Char(c)
            }
        };
        Some(Key::code(code))
    }

    pub fn label(&self) -> String {
        let base = match self.code {
            KeyCode::Char(' ') => "Space".to_string(),
            KeyCode::Char(c) => c.to_string(),
            KeyCode::Enter => "Enter".into(),
            KeyCode::Esc => "Esc".into(),
            KeyCode::Tab => "Tab".into(),
            KeyCode::BackTab => "S-Tab".into(),
            KeyCode::Up => "↑".into(),
            KeyCode::Down => "↓".into(),
            KeyCode::Left => "←".into(),
            KeyCode::Right => "→".into(),
            KeyCode::PageUp => "PgUp".into(),
            KeyCode::PageDown => "PgDn".into(),
            KeyCode::Home => "Home".into(),
            KeyCode::End => "End".into(),
            KeyCode::Delete => "Del".into(),
            KeyCode::F(n) => format!("F{n}"),
            other => format!("{other:?}"),
        };
        if self.ctrl {
            format!("Ctrl-{}", base.to_uppercase())
        } else {
            base
        }
    }
}

use Action as A;
use KeyCode as K;

const MAIN: &[(Key, Action)] = &[
    (Key::ch('?'), A::Help),
    (Key::code(K::F(1)), A::Help),
    (Key::ch('q'), A::Quit),
    (Key::ctrl('c'), A::Quit),
    (Key::ch(':'), A::Command),
    (Key::ch('/'), A::Filter),
    (Key::code(K::Esc), A::Back),
    (Key::code(K::Tab), A::NextPane),
    (Key::code(K::BackTab), A::PrevPane),
    (Key::ch('1'), A::PeersPane),
    (Key::ch('2'), A::PinsPane),
    (Key::ch('3'), A::ReplicationPane),
    (Key::ch('j'), A::Down),
    (Key::code(K::Down), A::Down),
    (Key::ch('k'), A::Up),
    (Key::code(K::Up), A::Up),
    (Key::ch('g'), A::Top),
    (Key::code(K::Home), A::Top),
    (Key::ch('G'), A::Bottom),
    (Key::code(K::End), A::Bottom),
    (Key::code(K::PageDown), A::PageDown),
    (Key::ctrl('f'), A::PageDown),
    (Key::code(K::PageUp), A::PageUp),
    (Key::ctrl('b'), A::PageUp),
    (Key::code(K::Enter), A::Inspect),
    (Key::ch(' '), A::Mark),
    (Key::ch('p'), A::Problems),
    (Key::ch('N'), A::SortName),
    (Key::ch('C'), A::SortCreated),
    (Key::ch('Z'), A::SortSize),
    (Key::ch('S'), A::SortStatus),
    (Key::ch('y'), A::Copy),
    (Key::ctrl('r'), A::Refresh),
    (Key::ch('f'), A::Freeze),
    (Key::ch('a'), A::Upload),
    (Key::ch('u'), A::Upload),
    (Key::ch('o'), A::Fetch),
    (Key::ch('F'), A::Fetch),
    (Key::ch('x'), A::Unpin),
    (Key::ctrl('d'), A::Unpin),
    (Key::ch('r'), A::Recover),
    (Key::ch('R'), A::RecoverAll),
    (Key::ch('e'), A::Edit),
    (Key::ch('w'), A::Tasks),
    (Key::ch('c'), A::Capacity),
    (Key::ch('l'), A::Browse),
    (Key::code(K::Right), A::Browse),
    (Key::ctrl('z'), A::Suspend),
];

const RISK: &[(Key, Action)] = &[
    (Key::ch('?'), A::Help),
    (Key::code(K::F(1)), A::Help),
    (Key::code(K::Esc), A::Close),
    (Key::ch('q'), A::Close),
];

const CAPACITY: &[(Key, Action)] = &[
    (Key::ch('?'), A::Help),
    (Key::code(K::F(1)), A::Help),
    (Key::code(K::Esc), A::Close),
    (Key::ch('q'), A::Close),
    (Key::ch('t'), A::Units),
    (Key::ctrl('r'), A::Refresh),
];

const BROWSE: &[(Key, Action)] = &[
    (Key::ch('?'), A::Help),
    (Key::code(K::F(1)), A::Help),
    (Key::code(K::Esc), A::Close),
    (Key::ch('q'), A::Close),
    (Key::code(K::Enter), A::Open),
    (Key::ch('l'), A::Open),
    (Key::code(K::Right), A::Open),
    (Key::ch('h'), A::Parent),
    (Key::code(K::Left), A::Parent),
    (Key::code(K::Backspace), A::Parent),
    (Key::ch('j'), A::Down),
    (Key::code(K::Down), A::Down),
    (Key::ch('k'), A::Up),
    (Key::code(K::Up), A::Up),
    (Key::ch('g'), A::Top),
    (Key::ch('G'), A::Bottom),
    (Key::code(K::PageDown), A::PageDown),
    (Key::code(K::PageUp), A::PageUp),
    (Key::ch('/'), A::Filter),
    (Key::ch('N'), A::SortName),
    (Key::ch('Z'), A::SortSize),
    (Key::ch('o'), A::Fetch),
    (Key::ch('y'), A::Copy),
];

const READER: &[(Key, Action)] = &[
    (Key::ch('?'), A::Help),
    (Key::code(K::F(1)), A::Help),
    (Key::code(K::Esc), A::Close),
    (Key::ch('q'), A::Close),
    (Key::ch('j'), A::Down),
    (Key::code(K::Down), A::Down),
    (Key::ch('k'), A::Up),
    (Key::code(K::Up), A::Up),
    (Key::code(K::PageDown), A::PageDown),
    (Key::ch(' '), A::PageDown),
    (Key::code(K::PageUp), A::PageUp),
    (Key::ch('g'), A::Top),
    (Key::ch('G'), A::Bottom),
    (Key::ch('w'), A::Wrap),
    (Key::ch('h'), A::Left),
    (Key::code(K::Left), A::Left),
    (Key::ch('l'), A::Right),
    (Key::code(K::Right), A::Right),
    (Key::ch('o'), A::Fetch),
    (Key::ch('y'), A::Copy),
];

const PROMPT: &[(Key, Action)] = &[
    (Key::code(K::Enter), A::Submit),
    (Key::code(K::Esc), A::Close),
    (Key::ctrl('c'), A::Close),
    (Key::code(K::Tab), A::Complete),
    (Key::code(K::F(1)), A::Help),
];

const HELP: &[(Key, Action)] = &[
    (Key::code(K::Esc), A::Close),
    (Key::ch('q'), A::Close),
    (Key::ch('?'), A::Close),
    (Key::code(K::Enter), A::Close),
    (Key::code(K::F(1)), A::Close),
    (Key::ctrl('c'), A::Close),
    (Key::ch('j'), A::Down),
    (Key::code(K::Down), A::Down),
    (Key::ch('k'), A::Up),
    (Key::code(K::Up), A::Up),
    (Key::code(K::PageDown), A::PageDown),
    (Key::ch(' '), A::PageDown),
    (Key::ctrl('f'), A::PageDown),
    (Key::code(K::PageUp), A::PageUp),
    (Key::ctrl('b'), A::PageUp),
    (Key::ch('g'), A::Top),
    (Key::code(K::Home), A::Top),
    (Key::ch('G'), A::Bottom),
    (Key::code(K::End), A::Bottom),
];

const FORM: &[(Key, Action)] = &[
    (Key::code(K::F(1)), A::Help),
    (Key::code(K::Enter), A::Submit),
    (Key::code(K::Esc), A::Close),
    (Key::ctrl('c'), A::Close),
    (Key::code(K::Tab), A::Complete),
    (Key::code(K::Down), A::NextField),
    (Key::code(K::Up), A::PrevField),
    (Key::code(K::BackTab), A::PrevField),
];

const CONFIRM: &[(Key, Action)] = &[
    (Key::ch('?'), A::Help),
    (Key::code(K::F(1)), A::Help),
    (Key::ch('y'), A::Confirm),
    (Key::ch('Y'), A::Confirm),
    (Key::ch('n'), A::Cancel),
    (Key::ch('N'), A::Cancel),
    (Key::code(K::Esc), A::Cancel),
    (Key::ch('q'), A::Cancel),
    (Key::ctrl('c'), A::Cancel),
    (Key::code(K::Enter), A::Choose),
    (Key::code(K::Left), A::Toggle),
    (Key::code(K::Right), A::Toggle),
    (Key::code(K::Tab), A::Toggle),
    (Key::code(K::BackTab), A::Toggle),
    (Key::ch('h'), A::Toggle),
    (Key::ch('l'), A::Toggle),
    (Key::ch('e'), A::Second),
];

const TASKS: &[(Key, Action)] = &[
    (Key::ch('?'), A::Help),
    (Key::code(K::F(1)), A::Help),
    (Key::code(K::Esc), A::Close),
    (Key::ch('w'), A::Close),
    (Key::ch('q'), A::Close),
    (Key::ch('j'), A::Down),
    (Key::code(K::Down), A::Down),
    (Key::ch('k'), A::Up),
    (Key::code(K::Up), A::Up),
    (Key::ch('c'), A::CancelTask),
    (Key::ch('d'), A::Dismiss),
    (Key::code(K::Delete), A::Dismiss),
];

const PEER: &[(Key, Action)] = &[
    (Key::ch('?'), A::Help),
    (Key::code(K::F(1)), A::Help),
    (Key::code(K::Esc), A::Close),
    (Key::ch('q'), A::Close),
    (Key::ch('h'), A::Close),
    (Key::ch('p'), A::PeerItems),
    (Key::code(K::Enter), A::PeerItems),
    (Key::ch('y'), A::Copy),
    (Key::ch('j'), A::Down),
    (Key::code(K::Down), A::Down),
    (Key::ch('k'), A::Up),
    (Key::code(K::Up), A::Up),
];

fn defaults(s: Screen) -> &'static [(Key, Action)] {
    match s {
        Screen::Main => MAIN,
        Screen::Prompt => PROMPT,
        Screen::Help => HELP,
        Screen::Form => FORM,
        Screen::Confirm => CONFIRM,
        Screen::Tasks => TASKS,
        Screen::Peer => PEER,
        Screen::Browse => BROWSE,
        Screen::Risk => RISK,
        Screen::Capacity => CAPACITY,
        Screen::Reader => READER,
    }
}

/// Keys that are not bindings but that each screen takes (typing in a field):
/// listed in its help so the screen is described whole.
pub fn typed_keys(s: Screen) -> &'static [(&'static str, &'static str)] {
    match s {
        Screen::Prompt => &[
            ("text", "type; Backspace, Ctrl-W (word), Ctrl-U (line)"),
            ("↑ ↓", "command line: earlier commands"),
            ("word", "filter: name, org or CID containing it"),
            ("status:", "filter: error, pinning, pinned or problem"),
            ("org: name:", "filter: that field contains it"),
            ("cid: peer:", "filter: CID contains it; items a peer holds"),
            ("!…", "filter: leading ! inverts the whole filter"),
        ],
        Screen::Form => &[("text", "type; ← → Home End move; Backspace, Ctrl-W delete")],
        _ => &[],
    }
}

/// Every screen's keys -> actions.
#[derive(Debug, Clone)]
pub struct Keymap {
    maps: HashMap<Screen, Vec<(Key, Action)>>,
}

impl Default for Keymap {
    fn default() -> Self {
        Self {
            maps: Screen::ALL
                .iter()
                .map(|s| (*s, defaults(*s).to_vec()))
                .collect(),
        }
    }
}

/// One help line: the keys (joined), what they do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HelpRow {
    pub keys: String,
    pub action: Option<Action>,
    pub text: &'static str,
}

impl Keymap {
    pub fn action(&self, screen: Screen, e: &KeyEvent) -> Option<Action> {
        let k = Key::from_event(e);
        self.maps
            .get(&screen)?
            .iter()
            .find(|(key, _)| *key == k)
            .map(|(_, a)| *a)
    }

    /// Overlays a user file. Top-level `action: key` (or `[key, key]`) binds
    /// on the main screen; a screen's section (`tasks:`, `confirm:`, …)
    /// binds there. A listed action loses that screen's default keys.
    pub fn overlay(mut self, yaml: &str) -> Result<Self, String> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Keys {
            One(String),
            Many(Vec<String>),
            Section(BTreeMap<String, Keys>),
        }
        let user: BTreeMap<String, Keys> =
            serde_yaml::from_str(yaml).map_err(|e| format!("keymap: {e}"))?;
        for (name, keys) in user {
            match keys {
                Keys::Section(inner) => {
                    let screen = Screen::ALL
                        .into_iter()
                        .find(|s| s.key() == name)
                        .ok_or_else(|| {
                            let known: Vec<&str> = Screen::ALL.iter().map(|s| s.key()).collect();
                            format!("keymap: unknown screen {name:?} ({})", known.join(", "))
                        })?;
                    for (action, keys) in inner {
                        self.bind(screen, &action, keys_of(keys)?)?;
                    }
                }
                other => self.bind(Screen::Main, &name, keys_of(other)?)?,
            }
        }
        return Ok(self);

        fn keys_of(k: Keys) -> Result<Vec<String>, String> {
            match k {
                Keys::One(k) => Ok(vec![k]),
                Keys::Many(v) => Ok(v),
                Keys::Section(_) => Err("keymap: a key must be a string or a list".into()),
            }
        }
    }

    fn bind(&mut self, screen: Screen, action: &str, keys: Vec<String>) -> Result<(), String> {
        let a: Action = serde_yaml::from_value(serde_yaml::Value::String(action.to_string()))
            .map_err(|_| format!("keymap: unknown action {action:?}"))?;
        if !defaults(screen).iter().any(|(_, d)| *d == a) {
            return Err(format!(
                "keymap: {action:?} is not an action of the {} ({})",
                screen.title(),
                screen.key()
            ));
        }
        let map = self.maps.entry(screen).or_default();
        let mut parsed = Vec::new();
        for k in keys {
            parsed.push(
                Key::parse(&k).ok_or_else(|| format!("keymap: {action}: unknown key {k:?}"))?,
            );
        }
        map.retain(|(k, x)| *x != a && !parsed.contains(k));
        // New bindings go where the action's defaults were, so help keeps its order.
        let at = defaults(screen)
            .iter()
            .position(|(_, d)| *d == a)
            .map_or(map.len(), |p| {
                map.iter()
                    .position(|(_, x)| {
                        defaults(screen)
                            .iter()
                            .position(|(_, d)| d == x)
                            .is_some_and(|q| q > p)
                    })
                    .unwrap_or(map.len())
            });
        for (i, k) in parsed.into_iter().enumerate() {
            map.insert(at + i, (k, a));
        }
        Ok(())
    }

    /// A screen's keys, one row per action in the order the table lists
    /// them, then the typed keys it takes.
    pub fn help_rows(&self, screen: Screen) -> Vec<HelpRow> {
        let mut rows: Vec<(Action, Vec<String>)> = Vec::new();
        for (k, a) in self.maps.get(&screen).map(Vec::as_slice).unwrap_or(&[]) {
            match rows.iter_mut().find(|(x, _)| x == a) {
                Some((_, keys)) => keys.push(k.label()),
                None => rows.push((*a, vec![k.label()])),
            }
        }
        let mut out: Vec<HelpRow> = rows
            .into_iter()
            .map(|(a, keys)| HelpRow {
                keys: keys.join(" "),
                action: Some(a),
                text: a.describe_in(screen),
            })
            .collect();
        out.extend(typed_keys(screen).iter().map(|(k, t)| HelpRow {
            keys: (*k).to_string(),
            action: None,
            text: t,
        }));
        out
    }

    /// The first key bound to `a` on `screen` (for the footer).
    pub fn key_for(&self, screen: Screen, a: Action) -> Option<String> {
        self.maps
            .get(&screen)?
            .iter()
            .find(|(_, x)| *x == a)
            .map(|(k, _)| k.label())
    }

    /// Every screen's keys as Markdown tables: the README's key section is
    /// this text (a test holds it to that).
    /// The same tables as a man page section (roff): one subsection a
    /// screen, a tagged paragraph a key.
    pub fn roff(&self) -> String {
        let esc = |t: &str| {
            let t = t.replace('\\', "\\e").replace('-', "\\-");
            // A line starting with . or ' would be a request.
            if t.starts_with('.') || t.starts_with('\'') {
                format!("\\&{t}")
            } else {
                t
            }
        };
        let mut s = String::from(".SH \"CONSOLE KEYS\"\n");
        s.push_str(
            "The same keys as the console's help (?) and the README; a keymap file may change them.\n",
        );
        for screen in Screen::ALL {
            s.push_str(&format!(".SS \"{}\"\n", esc(screen.title())));
            for r in self.help_rows(screen) {
                s.push_str(&format!(".TP\n\\fB{}\\fR\n{}\n", esc(&r.keys), esc(r.text)));
            }
        }
        s
    }

    pub fn markdown(&self) -> String {
        let mut s = String::new();
        for screen in Screen::ALL {
            s.push_str(&format!(
                "\n**{}** (`{}:`)\n\n| key | does |\n|---|---|\n",
                screen.title(),
                screen.key()
            ));
            for r in self.help_rows(screen) {
                let keys: Vec<String> = r
                    .keys
                    .split(' ')
                    .map(|k| format!("`{}`", k.replace('|', "\\|")))
                    .collect();
                let keys = if r.action.is_none() {
                    r.keys.clone()
                } else {
                    keys.join(" ")
                };
                s.push_str(&format!("| {keys} | {} |\n", r.text.replace('|', "\\|")));
            }
        }
        s
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn an_unknown_section_names_every_screen_there_is() {
        let e = Keymap::default()
            .overlay("nosuch: {quit: x}\n")
            .unwrap_err();
        for s in Screen::ALL {
            assert!(e.contains(s.key()), "{e}");
        }
    }

    use super::*;

    fn ev(c: KeyCode, m: KeyModifiers) -> KeyEvent {
        KeyEvent::new(c, m)
    }

    #[test]
    fn user_file_overlays_defaults() {
        let km = Keymap::default()
            .overlay("quit: x\nfilter: [\"ctrl-f\", \"s\"]\ntasks:\n  cancel_task: k\n")
            .unwrap();
        let main = |c, m| km.action(Screen::Main, &ev(c, m));
        assert_eq!(
            main(KeyCode::Char('x'), KeyModifiers::NONE),
            Some(Action::Quit)
        );
        assert_eq!(
            main(KeyCode::Char('q'), KeyModifiers::NONE),
            None,
            "default key gone"
        );
        assert_eq!(
            main(KeyCode::Char('f'), KeyModifiers::CONTROL),
            Some(Action::Filter),
            "a key taken from another action"
        );
        assert_eq!(
            main(KeyCode::Char('s'), KeyModifiers::NONE),
            Some(Action::Filter)
        );
        assert_eq!(
            km.action(Screen::Tasks, &ev(KeyCode::Char('k'), KeyModifiers::NONE)),
            Some(Action::CancelTask)
        );
        assert!(km
            .help_rows(Screen::Main)
            .iter()
            .any(|r| r.keys == "x" && r.text == "quit"));
        assert!(Keymap::default().overlay("quit: [\"nope-key\"]").is_err());
        assert!(Keymap::default().overlay("fly: x").is_err());
        assert!(Keymap::default().overlay("tasks:\n  upload: x\n").is_err());
        assert!(Keymap::default().overlay("nowhere:\n  quit: x\n").is_err());
    }

    /// Help is 80 columns wide at least: a description must fit beside its keys.
    #[test]
    fn every_description_fits_the_help_at_80_columns() {
        let km = Keymap::default();
        for s in Screen::ALL {
            let rows = km.help_rows(s);
            let keys_w = rows
                .iter()
                .map(|r| r.keys.chars().count())
                .max()
                .unwrap_or(0);
            for r in rows {
                // The help box is 76 wide inside at 80 columns; keys take their widest.
                assert!(
                    keys_w + 1 + r.text.chars().count() <= 74,
                    "{s:?}: {:?} {:?} is too long for 80 columns",
                    r.keys,
                    r.text
                );
            }
        }
    }

    #[test]
    fn help_and_quit_come_first_on_the_main_screen() {
        let rows = Keymap::default().help_rows(Screen::Main);
        assert_eq!(rows[0].action, Some(Action::Help));
        assert_eq!(rows[1].action, Some(Action::Quit));
        for s in Screen::ALL {
            assert!(!Keymap::default().help_rows(s).is_empty(), "{s:?} has keys");
        }
    }
}
