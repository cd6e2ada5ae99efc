//! Which blocks make an item, and which lie below one of them: listed
//! before anything is unpinned.

use std::collections::HashMap;

use cid::Cid;

use crate::cluster::dag::{BlockError, Dag, Seen, RAW};

/// An item's blocks listed at most (a million-block item is 256 GiB of
/// 256 KiB chunks).
pub const MAX_BLOCKS: usize = 1_000_000;

/// An item's blocks, as read through a gateway before it is unpinned (after
/// the collection nothing may be left to read).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ItemBlocks {
    pub blocks: Vec<Cid>,
    /// Each block's links (raw leaves have none and are not read).
    children: HashMap<Cid, Vec<Cid>>,
    /// False when some of it could not be read or it is larger than
    /// [`MAX_BLOCKS`]: the check covers the blocks listed.
    pub complete: bool,
}

impl ItemBlocks {
    /// Blocks known by their CIDs alone (a later check, a test): nothing
    /// known of their links.
    pub fn listed(blocks: Vec<Cid>) -> Self {
        ItemBlocks {
            blocks,
            children: HashMap::new(),
            complete: true,
        }
    }

    /// A pinned item whose root could not be read: its root alone is asked
    /// after, and the verdict says not every block was.
    pub(super) fn root_only(root: Cid) -> Self {
        ItemBlocks {
            blocks: vec![root],
            children: HashMap::new(),
            complete: false,
        }
    }

    /// The block and everything under it, within the item.
    pub(super) fn below(&self, c: &Cid) -> Vec<Cid> {
        let mut seen = Seen::default();
        let mut todo = vec![*c];
        let mut out = Vec::new();
        while let Some(x) = todo.pop() {
            if !seen.first(&x) {
                continue;
            }
            if let Some(k) = self.children.get(&x) {
                todo.extend(k.iter().copied());
            }
            out.push(x);
        }
        out
    }
}

/// Reads every block of the item once (raw leaves are named by their
/// parents and not fetched). `Err` only when its root cannot be read.
pub async fn item_blocks(dag: &Dag, root: &Cid) -> Result<ItemBlocks, BlockError> {
    let mut out = ItemBlocks {
        complete: true,
        ..Default::default()
    };
    let mut seen = Seen::default();
    seen.first(root);
    let mut todo = vec![*root];
    while let Some(c) = todo.pop() {
        if out.blocks.len() >= MAX_BLOCKS {
            out.complete = false;
            break;
        }
        out.blocks.push(c);
        if c.codec() == RAW {
            continue;
        }
        let links = match dag.node(&c).await {
            Ok(n) => n.links(),
            Err(e) if c == *root => return Err(e),
            Err(_) => {
                out.complete = false;
                continue;
            }
        };
        todo.extend(links.iter().filter(|k| seen.first(k)).copied());
        out.children.insert(c, links);
    }
    Ok(out)
}
