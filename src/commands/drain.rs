//! `ccs-tui drain PEER`: every item allocated to the peer gets a copy on
//! another peer (the one with most room), pinned, before the peer's copy is
//! released; an item never has fewer pinned copies than it had. Resumable:
//! the journal keeps each item's own bounds until it has settled.

use std::time::Duration;

use super::output::*;
use super::steward::{
    carry_out, fleet, named, open_journal, pinset, plan_named, valid_cids, Events,
};
use super::Ctx;
use crate::cluster::steward::plan::Kind;
use crate::cluster::steward::{Fleet, Plan, Planned, Planner, Tally};
use crate::cluster::types::PeerId;

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
    valid_cids("drain", &a.cids)?;
    let (fleet, members) = fleet(cx).await?;
    let peer = peer_to_drain(a, &fleet, &members)?;
    let name = fleet.name_of(&peer);
    let journal = open_journal(cx, &Kind::drain(&peer, &fleet)).await?;
    let planner = Planner::drain(&peer, &fleet, &journal);
    let Some(Planned { plan, .. }) = plan_named(cx, planner, &a.cids).await? else {
        journal.close();
        return Ok(FAIL);
    };
    let moving = plan.moving().count();
    let blocked = plan.blocked().count();
    if cx.json {
        for i in &plan.items {
            print_item(i);
        }
    } else {
        print_plan(a, &plan, &peer, &name);
    }
    if a.dry_run {
        if !cx.json {
            say!("dry run: {moving} to move, {blocked} staying; nothing changed");
        }
        return Ok(match (blocked, moving) {
            (0, 0) => OK,
            (0, _) => PARTIAL,
            _ => FAIL,
        });
    }
    let t = carry_out(
        cx,
        Events::of(cx.json),
        &plan,
        journal,
        Duration::from_secs(a.wait),
    )
    .await;
    // What is left on the peer, read back from the cluster.
    let left = pinset(cx, |p| named(&a.cids, p) && p.allocations.contains(&peer))
        .await?
        .len();
    say_summary(cx, a, &name, &t, blocked, left);
    Ok(if !t.failed.is_empty() || blocked > 0 || t.interrupted {
        FAIL
    } else if moving == 0 {
        OK
    } else {
        PARTIAL
    })
}

/// The peer named (by name or ID, among the members or the configuration's
/// nodes), by ID.
fn peer_to_drain(a: &DrainArgs, fleet: &Fleet, members: &[PeerId]) -> Result<String, CmdError> {
    members
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
        .ok_or_else(|| {
            let names: Vec<&str> = members.iter().map(|m| m.peername.as_str()).collect();
            CmdError::usage(
                "drain",
                format!("no peer named {:?} (peers: {})", a.peer, names.join(", ")),
            )
        })
}

/// The plan in text: what it copies, then each item and where it goes.
fn print_plan(a: &DrainArgs, plan: &Plan, peer: &str, name: &str) {
    let (bytes, unknown) = plan.bytes_to_copy();
    say!(
        "drain {name} [{}]: {} item(s) to move, {}{} to copy",
        if a.dry_run { "DRY RUN" } else { "LIVE" },
        plan.moving().count(),
        crate::format::human_bytes(bytes),
        if unknown > 0 {
            format!(" (+{unknown} of unknown size)")
        } else {
            String::new()
        }
    );
    for i in &plan.items {
        let size = i
            .size
            .map(|s| format!("  {}", crate::format::human_bytes(s)))
            .unwrap_or_default();
        let to: Vec<String> = i.added().map(|p| plan.name_of(p)).collect();
        match (&i.blocked, i.resumed, to.is_empty()) {
            (Some(why), _, _) => say!("  {}  stays: {why}", i.label()),
            (None, true, true) if i.current.iter().any(|c| c == peer) => {
                say!("  {}  {name} → already copied; release left", i.label())
            }
            (None, true, true) => {
                say!("  {}  settling the bounds an earlier drain left", i.label())
            }
            (None, _, _) => say!("  {}  {}{size}", i.label(), plan.change_text(i)),
        }
    }
}

/// What the drain did and what is left on the peer (on stderr with
/// `--json`), and what to do with a peer that holds nothing now.
fn say_summary(cx: &Ctx, a: &DrainArgs, name: &str, t: &Tally, blocked: usize, left: usize) {
    let summary = format!(
        "drain {name}: {} moved, {} failed, {blocked} blocked; {left} item(s) still allocated to {name}{}",
        t.done(),
        t.failed.len(),
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
    if left == 0 && a.cids.is_empty() {
        tell!(
            "{name} holds nothing now. Until it leaves the cluster (ipfs-cluster-ctl peers rm, or your deployment's role), mark it retiring (`retiring = true` under [nodes.{name}], YAML `retiring: true`): rebalance and ensure-pins then give it no new copies."
        );
    }
}
