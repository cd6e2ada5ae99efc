//! Each peer's tracker status of an item, derived from the time its pin
//! started (see the module above), and the answers built from it.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use chrono::Utc;

use crate::cluster::gojson::{GoTime, List, Map};
use crate::cluster::types::{status_matches, GlobalPinInfo, PinInfoShort, TrackerStatus};

use super::{PinRec, SimPeer, SimState, IPFS_REFUSED};

impl SimState {
    /// The peers a status answer covers.
    fn status_peers(&self, local: bool) -> Vec<u16> {
        if local {
            vec![0]
        } else {
            (0..self.peers.len())
                .filter(|i| !self.gone(*i))
                .map(|i| i as u16)
                .collect()
        }
    }

    /// One peer's tracker status for a pin in the pinset.
    pub fn peer_status(&self, rec: &PinRec, peer: u16, now: Instant) -> PinInfoShort {
        let p = &self.peers[usize::from(peer)];
        if let Some(err) = &p.offline {
            return self.unreachable(p, err);
        }
        let info = answering(p, TrackerStatus::Remote, self.secs_local(rec.timestamp));
        if !rec.allocated_to(peer) {
            return info;
        }
        if p.ipfs_down {
            return self.ipfs_refused(rec, info);
        }
        self.pin_progress(rec, peer, now, info)
    }

    /// A peer that does not answer: its dial error, as of now.
    fn unreachable(&self, p: &SimPeer, err: &str) -> PinInfoShort {
        PinInfoShort {
            peername: p.name.clone(),
            status: TrackerStatus::ClusterError,
            timestamp: self.now_local(),
            error: err.to_string(),
            ..Default::default()
        }
    }

    /// An allocated peer whose IPFS daemon is stopped: its cluster peer
    /// fails to ask it for the pin.
    fn ipfs_refused(&self, rec: &PinRec, mut info: PinInfoShort) -> PinInfoShort {
        info.status = TrackerStatus::PinError;
        info.error = format!(
            "Post \"http://127.0.0.1:5001/api/v0/pin/ls?stream=true&arg={}&type=recursive\": {}",
            rec.cid, IPFS_REFUSED
        );
        info.attempt_count = 1;
        info.timestamp = self.now_local();
        info
    }

    /// Where an allocated peer is in pinning the item, by the time since
    /// its attempt started: crdt not there yet, queued, pinning, then
    /// pinned (or given up, for content nobody holds); an injected error
    /// stays until recovered.
    fn pin_progress(
        &self,
        rec: &PinRec,
        peer: u16,
        now: Instant,
        mut info: PinInfoShort,
    ) -> PinInfoShort {
        let ov = rec.override_for(peer);
        let t0 = ov.and_then(|o| o.restarted).unwrap_or(rec.started);
        let elapsed = now.saturating_duration_since(t0);
        let op_time = |d: Duration| {
            let wall = Utc::now()
                - chrono::Duration::from_std(elapsed.saturating_sub(d)).unwrap_or_default();
            GoTime(wall.with_timezone(&self.tz))
        };
        info.attempt_count = ov.map_or(0, |o| o.attempts);
        let t = &self.timings;
        if peer != 0 && elapsed < t.propagate && ov.is_none_or(|o| o.restarted.is_none()) {
            info.status = TrackerStatus::Unpinned;
            info.timestamp = self.now_local();
            return info;
        }
        if let Some(err) = ov.and_then(|o| o.error.as_ref()) {
            info.status = TrackerStatus::PinError;
            info.error = err.clone();
            info.timestamp = op_time(Duration::ZERO);
            return info;
        }
        if elapsed < t.queue {
            info.status = TrackerStatus::PinQueued;
            info.timestamp = op_time(Duration::ZERO);
        } else if elapsed < t.queue + t.pin || (!rec.available && elapsed < t.queue + t.fail_after)
        {
            info.status = TrackerStatus::Pinning;
            info.timestamp = op_time(t.queue);
        } else if rec.available {
            info.status = TrackerStatus::Pinned;
        } else {
            info.status = TrackerStatus::PinError;
            info.error = "context deadline exceeded".into();
            info.timestamp = op_time(t.queue + t.fail_after);
        }
        info
    }

    /// `GlobalPinInfo` of a pin in the pinset, optionally filtered and/or local.
    pub fn global_info(
        &self,
        rec: &PinRec,
        filter: u32,
        local: bool,
        now: Instant,
    ) -> Option<GlobalPinInfo> {
        let mut peer_map = BTreeMap::new();
        for i in self.status_peers(local) {
            let st = self.peer_status(rec, i, now);
            let keep =
                st.status == TrackerStatus::ClusterError || status_matches(filter, st.status);
            if keep {
                peer_map.insert(self.peers[usize::from(i)].id.clone(), st);
            }
        }
        // An item no reachable peer reports under the filter is not in the answer.
        if filter != 0 && !peer_map.values().any(|p| status_matches(filter, p.status)) {
            return None;
        }
        Some(GlobalPinInfo {
            cid: rec.cid.clone(),
            name: rec.name.clone(),
            allocations: self.peer_ids(&rec.allocations),
            origins: List::empty(),
            created: self.secs_local(rec.timestamp),
            metadata: rec.metadata_map(),
            peer_map,
        })
    }

    /// `GET /pins/{cid}`: a pinset item, or every peer `unpinned` (1.1.6
    /// answers so as soon as the item leaves the pinset, without asking
    /// the peers, though their kubos may still be unpinning it: only the
    /// `/pins` stream shows that).
    pub fn status_of(&self, cid: &str, local: bool, now: Instant) -> GlobalPinInfo {
        if let Some(rec) = self.pins.get(cid) {
            if let Some(gi) = self.global_info(rec, 0, local, now) {
                return gi;
            }
        }
        let mut peer_map = BTreeMap::new();
        for i in self.status_peers(local) {
            let p = &self.peers[usize::from(i)];
            let st = match &p.offline {
                Some(err) => self.unreachable(p, err),
                None => answering(p, TrackerStatus::Unpinned, self.now_local()),
            };
            peer_map.insert(p.id.clone(), st);
        }
        GlobalPinInfo {
            cid: cid.to_string(),
            name: String::new(),
            allocations: List::empty(),
            origins: List::null(),
            created: self.now_local(),
            metadata: Map::null(),
            peer_map,
        }
    }
}

/// A peer that answers: its status as of `timestamp`.
fn answering(p: &SimPeer, status: TrackerStatus, timestamp: GoTime) -> PinInfoShort {
    PinInfoShort {
        peername: p.name.clone(),
        ipfs_peer_id: p.ipfs_id.clone(),
        // 1.1.6 leaves them out of status answers.
        ipfs_peer_addresses: List::null(),
        status,
        timestamp,
        ..Default::default()
    }
}
