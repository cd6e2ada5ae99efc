//! What each peer's kubo stores, as the real daemons taught us: an unpinned
//! item stays in every store that had it, and is served (also under
//! `only-if-cached`), until that kubo collects garbage; a kubo that fetched an
//! item for someone keeps it too. `POST /ipfs/gc` collects on every peer.
//!
//! A block is stored at a peer when some item containing it is: pinned there
//! by the cluster, pinned by its kubo outside the cluster, or left there
//! uncollected. Which items contain a block comes from the blocks' parents,
//! kept as blocks arrive, so nothing walks the pinset.

use std::collections::{BTreeMap, HashSet};
use std::time::Instant;

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use cid::Cid;

use super::faults::Faults;
use super::state::SimState;
use super::Ctx;
use crate::cluster::gojson::List;
use crate::cluster::types::{GlobalRepoGc, RepoGc, RepoGcKey};

const DAG_PB: u64 = 0x70;
const RAW: u64 = 0x55;
/// An item's blocks reachable from one block, at most: a sim that answers,
/// not a walk of a hostile archive.
const MAX_WALK: usize = 1 << 20;

impl SimState {
    /// Stores a block, noting which blocks it links to.
    pub fn insert_block(&mut self, c: &Cid, bytes: Bytes) {
        let key = c.to_bytes();
        if c.codec() == DAG_PB && !self.blocks.contains_key(&key) {
            if let Ok(pb) = crate::unixfs::PbNode::decode(&bytes) {
                for l in &pb.links {
                    let parents = self.parents.entry(l.hash.clone()).or_default();
                    if !parents.contains(&key) {
                        parents.push(key.clone());
                    }
                }
            }
        }
        self.blocks.insert(key, bytes);
    }

    /// The block and every block above it: the items it may belong to.
    fn ancestors(&self, c: &Cid) -> Vec<Vec<u8>> {
        let mut seen: HashSet<Vec<u8>> = HashSet::new();
        let mut todo = vec![c.to_bytes()];
        let mut out = Vec::new();
        while let Some(k) = todo.pop() {
            if out.len() >= MAX_WALK || !seen.insert(k.clone()) {
                continue;
            }
            if let Some(ps) = self.parents.get(&k) {
                todo.extend(ps.iter().cloned());
            }
            out.push(k);
        }
        out
    }

    /// The item's blocks (those the simulator has).
    fn descendants(&self, root: &Cid) -> HashSet<Vec<u8>> {
        let mut out: HashSet<Vec<u8>> = HashSet::new();
        let mut todo = vec![root.to_bytes()];
        while let Some(k) = todo.pop() {
            if out.len() >= MAX_WALK || out.contains(&k) {
                continue;
            }
            if let Some(b) = self.blocks.get(&k) {
                let is_pb = Cid::try_from(k.as_slice()).is_ok_and(|c| c.codec() == DAG_PB);
                if is_pb {
                    if let Ok(pb) = crate::unixfs::PbNode::decode(b) {
                        todo.extend(pb.links.iter().map(|l| l.hash.clone()));
                    }
                }
            }
            out.insert(k);
        }
        out
    }

    /// Whether `peer`'s kubo keeps the item rooted at `root` whatever is
    /// unpinned: the cluster pins it there, or the kubo does itself.
    fn keeps(&self, peer: u16, root: &str, now: Instant) -> bool {
        let p = &self.peers[usize::from(peer)];
        p.kubo_pins.contains(root)
            || self
                .pins
                .get(root)
                .is_some_and(|rec| self.holds(rec, peer, now))
            || self.unpinning.get(root).is_some_and(|u| {
                // Still unpinning: the kubo pin is not gone yet.
                u.rec.allocated_to(peer)
                    && now.saturating_duration_since(u.since) < self.timings.unpin
            })
    }

    /// Whether `peer`'s kubo has the block in its store (what `only-if-cached`
    /// asks).
    pub fn stored_at(&self, peer: u16, c: &Cid, now: Instant) -> bool {
        let Some(p) = self.peers.get(usize::from(peer)) else {
            return false;
        };
        self.ancestors(c).iter().any(|k| {
            let Ok(a) = Cid::try_from(k.as_slice()) else {
                return false;
            };
            let a = a.to_string();
            p.cached.contains(&a) || self.keeps(peer, &a, now)
        })
    }

    /// Whether anyone can still provide the block: an item containing it is
    /// in the pinset (its adder holds it while the peers pin), or some peer
    /// that is up stores it.
    pub fn network_has(&self, c: &Cid, now: Instant) -> bool {
        let ancestors = self.ancestors(c);
        let named = ancestors.iter().any(|k| {
            Cid::try_from(k.as_slice()).is_ok_and(|a| self.pins.contains_key(&a.to_string()))
        });
        named
            || (0..self.peers.len() as u16).any(|i| {
                let p = &self.peers[usize::from(i)];
                p.offline.is_none() && !p.ipfs_down && self.stored_at(i, c, now)
            })
    }

    /// A kubo that served an item it did not hold keeps it (boxo writes
    /// fetched blocks to the store).
    pub fn fetched(&mut self, peer: u16, root: &Cid, now: Instant) {
        if !self.stored_at(peer, root, now) {
            if let Some(p) = self.peers.get_mut(usize::from(peer)) {
                p.cached.insert(root.to_string());
            }
        }
    }

    /// An item leaves the pinset: every peer that had it keeps it until it
    /// collects garbage.
    pub fn left_behind(&mut self, rec: &super::state::PinRec) {
        for (i, p) in self.peers.iter_mut().enumerate() {
            if rec.allocated_to(i as u16) {
                p.cached.insert(rec.cid.clone());
            }
        }
    }

    /// `repo gc` on one peer's kubo: every stored item nothing keeps goes;
    /// the blocks it shares with a kept item stay. The blocks removed.
    pub fn collect(&mut self, peer: u16, now: Instant) -> Vec<String> {
        let Some(p) = self.peers.get(usize::from(peer)) else {
            return Vec::new();
        };
        let (gone, kept): (Vec<String>, Vec<String>) = p
            .cached
            .iter()
            .cloned()
            .partition(|r| !self.keeps(peer, r, now));
        // What stays: every block of every item this kubo keeps.
        let mut keep: HashSet<Vec<u8>> = HashSet::new();
        let kept_roots = self
            .pins
            .keys()
            .chain(self.unpinning.keys())
            .chain(p.kubo_pins.iter())
            .filter(|r| self.keeps(peer, r, now));
        for r in kept_roots {
            if let Ok(c) = crate::unixfs::parse_cid(r) {
                if self.blocks.contains_key(&c.to_bytes()) {
                    keep.extend(self.descendants(&c));
                }
            }
        }
        let mut removed: Vec<String> = Vec::new();
        let mut seen: HashSet<Vec<u8>> = HashSet::new();
        for r in &gone {
            let Ok(c) = crate::unixfs::parse_cid(r) else {
                continue;
            };
            for k in self.descendants(&c) {
                if keep.contains(&k) || !self.blocks.contains_key(&k) || !seen.insert(k.clone()) {
                    continue;
                }
                // kubo's blockstore keeps multihashes, not CIDs: a
                // collection names each block as CIDv1 raw (`bafkrei…`).
                if let Ok(b) = Cid::try_from(k.as_slice()) {
                    removed.push(Cid::new_v1(RAW, *b.hash()).to_string());
                }
            }
        }
        if let Some(p) = self.peers.get_mut(usize::from(peer)) {
            p.cached = kept.into_iter().collect();
        }
        removed.sort();
        removed
    }
}

/// `POST /ipfs/gc[?local=true]`: `repo gc` on every member peer's kubo
/// (only the answering peer's with `local`). A peer that cannot collect is
/// listed with the error and no keys, as the cluster reports a failed RPC.
pub(super) async fn repo_gc(
    State(ctx): State<Ctx>,
    Query(q): Query<std::collections::HashMap<String, String>>,
) -> Response {
    let local = q.get("local").is_some_and(|v| v == "true");
    let faults = ctx.faults();
    let now = Instant::now();
    let mut st = ctx.state.write();
    let members: Vec<u16> = (0..st.peers.len() as u16)
        .filter(|&i| !st.gone(usize::from(i)))
        .filter(|&i| !local || i == 0)
        .collect();
    let mut peer_map = BTreeMap::new();
    for i in members {
        let entry = gc_peer(&mut st, i, &faults, now);
        peer_map.insert(entry.peer.clone(), entry);
    }
    // The daemon writes it as it is encoded: chunked, with no length.
    let body = crate::cluster::gojson::encode(&GlobalRepoGc { peer_map });
    let chunk =
        futures_util::stream::once(
            async move { Ok::<_, std::convert::Infallible>(Bytes::from(body)) },
        );
    let mut r = axum::body::Body::from_stream(chunk).into_response();
    r.headers_mut().insert(
        "content-type",
        axum::http::HeaderValue::from_static("application/json"),
    );
    r
}

/// One peer's `repo gc`: the keys it removed, or why it could not.
fn gc_peer(st: &mut SimState, i: u16, faults: &Faults, now: Instant) -> RepoGc {
    let p = &st.peers[usize::from(i)];
    let (id, name) = (p.id.clone(), p.name.clone());
    let error = if let Some(why) = &p.offline {
        Some(why.clone())
    } else if p.ipfs_down {
        Some(format!(
            "Post \"http://127.0.0.1:5001/api/v0/repo/gc?stream-errors=true\": {}",
            super::state::IPFS_REFUSED
        ))
    } else {
        faults.gc_errors.get(&name).cloned()
    };
    match error {
        Some(error) => RepoGc {
            peer: id,
            peername: name,
            keys: List::from(Vec::new()),
            error,
        },
        None => RepoGc {
            peer: id,
            peername: name,
            keys: st
                .collect(i, now)
                .into_iter()
                .map(|k| RepoGcKey {
                    key: Some(k),
                    error: String::new(),
                })
                .collect::<Vec<_>>()
                .into(),
            error: String::new(),
        },
    }
}
