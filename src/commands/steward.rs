//! What `rebalance` and `drain` share: the fleet with its free space, and a
//! plan carried out with progress lines (or events as JSON lines) and
//! Ctrl-C that stops between steps.

use std::time::Duration;

use super::output::*;
use super::Ctx;
use crate::cluster::steward::plan::Kind;
use crate::cluster::steward::{
    execute, Event, Fleet, Journal, Patience, Plan, Planned, Planner, Step, Tally,
};
use crate::cluster::types::{PeerId, Pin};

/// The fleet with the free space each member reports now.
pub(super) async fn fleet(cx: &Ctx) -> Result<(Fleet, Vec<PeerId>), CmdError> {
    Ok(crate::config::fleet_now(&cx.client, &cx.resolved.file).await?)
}

/// The items of the pinset `keep` wants, kept as they stream in: a whole
/// pin is a kilobyte and more, and a drain of one peer of fifty needs a
/// fiftieth of a million of them, not all.
pub(super) async fn pinset(cx: &Ctx, keep: impl Fn(&Pin) -> bool) -> Result<Vec<Pin>, CmdError> {
    let mut pins = Vec::new();
    cx.client
        .each_pin(|p| {
            if keep(&p) {
                pins.push(p);
            }
        })
        .await?;
    Ok(pins)
}

/// The items of the pinset `keep` wants, through `planner` as they stream
/// in: the plan keeps what it needs of each, not the pins.
pub(super) async fn plan(
    cx: &Ctx,
    mut planner: Planner,
    keep: impl Fn(&Pin) -> bool,
) -> Result<Planned, CmdError> {
    cx.client
        .each_pin(|p| {
            if keep(&p) {
                planner.push(&p);
            }
        })
        .await?;
    let planned = planner.finish();
    for r in &planned.refused {
        tell!("ccs-tui: {r}");
    }
    Ok(planned)
}

/// The journal of a plan of this kind, its warnings said.
pub(super) async fn open_journal(cx: &Ctx, kind: &Kind) -> Result<Journal, CmdError> {
    let journal = Journal::of(kind.journal(), &cx.client).await?;
    for w in journal.warnings() {
        tell!("ccs-tui: {w}");
    }
    Ok(journal)
}

/// The plan, through `planner`, of the items named (the whole pinset when
/// none are); none at all when one named is not in the pinset: a typo must
/// not leave the others changed and the run "failed".
pub(super) async fn plan_named(
    cx: &Ctx,
    planner: Planner,
    cids: &[String],
) -> Result<Option<Planned>, CmdError> {
    let seen = std::cell::RefCell::new(std::collections::HashSet::new());
    let planned = plan(cx, planner, |p| {
        let keep = named(cids, p);
        if keep && !cids.is_empty() {
            seen.borrow_mut().insert(p.cid.clone());
        }
        keep
    })
    .await?;
    let all_named = all_in_pinset(cids, &seen.borrow());
    Ok(all_named.then_some(planned))
}

/// The CIDs named on the command line, each a CID.
pub(super) fn valid_cids(what: &str, cids: &[String]) -> Result<(), CmdError> {
    for c in cids {
        if let Err(e) = crate::unixfs::parse_cid(c) {
            return Err(CmdError::usage(
                format!("{what} {c}"),
                format!("not a valid CID: {e}"),
            ));
        }
    }
    Ok(())
}

/// Whether the pinset had every CID named (`seen` holds those it had);
/// each it did not is said.
fn all_in_pinset(cids: &[String], seen: &std::collections::HashSet<String>) -> bool {
    let mut all = true;
    for c in cids.iter().filter(|c| !seen.contains(*c)) {
        tell!("ccs-tui: {c} is not in the pinset");
        all = false;
    }
    all
}

/// Whether `p` is one of the items named (every item when none are).
pub(super) fn named(cids: &[String], p: &Pin) -> bool {
    cids.is_empty() || cids.contains(&p.cid)
}

/// How a run's progress is said on stdout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Events {
    /// A line per item.
    Text,
    /// Each event a JSON object of the command's listing.
    Json,
    /// Nothing: the command's one JSON document (rebalance's report) says
    /// what happened, and stdout holds that document alone.
    Quiet,
}

impl Events {
    /// A line per item, or JSON with `--json`.
    pub(super) fn of(json: bool) -> Events {
        if json {
            Events::Json
        } else {
            Events::Text
        }
    }
}

/// Carries out `plan` with its journal (closed at the end); one line per
/// item (or one JSON event per line).
pub(super) async fn carry_out(
    cx: &Ctx,
    events: Events,
    plan: &Plan,
    mut journal: Journal,
    pin_wait: Duration,
) -> Tally {
    let (cancel, _guard) = cancel_on_ctrl_c();
    let patience = Patience {
        pin_wait,
        ..Patience::default()
    };
    let mut steps: Vec<String> = Vec::new();
    let mut on = |e: Event| {
        match events {
            Events::Json => {
                print_item(&e);
                return;
            }
            Events::Quiet => return,
            Events::Text => {}
        }
        let line = |index: usize, cid: &str, what: String| {
            let label = plan
                .items
                .iter()
                .find(|i| i.cid == cid)
                .map_or(cid, |i| i.label());
            say!("[{}/{}] {label}: {what}", index + 1, plan.moving().count());
        };
        match e {
            Event::Start { .. } => steps.clear(),
            Event::Step { step, .. } => steps.push(describe(&step, plan)),
            Event::Done { index, cid } => line(index, &cid, steps.join(", ")),
            Event::Interrupted { index, cid } => {
                line(index, &cid, format!("interrupted ({})", steps.join(", ")))
            }
            Event::Failed { index, cid, error } => {
                let text = steps.join(", ");
                line(
                    index,
                    &cid,
                    if text.is_empty() {
                        format!("FAILED: {error}")
                    } else {
                        format!("FAILED: {error} (after: {text})")
                    },
                )
            }
        }
    };
    let t = execute(&cx.client, plan, &mut journal, patience, &cancel, &mut on).await;
    journal.close();
    t
}

/// One step, by node names.
pub fn describe(s: &Step, plan: &Plan) -> String {
    match s {
        Step::Grow { peers } => {
            let names: Vec<String> = peers.iter().map(|p| plan.name_of(p)).collect();
            format!("+{} asked", names.join(" +"))
        }
        Step::Pinned { peer } => format!("{} pinned", plan.name_of(peer)),
        Step::Released { peer } => format!("{} released", plan.name_of(peer)),
        Step::Settled { min, max } => format!("replication {min}..{max}"),
    }
}
