//! The `/` filter and the pins pane's sort, as pure functions over rows.

use std::cmp::Ordering;
use std::collections::HashMap;

use super::rows::{PinRow, Repl};

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

    pub fn matches(&self, row: &PinRow, repl: Option<&Repl>) -> bool {
        let all = self.terms.iter().all(|t| term_matches(t, row, repl));
        all != self.invert
    }
}

fn term_matches(t: &Term, row: &PinRow, repl: Option<&Repl>) -> bool {
    match t {
        Term::Text(q, lq) => row.key.contains(lq.as_str()) || row.cid.contains(q.as_str()),
        // `key` is name U+001F org, lowercased.
        Term::Org(o) => row
            .key
            .split_once('\u{1f}')
            .is_some_and(|(_, org)| org.contains(o.as_str())),
        Term::Name(n) => row
            .key
            .split_once('\u{1f}')
            .is_some_and(|(name, _)| name.contains(n.as_str())),
        Term::Cid(c) => row.cid.contains(c.as_str()),
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

/// The rows to show, in order: indexes into `rows`.
/// Whether a row is shown: the one rule, for a full reindex and for rows
/// appended while the pinset streams in.
pub fn row_visible(
    row: &PinRow,
    filter: &Filter,
    repl: &HashMap<Box<str>, Repl>,
    only_problems: bool,
) -> bool {
    let rp = repl.get(&row.cid);
    (!only_problems || rp.is_some_and(Repl::is_problem))
        && (filter.is_empty() || filter.matches(row, rp))
}

pub fn compute_index(
    rows: &[PinRow],
    filter: &Filter,
    sort: Sort,
    repl: &HashMap<Box<str>, Repl>,
    only_problems: bool,
) -> Vec<u32> {
    let mut idx: Vec<u32> = (0..rows.len() as u32)
        .filter(|&i| row_visible(&rows[i as usize], filter, repl, only_problems))
        .collect();
    let cmp = |a: &u32, b: &u32| -> Ordering {
        let (ra, rb) = (&rows[*a as usize], &rows[*b as usize]);
        let o = match sort.key {
            SortKey::Cid => ra.cid.cmp(&rb.cid),
            SortKey::Name => ra.key.cmp(&rb.key),
            SortKey::Created => ra.created.cmp(&rb.created),
            SortKey::Size => ra.size.cmp(&rb.size),
            SortKey::Status => {
                let rank = |r: &PinRow| repl.get(&r.cid).map_or(3, Repl::rank);
                rank(ra).cmp(&rank(rb))
            }
        };
        let o = if sort.descending { o.reverse() } else { o };
        o.then_with(|| ra.cid.cmp(&rb.cid))
    };
    idx.sort_unstable_by(cmp);
    idx
}
