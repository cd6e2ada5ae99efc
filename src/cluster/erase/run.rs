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
        let mut settling = Settling::new(self.settle);
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
            let busy = unsettled.iter().any(|id| now.busy(id)) && started.elapsed() < self.wait;
            match settling.after(busy) {
                Some(pause) => tokio::time::sleep(pause).await,
                None => return Ok((collections, peers)),
            }
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

/// When to collect again where blocks remain. A peer busy with pins is
/// waited for; the few collections that give an unexplained remainder its
/// chance count from when no peer is busy any more: a peer that let go
/// just after a collection ran is collected again, not reported.
struct Settling {
    settle: Duration,
    pause: Duration,
}

impl Settling {
    const BUSY_PAUSE: Duration = Duration::from_secs(2);
    const FIRST: Duration = Duration::from_secs(1);

    fn new(settle: Duration) -> Self {
        Settling {
            settle,
            pause: Self::FIRST,
        }
    }

    /// The pause before the next collection, or None to report now.
    fn after(&mut self, busy: bool) -> Option<Duration> {
        if busy {
            self.pause = Self::FIRST;
            return Some(Self::BUSY_PAUSE);
        }
        if self.pause > self.settle {
            return None;
        }
        let pause = self.pause;
        self.pause *= 2;
        Some(pause)
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The real-cluster finding: a restarted peer still pinned the item
    /// through three collections, let go right after the fourth, and the
    /// erase reported it stored without collecting again.
    #[test]
    fn a_peer_that_lets_go_late_is_collected_again() {
        let mut s = Settling::new(Duration::from_secs(6));
        for _ in 0..3 {
            assert_eq!(s.after(true), Some(Settling::BUSY_PAUSE));
        }
        let again: Vec<_> = std::iter::from_fn(|| s.after(false)).collect();
        assert_eq!(
            again,
            [1, 2, 4].map(Duration::from_secs),
            "once idle, the same settling as a peer never busy"
        );
    }

    #[test]
    fn an_unexplained_remainder_is_collected_a_few_times_then_reported() {
        let mut s = Settling::new(Duration::from_secs(6));
        assert_eq!(s.after(false), Some(Duration::from_secs(1)));
        assert_eq!(s.after(false), Some(Duration::from_secs(2)));
        assert_eq!(s.after(false), Some(Duration::from_secs(4)));
        assert_eq!(s.after(false), None);
    }
}
