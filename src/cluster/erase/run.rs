//! The erase itself: unpin, wait for every peer to let go, collect garbage
//! on every peer and ask them all, again while what is left has no other
//! explanation, then say why whatever is left is left.

use std::collections::BTreeMap;
use std::time::Duration;

use super::eraser::{Eraser, Stage};
use super::prepare::Prepared;
use super::report::{Collection, PeerErasure, PeerOutcome, Report};
use crate::cluster::ClientError;

/// Each member's collection (by peer ID).
type Collections = BTreeMap<String, Collection>;

impl Eraser {
    /// Unpins, waits, collects on every peer, and asks them all.
    pub async fn erase(
        &self,
        p: &Prepared,
        mut on: impl FnMut(Stage),
    ) -> Result<Report, ClientError> {
        let unpinned = self.unpin(p, &mut on).await?;
        // Also after an earlier unpin: peers may still be letting go.
        self.wait_unpinned(&p.cid).await;
        let (collections, mut peers) = self.collect_until_settled(p, &mut on).await?;
        self.explain_remaining(&p.cid, &collections, &mut peers)
            .await;
        Ok(report(p, unpinned, peers, collections))
    }

    /// Unpins a pinned item: whether this run did.
    async fn unpin(&self, p: &Prepared, on: &mut impl FnMut(Stage)) -> Result<bool, ClientError> {
        if !p.pinned {
            return Ok(false);
        }
        on(Stage::Unpinning);
        match self.client.unpin(&p.cid).await {
            Ok(_) => Ok(true),
            // Unpinned meanwhile: collecting is what is left to do.
            Err(ClientError::Api { status: 404, .. }) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Collects and asks every peer. A status is no proof a kubo let go
    /// (1.1.6 answers `unpinned` for every peer once the item leaves the
    /// pinset, while their kubos are still unpinning): what a collection
    /// left on a peer it ran on, and no shared block explains, is collected
    /// again a few times. A peer still busy with pins (one that restarted
    /// catches up on the whole pinset) is waited for, within `wait`.
    async fn collect_until_settled(
        &self,
        p: &Prepared,
        on: &mut impl FnMut(Stage),
    ) -> Result<(Collections, Vec<PeerErasure>), ClientError> {
        let started = tokio::time::Instant::now();
        let mut pause = Duration::from_secs(1);
        loop {
            on(Stage::Collecting);
            let collections = self.collect().await?;
            let peers = self.verify(p, &collections, on).await;
            let unsettled: Vec<&str> = peers
                .iter()
                .filter(|x| stored_though_collected(x, &collections))
                .map(|x| x.peer_id.as_str())
                .collect();
            if unsettled.is_empty() {
                return Ok((collections, peers));
            }
            let now = self.activity(&p.cid).await;
            let waiting = unsettled.iter().any(|id| now.busy(id)) && started.elapsed() < self.wait;
            if !waiting && pause > self.settle {
                return Ok((collections, peers));
            }
            tokio::time::sleep(pause.min(Duration::from_secs(4))).await;
            pause *= 2;
        }
    }

    /// What is still stored where a collection ran: says what the peer was
    /// doing, as far as the cluster tells.
    async fn explain_remaining(
        &self,
        cid: &str,
        collections: &Collections,
        peers: &mut [PeerErasure],
    ) {
        if !peers.iter().any(|x| x.outcome == PeerOutcome::Stored) {
            return;
        }
        let now = self.activity(cid).await;
        for x in peers
            .iter_mut()
            .filter(|x| stored_though_collected(x, collections))
        {
            x.why = now.why_remaining(x);
        }
    }

    /// `/ipfs/gc` on every peer; each member's outcome.
    pub async fn collect(&self) -> Result<Collections, ClientError> {
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
}

/// The peer still stores some of the item though a collection ran there.
fn stored_though_collected(x: &PeerErasure, collections: &Collections) -> bool {
    x.outcome == PeerOutcome::Stored
        && matches!(collections.get(&x.peer_id), Some(Collection::Ran(_)))
}

fn report(
    p: &Prepared,
    unpinned: bool,
    peers: Vec<PeerErasure>,
    collections: Collections,
) -> Report {
    Report {
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
    }
}
