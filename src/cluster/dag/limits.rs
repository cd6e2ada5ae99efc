//! What any one walk of an item may cost.

/// What any one walk of an item may cost. An item is whatever a member
/// pinned: two valid blocks can name a folder of 1.6 billion entries, or a
/// file of four blocks a walk of billions of steps. These caps sit far above
/// what kubo writes (a HAMT shard has at most 256 links, a file node 174, a
/// file's tree is a few levels deep) and far below what hurts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Entries in one folder listing.
    pub entries: usize,
    /// Links in one block (a 2 MiB block holds at most about 55,000).
    pub links: usize,
    /// Levels below the root: HAMT shards under a folder, file nodes under a file.
    pub depth: usize,
    /// Bytes one listing may hold (its entries and their names).
    pub listing_bytes: usize,
    /// Blocks read in a row without a byte of file data: an honest file's
    /// next byte is at most its tree's depth away.
    pub blocks_without_data: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            entries: 1_000_000,
            links: 65_536,
            depth: 64,
            listing_bytes: 256 << 20,
            blocks_without_data: 4_096,
        }
    }
}
