//! The `/` filter and the pins pane's sort, as pure functions over rows.

use std::cmp::Ordering;
use std::sync::Arc;

use super::rows::{PeerRow, PinRow, Repl, ReplBook};

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
    /// as typed and lowercased, so matching a million rows allocates nothing.
    Text(String, String),
    Status(StatusClass),
    Org(String),
    Name(String),
    Cid(String),
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
                Some(("cid", v)) => Term::Cid(v.to_string()),
                Some(("peer", v)) if !v.is_empty() => Term::Peer(v.to_string(), Vec::new()),
                _ => Term::Text(word.to_string(), word.to_lowercase()),
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

    pub fn matches(&self, row: &PinRow, repl: Option<&Repl>) -> bool {
        let all = self.terms.iter().all(|t| term_matches(t, row, repl));
        all != self.invert
    }
}

fn term_matches(t: &Term, row: &PinRow, repl: Option<&Repl>) -> bool {
    match t {
        Term::Text(q, lq) => {
            contains_folded(&row.name, lq)
                || contains_folded(&row.org, lq)
                || row.cid.contains(q.as_str())
        }
        Term::Org(o) => contains_folded(&row.org, o),
        Term::Name(n) => contains_folded(&row.name, n),
        Term::Cid(c) => row.cid.contains(c.as_str()),
        Term::Peer(_, ids) => {
            row.allocations.is_empty() || row.allocations.iter().any(|a| ids.contains(a))
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
pub fn row_visible(row: &PinRow, filter: &Filter, book: &ReplBook, only_problems: bool) -> bool {
    if !only_problems && filter.is_empty() {
        return true;
    }
    let rp = book.of(row);
    (!only_problems || rp.is_some_and(|r| r.is_problem()))
        && (filter.is_empty() || filter.matches(row, rp.as_ref()))
}

/// The rows to show, in order (indexes into `rows`), and how many items of
/// the whole pinset are problems (for the header: the same rule as the view).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Indexed {
    pub index: Vec<u32>,
    pub problems: usize,
}

/// Whether `hay` contains `needle` (already lowercased), ignoring case. A
/// million rows are matched per keystroke: ASCII (nearly every name) is
/// compared in place, without a lowercased copy of each row.
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

/// `a` against `b`, ignoring case, without allocating.
pub fn cmp_folded(a: &str, b: &str) -> Ordering {
    a.chars()
        .flat_map(char::to_lowercase)
        .cmp(b.chars().flat_map(char::to_lowercase))
}

pub fn compute_index(
    rows: &[PinRow],
    filter: &Filter,
    sort: Sort,
    book: &ReplBook,
    only_problems: bool,
) -> Indexed {
    let mut problems = 0;
    let mut idx: Vec<u32> = Vec::with_capacity(rows.len());
    for (i, row) in rows.iter().enumerate() {
        let rp = book.of(row);
        let problem = rp.is_some_and(|r| r.is_problem());
        problems += usize::from(problem);
        if (!only_problems || problem) && (filter.is_empty() || filter.matches(row, rp.as_ref())) {
            idx.push(i as u32);
        }
    }
    let rank = |r: &PinRow| book.of(r).map_or(3, |x| x.rank());
    let cmp = |a: &u32, b: &u32| -> Ordering {
        let (ra, rb) = (&rows[*a as usize], &rows[*b as usize]);
        let o = match sort.key {
            SortKey::Cid => ra.cid.cmp(&rb.cid),
            SortKey::Name => {
                cmp_folded(&ra.name, &rb.name).then_with(|| cmp_folded(&ra.org, &rb.org))
            }
            SortKey::Created => ra.created.cmp(&rb.created),
            SortKey::Size => ra.size.cmp(&rb.size),
            SortKey::Status => rank(ra).cmp(&rank(rb)),
        };
        let o = if sort.descending { o.reverse() } else { o };
        o.then_with(|| ra.cid.cmp(&rb.cid))
    };
    idx.sort_unstable_by(cmp);
    Indexed {
        index: idx,
        problems,
    }
}

#[cfg(test)]
mod folded_tests {
    use super::{cmp_folded, contains_folded};
    use std::cmp::Ordering;

    #[test]
    fn case_is_ignored_without_copies() {
        assert!(contains_folded("Oral-History-007.mp3", "history-0"));
        assert!(contains_folded("SCAN", "scan"));
        assert!(!contains_folded("scan", "scans"));
        assert!(contains_folded("anything", ""));
        assert!(contains_folded("Éclair Über", "über"), "beyond ASCII too");
        assert!(!contains_folded("ab", "abc"));
        assert_eq!(cmp_folded("apple", "Banana"), Ordering::Less);
        assert_eq!(cmp_folded("Zeta", "alpha"), Ordering::Greater);
        assert_eq!(cmp_folded("Same", "sAME"), Ordering::Equal);
    }
}
