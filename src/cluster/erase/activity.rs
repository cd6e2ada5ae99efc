//! What the peers are still doing with pins, as far as the cluster tells: a
//! collection while a kubo still pins the item frees nothing, and blocks
//! left after one are explained by it.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use super::eraser::Eraser;
use super::report::PeerErasure;
use crate::cluster::types::TrackerStatus;
use crate::cluster::ClusterClient;

/// The peers busy with pins, at one moment.
pub(super) struct Activity {
    /// Pin operations in flight, per peer ID.
    in_flight: HashMap<String, usize>,
    /// Peers that, asked themselves, still pin the item.
    pinning: HashSet<String>,
}

impl Activity {
    /// The peer still pins the item, or has pin operations in flight.
    pub(super) fn busy(&self, peer_id: &str) -> bool {
        self.in_flight.get(peer_id).is_some_and(|n| *n > 0) || self.pinning.contains(peer_id)
    }

    /// Why a peer a collection ran on still stores some of the item.
    pub(super) fn why_remaining(&self, x: &PeerErasure) -> String {
        match self.in_flight.get(&x.peer_id).copied().unwrap_or(0) {
            _ if self.pinning.contains(&x.peer_id) => format!(
                "its cluster peer still pins it: it has not learned of the unpin yet (a peer that restarted can take a minute); erased --check --collect once it has ({} block(s) remain)",
                x.stored_blocks
            ),
            0 => format!(
                "collected, yet {} block(s) remain: its kubo pins them outside the cluster, an item not checked for shared blocks uses them, or its cluster peer has not yet learned of the unpin; erased --check --collect tells later",
                x.stored_blocks
            ),
            n => format!(
                "collected while its cluster peer still had {n} pin operation(s) in flight ({} block(s) remain); erased --check --collect once it is idle",
                x.stored_blocks
            ),
        }
    }
}

impl Eraser {
    /// What the peers are doing now with pins, and with the item.
    pub(super) async fn activity(&self, cid: &str) -> Activity {
        Activity {
            in_flight: self.in_flight().await,
            pinning: self.still_pinning(cid).await,
        }
    }

    /// Until no peer pins or is unpinning the item (within `wait`): a
    /// collection while a kubo still pins it would free nothing.
    pub(super) async fn wait_unpinned(&self, cid: &str) {
        let deadline = tokio::time::Instant::now() + self.wait;
        loop {
            if let Ok(g) = self.client.pin_status(cid, false).await {
                let busy = g.peer_map.values().any(|i| holds_or_busy(i.status));
                if !busy {
                    return;
                }
            }
            if tokio::time::Instant::now() >= deadline {
                return;
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    /// Pin operations in flight, per peer ID (best effort: none when the
    /// cluster does not say).
    async fn in_flight(&self) -> HashMap<String, usize> {
        let mut out: HashMap<String, usize> = HashMap::new();
        let Ok(mut s) = self
            .client
            .pins(Some("pinning,queued,unpinning"), &[], false)
            .await
        else {
            return out;
        };
        while let Some(Ok(g)) = s.next().await {
            for (id, i) in &g.peer_map {
                if in_flight_status(i.status) {
                    *out.entry(id.clone()).or_default() += 1;
                }
            }
        }
        out
    }

    /// The peers that, asked themselves (`local=true` at each API host the
    /// configuration names), still pin the item: 1.1.6's cluster-wide
    /// answer says `unpinned` for every peer the moment the item leaves the
    /// contacted peer's pinset, so only a peer's own view shows one that has
    /// not learned of the unpin.
    async fn still_pinning(&self, cid: &str) -> HashSet<String> {
        let mut out = HashSet::new();
        for host in &self.client.config().hosts {
            let mut cfg = self.client.config().clone();
            cfg.hosts = vec![host.clone()];
            cfg.request_timeout = Duration::from_secs(10);
            let Ok(one) = ClusterClient::new(cfg) else {
                continue;
            };
            let (Ok(me), Ok(g)) = (one.id().await, one.pin_status(cid, true).await) else {
                continue;
            };
            let pins = g
                .peer_map
                .get(&me.id)
                .is_some_and(|i| holds_or_busy(i.status));
            if pins {
                out.insert(me.id);
            }
        }
        out
    }
}

/// A pin operation under way on a peer.
fn in_flight_status(s: TrackerStatus) -> bool {
    matches!(
        s,
        TrackerStatus::Pinning
            | TrackerStatus::PinQueued
            | TrackerStatus::UnpinQueued
            | TrackerStatus::Unpinning
    )
}

/// The peer's kubo pins it, or will, or has not let go yet.
fn holds_or_busy(s: TrackerStatus) -> bool {
    s == TrackerStatus::Pinned || in_flight_status(s)
}
