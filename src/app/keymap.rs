//! Keys per mode, each with the description that the footer and the help
//! screen show: one table, so help can never disagree with behaviour.

use std::collections::{BTreeMap, HashMap};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde::Deserialize;

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
    Tasks,
}

impl Action {
    pub fn describe(self) -> &'static str {
        match self {
            Action::Quit => "quit",
            Action::Help => "help",
            Action::Command => "command (:pins :peers :problems :q)",
            Action::Filter => "filter (!invert, status:error, org:x)",
            Action::Back => "back / clear filter",
            Action::NextPane => "next pane",
            Action::PrevPane => "previous pane",
            Action::PeersPane => "peers",
            Action::PinsPane => "pins",
            Action::ReplicationPane => "replication",
            Action::Down => "down",
            Action::Up => "up",
            Action::Top => "top",
            Action::Bottom => "bottom",
            Action::PageDown => "page down",
            Action::PageUp => "page up",
            Action::Inspect => "inspect item",
            Action::Mark => "mark",
            Action::Refresh => "refresh now",
            Action::Freeze => "freeze/unfreeze updates",
            Action::Copy => "copy CID / peer ID (OSC 52)",
            Action::Problems => "problems only",
            Action::SortName => "sort by name",
            Action::SortCreated => "sort by created",
            Action::SortSize => "sort by size",
            Action::SortStatus => "sort by status",
            Action::Upload => "upload a file or folder",
            Action::Fetch => "fetch the item to disk",
            Action::Unpin => "unpin (marked items, or the selected one)",
            Action::Recover => "recover the selected item's errors",
            Action::RecoverAll => "recover every item in error",
            Action::Tasks => "transfers (tasks view)",
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
            Action::Tasks => "tasks",
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
        let code = match s.to_lowercase().as_str() {
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
            KeyCode::PageUp => "PgUp".into(),
            KeyCode::PageDown => "PgDn".into(),
            KeyCode::Home => "Home".into(),
            KeyCode::End => "End".into(),
            other => format!("{other:?}"),
        };
        if self.ctrl {
            format!("Ctrl-{}", base.to_uppercase())
        } else {
            base
        }
    }
}

/// The normal-mode keymap: key -> action, plus the order help lists them in.
#[derive(Debug, Clone)]
pub struct Keymap {
    map: HashMap<Key, Action>,
}

const DEFAULTS: &[(Key, Action)] = &[
    (Key::ch('q'), Action::Quit),
    (Key::ch('?'), Action::Help),
    (Key::ch(':'), Action::Command),
    (Key::ch('/'), Action::Filter),
    (Key::code(KeyCode::Esc), Action::Back),
    (Key::code(KeyCode::Tab), Action::NextPane),
    (Key::code(KeyCode::BackTab), Action::PrevPane),
    (Key::ch('1'), Action::PeersPane),
    (Key::ch('2'), Action::PinsPane),
    (Key::ch('3'), Action::ReplicationPane),
    (Key::ch('j'), Action::Down),
    (Key::code(KeyCode::Down), Action::Down),
    (Key::ch('k'), Action::Up),
    (Key::code(KeyCode::Up), Action::Up),
    (Key::ch('g'), Action::Top),
    (Key::code(KeyCode::Home), Action::Top),
    (Key::ch('G'), Action::Bottom),
    (Key::code(KeyCode::End), Action::Bottom),
    (Key::code(KeyCode::PageDown), Action::PageDown),
    (Key::ctrl('f'), Action::PageDown),
    (Key::code(KeyCode::PageUp), Action::PageUp),
    (Key::ctrl('b'), Action::PageUp),
    (Key::code(KeyCode::Enter), Action::Inspect),
    (Key::ch(' '), Action::Mark),
    (Key::ctrl('r'), Action::Refresh),
    (Key::ch('f'), Action::Freeze),
    (Key::ch('y'), Action::Copy),
    (Key::ch('p'), Action::Problems),
    (Key::ch('N'), Action::SortName),
    (Key::ch('C'), Action::SortCreated),
    (Key::ch('Z'), Action::SortSize),
    (Key::ch('S'), Action::SortStatus),
    (Key::ctrl('c'), Action::Quit),
    (Key::ch('a'), Action::Upload),
    (Key::ch('u'), Action::Upload),
    (Key::ch('o'), Action::Fetch),
    (Key::ch('F'), Action::Fetch),
    (Key::ch('x'), Action::Unpin),
    (Key::ctrl('d'), Action::Unpin),
    (Key::ch('r'), Action::Recover),
    (Key::ch('R'), Action::RecoverAll),
    (Key::ch('w'), Action::Tasks),
];

impl Default for Keymap {
    fn default() -> Self {
        Self {
            map: DEFAULTS.iter().copied().collect(),
        }
    }
}

impl Keymap {
    pub fn action(&self, e: &KeyEvent) -> Option<Action> {
        self.map.get(&Key::from_event(e)).copied()
    }

    /// Overlays a user file: `action: key` or `action: [key, key]`. A listed
    /// action loses its default keys.
    pub fn overlay(mut self, yaml: &str) -> Result<Self, String> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Keys {
            One(String),
            Many(Vec<String>),
        }
        let user: BTreeMap<Action, Keys> =
            serde_yaml::from_str(yaml).map_err(|e| format!("keymap: {e}"))?;
        for (action, keys) in user {
            let keys = match keys {
                Keys::One(k) => vec![k],
                Keys::Many(v) => v,
            };
            self.map.retain(|_, a| *a != action);
            for k in keys {
                let key = Key::parse(&k)
                    .ok_or_else(|| format!("keymap: {action:?}: unknown key {k:?}"))?;
                self.map.insert(key, action);
            }
        }
        Ok(self)
    }

    /// Every action with its keys, in a stable order (for the help screen).
    pub fn help_rows(&self) -> Vec<(String, &'static str)> {
        let mut by_action: BTreeMap<Action, Vec<String>> = BTreeMap::new();
        for (k, a) in &self.map {
            by_action.entry(*a).or_default().push(k.label());
        }
        for keys in by_action.values_mut() {
            keys.sort();
        }
        by_action
            .into_iter()
            .map(|(a, keys)| (keys.join(" "), a.describe()))
            .collect()
    }

    /// The first key bound to `a` (for the footer).
    pub fn key_for(&self, a: Action) -> Option<String> {
        DEFAULTS
            .iter()
            .filter(|(_, da)| *da == a)
            .map(|(k, _)| *k)
            .find(|k| self.map.get(k) == Some(&a))
            .or_else(|| self.map.iter().find(|(_, x)| **x == a).map(|(k, _)| *k))
            .map(|k| k.label())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(c: KeyCode, m: KeyModifiers) -> KeyEvent {
        KeyEvent::new(c, m)
    }

    #[test]
    fn user_file_overlays_defaults() {
        let km = Keymap::default()
            .overlay("quit: x\nfilter: [\"ctrl-f\", \"s\"]\n")
            .unwrap();
        assert_eq!(
            km.action(&ev(KeyCode::Char('x'), KeyModifiers::NONE)),
            Some(Action::Quit)
        );
        assert_eq!(
            km.action(&ev(KeyCode::Char('q'), KeyModifiers::NONE)),
            None,
            "default key gone"
        );
        assert_eq!(
            km.action(&ev(KeyCode::Char('f'), KeyModifiers::CONTROL)),
            Some(Action::Filter)
        );
        assert_eq!(
            km.action(&ev(KeyCode::Char('s'), KeyModifiers::NONE)),
            Some(Action::Filter)
        );
        assert!(km.help_rows().iter().any(|(k, d)| k == "x" && *d == "quit"));
        assert!(Keymap::default().overlay("quit: [\"nope-key\"]").is_err());
        assert!(Keymap::default().overlay("fly: x").is_err());
    }
}
