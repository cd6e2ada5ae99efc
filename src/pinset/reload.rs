//! A reload of the listing applied to the table in place. Building a second
//! table while the first stays on screen would need twice the memory at
//! every reload; instead each streamed row is found in the table (the
//! daemon lists in the same order each time, so at the cursor or a few rows
//! past it; a hash index of row numbers is built only when that stops
//! working), rows the same as before are only marked, new and changed ones
//! are appended, and at the end the rows the listing no longer has are
//! squeezed out where they lie.

use std::fmt;
use std::hash::BuildHasher;
use std::sync::Arc;

use foldhash::fast::RandomState;
use hashbrown::HashTable;

use super::{Pinset, Row};

/// Where a reload is: what the table held when it began, which of those
/// rows the new listing has, and how the listing's shared orgs and sets map
/// onto the table's.
#[derive(Clone)]
pub struct Reload {
    by_cid: Option<HashTable<u32>>,
    hasher: RandomState,
    /// The next row the listing is expected to have.
    cursor: usize,
    /// Rows (and text) before the reload: rows past these were appended by it.
    rows: usize,
    text: super::text::At,
    seen: Vec<u64>,
    sets: Vec<(Arc<[Arc<str>]>, u32)>,
    orgs: Vec<(Arc<str>, u32)>,
}

impl fmt::Debug for Reload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Reload(of {} rows)", self.rows)
    }
}

/// A row a reload dropped.
pub const GONE: u32 = u32::MAX;

/// What a finished reload did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reloaded {
    /// For each row before the reload, where it is now (`GONE`: dropped);
    /// empty when nothing changed.
    pub moved: Vec<u32>,
    pub changed: bool,
}

/// Rows past the cursor looked at for a row the listing has: the ones the
/// cluster dropped since the last listing.
const WINDOW: usize = 64;

impl Reload {
    /// The row of `cid` before the reload, if the table has one.
    fn locate(&mut self, table: &Pinset, cid: &str) -> Option<u32> {
        let end = (self.cursor + WINDOW).min(self.rows);
        for k in self.cursor..end {
            if table.slots.get(k).is_some_and(|s| table.cid_at(s) == cid) {
                self.cursor = k + 1;
                return Some(k as u32);
            }
        }
        if self.by_cid.is_none() {
            // Not near the cursor: a new item, or the listing does not follow
            // the table (a removal, a daemon listing in another order). Only
            // the whole table can tell, so it is indexed by CID, once: a row
            // taken for new would be dropped and added again, and whatever
            // pointed at it (the selection, the marks' place) lost.
            self.by_cid = Some(self.index(table));
        }
        let h = self.hasher.hash_one(cid);
        let found = self.by_cid.as_ref().and_then(|t| {
            t.find(h, |j| {
                table
                    .slots
                    .get(*j as usize)
                    .is_some_and(|s| table.cid_at(s) == cid)
            })
            .copied()
        });
        if let Some(j) = found {
            self.cursor = j as usize + 1;
        }
        found
    }

    fn index(&self, table: &Pinset) -> HashTable<u32> {
        let hash = |j: &u32| {
            table
                .slots
                .get(*j as usize)
                .map_or(0, |s| self.hasher.hash_one(table.cid_at(s)))
        };
        let mut t = HashTable::with_capacity(self.rows);
        for j in 0..self.rows as u32 {
            t.insert_unique(hash(&j), j, hash);
        }
        t
    }

    fn mark(&mut self, i: usize) {
        if let Some(w) = self.seen.get_mut(i / 64) {
            *w |= 1 << (i % 64);
        }
    }
    fn was_seen(&self, i: usize) -> bool {
        self.seen
            .get(i / 64)
            .is_some_and(|w| w & (1 << (i % 64)) != 0)
    }

    /// The table's number for the listing's set `id`.
    fn set(&mut self, table: &mut Pinset, chunk: &Pinset, id: u32) -> u32 {
        map_shared(&mut self.sets, &chunk.sets, id, |s| table.set_of(s))
    }

    fn org(&mut self, table: &mut Pinset, chunk: &Pinset, id: u32) -> u32 {
        map_shared(&mut self.orgs, &chunk.orgs, id, |o| table.org_id(o))
    }
}

impl Pinset {
    /// Starts applying a new listing to this table.
    pub fn begin_reload(&mut self) -> Reload {
        self.complete_lookups();
        self.reloading_from = Some(self.slots.len());
        Reload {
            by_cid: None,
            hasher: RandomState::default(),
            cursor: 0,
            rows: self.slots.len(),
            text: self.text.end(),
            seen: vec![0; self.slots.len().div_ceil(64)],
            sets: Vec::new(),
            orgs: Vec::new(),
        }
    }

    /// Applies the next rows of the listing (the rows shown, and so their
    /// kept order, do not change until the end).
    pub fn reload_chunk(&mut self, r: &mut Reload, chunk: &Pinset) {
        for new in chunk.iter() {
            let set = r.set(self, chunk, new.slot.set);
            let org = r.org(self, chunk, new.slot.org);
            if let Some(j) = r.locate(self, new.cid()) {
                let same = self
                    .get(j as usize)
                    .is_some_and(|old| same_row(old, new, set, org));
                if same && !r.was_seen(j as usize) {
                    r.mark(j as usize);
                    continue;
                }
            }
            // New, changed (the old row goes, unmarked), or listed twice.
            let s = new.slot;
            self.push_parts(
                new.cid(),
                new.name(),
                org,
                new.size(),
                s.created,
                s.rmin.into(),
                s.rmax.into(),
                set,
            );
        }
    }

    /// Drops the rows the listing no longer has, in place.
    pub fn finish_reload(&mut self, r: Reload) -> Reloaded {
        self.reloading_from = None;
        let changed = self.slots.len() > r.rows || (0..r.rows).any(|i| !r.was_seen(i));
        if !changed {
            // The same rows: the orders kept for them still hold (a big
            // archive that did not change is not sorted again).
            return Reloaded::default();
        }
        self.forget_kept();
        let mut moved = vec![GONE; r.rows];
        // The kept rows' text is copied into new segments; text lies in row
        // order (rows only ever go on at the end), so each old segment is
        // freed once the rows are past it: a segment or two more at most.
        let mut old = std::mem::take(&mut self.text);
        let mut w = 0usize;
        for i in 0..self.slots.len() {
            let Some(&s) = self.slots.get(i) else {
                break;
            };
            old.release_before(s.at);
            if i < r.rows && !r.was_seen(i) {
                continue;
            }
            let cid = old.cid(s.at, s.cid_len());
            let Some(at) = self.text.push(cid, old.name(s.at, s.name_len())) else {
                continue;
            };
            self.slots.set(w, s.moved_to(at));
            if let Some(m) = moved.get_mut(i) {
                *m = w as u32;
            }
            w += 1;
        }
        self.slots.truncate(w);
        Reloaded { moved, changed }
    }

    /// Gives up a reload: the table is as it was before it began.
    pub fn abandon_reload(&mut self, r: Reload) {
        self.reloading_from = None;
        self.slots.truncate(r.rows);
        self.text.truncate(r.text);
    }
}

/// What the listing's shared entry `id` is in the table. A listing's
/// tables only grow (the decoder keeps them across chunks), so each entry is
/// mapped once; `memo` pairs each with the table's number for it.
fn map_shared<T: ?Sized>(
    memo: &mut Vec<(Arc<T>, u32)>,
    theirs: &[Arc<T>],
    id: u32,
    mut mine: impl FnMut(&Arc<T>) -> u32,
) -> u32 {
    let id = id as usize;
    if let Some((a, _)) = memo.get(id) {
        if !theirs.get(id).is_some_and(|b| Arc::ptr_eq(a, b)) {
            // Another decoder's tables: map afresh.
            memo.clear();
        }
    }
    while memo.len() <= id {
        let Some(x) = theirs.get(memo.len()) else {
            return 0;
        };
        let m = mine(x);
        memo.push((x.clone(), m));
    }
    memo[id].1
}

fn same_row(old: Row<'_>, new: Row<'_>, set: u32, org: u32) -> bool {
    let (a, b) = (old.slot, new.slot);
    a.set == set
        && a.org == org
        && a.size == b.size
        && a.created == b.created
        && a.rmin == b.rmin
        && a.rmax == b.rmax
        && old.name() == new.name()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pinset::PinRow;

    fn row(cid: &str, name: &str, peers: &[&str]) -> PinRow {
        PinRow {
            cid: cid.into(),
            name: name.into(),
            org: "o".into(),
            size: Some(1),
            created: 1,
            rmin: -1,
            rmax: -1,
            allocations: peers.iter().map(|p| Arc::from(*p)).collect(),
        }
    }

    fn owned(t: &Pinset) -> Vec<PinRow> {
        t.iter().map(|r| r.to_owned()).collect()
    }

    #[test]
    fn a_reload_keeps_changes_and_drops_what_left() {
        let before = vec![
            row("Qa", "a", &["p"]),
            row("Qb", "b", &["p"]),
            row("Qc", "c", &["p", "q"]),
            row("Qd", "d", &[]),
        ];
        let mut t: Pinset = before.clone().into();
        let mut r = t.begin_reload();
        // b renamed, c gone, e new, a and d as they were; in two chunks.
        let mut listing = Pinset::default();
        for x in [row("Qa", "a", &["p"]), row("Qb", "B", &["p"])] {
            listing.push(&x);
        }
        t.reload_chunk(&mut r, &listing.take_rows());
        for x in [row("Qd", "d", &[]), row("Qe", "e", &["q"])] {
            listing.push(&x);
        }
        t.reload_chunk(&mut r, &listing.take_rows());
        assert_eq!(t.len(), 4, "the old rows are shown until the end");
        assert_eq!(t.slots.len(), 6);
        let done = t.finish_reload(r);
        assert!(done.changed);
        let mut got = owned(&t);
        got.sort_by(|a, b| a.cid.cmp(&b.cid));
        assert_eq!(
            got,
            vec![
                row("Qa", "a", &["p"]),
                row("Qb", "B", &["p"]),
                row("Qd", "d", &[]),
                row("Qe", "e", &["q"])
            ]
        );
        assert_eq!(done.moved, vec![0, GONE, GONE, 1]);
        // The same listing again changes nothing, not even the kept order.
        let same = owned(&t);
        let order = t.cached_order(1, || Arc::new(vec![3, 2, 1, 0]));
        let mut r = t.begin_reload();
        t.reload_chunk(&mut r, &Pinset::from(same.clone()));
        assert_eq!(t.cached_order(1, || panic!("sorted again")), order);
        let done = t.finish_reload(r);
        assert!(!done.changed);
        assert_eq!(owned(&t), same);
        assert_eq!(t.cached_order(1, || panic!("sorted again")), order);
    }

    #[test]
    fn a_listing_in_another_order_or_after_a_big_removal_still_converges() {
        let rows: Vec<PinRow> = (0..500)
            .map(|i| row(&format!("Q{i:04}"), "n", &["p"]))
            .collect();
        // 300 dropped from the middle, the rest reversed, two new ones.
        let mut listing: Vec<PinRow> = rows[..100].to_vec();
        listing.extend(rows[400..].iter().rev().cloned());
        listing.push(row("Qnew1", "n", &["p"]));
        listing.insert(50, row("Qnew2", "n", &["p"]));
        let mut t: Pinset = rows.into();
        let mut r = t.begin_reload();
        for part in listing.chunks(37) {
            t.reload_chunk(&mut r, &Pinset::from(part.to_vec()));
        }
        t.finish_reload(r);
        let mut got = owned(&t);
        got.sort_by(|a, b| a.cid.cmp(&b.cid));
        listing.sort_by(|a, b| a.cid.cmp(&b.cid));
        assert_eq!(got, listing);
    }

    #[test]
    fn an_abandoned_reload_leaves_the_table_as_it_was() {
        let before = vec![row("Qa", "a", &["p"]), row("Qb", "b", &[])];
        let mut t: Pinset = before.clone().into();
        let mut r = t.begin_reload();
        t.reload_chunk(&mut r, &Pinset::from(vec![row("Qz", "z", &["x"])]));
        t.abandon_reload(r);
        assert_eq!(owned(&t), before);
    }
}
