//! `ensure-pins --profile X`: as ccs v0.4 does, every item keeps a copy on
//! the profile's primary node and on the backup node; on the daemon's terms
//! (see `cluster::steward::ensure`).

use serde::Serialize;

use super::output::*;
use super::Ctx;
use crate::cluster::steward::{plan_ensure, repin_options, Ensure};
use crate::cluster::PinTypeFilter;

/// `ccs-tui ensure-pins`
#[derive(clap::Args, Debug, Clone)]
pub struct EnsurePinsArgs {
    /// The profile (org) whose primary node must hold every item.
    #[arg(long)]
    profile: String,
    /// Show the plan; change nothing.
    #[arg(long)]
    pub dry_run: bool,
}

/// The required peers could not be named (ccs's AllocationError, RC 3).
pub(super) const CONFIG_ERROR: u8 = 3;

#[derive(Serialize)]
struct Done<'a> {
    #[serde(flatten)]
    plan: &'a Ensure,
    /// `fixed`, `would fix` (dry run) or `failed`.
    result: &'static str,
    #[serde(skip_serializing_if = "String::is_empty")]
    error: String,
}

pub(super) async fn run(cx: &Ctx, a: &EnsurePinsArgs) -> Result<u8, CmdError> {
    let members = cx.client.members().await?;
    let file = &cx.resolved.file;
    // A node's peer ID: the configuration's, else the member of its name.
    let peer_of = |node: &str| -> Option<(String, String)> {
        let id = file
            .nodes
            .get(node)
            .and_then(|n| n.peer_id().map(String::from))
            .or_else(|| {
                members
                    .iter()
                    .find(|m| m.peername == node)
                    .map(|m| m.id.clone())
            })?;
        Some((node.to_string(), id))
    };
    let primary = file
        .profiles
        .get(&a.profile)
        .and_then(|p| p.primary.clone());
    let backup = file
        .cluster
        .backup_node
        .clone()
        .or_else(|| file.backup_node.clone());
    let (Some(primary), Some(backup)) = (primary, backup) else {
        tell!(
            "ccs-tui: ensure-pins needs profiles.{}.primary and cluster.backup_node in the configuration",
            a.profile
        );
        return Ok(CONFIG_ERROR);
    };
    let mut required = Vec::new();
    for node in [&primary, &backup] {
        match peer_of(node) {
            Some(p) if !required.iter().any(|(_, id)| *id == p.1) => required.push(p),
            Some(_) => {}
            None => {
                tell!("ccs-tui: node {node}: no peer_id in the configuration and no member of that name");
                return Ok(CONFIG_ERROR);
            }
        }
    }
    let ids: Vec<String> = required.iter().map(|(_, id)| id.clone()).collect();
    let pins = cx
        .client
        .allocations(PinTypeFilter::Pin)
        .await?
        .collect()
        .await?;
    let plan = plan_ensure(&pins, &ids);
    if !cx.json {
        say!(
            "ensure-pins [{}] profile={}",
            if a.dry_run { "DRY RUN" } else { "LIVE" },
            a.profile
        );
        let names: Vec<String> = required
            .iter()
            .map(|(n, id)| format!("{n} ({})", crate::format::short_id(id, 6)))
            .collect();
        say!("required peers: {}", names.join(", "));
    }
    let name_of = |id: &str| {
        required
            .iter()
            .find(|(_, x)| x == id)
            .map_or_else(|| id.to_string(), |(n, _)| n.clone())
    };
    let (mut fixed, mut failed) = (0, 0);
    for (i, e) in plan.iter().enumerate() {
        let adds: Vec<String> = e.add.iter().map(|id| format!("+{}", name_of(id))).collect();
        let (result, error) = if a.dry_run {
            ("would fix", String::new())
        } else {
            let Some(pin) = pins.iter().find(|p| p.cid == e.cid) else {
                continue;
            };
            match cx.client.pin(&e.cid, &repin_options(pin, e)).await {
                Ok(p) if e.add.iter().all(|r| p.allocations.iter().any(|x| x == r)) => {
                    fixed += 1;
                    ("fixed", String::new())
                }
                Ok(p) => {
                    failed += 1;
                    (
                        "failed",
                        format!(
                            "the cluster allocated {} peers without them",
                            p.allocations.len()
                        ),
                    )
                }
                Err(err) => {
                    failed += 1;
                    ("failed", err.to_string())
                }
            }
        };
        if cx.json {
            print_item(&Done {
                plan: e,
                result,
                error: error.clone(),
            });
        } else {
            let why = if error.is_empty() {
                String::new()
            } else {
                format!(": {error}")
            };
            say!(
                "[{}/{}] {} {result} ({}; min {} → {}){why}",
                i + 1,
                plan.len(),
                if e.name.is_empty() { &e.cid } else { &e.name },
                adds.join(" "),
                e.replication_min.0,
                e.replication_min.1
            );
        }
    }
    let summary = format!(
        "Results: {} items checked, {} lacked required peers, {fixed} fixed, {failed} failed",
        pins.len(),
        plan.len()
    );
    if cx.json {
        tell!("{summary}");
    } else {
        say!("{summary}");
    }
    // As ccs's rebalance: 0 nothing to do, 1 changed (or would), 2 errors.
    Ok(if failed > 0 {
        FAIL
    } else if plan.is_empty() {
        OK
    } else {
        PARTIAL
    })
}
