//! What an interrupted drain or rebalance must finish: the bounds each item
//! had before the run changed them, until the item has settled. A run that
//! starts again reads them back and settles those items to their own
//! bounds, not to the raised ones it finds.

use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::cluster::state_files;
use crate::cluster::types::Pin;

/// An item as it was before a run changed it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Before {
    pub bounds: (i32, i32),
    /// Its allocations then.
    pub copies: usize,
}

impl Before {
    /// Whether a record may settle `pin`: a journal can only finish what a
    /// run began. Its bounds make sense and are the item's own, or within
    /// what the configuration allows (`allowed`), or what a run in progress
    /// explains: the item has more copies than the record says and its
    /// minimum was raised by no more than those copies. Never more copies
    /// than the item has, nor fewer than the record's own minimum. A line
    /// that would lower the minimum of an item no run touched fails this.
    pub fn admissible(&self, pin: &Pin, allowed: (usize, usize)) -> bool {
        let (min, max) = self.bounds;
        let own = (pin.replication_factor_min, pin.replication_factor_max);
        if self.bounds == own {
            return true;
        }
        let sane = (min == -1 && max == -1) || (1 <= min && min <= max);
        let n = pin.allocations.len();
        if !sane || self.copies > n || (min > 0 && self.copies < min as usize) {
            return false;
        }
        let within = min >= 1 && min as usize >= allowed.0 && max as usize <= allowed.1;
        let added = (n - self.copies) as i64;
        let raising = added > 0 && own.0 > min && i64::from(min) >= i64::from(own.0) - added;
        within || raising
    }
}

#[derive(Serialize, Deserialize)]
struct Line {
    /// The cluster the line belongs to (see [`state_files::cluster_key`]).
    #[serde(default)]
    cluster: String,
    cid: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    before: Option<Before>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    done: bool,
}

#[derive(Debug, Default)]
pub struct Journal {
    path: Option<PathBuf>,
    cluster: String,
    open: HashMap<String, Before>,
    /// Lines not taken, and records refused: said to the operator.
    warnings: Vec<String>,
}

impl Journal {
    /// The journal of `kind` for the cluster `cluster` and what the run is
    /// about, with what an earlier run left open. A line that does not parse
    /// or names another cluster is not taken, and said. Without a state
    /// directory it keeps nothing and says so through [`Journal::is_kept`].
    pub fn open(kind: &str, cluster: &str, about: &str) -> Journal {
        let mut j = Journal {
            path: state_files::path(kind, cluster, about),
            cluster: cluster.to_string(),
            ..Default::default()
        };
        let text = match j.path.as_deref().map(state_files::read) {
            Some(Ok(t)) => t.unwrap_or_default(),
            Some(Err(e)) => {
                j.warnings.push(format!("journal not used: {e}"));
                // Nothing is written through what was refused.
                j.path = None;
                String::new()
            }
            None => String::new(),
        };
        let (mut bad, mut foreign) = (0usize, 0usize);
        for l in text.lines().filter(|l| !l.trim().is_empty()) {
            let Ok(l) = serde_json::from_str::<Line>(l) else {
                bad += 1;
                continue;
            };
            if l.cluster != cluster {
                foreign += 1;
                continue;
            }
            match (l.before, l.done) {
                (_, true) => {
                    j.open.remove(&l.cid);
                }
                (Some(b), false) => {
                    j.open.entry(l.cid).or_insert(b);
                }
                (None, false) => {}
            }
        }
        let file = j
            .path
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_default();
        if bad > 0 {
            j.warnings
                .push(format!("{file}: {bad} line(s) that do not parse, ignored"));
        }
        if foreign > 0 {
            j.warnings.push(format!(
                "{file}: {foreign} line(s) of another cluster, ignored"
            ));
        }
        j.compact();
        j
    }

    /// What was not taken from the file, for the operator.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// Drops the record of `cid` (one [`Before::admissible`] refused), and
    /// says why.
    pub fn refuse(&mut self, cid: &str, why: &str) {
        if self.open.remove(cid).is_some() {
            self.warnings
                .push(format!("journal record for {cid} not used: {why}"));
        }
    }

    /// Rewrites the file with only what is open: a journal does not grow
    /// with every run.
    fn compact(&self) {
        let Some(p) = &self.path else { return };
        if std::fs::symlink_metadata(p).is_err() {
            return;
        }
        let text: String = self
            .open
            .iter()
            .filter_map(|(cid, b)| {
                serde_json::to_string(&Line {
                    cluster: self.cluster.clone(),
                    cid: cid.clone(),
                    before: Some(*b),
                    done: false,
                })
                .ok()
            })
            .map(|l| l + "\n")
            .collect();
        let _ = state_files::replace(p, &text);
    }

    /// The journal of a run (its kind's name and what it is about, as
    /// `plan::Kind::journal` gives them) on the cluster `client` reaches,
    /// known by its identity (see [`state_files::cluster_key`]).
    pub async fn of(
        (k, about): (&'static str, String),
        client: &crate::cluster::ClusterClient,
    ) -> Result<Journal, crate::cluster::ClientError> {
        let cluster = state_files::cluster_key(client).await?;
        let j = Journal::open(k, &cluster, &about);
        for w in j.warnings() {
            tracing::warn!("{w}");
        }
        Ok(j)
    }

    pub fn is_kept(&self) -> bool {
        self.path.is_some()
    }

    /// Items an earlier run changed and did not settle, as they were.
    pub fn unfinished(&self) -> &HashMap<String, Before> {
        &self.open
    }

    /// How `cid` was before any run changed it: an earlier run's record,
    /// else `now`, noted before anything changes.
    pub fn begin(&mut self, cid: &str, now: Before) -> Before {
        if let Some(b) = self.open.get(cid) {
            return *b;
        }
        self.open.insert(cid.to_string(), now);
        self.append(&Line {
            cluster: self.cluster.clone(),
            cid: cid.to_string(),
            before: Some(now),
            done: false,
        });
        now
    }

    pub fn done(&mut self, cid: &str) {
        if self.open.remove(cid).is_some() {
            self.append(&Line {
                cluster: self.cluster.clone(),
                cid: cid.to_string(),
                before: None,
                done: true,
            });
        }
    }

    /// Forgets the file once nothing is left open.
    pub fn close(self) {
        if let (true, Some(p)) = (self.open.is_empty(), &self.path) {
            state_files::remove(p);
        }
    }

    fn append(&self, line: &Line) {
        let Some(p) = &self.path else { return };
        if let (Ok(mut f), Ok(text)) = (state_files::append(p), serde_json::to_string(line)) {
            // One line per write, flushed: an interrupted run leaves whole lines.
            let _ = f.write_all(format!("{text}\n").as_bytes());
        }
    }
}
