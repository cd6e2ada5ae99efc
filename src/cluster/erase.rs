//! Erase: what "removed" must mean. Unpinning only stops the cluster keeping
//! an item: every kubo that had it still stores and serves it until it
//! collects garbage, which kubo's daemon does not do on its own (seen on
//! ipfs-cluster 1.1.6 + kubo 0.42). An erase unpins, waits until every peer
//! has let go, runs the cluster's collection on every peer (`/ipfs/gc`),
//! then asks every peer's gateway for each of the item's blocks, only for
//! what it stores (`only-if-cached`), and says why whatever is left is left.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use cid::Cid;
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};

use super::audit::Holder;
use super::dag::{BlockError, Dag, Seen};
use super::types::{PeerId, TrackerStatus};
use super::{ClientError, ClusterClient};

const RAW: u64 = 0x55;
/// An item's blocks listed at most (a million-block item is 256 GiB of
/// 256 KiB chunks).
pub const MAX_BLOCKS: usize = 1_000_000;
/// Other items looked at, at most, for blocks they share with the item.
pub const SHARE_SCAN_ITEMS: usize = 10_000;
/// Their blocks read, at most, for that.
pub const SHARE_SCAN_BLOCKS: usize = 100_000;
/// Blocks asked of each gateway at once when verifying.
const VERIFY_AHEAD: usize = 16;

/// An item's blocks, as read through a gateway before it is unpinned (after
/// the collection nothing may be left to read).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ItemBlocks {
    pub blocks: Vec<Cid>,
    /// Each block's links (raw leaves have none and are not read).
    children: HashMap<Cid, Vec<Cid>>,
    /// False when some of it could not be read or it is larger than
    /// [`MAX_BLOCKS`]: the check covers the blocks listed.
    pub complete: bool,
}

impl ItemBlocks {
    /// Blocks known by their CIDs alone (a later check, a test): nothing
    /// known of their links.
    pub fn listed(blocks: Vec<Cid>) -> Self {
        ItemBlocks {
            blocks,
            children: HashMap::new(),
            complete: true,
        }
    }

    /// The block and everything under it, within the item.
    fn below(&self, c: &Cid) -> Vec<Cid> {
        let mut seen = Seen::default();
        let mut todo = vec![*c];
        let mut out = Vec::new();
        while let Some(x) = todo.pop() {
            if !seen.first(&x) {
                continue;
            }
            if let Some(k) = self.children.get(&x) {
                todo.extend(k.iter().copied());
            }
            out.push(x);
        }
        out
    }
}

/// Reads every block of the item once (raw leaves are named by their
/// parents and not fetched). `Err` only when its root cannot be read.
pub async fn item_blocks(dag: &Dag, root: &Cid) -> Result<ItemBlocks, BlockError> {
    let mut out = ItemBlocks {
        complete: true,
        ..Default::default()
    };
    let mut seen = Seen::default();
    seen.first(root);
    let mut todo = vec![*root];
    while let Some(c) = todo.pop() {
        if out.blocks.len() >= MAX_BLOCKS {
            out.complete = false;
            break;
        }
        out.blocks.push(c);
        if c.codec() == RAW {
            continue;
        }
        let links = match dag.node(&c).await {
            Ok(n) => n.links(),
            Err(e) if c == *root => return Err(e),
            Err(_) => {
                out.complete = false;
                continue;
            }
        };
        todo.extend(links.iter().filter(|k| seen.first(k)).copied());
        out.children.insert(c, links);
    }
    Ok(out)
}

/// Another pinned item that uses some of the item's blocks: those stay.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sharing {
    pub cid: String,
    pub name: String,
    pub blocks: usize,
}

/// What other pinned items share with the item.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shares {
    pub items: Vec<Sharing>,
    /// The item's blocks some other item uses.
    #[serde(skip)]
    pub blocks: HashSet<Cid>,
    /// Items looked at, of the pinset's.
    pub checked: usize,
    pub total: usize,
}

impl Shares {
    pub fn complete(&self) -> bool {
        self.checked >= self.total
    }

    /// `3 blocks shared with 'b.txt' and 'c.txt'`.
    pub fn text(&self) -> String {
        let names: Vec<String> = self
            .items
            .iter()
            .take(3)
            .map(|s| {
                if s.name.is_empty() {
                    crate::format::short_id(&s.cid, 6)
                } else {
                    format!("'{}'", crate::sanitize::clean(&s.name))
                }
            })
            .collect();
        let more = self.items.len().saturating_sub(3);
        format!(
            "{} block(s) shared with {}{}",
            self.blocks.len(),
            names.join(", "),
            if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            }
        )
    }
}

/// Looks through `others` (cid, name) for blocks of `item`: a file added
/// twice under two names, identical chunks, an item inside the item. Reads
/// each other item's blocks until it meets one of the item's (whatever is
/// below that is the item's too), within [`SHARE_SCAN_BLOCKS`] in all.
pub async fn shares(
    dag: &Dag,
    item: &ItemBlocks,
    others: &[(String, String)],
    total: usize,
) -> Shares {
    let mine: HashSet<Cid> = item.blocks.iter().copied().collect();
    let budget = AtomicUsize::new(SHARE_SCAN_BLOCKS);
    let checked = AtomicUsize::new(0);
    let scan = |cid: String, name: String| {
        let (mine, budget, checked) = (&mine, &budget, &checked);
        async move {
            let root = crate::unixfs::parse_cid(&cid).ok()?;
            if budget.load(Ordering::Relaxed) == 0 {
                return None;
            }
            checked.fetch_add(1, Ordering::Relaxed);
            let mut found: HashSet<Cid> = HashSet::new();
            let mut seen = Seen::default();
            let mut todo = vec![root];
            while let Some(c) = todo.pop() {
                if !seen.first(&c) {
                    continue;
                }
                if mine.contains(&c) {
                    found.extend(item.below(&c));
                    continue;
                }
                if c.codec() == RAW {
                    continue;
                }
                if budget
                    .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |b| b.checked_sub(1))
                    .is_err()
                {
                    break;
                }
                match dag.node(&c).await {
                    Ok(n) => todo.extend(n.links()),
                    Err(_) => continue,
                }
            }
            (!found.is_empty()).then_some((cid, name, found))
        }
    };
    let mut s = futures_util::stream::iter(others.iter().cloned())
        .map(|(c, n)| scan(c, n))
        .buffer_unordered(8);
    let mut out = Shares {
        total,
        ..Default::default()
    };
    while let Some(r) = s.next().await {
        if let Some((cid, name, found)) = r {
            out.items.push(Sharing {
                cid,
                name,
                blocks: found.len(),
            });
            out.blocks.extend(found);
        }
    }
    drop(s);
    out.items
        .sort_by(|a, b| b.blocks.cmp(&a.blocks).then(a.cid.cmp(&b.cid)));
    out.checked = checked.load(Ordering::Relaxed);
    out
}

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

/// The whole erase, or a later check of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
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

    /// 0 erased, 1 pending (a peer to check later), 2 still stored.
    pub fn exit_code(self) -> u8 {
        match self {
            Verdict::Erased => 0,
            Verdict::Pending => 1,
            Verdict::Stored => 2,
        }
    }

    /// The graver of two.
    pub fn max_by(self, other: Verdict) -> Verdict {
        if other.exit_code() > self.exit_code() {
            other
        } else {
            self
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

/// An item made ready to erase: its blocks read, its shares found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prepared {
    pub cid: String,
    pub name: String,
    /// In the pinset (else it was unpinned before: only collected).
    pub pinned: bool,
    pub blocks: ItemBlocks,
    pub shares: Shares,
}

impl Prepared {
    /// What the confirmation says before anything happens.
    pub fn warning(&self) -> Vec<String> {
        let mut l = vec![
            format!(
                "{}then garbage collection runs on EVERY peer: it frees everything unpinned there, not only this item.",
                if self.pinned {
                    "The item is unpinned from every peer, "
                } else {
                    "The item is no longer pinned; "
                }
            ),
            format!(
                "Then each peer is asked for its {} block(s){}; what is left is named.",
                self.blocks.blocks.len(),
                if self.blocks.complete {
                    ""
                } else {
                    " (those that could be read)"
                }
            ),
        ];
        if !self.shares.items.is_empty() {
            l.push(format!("{}: those stay.", self.shares.text()));
        }
        if !self.shares.complete() {
            l.push(format!(
                "Shared blocks were looked for in {} of {} pinned items.",
                self.shares.checked, self.shares.total
            ));
        }
        l
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
            now.push(PeerErasure {
                peer: was.peer.clone(),
                peer_id: was.peer_id.clone(),
                outcome: PeerOutcome::Pending,
                stored_blocks: 0,
                shared_kept: 0,
                why: "not among the cluster's peers now (restarting, or removed from the cluster): not checked".into(),
            });
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

/// What a peer's gateway says of one block, asked only for what its kubo
/// stores.
enum Presence {
    /// Served: stored there (a bad copy is a copy still stored).
    Stored,
    /// `412 … not in local datastore`: the one answer that proves absence
    /// (a 404, 504 or a proxy's error says nothing of the store).
    Absent,
    Unknown(String),
}

async fn presence(client: &ClusterClient, gateway: &url::Url, c: &Cid) -> Presence {
    let mut u = gateway.clone();
    u.set_path(&format!("/ipfs/{c}"));
    u.set_query(Some("format=raw"));
    let r = client
        .gateway_http()
        .head(u)
        .header("Accept", "application/vnd.ipld.raw")
        .header("Cache-Control", "only-if-cached")
        .timeout(Duration::from_secs(15))
        .send()
        .await;
    match r {
        Ok(r) if r.status().is_success() => Presence::Stored,
        Ok(r) if r.status() == reqwest::StatusCode::PRECONDITION_FAILED => Presence::Absent,
        Ok(r) => Presence::Unknown(format!("HTTP {} from its gateway", r.status().as_u16())),
        Err(e) if e.is_timeout() => Presence::Unknown("no answer in time".into()),
        Err(e) => Presence::Unknown(super::error::transport_reason(&e)),
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

/// Runs erases and checks against one cluster.
pub struct Eraser {
    pub client: Arc<ClusterClient>,
    /// Every member with the gateway of its kubo.
    pub holders: Vec<Holder>,
    pub members: Vec<PeerId>,
    /// How long to wait for every peer to let go of the pin.
    pub wait: Duration,
    /// How long to keep collecting again where blocks remain that nothing
    /// explains (a kubo still unpinning), before reporting them.
    pub settle: Duration,
}

/// How an erase is going, for a progress line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stage {
    Unpinning,
    Collecting,
    Verifying { done: usize, total: usize },
}

impl Stage {
    pub fn text(&self) -> String {
        match self {
            Stage::Unpinning => "unpinning, waiting for every peer to let go".into(),
            Stage::Collecting => "collecting garbage on every peer".into(),
            Stage::Verifying { done, total } => format!("asking the peers: {done}/{total}"),
        }
    }
}

impl Eraser {
    /// Reads what some peer stores, asking each in turn and never letting
    /// one fetch from the others: an item nobody holds is a quick 412 from
    /// each, not a gateway searching the network until it times out.
    fn reader(&self) -> Dag {
        let mut d = Dag::new(self.client.clone(), self.client.default_gateway())
            .with_fallbacks(self.holders.iter().map(|h| h.gateway.clone()));
        d.only_if_cached = true;
        d.timeout = Duration::from_secs(15);
        d
    }

    /// Reads the item and looks for what it shares, changing nothing.
    pub async fn prepare(&self, cid: &str) -> Result<Prepared, ClientError> {
        let root = crate::unixfs::parse_cid(cid).map_err(|e| ClientError::Api {
            host: String::new(),
            status: 400,
            message: format!("{cid}: not a valid CID: {e}"),
        })?;
        let (pinned, name) = match self.client.allocation(cid).await {
            Ok(p) => (true, p.name),
            Err(ClientError::Api { status: 404, .. }) => (false, String::new()),
            Err(e) => return Err(e),
        };
        let dag = self.reader();
        // Not pinned and no peer stores it: nothing to erase, and no reason
        // to collect garbage on every peer.
        let blocks = match item_blocks(&dag, &root).await {
            Ok(b) => b,
            Err(_) if !pinned => {
                return Err(ClientError::Api {
                    host: dag.gateway_label(),
                    status: 404,
                    message: format!(
                    "{cid}: nothing to erase: it is not in the pinset and no peer's gateway has it"
                ),
                })
            }
            // Pinned, yet unreadable: its root alone is asked after, and
            // the verdict says not every block was.
            Err(_) => ItemBlocks {
                blocks: vec![root],
                children: HashMap::new(),
                complete: false,
            },
        };
        let mut others = Vec::new();
        let mut total = 0usize;
        self.client
            .each_pin(|p| {
                if p.cid == cid {
                    return;
                }
                total += 1;
                if others.len() < SHARE_SCAN_ITEMS {
                    others.push((p.cid, p.name));
                }
            })
            .await?;
        let shares = shares(&dag, &blocks, &others, total).await;
        Ok(Prepared {
            cid: cid.to_string(),
            name,
            pinned,
            blocks,
            shares,
        })
    }

    /// Unpins, waits, collects on every peer, and asks them all.
    pub async fn erase(
        &self,
        p: &Prepared,
        mut on: impl FnMut(Stage),
    ) -> Result<Report, ClientError> {
        let mut unpinned = false;
        if p.pinned {
            on(Stage::Unpinning);
            match self.client.unpin(&p.cid).await {
                Ok(_) => unpinned = true,
                // Unpinned meanwhile: collecting is what is left to do.
                Err(ClientError::Api { status: 404, .. }) => {}
                Err(e) => return Err(e),
            }
        }
        // Also after an earlier unpin: peers may still be letting go.
        self.wait_unpinned(&p.cid).await;
        // A status is no proof a kubo let go (1.1.6 answers `unpinned` for
        // every peer once the item leaves the pinset, while their kubos are
        // still unpinning): what a collection left on a peer it ran on, and
        // no shared block explains, is collected again a few times.
        // A peer still busy with pins (one that restarted catches up on the
        // whole pinset) is waited for, within `wait`.
        let started = tokio::time::Instant::now();
        let mut pause = Duration::from_secs(1);
        let (collections, mut peers) = loop {
            on(Stage::Collecting);
            let collections = self.collect().await?;
            let peers = self.verify(p, &collections, &mut on).await;
            let unsettled: Vec<&str> = peers
                .iter()
                .filter(|x| {
                    x.outcome == PeerOutcome::Stored
                        && matches!(collections.get(&x.peer_id), Some(Collection::Ran(_)))
                })
                .map(|x| x.peer_id.as_str())
                .collect();
            if unsettled.is_empty() {
                break (collections, peers);
            }
            let busy = self.in_flight().await;
            let pinning = self.still_pinning(&p.cid).await;
            let waiting = unsettled
                .iter()
                .any(|id| busy.get(*id).is_some_and(|n| *n > 0) || pinning.contains(*id))
                && started.elapsed() < self.wait;
            if !waiting && pause > self.settle {
                break (collections, peers);
            }
            tokio::time::sleep(pause.min(Duration::from_secs(4))).await;
            pause *= 2;
        };
        // What is still stored where a collection ran: say what the peer
        // was doing, as far as the cluster tells.
        if peers.iter().any(|x| x.outcome == PeerOutcome::Stored) {
            let busy = self.in_flight().await;
            let pinning = self.still_pinning(&p.cid).await;
            for x in peers.iter_mut().filter(|x| {
                x.outcome == PeerOutcome::Stored
                    && matches!(collections.get(&x.peer_id), Some(Collection::Ran(_)))
            }) {
                x.why = match busy.get(&x.peer_id).copied().unwrap_or(0) {
                    _ if pinning.contains(&x.peer_id) => format!(
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
                };
            }
        }
        Ok(Report {
            cid: p.cid.clone(),
            name: p.name.clone(),
            at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            verdict: Report::verdict_of(&peers, p.blocks.complete),
            listed_all: p.blocks.complete,
            unpinned,
            blocks: p.blocks.blocks.len(),
            shared: p.shares.items.clone(),
            shared_blocks: p.shares.blocks.len(),
            peers,
            collections,
        })
    }

    /// Until no peer pins or is unpinning the item (within `wait`): a
    /// collection while a kubo still pins it would free nothing.
    async fn wait_unpinned(&self, cid: &str) {
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

    /// `/ipfs/gc` on every peer; each member's outcome.
    pub async fn collect(&self) -> Result<BTreeMap<String, Collection>, ClientError> {
        let gc = self.client.repo_gc().await?;
        let mut out = BTreeMap::new();
        for m in &self.members {
            let c = match gc.peer_map.get(&m.id) {
                Some(r) if !r.error.is_empty() => Collection::Failed(r.error.clone()),
                // Nothing removed, only errors: the collection did not run.
                Some(r) if r.keys.removed == 0 && r.keys.errors > 0 => {
                    Collection::Failed(r.keys.first_errors.join("; "))
                }
                Some(r) => Collection::Ran(r.keys.removed),
                None => Collection::NotAsked,
            };
            out.insert(m.id.clone(), c);
        }
        Ok(out)
    }

    /// Asks every member's gateway for each block, only for what it stores.
    pub async fn verify(
        &self,
        p: &Prepared,
        collections: &BTreeMap<String, Collection>,
        on: &mut impl FnMut(Stage),
    ) -> Vec<PeerErasure> {
        self.check(&p.blocks.blocks, &p.shares.blocks, collections, on)
            .await
    }

    /// The same, for a list of blocks (a later check from the log).
    pub async fn check(
        &self,
        blocks: &[Cid],
        shared: &HashSet<Cid>,
        collections: &BTreeMap<String, Collection>,
        on: &mut impl FnMut(Stage),
    ) -> Vec<PeerErasure> {
        let total = self.members.len();
        on(Stage::Verifying { done: 0, total });
        let mut out = Vec::new();
        // By index, not by reference: a future held across an await in a
        // spawned task must not borrow through a closure's argument.
        let jobs = (0..self.members.len()).map(|i| {
            let m = &self.members[i];
            let holder = self.holders.iter().find(|h| h.peer_id == m.id);
            let c = collections.get(&m.id);
            self.check_peer(m, holder, blocks, shared, c)
        });
        let mut s = futures_util::stream::iter(jobs).buffer_unordered(4);
        while let Some(r) = s.next().await {
            out.push(r);
            on(Stage::Verifying {
                done: out.len(),
                total,
            });
        }
        out.sort_by(|a, b| b.outcome.cmp(&a.outcome).then(a.peer.cmp(&b.peer)));
        out
    }

    async fn check_peer(
        &self,
        m: &PeerId,
        holder: Option<&Holder>,
        blocks: &[Cid],
        shared: &HashSet<Cid>,
        collection: Option<&Collection>,
    ) -> PeerErasure {
        let name = if m.peername.is_empty() {
            crate::format::short_id(&m.id, 6)
        } else {
            m.peername.clone()
        };
        let mut e = PeerErasure {
            peer: name,
            peer_id: m.id.clone(),
            outcome: PeerOutcome::Pending,
            stored_blocks: 0,
            shared_kept: 0,
            why: String::new(),
        };
        let Some(h) = holder else {
            e.why = if m.error.is_empty() {
                "no gateway known for this peer: give nodes.NAME.gateway in the configuration"
                    .into()
            } else {
                // A member the cluster dropped is named by its ID alone, so
                // a node named only by name cannot be matched to it.
                format!(
                    "down ({}); no gateway known for it (nodes.NAME.peer_id names it); erased --check verifies it when it is back",
                    m.error
                )
            };
            return e;
        };
        let mut unreachable: Option<String> = None;
        let (client, gateway) = (&self.client, &h.gateway);
        let mut s = futures_util::stream::iter(blocks.iter().copied())
            .map(move |c| async move { (c, presence(client, gateway, &c).await) })
            .buffer_unordered(VERIFY_AHEAD);
        while let Some((c, r)) = s.next().await {
            match r {
                Presence::Absent => {}
                Presence::Unknown(reason) => {
                    unreachable.get_or_insert(reason);
                }
                Presence::Stored => {
                    if shared.contains(&c) {
                        e.shared_kept += 1;
                    } else {
                        e.stored_blocks += 1;
                    }
                }
            }
        }
        drop(s);
        let failed = match collection {
            Some(Collection::Failed(why)) => Some(why.as_str()),
            _ => None,
        };
        (e.outcome, e.why) = if e.stored_blocks > 0 {
            let why = match collection {
                Some(Collection::Failed(why)) => format!("not collected: {why}"),
                Some(Collection::NotAsked) => {
                    "not collected: the cluster did not ask it (not in its peerset)".into()
                }
                // Ran, or a check with no collection.
                Some(Collection::Ran(_)) => format!(
                    "collected, yet {} block(s) remain: its kubo pins them outside the cluster, or an item not checked for shared blocks uses them",
                    e.stored_blocks
                ),
                None => "still stored: not collected since (erased --check --collect runs it)"
                    .into(),
            };
            (PeerOutcome::Stored, why)
        } else if let Some(reason) = unreachable {
            // The cluster's own word for a peer that is down says more
            // than its gateway's refusal.
            let reason = if m.error.is_empty() {
                reason
            } else {
                format!("down: {}", m.error)
            };
            let why = match (failed, collection) {
                (Some(f), _) => format!("could not be asked ({reason}) nor collected ({f}); erased --check --collect finishes it when it is back"),
                (None, Some(Collection::NotAsked)) => format!("could not be asked ({reason}) and the cluster did not collect on it; erased --check --collect finishes it when it is back"),
                (None, _) => format!("could not be asked ({reason}); erased --check verifies it when it answers"),
            };
            (PeerOutcome::Pending, why)
        } else if e.shared_kept > 0 {
            (
                PeerOutcome::Gone,
                format!("keeps {} block(s) other items use", e.shared_kept),
            )
        } else {
            (PeerOutcome::Gone, String::new())
        };
        e
    }
}
