//! `health`: peers online, pins in error; the exit code says which.

use serde_json::json;

use super::output::*;
use super::Ctx;
use std::collections::BTreeMap;

use crate::cluster::types::{TrackerStatus, PROBLEM_FILTER};

/// A peer's pins: (name, ID, allocated, pinned, the other statuses by name).
type PeerPins = (String, String, u64, u64, BTreeMap<&'static str, u64>);

/// What the problems list says of an allocated copy that is not pinned.
const NOT_PINNED: [TrackerStatus; 6] = [
    TrackerStatus::Pinning,
    TrackerStatus::PinQueued,
    TrackerStatus::PinError,
    TrackerStatus::UnexpectedlyUnpinned,
    TrackerStatus::UnpinError,
    TrackerStatus::UnpinQueued,
];
use crate::cluster::{ClientError, ClusterClient, PinTypeFilter};

pub(super) async fn run(cx: &Ctx) -> Result<u8, CmdError> {
    Ok(report(&cx.client, cx.json).await?)
}

/// Checks the cluster and prints the result (text or JSON); returns the exit
/// code. Also the plain overview `ccs-tui` prints when it has no terminal.
pub async fn report(client: &ClusterClient, as_json: bool) -> Result<u8, ClientError> {
    let list = client.members().await?;
    let online = list.iter().filter(|p| p.error.is_empty()).count();
    // Per peer: the items allocated to it (everywhere: to every member),
    // then those the problems list says are not pinned there. The rest are
    // pinned: the daemon lists only what is not, so a million pins cost
    // one pass over the shared state, not a status per pin.
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
    let problems = client
        .pins(Some(PROBLEM_FILTER), &[], false)
        .await?
        .collect()
        .await?;
    let mut by_status: BTreeMap<String, BTreeMap<&'static str, u64>> = BTreeMap::new();
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
                errors.push((
                    g.cid.clone(),
                    g.name.clone(),
                    p.peername.clone(),
                    p.error.clone(),
                ));
            }
        }
    }
    let per_peer = by_peer(&list, &allocated, &by_status);
    let (label, code) = if online < list.len() {
        ("error", FAIL)
    } else if !errors.is_empty() {
        ("degraded", PARTIAL)
    } else {
        ("ok", OK)
    };
    if as_json {
        print_json(&json!({
            "status": label,
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
                "errors": errors.iter().map(|(c, n, node, e)| json!({"cid": c, "name": n, "node": node, "error": e})).collect::<Vec<_>>(),
            },
        }));
    } else {
        say!("cluster health: {label}");
        say!("peers: {online}/{} online", list.len());
        for p in &list {
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
        print_by_peer(&list, &per_peer);
        if !errors.is_empty() {
            say!("pin errors:");
            for (c, n, node, e) in errors.iter().take(20) {
                say!("  {c} {n} on {node}: {e}");
            }
            if errors.len() > 20 {
                say!("  … and {} more", errors.len() - 20);
            }
        }
    }
    Ok(code)
}

/// The per-peer table of `health`'s text.
fn print_by_peer(list: &[crate::cluster::types::PeerId], per_peer: &[PeerPins]) {
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
    list: &[crate::cluster::types::PeerId],
    allocated: &BTreeMap<String, u64>,
    by_status: &BTreeMap<String, BTreeMap<&'static str, u64>>,
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
