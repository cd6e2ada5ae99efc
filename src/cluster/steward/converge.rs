//! Carrying a plan out on the daemon's terms: an item's allocations become
//! a target set, copies are added before any is released, and an item never
//! has fewer pinned copies than it had when it started, except for the
//! releases the plan asks for.
//!
//! What ipfs-cluster 1.1.6 allows (`allocate.go`, `cluster.go`, seen on
//! the real daemon): allocations that are valid and within [min, max] never
//! move; preferred peers (`user-allocations`) are used only when more copies
//! are *needed*, so a peer is added by raising the minimum with that peer
//! preferred. Above the maximum the daemon keeps the first of its peers in
//! Go map order, which is neither ours to choose nor fair (with three peers
//! it drops the same one three times in four). So releases go another way:
//! `pin-update=FROM` pins an item with FROM's allocations *as they are*
//! (`PinUpdate` does not allocate), so a helper pin (an identity CID, which
//! costs no peer anything) is first allocated to exactly the peers the item
//! keeps, the item is updated from it, and the helper is removed.
//!
//! Every re-pin gives the name and metadata again: the daemon forgets what
//! a re-pin does not give. The helper carries them too, so the item is never
//! stored without them.

use std::time::Duration;

use serde::Serialize;

use crate::cluster::types::{Pin, PinOptions, TrackerStatus};
use crate::cluster::{ClientError, ClusterClient};

/// What happened, for progress lines and the tasks view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum Step {
    /// Peers asked to take a copy.
    Grow { peers: Vec<String> },
    /// A peer reports its copy pinned.
    Pinned { peer: String },
    /// The peer's copy released.
    Released { peer: String },
    /// The item's replication bounds at the end.
    Settled { min: i32, max: i32 },
}

/// Why an item did not reach its target; it is left with at least the
/// copies it had.
#[derive(Debug)]
pub enum ConvergeError {
    Api(ClientError),
    /// The daemon did not allocate the peers asked for.
    NotAllocated {
        wanted: Vec<String>,
        got: Vec<String>,
    },
    /// A new copy did not arrive in time (or failed).
    NotPinned {
        peer: String,
        status: TrackerStatus,
        error: String,
    },
}

impl std::fmt::Display for ConvergeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ConvergeError::Api(e) => write!(f, "{e}"),
            // Short IDs: a message names peers, it does not list IDs (the
            // JSON report keeps them whole).
            ConvergeError::NotAllocated { wanted, got } => {
                let short = |v: &[String]| {
                    v.iter()
                        .map(|p| crate::format::short_id(p, 6))
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                write!(
                    f,
                    "the cluster did not allocate {} (allocated: {})",
                    short(wanted),
                    short(got)
                )
            }
            ConvergeError::NotPinned {
                peer,
                status,
                error,
            } if error.is_empty() => {
                write!(f, "the new copy on {peer} is still {status} after the wait")
            }
            ConvergeError::NotPinned { peer, error, .. } => {
                write!(f, "the new copy on {peer} failed: {error}")
            }
        }
    }
}

impl From<ClientError> for ConvergeError {
    fn from(e: ClientError) -> Self {
        ConvergeError::Api(e)
    }
}

/// How patient the executor is.
#[derive(Debug, Clone, Copy)]
pub struct Patience {
    /// How long a new copy may take to be pinned.
    pub pin_wait: Duration,
    /// Between status polls.
    pub poll: Duration,
}

impl Default for Patience {
    fn default() -> Self {
        Patience {
            pin_wait: Duration::from_secs(600),
            poll: Duration::from_millis(500),
        }
    }
}

/// The bounds an item ends with: its own, widened only as far as its final
/// number of copies needs (the daemon would move a valid allocation outside
/// them at the next re-pin).
pub fn settled(orig: (i32, i32), copies: usize) -> (i32, i32) {
    let c = i32::try_from(copies).unwrap_or(i32::MAX);
    (orig.0.min(c), orig.1.max(c))
}

/// Moves `pin`'s allocations to `target`. `orig` are the bounds to settle
/// to: the pin's own, or those a journal kept from an interrupted run. `up`
/// are the peers the daemon counts (fresh metrics). Returns the allocations
/// at the end.
pub async fn converge(
    client: &ClusterClient,
    pin: &Pin,
    orig: (i32, i32),
    target: &[String],
    up: &[String],
    patience: Patience,
    on: &mut (dyn FnMut(Step) + Send),
) -> Result<Vec<String>, ConvergeError> {
    let mut current: Vec<String> = pin.allocations.iter().cloned().collect();
    let add: Vec<String> = target
        .iter()
        .filter(|t| !current.contains(t))
        .cloned()
        .collect();
    if !add.is_empty() {
        current = grow(client, pin, orig, &current, &add, up, patience, on).await?;
    }
    let releases = current.iter().any(|c| !target.contains(c));
    if releases {
        // Nothing is released while a copy that stays is not pinned (a new
        // one an interrupted run asked for may still be on its way).
        let stays: Vec<String> = current
            .iter()
            .filter(|c| target.contains(c))
            .cloned()
            .collect();
        for peer in &stays {
            wait_pinned(client, &pin.cid, peer, patience).await?;
        }
        let before = current.clone();
        current = set_exactly(client, pin, target).await?;
        for gone in before.iter().filter(|p| !current.contains(p)) {
            on(Step::Released { peer: gone.clone() });
        }
    }
    let (min, max) = settled(orig, current.len());
    if (min, max) != (pin.replication_factor_min, pin.replication_factor_max)
        || !add.is_empty()
        || releases
    {
        current = repin(client, pin, (min, max), &[]).await?;
    }
    on(Step::Settled { min, max });
    Ok(current)
}

/// Adds `add` to the item (min raised to the copies it must have, `add`
/// preferred) and waits until each reports its copy pinned. The daemon
/// counts only current peers with fresh metrics (`up`): asking for more
/// would make it add peers nobody planned.
#[allow(clippy::too_many_arguments)]
async fn grow(
    client: &ClusterClient,
    pin: &Pin,
    orig: (i32, i32),
    current: &[String],
    add: &[String],
    up: &[String],
    patience: Patience,
    on: &mut (dyn FnMut(Step) + Send),
) -> Result<Vec<String>, ConvergeError> {
    let counted = current.iter().filter(|c| up.contains(c)).count();
    let n = i32::try_from(counted + add.len()).unwrap_or(i32::MAX);
    on(Step::Grow {
        peers: add.to_vec(),
    });
    let got = repin(client, pin, (n, orig.1.max(n)), add).await?;
    if !add.iter().all(|a| got.contains(a)) {
        return Err(ConvergeError::NotAllocated {
            wanted: add.to_vec(),
            got,
        });
    }
    for peer in add {
        wait_pinned(client, &pin.cid, peer, patience).await?;
        on(Step::Pinned { peer: peer.clone() });
    }
    Ok(got)
}

/// The item's allocations made exactly `target`: a helper pin allocated to
/// those peers (preferred, and the only ones needed), the item updated from
/// it (`pin-update` keeps the helper's allocations as they are), the helper
/// removed. The helper is an identity CID: its block is inside its CID, so
/// pinning it costs no peer a fetch or a byte of disk.
async fn set_exactly(
    client: &ClusterClient,
    pin: &Pin,
    target: &[String],
) -> Result<Vec<String>, ConvergeError> {
    let helper = helper_cid(&pin.cid);
    let n = i32::try_from(target.len()).unwrap_or(i32::MAX);
    let h = repin_as(client, pin, &helper, (n, n), target).await;
    let result = match h {
        Ok(got) if same_peers(&got, target) => {
            let opts = PinOptions {
                pin_update: Some(helper.clone()),
                ..Default::default()
            };
            match client.pin(&pin.cid, &opts).await {
                Ok(p) => {
                    let got: Vec<String> = p.allocations.iter().cloned().collect();
                    if same_peers(&got, target) {
                        Ok(got)
                    } else {
                        Err(ConvergeError::NotAllocated {
                            wanted: target.to_vec(),
                            got,
                        })
                    }
                }
                Err(e) => Err(e.into()),
            }
        }
        Ok(got) => Err(ConvergeError::NotAllocated {
            wanted: target.to_vec(),
            got,
        }),
        Err(e) => Err(e),
    };
    // The helper goes whatever happened (an error removing it is not the
    // item's: it is a few bytes, pinned nowhere that matters).
    let _ = client.unpin(&helper).await;
    result
}

fn same_peers(a: &[String], b: &[String]) -> bool {
    a.len() == b.len() && a.iter().all(|x| b.contains(x))
}

/// A CIDv1 with the identity hash (raw codec): its bytes are the block.
fn helper_cid(item: &str) -> String {
    let tail: String = item.chars().rev().take(8).collect();
    let data = format!("ccs-tui {tail} {:016x}", rand::random::<u64>());
    match multihash::Multihash::<64>::wrap(0x00, data.as_bytes()) {
        Ok(mh) => cid::Cid::new_v1(0x55, mh).to_string(),
        Err(_) => cid::Cid::new_v1(0x55, multihash::Multihash::<64>::default()).to_string(),
    }
}

/// A re-pin with everything the item holds given again.
async fn repin(
    client: &ClusterClient,
    pin: &Pin,
    bounds: (i32, i32),
    prefer: &[String],
) -> Result<Vec<String>, ConvergeError> {
    repin_as(client, pin, &pin.cid, bounds, prefer).await
}

/// `pin`'s name, metadata, bounds and preferred peers, pinned on `cid`.
async fn repin_as(
    client: &ClusterClient,
    pin: &Pin,
    cid: &str,
    (min, max): (i32, i32),
    prefer: &[String],
) -> Result<Vec<String>, ConvergeError> {
    let opts = PinOptions {
        name: Some(pin.name.clone()),
        replication_min: Some(min),
        replication_max: Some(max),
        user_allocations: prefer.to_vec(),
        metadata: pin
            .metadata
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        ..Default::default()
    };
    let p = client.pin(cid, &opts).await?;
    Ok(p.allocations.iter().cloned().collect())
}

async fn wait_pinned(
    client: &ClusterClient,
    cid: &str,
    peer: &str,
    patience: Patience,
) -> Result<(), ConvergeError> {
    let deadline = tokio::time::Instant::now() + patience.pin_wait;
    // A copy a peer still has on disk lands at once: ask soon, then less often.
    let mut pause = Duration::from_millis(50);
    let mut superseded = Superseded::default();
    loop {
        let g = client.pin_status(cid, false).await?;
        let (status, error) = g
            .peer_map
            .get(peer)
            .map_or((TrackerStatus::Unpinned, String::new()), |p| {
                (p.status, p.error.clone())
            });
        // Someone else re-pinned it meanwhile and the peer is no longer
        // asked: the state says so (a status's own list lags behind it).
        if status != TrackerStatus::Pinned && !g.allocations.iter().any(|a| a == peer) {
            let p = client.allocation(cid).await?;
            if !p.allocations.is_empty() && !p.allocations.iter().any(|a| a == peer) {
                return Err(ConvergeError::NotAllocated {
                    wanted: vec![peer.to_string()],
                    got: p.allocations.iter().cloned().collect(),
                });
            }
        }
        let now = tokio::time::Instant::now();
        let failed = status == TrackerStatus::PinError;
        match status {
            TrackerStatus::Pinned => return Ok(()),
            _ if failed && error.contains("context canceled") && now < deadline => {
                match superseded.next(now) {
                    Some(OnCanceled::Recover) => {
                        client.recover(cid, false).await?;
                    }
                    Some(OnCanceled::Wait) => {}
                    None => {
                        return Err(ConvergeError::NotPinned {
                            peer: peer.to_string(),
                            status,
                            error,
                        })
                    }
                }
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(patience.poll);
            }
            TrackerStatus::PinError => {
                return Err(ConvergeError::NotPinned {
                    peer: peer.to_string(),
                    status,
                    error,
                })
            }
            _ if tokio::time::Instant::now() >= deadline => {
                return Err(ConvergeError::NotPinned {
                    peer: peer.to_string(),
                    status,
                    error,
                })
            }
            _ => {
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(patience.poll);
            }
        }
    }
}

/// Seen on 1.1.6: a pin the tracker had in flight when the allocations
/// changed again ends `context canceled`, and stays so. It was superseded,
/// not refused: re-queued (`recover`), it lands. The status may still show
/// the old error for a moment after the recover (CI on the real cluster
/// failed a rebalance on it), so it is waited out; a pin canceled again and
/// again is recovered a few times, then given up as failed.
#[derive(Default)]
struct Superseded {
    recovers: u32,
    last: Option<tokio::time::Instant>,
}

#[derive(Debug, PartialEq, Eq)]
enum OnCanceled {
    Recover,
    Wait,
}

impl Superseded {
    const TRIES: u32 = 3;
    /// How long a recover is given to show in the status.
    const SETTLE: Duration = Duration::from_secs(3);

    /// What to do on seeing `context canceled` at `now`; None: give up.
    fn next(&mut self, now: tokio::time::Instant) -> Option<OnCanceled> {
        if self.last.is_some_and(|t| now < t + Self::SETTLE) {
            return Some(OnCanceled::Wait);
        }
        if self.recovers >= Self::TRIES {
            return None;
        }
        self.recovers += 1;
        self.last = Some(now);
        Some(OnCanceled::Recover)
    }
}

#[cfg(test)]
mod tests {
    use super::settled;
    use super::{OnCanceled, Superseded};

    #[test]
    fn a_superseded_pin_is_recovered_and_its_stale_error_waited_out() {
        let t = tokio::time::Instant::now();
        let mut s = Superseded::default();
        assert_eq!(s.next(t), Some(OnCanceled::Recover));
        let soon = t + std::time::Duration::from_millis(100);
        assert_eq!(
            s.next(soon),
            Some(OnCanceled::Wait),
            "the status lags the recover"
        );
        let mut at = t;
        for _ in 1..Superseded::TRIES {
            at += Superseded::SETTLE;
            assert_eq!(s.next(at), Some(OnCanceled::Recover));
        }
        assert_eq!(
            s.next(at + Superseded::SETTLE),
            None,
            "canceled again and again"
        );
    }

    #[test]
    fn bounds_widen_only_as_far_as_the_copies_need() {
        assert_eq!(settled((2, 3), 3), (2, 3));
        assert_eq!(settled((2, 3), 4), (2, 4));
        assert_eq!(settled((3, 5), 2), (2, 5));
    }
}
