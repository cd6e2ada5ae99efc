//! What an interrupted drain or rebalance must finish: the bounds each item
//! had before the run changed them, until the item has settled. A run that
//! starts again reads them back and settles those items to their own
//! bounds, not to the raised ones it finds.

use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// `$XDG_STATE_HOME/ccs-tui/<kind>-<key>.jsonl` (else `~/.local/state`):
/// where ccs-tui keeps what a long run needs to resume.
pub fn state_path(kind: &str, key: &str) -> Option<PathBuf> {
    let base = std::env::var_os("XDG_STATE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/state")))?;
    let key: String = key
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    Some(base.join("ccs-tui").join(format!("{kind}-{key}.jsonl")))
}

/// An item as it was before a run changed it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Before {
    pub bounds: (i32, i32),
    /// Its allocations then.
    pub copies: usize,
}

#[derive(Serialize, Deserialize)]
struct Line {
    cid: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    before: Option<Before>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    done: bool,
}

#[derive(Debug, Default)]
pub struct Journal {
    path: Option<PathBuf>,
    open: HashMap<String, Before>,
}

impl Journal {
    /// The journal of `kind` for `key` (the cluster and what is drained),
    /// with what an earlier run left open. Without a state directory it
    /// keeps nothing and says so through [`Journal::is_kept`].
    pub fn open(kind: &str, key: &str) -> Journal {
        let path = state_path(kind, key);
        let mut open = HashMap::new();
        if let Some(text) = path.as_ref().and_then(|p| std::fs::read_to_string(p).ok()) {
            for l in text
                .lines()
                .filter_map(|l| serde_json::from_str::<Line>(l).ok())
            {
                match (l.before, l.done) {
                    (_, true) => {
                        open.remove(&l.cid);
                    }
                    (Some(b), false) => {
                        open.entry(l.cid).or_insert(b);
                    }
                    (None, false) => {}
                }
            }
        }
        let j = Journal { path, open };
        j.compact();
        j
    }

    /// Rewrites the file with only what is open: a journal does not grow
    /// with every run.
    fn compact(&self) {
        let Some(p) = &self.path else { return };
        if !p.exists() {
            return;
        }
        let text: String = self
            .open
            .iter()
            .filter_map(|(cid, b)| {
                serde_json::to_string(&Line {
                    cid: cid.clone(),
                    before: Some(*b),
                    done: false,
                })
                .ok()
            })
            .map(|l| l + "\n")
            .collect();
        let tmp = p.with_extension("jsonl.tmp");
        if std::fs::write(&tmp, text).is_ok() {
            let _ = std::fs::rename(&tmp, p);
        }
    }

    /// The journal of a run of `kind` on the cluster labelled `cluster`.
    pub fn of(kind: &super::plan::Kind, cluster: &str) -> Journal {
        let (k, key) = kind.journal(cluster);
        Journal::open(k, &key)
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
            cid: cid.to_string(),
            before: Some(now),
            done: false,
        });
        now
    }

    pub fn done(&mut self, cid: &str) {
        if self.open.remove(cid).is_some() {
            self.append(&Line {
                cid: cid.to_string(),
                before: None,
                done: true,
            });
        }
    }

    /// Forgets the file once nothing is left open.
    pub fn close(self) {
        if let (true, Some(p)) = (self.open.is_empty(), &self.path) {
            let _ = std::fs::remove_file(p);
        }
    }

    fn append(&self, line: &Line) {
        let Some(p) = &self.path else { return };
        if let Some(dir) = p.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        if let (Ok(mut f), Ok(text)) = (
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(p),
            serde_json::to_string(line),
        ) {
            // One line per write, flushed: an interrupted run leaves whole lines.
            let _ = f.write_all(format!("{text}\n").as_bytes());
        }
    }
}
