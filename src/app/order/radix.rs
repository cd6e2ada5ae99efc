//! Sorting packed keys: each element is one `u64` with a row's key code in
//! the high bits and the row's number in the low `low` bits. Elements are
//! unique, so ascending by the whole number is ascending by code with ties
//! in row order, and no comparison ever needs the rows.
//!
//! One most-significant-digit pass splits the elements by their top byte
//! (again while a part is too big for the cache); each part is then sorted
//! where it sits in the cache, by its remaining code bytes, least
//! significant first. On ten million elements that is two trips through
//! memory instead of one per key byte, and the parts are shared between the
//! cores with nothing to merge.

/// Parts at most this long are sorted in the cache (512 KiB of elements).
const LEAF: usize = 1 << 16;
/// Below this, a comparison sort beats counting.
const SMALL: usize = 256;

/// Sorts `v` ascending. The low `low` bits of every element are its row
/// number and `v` comes in row order: those bits are never counted, as the
/// stable passes keep equal codes in the order they came.
pub fn sort_packed(v: &mut [u64], low: u32, threads: usize) {
    if v.len() <= SMALL {
        v.sort_unstable();
        return;
    }
    let mut buf = vec![0u64; v.len()];
    if threads < 2 || v.len() < 1 << 20 {
        sort_with(v, &mut buf, low);
        return;
    }
    let Some(top) = top(v, low) else {
        return;
    };
    let shift = top.saturating_sub(8).max(low);
    let Some(counts) = scatter_on_two_cores(v, &mut buf, shift) else {
        return msd(v, &mut buf, shift, low);
    };
    // Each part goes down on its own (from `buf` back into `v`), the parts
    // split between the cores where the elements split in half.
    let rest = |buf: &mut [u64], v: &mut [u64], counts: &[usize]| {
        let mut at = 0;
        for c in counts {
            let (src, dst) = (&mut buf[at..at + c], &mut v[at..at + c]);
            if shift == low {
                dst.copy_from_slice(src);
            } else {
                msd_into(src, dst, shift, low);
            }
            at += c;
        }
    };
    let half = v.len() / 2;
    let (mut k, mut at) = (0, 0);
    while k < counts.len() && at + counts[k] <= half {
        at += counts[k];
        k += 1;
    }
    let (va, vb) = v.split_at_mut(at);
    let (ba, bb) = buf.split_at_mut(at);
    let (ca, cb) = counts.split_at(k);
    std::thread::scope(|s| {
        s.spawn(|| rest(ba, va, ca));
        rest(bb, vb, cb);
    });
}

/// `sort_packed` on the calling thread, with `buf` (at least as long as
/// `v`) for scratch: for the many small sorts of ties, which would
/// otherwise each allocate their own.
pub fn sort_with(v: &mut [u64], buf: &mut [u64], low: u32) {
    if v.len() <= SMALL {
        v.sort_unstable();
        return;
    }
    if let Some(top) = top(v, low) {
        msd(v, &mut buf[..v.len()], top, low);
    }
}

/// One past the highest code bit in use (`None`: every code is 0).
fn top(v: &[u64], low: u32) -> Option<u32> {
    let codes = v.iter().fold(0u64, |a, x| a | (x >> low));
    (codes != 0).then(|| low + (64 - codes.leading_zeros()))
}

/// Sorts `v` (whose bits at `top` and above are all equal) by the bits in
/// `low..top`, with `buf` for scratch.
fn msd(v: &mut [u64], buf: &mut [u64], top: u32, low: u32) {
    if v.len() <= SMALL {
        v.sort_unstable();
    } else if v.len() <= LEAF {
        if lsd(v, buf, top, low) {
            v.copy_from_slice(buf);
        }
    } else {
        let shift = top.saturating_sub(8).max(low);
        match scatter(v, buf, shift) {
            None if shift > low => msd(v, buf, shift, low),
            None => {}
            Some(counts) => each_part(buf, v, &counts, shift, low),
        }
    }
}

/// Sorts `src` as `msd` does, the result in `dst` (`src` is left as
/// scratch): no part is copied back after a split.
fn msd_into(src: &mut [u64], dst: &mut [u64], top: u32, low: u32) {
    if src.len() <= SMALL {
        dst.copy_from_slice(src);
        dst.sort_unstable();
    } else if src.len() <= LEAF {
        if !lsd(src, dst, top, low) {
            dst.copy_from_slice(src);
        }
    } else {
        let shift = top.saturating_sub(8).max(low);
        match scatter(src, dst, shift) {
            None if shift > low => msd_into(src, dst, shift, low),
            None => dst.copy_from_slice(src),
            Some(counts) => {
                let mut at = 0;
                for c in counts {
                    let (d, s) = (&mut dst[at..at + c], &mut src[at..at + c]);
                    if shift > low {
                        msd(d, s, shift, low);
                    }
                    at += c;
                }
            }
        }
    }
}

/// The parts of a split (now in `src`), each sorted into its place in `dst`.
fn each_part(src: &mut [u64], dst: &mut [u64], counts: &[usize], shift: u32, low: u32) {
    let mut at = 0;
    for c in counts {
        let (s, d) = (&mut src[at..at + c], &mut dst[at..at + c]);
        if shift > low {
            msd_into(s, d, shift, low);
        } else {
            d.copy_from_slice(s);
        }
        at += c;
    }
}

/// A stable split of `v` into `buf` by the byte at `shift`, with each
/// byte's count; `None` (and nothing moved) when every element has the
/// same byte there.
fn scatter(v: &[u64], buf: &mut [u64], shift: u32) -> Option<Vec<usize>> {
    let mut counts = vec![0usize; 256];
    for x in v {
        counts[((x >> shift) & 0xff) as usize] += 1;
    }
    if counts.contains(&v.len()) {
        return None;
    }
    let mut next = offsets(&counts);
    for x in v {
        let d = ((x >> shift) & 0xff) as usize;
        buf[next[d]] = *x;
        next[d] += 1;
    }
    Some(counts)
}

/// `scatter` with the counting and the moves of each half of `v` on a core
/// of its own; the second half's elements of a byte go after the first's,
/// so the split stays stable.
fn scatter_on_two_cores(v: &[u64], buf: &mut [u64], shift: u32) -> Option<Vec<usize>> {
    let digit = |x: &u64| ((x >> shift) & 0xff) as usize;
    let count = |part: &[u64]| {
        let mut c = vec![0usize; 256];
        for x in part {
            c[digit(x)] += 1;
        }
        c
    };
    let mid = v.len() / 2;
    let (a, b) = v.split_at(mid);
    let (ca, cb) = std::thread::scope(|s| {
        let h = s.spawn(|| count(a));
        let cb = count(b);
        (h.join().unwrap_or_else(|_| count(a)), cb)
    });
    let counts: Vec<usize> = ca.iter().zip(&cb).map(|(x, y)| x + y).collect();
    if counts.contains(&v.len()) {
        return None;
    }
    // Each core writes only its own range of each byte's place in `buf`:
    // the first half's elements of a byte, then the second's.
    let mut slots_a: Vec<&mut [u64]> = Vec::with_capacity(256);
    let mut slots_b: Vec<&mut [u64]> = Vec::with_capacity(256);
    let mut rest: &mut [u64] = buf;
    for d in 0..256 {
        let (x, r) = rest.split_at_mut(ca[d]);
        let (y, r) = r.split_at_mut(cb[d]);
        slots_a.push(x);
        slots_b.push(y);
        rest = r;
    }
    let fill = |part: &[u64], slots: &mut Vec<&mut [u64]>| {
        let mut at = [0usize; 256];
        for x in part {
            let d = digit(x);
            slots[d][at[d]] = *x;
            at[d] += 1;
        }
    };
    std::thread::scope(|s| {
        s.spawn(|| fill(a, &mut slots_a));
        fill(b, &mut slots_b);
    });
    Some(counts)
}

/// Where each byte's elements start.
fn offsets(counts: &[usize]) -> Vec<usize> {
    let mut at = 0;
    counts
        .iter()
        .map(|c| {
            let o = at;
            at += c;
            o
        })
        .collect()
}

/// Sorts a part that fits the cache by the bits in `low..top`, least
/// significant byte first (each pass stable), skipping the bytes every
/// element shares. The result is in `buf` when this says `true`, else in
/// `v`.
fn lsd(v: &mut [u64], buf: &mut [u64], top: u32, low: u32) -> bool {
    let buf = &mut buf[..v.len()];
    let mut shift = low;
    let mut in_buf = false;
    while shift < top {
        let (src, dst): (&[u64], &mut [u64]) = if in_buf {
            (&*buf, &mut *v)
        } else {
            (&*v, &mut *buf)
        };
        let mut counts = [0usize; 256];
        for x in src {
            counts[((x >> shift) & 0xff) as usize] += 1;
        }
        if !counts.contains(&src.len()) {
            let mut next = [0usize; 256];
            let mut at = 0;
            for (n, c) in next.iter_mut().zip(counts) {
                *n = at;
                at += c;
            }
            for x in src {
                let d = ((x >> shift) & 0xff) as usize;
                dst[next[d]] = *x;
                next[d] += 1;
            }
            in_buf = !in_buf;
        }
        shift += 8;
    }
    in_buf
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(codes: &[u64], low: u32, threads: usize) {
        let mut v: Vec<u64> = codes
            .iter()
            .enumerate()
            .map(|(i, c)| (c << low) | i as u64)
            .collect();
        let mut want = v.clone();
        want.sort_unstable();
        sort_packed(&mut v, low, threads);
        assert!(v == want, "{} codes, low {low}", codes.len());
    }

    #[test]
    fn packed_keys_sort_as_whole_numbers() {
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        let mut rnd = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for n in [0, 1, 2, 255, 256, 300, 70_000, 1 << 20, 3_000_000] {
            let low = 64 - (n as u64).leading_zeros().min(63);
            let wide: Vec<u64> = (0..n).map(|_| rnd() >> low).collect();
            let few: Vec<u64> = (0..n).map(|_| rnd() % 7).collect();
            let skewed: Vec<u64> = (0..n).map(|_| ((rnd() % 3) << 30) | (rnd() % 5)).collect();
            for codes in [&wide, &few, &skewed] {
                check(codes, low, 1);
                check(codes, low, 2);
            }
        }
        check(&vec![0; 5000], 13, 2);
    }
}
