//! An audit of the archive as a console task: every copy on every peer
//! read back and checked, what it found kept for the pins pane.

use std::sync::Arc;

use tokio::sync::mpsc;

use super::effects::Effects;
use super::task::reporter;
use crate::app::msg::TaskOutcome;
use crate::app::Msg;
use crate::cluster::audit::{self, Audit, Check, Depth, Node, Outcome};
use crate::cluster::ClusterClient;

impl Effects {
    /// What earlier audits found and left standing, from the state folder.
    pub fn load_fixity(&self) {
        let (client, tx) = (self.client.clone(), self.tx.clone());
        tokio::spawn(async move {
            let Ok(k) = crate::cluster::state_files::cluster_key(&client).await else {
                return;
            };
            let r = tokio::task::spawn_blocking(move || crate::cluster::fixity::load(&k)).await;
            if let Ok(Ok(f)) = r {
                if !f.is_empty() {
                    let _ = tx.send(Msg::Fixity(f)).await;
                }
            }
        });
    }

    /// `:audit`: every item (or a sample) on every peer that should hold it.
    pub fn audit(&self, id: u64, sample: Option<usize>) {
        let (client, tx, nodes) = (self.client.clone(), self.tx.clone(), self.nodes.clone());
        self.spawn_task(id, move |cancel| async move {
            Some(tokio::select! {
                _ = cancel.cancelled() => TaskOutcome::Cancelled,
                r = run(&client, &tx, &nodes, id, sample) => match r {
                    Err(e) => TaskOutcome::Failed(e),
                    Ok(all) => outcome(&all),
                },
            })
        });
    }
}

/// Reads every copy back; what it found stands (in the state folder) until
/// a later audit finds otherwise.
async fn run(
    client: &Arc<ClusterClient>,
    tx: &mpsc::Sender<Msg>,
    nodes: &[Node],
    id: u64,
    sample: Option<usize>,
) -> Result<Vec<Check>, String> {
    let peers = client.members().await.map_err(|e| e.to_string())?;
    let members: Vec<(String, String)> = peers
        .iter()
        .map(|p| (p.id.clone(), p.peername.clone()))
        .collect();
    let answering = client.id().await.ok().map(|p| p.id);
    let holders = audit::holders_for(
        nodes,
        &peers,
        answering.as_deref(),
        &client.default_gateway(),
    );
    if holders.is_empty() {
        return Err("no peer's gateway is known: name each node with its gateway (nodes.NAME.gateway) in the configuration".to_string());
    }
    // Streamed into what the audit needs of each item (or a sample of
    // them): the whole pinset at a million pins would be over a gigabyte
    // beside the console's table.
    let seed: u64 = rand::random();
    let mut targets = audit::Targets::new(sample, seed);
    client
        .each_pin(|p| targets.push(&p))
        .await
        .map_err(|e| e.to_string())?;
    let pins = targets.finish();
    let total = pins.len() as u64;
    let a = Audit {
        client: client.clone(),
        holders,
        members,
        depth: if sample.is_some() {
            Depth::Sample
        } else {
            Depth::Full
        },
        peer: None,
        seed,
    };
    let mut all = Vec::new();
    let mut done = 0u64;
    let report = reporter(tx.clone(), id);
    a.run(pins, |checks| {
        done += 1;
        all.extend(checks);
        // One progress message, throttled (the last always goes).
        report(done, Some(total));
    })
    .await;
    if let Some(k) = answering {
        let checks = all.clone();
        let kept =
            tokio::task::spawn_blocking(move || crate::cluster::fixity::record(&k, &checks)).await;
        if let Ok(Ok(f)) = kept {
            let _ = tx.send(Msg::Fixity(f)).await;
        }
    }
    Ok(all)
}

/// Per peer, its items by outcome; then the gravest findings by name
/// (corrupt, missing, then unreachable). Anything not ok fails the task.
fn outcome(all: &[Check]) -> TaskOutcome {
    let lines: Vec<String> = audit::summary(all)
        .into_iter()
        .map(|(peer, counts, _)| format!("{peer}: {}", audit::counts_text(&counts)))
        .collect();
    let mut bad: Vec<&Check> = all.iter().filter(|c| c.outcome != Outcome::Ok).collect();
    bad.sort_by(|a, b| b.outcome.cmp(&a.outcome).then_with(|| a.name.cmp(&b.name)));
    let named: Vec<String> = bad
        .iter()
        .take(4)
        .map(|c| {
            format!(
                "{} {} on {}",
                c.outcome.label().to_uppercase(),
                c.name,
                c.peer
            )
        })
        .collect();
    let more = bad.len().saturating_sub(named.len());
    let message = format!(
        "{}{}{}",
        lines.join(" · "),
        if named.is_empty() {
            String::new()
        } else {
            format!(" — {}", named.join("; "))
        },
        if more > 0 {
            format!("; and {more} more (ccs-tui audit lists all)")
        } else {
            String::new()
        }
    );
    if bad.is_empty() {
        TaskOutcome::Done {
            message,
            select: None,
        }
    } else {
        TaskOutcome::Failed(message)
    }
}
