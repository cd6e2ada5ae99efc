//! Asking every peer's gateway for each of the item's blocks, only for
//! what its kubo stores, and saying why whatever is left is left.

use std::collections::{BTreeMap, HashSet};
use std::time::Duration;

use cid::Cid;
use futures_util::StreamExt;

use super::eraser::{Eraser, Stage};
use super::prepare::Prepared;
use super::report::{Collection, PeerErasure, PeerOutcome};
use crate::cluster::audit::Holder;
use crate::cluster::types::PeerId;
use crate::cluster::ClusterClient;

/// Blocks asked of each gateway at once when verifying.
const VERIFY_AHEAD: usize = 16;

impl Eraser {
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

    /// One member's answer: what its gateway serves of the item, and why.
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
        let mut e = PeerErasure::pending(name, m.id.clone(), String::new());
        let Some(h) = holder else {
            e.why = no_gateway(m);
            return e;
        };
        let found = self.ask_gateway(&h.gateway, blocks, shared).await;
        e.stored_blocks = found.stored;
        e.shared_kept = found.shared_kept;
        (e.outcome, e.why) = if found.stored > 0 {
            (PeerOutcome::Stored, why_stored(found.stored, collection))
        } else if let Some(reason) = found.unreachable {
            (PeerOutcome::Pending, why_unasked(m, reason, collection))
        } else if found.shared_kept > 0 {
            (
                PeerOutcome::Gone,
                format!("keeps {} block(s) other items use", found.shared_kept),
            )
        } else {
            (PeerOutcome::Gone, String::new())
        };
        e
    }

    /// Asks one gateway for every block, [`VERIFY_AHEAD`] at a time.
    async fn ask_gateway(
        &self,
        gateway: &url::Url,
        blocks: &[Cid],
        shared: &HashSet<Cid>,
    ) -> Found {
        let mut found = Found::default();
        let client = &self.client;
        let mut s = futures_util::stream::iter(blocks.iter().copied())
            .map(move |c| async move { (c, presence(client, gateway, &c).await) })
            .buffer_unordered(VERIFY_AHEAD);
        while let Some((c, r)) = s.next().await {
            match r {
                Presence::Absent => {}
                Presence::Unknown(reason) => {
                    found.unreachable.get_or_insert(reason);
                }
                Presence::Stored if shared.contains(&c) => found.shared_kept += 1,
                Presence::Stored => found.stored += 1,
            }
        }
        found
    }
}

/// What one gateway serves of the item.
#[derive(Default)]
struct Found {
    /// The item's own blocks.
    stored: usize,
    /// Blocks other items share.
    shared_kept: usize,
    /// Why some block could not be asked after (the first reason).
    unreachable: Option<String>,
}

/// Why a member with no gateway known was not asked.
fn no_gateway(m: &PeerId) -> String {
    if m.error.is_empty() {
        "no gateway known for this peer: give nodes.NAME.gateway in the configuration".into()
    } else {
        // A member the cluster dropped is named by its ID alone, so a node
        // named only by name cannot be matched to it.
        format!(
            "down ({}); no gateway known for it (nodes.NAME.peer_id names it); erased --check verifies it when it is back",
            m.error
        )
    }
}

/// Why a peer still stores `stored` of the item's own blocks.
fn why_stored(stored: usize, collection: Option<&Collection>) -> String {
    match collection {
        Some(Collection::Failed(why)) => format!("not collected: {why}"),
        Some(Collection::NotAsked) => {
            "not collected: the cluster did not ask it (not in its peerset)".into()
        }
        Some(Collection::Ran(_)) => format!(
            "collected, yet {stored} block(s) remain: its kubo pins them outside the cluster, or an item not checked for shared blocks uses them"
        ),
        // A check with no collection.
        None => "still stored: not collected since (erased --check --collect runs it)".into(),
    }
}

/// Why a peer whose gateway did not answer for some block is pending.
fn why_unasked(m: &PeerId, reason: String, collection: Option<&Collection>) -> String {
    // The cluster's own word for a peer that is down says more than its
    // gateway's refusal.
    let reason = if m.error.is_empty() {
        reason
    } else {
        format!("down: {}", m.error)
    };
    match collection {
        Some(Collection::Failed(f)) => format!("could not be asked ({reason}) nor collected ({f}); erased --check --collect finishes it when it is back"),
        Some(Collection::NotAsked) => format!("could not be asked ({reason}) and the cluster did not collect on it; erased --check --collect finishes it when it is back"),
        _ => format!("could not be asked ({reason}); erased --check verifies it when it answers"),
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
        Err(e) => Presence::Unknown(crate::cluster::error::transport_reason(&e)),
    }
}
