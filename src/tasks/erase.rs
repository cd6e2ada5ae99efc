//! The console's erase: reading the items and their shared blocks for the
//! confirmation, then the erase itself as a task, logged as `rm --erase`
//! logs it. The same `cluster::erase` as the command line.

use std::time::Duration;

use crate::app::msg::TaskOutcome;
use crate::app::Msg;
use crate::cluster::erase::{Eraser, PeerOutcome, Prepared, Report, Verdict};
use crate::cluster::erasures::{self, Entry, Kind};

use super::effects::Effects;

impl Effects {
    async fn eraser(&self) -> Result<(Eraser, String), String> {
        let r = crate::cluster::audit::reach(&self.client, &self.nodes)
            .await
            .map_err(|e| e.to_string())?;
        let cluster = r
            .answering
            .clone()
            .ok_or("the cluster did not say who it is (/id): nothing to log the erase under")?;
        Ok((
            Eraser {
                client: self.client.clone(),
                holders: r.holders,
                members: r.members,
                wait: Duration::from_secs(120),
                settle: Duration::from_secs(6),
            },
            cluster,
        ))
    }

    /// Reads each item and what it shares; its confirmation comes back.
    pub fn prepare_erase(&self, cids: Vec<String>) {
        let (this, tx) = (self.clone_for_task(), self.tx.clone());
        tokio::spawn(async move {
            let r = async {
                let (eraser, _) = this.eraser().await?;
                let mut out = Vec::new();
                for c in &cids {
                    out.push(eraser.prepare(c).await.map_err(|e| e.to_string())?);
                }
                Ok(out)
            }
            .await;
            let _ = tx.send(Msg::EraseReady(r)).await;
        });
    }

    /// Erases confirmed items one after the other; each is logged.
    pub fn erase(&self, id: u64, items: Vec<Prepared>) {
        let (this, tx) = (self.clone_for_task(), self.tx.clone());
        self.spawn_task(id, move |cancel| async move {
            let total = items.len() as u64;
            let run = async {
                let (eraser, cluster) = this.eraser().await?;
                let mut reports = Vec::new();
                for (i, p) in items.iter().enumerate() {
                    // Between items only: an erase cut after its unpin
                    // would leave the item unpinned and still stored, the
                    // state it set out to end, and unlogged.
                    if cancel.is_cancelled() {
                        return Ok((reports, true));
                    }
                    let report = eraser.erase(p, |_| {}).await.map_err(|e| e.to_string())?;
                    let entry = Entry {
                        kind: Kind::Erase,
                        cluster: cluster.clone(),
                        config: this.origin.0.clone(),
                        user: this.origin.1.clone(),
                        check_blocks: p.check_blocks(),
                        report,
                    };
                    let logged = erasures::append(&entry).err().map(|e| e.to_string());
                    let _ = tx.try_send(Msg::TaskProgress {
                        id,
                        bytes: i as u64 + 1,
                        total: Some(total),
                    });
                    reports.push((entry.report, logged));
                }
                Ok::<_, String>((reports, false))
            };
            let outcome = match run.await {
                Err(e) => TaskOutcome::Failed(e),
                Ok((reports, true)) if reports.is_empty() => TaskOutcome::Cancelled,
                Ok((reports, cut)) => {
                    let o = outcome(&reports);
                    match (cut, o) {
                        (true, TaskOutcome::Done { message, .. }) => TaskOutcome::Failed(format!(
                            "cancelled after {} of {total}: {message}",
                            reports.len()
                        )),
                        (_, o) => o,
                    }
                }
            };
            Some(outcome)
        });
    }
}

/// What the tasks view says of the erase: each item and the peers that
/// still hold it, with why.
fn outcome(reports: &[(Report, Option<String>)]) -> TaskOutcome {
    let mut parts = Vec::new();
    let mut worst = Verdict::Erased;
    for (r, logged) in reports {
        worst = worst.max(r.verdict);
        let name =
            crate::sanitize::clean(crate::cluster::types::item_label(&r.name, &r.cid)).into_owned();
        let left: Vec<String> = r
            .peers
            .iter()
            .filter(|p| p.outcome != PeerOutcome::Gone)
            .map(|p| format!("{} on {} ({})", p.outcome.label(), p.peer, p.why))
            .collect();
        let shared = if r.shared_blocks > 0 {
            format!(", {} shared block(s) stay", r.shared_blocks)
        } else {
            String::new()
        };
        let mut s = format!("{} {name}{shared}", r.verdict.label());
        if !left.is_empty() {
            s.push_str(&format!(": {}", left.join("; ")));
        }
        if let Some(e) = logged {
            s.push_str(&format!(" (not logged: {e})"));
        }
        parts.push(s);
    }
    let message = parts.join(" · ");
    match worst {
        Verdict::Erased => TaskOutcome::Done {
            message,
            select: None,
        },
        _ => TaskOutcome::Failed(format!(
            "{message} — ccs-tui erased --check --collect finishes it"
        )),
    }
}
