//! The console's state for tests, fed as the pollers feed it: one builder
//! for items, one for a loaded console, and the keys an operator presses.

use std::time::{Duration, Instant};

use ccs_tui::app::rows::{PeerRow, PinRow};
use ccs_tui::app::{update, Effect, Msg, State};
use ccs_tui::cluster::gojson::{GoTime, List, Map};
use ccs_tui::cluster::types::Pin;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// An item as the cluster lists it; `row()` is the console's row of it.
#[derive(Clone)]
pub struct PinSpec(pub Pin);

/// An item with this CID, no name, org or allocations yet.
pub fn pin(cid: impl Into<String>) -> PinSpec {
    PinSpec(Pin {
        cid: cid.into(),
        ..Default::default()
    })
}

impl PinSpec {
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.0.name = name.into();
        self
    }
    /// A metadata field (`org`, `size`, …), in the order given.
    pub fn meta(mut self, key: &str, value: impl ToString) -> Self {
        let mut m: Vec<(String, String)> = self.0.metadata.iter().cloned().collect();
        m.push((key.to_string(), value.to_string()));
        self.0.metadata = Map::from(m);
        self
    }
    pub fn org(self, org: &str) -> Self {
        self.meta("org", org)
    }
    /// Pinned at this Unix time.
    pub fn created(mut self, secs: i64) -> Self {
        self.0.timestamp = GoTime::from_unix(secs, 0, 0);
        self
    }
    pub fn allocations<S: ToString>(mut self, peers: &[S]) -> Self {
        self.0.allocations = List::from(peers.iter().map(|p| p.to_string()).collect::<Vec<_>>());
        self
    }
    pub fn replication(mut self, min: i32, max: i32) -> Self {
        self.0.replication_factor_min = min;
        self.0.replication_factor_max = max;
        self
    }
    pub fn row(&self) -> PinRow {
        PinRow::from_pin(&self.0)
    }
}

/// A member peer that answers, running ipfs-cluster 1.1.6.
pub fn peer(id: &str, name: &str) -> PeerRow {
    PeerRow {
        id: id.into(),
        name: name.into(),
        version: "1.1.6".into(),
        ..Default::default()
    }
}

/// A member peer that does not answer, with why (as `/peers` says it).
pub fn failing(peer: PeerRow, error: &str) -> PeerRow {
    PeerRow {
        error: error.into(),
        ..peer
    }
}

/// A console that has polled its peers and the pinset once.
pub struct ConsoleSpec {
    api: String,
    user: Option<String>,
    pins_height: usize,
    color: bool,
    peers: Vec<PeerRow>,
    pins: Vec<PinRow>,
}

pub fn console() -> ConsoleSpec {
    ConsoleSpec {
        api: "nas:9094".into(),
        user: Some("admin".into()),
        pins_height: 5,
        color: true,
        peers: Vec::new(),
        pins: Vec::new(),
    }
}

impl ConsoleSpec {
    pub fn api(mut self, api: &str, user: Option<&str>) -> Self {
        self.api = api.into();
        self.user = user.map(String::from);
        self
    }
    /// Rows of the pins pane before any terminal size is known.
    pub fn pins_height(mut self, rows: usize) -> Self {
        self.pins_height = rows;
        self
    }
    pub fn no_color(mut self) -> Self {
        self.color = false;
        self
    }
    pub fn peers(mut self, peers: Vec<PeerRow>) -> Self {
        self.peers = peers;
        self
    }
    pub fn pins(mut self, pins: impl IntoIterator<Item = PinRow>) -> Self {
        self.pins = pins.into_iter().collect();
        self
    }
    /// The state after one poll of the peers and one whole pinset.
    pub fn build(self) -> State {
        let mut st = State::new(self.api, self.user, Instant::now());
        st.pins_height = self.pins_height;
        st.color = self.color;
        update(&mut st, Msg::Peers(Ok(self.peers), Duration::from_secs(5)));
        update(
            &mut st,
            Msg::PinsetChunk {
                generation: 1,
                rows: self.pins.into(),
                done: true,
                every: Duration::from_secs(30),
            },
        );
        st
    }
}

/// A key with no modifier.
pub fn press(st: &mut State, code: KeyCode) -> Vec<Effect> {
    update(st, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

pub fn ch(st: &mut State, c: char) -> Vec<Effect> {
    press(st, KeyCode::Char(c))
}

pub fn ctrl(st: &mut State, c: char) -> Vec<Effect> {
    update(
        st,
        Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)),
    )
}

/// Keys as typed: `\r` is Enter, `\x1b` Esc, `\t` Tab, any other a
/// character.
pub fn typed(st: &mut State, keys: &str) -> Vec<Effect> {
    let mut fx = Vec::new();
    for c in keys.chars() {
        let code = match c {
            '\r' => KeyCode::Enter,
            '\x1b' => KeyCode::Esc,
            '\t' => KeyCode::Tab,
            c => KeyCode::Char(c),
        };
        fx = press(st, code);
    }
    fx
}
