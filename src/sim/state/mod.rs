//! The simulated cluster's state: peers, the shared pinset, per-peer tracker
//! status derived from time, and the blocks the peers hold.
//!
//! Status is computed from timestamps, not driven by timers: a pin started at
//! `t0` is `pin_queued` for `queue`, `pinning` for `pin`, then `pinned` (or, for
//! content nobody holds, `pin_error` once `fail_after` passes). That keeps a
//! million-pin cluster cheap: nothing runs until someone asks.
//!
//! What it holds, by file: the peers (`peer.rs`), the pinset's records
//! (`record.rs`), the phases' clock (`timings.rs`); derived from them, each
//! peer's status (`status.rs`), allocations (`allocate.rs`) and the `/id`
//! and pin answers (`read_back.rs`).

mod allocate;
pub mod lock;
mod peer;
mod read_back;
mod record;
mod status;
mod timings;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use chrono::{FixedOffset, Local, Utc};
use rand::{Rng, SeedableRng};

use crate::cluster::gojson::{GoTime, List};
use crate::cluster::types::TrackerStatus;

pub use crate::cluster::replicas::check_replication;
pub use peer::{ed25519_peer_id, rsa_peer_id, SimPeer};
pub use record::{PeerOverride, PinRec, Unpinning};
pub use timings::Timings;

pub const CLUSTER_VERSION: &str = "1.1.6";
pub const RPC_PROTOCOL: &str = "/ipfscluster/1.0/rpc";
pub const NOT_IN_PINSET: &str = "pin is not part of the pinset";
/// How a cluster peer reports its stopped IPFS daemon.
pub const IPFS_REFUSED: &str = "dial tcp 127.0.0.1:5001: connect: connection refused";

#[derive(Debug)]
pub struct SimState {
    pub peers: Vec<SimPeer>,
    pub pins: BTreeMap<String, PinRec>,
    pub unpinning: HashMap<String, Unpinning>,
    /// Blocks by CID bytes.
    pub blocks: HashMap<Vec<u8>, Bytes>,
    /// For each block, the blocks that link to it: which items a block
    /// belongs to, without walking the pinset (see `store.rs`).
    pub parents: HashMap<Vec<u8>, Vec<Vec<u8>>>,
    /// CIDs (strings) the gateway must answer 504 for.
    pub unavailable: HashSet<String>,
    pub timings: Timings,
    pub default_rmin: i32,
    pub default_rmax: i32,
    /// The server's local zone, for timestamps read back from the state.
    pub tz: FixedOffset,
    pub basic_auth: Option<(String, String)>,
    pub alerts: Vec<crate::cluster::types::Alert>,
}

impl SimState {
    pub fn new(peer_names: &[String], seed: u64) -> Self {
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        let peers = peer_names
            .iter()
            .enumerate()
            .map(|(i, name)| SimPeer {
                id: ed25519_peer_id(&mut rng),
                name: name.clone(),
                ipfs_id: ed25519_peer_id(&mut rng),
                ip: format!("100.64.0.{}", 31 + i),
                free_space: (200 + (rng.gen::<u64>() % 1800)) * 1_000_000_000,
                offline: None,
                offline_since: None,
                ipfs_down: false,
                used: 0,
                announces: Vec::new(),
                cached: Default::default(),
                kubo_pins: Default::default(),
            })
            .collect();
        Self {
            peers,
            pins: BTreeMap::new(),
            unpinning: HashMap::new(),
            blocks: HashMap::new(),
            parents: HashMap::new(),
            unavailable: HashSet::new(),
            timings: Timings::default(),
            default_rmin: -1,
            default_rmax: -1,
            tz: *Local::now().offset(),
            basic_auth: None,
            alerts: Vec::new(),
        }
    }

    pub fn peer_index(&self, id: &str) -> Option<u16> {
        self.peers.iter().position(|p| p.id == id).map(|i| i as u16)
    }

    pub fn peer_by_name_or_id(&self, key: &str) -> Option<u16> {
        self.peers
            .iter()
            .position(|p| p.id == key || p.name == key)
            .map(|i| i as u16)
    }

    /// The peer IDs of peer indexes, as an answer lists them.
    pub fn peer_ids(&self, peers: &[u16]) -> List<String> {
        List::from(
            peers
                .iter()
                .map(|i| self.peers[usize::from(*i)].id.clone())
                .collect::<Vec<_>>(),
        )
    }

    pub fn now_local(&self) -> GoTime {
        GoTime(Utc::now().with_timezone(&self.tz))
    }

    pub fn secs_local(&self, secs: i64) -> GoTime {
        GoTime::from_unix(secs, 0, self.tz.local_minus_utc())
    }

    /// A dead peer crdt no longer lists (its heartbeat expired): absent from
    /// `/peers` and from every status, as the real daemon does it.
    pub fn gone(&self, idx: usize) -> bool {
        let p = &self.peers[idx];
        p.offline.is_some()
            && p.offline_since
                .is_none_or(|t| t.elapsed() >= self.timings.peer_grace)
    }

    /// Whether `peer`'s IPFS daemon holds a recursive pin of the item (what
    /// kubo's `pin/ls` answers): pinned, or pinned before and re-queued.
    pub fn holds(&self, rec: &PinRec, peer: u16, now: Instant) -> bool {
        if !rec.allocated_to(peer)
            || self
                .peers
                .get(usize::from(peer))
                .is_none_or(|p| p.ipfs_down)
        {
            return false;
        }
        rec.override_for(peer)
            .is_some_and(|o| o.held && o.error.is_none())
            || self.peer_status(rec, peer, now).status == TrackerStatus::Pinned
    }

    pub fn has_block(&self, cid: &cid::Cid) -> bool {
        self.blocks.contains_key(&cid.to_bytes())
    }

    pub fn content_known(&self, cid: &str) -> bool {
        match crate::unixfs::parse_cid(cid) {
            Ok(c) => self.has_block(&c) || is_trivial(&c),
            Err(_) => false,
        }
    }
}

/// Content every kubo node can produce without fetching (the empty folder and
/// the empty file), so a pin of it succeeds anywhere.
fn is_trivial(c: &cid::Cid) -> bool {
    let s = c.to_string();
    s == "QmUNLLsPACCz1vLxQVkXqqLX5R1X345qqfHbsf67hvA3Nn"
        || s == "QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH"
        || s == "bafybeiczsscdsbs7ffqz55asqdf3smv6klcw3gofszvwlyarci47bgf354"
        || s == "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku"
}

pub type Shared = Arc<lock::RwLock<SimState>>;
