//! What `rebalance` and `drain` share: the fleet with its free space, and
//! carrying moves out one item at a time with a journal, progress lines
//! and Ctrl-C that stops between steps.

use std::time::Duration;

use super::output::*;
use super::Ctx;
use crate::cluster::steward::journal::Before;
use crate::cluster::steward::{converge, Fleet, Journal, Patience, Step};
use crate::cluster::types::{PeerId, Pin};

/// The fleet with the free space each member reports now.
pub(super) async fn fleet(cx: &Ctx) -> Result<(Fleet, Vec<PeerId>), CmdError> {
    let members = cx.client.members().await?;
    let metrics = cx.client.metrics("freespace").await?;
    let fleet = crate::config::fleet(&cx.resolved.file, &members).with_metrics(&metrics);
    Ok((fleet, members))
}

/// One item to carry out.
pub(super) struct Work<'a> {
    pub pin: &'a Pin,
    pub target: Vec<String>,
    pub label: String,
}

/// How a run ended.
#[derive(Default)]
pub(super) struct Tally {
    pub done: usize,
    pub failed: Vec<(String, String)>,
    pub interrupted: bool,
}

/// Carries out `work` in order; each item's original bounds go to the
/// journal before it changes, and it is marked done once settled.
pub(super) async fn carry_out(
    cx: &Ctx,
    json: bool,
    journal: &mut Journal,
    work: Vec<Work<'_>>,
    pin_wait: Duration,
    fleet: &Fleet,
) -> Tally {
    let (cancel, _guard) = cancel_on_ctrl_c();
    let patience = Patience {
        pin_wait,
        ..Patience::default()
    };
    let mut t = Tally::default();
    let total = work.len();
    for (i, w) in work.into_iter().enumerate() {
        if cancel.is_cancelled() {
            t.interrupted = true;
            break;
        }
        let orig = journal
            .begin(
                &w.pin.cid,
                Before {
                    bounds: (w.pin.replication_factor_min, w.pin.replication_factor_max),
                    copies: w.pin.allocations.len(),
                },
            )
            .bounds;
        let steps = std::sync::Mutex::new(Vec::<String>::new());
        let said = |steps: &std::sync::Mutex<Vec<String>>| {
            steps.lock().map(|v| v.join(", ")).unwrap_or_default()
        };
        let mut on = |s: Step| {
            if json {
                print_item(&serde_json::json!({ "cid": w.pin.cid, "progress": s }));
            } else if let Ok(mut v) = steps.lock() {
                v.push(describe(&s, fleet));
            }
        };
        let r = tokio::select! {
            r = converge(&cx.client, w.pin, orig, &w.target, patience, &mut on) => r,
            _ = cancel.cancelled() => {
                t.interrupted = true;
                if !json {
                    say!("[{}/{total}] {}: interrupted ({})", i + 1, w.label, said(&steps));
                }
                break;
            }
        };
        match r {
            Ok(_) => {
                journal.done(&w.pin.cid);
                t.done += 1;
                if !json {
                    say!("[{}/{total}] {}: {}", i + 1, w.label, said(&steps));
                }
            }
            Err(e) => {
                if !json {
                    let after = said(&steps);
                    say!(
                        "[{}/{total}] {}: FAILED: {e}{}",
                        i + 1,
                        w.label,
                        if after.is_empty() {
                            String::new()
                        } else {
                            format!(" (after: {after})")
                        }
                    );
                } else {
                    print_item(&serde_json::json!({ "cid": w.pin.cid, "error": e.to_string() }));
                }
                t.failed.push((w.pin.cid.clone(), e.to_string()));
            }
        }
    }
    t
}

pub(super) fn describe(s: &Step, fleet: &Fleet) -> String {
    match s {
        Step::Grow { peers } => {
            let names: Vec<String> = peers.iter().map(|p| fleet.name_of(p)).collect();
            format!("+{} asked", names.join(" +"))
        }
        Step::Pinned { peer } => format!("{} pinned", fleet.name_of(peer)),
        Step::Released { peer } => format!("{} released", fleet.name_of(peer)),
        Step::Retry { peer, attempt } => format!(
            "the cluster released {} instead (attempt {attempt}), asked back",
            fleet.name_of(peer)
        ),
        Step::Settled { min, max } => format!("replication {min}..{max}"),
    }
}

/// A short label for an item: its name, else its CID.
pub(super) fn label(pin: &Pin) -> String {
    if pin.name.is_empty() {
        pin.cid.clone()
    } else {
        pin.name.clone()
    }
}
