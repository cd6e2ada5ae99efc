//! A table's slots in chunks of a fixed size. One vector of a million slots
//! doubles from 32 to 64 MiB near 840,000 rows, and the allocator may hold
//! both copies while it moves them: a third of a small machine's budget for
//! a moment. Chunks never move; only the last one grows.

use super::Slot;

/// Slots a chunk holds (2.5 MiB of them).
const SHIFT: u32 = 16;
const CHUNK: usize = 1 << SHIFT;
const MASK: usize = CHUNK - 1;

#[derive(Clone, Default)]
pub(super) struct Slots {
    /// Every chunk but the last is full.
    chunks: Vec<Vec<Slot>>,
    len: usize,
}

impl Slots {
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn get(&self, i: usize) -> Option<&Slot> {
        self.chunks.get(i >> SHIFT)?.get(i & MASK)
    }

    /// Replaces slot `i`; one past the end is ignored (a compaction only
    /// writes where it has read).
    pub fn set(&mut self, i: usize, s: Slot) {
        if let Some(x) = self
            .chunks
            .get_mut(i >> SHIFT)
            .and_then(|c| c.get_mut(i & MASK))
        {
            *x = s;
        }
    }

    pub fn push(&mut self, s: Slot) {
        match self.chunks.last_mut() {
            Some(c) if c.len() < CHUNK => c.push(s),
            _ => {
                // After the first, a chunk is reserved whole (pages are
                // only taken as they are written): one grown by doubling
                // leaves its smaller copies behind, 2.5 MiB a chunk, which
                // the allocator keeps a while. The first grows, as most
                // tables (a chunk of a listing) never fill it.
                let mut c = if self.chunks.is_empty() {
                    Vec::new()
                } else {
                    Vec::with_capacity(CHUNK)
                };
                c.push(s);
                self.chunks.push(c);
            }
        }
        self.len += 1;
    }

    pub fn truncate(&mut self, n: usize) {
        if n >= self.len {
            return;
        }
        let full = n.div_ceil(CHUNK);
        self.chunks.truncate(full);
        if let Some(c) = self.chunks.last_mut() {
            c.truncate(n - (full - 1) * CHUNK);
        }
        self.len = n;
    }

    /// The first `n` slots.
    pub fn iter(&self, n: usize) -> Iter<'_> {
        Iter {
            chunks: self.chunks.iter(),
            cur: [].iter(),
            left: n.min(self.len),
        }
    }
}

#[derive(Clone)]
pub(super) struct Iter<'a> {
    chunks: std::slice::Iter<'a, Vec<Slot>>,
    cur: std::slice::Iter<'a, Slot>,
    left: usize,
}

impl<'a> Iterator for Iter<'a> {
    type Item = &'a Slot;

    fn next(&mut self) -> Option<&'a Slot> {
        if self.left == 0 {
            return None;
        }
        loop {
            if let Some(s) = self.cur.next() {
                self.left -= 1;
                return Some(s);
            }
            self.cur = self.chunks.next()?.iter();
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

impl ExactSizeIterator for Iter<'_> {}

#[cfg(test)]
mod tests {
    use super::super::text;
    use super::*;

    fn slot(n: u64) -> Slot {
        Slot {
            at: text::At::default(),
            size: n,
            created: 0,
            rmin: 0,
            rmax: 0,
            set: 0,
            org: 0,
            lens: 0,
        }
    }

    fn sizes(s: &Slots, n: usize) -> Vec<u64> {
        s.iter(n).map(|x| x.size).collect()
    }

    #[test]
    fn chunks_fill_then_a_new_one_starts_and_nothing_moves() {
        let mut s = Slots::default();
        for i in 0..(2 * CHUNK + 3) as u64 {
            s.push(slot(i));
        }
        assert_eq!(s.len(), 2 * CHUNK + 3);
        assert_eq!(s.chunks.len(), 3);
        assert!(s.chunks[..2].iter().all(|c| c.len() == CHUNK));
        let first = s.get(0).map(|x| x as *const Slot);
        s.push(slot(7));
        assert_eq!(s.get(0).map(|x| x as *const Slot), first);
        assert_eq!(s.get(CHUNK).map(|x| x.size), Some(CHUNK as u64));
        assert_eq!(s.get(2 * CHUNK + 3).map(|x| x.size), Some(7));
        assert!(s.get(2 * CHUNK + 4).is_none());
        let all = sizes(&s, usize::MAX);
        assert_eq!(all.len(), 2 * CHUNK + 4);
        assert!(all[..2 * CHUNK + 3].iter().zip(0..).all(|(a, b)| *a == b));
    }

    #[test]
    fn iter_stops_at_what_is_asked_and_says_how_many_are_left() {
        let mut s = Slots::default();
        for i in 0..(CHUNK + 10) as u64 {
            s.push(slot(i));
        }
        let it = s.iter(CHUNK + 2);
        assert_eq!(it.len(), CHUNK + 2);
        assert_eq!(it.last().map(|x| x.size), Some(CHUNK as u64 + 1));
        assert_eq!(s.iter(0).count(), 0);
        assert_eq!(Slots::default().iter(5).count(), 0);
    }

    #[test]
    fn truncate_and_set_across_chunk_edges() {
        let mut s = Slots::default();
        for i in 0..(2 * CHUNK) as u64 {
            s.push(slot(i));
        }
        s.truncate(CHUNK);
        assert_eq!((s.len(), s.chunks.len()), (CHUNK, 1));
        s.push(slot(99));
        assert_eq!(
            (s.get(CHUNK).map(|x| x.size), s.chunks.len()),
            (Some(99), 2)
        );
        s.truncate(CHUNK - 1);
        assert_eq!(s.len(), CHUNK - 1);
        assert_eq!(
            s.iter(usize::MAX).last().map(|x| x.size),
            Some(CHUNK as u64 - 2)
        );
        s.set(3, slot(1000));
        s.set(CHUNK - 1, slot(5));
        assert_eq!(s.get(3).map(|x| x.size), Some(1000));
        assert!(s.get(CHUNK - 1).is_none());
        s.truncate(0);
        assert_eq!((s.len(), s.chunks.len()), (0, 0));
        s.truncate(10);
        assert_eq!(s.len(), 0);
    }
}
