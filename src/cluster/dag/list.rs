//! A folder's entries, HAMT shards and all, within [`Limits`]; and a path
//! inside an item resolved through them.

use cid::Cid;
use futures_util::StreamExt;

use super::error::BlockError;
use super::kind::Kind;
use super::limits::Limits;
use super::node::{Entry, Node};
use super::reader::{Dag, AHEAD};
use super::seen::Seen;

impl Dag {
    /// A folder's entries, by name; a HAMT-sharded folder's shards are read
    /// `AHEAD` at a time and `on_batch` hears each as it arrives (so a
    /// screen shows the first entries of a 10,000-entry folder at once).
    /// Each shard is read once: a HAMT is a tree, and a shard linked twice
    /// is a malformed folder (two such blocks named 1.6 billion entries).
    pub async fn list_with(
        &self,
        cid: &Cid,
        mut on_batch: impl FnMut(&[Entry]),
    ) -> Result<Vec<Entry>, BlockError> {
        let (entries, shards) = match self.node(cid).await? {
            Node::Dir { entries, shards } => (entries, shards),
            _ => {
                return Err(BlockError::NotA {
                    cid: cid.to_string(),
                    wanted: Kind::Dir,
                })
            }
        };
        let mut listing = Listing::new(cid, &self.limits);
        listing.take(entries, shards, &mut on_batch)?;
        let mut level = 0;
        while !listing.shards.is_empty() {
            level += 1;
            let batch = listing.next_level(level)?;
            self.read_shards(batch, &mut listing, &mut on_batch).await?;
        }
        listing.all.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(listing.all)
    }

    /// One level of shards, `AHEAD` at a time, into the listing.
    async fn read_shards(
        &self,
        batch: Vec<Cid>,
        listing: &mut Listing<'_>,
        on_batch: &mut impl FnMut(&[Entry]),
    ) -> Result<(), BlockError> {
        let mut s = futures_util::stream::iter(batch)
            .map(|c| async move { (c, self.node(&c).await) })
            .buffer_unordered(AHEAD);
        while let Some((c, r)) = s.next().await {
            match r? {
                Node::Dir { entries, shards } => listing.take(entries, shards, on_batch)?,
                _ => {
                    return Err(BlockError::Malformed {
                        cid: c.to_string(),
                        what: "a HAMT shard that is not a shard".into(),
                    })
                }
            }
        }
        Ok(())
    }

    pub async fn list(&self, cid: &Cid) -> Result<Vec<Entry>, BlockError> {
        self.list_with(cid, |_| {}).await
    }

    /// The CID at `path` inside `root` (`a/b/c.txt`; empty: the root).
    pub async fn resolve(&self, root: &Cid, path: &str) -> Result<Cid, BlockError> {
        let mut at = *root;
        for part in path.split('/').filter(|p| !p.is_empty() && *p != ".") {
            let entries = self.list(&at).await.map_err(|e| match e {
                BlockError::NotA { .. } => BlockError::NoSuchPath {
                    root: root.to_string(),
                    path: path.to_string(),
                },
                other => other,
            })?;
            at = entries
                .iter()
                .find(|e| e.name == part)
                .map(|e| e.cid)
                .ok_or_else(|| BlockError::NoSuchPath {
                    root: root.to_string(),
                    path: path.to_string(),
                })?;
        }
        Ok(at)
    }
}

/// A folder's listing as it is read: its entries so far, the shards still
/// to read, those already read.
struct Listing<'a> {
    held: Held<'a>,
    all: Vec<Entry>,
    shards: Vec<Cid>,
    seen: Seen,
}

impl<'a> Listing<'a> {
    fn new(item: &'a Cid, limits: &'a Limits) -> Self {
        let mut seen = Seen::default();
        seen.first(item);
        Listing {
            held: Held::new(item, limits),
            all: Vec::new(),
            shards: Vec::new(),
            seen,
        }
    }

    /// A block's entries (heard by `on_batch`) and the shards it links.
    fn take(
        &mut self,
        entries: Vec<Entry>,
        shards: Vec<Cid>,
        on_batch: &mut impl FnMut(&[Entry]),
    ) -> Result<(), BlockError> {
        self.held.add(&entries)?;
        on_batch(&entries);
        self.all.extend(entries);
        self.shards.extend(shards);
        Ok(())
    }

    /// The shards of the next `level`, each never read before, within
    /// [`Limits::depth`].
    fn next_level(&mut self, level: usize) -> Result<Vec<Cid>, BlockError> {
        let (item, limits) = (self.held.item, self.held.limits);
        if level > limits.depth {
            return Err(BlockError::Limit {
                item: item.to_string(),
                what: format!("HAMT shards more than {} levels deep", limits.depth),
                limit: "depth".into(),
            });
        }
        let batch = std::mem::take(&mut self.shards);
        for c in &batch {
            if !self.seen.first(c) {
                return Err(BlockError::Malformed {
                    cid: item.to_string(),
                    what: format!("HAMT shard {c} is linked more than once: a malformed folder"),
                });
            }
        }
        Ok(batch)
    }
}

/// What one listing holds, against [`Limits::entries`] and
/// [`Limits::listing_bytes`].
struct Held<'a> {
    item: &'a Cid,
    limits: &'a Limits,
    entries: usize,
    bytes: usize,
}

impl<'a> Held<'a> {
    fn new(item: &'a Cid, limits: &'a Limits) -> Self {
        Held {
            item,
            limits,
            entries: 0,
            bytes: 0,
        }
    }

    fn add(&mut self, es: &[Entry]) -> Result<(), BlockError> {
        self.entries += es.len();
        self.bytes += es
            .iter()
            .map(|e| std::mem::size_of::<Entry>() + e.name.len())
            .sum::<usize>();
        if self.entries > self.limits.entries {
            return Err(BlockError::Limit {
                item: self.item.to_string(),
                what: format!(
                    "a folder of more than {} entries",
                    crate::format::count(self.limits.entries)
                ),
                limit: "entries per folder".into(),
            });
        }
        if self.bytes > self.limits.listing_bytes {
            return Err(BlockError::Limit {
                item: self.item.to_string(),
                what: format!(
                    "a listing of more than {}",
                    crate::format::human_bytes(self.limits.listing_bytes as u64)
                ),
                limit: "bytes held for one listing".into(),
            });
        }
        Ok(())
    }
}
