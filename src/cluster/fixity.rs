//! What audits found, kept until a later audit finds otherwise: each
//! item's copies found missing, corrupt or unreachable, peer by peer, with
//! when. The console marks those items and counts them among its problems
//! and in risk, and `ccs-tui risk` counts them too: a copy an audit found
//! bad does not serve, whatever its pin status claims.
//!
//! Kept in the state folder (0600) as the findings that stand, one JSON line
//! each, rewritten whole when an audit changes them; bounded: at most
//! [`MAX_FINDINGS`], the gravest kept.

use std::collections::HashMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::audit::{Check, Outcome};
use super::state_files::{self, StateError};

/// Findings kept at most (a cluster with more bad copies than this has a
/// graver problem than a list can show).
pub const MAX_FINDINGS: usize = 100_000;

/// One copy an audit found not ok.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub cid: String,
    pub name: String,
    pub peer_id: String,
    pub peer: String,
    pub outcome: Outcome,
    /// RFC 3339, UTC: when the audit found it.
    pub at: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub detail: String,
}

impl Finding {
    /// Missing or corrupt: a copy that does not serve.
    pub fn damaged(&self) -> bool {
        matches!(self.outcome, Outcome::Missing | Outcome::Corrupt)
    }
}

/// The findings that stand, by item.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Findings {
    pub by_cid: HashMap<String, Vec<Finding>>,
    /// Lines left out when read, said.
    pub warnings: Vec<String>,
}

impl Findings {
    pub fn of(&self, cid: &str) -> &[Finding] {
        self.by_cid.get(cid).map_or(&[], Vec::as_slice)
    }

    /// Whether an audit found `peer_id`'s copy of `cid` missing or corrupt.
    pub fn damaged(&self, cid: &str, peer_id: &str) -> bool {
        self.of(cid)
            .iter()
            .any(|f| f.peer_id == peer_id && f.damaged())
    }

    pub fn len(&self) -> usize {
        self.by_cid.values().map(Vec::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.by_cid.is_empty()
    }

    /// An audit's checks: a copy found not ok stands (replacing an older
    /// finding of it); one found ok clears what stood. Whether anything
    /// changed.
    pub fn apply(&mut self, checks: &[Check], at: &str) -> bool {
        let mut changed = false;
        for c in checks {
            let v = self.by_cid.entry(c.cid.clone()).or_default();
            if let Some(i) = v.iter().position(|f| f.peer_id == c.peer_id) {
                v.remove(i);
                changed = true;
            }
            if c.outcome != Outcome::Ok {
                v.push(Finding {
                    cid: c.cid.clone(),
                    name: c.name.clone(),
                    peer_id: c.peer_id.clone(),
                    peer: c.peer.clone(),
                    outcome: c.outcome,
                    at: at.to_string(),
                    detail: c.detail.clone(),
                });
                changed = true;
            }
            if v.is_empty() {
                self.by_cid.remove(&c.cid);
            }
        }
        changed
    }

    fn lines(&self) -> String {
        let mut all: Vec<&Finding> = self.by_cid.values().flatten().collect();
        // The gravest first, when there are more than are kept.
        all.sort_by(|a, b| b.outcome.cmp(&a.outcome).then(b.at.cmp(&a.at)));
        all.into_iter()
            .take(MAX_FINDINGS)
            .filter_map(|f| serde_json::to_string(f).ok())
            .map(|l| l + "\n")
            .collect()
    }

    fn parse(text: &str, file: &str) -> Findings {
        let mut out = Findings::default();
        for (i, l) in text.lines().enumerate().take(MAX_FINDINGS * 2) {
            if l.trim().is_empty() {
                continue;
            }
            match serde_json::from_str::<Finding>(l) {
                Ok(f) if crate::unixfs::parse_cid(&f.cid).is_ok() => {
                    let v = out.by_cid.entry(f.cid.clone()).or_default();
                    v.retain(|x| x.peer_id != f.peer_id);
                    v.push(f);
                }
                Ok(_) => out
                    .warnings
                    .push(format!("{file}:{}: not a CID; left out", i + 1)),
                Err(e) => out.warnings.push(format!(
                    "{file}:{}: not a finding of ours ({e}); left out",
                    i + 1
                )),
            }
        }
        out
    }
}

pub fn path(cluster: &str) -> Option<PathBuf> {
    state_files::path("fixity", cluster, "findings")
}

/// The findings of `cluster` (none when no audit left any).
pub fn load(cluster: &str) -> Result<Findings, StateError> {
    match path(cluster) {
        Some(p) => load_path(&p),
        None => Ok(Findings::default()),
    }
}

/// The findings kept in the file `p`.
pub fn load_path(p: &std::path::Path) -> Result<Findings, StateError> {
    Ok(match state_files::read(p)? {
        Some(t) => Findings::parse(&t, &p.display().to_string()),
        None => Findings::default(),
    })
}

/// An audit's checks into the findings of `cluster`; what now stands.
pub fn record(cluster: &str, checks: &[Check]) -> Result<Findings, StateError> {
    let mut f = load(cluster)?;
    let at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    if f.apply(checks, &at) {
        if let Some(p) = path(cluster) {
            state_files::replace(&p, &f.lines())?;
        }
    }
    Ok(f)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(cid: &str, peer: &str, outcome: Outcome) -> Check {
        Check {
            peer: peer.into(),
            peer_id: peer.into(),
            cid: cid.into(),
            name: "n".into(),
            outcome,
            blocks: 1,
            detail: String::new(),
        }
    }

    #[test]
    fn a_finding_stands_until_an_audit_finds_the_copy_ok() {
        let a = "QmUNLLsPACCz1vLxQVkXqqLX5R1X345qqfHbsf67hvA3Nn";
        let mut f = Findings::default();
        assert!(f.apply(
            &[
                check(a, "p1", Outcome::Corrupt),
                check(a, "p2", Outcome::Ok)
            ],
            "t1"
        ));
        assert!(f.damaged(a, "p1") && !f.damaged(a, "p2"));
        // Another audit of other peers leaves it standing.
        assert!(!f.apply(&[check(a, "p2", Outcome::Ok)], "t2"));
        assert!(f.damaged(a, "p1"));
        // Unreachable is kept, but is no damage.
        f.apply(&[check(a, "p3", Outcome::Unreachable)], "t3");
        assert!(!f.damaged(a, "p3") && f.len() == 2);
        // Found ok: cleared.
        assert!(f.apply(
            &[check(a, "p1", Outcome::Ok), check(a, "p3", Outcome::Ok)],
            "t4"
        ));
        assert!(f.is_empty());
        let text = {
            let mut g = Findings::default();
            g.apply(&[check(a, "p1", Outcome::Missing)], "t5");
            g.lines()
        };
        let back = Findings::parse(&format!("{text}garbage\n"), "f");
        assert!(back.damaged(a, "p1"));
        assert_eq!(back.warnings.len(), 1);
    }
}
