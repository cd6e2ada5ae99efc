//! Carrying a [`Plan`] out, item by item: each item read fresh, its bounds
//! noted in the journal before it changes, converged, marked done once
//! settled. Stops between steps when cancelled; the journal lets the next
//! run finish what was started.

use serde::Serialize;
use tokio_util::sync::CancellationToken;

use super::converge::{converge, Patience, Step};
use super::journal::{Before, Journal};
use super::plan::Plan;
use crate::cluster::ClusterClient;

/// What the run is doing, for progress lines and the tasks view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    Start {
        index: usize,
        total: usize,
        cid: String,
    },
    Step {
        index: usize,
        cid: String,
        #[serde(flatten)]
        step: Step,
    },
    Done {
        index: usize,
        cid: String,
    },
    Failed {
        index: usize,
        cid: String,
        error: String,
    },
    Interrupted {
        index: usize,
        cid: String,
    },
}

/// How a run ended.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    /// The items carried out.
    pub done_cids: Vec<String>,
    pub failed: Vec<(String, String)>,
    pub interrupted: bool,
}

impl Tally {
    pub fn done(&self) -> usize {
        self.done_cids.len()
    }
}

fn fail(
    t: &mut Tally,
    on: &mut (dyn FnMut(Event) + Send),
    index: usize,
    cid: String,
    error: String,
) {
    on(Event::Failed {
        index,
        cid: cid.clone(),
        error: error.clone(),
    });
    t.failed.push((cid, error));
}

pub async fn execute(
    client: &ClusterClient,
    plan: &Plan,
    journal: &mut Journal,
    patience: Patience,
    cancel: &CancellationToken,
    on: &mut (dyn FnMut(Event) + Send),
) -> Tally {
    let mut t = Tally::default();
    let items: Vec<_> = plan.moving().collect();
    let total = items.len();
    for (index, item) in items.into_iter().enumerate() {
        if cancel.is_cancelled() {
            t.interrupted = true;
            break;
        }
        let cid = item.cid.clone();
        on(Event::Start {
            index,
            total,
            cid: cid.clone(),
        });
        // Read fresh: what the plan saw may have changed since.
        let pin = match client.allocation(&cid).await {
            Ok(p) => p,
            Err(e) => {
                fail(&mut t, on, index, cid, e.to_string());
                continue;
            }
        };
        if let Some(b) = journal.unfinished().get(&cid).copied() {
            if !b.admissible(&pin, plan.allowed) {
                journal.refuse(
                    &cid,
                    &format!(
                        "bounds {}..{} with {} copies are not the item's own ({}..{}, {} copies) nor within the configuration's {}..{}",
                        b.bounds.0,
                        b.bounds.1,
                        b.copies,
                        pin.replication_factor_min,
                        pin.replication_factor_max,
                        pin.allocations.len(),
                        plan.allowed.0,
                        plan.allowed.1
                    ),
                );
            }
        }
        let orig = journal
            .begin(
                &cid,
                Before {
                    bounds: (pin.replication_factor_min, pin.replication_factor_max),
                    copies: pin.allocations.len(),
                },
            )
            .bounds;
        let r = {
            let mut step = |s: Step| {
                on(Event::Step {
                    index,
                    cid: cid.clone(),
                    step: s,
                })
            };
            tokio::select! {
                r = converge(client, &pin, orig, &item.target, &plan.up, patience, &mut step) => Some(r),
                _ = cancel.cancelled() => None,
            }
        };
        match r {
            None => {
                t.interrupted = true;
                on(Event::Interrupted { index, cid });
                break;
            }
            Some(Ok(_)) => {
                journal.done(&cid);
                t.done_cids.push(cid.clone());
                on(Event::Done { index, cid });
            }
            Some(Err(e)) => fail(&mut t, on, index, cid, e.to_string()),
        }
    }
    t
}
