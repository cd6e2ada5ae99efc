//! The capacity screen's work: its figures from the loaded pinset, worked
//! out on a blocking thread (a million rows is a pass the UI must not
//! wait for), the peers' free space and reserves asked fresh, and the
//! free-space history read and written in the state folder.

use std::sync::Arc;

use crate::app::Msg;
use crate::cluster::capacity::{self, history};
use crate::pinset::Pinset;

use super::effects::Effects;

impl Effects {
    pub fn capacity(&self, rows: Arc<Pinset>) {
        let (client, tx, config) = (self.client.clone(), self.tx.clone(), self.config.clone());
        tokio::spawn(async move {
            let r = async {
                let (fleet, members) = crate::config::fleet_now(&client, &config)
                    .await
                    .map_err(|e| e.to_string())?;
                let peers = capacity::peers_of(&fleet, &members);
                let cluster = crate::cluster::state_files::cluster_key(&client).await.ok();
                let now = chrono::Utc::now().timestamp();
                tokio::task::spawn_blocking(move || {
                    let figures = crate::app::capacity::figures(&rows, &peers, now);
                    // A history that cannot be read costs the sparklines,
                    // not the figures.
                    let history = cluster
                        .and_then(|c| history::load(&c).ok())
                        .unwrap_or_default();
                    Box::new((figures, history))
                })
                .await
                .map_err(|e| e.to_string())
            }
            .await;
            let _ = tx.send(Msg::CapacityReady(r)).await;
        });
    }

    pub fn record_free_space(&self, samples: Vec<(String, u64)>) {
        let (client, tx) = (self.client.clone(), self.tx.clone());
        tokio::spawn(async move {
            let Ok(cluster) = crate::cluster::state_files::cluster_key(&client).await else {
                return;
            };
            let now = chrono::Utc::now().timestamp();
            let samples: Vec<(String, history::Sample)> = samples
                .into_iter()
                .map(|(p, free)| (p, history::Sample { at: now, free }))
                .collect();
            let r = tokio::task::spawn_blocking(move || history::record(&cluster, &samples)).await;
            if let Ok(Ok(h)) = r {
                let _ = tx.send(Msg::FreeHistory(h)).await;
            }
        });
    }
}
