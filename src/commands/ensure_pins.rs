//! `ensure-pins --profile X`: as ccs v0.4 does, every item keeps a copy on
//! the profile's primary node and on the backup node. Carried out as every
//! stewardship plan is: the new copies pinned, each item's bounds its own
//! again, widened only as far as its copies need.

use std::time::Duration;

use super::output::*;
use super::steward::{carry_out, fleet, plan, Events};
use super::Ctx;
use crate::cluster::steward::{Journal, Planner};

/// `ccs-tui ensure-pins`
#[derive(clap::Args, Debug, Clone)]
pub struct EnsurePinsArgs {
    /// The profile (org) whose primary node must hold every item.
    #[arg(long)]
    profile: String,
    /// Show the plan; change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// How long a new copy may take to be pinned, in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 600)]
    wait: u64,
}

pub(super) async fn run(cx: &Ctx, a: &EnsurePinsArgs) -> Result<u8, CmdError> {
    let (fleet, _) = fleet(cx).await?;
    let required = match fleet.required_of(&a.profile) {
        Ok(r) => r,
        Err(e) => {
            tell!("ccs-tui: ensure-pins: {e}");
            return Ok(CANNOT_RUN);
        }
    };
    let plan = plan(cx, Planner::ensure(&a.profile, &required, &fleet), |_| true)
        .await?
        .plan;
    if !cx.json {
        say!(
            "ensure-pins [{}] profile={} (every item of every org, as ccs does)",
            if a.dry_run { "DRY RUN" } else { "LIVE" },
            a.profile
        );
        let names: Vec<String> = required
            .iter()
            .map(|id| format!("{} ({})", plan.name_of(id), crate::format::short_id(id, 6)))
            .collect();
        say!("required peers: {}", names.join(", "));
    }
    let total = plan.items.len();
    let left = plan.blocked().count();
    let (mut failed, mut fixed) = (0, 0);
    // The items, as the dry run says and as the live run takes them: those
    // left are said with why, in both.
    for (i, item) in plan.items.iter().enumerate() {
        if cx.json {
            print_item(item);
        } else if let Some(why) = &item.blocked {
            say!("[{}/{total}] {} stays: {why}", i + 1, item.label());
        } else if a.dry_run {
            say!(
                "[{}/{total}] {} would fix ({})",
                i + 1,
                item.label(),
                plan.change_text(item)
            );
        }
    }
    if !a.dry_run && plan.moving().next().is_some() {
        let journal = Journal::of(plan.kind.journal(), &cx.client).await?;
        let t = carry_out(
            cx,
            Events::of(cx.json),
            &plan,
            journal,
            Duration::from_secs(a.wait),
        )
        .await;
        failed = t.failed.len() + usize::from(t.interrupted);
        fixed = t.done_cids.len();
    }
    let summary = format!(
        "Results: {} items checked, {total} lacked required peers, {} fixed, {left} left as they are, {failed} failed",
        plan.checked,
        if a.dry_run { 0 } else { fixed },
    );
    if cx.json {
        tell!("{summary}");
    } else {
        say!("{summary}");
    }
    // As ccs's rebalance: 0 nothing to do, 1 changed (or would), 2 errors.
    Ok(if failed > 0 {
        FAIL
    } else if total == 0 {
        OK
    } else {
        PARTIAL
    })
}
