//! What other pinned items share with the item: those blocks stay, and the
//! report says why.

use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};

use cid::Cid;
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};

use super::blocks::ItemBlocks;
use crate::cluster::dag::{Dag, Seen, RAW};

/// Other items looked at, at most, for blocks they share with the item.
pub const SHARE_SCAN_ITEMS: usize = 10_000;
/// Their blocks read, at most, for that.
pub const SHARE_SCAN_BLOCKS: usize = 100_000;

/// Another pinned item that uses some of the item's blocks: those stay.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sharing {
    pub cid: String,
    pub name: String,
    pub blocks: usize,
}

/// What other pinned items share with the item.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shares {
    pub items: Vec<Sharing>,
    /// The item's blocks some other item uses.
    #[serde(skip)]
    pub blocks: HashSet<Cid>,
    /// Items looked at, of the pinset's.
    pub checked: usize,
    pub total: usize,
}

impl Shares {
    pub fn complete(&self) -> bool {
        self.checked >= self.total
    }

    /// `3 blocks shared with 'b.txt' and 'c.txt'`.
    pub fn text(&self) -> String {
        let names: Vec<String> = self
            .items
            .iter()
            .take(3)
            .map(|s| {
                if s.name.is_empty() {
                    crate::format::short_id(&s.cid, 6)
                } else {
                    format!("'{}'", crate::sanitize::clean(&s.name))
                }
            })
            .collect();
        let more = self.items.len().saturating_sub(3);
        format!(
            "{} block(s) shared with {}{}",
            self.blocks.len(),
            names.join(", "),
            if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            }
        )
    }
}

/// Looks through `others` (cid, name) for blocks of `item`: a file added
/// twice under two names, identical chunks, an item inside the item. Reads
/// each other item's blocks until it meets one of the item's (whatever is
/// below that is the item's too), within [`SHARE_SCAN_BLOCKS`] in all.
pub async fn shares(
    dag: &Dag,
    item: &ItemBlocks,
    others: &[(String, String)],
    total: usize,
) -> Shares {
    let scan = Scan {
        dag,
        item,
        mine: item.blocks.iter().copied().collect(),
        budget: AtomicUsize::new(SHARE_SCAN_BLOCKS),
        checked: AtomicUsize::new(0),
    };
    let mut s = futures_util::stream::iter(others.iter().cloned())
        .map(|(c, n)| scan.other(c, n))
        .buffer_unordered(8);
    let mut out = Shares {
        total,
        ..Default::default()
    };
    while let Some(r) = s.next().await {
        if let Some((sharing, found)) = r {
            out.items.push(sharing);
            out.blocks.extend(found);
        }
    }
    drop(s);
    out.items
        .sort_by(|a, b| b.blocks.cmp(&a.blocks).then(a.cid.cmp(&b.cid)));
    out.checked = scan.checked.load(Ordering::Relaxed);
    out
}

/// One look for shared blocks, over every other item, within one budget of
/// blocks read.
struct Scan<'a> {
    dag: &'a Dag,
    item: &'a ItemBlocks,
    mine: HashSet<Cid>,
    budget: AtomicUsize,
    checked: AtomicUsize,
}

impl Scan<'_> {
    /// The item's blocks that another item uses, if any.
    async fn other(&self, cid: String, name: String) -> Option<(Sharing, HashSet<Cid>)> {
        let root = crate::unixfs::parse_cid(&cid).ok()?;
        if self.budget.load(Ordering::Relaxed) == 0 {
            return None;
        }
        self.checked.fetch_add(1, Ordering::Relaxed);
        let mut found: HashSet<Cid> = HashSet::new();
        let mut seen = Seen::default();
        let mut todo = vec![root];
        while let Some(c) = todo.pop() {
            if !seen.first(&c) {
                continue;
            }
            if self.mine.contains(&c) {
                found.extend(self.item.below(&c));
                continue;
            }
            if c.codec() == RAW {
                continue;
            }
            if !self.spend_one() {
                break;
            }
            match self.dag.node(&c).await {
                Ok(n) => todo.extend(n.links()),
                Err(_) => continue,
            }
        }
        let sharing = Sharing {
            cid,
            name,
            blocks: found.len(),
        };
        (!found.is_empty()).then_some((sharing, found))
    }

    /// One block read more, if the budget allows.
    fn spend_one(&self) -> bool {
        self.budget
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |b| b.checked_sub(1))
            .is_ok()
    }
}
