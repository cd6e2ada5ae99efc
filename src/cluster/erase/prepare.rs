//! Making an item ready to erase, changing nothing: its blocks read while
//! some peer still serves them, and what other items share with it.

use std::time::Duration;

use cid::Cid;

use super::blocks::{item_blocks, ItemBlocks};
use super::eraser::Eraser;
use super::shares::{shares, Shares, SHARE_SCAN_ITEMS};
use crate::cluster::dag::Dag;
use crate::cluster::ClientError;

/// An item made ready to erase: its blocks read, its shares found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prepared {
    pub cid: String,
    pub name: String,
    /// In the pinset (else it was unpinned before: only collected).
    pub pinned: bool,
    pub blocks: ItemBlocks,
    pub shares: Shares,
}

impl Prepared {
    /// The blocks a later check asks for (logged with the erase): the
    /// item's own, not those other items share, at most
    /// [`LOGGED_BLOCKS`](crate::cluster::erasures::LOGGED_BLOCKS).
    pub fn check_blocks(&self) -> Vec<String> {
        self.blocks
            .blocks
            .iter()
            .filter(|b| !self.shares.blocks.contains(b))
            .take(crate::cluster::erasures::LOGGED_BLOCKS)
            .map(|b| b.to_string())
            .collect()
    }

    /// What the confirmation says before anything happens.
    pub fn warning(&self) -> Vec<String> {
        let mut l = vec![
            format!(
                "{}then garbage collection runs on EVERY peer: it frees everything unpinned there, not only this item.",
                if self.pinned {
                    "The item is unpinned from every peer, "
                } else {
                    "The item is no longer pinned; "
                }
            ),
            format!(
                "Then each peer is asked for its {} block(s){}; what is left is named.",
                self.blocks.blocks.len(),
                if self.blocks.complete {
                    ""
                } else {
                    " (those that could be read)"
                }
            ),
        ];
        if !self.shares.items.is_empty() {
            l.push(format!("{}: those stay.", self.shares.text()));
        }
        if !self.shares.complete() {
            l.push(format!(
                "Shared blocks were looked for in {} of {} pinned items.",
                self.shares.checked, self.shares.total
            ));
        }
        l
    }
}

impl Eraser {
    /// Reads what some peer stores, asking each in turn and never letting
    /// one fetch from the others: an item nobody holds is a quick 412 from
    /// each, not a gateway searching the network until it times out.
    fn reader(&self) -> Dag {
        let mut d = Dag::new(self.client.clone(), self.client.default_gateway())
            .with_fallbacks(self.holders.iter().map(|h| h.gateway.clone()));
        d.only_if_cached = true;
        d.timeout = Duration::from_secs(15);
        d
    }

    /// Reads the item and looks for what it shares, changing nothing.
    pub async fn prepare(&self, cid: &str) -> Result<Prepared, ClientError> {
        let root = parse_root(cid)?;
        let (pinned, name) = self.pinned_name(cid).await?;
        let dag = self.reader();
        let blocks = blocks_to_erase(&dag, cid, &root, pinned).await?;
        let (others, total) = self.other_pins(cid).await?;
        let shares = shares(&dag, &blocks, &others, total).await;
        Ok(Prepared {
            cid: cid.to_string(),
            name,
            pinned,
            blocks,
            shares,
        })
    }

    /// Whether the item is in the pinset, and its name there.
    async fn pinned_name(&self, cid: &str) -> Result<(bool, String), ClientError> {
        match self.client.allocation(cid).await {
            Ok(p) => Ok((true, p.name)),
            Err(ClientError::Api { status: 404, .. }) => Ok((false, String::new())),
            Err(e) => Err(e),
        }
    }

    /// Every other pin (cid, name), the first [`SHARE_SCAN_ITEMS`] of
    /// them, and how many there are in all.
    async fn other_pins(&self, cid: &str) -> Result<(Vec<(String, String)>, usize), ClientError> {
        let mut others = Vec::new();
        let mut total = 0usize;
        self.client
            .each_pin(|p| {
                if p.cid == cid {
                    return;
                }
                total += 1;
                if others.len() < SHARE_SCAN_ITEMS {
                    others.push((p.cid, p.name));
                }
            })
            .await?;
        Ok((others, total))
    }
}

fn parse_root(cid: &str) -> Result<Cid, ClientError> {
    crate::unixfs::parse_cid(cid).map_err(|e| ClientError::Api {
        host: String::new(),
        status: 400,
        message: format!("{cid}: not a valid CID: {e}"),
    })
}

/// The item's blocks as some peer serves them. Not pinned and no peer
/// stores it: nothing to erase, and no reason to collect garbage on every
/// peer.
async fn blocks_to_erase(
    dag: &Dag,
    cid: &str,
    root: &Cid,
    pinned: bool,
) -> Result<ItemBlocks, ClientError> {
    match item_blocks(dag, root).await {
        Ok(b) => Ok(b),
        Err(_) if !pinned => Err(ClientError::Api {
            host: dag.gateway_label(),
            status: 404,
            message: format!(
                "{cid}: nothing to erase: it is not in the pinset and no peer's gateway has it"
            ),
        }),
        Err(_) => Ok(ItemBlocks::root_only(*root)),
    }
}
