//! What happens to the console (messages in) and what it asks for (effects out).

use std::time::{Duration, Instant};

use crossterm::event::KeyEvent;

use super::rows::{PeerRow, PinRow};
use crate::cluster::types::{GlobalPinInfo, Metric};

#[derive(Debug, Clone)]
pub enum Msg {
    Key(KeyEvent),
    /// Time passes (age counters, flash expiry). Carries the clock.
    Tick(Instant),
    Resize,
    /// Peers, or why not; with the delay until the next poll.
    Peers(Result<Vec<PeerRow>, String>, Duration),
    Freespace(Vec<Metric>),
    /// A batch of the pinset; `done` on the last.
    PinsetChunk {
        generation: u64,
        rows: Vec<PinRow>,
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
        index: Vec<u32>,
    },
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
    Reindex {
        generation: u64,
    },
}
