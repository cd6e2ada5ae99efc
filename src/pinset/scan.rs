//! A pin line as the cluster writes it, read by hand. Through serde, a
//! million lines took 0.8 s to decode into the table, longer than curl takes
//! to fetch them (0.6 s); through this, 0.5 s, the table's own work included.
//!
//! It takes a line only when it has read all of it as JSON and every field
//! the console keeps has the type serde expects; anything else (escapes,
//! fractions, a key twice, deep nesting, bytes that are not UTF-8) gives
//! `None`, and serde reads the line and says what is wrong with it. The
//! tests hold it to that: on any line it takes, it agrees with serde.

use std::borrow::Cow;

use super::fields::{self, Fields};

/// Nesting deeper than this in a field the console skips: left to serde.
const DEPTH: u32 = 16;

/// `line` read into its fields and its peer IDs into `key` (each followed by
/// a space), or `None` to leave it to serde.
pub fn line<'a>(line: &'a [u8], key: &mut String) -> Option<Fields<'a>> {
    // One pass over the line instead of one per string: with no escape and
    // no control character in it, a string ends at the next quote.
    if !plain(line) {
        return None;
    }
    // simdutf8, not std: most lines are ASCII, which it checks many bytes
    // a step (std's check was 4% of a load).
    let s = simdutf8::basic::from_utf8(line).ok()?;
    let mut r = Reader { s, i: 0 };
    let mut f = Fields::default();
    let mut seen = 0u8;
    r.ws();
    r.object(|r, k| {
        let bit = match k {
            b"cid" => {
                f.cid = Cow::Borrowed(r.string()?);
                1
            }
            b"name" => {
                f.name = Cow::Borrowed(r.opt_string()?.unwrap_or_default());
                2
            }
            b"replication_factor_min" => {
                f.rmin = r.number()?.parse().ok()?;
                4
            }
            b"replication_factor_max" => {
                f.rmax = r.number()?.parse().ok()?;
                8
            }
            b"metadata" => {
                r.metadata(&mut f)?;
                16
            }
            b"allocations" => {
                r.allocations(key)?;
                32
            }
            b"timestamp" => {
                f.created = r.opt_string()?.map_or(0, fields::created);
                64
            }
            _ => return r.skip(1),
        };
        once(&mut seen, bit)
    })?;
    r.ws();
    (r.i == r.s.len() && seen & 1 != 0).then_some(f)
}

/// Marks the key numbered `bit` as read; `None` the second time (serde
/// keeps the last of a key given twice, or refuses it: left to serde).
fn once(seen: &mut u8, bit: u8) -> Option<()> {
    (*seen & bit == 0).then(|| *seen |= bit)
}

/// No control character and no backslash in `b`: looked at 32 bytes at a
/// time without a branch in between, which the compiler turns into vector
/// code (a byte-by-byte search took two thirds of the whole scan).
fn plain(b: &[u8]) -> bool {
    b.chunks(32).all(|c| {
        !c.iter()
            .fold(false, |odd, c| odd | (*c < 0x20) | (*c == b'\\'))
    })
}

/// Where the first `"` in `b` is, looked for 8 bytes at a time in a word:
/// most strings here are a few bytes long, too short for memchr's set-up to
/// pay (its calls were a tenth of a load).
fn quote(b: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    let mut words = b.chunks_exact(8);
    let mut at = 0;
    for w in words.by_ref() {
        let mut a = [0u8; 8];
        a.copy_from_slice(w);
        let x = u64::from_le_bytes(a) ^ (ONES * u64::from(b'"'));
        // The lowest byte that is zero sets its high bit here (the bytes
        // above it may be wrong, and are not looked at).
        let zero = x.wrapping_sub(ONES) & !x & (ONES << 7);
        if zero != 0 {
            return Some(at + zero.trailing_zeros() as usize / 8);
        }
        at += 8;
    }
    words
        .remainder()
        .iter()
        .position(|&c| c == b'"')
        .map(|p| at + p)
}

struct Reader<'a> {
    s: &'a str,
    i: usize,
}

impl<'a> Reader<'a> {
    fn peek(&self) -> Option<u8> {
        self.s.as_bytes().get(self.i).copied()
    }

    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\r' | b'\n')) {
            self.i += 1;
        }
    }

    fn eat(&mut self, c: u8) -> Option<()> {
        (self.peek()? == c).then(|| self.i += 1)
    }

    fn colon(&mut self) -> Option<()> {
        self.ws();
        self.eat(b':')?;
        self.ws();
        Some(())
    }

    /// After a member or element: `true` at `end`, `false` at a comma.
    fn close(&mut self, end: u8) -> Option<bool> {
        self.ws();
        let c = self.peek()?;
        self.i += 1;
        match c {
            b',' => Some(false),
            c if c == end => Some(true),
            _ => None,
        }
    }

    fn word(&mut self, w: &[u8]) -> Option<()> {
        self.s.as_bytes()[self.i..]
            .starts_with(w)
            .then(|| self.i += w.len())
    }

    fn null(&mut self) -> bool {
        self.word(b"null").is_some()
    }

    /// Where a string's bytes are (the line has no escapes and no control
    /// characters).
    fn span(&mut self) -> Option<std::ops::Range<usize>> {
        self.eat(b'"')?;
        let start = self.i;
        let len = quote(&self.s.as_bytes()[start..])?;
        self.i = start + len + 1;
        Some(start..start + len)
    }

    /// A key or a skipped string, as bytes: nothing to check.
    fn raw_string(&mut self) -> Option<&'a [u8]> {
        let r = self.span()?;
        self.s.as_bytes().get(r)
    }

    fn string(&mut self) -> Option<&'a str> {
        let r = self.span()?;
        self.s.get(r)
    }

    fn opt_string(&mut self) -> Option<Option<&'a str>> {
        if self.null() {
            return Some(None);
        }
        self.string().map(Some)
    }

    /// An integer of at most 18 digits, not `-0` (the cluster writes no
    /// other numbers; serde reads the rest).
    fn number(&mut self) -> Option<&'a str> {
        let start = self.i;
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        let digits = self.i;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.i += 1;
        }
        let n = self.i - digits;
        let zero_first = self.s.as_bytes().get(digits) == Some(&b'0');
        // `-0` is a float to sonic-rs.
        if n == 0 || n > 18 || (zero_first && (n > 1 || digits > start)) {
            return None;
        }
        self.s.get(start..self.i)
    }

    fn metadata(&mut self, f: &mut Fields<'a>) -> Option<()> {
        if self.null() {
            return Some(());
        }
        let mut seen = 0u8;
        self.object(|r, k| match k {
            b"org" => {
                f.org = Cow::Borrowed(r.opt_string()?.unwrap_or_default());
                once(&mut seen, 1)
            }
            b"size" => {
                f.size = r.opt_string()?.map(Cow::Borrowed);
                once(&mut seen, 2)
            }
            _ => r.skip(2),
        })
    }

    fn allocations(&mut self, key: &mut String) -> Option<()> {
        key.clear();
        if self.null() {
            return Some(());
        }
        self.array(|r| {
            let id = r.string()?;
            // A space would split an ID in two: serde says so. (A fold, not
            // a search: vector code, no call.)
            if id.bytes().fold(false, |sp, c| sp | (c == b' ')) {
                return None;
            }
            key.push_str(id);
            key.push(' ');
            Some(())
        })
    }

    /// An object, each member's value read by `member`, given its key.
    fn object(&mut self, mut member: impl FnMut(&mut Self, &'a [u8]) -> Option<()>) -> Option<()> {
        self.eat(b'{')?;
        self.ws();
        if self.eat(b'}').is_some() {
            return Some(());
        }
        loop {
            self.ws();
            let k = self.raw_string()?;
            self.colon()?;
            member(self, k)?;
            if self.close(b'}')? {
                return Some(());
            }
        }
    }

    /// An array, each element read by `element`.
    fn array(&mut self, mut element: impl FnMut(&mut Self) -> Option<()>) -> Option<()> {
        self.eat(b'[')?;
        self.ws();
        if self.eat(b']').is_some() {
            return Some(());
        }
        loop {
            self.ws();
            element(self)?;
            if self.close(b']')? {
                return Some(());
            }
        }
    }

    /// Any value, read and dropped.
    fn skip(&mut self, depth: u32) -> Option<()> {
        match self.peek()? {
            b'"' => self.raw_string().map(drop),
            b't' => self.word(b"true"),
            b'f' => self.word(b"false"),
            b'n' => self.word(b"null"),
            b'{' | b'[' if depth >= DEPTH => None,
            b'{' => self.object(|r, _| r.skip(depth + 1)),
            b'[' => self.array(|r| r.skip(depth + 1)),
            _ => self.number().map(drop),
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_quote_is_found_at_every_place_in_a_word() {
        for len in 0..40 {
            let mut b = vec![b'a'; len];
            assert_eq!(super::quote(&b), None);
            for at in (0..len).rev() {
                b[at] = b'"';
                assert_eq!(super::quote(&b), Some(at), "{len} {at}");
                // A byte just above the quote's (0x23) must not be mistaken.
                b[at] = b'#';
            }
        }
    }
}
