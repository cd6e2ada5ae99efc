//! What an erase found: each peer's collection and where it stands, the
//! verdict over them all, and the report kept in the log.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::shares::Sharing;

/// What one peer's collection did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Collection {
    /// It ran: this many blocks removed (of everything unpinned there).
    Ran(usize),
    /// The peer could not collect: down, or its kubo refused.
    Failed(String),
    /// The cluster did not ask it (not a member any more).
    NotAsked,
}

/// Where one peer stands after an erase.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PeerOutcome {
    /// It stores none of the item's blocks (but those other items share).
    Gone,
    /// It could not be asked: down, or no gateway known. Checked again by
    /// `erased --check`.
    Pending,
    /// It still stores some of the item.
    Stored,
}

impl PeerOutcome {
    pub fn label(self) -> &'static str {
        match self {
            PeerOutcome::Gone => "gone",
            PeerOutcome::Pending => "PENDING",
            PeerOutcome::Stored => "STORED",
        }
    }
}

/// One peer's answer, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeerErasure {
    pub peer: String,
    pub peer_id: String,
    pub outcome: PeerOutcome,
    /// The item's own blocks it still serves.
    #[serde(default)]
    pub stored_blocks: usize,
    /// Blocks other items share, which it keeps for them.
    #[serde(default)]
    pub shared_kept: usize,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub why: String,
}

impl PeerErasure {
    /// A peer not (yet) shown to let go, nothing counted on it.
    pub(super) fn pending(peer: String, peer_id: String, why: String) -> Self {
        PeerErasure {
            peer,
            peer_id,
            outcome: PeerOutcome::Pending,
            stored_blocks: 0,
            shared_kept: 0,
            why,
        }
    }
}

/// The whole erase, or a later check of it; graver later in the order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Every peer answered and none stores the item.
    Erased,
    /// None that answered stores it; some could not be asked.
    Pending,
    /// Some peer still stores it.
    Stored,
}

impl Verdict {
    pub fn of(peers: &[PeerErasure]) -> Verdict {
        match peers.iter().map(|p| p.outcome).max() {
            Some(PeerOutcome::Stored) => Verdict::Stored,
            Some(PeerOutcome::Pending) => Verdict::Pending,
            _ => Verdict::Erased,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Verdict::Erased => "erased",
            Verdict::Pending => "pending",
            Verdict::Stored => "STILL STORED",
        }
    }
}

/// What an erase found, peer by peer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    pub cid: String,
    pub name: String,
    /// RFC 3339, UTC.
    pub at: String,
    pub verdict: Verdict,
    /// It was in the pinset and this run unpinned it.
    pub unpinned: bool,
    pub blocks: usize,
    pub shared: Vec<Sharing>,
    pub shared_blocks: usize,
    pub peers: Vec<PeerErasure>,
    /// Each peer's collection (by peer ID).
    pub collections: BTreeMap<String, Collection>,
    /// Every block of the item was listed and asked for; when not (part
    /// of it unreadable, or past the cap), the verdict is at best pending.
    #[serde(default = "yes")]
    pub listed_all: bool,
}

fn yes() -> bool {
    true
}

impl Report {
    /// A later check of this erase's item, `now`, completed with the peers
    /// this erase checked that the cluster does not list any more (a peer
    /// restarting, or removed): pending, not left out, so "gone from every
    /// peer" is said only of every peer that had a say at the erase.
    pub fn add_unlisted(&self, now: &mut Vec<PeerErasure>) {
        for was in &self.peers {
            if now.iter().any(|p| p.peer_id == was.peer_id) {
                continue;
            }
            now.push(PeerErasure::pending(
                was.peer.clone(),
                was.peer_id.clone(),
                "not among the cluster's peers now (restarting, or removed from the cluster): not checked".into(),
            ));
        }
    }

    /// The verdict of `peers`, at best pending when not every block of
    /// the item was listed: "erased" is said only of what was asked.
    pub fn verdict_of(peers: &[PeerErasure], listed_all: bool) -> Verdict {
        match Verdict::of(peers) {
            Verdict::Erased if !listed_all => Verdict::Pending,
            v => v,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Verdict;

    /// The graver of two erases is the larger: the log's summary and an
    /// erase of many items keep the worst by it.
    #[test]
    fn verdicts_are_ordered_by_gravity() {
        assert!(Verdict::Erased < Verdict::Pending);
        assert!(Verdict::Pending < Verdict::Stored);
        assert_eq!(Verdict::Pending.max(Verdict::Stored), Verdict::Stored);
    }
}
