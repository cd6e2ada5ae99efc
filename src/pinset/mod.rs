//! The pinset as the console holds it: one table of fixed-size slots, with
//! every CID and name back to back in one string and the few distinct orgs
//! and allocation sets stored once. Ten million items must fit a small
//! machine: a row costs its 40-byte slot and its text, nothing else.

use std::any::Any;
use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

use foldhash::fast::RandomState;

use crate::sanitize::clean;
pub use pin_row::PinRow;
pub use row::Row;

mod fields;
mod line;
mod pin_row;
mod reload;
mod row;
mod scan;
mod slots;
mod text;
pub use reload::{Reload, Reloaded, GONE};
use slots::Slots;
use text::Text;

/// Peer sets and peers are few; a hostile pinset with a new one on every
/// line still costs only what a row would have cost without sharing.
const MAX_SHARED_PEERS: usize = 10_000;

type Map<K, V> = HashMap<K, V, RandomState>;

/// Rows in an order, by index: shared between the kept order of a sort key
/// and the pins pane showing it, copied only when one of them changes.
pub type Order = Arc<Vec<u32>>;

#[derive(Debug, Clone, Copy)]
struct Slot {
    /// Where its CID and name are in `text`.
    at: text::At,
    /// `u64::MAX`: unknown.
    size: u64,
    created: i64,
    /// Saturated to ±32767: the rows are for showing; what is written to
    /// the cluster is read from it first.
    rmin: i16,
    rmax: i16,
    set: u32,
    org: u32,
    /// The CID's length (high 8 bits) and the name's: 40 bytes a row.
    lens: u32,
}

impl Slot {
    fn cid_len(&self) -> usize {
        (self.lens >> NAME_BITS) as usize
    }
    fn name_len(&self) -> usize {
        (self.lens & MAX_NAME as u32) as usize
    }
    fn moved_to(self, at: text::At) -> Slot {
        Slot { at, ..self }
    }
}

// Ten million rows are 400 MB of slots: a field more is 40 MB more.
const _: () = assert!(std::mem::size_of::<Slot>() == 40);

const NAME_BITS: u32 = 24;

/// The longest CID a row holds: a real one is under a hundred bytes (an
/// inlined block's, the longest kind, under 230).
pub const MAX_CID: usize = u8::MAX as usize;

/// The longest name a row holds (16 MiB); a longer one is cut.
pub const MAX_NAME: usize = (1 << NAME_BITS) - 1;

/// `s` cut to at most `max` bytes, on a character's boundary.
fn cut(s: &str, max: usize) -> &str {
    let mut end = max.min(s.len());
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

fn small(n: i32) -> i16 {
    n.clamp(i16::MIN.into(), i16::MAX.into()) as i16
}

const NO_SIZE: u64 = u64::MAX;

/// The least and greatest date and size of the rows pushed (wider than the
/// rows' own once some have left): a sort by either starts from these,
/// with no pass through the table to find them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Spans {
    pub created: (i64, i64),
    /// Unknown sizes are the least.
    pub size: (Option<u64>, Option<u64>),
}

impl Default for Spans {
    fn default() -> Self {
        Spans {
            created: (i64::MAX, i64::MIN),
            size: (Some(u64::MAX), None),
        }
    }
}

impl Spans {
    fn widen(&mut self, o: &Spans) {
        self.created = (
            self.created.0.min(o.created.0),
            self.created.1.max(o.created.1),
        );
        self.size = (self.size.0.min(o.size.0), self.size.1.max(o.size.1));
    }
}

/// Worked out from every row of a table, kept while its rows stay the same.
#[derive(Default)]
struct Kept {
    /// By a sort key's number.
    order: Option<(u8, Order)>,
    /// A count, with the rows it counted and what it was made from.
    count: Option<(usize, Box<dyn Any + Send>, usize)>,
}

pub struct Pinset {
    slots: Slots,
    text: Text,
    /// Index 0 is the empty org.
    orgs: Vec<Arc<str>>,
    org_ids: Map<Arc<str>, u32>,
    /// Index 0 is the empty set (allocated everywhere).
    sets: Vec<Arc<[Arc<str>]>>,
    /// By the IDs joined with a space: one lookup per decoded line.
    set_ids: Map<Box<str>, u32>,
    peers: Map<Box<str>, Arc<str>>,
    /// Reused by the decoder for the joined IDs of a line.
    scratch: String,
    spans: Spans,
    /// What was last worked out from every row: a table does not change
    /// once loaded, so neither does its order or a count of its rows.
    kept: Mutex<Kept>,
    /// While a reload is applied: the rows shown (those before it began;
    /// the ones it appends are not shown until it ends).
    reloading_from: Option<usize>,
}

impl Clone for Pinset {
    fn clone(&self) -> Self {
        Pinset {
            slots: self.slots.clone(),
            spans: self.spans,
            text: self.text.clone(),
            orgs: self.orgs.clone(),
            org_ids: self.org_ids.clone(),
            sets: self.sets.clone(),
            set_ids: self.set_ids.clone(),
            peers: self.peers.clone(),
            scratch: String::new(),
            kept: Mutex::default(),
            reloading_from: self.reloading_from,
        }
    }
}

impl Default for Pinset {
    fn default() -> Self {
        let mut p = Pinset {
            slots: Slots::default(),
            spans: Spans::default(),
            text: Text::default(),
            orgs: Vec::new(),
            org_ids: Map::default(),
            sets: Vec::new(),
            set_ids: Map::default(),
            peers: Map::default(),
            scratch: String::new(),
            kept: Mutex::default(),
            reloading_from: None,
        };
        p.org_id("");
        p.sets.push(Arc::from(Vec::new()));
        p.set_ids.insert("".into(), 0);
        p
    }
}

impl fmt::Debug for Pinset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Pinset({} rows, {} text bytes, {} orgs, {} peer sets)",
            self.slots.len(),
            self.text.bytes(),
            self.orgs.len(),
            self.sets.len()
        )
    }
}

impl PartialEq for Pinset {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().zip(other.iter()).all(|(a, b)| a == b)
    }
}

impl Eq for Pinset {}

impl Pinset {
    /// The rows shown: during a reload, those from before it.
    pub fn len(&self) -> usize {
        self.reloading_from.unwrap_or(self.slots.len())
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    pub fn get(&self, i: usize) -> Option<Row<'_>> {
        (i < self.len())
            .then(|| self.slots.get(i))
            .flatten()
            .map(|slot| Row { set: self, slot })
    }
    pub fn iter(&self) -> impl ExactSizeIterator<Item = Row<'_>> + Clone + '_ {
        self.slots
            .iter(self.len())
            .map(|slot| Row { set: self, slot })
    }
    /// The distinct orgs items carry (the empty one left out).
    pub fn orgs(&self) -> impl Iterator<Item = &str> + '_ {
        self.orgs.iter().skip(1).map(|o| &**o)
    }
    /// Every org by the number rows refer to it with (0: none).
    pub fn org_table(&self) -> &[Arc<str>] {
        &self.orgs
    }
    /// The distinct allocation sets, by the ID rows refer to them with.
    pub fn sets(&self) -> &[Arc<[Arc<str>]>] {
        &self.sets
    }
    /// The order numbered `key`, computed by `f` unless it was the last one.
    pub fn cached_order(&self, key: u8, f: impl FnOnce() -> Order) -> Order {
        let mut kept = self.kept.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((k, o)) = &kept.order {
            if *k == key && o.len() == self.len() {
                return o.clone();
            }
        }
        // Dropped before the new one is made: two orders of ten million
        // rows are memory a small machine does not have.
        kept.order = None;
        drop(kept);
        let o = f();
        let mut kept = self.kept.lock().unwrap_or_else(PoisonError::into_inner);
        kept.order = Some((key, o.clone()));
        o
    }

    /// The count kept by `keep_count`, if `same` says it was made from
    /// what it would be made from now.
    pub fn kept_count<K: 'static>(&self, same: impl FnOnce(&K) -> bool) -> Option<usize> {
        let kept = self.kept.lock().unwrap_or_else(PoisonError::into_inner);
        let (rows, from, n) = kept.count.as_ref()?;
        let from = from.downcast_ref::<K>()?;
        (*rows == self.len() && same(from)).then_some(*n)
    }

    /// Keeps a count over every row with what it was made from: the
    /// header's problems are the same under every sort, and a new sort
    /// need not count them again.
    pub fn keep_count<K: Send + 'static>(&self, from: K, n: usize) {
        let mut kept = self.kept.lock().unwrap_or_else(PoisonError::into_inner);
        kept.count = Some((self.len(), Box::new(from), n));
    }

    fn forget_kept(&mut self) {
        *self.kept.get_mut().unwrap_or_else(PoisonError::into_inner) = Kept::default();
    }

    pub fn spans(&self) -> Spans {
        self.spans
    }

    pub fn clear(&mut self) {
        *self = Pinset::default();
    }

    /// A row's text pushed onto `to`.
    fn copy_text(&self, s: &Slot, to: &mut Text) -> Option<text::At> {
        let cid = self.text.cid(s.at, s.cid_len());
        to.push(cid, self.text.name(s.at, s.name_len()))
    }

    fn cid_at(&self, s: &Slot) -> &str {
        self.text.cid(s.at, s.cid_len())
    }

    /// The first row whose CID is `cid` (a scan: for what is not on screen).
    pub fn find(&self, cid: &str) -> Option<Row<'_>> {
        self.iter().find(|r| r.cid() == cid)
    }

    fn org_id(&mut self, org: &str) -> u32 {
        if let Some(i) = self.org_ids.get(org) {
            return *i;
        }
        let a: Arc<str> = Arc::from(org);
        let i = self.orgs.len() as u32;
        self.orgs.push(a.clone());
        self.org_ids.insert(a, i);
        i
    }

    fn peer(&mut self, id: &str) -> Arc<str> {
        if let Some(a) = self.peers.get(id) {
            return a.clone();
        }
        let a: Arc<str> = Arc::from(id);
        if self.peers.len() < MAX_SHARED_PEERS {
            self.peers.insert(id.into(), a.clone());
        }
        a
    }

    /// The set whose IDs, each followed by a space, are `key`.
    fn set_id(&mut self, key: &str) -> u32 {
        if let Some(i) = self.set_ids.get(key) {
            return *i;
        }
        let ids: Vec<Arc<str>> = key.split_terminator(' ').map(|p| self.peer(p)).collect();
        let i = self.sets.len() as u32;
        self.sets.push(Arc::from(ids));
        self.set_ids.insert(key.into(), i);
        i
    }

    fn set_of(&mut self, peers: &[Arc<str>]) -> u32 {
        let mut key = std::mem::take(&mut self.scratch);
        set_key(peers, &mut key);
        let i = self.set_id(&key);
        self.scratch = key;
        i
    }

    #[allow(clippy::too_many_arguments)]
    fn push_parts(
        &mut self,
        cid: &str,
        name: &str,
        org: u32,
        size: Option<u64>,
        created: i64,
        rmin: i32,
        rmax: i32,
        set: u32,
    ) {
        if cid.len() > MAX_CID {
            return;
        }
        let name = cut(name, MAX_NAME);
        let Some(at) = self.text.push(cid, name) else {
            return;
        };
        self.spans.widen(&Spans {
            created: (created, created),
            size: (size, size),
        });
        self.slots.push(Slot {
            at,
            size: size.unwrap_or(NO_SIZE),
            created,
            rmin: small(rmin),
            rmax: small(rmax),
            set,
            org,
            lens: ((cid.len() as u32) << NAME_BITS) | name.len() as u32,
        });
    }

    pub fn push(&mut self, r: &PinRow) {
        self.complete_lookups();
        let set = self.set_of(&r.allocations);
        let org = self.org_id(&r.org);
        self.push_parts(&r.cid, &r.name, org, r.size, r.created, r.rmin, r.rmax, set);
    }

    /// The rows decoded so far, as a table of their own; this one keeps its
    /// shared orgs and sets (and the lookups that find them) for the next
    /// lines, so a chunk of a listing appended after the previous one needs
    /// no remapping.
    pub fn take_rows(&mut self) -> Pinset {
        Pinset {
            slots: std::mem::take(&mut self.slots),
            spans: std::mem::take(&mut self.spans),
            text: std::mem::take(&mut self.text),
            orgs: self.orgs.clone(),
            sets: self.sets.clone(),
            ..Pinset::default()
        }
    }

    /// Whether `other`'s shared tables start with this one's (it was taken
    /// from the decoder that also made this table's rows).
    fn continues(&self, other: &Pinset) -> bool {
        fn prefix<T: ?Sized>(a: &[Arc<T>], b: &[Arc<T>]) -> bool {
            a.last()
                .zip(b.get(a.len().wrapping_sub(1)))
                .is_some_and(|(x, y)| Arc::ptr_eq(x, y))
        }
        prefix(&self.sets, &other.sets) && prefix(&self.orgs, &other.orgs)
    }

    /// A table built from chunks got its orgs and sets without the lookups
    /// that find them: rebuilt before anything is found by content.
    fn complete_lookups(&mut self) {
        if self.org_ids.len() < self.orgs.len() {
            self.org_ids = (0..).zip(&self.orgs).map(|(i, o)| (o.clone(), i)).collect();
        }
        if self.set_ids.len() < self.sets.len() {
            let mut ids = Map::default();
            for (i, set) in (0..).zip(&self.sets) {
                let mut key = String::new();
                set_key(set, &mut key);
                ids.entry(key.into_boxed_str()).or_insert(i);
            }
            self.set_ids = ids;
        }
    }

    /// Moves every row of `other` to the end of this table.
    pub fn append(&mut self, mut other: Pinset) {
        if other.is_empty() {
            return;
        }
        if self.is_empty() && self.sets.len() <= 1 && self.orgs.len() <= 1 {
            // The first chunk: its tables become this one's.
            std::mem::swap(self, &mut other);
            self.append(other);
            return;
        }
        self.spans.widen(&other.spans);
        if self.continues(&other) {
            self.orgs.extend(other.orgs.drain(self.orgs.len()..));
            self.sets.extend(other.sets.drain(self.sets.len()..));
            for s in other.slots.iter(usize::MAX) {
                if let Some(at) = other.copy_text(s, &mut self.text) {
                    self.slots.push(s.moved_to(at));
                }
            }
            self.forget_kept();
            return;
        }
        self.complete_lookups();
        let orgs: Vec<u32> = other.orgs.iter().map(|o| self.org_id(o)).collect();
        let sets: Vec<u32> = other.sets.iter().map(|s| self.set_of(s)).collect();
        for s in other.slots.iter(usize::MAX) {
            if let Some(at) = other.copy_text(s, &mut self.text) {
                self.slots.push(Slot {
                    org: orgs[s.org as usize],
                    set: sets[s.set as usize],
                    ..s.moved_to(at)
                });
            }
        }
    }

    /// Decodes one `/allocations` line straight into a new row: only the
    /// fields the console shows are kept, and nothing is allocated per line
    /// but the row's own text.
    pub fn push_json_line(&mut self, line: &[u8]) -> Result<(), String> {
        let mut key = std::mem::take(&mut self.scratch);
        let res = line::decode(line, &mut key).and_then(|f| {
            if f.cid.len() > MAX_CID {
                return Err(format!("a CID longer than {MAX_CID} bytes"));
            }
            let set = self.set_id(&key);
            let org = self.org_id(&clean(&f.org));
            let size = f.size.and_then(|s| s.trim().parse().ok());
            let (name, created, rmin, rmax) = (clean(&f.name), f.created, f.rmin, f.rmax);
            self.push_parts(&f.cid, &name, org, size, created, rmin, rmax, set);
            Ok(())
        });
        self.scratch = key;
        res
    }
}

/// The lookup key of a set of peers: each ID followed by a space (the
/// decoder builds the same from a line's list).
fn set_key(peers: &[Arc<str>], key: &mut String) {
    key.clear();
    for p in peers {
        key.push_str(p);
        key.push(' ');
    }
}

impl FromIterator<PinRow> for Pinset {
    fn from_iter<I: IntoIterator<Item = PinRow>>(iter: I) -> Self {
        let mut p = Pinset::default();
        for r in iter {
            p.push(&r);
        }
        p
    }
}

impl From<Vec<PinRow>> for Pinset {
    fn from(rows: Vec<PinRow>) -> Self {
        rows.into_iter().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(cid: &str, name: &str, org: &str, peers: &[&str]) -> PinRow {
        PinRow {
            cid: cid.into(),
            name: name.into(),
            org: org.into(),
            size: Some(7),
            created: 5,
            rmin: 1,
            rmax: 2,
            allocations: peers.iter().map(|p| Arc::from(*p)).collect(),
        }
    }

    #[test]
    fn rows_come_back_as_they_went_in_and_share_their_sets() {
        let a = row("Qma", "one", "hrdag", &["p1", "p2"]);
        let b = row("Qmb", "", "", &[]);
        let c = row("Qmc", "three", "hrdag", &["p1", "p2"]);
        let mut t: Pinset = vec![a.clone(), b.clone()].into();
        t.append(vec![c.clone()].into());
        let back: Vec<PinRow> = t.iter().map(|r| r.to_owned()).collect();
        assert_eq!(back, vec![a, b, c]);
        assert_eq!(t.sets().len(), 2, "the empty set and one shared");
        assert_eq!(t.orgs().collect::<Vec<_>>(), vec!["hrdag"]);
        assert_eq!(t.get(2).map(|r| r.set_id()), t.get(0).map(|r| r.set_id()));
        assert_eq!(t.find("Qmb").map(|r| r.name()), Some(""));
        assert_eq!(std::mem::size_of::<Slot>(), 40);
    }

    #[test]
    fn chunks_of_one_listing_append_without_remapping() {
        let line = |i: usize, peers: &str| {
            format!(
                r#"{{"cid":"Qm{i}","name":"n{i}","metadata":{{"org":"o{}"}},"allocations":[{peers}]}}"#,
                i % 2
            )
        };
        let mut decoder = Pinset::default();
        let mut table = Pinset::default();
        let mut expect = Vec::new();
        for (i, peers) in [r#""a","b""#, r#""b""#, r#""a","b""#, "", r#""c""#]
            .iter()
            .enumerate()
        {
            decoder.push_json_line(line(i, peers).as_bytes()).unwrap();
            expect.push(decoder.get(decoder.len() - 1).unwrap().to_owned());
            if i % 2 == 0 {
                table.append(decoder.take_rows());
            }
        }
        table.append(decoder.take_rows());
        let got: Vec<PinRow> = table.iter().map(|r| r.to_owned()).collect();
        assert_eq!(got, expect);
        assert_eq!(table.sets().len(), 4, "empty, a b, b, c: each once");
        assert_eq!(table.orgs().count(), 2);
        // A table from elsewhere is remapped by content.
        table.append(vec![expect[1].clone()].into());
        assert_eq!(table.sets().len(), 4);
        assert_eq!(table.get(5).unwrap().to_owned(), expect[1]);
    }

    #[test]
    fn a_line_decodes_to_the_fields_shown() {
        let mut t = Pinset::default();
        t.push_json_line(br#"{"cid":"Qm1","name":"a\u003cb\u001b[31m","metadata":{"org":"x","size":" 12 ","other":{"deep":[1]}},"allocations":["p1","p2"],"timestamp":"1970-01-01T00:01:00Z","origins":[],"replication_factor_min":-1,"replication_factor_max":-1}"#).unwrap();
        t.push_json_line(br#"{"cid":"Qm2","metadata":null,"allocations":null,"name":null}"#)
            .unwrap();
        let r = t.get(0).unwrap();
        assert_eq!((r.cid(), r.name(), r.org()), ("Qm1", "a<b", "x"));
        assert_eq!(
            (r.size(), r.created(), r.rmin(), r.rmax()),
            (Some(12), 60, -1, -1)
        );
        assert_eq!(r.allocations().len(), 2);
        let r = t.get(1).unwrap();
        assert_eq!((r.name(), r.org(), r.size()), ("", "", None));
        assert!(r.allocations().is_empty());
        for bad in [
            &br#"{"name":"no cid"}"#[..],
            br#"{"cid":1}"#,
            br#"{"cid":"Qm","allocations":["a b"]}"#,
            br#"{"cid":"Qm"} trailing"#,
            b"[]",
        ] {
            assert!(
                t.push_json_line(bad).is_err(),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
        assert_eq!(t.len(), 2, "a bad line adds nothing");
        let long = format!(r#"{{"cid":"{}"}}"#, "b".repeat(MAX_CID + 1));
        let err = t.push_json_line(long.as_bytes()).unwrap_err();
        assert!(err.contains("longer than 255 bytes"), "{err}");
        let cid = "b".repeat(MAX_CID);
        let name = format!("xy{}", "é".repeat(MAX_NAME / 2));
        let line = format!(r#"{{"cid":"{cid}","name":"{name}"}}"#);
        t.push_json_line(line.as_bytes()).unwrap();
        let r = t.get(2).unwrap();
        assert_eq!(r.cid(), cid, "the longest CID kept whole");
        assert_eq!(
            r.name().len(),
            MAX_NAME - 1,
            "a name too long is cut where a character ends"
        );
        assert!(name.starts_with(r.name()));
    }
}
