//! The pinset's strings, back to back in segments of a few MiB: a growing
//! table never copies the text it already has (one 600 MB string would be
//! copied whole each time it doubled, holding both copies meanwhile).

/// A segment is closed when the next row's text would not fit in it.
const SEG: usize = 8 << 20;

/// A place in the text: segment in bits 32–47, offset below.
pub type At = u64;

#[derive(Debug, Clone, Default)]
pub struct Text {
    segs: Vec<String>,
}

fn split(at: At) -> (usize, usize) {
    ((at >> 32) as usize, (at & 0xffff_ffff) as usize)
}

impl Text {
    /// Appends `parts` together (one row's CID and name stay in one
    /// segment); `None` if they are more than a segment can address.
    pub fn push(&mut self, parts: &[&str]) -> Option<At> {
        let len: usize = parts.iter().map(|p| p.len()).sum();
        if len > u32::MAX as usize {
            return None;
        }
        let fits = self.segs.last().is_some_and(|s| s.len() + len <= SEG);
        if !fits {
            if self.segs.len() > 0xffff {
                return None;
            }
            self.segs.push(String::new());
        }
        let seg = self.segs.len() - 1;
        let s = self.segs.last_mut()?;
        let at = ((seg as u64) << 32) | s.len() as u64;
        for p in parts {
            s.push_str(p);
        }
        Some(at)
    }

    pub fn get(&self, at: At, len: usize) -> &str {
        let (seg, off) = split(at);
        self.segs
            .get(seg)
            .and_then(|s| s.get(off..off + len))
            .unwrap_or("")
    }

    /// Where the next text would go: what `truncate` returns to.
    pub fn end(&self) -> At {
        self.segs.last().map_or(0, |s| {
            (((self.segs.len() - 1) as u64) << 32) | s.len() as u64
        })
    }

    /// Drops everything from `at` on (text pushed after `end` returned it).
    pub fn truncate(&mut self, at: At) {
        let (seg, off) = split(at);
        if self.segs.is_empty() {
            return;
        }
        self.segs.truncate(seg + 1);
        if let Some(s) = self.segs.get_mut(seg) {
            s.truncate(off);
        }
    }

    pub fn bytes(&self) -> usize {
        self.segs.iter().map(String::len).sum()
    }

    /// Segments before the one `at` is in are no longer needed: freed.
    pub fn release_before(&mut self, at: At) {
        let (seg, _) = split(at);
        for s in self.segs.iter_mut().take(seg) {
            *s = String::new();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_stay_whole_in_a_segment_and_come_back() {
        let mut t = Text::default();
        let a = t.push(&["Qm", "one"]).unwrap();
        assert_eq!(t.get(a, 5), "Qmone");
        let end = t.end();
        let big = "x".repeat(SEG - 3);
        let b = t.push(&[&big]).unwrap();
        assert_eq!(b >> 32, 1, "it did not fit after the first row");
        let c = t.push(&["tail"]).unwrap();
        assert_eq!(c >> 32, 2);
        assert_eq!(t.get(c, 4), "tail");
        t.truncate(end);
        assert_eq!(t.end(), end);
        assert_eq!(t.get(a, 5), "Qmone");
        assert_eq!(t.get(b, 3), "", "gone");
        let huge = "y".repeat(SEG + 10);
        let d = t.push(&[&huge]).unwrap();
        assert_eq!(
            t.get(d, SEG + 10).len(),
            SEG + 10,
            "a row longer than a segment gets one"
        );
        t.release_before(d);
        assert_eq!(t.get(a, 5), "");
    }
}
