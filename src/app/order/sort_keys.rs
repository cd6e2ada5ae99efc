//! Every row's order under a sort key: the key becomes a code that fits
//! beside the row's number in one `u64` (see `radix`), and the rare rows
//! whose codes tie are settled by the next stretch of their text.
//!
//! A text's code packs as many of its bytes as fit, each as its rank in the
//! alphabet the texts actually use (after the prefix they all share), with 0
//! for "ended": ten digits and a dash take four bits a byte instead of
//! eight, so `item-0001234` is whole in one code. Names with long shared
//! paths (`hrdag/scans/1987/box-0123/…`) tie for a few codes in a row; each
//! tie is recoded further on and sorted again, never compared byte by byte.

use std::ops::Range;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::Arc;

use super::radix::{sort_packed, sort_with};
use super::{cmp_folded, par_ranges, par_rows, SortKey};
use crate::pinset::{Order, Pinset, Row};

/// Every row's index, ascending by `key` (not `Status`, which moves with
/// every poll), equal keys in listing order; names that are equal go by
/// their org.
pub(super) fn sorted(rows: &Pinset, key: SortKey) -> Order {
    let n = rows.len();
    if n == 0 {
        return Order::default();
    }
    let low = (64 - (n as u64 - 1).leading_zeros()).max(1);
    let threads = std::thread::available_parallelism().map_or(1, |c| c.get());
    let packed = match key {
        SortKey::Created | SortKey::Size => by_number(rows, key, low, threads),
        SortKey::Cid | SortKey::Name => by_text(rows, key, low, threads),
        SortKey::Status => return Arc::new((0..n as u32).collect()),
    };
    let mask = (1u64 << low) - 1;
    // Collected in place: the packed numbers' memory becomes the order's.
    Arc::new(packed.into_iter().map(|x| (x & mask) as u32).collect())
}

fn by_number(rows: &Pinset, key: SortKey, low: u32, threads: usize) -> Vec<u64> {
    let size = |s: Option<u64>| s.map_or(0, |s| s.saturating_add(1));
    let date = |d: i64| (d as u64) ^ (1 << 63);
    let value = |r: &Row<'_>| match key {
        SortKey::Created => date(r.created()),
        _ => size(r.size()),
    };
    let spans = rows.spans();
    let (lo, hi) = match key {
        SortKey::Created => (date(spans.created.0), date(spans.created.1)),
        _ => (size(spans.size.0), size(spans.size.1)),
    };
    // Every row is within the spans; clamped all the same, as a row
    // outside them would wrap around.
    let value = |r: &Row<'_>| value(r).clamp(lo, hi.max(lo));
    // An archive's dates or sizes span a narrow range: as offsets from the
    // least they fit the code whole. Wider ones keep their top bits, and
    // rows whose top bits tie are put in order by their whole value.
    let span = 64 - hi.saturating_sub(lo).leading_zeros();
    let shift = span.saturating_sub(64 - low);
    let mut v = par_rows(rows, |i, r| (((value(&r) - lo) >> shift) << low) | i as u64);
    sort_packed(&mut v, low, threads);
    if shift > 0 {
        for run in runs(&v, low) {
            v[run].sort_unstable_by_key(|x| {
                let i = (x & ((1 << low) - 1)) as usize;
                (rows.get(i).map_or(0, |r| value(&r)), *x)
            });
        }
    }
    v
}

/// Places in a sorted packed slice where the codes tie.
fn runs(v: &[u64], low: u32) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut a = 0;
    while a < v.len() {
        let c = v[a] >> low;
        let mut b = a + 1;
        while b < v.len() && v[b] >> low == c {
            b += 1;
        }
        if b - a > 1 {
            out.push(a..b);
        }
        a = b;
    }
    out
}

fn text<'a>(key: SortKey, r: &Row<'a>) -> &'a [u8] {
    match key {
        SortKey::Cid => r.cid().as_bytes(),
        _ => r.name().as_bytes(),
    }
}

/// How a text becomes codes: the bytes every text shares are skipped, then
/// each byte is its rank among the bytes the texts use (1 up; 0 once the
/// text ended), `per` of them to a code in base `base`.
struct TextCode {
    key: SortKey,
    /// The shared prefix, folded for names.
    prefix: Vec<u8>,
    /// Each byte's digit, its rank folded in for names (0: unforeseen).
    digit: [u16; 256],
    base: u64,
    per: usize,
    /// `base` to the power of 0 to `per`.
    pow: Vec<u64>,
    fold: bool,
}

/// A text held a byte (or lacked the prefix) that the codes were not made
/// for: they came from a sample, and must be made again from every row.
#[derive(Debug)]
struct Unforeseen;

impl TextCode {
    /// From a sample of the rows when there are many, else from every
    /// row; `code` finds out if a row does not fit.
    fn of(rows: &Pinset, key: SortKey, low: u32, from_sample: bool) -> TextCode {
        let fold = key == SortKey::Name;
        let f = |b: u8| if fold { b.to_ascii_lowercase() } else { b };
        let n = rows.len();
        let first: Vec<u8> = rows
            .get(0)
            .map_or(&[][..], |r| text(key, &r))
            .iter()
            .map(|b| f(*b))
            .collect();
        let shared = |n: usize, t: &[u8]| {
            first[..n]
                .iter()
                .zip(t)
                .take_while(|(a, b)| **a == f(**b))
                .count()
        };
        let union = |all: [bool; 256], part: [bool; 256]| std::array::from_fn(|b| all[b] | part[b]);
        let (skip, used) = match sample(n).filter(|_| from_sample) {
            Some(picked) => {
                // One pass: each text's bytes past what it shares with the
                // first; where it shares more than every text does, its
                // bytes are the first's.
                let (mut skip, mut most, mut used) = (first.len(), 0, [false; 256]);
                for t in picked.filter_map(|i| rows.get(i)).map(|r| text(key, &r)) {
                    let s = shared(first.len(), t);
                    (skip, most) = (skip.min(s), most.max(s));
                    for b in &t[s..] {
                        used[usize::from(f(*b))] = true;
                    }
                }
                for b in first.get(skip..most).unwrap_or_default() {
                    used[usize::from(*b)] = true;
                }
                (skip, used)
            }
            None => {
                // Every row, in one pass: the bytes of the shared prefix
                // count as used too, which costs at most a few values of
                // the base.
                let parts = par_ranges(n, |range| {
                    let mut used = [false; 256];
                    let mut n = first.len();
                    for r in range.filter_map(|i| rows.get(i)) {
                        let t = text(key, &r);
                        n = shared(n, t);
                        for b in t {
                            used[usize::from(f(*b))] = true;
                        }
                    }
                    (n, used)
                });
                let skip = parts.iter().map(|p| p.0).min().unwrap_or(0);
                (
                    skip,
                    parts.into_iter().map(|p| p.1).fold([false; 256], union),
                )
            }
        };
        // Folded bytes in byte order are the order `cmp_folded` compares in.
        let mut rank = [0u16; 256];
        let mut next = 0u16;
        for (b, u) in used.iter().enumerate() {
            if *u {
                next += 1;
                rank[b] = next;
            }
        }
        let base = u64::from(next) + 1;
        // As many bytes as fit the code: base^per ≤ 2^(64 - low).
        let room = 1u128 << (64 - low);
        let (mut per, mut span) = (0, 1u128);
        while per < 64 && base > 1 && span * u128::from(base) <= room {
            span *= u128::from(base);
            per += 1;
        }
        let per = per.max(1);
        let digit = std::array::from_fn(|b| rank[usize::from(f(b as u8))]);
        let pow = (0..=per as u32).map(|k| base.saturating_pow(k)).collect();
        TextCode {
            key,
            prefix: first[..skip].to_vec(),
            digit,
            base,
            per,
            pow,
            fold,
        }
    }

    fn skip(&self) -> usize {
        self.prefix.len()
    }

    /// The code of a row's text from `depth` (the first code checks the
    /// prefix too).
    fn code(&self, r: &Row<'_>, depth: usize) -> Result<u64, Unforeseen> {
        let t = text(self.key, r);
        if depth == self.skip() {
            let fold = |b: u8| if self.fold { b.to_ascii_lowercase() } else { b };
            let head = t.get(..depth).ok_or(Unforeseen)?;
            if head.iter().zip(&self.prefix).any(|(a, b)| fold(*a) != *b) {
                return Err(Unforeseen);
            }
        }
        let w = t.get(depth..).unwrap_or_default();
        let w = &w[..w.len().min(self.per)];
        // Two halves in two chains of multiplications: the code of a short
        // text is a few cycles, and ten million of them are most of a sort.
        let (a, b) = w.split_at(w.len() / 2);
        let (mut x, mut y, mut unforeseen) = (0u64, 0u64, false);
        for d in a.iter().map(|b| self.digit[usize::from(*b)]) {
            unforeseen |= d == 0;
            x = x * self.base + u64::from(d);
        }
        for d in b.iter().map(|b| self.digit[usize::from(*b)]) {
            unforeseen |= d == 0;
            y = y * self.base + u64::from(d);
        }
        if unforeseen {
            return Err(Unforeseen);
        }
        // Bytes past the text's end are 0s: the shorter text first.
        Ok((x * self.pow[b.len()] + y) * self.pow[self.per - w.len()])
    }
}

/// Rows in a sample come in runs: a row read alone costs a miss in the
/// cache and in the TLB, a run of them little more than one.
const RUN: usize = 64;
/// Runs in a sample: 65,536 rows.
const RUNS: usize = 1024;

/// The rows a sample of a big table is made of (`None`: few enough rows to
/// learn from every one): a run from each of `RUNS` stretches, at a place
/// that varies from stretch to stretch, as a listing's rows can repeat with
/// a period (orgs taking turns) that a fixed stride would see one part of.
pub(super) fn sample(n: usize) -> Option<impl Iterator<Item = usize>> {
    let stretch = n / RUNS;
    (stretch >= 2 * RUN).then(|| {
        (0..RUNS).flat_map(move |k| {
            let jitter = (k as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 40;
            let at = k * stretch + jitter as usize % (stretch - RUN + 1);
            at..at + RUN
        })
    })
}

fn by_text(rows: &Pinset, key: SortKey, low: u32, threads: usize) -> Vec<u64> {
    // The codes come from a sample of the rows, which nearly always holds
    // every byte the texts use; when one does not, from every row.
    let sampled = TextCode::of(rows, key, low, true);
    match coded_and_sorted(rows, &sampled, low, threads) {
        Ok(v) => v,
        Err(Unforeseen) => {
            // Codes learnt from every row fit every row; were they not to,
            // the listing order is shown rather than no rows at all.
            let every = TextCode::of(rows, key, low, false);
            coded_and_sorted(rows, &every, low, threads)
                .unwrap_or_else(|_| (0..rows.len() as u64).collect())
        }
    }
}

fn coded_and_sorted(
    rows: &Pinset,
    tc: &TextCode,
    low: u32,
    threads: usize,
) -> Result<Vec<u64>, Unforeseen> {
    let missed = AtomicBool::new(false);
    let code = |r: &Row<'_>, depth: usize| {
        tc.code(r, depth).unwrap_or_else(|_| {
            missed.store(true, Relaxed);
            0
        })
    };
    let mut v = par_rows(rows, |i, r| (code(&r, tc.skip()) << low) | i as u64);
    if missed.load(Relaxed) {
        return Err(Unforeseen);
    }
    sort_packed(&mut v, low, threads);
    let mask = (1u64 << low) - 1;
    // Names that are equal go by their org (its rank among the orgs).
    let org_rank = org_ranks(rows, tc.fold);
    let by_org = |v: &mut [u64]| {
        if !org_rank.is_empty() {
            v.sort_by_key(|x| {
                let r = rows.get((x & mask) as usize);
                r.and_then(|r| org_rank.get(r.org_id() as usize).copied())
            });
        }
    };
    // Ties, level by level: the rows of every tie at one level need the
    // same next bytes. When they are many, their next codes are made in one
    // pass through the table in its own order (split across the cores) and
    // then picked up; a few are looked up where they are. The ties of a
    // level are shared between the cores by their length.
    let settle = |v: &mut [u64], parts: Vec<Range<usize>>, recode: Option<(usize, &[u64])>| {
        let mut scratch = Vec::new();
        let mut ties = Vec::new();
        for part in parts {
            if let Some((depth, next)) = recode {
                for x in &mut v[part.clone()] {
                    let i = *x & mask;
                    let c = match next.get(i as usize) {
                        Some(c) => *c,
                        None => rows.get(i as usize).map_or(0, |r| code(&r, depth)),
                    };
                    *x = (c << low) | i;
                }
                scratch.resize(part.len().max(scratch.len()), 0);
                sort_with(&mut v[part.clone()], &mut scratch, low);
            }
            for run in runs(&v[part.clone()], low) {
                let run = part.start + run.start..part.start + run.end;
                if (v[run.start] >> low) % tc.base != 0 {
                    ties.push(run);
                } else {
                    by_org(&mut v[run]);
                }
            }
        }
        ties
    };
    let mut depth = tc.skip();
    let halves = halves(&v, low);
    let mut ties = on_two_cores(&mut v, halves, threads, |v, parts| settle(v, parts, None));
    while !ties.is_empty() {
        depth += tc.per;
        let next = next_codes(rows, &v, &ties, mask, |r| code(r, depth));
        ties = on_two_cores(&mut v, ties, threads, |v, parts| {
            settle(v, parts, Some((depth, &next)))
        });
        if missed.load(Relaxed) {
            return Err(Unforeseen);
        }
    }
    Ok(v)
}

/// Each org's rank among the orgs, names folded as the sort folds them
/// (none when the sort does not fold: ties then stay as they are).
fn org_ranks(rows: &Pinset, fold: bool) -> Vec<u16> {
    if !fold {
        return Vec::new();
    }
    let t = rows.org_table();
    let mut by: Vec<usize> = (0..t.len()).collect();
    by.sort_by(|a, b| cmp_folded(&t[*a], &t[*b]));
    let mut rank = vec![u16::MAX; t.len()];
    for (r, i) in by.into_iter().enumerate() {
        rank[i] = u16::try_from(r).unwrap_or(u16::MAX);
    }
    rank
}

/// `v` cut in two near its middle, never inside a run of equal codes (a
/// tie is settled by one core).
fn halves(v: &[u64], low: u32) -> Vec<Range<usize>> {
    let mut mid = v.len() / 2;
    while mid > 0 && mid < v.len() && v[mid] >> low == v[mid - 1] >> low {
        mid += 1;
    }
    vec![0..mid, mid..v.len()]
}

/// The next codes of the tied rows, by row: for many ties, made in one pass
/// through the table in its own order (split across the cores); for a few,
/// none (each is looked up where it is).
fn next_codes(
    rows: &Pinset,
    v: &[u64],
    ties: &[Range<usize>],
    mask: u64,
    code: impl Fn(&Row<'_>) -> u64 + Sync,
) -> Vec<u64> {
    let tied: usize = ties.iter().map(|r| r.len()).sum();
    if tied >= rows.len() / 2 {
        par_rows(rows, |_, r| code(&r))
    } else if tied >= rows.len() / 32 {
        let mut wanted = vec![false; rows.len()];
        for run in ties {
            for x in &v[run.clone()] {
                wanted[(x & mask) as usize] = true;
            }
        }
        par_rows(rows, |i, r| if wanted[i] { code(&r) } else { 0 })
    } else {
        Vec::new()
    }
}

/// `f` of disjoint ranges of `v`, the ranges split between two cores where
/// their lengths add up to half; what comes back are ranges of `v` too.
fn on_two_cores(
    v: &mut [u64],
    mut ranges: Vec<Range<usize>>,
    threads: usize,
    f: impl Fn(&mut [u64], Vec<Range<usize>>) -> Vec<Range<usize>> + Sync,
) -> Vec<Range<usize>> {
    ranges.retain(|r| !r.is_empty());
    let total: usize = ranges.iter().map(|r| r.len()).sum();
    if threads < 2 || total < 1 << 18 || ranges.len() < 2 {
        return f(v, ranges);
    }
    let (mut k, mut sum) = (0, 0);
    while k + 1 < ranges.len() && sum + ranges[k].len() <= total / 2 {
        sum += ranges[k].len();
        k += 1;
    }
    let k = k.max(1);
    let cut = ranges[k].start;
    let second: Vec<Range<usize>> = ranges
        .split_off(k)
        .into_iter()
        .map(|r| r.start - cut..r.end - cut)
        .collect();
    let (va, vb) = v.split_at_mut(cut);
    let f = &f;
    let (mut a, b) = std::thread::scope(|s| {
        let h = s.spawn(move || f(vb, second));
        let a = f(va, ranges);
        (a, h.join())
    });
    let b = b.unwrap_or_else(|e| std::panic::resume_unwind(e));
    a.extend(b.into_iter().map(|r| r.start + cut..r.end + cut));
    a
}
