//! Reading a CARv1 stream section by section: a length, a CID, a block.
//! Nothing is trusted here: the length is bounded before anything is held,
//! and the caller checks every block against the CID the walk expects.

use bytes::{Buf, Bytes, BytesMut};
use cid::Cid;

/// The header is a small dag-cbor map (roots and version).
const MAX_HEADER: u64 = 64 << 10;

/// Cuts a byte stream into CAR sections as the bytes arrive.
#[derive(Default)]
pub struct Sections {
    buf: BytesMut,
    header_done: bool,
}

fn uvarint(b: &[u8]) -> Option<Result<(u64, usize), String>> {
    let mut v = 0u64;
    for (i, byte) in b.iter().enumerate().take(10) {
        v |= u64::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            return Some(Ok((v, i + 1)));
        }
    }
    if b.len() >= 10 {
        return Some(Err("a length that is not a varint".into()));
    }
    None
}

impl Sections {
    pub fn feed(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// The next whole section, `Ok(None)` until more bytes arrive.
    pub fn next(&mut self) -> Result<Option<(Cid, Bytes)>, String> {
        loop {
            let (len, n) = match uvarint(&self.buf) {
                None => return Ok(None),
                Some(r) => r?,
            };
            let max = if self.header_done {
                super::MAX_FETCH_BLOCK as u64 + 128
            } else {
                MAX_HEADER
            };
            if len > max {
                return Err(format!("a CAR section of {len} bytes (at most {max})"));
            }
            if (self.buf.len() as u64) < n as u64 + len {
                return Ok(None);
            }
            self.buf.advance(n);
            let section = self.buf.split_to(len as usize).freeze();
            if !self.header_done {
                self.header_done = true;
                continue;
            }
            let mut r = std::io::Cursor::new(&section[..]);
            let cid =
                Cid::read_bytes(&mut r).map_err(|e| format!("a section without a CID: {e}"))?;
            let at = r.position() as usize;
            return Ok(Some((cid, section.slice(at..))));
        }
    }

    /// Whether the stream ended between sections.
    pub fn is_clean(&self) -> bool {
        self.buf.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn car(blocks: &[(Cid, &[u8])]) -> Vec<u8> {
        let mut out = vec![3, 0xa0, 0xa0, 0xa0];
        for (c, b) in blocks {
            let cb = c.to_bytes();
            let mut n = (cb.len() + b.len()) as u64;
            while n >= 0x80 {
                out.push((n as u8) | 0x80);
                n >>= 7;
            }
            out.push(n as u8);
            out.extend(cb);
            out.extend_from_slice(b);
        }
        out
    }

    #[test]
    fn sections_come_out_however_the_bytes_are_cut() {
        let a =
            crate::unixfs::cid_of_bytes(b"hello", crate::unixfs::ImportOptions::new(1, None)).cid;
        let b =
            crate::unixfs::cid_of_bytes(b"world!", crate::unixfs::ImportOptions::new(1, None)).cid;
        let bytes = car(&[(a, b"hello"), (b, b"world!")]);
        for cut in 1..bytes.len() {
            let mut s = Sections::default();
            let mut got = Vec::new();
            for piece in bytes.chunks(cut) {
                s.feed(piece);
                while let Some(x) = s.next().unwrap() {
                    got.push(x);
                }
            }
            assert!(s.is_clean());
            assert_eq!(
                got,
                vec![
                    (a, Bytes::from_static(b"hello")),
                    (b, Bytes::from_static(b"world!"))
                ]
            );
        }
    }

    #[test]
    fn a_huge_section_is_refused_before_it_is_held() {
        let mut s = Sections::default();
        s.feed(&[3, 0xa0, 0xa0, 0xa0]);
        s.feed(&[0xff, 0xff, 0xff, 0xff, 0x0f]);
        assert!(s.next().is_err());
    }
}
