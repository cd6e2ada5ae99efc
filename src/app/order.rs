//! The order the pins pane shows rows in, at ten million rows: each sort
//! key's order is computed once per pinset (a radix sort on a short key, the
//! rare ties settled by the full comparison) and kept; a filter or the
//! problems view is then one pass over the rows, split across the cores.

use std::cmp::Ordering;
use std::sync::Arc;

use super::filter::{Filter, Sort, SortKey};
use super::pinset::{Pinset, Row};
use super::rows::{Repl, ReplBook};

/// The rows to show, in order (indexes into the pinset), and how many items
/// of the whole pinset are problems (for the header: the same rule as the view).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Indexed {
    pub index: Vec<u32>,
    pub problems: usize,
}

/// Names sort ignoring ASCII case (then by org): a byte rule, so that a
/// radix key of the first bytes agrees with it.
pub fn cmp_folded(a: &str, b: &str) -> Ordering {
    let fold = |s: &str| {
        s.as_bytes()
            .iter()
            .map(u8::to_ascii_lowercase)
            .collect::<Vec<_>>()
    };
    if a.is_ascii() && b.is_ascii() {
        let (x, y) = (a.as_bytes(), b.as_bytes());
        for (p, q) in x.iter().zip(y) {
            match p.to_ascii_lowercase().cmp(&q.to_ascii_lowercase()) {
                Ordering::Equal => {}
                o => return o,
            }
        }
        return x.len().cmp(&y.len());
    }
    fold(a).cmp(&fold(b))
}

/// The full ascending comparison of two rows under `key`; ties go by the
/// rows' place in the listing (the daemon lists by CID).
fn cmp_rows(key: SortKey, a: (u32, Row<'_>), b: (u32, Row<'_>)) -> Ordering {
    let o = match key {
        SortKey::Cid => a.1.cid().cmp(b.1.cid()),
        SortKey::Name => {
            cmp_folded(a.1.name(), b.1.name()).then_with(|| cmp_folded(a.1.org(), b.1.org()))
        }
        SortKey::Created => a.1.created().cmp(&b.1.created()),
        SortKey::Size => a.1.size().cmp(&b.1.size()),
        SortKey::Status => Ordering::Equal,
    };
    o.then(a.0.cmp(&b.0))
}

/// Eight bytes of `s` from `skip` (ASCII case folded for names) as a
/// number that orders as the bytes do.
fn prefix_key(s: &str, skip: usize, fold: bool) -> u64 {
    let mut k = [0u8; 8];
    for (d, b) in k.iter_mut().zip(s.as_bytes().iter().skip(skip)) {
        *d = if fold { b.to_ascii_lowercase() } else { *b };
    }
    u64::from_be_bytes(k)
}

/// How many leading bytes every text shares (CIDs share `bafybei`, names
/// often `scan-`): the radix key starts after them.
fn common_prefix<'a>(mut texts: impl Iterator<Item = &'a str>, fold: bool) -> usize {
    let Some(first) = texts.next() else {
        return 0;
    };
    let first = first.as_bytes();
    let mut n = first.len();
    for t in texts {
        let t = t.as_bytes();
        n = n.min(
            first[..n]
                .iter()
                .zip(t)
                .take_while(|(a, b)| {
                    if fold {
                        a.eq_ignore_ascii_case(b)
                    } else {
                        a == b
                    }
                })
                .count(),
        );
        if n == 0 {
            break;
        }
    }
    n
}

/// `f` of every row (with its index), the rows split across the cores.
fn par_rows<T: Send + Default + Clone>(
    rows: &Pinset,
    f: impl Fn(usize, Row<'_>) -> T + Sync,
) -> Vec<T> {
    let n = rows.len();
    let cores = std::thread::available_parallelism().map_or(1, |c| c.get());
    if n < 200_000 || cores < 2 {
        return rows.iter().enumerate().map(|(i, r)| f(i, r)).collect();
    }
    let per = n.div_ceil(cores);
    let mut out = vec![T::default(); n];
    std::thread::scope(|s| {
        for (c, part) in out.chunks_mut(per).enumerate() {
            let f = &f;
            s.spawn(move || {
                for (j, o) in part.iter_mut().enumerate() {
                    let i = c * per + j;
                    if let Some(r) = rows.get(i) {
                        *o = f(i, r);
                    }
                }
            });
        }
    });
    out
}

/// Runs of equal keys in a sorted order: (start, end, the first element).
type Runs<T> = Vec<(usize, usize, T)>;

/// A stable radix sort by `key` of which only the row numbers (`row`) come
/// out, with the runs of equal keys when `runs` is asked for. The halves are
/// sorted apart and merged, the left first on equal keys: on two cores for
/// big tables; one after the other below that, which holds one half's sort
/// buffer at a time instead of two (memory is what is short there).
fn sort_rows<T: Copy + Send, K: radsort::Key + Ord>(
    mut v: Vec<T>,
    key: fn(&T) -> K,
    row: fn(&T) -> u32,
    runs: bool,
) -> (Vec<u32>, Runs<T>) {
    let cores = std::thread::available_parallelism().map_or(1, |c| c.get());
    let mid = v.len() / 2;
    {
        let (a, b) = v.split_at_mut(mid);
        if a.len() >= 1_000_000 && cores >= 2 {
            std::thread::scope(|s| {
                s.spawn(|| radsort::sort_by_key(a, key));
                radsort::sort_by_key(b, key);
            });
        } else {
            radsort::sort_by_key(a, key);
            radsort::sort_by_key(b, key);
        }
    }
    let (a, b) = v.split_at(mid);
    let mut out = Vec::with_capacity(v.len());
    let mut found: Runs<T> = Vec::new();
    let mut start: Option<(usize, T)> = None;
    let mut emit = |x: &T, out: &mut Vec<u32>| {
        if runs {
            match start {
                Some((_, f)) if key(&f) == key(x) => {}
                _ => {
                    if let Some((s0, f)) = start {
                        if out.len() - s0 > 1 {
                            found.push((s0, out.len(), f));
                        }
                    }
                    start = Some((out.len(), *x));
                }
            }
        }
        out.push(row(x));
    };
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        if key(&b[j]) < key(&a[i]) {
            emit(&b[j], &mut out);
            j += 1;
        } else {
            emit(&a[i], &mut out);
            i += 1;
        }
    }
    for x in a[i..].iter().chain(&b[j..]) {
        emit(x, &mut out);
    }
    if let Some((s0, f)) = start {
        if out.len() - s0 > 1 {
            found.push((s0, out.len(), f));
        }
    }
    (out, found)
}

/// Every row's index, ascending by `key` (not `Status`, which moves with
/// every poll).
fn sorted(rows: &Pinset, key: SortKey) -> Vec<u32> {
    fn text<'a>(key: SortKey, r: &Row<'a>) -> &'a str {
        match key {
            SortKey::Cid => r.cid(),
            _ => r.name(),
        }
    }
    let fold = key == SortKey::Name;
    let exact = matches!(key, SortKey::Created | SortKey::Size);
    let skip = if exact {
        0
    } else {
        common_prefix(rows.iter().map(|r| text(key, &r)), fold)
    };
    let key_of = |r: &Row<'_>| match key {
        SortKey::Created => (r.created() as u64) ^ (1 << 63),
        SortKey::Size => r.size().map_or(0, |s| s.saturating_add(1)),
        _ => prefix_key(text(key, r), skip, fold),
    };
    if exact {
        // Dates and sizes of one archive span a narrow range: as an offset
        // from the least they fit 32 bits beside the row's index, and a
        // radix sort of those 8-byte numbers does half the passes over half
        // the bytes.
        let (lo, hi) = par_rows(rows, |_, r| key_of(&r))
            .iter()
            .fold((u64::MAX, 0), |(lo, hi), k| (lo.min(*k), hi.max(*k)));
        if hi.saturating_sub(lo) <= u64::from(u32::MAX) {
            let packed = par_rows(rows, |i, r| ((key_of(&r) - lo) << 32) | i as u64);
            return sort_rows(packed, |p| (p >> 32) as u32, |p| *p as u32, false).0;
        }
    }
    // Names tie on the org next: its rank rides in the key, so equal short
    // names need no second look.
    let org_rank: Vec<u16> = if fold {
        let t = rows.org_table();
        let mut by: Vec<usize> = (0..t.len()).collect();
        by.sort_by(|a, b| cmp_folded(&t[*a], &t[*b]));
        let mut rank = vec![u16::MAX; t.len()];
        for (r, i) in by.into_iter().enumerate() {
            rank[i] = u16::try_from(r).unwrap_or(u16::MAX);
        }
        rank
    } else {
        Vec::new()
    };
    let keyed = par_rows(rows, |i, r| {
        let org = org_rank.get(r.org_id() as usize).copied().unwrap_or(0);
        (key_of(&r), i as u32, org)
    });
    let (mut out, runs) = if fold {
        sort_rows(keyed, |e| (e.0, e.2), |e| e.1, true)
    } else {
        // Dates and sizes are whole in their key: ties are in listing order.
        sort_rows(keyed, |e| e.0, |e| e.1, !exact)
    };
    // Rows whose eight key bytes (and org) are equal and whose text goes on
    // past them: by the next eight (each row looked up once), then, rarer
    // still, in full. Text that ended within the key is settled.
    for (start, end, first) in runs {
        let org_capped = fold && first.2 == u16::MAX;
        if first.0 & 0xff == 0 && !org_capped {
            continue;
        }
        let mut run: Vec<(u64, u32)> = out[start..end]
            .iter()
            .map(|i| {
                let k = rows
                    .get(*i as usize)
                    .map_or(0, |r| prefix_key(text(key, &r), skip + 8, fold));
                (k, *i)
            })
            .collect();
        run.sort_unstable();
        let mut a = 0;
        while a < run.len() {
            let mut b = a + 1;
            while b < run.len() && run[b].0 == run[a].0 {
                b += 1;
            }
            if b - a > 1 {
                run[a..b].sort_by(
                    |x, y| match (rows.get(x.1 as usize), rows.get(y.1 as usize)) {
                        (Some(p), Some(q)) => cmp_rows(key, (x.1, p), (y.1, q)),
                        _ => x.1.cmp(&y.1),
                    },
                );
            }
            a = b;
        }
        for (o, r) in out[start..end].iter_mut().zip(run) {
            *o = r.1;
        }
    }
    out
}

/// Per row: shown (bit 0), a problem (bit 1), and the status rank (bits 2–3).
fn flags(rows: &Pinset, filter: &Filter, book: &ReplBook, only_problems: bool) -> Vec<u8> {
    // Rows without a status share what their allocation set implies.
    let by_set: Vec<Option<Repl>> = rows.sets().iter().map(|s| book.of_unobserved(s)).collect();
    let observed = !book.observed.is_empty();
    let one = |r: Row<'_>| -> u8 {
        let rp = match observed.then(|| book.observed.get(r.cid())).flatten() {
            Some(x) => Some(*x),
            None => by_set.get(r.set_id() as usize).copied().flatten(),
        };
        let problem = rp.is_some_and(|x| x.is_problem());
        let shown =
            (!only_problems || problem) && (filter.is_empty() || filter.matches(r, rp.as_ref()));
        let rank = rp.map_or(3, |x| x.rank()).min(3) as u8;
        u8::from(shown) | (u8::from(problem) << 1) | (rank << 2)
    };
    par_rows(rows, |_, r| one(r))
}

pub fn compute_index(
    rows: &Pinset,
    filter: &Filter,
    sort: Sort,
    book: &ReplBook,
    only_problems: bool,
) -> Indexed {
    let f = flags(rows, filter, book, only_problems);
    let problems = f.iter().filter(|x| *x & 2 != 0).count();
    let shown = |i: u32| f.get(i as usize).is_some_and(|x| x & 1 != 0);
    let everything = filter.is_empty() && !only_problems;
    let mut index: Vec<u32> = if sort.key == SortKey::Status {
        // Four ranks: a counting sort, listing order within each.
        let mut by_rank: [Vec<u32>; 4] = Default::default();
        for (i, x) in f.iter().enumerate() {
            if x & 1 != 0 {
                by_rank[usize::from(x >> 2)].push(i as u32);
            }
        }
        by_rank.concat()
    } else {
        let order = rows.cached_order(sort.key as u8, || sorted(rows, sort.key));
        if everything {
            order.to_vec()
        } else {
            order.iter().copied().filter(|i| shown(*i)).collect()
        }
    };
    if sort.descending {
        index.reverse();
    }
    Indexed { index, problems }
}

/// The ascending order of every row by `key`, computed at most once per pinset.
pub fn order_of(rows: &Pinset, key: SortKey) -> Arc<[u32]> {
    rows.cached_order(key as u8, || sorted(rows, key))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::rows::PinRow;

    fn row(cid: &str, name: &str, created: i64, size: Option<u64>) -> PinRow {
        PinRow {
            cid: cid.into(),
            name: name.into(),
            org: "".into(),
            size,
            created,
            rmin: -1,
            rmax: -1,
            allocations: Arc::from(Vec::new()),
        }
    }

    #[test]
    fn each_order_agrees_with_the_full_comparison() {
        let mut rows = Vec::new();
        for i in 0..3000u64 {
            let n = (i * 7919) % 3000;
            rows.push(row(
                &format!("bafybeig{:012}", (n * 31) % 997),
                &format!("Scan-{:03}-{}", n % 50, if n % 3 == 0 { "É" } else { "e" }),
                (n % 17) as i64 - 8,
                (n % 5 != 0).then_some(n % 13),
            ));
        }
        // Sizes and dates too far apart for 32 bits take the wide keys.
        rows[7].size = Some(1 << 40);
        rows[8].created = -(1 << 40);
        let t: Pinset = rows.into();
        for key in [SortKey::Cid, SortKey::Name, SortKey::Created, SortKey::Size] {
            let mut want: Vec<u32> = (0..t.len() as u32).collect();
            want.sort_by(|a, b| {
                let (x, y) = (t.get(*a as usize).unwrap(), t.get(*b as usize).unwrap());
                cmp_rows(key, (*a, x), (*b, y))
            });
            assert_eq!(sorted(&t, key), want, "{key:?}");
        }
    }

    #[test]
    fn orders_split_across_cores_agree_with_the_full_comparison() {
        // Past the size where keys and sorts run on every core; names that
        // tie past the key, equal names in different orgs, equal dates.
        let n = 250_000u64;
        let t: Pinset = (0..n)
            .map(|i| {
                let m = (i * 7919) % n;
                let mut r = row(
                    &format!("Qm{:08}{}", m % 1000, m),
                    &format!("scan-batch-{:02}-{}", m % 7, m % 9000),
                    (m % 3000) as i64,
                    Some(m % 5000),
                );
                r.org = ["b", "A", ""][(m % 3) as usize].into();
                r
            })
            .collect();
        for key in [SortKey::Cid, SortKey::Name, SortKey::Created, SortKey::Size] {
            let mut want: Vec<u32> = (0..t.len() as u32).collect();
            want.sort_by(|a, b| {
                let (x, y) = (t.get(*a as usize).unwrap(), t.get(*b as usize).unwrap());
                cmp_rows(key, (*a, x), (*b, y))
            });
            assert!(sorted(&t, key) == want, "{key:?}");
        }
    }

    #[test]
    fn names_fold_ascii_case_only() {
        assert_eq!(cmp_folded("apple", "Banana"), Ordering::Less);
        assert_eq!(cmp_folded("Zeta", "alpha"), Ordering::Greater);
        assert_eq!(cmp_folded("Same", "sAME"), Ordering::Equal);
        assert_eq!(cmp_folded("ab", "abc"), Ordering::Less);
        assert_eq!(cmp_folded("Éclair", "zebra"), Ordering::Greater);
    }
}
