//! The blocks a walk has already read.

use std::collections::HashSet;

use cid::Cid;

/// Each block a walk has already read, by codec and digest (32 bytes, not a
/// whole CID): an item of a million blocks costs 40 MB to remember, not 100.
#[derive(Debug, Default)]
pub struct Seen(HashSet<(u64, [u8; 32])>);

impl Seen {
    /// True the first time `cid` is offered.
    pub fn first(&mut self, cid: &Cid) -> bool {
        let mut d = [0u8; 32];
        let digest = cid.hash().digest();
        let n = digest.len().min(32);
        d[..n].copy_from_slice(&digest[..n]);
        self.0.insert((cid.codec(), d))
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}
