//! `health`: peers online, pins in error; the exit code says which.

use serde_json::json;

use super::output::*;
use super::Ctx;
use std::collections::BTreeMap;

use crate::cluster::types::{PeerId, TrackerStatus, PROBLEM_FILTER};
use crate::cluster::{ClientError, ClusterClient, PinTypeFilter};

/// A peer's pins: (name, ID, allocated, pinned, the other statuses by name).
type PeerPins = (String, String, u64, u64, BTreeMap<&'static str, u64>);

/// Peer ID → its copies not pinned, by status.
type NotPinned = BTreeMap<String, BTreeMap<&'static str, u64>>;

/// What the problems list says of an allocated copy that is not pinned.
const NOT_PINNED: [TrackerStatus; 6] = [
    TrackerStatus::Pinning,
    TrackerStatus::PinQueued,
    TrackerStatus::PinError,
    TrackerStatus::UnexpectedlyUnpinned,
    TrackerStatus::UnpinError,
    TrackerStatus::UnpinQueued,
];

pub(super) async fn run(cx: &Ctx) -> Result<u8, CmdError> {
    Ok(report(&cx.client, cx.json).await?)
}

/// Checks the cluster and prints the result (text or JSON); returns the exit
/// code. Also the plain overview `ccs-tui` prints when it has no terminal.
pub async fn report(client: &ClusterClient, as_json: bool) -> Result<u8, ClientError> {
    let list = client.members().await?;
    let online = list.iter().filter(|p| p.error.is_empty()).count();
    let (total, allocated) = allocated(client, &list).await?;
    let (by_status, errors) = problems(client).await?;
    let per_peer = by_peer(&list, &allocated, &by_status);
    let health = if online < list.len() {
        Health::Error
    } else if !errors.is_empty() {
        Health::Degraded
    } else {
        Health::Ok
    };
    if as_json {
        print_json(&json!({
            "status": health.label(),
            "checked_at": chrono::Utc::now().to_rfc3339(),
            "peers": {
                "total": list.len(), "online": online, "offline": list.len() - online,
                "list": list.iter().map(|p| json!({"name": p.peername, "peer_id": p.id, "online": p.error.is_empty(), "error": p.error})).collect::<Vec<_>>(),
            },
            "pins": {
                "total": total,
                "by_peer": per_peer.iter().map(|(name, id, alloc, pinned, other)| {
                    let mut v = json!({"name": name, "peer_id": id, "allocated": alloc, "pinned": pinned});
                    for (k, n) in other {
                        v[*k] = json!(n);
                    }
                    v
                }).collect::<Vec<_>>(),
                "errors": errors.iter().map(|e| json!({"cid": e.cid, "name": e.name, "node": e.node, "error": e.error})).collect::<Vec<_>>(),
            },
        }));
    } else {
        print_text(health, &list, online, total, &per_peer, &errors);
    }
    Ok(health.code())
}

/// The cluster's health: the first word of the report and its exit code.
#[derive(Debug, Clone, Copy)]
enum Health {
    /// A member is offline.
    Error,
    /// A pin in error somewhere.
    Degraded,
    Ok,
}

impl Health {
    fn label(self) -> &'static str {
        match self {
            Health::Error => "error",
            Health::Degraded => "degraded",
            Health::Ok => "ok",
        }
    }

    fn code(self) -> u8 {
        match self {
            Health::Error => FAIL,
            Health::Degraded => PARTIAL,
            Health::Ok => OK,
        }
    }
}

/// A copy in error on a peer (one the cluster can recover).
struct PinError {
    cid: String,
    name: String,
    /// The peer's name.
    node: String,
    error: String,
}

/// The pins, and per peer the items allocated to it (everywhere: to every
/// member). The problems list then says which are not pinned; the rest
/// are: the daemon lists only what is not, so a million pins cost one pass
/// over the shared state, not a status per pin.
async fn allocated(
    client: &ClusterClient,
    list: &[PeerId],
) -> Result<(u64, BTreeMap<String, u64>), ClientError> {
    let mut total = 0u64;
    let mut allocated: BTreeMap<String, u64> = list.iter().map(|p| (p.id.clone(), 0)).collect();
    let mut s = client.allocations(PinTypeFilter::Pin).await?;
    while let Some(p) = s.next().await {
        let p = p?;
        total += 1;
        if p.allocations.is_empty() {
            allocated.values_mut().for_each(|n| *n += 1);
        } else {
            for a in p.allocations.iter() {
                *allocated.entry(a.clone()).or_default() += 1;
            }
        }
    }
    Ok((total, allocated))
}

/// Per peer, its copies not pinned by status; and the copies in error.
async fn problems(client: &ClusterClient) -> Result<(NotPinned, Vec<PinError>), ClientError> {
    let problems = client
        .pins(Some(PROBLEM_FILTER), &[], false)
        .await?
        .collect()
        .await?;
    let mut by_status = NotPinned::new();
    let mut errors = Vec::new();
    for g in &problems {
        for (peer, p) in g.peer_map.iter() {
            if NOT_PINNED.contains(&p.status) {
                *by_status
                    .entry(peer.clone())
                    .or_default()
                    .entry(p.status.as_str())
                    .or_default() += 1;
            }
            if p.status.is_recoverable() {
                errors.push(PinError {
                    cid: g.cid.clone(),
                    name: g.name.clone(),
                    node: p.peername.clone(),
                    error: p.error.clone(),
                });
            }
        }
    }
    Ok((by_status, errors))
}

/// `health`'s text: the verdict, peers offline, the per-peer table, the
/// first 20 pin errors.
fn print_text(
    health: Health,
    list: &[PeerId],
    online: usize,
    total: u64,
    per_peer: &[PeerPins],
    errors: &[PinError],
) {
    say!("cluster health: {}", health.label());
    say!("peers: {online}/{} online", list.len());
    for p in list {
        if !p.error.is_empty() {
            say!(
                "  {} OFFLINE: {}",
                if p.peername.is_empty() {
                    &p.id
                } else {
                    &p.peername
                },
                p.error
            );
        }
    }
    say!("pins: {total} total; by status per peer:");
    print_by_peer(list, per_peer);
    if !errors.is_empty() {
        say!("pin errors:");
        for PinError {
            cid,
            name,
            node,
            error,
        } in errors.iter().take(20)
        {
            say!("  {cid} {name} on {node}: {error}");
        }
        if errors.len() > 20 {
            say!("  … and {} more", errors.len() - 20);
        }
    }
}

/// The per-peer table of `health`'s text.
fn print_by_peer(list: &[PeerId], per_peer: &[PeerPins]) {
    let statuses: Vec<&str> = NOT_PINNED.iter().map(|s| s.as_str()).collect();
    let col = |s: &str| s.len().max(7) + 2;
    say!(
        "  {:<14}{:>11}{:>9}{}",
        "peer",
        "allocated",
        "pinned",
        statuses
            .iter()
            .map(|s| format!("{s:>w$}", w = col(s)))
            .collect::<String>()
    );
    for (name, id, alloc, pinned, other) in per_peer {
        // A peer that is down says nothing of its copies.
        let down = list.iter().any(|p| &p.id == id && !p.error.is_empty());
        let pinned = if down {
            "?".to_string()
        } else {
            pinned.to_string()
        };
        say!(
            "  {name:<14}{alloc:>11}{pinned:>9}{}{}",
            statuses
                .iter()
                .map(|s| format!("{:>w$}", other.get(s).copied().unwrap_or(0), w = col(s)))
                .collect::<String>(),
            if down { "  (down)" } else { "" }
        );
    }
}

/// Each peer's pins: allocated, pinned (allocated less what the problems
/// list says is not), and the other statuses; by name.
fn by_peer(
    list: &[PeerId],
    allocated: &BTreeMap<String, u64>,
    by_status: &NotPinned,
) -> Vec<PeerPins> {
    let name_of = |id: &str| {
        list.iter()
            .find(|p| p.id == id)
            .map(|p| p.peername.clone())
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| id.to_string())
    };

    let mut per_peer: Vec<PeerPins> = allocated
        .iter()
        .map(|(id, n)| {
            let other = by_status.get(id).cloned().unwrap_or_default();
            let not_pinned: u64 = other.values().sum();
            (
                name_of(id),
                id.clone(),
                *n,
                n.saturating_sub(not_pinned),
                other,
            )
        })
        .collect();
    per_peer.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(&b.1)));
    per_peer
}
