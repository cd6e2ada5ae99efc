//! The order the pins pane shows rows in, at ten million rows: each sort
//! key's order is computed once per pinset (a radix sort on a short key, the
//! rare ties settled by the full comparison) and kept; a filter or the
//! problems view is then one pass over the rows, split across the cores.

mod radix;
mod sort_keys;

use std::cmp::Ordering;
use std::ops::Range;
use std::sync::Arc;

use sort_keys::sorted;

use super::filter::{Filter, Sort, SortKey};
use super::rows::{Observed, Repl, ReplBook};
use crate::pinset::{Order, Pinset, Row};

/// The rows to show, in order (indexes into the pinset), and how many items
/// of the whole pinset are problems (for the header: the same rule as the view).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Indexed {
    pub index: Order,
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

/// Row indexes put in order by the full comparison: for a few rows, where
/// no order of every row is worth making.
fn sort_by_rows(rows: &Pinset, key: SortKey, index: &mut [u32]) {
    index.sort_by(
        |a, b| match (rows.get(*a as usize), rows.get(*b as usize)) {
            (Some(x), Some(y)) => cmp_rows(key, (*a, x), (*b, y)),
            _ => a.cmp(b),
        },
    );
}

/// `f` of each part of `0..n`, the parts split across the cores.
fn par_ranges<T: Send>(n: usize, f: impl Fn(Range<usize>) -> T + Sync) -> Vec<T> {
    let cores = std::thread::available_parallelism().map_or(1, |c| c.get());
    if n < 200_000 || cores < 2 {
        return vec![f(0..n)];
    }
    let per = n.div_ceil(cores);
    std::thread::scope(|s| {
        let f = &f;
        let parts: Vec<_> = (0..n)
            .step_by(per)
            .map(|a| s.spawn(move || f(a..(a + per).min(n))))
            .collect();
        parts
            .into_iter()
            .zip((0..n).step_by(per))
            .map(|(h, a)| h.join().unwrap_or_else(|_| f(a..(a + per).min(n))))
            .collect()
    })
}

/// `f` of every row (with its index), the rows split across the cores.
fn par_rows<T: Send + Default + Clone>(
    rows: &Pinset,
    f: impl Fn(usize, Row<'_>) -> T + Sync,
) -> Vec<T> {
    par_fill(rows.len(), |i| {
        rows.get(i).map(|r| f(i, r)).unwrap_or_default()
    })
}

/// `f` of every index in `0..n`, split across the cores.
fn par_fill<T: Send + Default + Clone>(n: usize, f: impl Fn(usize) -> T + Sync) -> Vec<T> {
    let cores = std::thread::available_parallelism().map_or(1, |c| c.get());
    if n < 200_000 || cores < 2 {
        return (0..n).map(f).collect();
    }
    let per = n.div_ceil(cores);
    let mut out = vec![T::default(); n];
    std::thread::scope(|s| {
        for (c, part) in out.chunks_mut(per).enumerate() {
            let f = &f;
            s.spawn(move || {
                for (j, o) in part.iter_mut().enumerate() {
                    *o = f(c * per + j);
                }
            });
        }
    });
    out
}

/// Per row: shown (bit 0), a problem (bit 1), and the status rank (bits 2–3).
fn flags(
    rows: &Pinset,
    filter: &Filter,
    by_set: &[Option<Repl>],
    book: &ReplBook,
    only_problems: bool,
) -> Vec<u8> {
    let observed = !book.observed.is_empty();
    let ready = filter.ready(rows.org_table());
    let one = |r: Row<'_>| -> u8 {
        let rp = match observed.then(|| book.observed.get(r.cid())).flatten() {
            Some(x) => Some(*x),
            None => by_set.get(r.set_id() as usize).copied().flatten(),
        };
        let problem = rp.is_some_and(|x| x.is_problem());
        let shown =
            (!only_problems || problem) && (filter.is_empty() || ready.matches(r, rp.as_ref()));
        let rank = rp.map_or(3, |x| x.rank()).min(3) as u8;
        u8::from(shown) | (u8::from(problem) << 1) | (rank << 2)
    };
    par_rows(rows, |_, r| one(r))
}

/// What a pinset's count of problems was made from: the statuses observed
/// and what each allocation set implies for the rest.
#[derive(PartialEq)]
struct ProblemsFrom {
    by_set: Vec<Option<Repl>>,
    observed: Observed,
}

/// Every row in the order of `sort`, the kept ascending order itself when
/// it is ascending.
fn all_rows(rows: &Pinset, sort: Sort) -> Order {
    let order = rows.cached_order(sort.key as u8, || sorted(rows, sort.key));
    if sort.descending {
        Arc::new(order.iter().rev().copied().collect())
    } else {
        order
    }
}

pub fn compute_index(
    rows: &Pinset,
    filter: &Filter,
    sort: Sort,
    book: &ReplBook,
    only_problems: bool,
) -> Indexed {
    // Rows without a status share what their allocation set implies.
    let by_set: Vec<Option<Repl>> = rows.sets().iter().map(|s| book.of_unobserved(s)).collect();
    let everything = filter.is_empty() && !only_problems;
    if everything && sort.key != SortKey::Status {
        // A new sort of every row: the problems counted for the same
        // statuses still hold, and no row needs to be looked at but to sort.
        let same = |k: &ProblemsFrom| k.by_set == by_set && k.observed == book.observed;
        if let Some(problems) = rows.kept_count(same) {
            return Indexed {
                index: all_rows(rows, sort),
                problems,
            };
        }
    }
    let f = flags(rows, filter, &by_set, book, only_problems);
    let problems = f.iter().filter(|x| *x & 2 != 0).count();
    let from = ProblemsFrom {
        by_set,
        observed: book.observed.clone(),
    };
    rows.keep_count(from, problems);
    let shown = |i: u32| f.get(i as usize).is_some_and(|x| x & 1 != 0);
    let hits = || {
        f.iter()
            .enumerate()
            .filter(|(_, x)| *x & 1 != 0)
            .map(|(i, _)| i as u32)
    };
    let mut index: Vec<u32> = if sort.key == SortKey::Status {
        // Four ranks: a counting sort, listing order within each.
        let mut by_rank: [Vec<u32>; 4] = Default::default();
        for i in hits() {
            by_rank[usize::from(f[i as usize] >> 2)].push(i);
        }
        by_rank.concat()
    } else {
        if !everything && f.iter().filter(|x| *x & 1 != 0).count() <= rows.len() / 64 {
            // A filter that keeps few rows: they are sorted themselves, with
            // no pass through (or computing of) the order of every row.
            let mut index: Vec<u32> = hits().collect();
            sort_by_rows(rows, sort.key, &mut index);
            if sort.descending {
                index.reverse();
            }
            return Indexed {
                index: Arc::new(index),
                problems,
            };
        }
        if everything {
            return Indexed {
                index: all_rows(rows, sort),
                problems,
            };
        }
        let order = rows.cached_order(sort.key as u8, || sorted(rows, sort.key));
        let mut index: Vec<u32> = order.iter().copied().filter(|i| shown(*i)).collect();
        if sort.descending {
            index.reverse();
        }
        index
    };
    if sort.key == SortKey::Status && sort.descending {
        index.reverse();
    }
    Indexed {
        index: Arc::new(index),
        problems,
    }
}

/// The ascending order of every row by `key`, computed at most once per pinset.
pub fn order_of(rows: &Pinset, key: SortKey) -> Order {
    rows.cached_order(key as u8, || sorted(rows, key))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pinset::PinRow;

    /// Every row by the full comparison, the reference the orders are held to.
    fn full_order(t: &Pinset, key: SortKey) -> Vec<u32> {
        let mut want: Vec<u32> = (0..t.len() as u32).collect();
        sort_by_rows(t, key, &mut want);
        assert!(want.iter().all(|i| t.get(*i as usize).is_some()));
        want
    }

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
            let want = full_order(&t, key);
            assert_eq!(*sorted(&t, key), *want, "{key:?}");
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
            let want = full_order(&t, key);
            assert!(*sorted(&t, key) == *want, "{key:?}");
        }
    }

    #[test]
    fn long_shared_paths_and_bytes_the_sample_missed_sort_as_the_full_comparison() {
        // Names that tie for several codes in a row (as archive paths do),
        // a byte and a missing prefix only in rows the sample skips, equal
        // names in different orgs, NUL bytes, and dates and sizes too wide
        // for a code.
        let n = 200_000u64;
        let mut rows: Vec<PinRow> = (0..n)
            .map(|i| {
                let h = i.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 40;
                let mut r = row(
                    &format!("bafybei{:010}", h % 150_000),
                    &format!(
                        "Hrdag/scans/{}/box-{:04}/page-{:03}.tif",
                        1950 + h % 7,
                        (h >> 3) % 40,
                        i % 300
                    ),
                    (h % 1000) as i64,
                    Some(h % 100),
                );
                r.org = ["b", "A", ""][(i % 3) as usize].into();
                r
            })
            .collect();
        // Rows the sample skips.
        let picked: std::collections::HashSet<usize> = sort_keys::sample(n as usize)
            .expect("a table big enough to sample")
            .collect();
        assert!(picked.len() < n as usize / 2);
        let skipped = |near: usize| (near..).find(|j| !picked.contains(j)).unwrap_or(near);
        rows[skipped(12_346)].name = "hrdag/scans/1951/box-0001/~page.tif".into();
        rows[skipped(54_330)].name = "a".into();
        rows[54_321].name = "hrdag/scans/1951/box-0001/page\0.tif".into();
        rows[54_323].name = "hrdag/scans/1951/box-0001/page".into();
        rows[54_324].name = "".into();
        rows[skipped(100_001)].cid = "Qm-not-like-the-others".into();
        rows[7].created = i64::MIN + 3;
        rows[8].created = i64::MAX;
        rows[9].size = Some(u64::MAX - 1);
        let t: Pinset = rows.into();
        for key in [SortKey::Cid, SortKey::Name, SortKey::Created, SortKey::Size] {
            let want = full_order(&t, key);
            assert!(*sorted(&t, key) == want, "{key:?}");
        }
    }

    #[test]
    fn a_filter_that_keeps_few_rows_orders_them_as_the_whole_order_does() {
        let n = 20_000u64;
        let t: Pinset = (0..n)
            .map(|i| {
                let m = (i * 7919) % n;
                let name = if m % 100 == 0 { "Needle" } else { "hay" };
                let mut r = row(
                    &format!("bafy{:06}", m % 5000),
                    &format!("{name}-{}", m % 37),
                    (m % 11) as i64,
                    (m % 3 != 0).then_some(m % 13),
                );
                r.org = ["b", "A"][(m % 2) as usize].into();
                r
            })
            .collect();
        let filter = Filter::parse("needle").unwrap();
        let book = ReplBook::default();
        for key in [SortKey::Cid, SortKey::Name, SortKey::Created, SortKey::Size] {
            for descending in [false, true] {
                let got = compute_index(&t, &filter, Sort { key, descending }, &book, false);
                let mut want: Vec<u32> = sorted(&t, key)
                    .iter()
                    .copied()
                    .filter(|i| {
                        t.get(*i as usize)
                            .is_some_and(|r| r.name().starts_with('N'))
                    })
                    .collect();
                if descending {
                    want.reverse();
                }
                assert_eq!(want.len(), 200);
                assert_eq!(*got.index, want, "{key:?} descending {descending}");
            }
        }
    }

    #[test]
    fn the_problems_kept_for_a_new_sort_follow_the_statuses() {
        let t: Pinset = (0..50u64)
            .map(|i| {
                row(
                    &format!("Qm{i:02}"),
                    &format!("n{}", 50 - i),
                    i as i64,
                    None,
                )
            })
            .collect();
        let mut book = ReplBook::default();
        book.health.known = true;
        let index = |book: &ReplBook, key: SortKey, filter: &str| {
            let f = Filter::parse(filter).unwrap();
            let sort = Sort {
                key,
                descending: false,
            };
            compute_index(&t, &f, sort, book, false)
        };
        assert_eq!(index(&book, SortKey::Created, "").problems, 0);
        let failed = Repl {
            errors: 1,
            allocated: 1,
            ..Default::default()
        };
        book.observed.insert("Qm07".into(), failed);
        for key in [SortKey::Name, SortKey::Cid, SortKey::Created, SortKey::Name] {
            let got = index(&book, key, "");
            assert_eq!(got.problems, 1, "{key:?}");
            assert_eq!(*got.index, *order_of(&t, key));
        }
        let mut fixed = failed;
        fixed.errors = 0;
        fixed.pinned = 1;
        book.observed.insert("Qm07".into(), fixed);
        assert_eq!(index(&book, SortKey::Size, "").problems, 0);
        book.health.down = vec!["gone".into()];
        book.health.members = 2;
        let all = index(&book, SortKey::Name, "");
        assert_eq!(all.problems, 49, "every row not observed has a copy down");
        let few = index(&book, SortKey::Name, "n1");
        assert_eq!((few.problems, few.index.len()), (49, 11));
        assert_eq!(index(&book, SortKey::Cid, "").problems, 49);
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
