//! An item of the pinset as the state keeps it, and what deviates per peer.

use std::time::Instant;

use crate::cluster::gojson::Map;

/// Per-peer deviation from the pin's normal progress.
#[derive(Debug, Clone, Default)]
pub struct PeerOverride {
    /// An injected pin error (e.g. a full disk); stays until recovered.
    pub error: Option<String>,
    pub attempts: u32,
    /// When the current attempt started (after a recover, or a re-pin that
    /// changed the allocations: 1.1.6 then re-queues every peer's pin).
    pub restarted: Option<Instant>,
    /// The peer's IPFS daemon holds a pinned copy while the cluster
    /// re-queues it (kubo keeps a pin it is asked for again).
    pub held: bool,
}

#[derive(Debug, Clone)]
pub struct PinRec {
    pub cid: String,
    pub name: String,
    pub metadata: Vec<(String, String)>,
    pub rmin: i32,
    pub rmax: i32,
    /// Peer indexes; empty means "everywhere".
    pub allocations: Vec<u16>,
    pub user_allocations: Vec<String>,
    pub mode_direct: bool,
    pub expire_at: i64,
    /// Whole seconds, as the state stores it.
    pub timestamp: i64,
    pub started: Instant,
    /// Peers can fetch this content (it was added, or the scenario says so).
    pub available: bool,
    pub overrides: Vec<(u16, PeerOverride)>,
    /// The pin it was updated from (`pin-update`), as the state keeps it.
    pub pin_update: Option<String>,
}

impl PinRec {
    pub(super) fn override_for(&self, peer: u16) -> Option<&PeerOverride> {
        self.overrides
            .iter()
            .find(|(p, _)| *p == peer)
            .map(|(_, o)| o)
    }
    pub fn override_mut(&mut self, peer: u16) -> &mut PeerOverride {
        if let Some(i) = self.overrides.iter().position(|(p, _)| *p == peer) {
            return &mut self.overrides[i].1;
        }
        self.overrides.push((peer, PeerOverride::default()));
        let last = self.overrides.len() - 1;
        &mut self.overrides[last].1
    }
    pub fn allocated_to(&self, peer: u16) -> bool {
        self.allocations.is_empty() || self.allocations.contains(&peer)
    }

    /// Its metadata as the daemon answers it: `null` when there is none.
    pub fn metadata_map(&self) -> Map {
        if self.metadata.is_empty() {
            Map::null()
        } else {
            Map::from(self.metadata.clone())
        }
    }
}

/// An item removed from the pinset whose peers are still unpinning it.
#[derive(Debug, Clone)]
pub struct Unpinning {
    pub rec: PinRec,
    pub since: Instant,
}
