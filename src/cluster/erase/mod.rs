//! Erase: what "removed" must mean. Unpinning only stops the cluster keeping
//! an item: every kubo that had it still stores and serves it until it
//! collects garbage, which kubo's daemon does not do on its own (seen on
//! ipfs-cluster 1.1.6 + kubo 0.42). An erase unpins, waits until every peer
//! has let go, runs the cluster's collection on every peer (`/ipfs/gc`),
//! then asks every peer's gateway for each of the item's blocks, only for
//! what it stores (`only-if-cached`), and says why whatever is left is left.
//!
//! Its steps, each in its file: `prepare` reads the item and what other
//! items share with it, changing nothing; `run` unpins, collects and
//! settles; `check` asks every peer's gateway; `report` holds what was
//! found.

mod activity;
mod blocks;
mod check;
mod eraser;
mod prepare;
mod report;
mod run;
mod shares;

pub use blocks::{item_blocks, ItemBlocks, MAX_BLOCKS};
pub use eraser::{Eraser, Stage};
pub use prepare::Prepared;
pub use report::{Collection, PeerErasure, PeerOutcome, Report, Verdict};
pub use shares::{shares, Shares, Sharing, SHARE_SCAN_BLOCKS, SHARE_SCAN_ITEMS};
