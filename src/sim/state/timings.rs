//! How long each phase of a pin lasts: the clock every status is derived from.

use std::time::Duration;

/// How long each tracker phase lasts. The defaults follow ipfs-cluster 1.1.6
/// with kubo on one machine (`cargo bench --bench real_cluster`): `/add` sends
/// the blocks to every allocated peer before it answers, so the other peers
/// learn of the pin through crdt a few milliseconds later and pin it at once.
#[derive(Debug, Clone, Copy)]
pub struct Timings {
    /// Until the crdt update reaches them, the peers that did not receive
    /// the request report `unpinned`.
    pub propagate: Duration,
    pub queue: Duration,
    pub pin: Duration,
    /// A peer that cannot find the blocks gives up after this long.
    pub fail_after: Duration,
    pub unpin: Duration,
    /// How long a peer that died is still listed (with its dial error) before
    /// crdt drops it: two ping intervals (15 s by default in ipfs-cluster).
    pub peer_grace: Duration,
}

impl Default for Timings {
    fn default() -> Self {
        Self {
            propagate: Duration::from_millis(20),
            queue: Duration::from_millis(10),
            pin: Duration::from_millis(60),
            fail_after: Duration::from_secs(8),
            unpin: Duration::from_millis(50),
            peer_grace: Duration::from_secs(30),
        }
    }
}

impl Timings {
    /// Everything settles at once: for tests that want final states.
    pub fn instant() -> Self {
        Self {
            propagate: Duration::ZERO,
            queue: Duration::ZERO,
            pin: Duration::ZERO,
            fail_after: Duration::ZERO,
            unpin: Duration::ZERO,
            peer_grace: Duration::ZERO,
        }
    }
}
