//! The removal log: every erase, and every later check of one, as a JSON
//! line in the state folder (0600, see `state_files`). It is the community's
//! evidence that what it withdrew is gone, and what `erased --check` asks
//! the peers again (a peer that was down comes back with its copy).
//!
//! Read as the other journals are: bounded, each line parsed on its own,
//! and a line that does not parse or names another cluster is reported and
//! left out, never trusted.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::erase::Report;
use super::state_files::{self, StateError};

/// Blocks kept per item for later checks: the root first, then the rest
/// (its own, not those other items share).
pub const LOGGED_BLOCKS: usize = 4096;
/// No line of ours is longer.
const MAX_LINE: usize = 1 << 20;
/// Past this the log is rewritten with what it needs: each item's first
/// erase (its blocks) and its latest entry. The read cap (256 MiB) is never
/// reached, so no entry is ever silently left unread.
const COMPACT_AT: u64 = 32 << 20;

/// What a line records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Erase,
    Check,
}

/// One line of the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub kind: Kind,
    /// The cluster's identity (the answering peer's ID).
    pub cluster: String,
    /// Which configuration ran it, and as whom.
    pub config: String,
    pub user: String,
    #[serde(flatten)]
    pub report: Report,
    /// The blocks a later check asks for.
    pub check_blocks: Vec<String>,
}

pub fn path(cluster: &str) -> Option<PathBuf> {
    state_files::path("erasures", cluster, "log")
}

/// Appends one entry.
pub fn append(entry: &Entry) -> Result<PathBuf, StateError> {
    let p = path(&entry.cluster).ok_or_else(|| {
        StateError::Io(
            PathBuf::from("$HOME"),
            std::io::Error::other("no state folder: set HOME or XDG_STATE_HOME"),
        )
    })?;
    let mut f = state_files::append(&p)?;
    let line = serde_json::to_string(entry).map_err(|e| StateError::Io(p.clone(), e.into()))?;
    writeln!(f, "{line}").map_err(|e| StateError::Io(p.clone(), e))?;
    f.sync_all().map_err(|e| StateError::Io(p.clone(), e))?;
    let size = f.metadata().map(|m| m.len()).unwrap_or(0);
    drop(f);
    if size > COMPACT_AT {
        compact(&p, &entry.cluster)?;
    }
    Ok(p)
}

/// Rewrites the log with each item's first erase and latest entry.
fn compact(p: &std::path::Path, cluster: &str) -> Result<(), StateError> {
    let Some(text) = state_files::read(p)? else {
        return Ok(());
    };
    let log = parse(&text, cluster, &p.display().to_string());
    let mut kept: Vec<&Entry> = Vec::new();
    for last in log.latest() {
        if let Some(first) = log.erase_of(&last.report.cid) {
            if first != last {
                kept.push(first);
            }
        }
        kept.push(last);
    }
    let text: String = kept
        .iter()
        .filter_map(|e| serde_json::to_string(e).ok())
        .map(|l| l + "\n")
        .collect();
    state_files::replace(p, &text)
}

/// The log as read: its entries and what was left out, said.
#[derive(Debug, Default)]
pub struct Log {
    pub entries: Vec<Entry>,
    pub warnings: Vec<String>,
}

impl Log {
    /// Each item's latest entry, in the order items were first erased.
    pub fn latest(&self) -> Vec<&Entry> {
        let mut order: Vec<&str> = Vec::new();
        let mut last: BTreeMap<&str, &Entry> = BTreeMap::new();
        for e in &self.entries {
            if last.insert(&e.report.cid, e).is_none() {
                order.push(&e.report.cid);
            }
        }
        order
            .into_iter()
            .filter_map(|c| last.get(c).copied())
            .collect()
    }

    /// The first erase of an item (its name, and the blocks it had).
    pub fn erase_of(&self, cid: &str) -> Option<&Entry> {
        self.entries
            .iter()
            .find(|e| e.kind == Kind::Erase && e.report.cid == cid)
    }
}

/// Reads the log of `cluster` (empty when there is none).
pub fn read(cluster: &str) -> Result<Log, StateError> {
    let Some(p) = path(cluster) else {
        return Ok(Log::default());
    };
    let Some(text) = state_files::read(&p)? else {
        return Ok(Log::default());
    };
    Ok(parse(&text, cluster, &p.display().to_string()))
}

fn parse(text: &str, cluster: &str, file: &str) -> Log {
    let mut log = Log::default();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let at = format!("{file}:{}", i + 1);
        if line.len() > MAX_LINE {
            log.warnings
                .push(format!("{at}: a line longer than any of ours; left out"));
            continue;
        }
        match serde_json::from_str::<Entry>(line) {
            Ok(e) if e.cluster != cluster => log.warnings.push(format!(
                "{at}: names another cluster ({}); left out",
                e.cluster
            )),
            Ok(e) if crate::unixfs::parse_cid(&e.report.cid).is_err() => {
                log.warnings.push(format!(
                    "{at}: not a CID ({}); left out",
                    crate::sanitize::clean(&e.report.cid)
                ))
            }
            Ok(e) => log.entries.push(e),
            Err(err) => log
                .warnings
                .push(format!("{at}: not an entry of ours ({err}); left out")),
        }
    }
    log
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::erase::Verdict;

    fn entry(cluster: &str, cid: &str, kind: Kind, verdict: Verdict) -> Entry {
        Entry {
            kind,
            cluster: cluster.into(),
            config: "demo".into(),
            user: "ada".into(),
            report: Report {
                cid: cid.into(),
                name: "n".into(),
                at: "2026-12-07T04:00:00Z".into(),
                verdict,
                unpinned: true,
                blocks: 1,
                shared: Vec::new(),
                shared_blocks: 0,
                peers: Vec::new(),
                collections: Default::default(),
                listed_all: true,
            },
            check_blocks: vec![cid.into()],
        }
    }

    #[test]
    fn the_latest_entry_of_each_item_counts_and_foreign_lines_are_left_out() {
        let a = "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy";
        let b = "QmUNLLsPACCz1vLxQVkXqqLX5R1X345qqfHbsf67hvA3Nn";
        let lines = [
            serde_json::to_string(&entry("me", a, Kind::Erase, Verdict::Pending)).unwrap(),
            serde_json::to_string(&entry("other", b, Kind::Erase, Verdict::Erased)).unwrap(),
            "{not json".to_string(),
            serde_json::to_string(&entry("me", "nope", Kind::Erase, Verdict::Erased)).unwrap(),
            serde_json::to_string(&entry("me", a, Kind::Check, Verdict::Erased)).unwrap(),
        ]
        .join("\n");
        let log = parse(&lines, "me", "f");
        assert_eq!(log.entries.len(), 2);
        assert_eq!(log.warnings.len(), 3, "{:?}", log.warnings);
        let latest = log.latest();
        assert_eq!(latest.len(), 1);
        assert_eq!(latest[0].kind, Kind::Check);
        assert_eq!(latest[0].report.verdict, Verdict::Erased);
        assert_eq!(log.erase_of(a).unwrap().kind, Kind::Erase);
    }

    #[test]
    fn a_compacted_log_keeps_each_items_first_erase_and_latest_entry() {
        let tmp = tempfile::tempdir().unwrap();
        let p = tmp.path().join("erasures.jsonl");
        let a = "QmUNLLsPACCz1vLxQVkXqqLX5R1X345qqfHbsf67hvA3Nn";
        let mut lines = vec![entry("me", a, Kind::Erase, Verdict::Pending)];
        for _ in 0..5 {
            lines.push(entry("me", a, Kind::Check, Verdict::Stored));
        }
        lines.push(entry("me", a, Kind::Check, Verdict::Erased));
        let text: String = lines
            .iter()
            .map(|e| serde_json::to_string(e).unwrap() + "\n")
            .collect();
        std::fs::write(&p, text).unwrap();
        compact(&p, "me").unwrap();
        let log = parse(&std::fs::read_to_string(&p).unwrap(), "me", "f");
        assert_eq!(log.entries.len(), 2);
        assert_eq!(log.entries[0].kind, Kind::Erase);
        assert_eq!(log.entries[1].report.verdict, Verdict::Erased);
    }
}
