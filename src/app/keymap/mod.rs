//! One keymap per screen (yazi's way): each key with the action it runs and
//! that action's description, which the footer and the help screen show. One
//! table per screen, so help can never disagree with behaviour.

use std::collections::{BTreeMap, HashMap};

use crossterm::event::KeyEvent;
use serde::Deserialize;

mod action;
mod defaults;
mod key;
mod screen;

pub use action::Action;
use defaults::defaults;
pub use defaults::typed_keys;
pub use key::Key;
pub use screen::Screen;

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
    use crossterm::event::{KeyCode, KeyModifiers};

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
