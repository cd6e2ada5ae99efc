//! The simulated cluster's state: peers, the shared pinset, per-peer tracker
//! status derived from time, and the blocks the peers hold.
//!
//! Status is computed from timestamps, not driven by timers: a pin started at
//! `t0` is `pin_queued` for `queue`, `pinning` for `pin`, then `pinned` (or, for
//! content nobody holds, `pin_error` once `fail_after` passes). That keeps a
//! million-pin cluster cheap: nothing runs until someone asks.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use chrono::{FixedOffset, Local, Utc};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};

use crate::cluster::gojson::{GoTime, List, Map};
use crate::cluster::types::{GlobalPinInfo, IpfsId, PeerId, Pin, PinInfoShort, TrackerStatus};

pub const CLUSTER_VERSION: &str = "1.1.6";
pub const RPC_PROTOCOL: &str = "/ipfscluster/1.0/rpc";
pub const NOT_IN_PINSET: &str = "pin is not part of the pinset";
/// How a cluster peer reports its stopped IPFS daemon.
pub const IPFS_REFUSED: &str = "dial tcp 127.0.0.1:5001: connect: connection refused";

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

#[derive(Debug, Clone)]
pub struct SimPeer {
    pub id: String,
    pub name: String,
    pub ipfs_id: String,
    pub ip: String,
    pub free_space: u64,
    /// Why the peer does not answer, when it is offline.
    pub offline: Option<String>,
    /// When it went offline; `None` for a peer offline since before the start.
    pub offline_since: Option<Instant>,
    /// Its IPFS daemon is stopped: the cluster peer is up but cannot pin.
    pub ipfs_down: bool,
    /// Bytes its copies took since the start (negative: it released more
    /// than it took); the free space it reports moves with them.
    pub used: i64,
    /// Addresses its kubo announces besides its own tailnet one (a public
    /// address: a member who broke the archive's privacy).
    pub announces: Vec<String>,
    /// Items (root CIDs) its kubo still stores without a cluster pin: unpinned
    /// and not yet collected, or fetched for someone through its gateway.
    pub cached: std::collections::BTreeSet<String>,
    /// Items its kubo pins outside the cluster (`ipfs pin add` on the node):
    /// garbage collection keeps them.
    pub kubo_pins: std::collections::BTreeSet<String>,
}

impl SimPeer {
    /// The `freespace` metric: what the disk had, less the copies it took.
    pub fn free_now(&self) -> u64 {
        u64::try_from((self.free_space as i64).saturating_sub(self.used)).unwrap_or(0)
    }
}

impl SimPeer {
    pub fn addresses(&self) -> Vec<String> {
        vec![
            format!("/ip4/{}/tcp/9096/p2p/{}", self.ip, self.id),
            format!("/ip4/{}/udp/9096/quic-v1/p2p/{}", self.ip, self.id),
        ]
    }
    pub fn ipfs_addresses(&self) -> Vec<String> {
        let mut v = vec![format!("/ip4/{}/tcp/4001/p2p/{}", self.ip, self.ipfs_id)];
        v.extend(
            self.announces
                .iter()
                .map(|a| format!("{a}/p2p/{}", self.ipfs_id)),
        );
        v
    }
}

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
    fn override_for(&self, peer: u16) -> Option<&PeerOverride> {
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
}

/// An item removed from the pinset whose peers are still unpinning it.
#[derive(Debug, Clone)]
pub struct Unpinning {
    pub rec: PinRec,
    pub since: Instant,
}

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

/// A deterministic libp2p ed25519 peer ID (`12D3KooW…`).
pub fn ed25519_peer_id(rng: &mut impl Rng) -> String {
    let mut bytes = vec![0x00, 0x24, 0x08, 0x01, 0x12, 0x20];
    let key: [u8; 32] = rng.gen();
    bytes.extend_from_slice(&key);
    bs58::encode(bytes).into_string()
}

/// A deterministic RSA-style peer ID (`Qm…`), as older kubo nodes have.
pub fn rsa_peer_id(rng: &mut impl Rng) -> String {
    let mut bytes = vec![0x12, 0x20];
    let digest: [u8; 32] = rng.gen();
    bytes.extend_from_slice(&digest);
    bs58::encode(bytes).into_string()
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

    /// `GET /id` for a peer.
    pub fn peer_id_json(&self, idx: usize) -> PeerId {
        let p = &self.peers[idx];
        if let Some(err) = &p.offline {
            return PeerId {
                id: p.id.clone(),
                error: err.clone(),
                ..Default::default()
            };
        }
        // The peerset is who still sends heartbeats.
        let members: Vec<&SimPeer> = (0..self.peers.len())
            .filter(|i| !self.gone(*i))
            .map(|i| &self.peers[i])
            .collect();
        let others: Vec<&SimPeer> = members.iter().copied().filter(|o| o.id != p.id).collect();
        let ipfs = if p.ipfs_down {
            IpfsId {
                id: String::new(),
                addresses: List::null(),
                error: format!("Post \"http://127.0.0.1:5001/api/v0/id\": {IPFS_REFUSED}"),
            }
        } else {
            IpfsId {
                id: p.ipfs_id.clone(),
                addresses: List::from(p.ipfs_addresses()),
                error: String::new(),
            }
        };
        PeerId {
            id: p.id.clone(),
            addresses: List::from(p.addresses()),
            cluster_peers: List::from(members.iter().map(|o| o.id.clone()).collect::<Vec<_>>()),
            cluster_peers_addresses: List::from(
                others
                    .iter()
                    .map(|o| format!("/ip4/{}/tcp/9096/p2p/{}", o.ip, o.id))
                    .collect::<Vec<_>>(),
            ),
            version: CLUSTER_VERSION.into(),
            commit: String::new(),
            rpc_protocol_version: RPC_PROTOCOL.into(),
            error: String::new(),
            ipfs,
            peername: p.name.clone(),
        }
    }

    /// The pin as read back from the state (protobuf round-trip shapes).
    pub fn pin_json(&self, rec: &PinRec) -> Pin {
        Pin {
            replication_factor_min: rec.rmin,
            replication_factor_max: rec.rmax,
            name: rec.name.clone(),
            mode: if rec.mode_direct {
                "direct"
            } else {
                "recursive"
            }
            .into(),
            shard_size: 0,
            user_allocations: List::null(),
            expire_at: if rec.expire_at == 0 {
                GoTime::zero()
            } else {
                self.secs_local(rec.expire_at)
            },
            metadata: if rec.metadata.is_empty() {
                Map::null()
            } else {
                Map::from(rec.metadata.clone())
            },
            pin_update: rec.pin_update.clone(),
            origins: List::empty(),
            cid: rec.cid.clone(),
            pin_type: "pin".into(),
            allocations: List::from(
                rec.allocations
                    .iter()
                    .map(|i| self.peers[usize::from(*i)].id.clone())
                    .collect::<Vec<_>>(),
            ),
            max_depth: if rec.mode_direct { 0 } else { -1 },
            reference: None,
            timestamp: self.secs_local(rec.timestamp),
        }
    }

    /// One peer's tracker status for a pin in the pinset.
    pub fn peer_status(&self, rec: &PinRec, peer: u16, now: Instant) -> PinInfoShort {
        let p = &self.peers[usize::from(peer)];
        if let Some(err) = &p.offline {
            return PinInfoShort {
                peername: p.name.clone(),
                status: TrackerStatus::ClusterError,
                timestamp: self.now_local(),
                error: err.clone(),
                ..Default::default()
            };
        }
        let mut info = PinInfoShort {
            peername: p.name.clone(),
            ipfs_peer_id: p.ipfs_id.clone(),
            // 1.1.6 leaves them out of status answers.
            ipfs_peer_addresses: List::null(),
            status: TrackerStatus::Remote,
            timestamp: self.secs_local(rec.timestamp),
            ..Default::default()
        };
        if !rec.allocated_to(peer) {
            return info;
        }
        if p.ipfs_down {
            info.status = TrackerStatus::PinError;
            info.error = format!(
                "Post \"http://127.0.0.1:5001/api/v0/pin/ls?stream=true&arg={}&type=recursive\": {}",
                rec.cid, IPFS_REFUSED
            );
            info.attempt_count = 1;
            info.timestamp = self.now_local();
            return info;
        }
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
            let keep = st.status == TrackerStatus::ClusterError
                || crate::cluster::types::status_matches(filter, st.status);
            if keep {
                peer_map.insert(self.peers[usize::from(i)].id.clone(), st);
            }
        }
        // An item no reachable peer reports under the filter is not in the answer.
        if filter != 0
            && !peer_map
                .values()
                .any(|p| crate::cluster::types::status_matches(filter, p.status))
        {
            return None;
        }
        Some(GlobalPinInfo {
            cid: rec.cid.clone(),
            name: rec.name.clone(),
            allocations: List::from(
                rec.allocations
                    .iter()
                    .map(|i| self.peers[usize::from(*i)].id.clone())
                    .collect::<Vec<_>>(),
            ),
            origins: List::empty(),
            created: self.secs_local(rec.timestamp),
            metadata: if rec.metadata.is_empty() {
                Map::null()
            } else {
                Map::from(rec.metadata.clone())
            },
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
        let peers = self.status_peers(local);
        let mut peer_map = BTreeMap::new();
        for i in peers {
            let p = &self.peers[usize::from(i)];
            let st = {
                if let Some(err) = &p.offline {
                    PinInfoShort {
                        peername: p.name.clone(),
                        status: TrackerStatus::ClusterError,
                        timestamp: self.now_local(),
                        error: err.clone(),
                        ..Default::default()
                    }
                } else {
                    PinInfoShort {
                        peername: p.name.clone(),
                        ipfs_peer_id: p.ipfs_id.clone(),
                        // 1.1.6 leaves them out of status answers.
                        ipfs_peer_addresses: List::null(),
                        status: TrackerStatus::Unpinned,
                        timestamp: self.now_local(),
                        ..Default::default()
                    }
                }
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

    /// Chooses allocations as the balanced allocator does: by free space.
    /// The daemon's `allocate()`: peers already holding the item count
    /// towards the bounds; user allocations come first, then the peers with
    /// most free space. Unchanged when the current copies are within bounds.
    pub fn allocate(
        &self,
        rmin: i32,
        rmax: i32,
        user: &[String],
        force_local: bool,
        current: &[u16],
    ) -> Result<Vec<u16>, String> {
        if rmin < 0 && rmax < 0 {
            return Ok(Vec::new());
        }
        let online = |i: &u16| self.peers[usize::from(*i)].offline.is_none();
        let current_valid: Vec<u16> = current.iter().copied().filter(online).collect();
        let mut priority: Vec<u16> = Vec::new();
        for u in user {
            if let Some(i) = self.peer_by_name_or_id(u) {
                if online(&i) && !current.contains(&i) && !priority.contains(&i) {
                    priority.push(i);
                }
            }
        }
        if force_local && user.is_empty() && online(&0) && !current.contains(&0) {
            priority.push(0);
        }
        let by_space = |v: &mut Vec<u16>| {
            v.sort_by(|a, b| {
                self.peers[usize::from(*b)]
                    .free_now()
                    .cmp(&self.peers[usize::from(*a)].free_now())
            })
        };
        let mut candidates: Vec<u16> = (0..self.peers.len() as u16)
            .filter(|i| online(i) && !current.contains(i) && !priority.contains(i))
            .collect();
        by_space(&mut priority);
        by_space(&mut candidates);
        let n_current = current_valid.len() as i64;
        let needed = i64::from(rmin) - n_current;
        let wanted = i64::from(rmax) - n_current;
        if wanted < 0 {
            // The daemon keeps the first of its current peers in Go map
            // order: which ones go is anybody's guess (seen on 1.1.6).
            let keep = usize::try_from(n_current + wanted).unwrap_or(0);
            let mut kept = current_valid;
            kept.shuffle(&mut rand::thread_rng());
            kept.truncate(keep);
            return Ok(kept);
        }
        if needed <= 0 {
            return Ok(current.to_vec());
        }
        let available = priority.len() + candidates.len();
        if (available as i64) < needed {
            return Err(format!(
                "not enough peers to allocate CID. Needed at least: {needed}. Wanted at most: {wanted}. Available candidates: {available}. See logs for more info."
            ));
        }
        let take = usize::try_from(wanted).unwrap_or(usize::MAX).min(available);
        let mut chosen = current_valid;
        chosen.extend(priority.into_iter().chain(candidates).take(take));
        Ok(chosen)
    }

    /// Moves an item's size onto (`sign` 1) or off (-1) the peers holding it.
    pub fn account(&mut self, rec: &PinRec, sign: i64) {
        let size = self.item_size(rec) as i64 * sign;
        let holders: Vec<u16> = if rec.allocations.is_empty() {
            (0..self.peers.len() as u16).collect()
        } else {
            rec.allocations.clone()
        };
        for p in holders {
            if let Some(peer) = self.peers.get_mut(usize::from(p)) {
                peer.used = peer.used.saturating_add(size);
            }
        }
    }

    /// What an item takes on a peer: its `size` metadata, else what its root
    /// block declares.
    pub fn item_size(&self, rec: &PinRec) -> u64 {
        if let Some(s) = rec
            .metadata
            .iter()
            .find(|(k, _)| k == "size")
            .and_then(|(_, v)| v.parse().ok())
        {
            return s;
        }
        let Ok(c) = crate::unixfs::parse_cid(&rec.cid) else {
            return 0;
        };
        self.blocks
            .get(&c.to_bytes())
            .and_then(|root| crate::unixfs::declared_bound(&c, root))
            .unwrap_or(0)
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

pub use crate::cluster::replicas::check_replication;

pub type Shared = Arc<lock::RwLock<SimState>>;

/// A std RwLock wrapper that recovers from poisoning: a panicked handler must
/// not take the whole simulator down.
/// A `std` read-write lock that shrugs off poisoning: a handler that
/// panicked must not take the whole simulator down with it.
pub mod lock {
    pub struct RwLock<T>(std::sync::RwLock<T>);
    impl<T> RwLock<T> {
        pub fn new(t: T) -> Self {
            Self(std::sync::RwLock::new(t))
        }
        pub fn read(&self) -> std::sync::RwLockReadGuard<'_, T> {
            self.0.read().unwrap_or_else(|e| e.into_inner())
        }
        pub fn write(&self) -> std::sync::RwLockWriteGuard<'_, T> {
            self.0.write().unwrap_or_else(|e| e.into_inner())
        }
    }
    impl<T: std::fmt::Debug> std::fmt::Debug for RwLock<T> {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            self.0.fmt(f)
        }
    }
}
