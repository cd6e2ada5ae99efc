//! `ccs-tui drain PEER`: every item allocated to the peer gets a copy on
//! another peer (the one with most room), pinned, before the peer's copy is
//! released; an item never has fewer pinned copies than it had. Resumable:
//! the journal keeps each item's own bounds until it has settled.

use std::time::Duration;

use super::output::*;
use super::steward::{carry_out, fleet, label, Work};
use super::Ctx;
use crate::cluster::steward::{plan_drain, Journal};
use crate::cluster::PinTypeFilter;

/// `ccs-tui drain`
#[derive(clap::Args, Debug, Clone)]
pub struct DrainArgs {
    /// The peer to empty (name or peer ID).
    peer: String,
    /// Only these items (default: every item on the peer).
    cids: Vec<String>,
    /// Show the plan; change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// How long a new copy may take to be pinned, in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 600)]
    wait: u64,
}

pub(super) async fn run(cx: &Ctx, a: &DrainArgs) -> Result<u8, CmdError> {
    let (fleet, members) = fleet(cx).await?;
    let Some(peer) = members
        .iter()
        .find(|m| m.peername == a.peer || m.id == a.peer)
        .map(|m| m.id.clone())
        .or_else(|| {
            fleet
                .nodes
                .iter()
                .find(|n| n.name == a.peer || n.peer_id == a.peer)
                .map(|n| n.peer_id.clone())
        })
    else {
        let names: Vec<&str> = members.iter().map(|m| m.peername.as_str()).collect();
        return Err(CmdError::usage(
            "drain",
            format!("no peer named {:?} (peers: {})", a.peer, names.join(", ")),
        ));
    };
    let name = fleet.name_of(&peer);
    let mut pins = cx
        .client
        .allocations(PinTypeFilter::Pin)
        .await?
        .collect()
        .await?;
    if !a.cids.is_empty() {
        pins.retain(|p| a.cids.contains(&p.cid));
    }
    let key = format!("{}-{peer}", cx.client.endpoint().label());
    let mut journal = Journal::open("drain", &key);
    // Items an interrupted drain gave their new copy already: only the
    // release is left (the planner would look for yet another peer).
    let resumed: Vec<&crate::cluster::types::Pin> = pins
        .iter()
        .filter(|p| p.allocations.contains(&peer))
        .filter(|p| {
            journal
                .unfinished()
                .get(&p.cid)
                .is_some_and(|b| p.allocations.len() > b.copies)
        })
        .collect();
    let rest: Vec<crate::cluster::types::Pin> = pins
        .iter()
        .filter(|p| !resumed.iter().any(|r| r.cid == p.cid))
        .cloned()
        .collect();
    let plan = plan_drain(&rest, &peer, &fleet);
    let movable: Vec<_> = plan.iter().filter(|m| m.to.is_some()).collect();
    let blocked: Vec<_> = plan.iter().filter(|m| m.blocked.is_some()).collect();
    let bytes: u64 = movable.iter().filter_map(|m| m.size).sum();
    let unknown = movable.iter().filter(|m| m.size.is_none()).count();
    // Items an interrupted drain left off the peer with raised bounds.
    let unsettled: Vec<_> = pins
        .iter()
        .filter(|p| journal.unfinished().contains_key(&p.cid))
        .filter(|p| !plan.iter().any(|m| m.cid == p.cid))
        .filter(|p| !resumed.iter().any(|r| r.cid == p.cid))
        .collect();
    if cx.json {
        for m in &plan {
            print_item(&serde_json::json!({
                "cid": m.cid, "name": m.name, "size": m.size,
                "from": peer, "to": m.to,
                "blocked": m.blocked.map(|b| b.describe()),
            }));
        }
    } else {
        say!(
            "drain {name} [{}]: {} item(s) to move, {}{} to copy",
            if a.dry_run { "DRY RUN" } else { "LIVE" },
            movable.len() + resumed.len(),
            crate::format::human_bytes(bytes),
            if unknown > 0 {
                format!(" (+{unknown} of unknown size)")
            } else {
                String::new()
            }
        );
        for p in &resumed {
            say!("  {}  {name} → already copied; release left", label(p));
        }
        for m in &plan {
            let size = m
                .size
                .map(|s| format!("  {}", crate::format::human_bytes(s)))
                .unwrap_or_default();
            let what = if m.name.is_empty() { &m.cid } else { &m.name };
            match (&m.to, m.blocked) {
                (Some(to), _) => say!("  {what}  {name} → {}{size}", fleet.name_of(to)),
                (None, Some(b)) => say!("  {what}  stays: {}", b.describe()),
                (None, None) => {}
            }
        }
    }
    if a.dry_run {
        return Ok(if blocked.is_empty() {
            if movable.is_empty() {
                OK
            } else {
                PARTIAL
            }
        } else {
            FAIL
        });
    }
    let mut work: Vec<Work> = Vec::new();
    for p in &unsettled {
        // Settle only: the item keeps the allocations it has.
        work.push(Work {
            pin: p,
            target: p.allocations.iter().cloned().collect(),
            label: format!("{} (settling what an earlier drain left)", label(p)),
        });
    }
    for p in &resumed {
        work.push(Work {
            pin: p,
            target: p
                .allocations
                .iter()
                .filter(|a| **a != peer)
                .cloned()
                .collect(),
            label: label(p),
        });
    }
    for m in &movable {
        let Some(pin) = pins.iter().find(|p| p.cid == m.cid) else {
            continue;
        };
        let mut target: Vec<String> = pin
            .allocations
            .iter()
            .filter(|a| **a != peer)
            .cloned()
            .collect();
        target.extend(m.to.iter().cloned());
        work.push(Work {
            pin,
            target,
            label: label(pin),
        });
    }
    let t = carry_out(
        cx,
        cx.json,
        &mut journal,
        work,
        Duration::from_secs(a.wait),
        &fleet,
    )
    .await;
    journal.close();
    // What is left on the peer, read back from the cluster.
    let left = cx
        .client
        .allocations(PinTypeFilter::Pin)
        .await?
        .collect()
        .await?
        .into_iter()
        .filter(|p| a.cids.is_empty() || a.cids.contains(&p.cid))
        .filter(|p| p.allocations.contains(&peer))
        .count();
    let summary = format!(
        "drain {name}: {} moved, {} failed, {} blocked; {left} item(s) still allocated to {name}{}",
        t.done.saturating_sub(unsettled.len()),
        t.failed.len(),
        blocked.len(),
        if t.interrupted {
            " (interrupted: run the same command again to finish)"
        } else {
            ""
        }
    );
    if cx.json {
        tell!("{summary}");
    } else {
        say!("{summary}");
    }
    Ok(
        if !t.failed.is_empty() || !blocked.is_empty() || t.interrupted {
            FAIL
        } else if movable.is_empty() && resumed.is_empty() {
            OK
        } else {
            PARTIAL
        },
    )
}
