//! The console's stewardship work: making a plan (reads only), carrying a
//! confirmed plan out with progress in the tasks view, reading an item for
//! the edit form and writing a confirmed edit. The same planners, journal
//! and executor as the command line.

use crate::app::msg::{StewardRequest, TaskOutcome};
use crate::app::Msg;
use crate::cluster::steward::edit::{apply, Edit};
use crate::cluster::steward::plan::Kind;
use crate::cluster::steward::{execute, Event, Journal, Patience, Plan, Planner};

use super::effects::Effects;

impl Effects {
    /// Works out the plan a request asks for and sends it back to confirm.
    pub fn steward_plan(&self, req: StewardRequest) {
        let (client, tx, config) = (self.client.clone(), self.tx.clone(), self.config.clone());
        tokio::spawn(async move {
            let plan = async {
                let (fleet, _) = crate::config::fleet_now(&client, &config)
                    .await
                    .map_err(|e| e.to_string())?;
                let journal = |kind: Kind| {
                    let client = client.clone();
                    async move {
                        Journal::of(kind.journal(), &client)
                            .await
                            .map_err(|e| e.to_string())
                    }
                };
                let mut planner = match &req {
                    StewardRequest::Rebalance => {
                        let j = journal(Kind::rebalance(&fleet)).await?;
                        Planner::rebalance(&fleet, &j)
                    }
                    StewardRequest::Drain(peer) => {
                        let j = journal(Kind::drain(peer, &fleet)).await?;
                        Planner::drain(peer, &fleet, &j)
                    }
                    StewardRequest::Ensure(profile) => {
                        let required = fleet.required_of(profile)?;
                        Planner::ensure(profile, &required, &fleet)
                    }
                };
                // Streamed through the plan, which keeps what it needs of
                // each pin: the whole pinset at a million pins would be
                // over a gigabyte beside the console's table.
                client
                    .each_pin(|p| planner.push(&p))
                    .await
                    .map_err(|e| e.to_string())?;
                Ok(Box::new(planner.finish().plan))
            }
            .await;
            let _ = tx.send(Msg::StewardPlanned(plan)).await;
        });
    }

    /// Carries a confirmed plan out; progress in items; `c` in the tasks
    /// view stops it between steps (the journal finishes it next time).
    pub fn steward(&self, id: u64, plan: Box<Plan>) {
        let (client, tx) = (self.client.clone(), self.tx.clone());
        self.spawn_task(id, move |cancel| async move {
            let mut journal = match Journal::of(plan.kind.journal(), &client).await {
                Ok(j) => j,
                Err(e) => return Some(TaskOutcome::Failed(format!("{}: {e}", plan.kind.title()))),
            };
            let total = plan.moving().count() as u64;
            let mut done = 0u64;
            let mut on = |e: Event| {
                if matches!(e, Event::Done { .. } | Event::Failed { .. }) {
                    done += 1;
                    let _ = tx.try_send(Msg::TaskProgress {
                        id,
                        bytes: done,
                        total: Some(total),
                    });
                }
            };
            let t = execute(
                &client,
                &plan,
                &mut journal,
                Patience::default(),
                &cancel,
                &mut on,
            )
            .await;
            journal.close();
            let title = plan.kind.title();
            let outcome = if t.interrupted {
                TaskOutcome::Failed(format!(
                    "{title}: stopped after {} item(s); :{} again finishes it",
                    t.done(),
                    plan.kind.command()
                ))
            } else if let Some((cid, e)) = t.failed.first() {
                let label = plan
                    .items
                    .iter()
                    .find(|i| &i.cid == cid)
                    .map_or(cid.as_str(), |i| i.label());
                TaskOutcome::Failed(format!(
                    "{title}: {} done, {} failed — {label}: {e}",
                    t.done(),
                    t.failed.len()
                ))
            } else {
                let hint = match &plan.kind {
                    crate::cluster::steward::plan::Kind::Drain { name, .. } => format!(
                        "; mark {name} retiring in the configuration until it leaves the cluster"
                    ),
                    _ => String::new(),
                };
                TaskOutcome::Done {
                    message: format!("{title}: {} item(s) done{hint}", t.done()),
                    select: None,
                }
            };
            Some(outcome)
        });
    }

    /// The item, read fresh, and the members, for the edit form.
    pub fn edit_load(&self, cid: String) {
        let (client, tx) = (self.client.clone(), self.tx.clone());
        tokio::spawn(async move {
            let r = async {
                let pin = client.allocation(&cid).await?;
                let members = client.members().await?;
                Ok::<_, crate::cluster::ClientError>((
                    pin,
                    members
                        .into_iter()
                        .map(|m| (m.id, m.peername))
                        .collect::<Vec<_>>(),
                ))
            }
            .await
            .map_err(|e| e.to_string());
            let _ = tx.send(Msg::EditLoaded(r)).await;
        });
    }

    /// Writes a confirmed edit.
    pub fn edit(&self, id: u64, edit: Box<Edit>) {
        let client = self.client.clone();
        // An edit is one write, over in a moment: its token is not heard
        // (`c` has nothing to stop).
        self.spawn_task(id, move |_| async move {
            let r = apply(&client, &edit, Patience::default(), &mut |_| {}).await;
            let label = crate::cluster::types::item_label(&edit.after.name, &edit.cid).to_string();
            let outcome = match r {
                // Selected again once the pinset shows the change.
                Ok(_) => TaskOutcome::Done {
                    message: format!("edited {label}: {}", edit.changes.join("; ")),
                    select: Some(edit.cid.clone()),
                },
                Err(e) => TaskOutcome::Failed(format!("edit of {label}: {e}")),
            };
            Some(outcome)
        });
    }
}
