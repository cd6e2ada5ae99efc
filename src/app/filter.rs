//! The `/` filter and the pins pane's sort, as pure functions over rows.

use std::sync::Arc;

use super::rows::{PeerRow, Repl, ReplBook};
use crate::pinset::Row;

/// What `/` typed, parsed: substring terms and `field:value` terms, all of
/// which must match; a leading `!` inverts the whole filter (k9s).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    pub raw: String,
    pub invert: bool,
    pub terms: Vec<Term>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Term {
    /// Name or org (case-insensitive), or CID (exact case). Holds the text
    /// lowercased, and as typed with its searcher built, so matching ten
    /// million rows allocates and prepares nothing.
    Text(Needle, String),
    Status(StatusClass),
    Org(String),
    Name(String),
    Cid(Needle),
    /// Items a peer should hold (allocated to it, or pinned everywhere): the
    /// name as typed, and the peer IDs it names once resolved.
    Peer(String, Vec<Arc<str>>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusClass {
    Error,
    Pinning,
    Pinned,
    Problem,
}

impl Filter {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let mut s = raw.trim();
        let invert = s.starts_with('!');
        if invert {
            s = s[1..].trim_start();
        }
        let mut terms = Vec::new();
        for word in s.split_whitespace() {
            let term = match word.split_once(':') {
                Some(("status", v)) => Term::Status(match v.to_lowercase().as_str() {
                    "error" | "errors" | "pin_error" | "err" => StatusClass::Error,
                    "pinning" | "queued" | "pin_queued" => StatusClass::Pinning,
                    "pinned" | "ok" => StatusClass::Pinned,
                    "problem" | "problems" => StatusClass::Problem,
                    other => {
                        return Err(format!(
                            "unknown status {other:?} (error, pinning, pinned, problem)"
                        ))
                    }
                }),
                Some(("org", v)) => Term::Org(v.to_lowercase()),
                Some(("name", v)) => Term::Name(v.to_lowercase()),
                Some(("cid", v)) => Term::Cid(Needle::new(v)),
                Some(("peer", v)) if !v.is_empty() => Term::Peer(v.to_string(), Vec::new()),
                _ => Term::Text(Needle::new(word), word.to_lowercase()),
            };
            terms.push(term);
        }
        Ok(Self {
            raw: raw.to_string(),
            invert,
            terms,
        })
    }

    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// Whether matching depends on replication (so new statuses re-filter).
    pub fn uses_status(&self) -> bool {
        self.terms.iter().any(|t| matches!(t, Term::Status(_)))
    }

    pub fn has_peer_terms(&self) -> bool {
        self.terms.iter().any(|t| matches!(t, Term::Peer(..)))
    }

    /// Resolves `peer:` terms against the members: a peer's name (any case)
    /// or the start of its ID.
    pub fn resolve_peers(&mut self, peers: &[PeerRow]) -> Result<(), String> {
        for t in &mut self.terms {
            if let Term::Peer(name, ids) = t {
                *ids = peers
                    .iter()
                    .filter(|p| p.answers_to(name))
                    .map(|p| Arc::from(p.id.as_str()))
                    .collect();
                if ids.is_empty() {
                    let known: Vec<&str> = peers
                        .iter()
                        .map(|p| p.name.as_str())
                        .filter(|n| !n.is_empty())
                        .collect();
                    return Err(format!(
                        "no peer named {name:?} (peers: {})",
                        known.join(", ")
                    ));
                }
            }
        }
        Ok(())
    }

    pub fn matches(&self, row: Row<'_>, repl: Option<&Repl>) -> bool {
        let org = |t: &Term| org_matches(t, row.org());
        let all = self
            .terms
            .iter()
            .all(|t| term_matches(t, row, repl, org(t)));
        all != self.invert
    }

    /// This filter for the rows of one table: what each term makes of
    /// each of its orgs is found once (a table has a few orgs and up to
    /// ten million rows).
    pub fn ready<'a>(&'a self, orgs: &[Arc<str>]) -> Ready<'a> {
        let orgs = self
            .terms
            .iter()
            .map(|t| orgs.iter().map(|o| org_matches(t, o)).collect())
            .collect();
        Ready { filter: self, orgs }
    }
}

/// A filter readied for one table (see `Filter::ready`).
pub struct Ready<'a> {
    filter: &'a Filter,
    /// Per term, per org of the table.
    orgs: Vec<Vec<bool>>,
}

impl Ready<'_> {
    pub fn matches(&self, row: Row<'_>, repl: Option<&Repl>) -> bool {
        let all = self.filter.terms.iter().zip(&self.orgs).all(|(t, orgs)| {
            let org = match orgs.get(row.org_id() as usize) {
                Some(hit) => *hit,
                None => org_matches(t, row.org()),
            };
            term_matches(t, row, repl, org)
        });
        all != self.filter.invert
    }
}

/// Whether a term's text is in `org` (for the terms that look at it).
fn org_matches(t: &Term, org: &str) -> bool {
    match t {
        Term::Text(_, lq) | Term::Org(lq) => contains_folded(org, lq),
        _ => false,
    }
}

/// `org` is what `org_matches` says of the row's org.
fn term_matches(t: &Term, row: Row<'_>, repl: Option<&Repl>, org: bool) -> bool {
    match t {
        Term::Text(q, lq) => org || contains_folded(row.name(), lq) || q.is_in(row.cid()),
        Term::Org(_) => org,
        Term::Name(n) => contains_folded(row.name(), n),
        Term::Cid(c) => c.is_in(row.cid()),
        Term::Peer(_, ids) => {
            row.allocations().is_empty() || row.allocations().iter().any(|a| ids.contains(a))
        }
        Term::Status(class) => match (class, repl) {
            (_, None) => *class == StatusClass::Pinned,
            (StatusClass::Error, Some(r)) => r.errors > 0,
            (StatusClass::Pinning, Some(r)) => r.pinning + r.queued > 0,
            (StatusClass::Pinned, Some(r)) => !r.is_problem(),
            (StatusClass::Problem, Some(r)) => r.is_problem(),
        },
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKey {
    /// The pinset's own order (CID).
    Cid,
    Name,
    Created,
    Size,
    Status,
}

impl SortKey {
    pub fn label(self) -> &'static str {
        match self {
            SortKey::Cid => "cid",
            SortKey::Name => "name",
            SortKey::Created => "created",
            SortKey::Size => "size",
            SortKey::Status => "status",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sort {
    pub key: SortKey,
    pub descending: bool,
}

impl Default for Sort {
    fn default() -> Self {
        Sort {
            key: SortKey::Created,
            descending: true,
        }
    }
}

/// Whether a row is shown: the one rule, for a full reindex and for rows
/// appended while the pinset streams in.
pub fn row_visible(row: Row<'_>, filter: &Filter, book: &ReplBook, only_problems: bool) -> bool {
    if !only_problems && filter.is_empty() {
        return true;
    }
    let rp = book.of(row);
    (!only_problems || rp.is_some_and(|r| r.is_problem()))
        && (filter.is_empty() || filter.matches(row, rp.as_ref()))
}

/// Whether `hay` contains `needle` (already lowercased), ignoring case. A
/// million rows are matched per keystroke: ASCII (nearly every name) is
/// compared in place, without a lowercased copy of each row.
/// Text searched for exactly, its searcher built once: `str::contains`
/// builds one for every haystack, and a filter searches ten million CIDs.
#[derive(Clone, Debug)]
pub struct Needle(memchr::memmem::Finder<'static>);

impl Needle {
    pub fn new(s: &str) -> Self {
        Needle(memchr::memmem::Finder::new(s.as_bytes()).into_owned())
    }
    pub fn is_in(&self, hay: &str) -> bool {
        self.0.find(hay.as_bytes()).is_some()
    }
}

impl PartialEq for Needle {
    fn eq(&self, other: &Self) -> bool {
        self.0.needle() == other.0.needle()
    }
}

impl Eq for Needle {}

pub fn contains_folded(hay: &str, needle: &str) -> bool {
    let (h, n) = (hay.as_bytes(), needle.as_bytes());
    if n.is_empty() {
        return true;
    }
    if hay.is_ascii() && needle.is_ascii() {
        if n.len() > h.len() {
            return false;
        }
        let last = h.len() - n.len();
        return memchr::memchr2_iter(n[0], n[0].to_ascii_uppercase(), &h[..=last])
            .any(|i| h[i..i + n.len()].eq_ignore_ascii_case(n));
    }
    hay.to_lowercase().contains(needle)
}

#[cfg(test)]
mod folded_tests {
    use super::contains_folded;

    #[test]
    fn case_is_ignored_without_copies() {
        assert!(contains_folded("Oral-History-007.mp3", "history-0"));
        assert!(contains_folded("SCAN", "scan"));
        assert!(!contains_folded("scan", "scans"));
        assert!(contains_folded("anything", ""));
        assert!(contains_folded("Éclair Über", "über"), "beyond ASCII too");
        assert!(!contains_folded("ab", "abc"));
    }
}
