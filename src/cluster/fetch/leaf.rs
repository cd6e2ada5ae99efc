//! A leaf's bytes against its CID: as they pass (hashed as kubo wraps
//! them), and as they lie on disk when a fetch resumes.

use bytes::Bytes;
use cid::Cid;

use super::layout::{Data, Layout};
use super::partial::FileState;
use crate::unixfs::leaf_matches;

#[cfg(unix)]
pub(super) fn write_at(f: &std::fs::File, bytes: &[u8], offset: u64) -> std::io::Result<()> {
    use std::os::unix::fs::FileExt;
    f.write_all_at(bytes, offset)
}

#[cfg(unix)]
pub(super) fn read_at(f: &std::fs::File, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
    use std::os::unix::fs::FileExt;
    f.read_exact_at(buf, offset)
}

/// Checks a piece's bytes as they pass.
pub(super) enum Check<'a> {
    Leaf(sha2::Sha256, &'a Cid),
    Inline(&'a Bytes, usize, bool),
}

impl<'a> Check<'a> {
    pub(super) fn new(data: &'a Data, len: u64) -> Self {
        use sha2::Digest;
        match data {
            Data::Leaf(c) => {
                let mut h = sha2::Sha256::new();
                if c.codec() == 0x70 {
                    h.update(crate::unixfs::pb::file_leaf_frame(len as usize).0);
                }
                Check::Leaf(h, c)
            }
            Data::Inline(b) => Check::Inline(b, 0, true),
        }
    }

    pub(super) fn update(&mut self, part: &[u8]) {
        use sha2::Digest;
        match self {
            Check::Leaf(h, _) => h.update(part),
            Check::Inline(b, at, ok) => {
                *ok = *ok && b.get(*at..*at + part.len()) == Some(part);
                *at += part.len();
            }
        }
    }

    pub(super) fn matches(self, len: u64) -> bool {
        use sha2::Digest;
        match self {
            Check::Leaf(mut h, c) => {
                if c.codec() == 0x70 {
                    h.update(crate::unixfs::pb::file_leaf_frame(len as usize).1);
                }
                c.hash().code() == 0x12 && c.hash().digest() == h.finalize().as_slice()
            }
            Check::Inline(b, at, ok) => ok && at == b.len(),
        }
    }
}

/// Re-reads what an earlier run verified and keeps the pieces that still
/// check: a partial file someone changed since is fetched again.
/// None when `stop` is cancelled on the way (a long re-check is not a
/// trap).
pub(super) fn recheck(
    file: &std::fs::File,
    layout: &Layout,
    st: &FileState,
    stop: &tokio_util::sync::CancellationToken,
) -> Option<Vec<bool>> {
    let mut buf = Vec::new();
    let mut out = Vec::with_capacity(layout.pieces.len());
    for p in &layout.pieces {
        if stop.is_cancelled() {
            return None;
        }
        let ok = st.covers(&(p.offset..p.offset + p.len)) && {
            buf.resize(p.len as usize, 0);
            read_at(file, &mut buf, p.offset).is_ok()
                && match &p.data {
                    Data::Leaf(c) => leaf_matches(c, &buf),
                    Data::Inline(b) => b[..] == buf[..],
                }
        };
        out.push(ok);
    }
    Some(out)
}
