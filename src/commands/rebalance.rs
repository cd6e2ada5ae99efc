//! `ccs-tui rebalance`: ccs v0.4's rule (`cluster::steward::rebalance`),
//! its report and exit codes, carried out on the daemon's terms: copies
//! added and pinned before any is released.

use std::time::Duration;

use super::output::*;
use super::steward::{carry_out, fleet, named, pinset};
use super::Ctx;
use crate::cluster::steward::plan::Kind;
use crate::cluster::steward::{node_summary, plan_rebalance, Journal, Move, Plan};

/// `ccs-tui rebalance`
#[derive(clap::Args, Debug, Clone)]
pub struct RebalanceArgs {
    /// Only these items (default: the whole pinset, as ccs does).
    cids: Vec<String>,
    /// Show the plan; change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Write the JSON report to FILE (implies --json), as ccs does.
    #[arg(long, value_name = "FILE")]
    output: Option<std::path::PathBuf>,
    /// How long a new copy may take to be pinned, in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 600)]
    wait: u64,
}

/// Up to this many changed items are listed in the text report (as ccs).
const LISTED: usize = 20;

pub(super) async fn run(cx: &Ctx, a: &RebalanceArgs) -> Result<u8, CmdError> {
    let (fleet, _) = fleet(cx).await?;
    if fleet.nodes.is_empty() {
        tell!("ccs-tui: rebalance: no nodes known (nodes.NAME in the configuration, or cluster members)");
        return Ok(super::ensure_pins::CONFIG_ERROR);
    }
    let pins = pinset(cx, |p| named(&a.cids, p)).await?;
    let journal = Journal::of(&Kind::rebalance(&fleet), &cx.client.endpoint().label());
    let plan = plan_rebalance(&pins, &fleet);
    let steward = Plan::from_moves(&plan, &pins, &fleet, &journal);
    let json = cx.json || a.output.is_some();
    let (rmin, rmax) = fleet.replication;
    if !json {
        say!(
            "rebalance [{}] target={rmin}-{rmax}",
            if a.dry_run { "DRY RUN" } else { "LIVE" }
        );
        say!("");
    }
    let changed: Vec<&Move> = plan.iter().filter(|m| m.changes()).collect();
    let blocked = |cid: &str| {
        steward
            .items
            .iter()
            .find(|i| i.cid == cid)
            .and_then(|i| i.blocked.clone())
    };
    let (skipped, movable): (Vec<&Move>, Vec<&Move>) =
        changed.iter().partition(|m| blocked(&m.cid).is_some());
    let mut errors: Vec<(String, String)> = Vec::new();
    let mut interrupted = false;
    let mut done: Vec<String> = Vec::new();
    if !a.dry_run && steward.moving().next().is_some() {
        let t = carry_out(cx, json, &steward, journal, Duration::from_secs(a.wait)).await;
        errors = t.failed;
        interrupted = t.interrupted;
        done = t.done_cids;
    } else {
        journal.close();
    }
    // What happened (a dry run: what would): failed, blocked and unreached
    // items count as unchanged.
    let applied =
        |cid: &str| (a.dry_run || done.iter().any(|d| d == cid)) && blocked(cid).is_none();
    let added = movable
        .iter()
        .filter(|m| !m.added.is_empty() && applied(&m.cid))
        .count();
    let removed = movable
        .iter()
        .filter(|m| !m.removed.is_empty() && applied(&m.cid))
        .count();
    let summary = node_summary(&plan, &fleet, &applied);
    if json {
        let report = serde_json::json!({
            "checked_at": chrono::Utc::now().to_rfc3339(),
            "total_pins": pins.len(),
            "already_correct": plan.len() - changed.len(),
            "added_replicas": added,
            "removed_replicas": removed,
            "left_as_they_are": skipped.len(),
            "errors": errors.len(),
            "dry_run": a.dry_run,
            "interrupted": interrupted,
            "replication_min": rmin,
            "replication_max": rmax,
            "actions": plan.iter().map(|m| {
                let mut v = serde_json::to_value(m).unwrap_or_default();
                if let Some((_, e)) = errors.iter().find(|(c, _)| *c == m.cid) {
                    v["error"] = serde_json::Value::String(e.clone());
                }
                if let Some(why) = blocked(&m.cid) {
                    v["left_as_it_is"] = serde_json::Value::String(why);
                }
                v
            }).collect::<Vec<_>>(),
            "node_summary": summary.iter().map(|(n, b, a)| (n.clone(), serde_json::json!({"before": b, "after": a}))).collect::<serde_json::Map<_, _>>(),
        });
        match &a.output {
            Some(path) => {
                write_atomic(path, format!("{report}\n").as_bytes())?;
                tell!("Rebalance report written to: {}", path.display());
            }
            None => print_json(&report),
        }
    } else {
        let (verb_add, verb_rm) = if a.dry_run {
            ("would add replicas", "would remove replicas")
        } else {
            ("added replicas", "removed replicas")
        };
        say!("Results:");
        say!("  total pins:       {}", pins.len());
        say!("  already correct:  {}", plan.len() - changed.len());
        say!("  {verb_add}:  {added}");
        say!("  {verb_rm}: {removed}");
        if !skipped.is_empty() {
            say!(
                "  left as they are: {} (pinned on every peer, or a peer holding them is down)",
                skipped.len()
            );
        }
        if !errors.is_empty() {
            say!("  errors:           {}", errors.len());
        }
        say!("");
        say!(
            "  {:<14}{:>8}{:>8}{:>8}",
            "node",
            "before",
            "after",
            "change"
        );
        for (name, before, after) in &summary {
            let change = *after as i64 - *before as i64;
            let shown = match change {
                0 => "-".to_string(),
                c if c > 0 => format!("+{c}"),
                c => c.to_string(),
            };
            say!("  {name:<14}{before:>8}{after:>8}{shown:>8}");
        }
        if !changed.is_empty() {
            say!("");
            say!("actions ({}):", changed.len());
            for m in changed.iter().take(LISTED) {
                let plus: Vec<String> = m
                    .added
                    .iter()
                    .map(|p| format!("+{}", fleet.name_of(p)))
                    .collect();
                let minus: Vec<String> = m
                    .removed
                    .iter()
                    .map(|p| format!("-{}", fleet.name_of(p)))
                    .collect();
                let size = m
                    .size
                    .map(|s| format!(" ({})", crate::format::human_bytes(s)))
                    .unwrap_or_default();
                say!(
                    "  {}  {}{size}  [{}] {}",
                    ccs_cut(&m.cid),
                    m.name,
                    if m.everywhere {
                        "left: pinned everywhere"
                    } else {
                        action_name(m)
                    },
                    plus.into_iter().chain(minus).collect::<Vec<_>>().join(" ")
                );
                if let Some(why) = blocked(&m.cid) {
                    say!("      {why}");
                } else if let Some((_, e)) = errors.iter().find(|(c, _)| *c == m.cid) {
                    say!("      FAILED: {e}");
                } else if !a.dry_run && !applied(&m.cid) {
                    say!("      not reached (interrupted)");
                }
            }
            if changed.len() > LISTED {
                say!(
                    "  … and {} more (--json lists them all)",
                    changed.len() - LISTED
                );
            }
        }
        if interrupted {
            say!("");
            say!("Interrupted: run `ccs-tui rebalance` again to finish (items already changed are settled from the journal).");
        }
    }
    Ok(if !errors.is_empty() || interrupted {
        FAIL
    } else if movable.is_empty() {
        OK
    } else {
        PARTIAL
    })
}

fn action_name(m: &Move) -> &'static str {
    match m.action {
        crate::cluster::steward::Action::AlreadyCorrect => "already_correct",
        crate::cluster::steward::Action::AddReplicas => "add_replicas",
        crate::cluster::steward::Action::RemoveReplicas => "remove_replicas",
    }
}

/// A CID as ccs lists it: 20 characters and "...".
fn ccs_cut(cid: &str) -> String {
    if cid.chars().count() > 20 {
        format!("{}...", cid.chars().take(20).collect::<String>())
    } else {
        cid.to_string()
    }
}
