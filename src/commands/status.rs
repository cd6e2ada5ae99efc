//! `status`: replication of items, peer by peer (all of them without CIDs).

use super::output::*;
use super::Ctx;
use crate::cluster::replicas::{Health, Repl};
use crate::cluster::types::{GlobalPinInfo, TrackerStatus};
use crate::unixfs;

/// `ccs-tui status`
#[derive(clap::Args, Debug, Clone)]
pub struct StatusArgs {
    /// Items to show [default: every item, streamed as ipfs-cluster-ctl status does].
    cids: Vec<String>,
}

/// The members the cluster names (listed, or missing by an alert), by ID
/// with their names: an item pinned everywhere should be on each.
type Members = Vec<(String, String)>;

async fn members(cx: &Ctx) -> (Members, Health) {
    let list = cx.client.members().await.unwrap_or_default();
    let health = Health::of_members(&list);
    (
        list.into_iter().map(|p| (p.id, p.peername)).collect(),
        health,
    )
}

/// The item's replication by the console's rule (`4/5, 1 down`), as JSON
/// beside the daemon's answer.
fn with_replication(g: &GlobalPinInfo, r: &Repl) -> serde_json::Value {
    let mut v = serde_json::to_value(g).unwrap_or_default();
    v["replication"] = serde_json::json!({
        "pinned": r.pinned,
        "wanted": r.allocated,
        "down": r.cluster_errors,
        "errors": r.errors,
        "summary": r.summary(),
    });
    v
}

/// The lines `ipfs-cluster-ctl status` prints for an item, the members it
/// leaves out, and its replication by the one rule.
pub(super) fn status_text(g: &GlobalPinInfo, members: &Members, r: &Repl) -> Vec<String> {
    let mut s = vec![if g.name.is_empty() {
        format!("{}:", g.cid)
    } else {
        format!("{} | {}:", g.cid, g.name)
    }];
    // ipfs-cluster-ctl: peers sorted by peer ID, labelled by name.
    for (id, p) in &g.peer_map {
        let label = if p.peername.is_empty() {
            id.clone()
        } else {
            p.peername.clone()
        };
        let err = if p.error.is_empty() {
            String::new()
        } else {
            format!(": {}", p.error)
        };
        s.push(format!(
            "    > {label:<20} : {}{err} | {} | Attempts: {} | Priority: {}",
            p.status.upper(),
            p.timestamp,
            p.attempt_count,
            p.priority_pin
        ));
    }
    // An allocated peer the answer does not name: a member that does not
    // answer (missing by an alert), or one gone from the cluster (crdt
    // dropped it). Its copy is not there to count, and which it is is said.
    for id in g
        .allocations
        .iter()
        .filter(|a| !g.peer_map.contains_key(*a))
    {
        let line = match members.iter().find(|(m, _)| m == id) {
            Some((_, name)) => format!(
                "    > {:<20} : MISSING: allocated, but it does not answer (no heartbeat)",
                if name.is_empty() {
                    crate::format::short_id(id, 6)
                } else {
                    name.clone()
                }
            ),
            None => format!(
                "    > {:<20} : MISSING: allocated, but the cluster no longer lists this peer",
                crate::format::short_id(id, 6)
            ),
        };
        s.push(line);
    }
    // Pinned everywhere: a member the answer leaves out (missing by an
    // alert) should hold a copy too; the console counts it as down.
    if g.allocations.is_empty() {
        for (id, name) in members
            .iter()
            .filter(|(id, _)| !g.peer_map.contains_key(id))
        {
            let label = if name.is_empty() {
                crate::format::short_id(id, 6)
            } else {
                name.clone()
            };
            s.push(format!(
                "    > {label:<20} : MISSING: a member (pinned everywhere) that does not answer"
            ));
        }
    }
    s.push(format!("    = {}", r.summary()));
    s
}

/// The whole pinset's status, one item as it arrives (an array with `--json`,
/// an object per line with `--json-lines`).
pub(super) async fn status_all(cx: &Ctx) -> Result<u8, CmdError> {
    let mut code = OK;
    let (members, health) = members(cx).await;
    let mut s = cx.client.pins(None, &[], false).await?;
    while let Some(g) = s.next().await {
        let g = g?;
        if g.peer_map.values().any(|p| p.status.is_recoverable()) {
            code = PARTIAL;
        }
        let r = Repl::from_info(&g, &health);
        if cx.json {
            print_item(&with_replication(&g, &r));
        } else {
            status_text(&g, &members, &r).iter().for_each(|l| out(l));
        }
    }
    Ok(code)
}

impl StatusArgs {
    /// One item is one object; none (the pinset) or several, a list.
    pub(super) fn lists(&self) -> bool {
        self.cids.len() != 1
    }
}

/// One item's status: an object alone, or an element of the list.
fn print_status(a: &StatusArgs, g: &GlobalPinInfo, r: &Repl) {
    let v = with_replication(g, r);
    if a.lists() {
        print_item(&v);
    } else {
        print_json(&v);
    }
}

pub(super) async fn run(cx: &Ctx, a: &StatusArgs) -> Result<u8, CmdError> {
    let cids = &a.cids;
    if cids.is_empty() {
        return status_all(cx).await;
    }
    let mut code = OK;
    // For the text and for the exit code alike (one request).
    let (members, health) = members(cx).await;
    for c in cids {
        if let Err(e) = unixfs::parse_cid(c) {
            tell!("ccs-tui: {c}: not a valid CID: {e}");
            code = FAIL;
            continue;
        }
        let g = cx.client.pin_status(c, false).await?;
        let in_pinset = g.peer_map.values().any(|p| {
            p.status != TrackerStatus::Unpinned && p.status != TrackerStatus::ClusterError
        });
        let r = Repl::from_info(&g, &health);
        if !in_pinset {
            // Its status would be every peer's UNPINNED: a screenful that
            // says nothing the line does not. JSON still gets the object.
            tell!("ccs-tui: {c} is not in the pinset");
            code = FAIL;
            if cx.json {
                print_status(a, &g, &r);
            }
            continue;
        } else if g.peer_map.values().any(|p| {
            matches!(
                p.status,
                TrackerStatus::PinError | TrackerStatus::UnpinError
            )
        }) {
            code = code.max(FAIL);
        } else if r.is_problem() {
            code = code.max(PARTIAL);
        }
        if cx.json {
            print_status(a, &g, &r);
        } else {
            status_text(&g, &members, &r).iter().for_each(|l| out(l));
        }
    }
    Ok(code)
}
