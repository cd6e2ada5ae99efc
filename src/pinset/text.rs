//! The pinset's strings, back to back in segments of a few MiB: a growing
//! table never copies the text it already has (one 600 MB string would be
//! copied whole each time it doubled, holding both copies meanwhile).
//!
//! A segment keeps its rows' CIDs in one string and their names in another:
//! a sort or filter by name then reads a tenth of a row's text, not the
//! CID in front of each name.

/// A segment is closed when the next row's CID or name would not fit in it
/// (so every offset in it fits 23 bits).
const SEG: usize = (1 << 23) - 1;
const OFF_BITS: u32 = 23;
const OFF_MASK: u64 = (1 << OFF_BITS) - 1;

/// Where a row's text is: segment in bits 46–61, the CID's offset in bits
/// 23–45, the name's below.
pub type At = u64;

#[derive(Debug, Clone, Default)]
struct Seg {
    cids: String,
    names: String,
}

#[derive(Debug, Clone, Default)]
pub struct Text {
    segs: Vec<Seg>,
}

fn split(at: At) -> (usize, usize, usize) {
    (
        (at >> (2 * OFF_BITS)) as usize,
        ((at >> OFF_BITS) & OFF_MASK) as usize,
        (at & OFF_MASK) as usize,
    )
}

fn join(seg: usize, cid: usize, name: usize) -> At {
    ((seg as u64) << (2 * OFF_BITS)) | ((cid as u64) << OFF_BITS) | name as u64
}

impl Text {
    /// Appends one row's CID and name (in one segment); `None` if there are
    /// more segments than an `At` can address. A name longer than a segment
    /// gets one of its own.
    pub fn push(&mut self, cid: &str, name: &str) -> Option<At> {
        let fits = self
            .segs
            .last()
            .is_some_and(|s| s.cids.len() + cid.len() <= SEG && s.names.len() + name.len() <= SEG);
        if !fits {
            if self.segs.len() > 0xffff {
                return None;
            }
            // After the first, a segment is reserved whole (pages are only
            // taken as they are written): a string grown by doubling is
            // copied on the way, the old copy held meanwhile. The first
            // grows, as most tables (a chunk of a listing) never fill it.
            let reserve = if self.segs.is_empty() { 0 } else { SEG };
            self.segs.push(Seg {
                cids: String::with_capacity(reserve),
                names: String::with_capacity(reserve),
            });
        }
        let seg = self.segs.len() - 1;
        let s = self.segs.last_mut()?;
        let at = join(seg, s.cids.len(), s.names.len());
        s.cids.push_str(cid);
        s.names.push_str(name);
        Some(at)
    }

    pub fn cid(&self, at: At, len: usize) -> &str {
        let (seg, off, _) = split(at);
        self.text(seg, |s| &s.cids, off, len)
    }

    pub fn name(&self, at: At, len: usize) -> &str {
        let (seg, _, off) = split(at);
        self.text(seg, |s| &s.names, off, len)
    }

    fn text(&self, seg: usize, of: fn(&Seg) -> &String, off: usize, len: usize) -> &str {
        self.segs
            .get(seg)
            .and_then(|s| of(s).get(off..off + len))
            .unwrap_or("")
    }

    /// Where the next text would go: what `truncate` returns to.
    pub fn end(&self) -> At {
        self.segs.last().map_or(0, |s| {
            join(self.segs.len() - 1, s.cids.len(), s.names.len())
        })
    }

    /// Drops everything from `at` on (text pushed after `end` returned it).
    pub fn truncate(&mut self, at: At) {
        let (seg, cid, name) = split(at);
        if self.segs.is_empty() {
            return;
        }
        self.segs.truncate(seg + 1);
        if let Some(s) = self.segs.get_mut(seg) {
            s.cids.truncate(cid);
            s.names.truncate(name);
        }
    }

    pub fn bytes(&self) -> usize {
        self.segs.iter().map(|s| s.cids.len() + s.names.len()).sum()
    }

    /// Segments before the one `at` is in are no longer needed: freed.
    pub fn release_before(&mut self, at: At) {
        let (seg, _, _) = split(at);
        for s in self.segs.iter_mut().take(seg) {
            *s = Seg::default();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_stay_whole_in_a_segment_and_come_back() {
        let mut t = Text::default();
        let a = t.push("Qm", "one").unwrap();
        assert_eq!((t.cid(a, 2), t.name(a, 3)), ("Qm", "one"));
        let end = t.end();
        let big = "x".repeat(SEG - 2);
        let b = t.push("Qb", &big).unwrap();
        assert_eq!(b >> 46, 1, "its name did not fit after the first row's");
        let c = t.push("Qc", "tail").unwrap();
        assert_eq!(c >> 46, 2);
        assert_eq!((t.cid(c, 2), t.name(c, 4)), ("Qc", "tail"));
        let long = "z".repeat(SEG - 1);
        let d = t.push(&long, "").unwrap();
        assert_eq!(d >> 46, 3, "its CID did not fit after the third row's");
        assert_eq!(t.cid(d, long.len()), long);
        t.truncate(end);
        assert_eq!(t.end(), end);
        assert_eq!((t.cid(a, 2), t.name(a, 3)), ("Qm", "one"));
        assert_eq!(t.name(b, 3), "", "gone");
        let huge = "y".repeat(SEG + 10);
        let e = t.push("Qe", &huge).unwrap();
        assert_eq!(
            t.name(e, SEG + 10).len(),
            SEG + 10,
            "a row longer than a segment gets one"
        );
        assert_eq!(t.cid(e, 2), "Qe");
        let f = t.push("Qf", "after").unwrap();
        assert_eq!(f >> 46, (e >> 46) + 1, "nothing follows it");
        assert_eq!(t.bytes(), 2 + 3 + 2 + SEG + 10 + 2 + 5);
        t.release_before(e);
        assert_eq!(t.cid(a, 2), "");
        assert_eq!(t.name(e, 3), "yyy");
    }
}
