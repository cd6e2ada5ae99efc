//! An archive item's UnixFS DAG, read through a gateway one block at a time
//! as the trustless gateway serves them (`?format=raw`): each block is checked
//! against its CID before anything reads it, so what browsing, previews,
//! `cat` and audits show is what the archive holds, whoever served it.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use cid::Cid;
use futures_util::future::BoxFuture;
use futures_util::{FutureExt, StreamExt};
use reqwest::StatusCode;
use url::Url;

use super::error::transport_reason;
use super::ClusterClient;
use crate::unixfs::{block_matches, DataType, PbNode, UnixfsData};

const RAW: u64 = 0x55;
const DAG_PB: u64 = 0x70;
/// kubo refuses blocks over 2 MiB on the wire; nothing honest is larger.
pub const MAX_BLOCK: usize = 2 * 1024 * 1024 + 1024;
/// Blocks asked for at once while reading a file.
const AHEAD: usize = 8;

/// Why a block could not be used. Corrupt is never confused with missing:
/// one is a copy gone bad, the other a copy not there.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BlockError {
    /// The bytes came and are not what the CID names.
    #[error("block {cid} from {gateway} does not match its CID: a corrupt copy")]
    Corrupt { gateway: String, cid: String },
    /// The gateway does not hold it (asked only-if-cached) or cannot find it.
    #[error("block {cid} is missing on {gateway}")]
    Missing { gateway: String, cid: String },
    /// The gateway did not answer, or failed.
    #[error("{gateway} is unreachable: {reason}")]
    Unreachable { gateway: String, reason: String },
    /// A verified block that is not UnixFS this reader knows.
    #[error("block {cid}: {what}")]
    Malformed { cid: String, what: String },
    /// A path inside an item that does not exist.
    #[error("{path}: no such file or folder in {root}")]
    NoSuchPath { root: String, path: String },
    /// A file where a folder was asked for, or the other way round.
    #[error("{cid} is not a {wanted}")]
    NotA { cid: String, wanted: Kind },
    /// A walk that would cost more than any honest item does: ended, the
    /// item and the limit named, before it can exhaust memory or time.
    #[error("{item}: {what} (limit {limit}); the walk was stopped: a malformed or hostile item")]
    Limit {
        item: String,
        what: String,
        limit: String,
    },
}

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

/// Each block a walk has already read, by codec and digest (32 bytes, not a
/// whole CID): an item of a million blocks costs 40 MB to remember, not 100.
#[derive(Debug, Default)]
pub struct Seen(std::collections::HashSet<(u64, [u8; 32])>);

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

/// What a block of a UnixFS DAG is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    /// A file: its size, its bytes when they sit in this block, its children.
    File {
        size: u64,
        inline: Bytes,
        children: Vec<Cid>,
    },
    /// A folder: its entries (a HAMT shard lists `shards` to read further).
    Dir {
        entries: Vec<Entry>,
        shards: Vec<Cid>,
    },
    Symlink(String),
}

impl Node {
    /// The blocks this one links to, in order: a file's children, a
    /// folder's entries and shards.
    pub fn links(self) -> Vec<Cid> {
        match self {
            Node::File { children, .. } => children,
            Node::Dir { entries, shards } => {
                entries.into_iter().map(|e| e.cid).chain(shards).collect()
            }
            Node::Symlink(_) => Vec::new(),
        }
    }
}

/// A folder entry, as its parent names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub name: String,
    pub cid: Cid,
    /// The link's cumulative DAG size (what the entry costs to fetch).
    pub tsize: u64,
}

/// What an entry is, from its own root block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    File,
    Dir,
    Symlink,
}

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Kind::File => "file",
            Kind::Dir => "folder",
            Kind::Symlink => "symlink",
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stat {
    pub kind: Kind,
    /// Bytes of a file; a folder's cumulative DAG size.
    pub size: u64,
}

/// Reads DAGs through one gateway.
#[derive(Clone)]
pub struct Dag {
    client: Arc<ClusterClient>,
    pub gateway: Url,
    /// Ask only for what the gateway holds (`Cache-Control: only-if-cached`):
    /// an audit must not let a peer fetch what it lacks from its neighbours.
    pub only_if_cached: bool,
    pub timeout: Duration,
    /// Other gateways to ask when the first cannot give a block (missing,
    /// down, or corrupt): any verified copy will do for reading.
    pub fallbacks: Vec<Url>,
    pub limits: Limits,
}

use super::gateway::host_label as label;

impl Dag {
    pub fn new(client: Arc<ClusterClient>, gateway: Url) -> Self {
        Self {
            timeout: Duration::from_secs(30),
            client,
            gateway,
            only_if_cached: false,
            fallbacks: Vec::new(),
            limits: Limits::default(),
        }
    }

    /// Reads through `gateway`, then each of `others` that differs from it.
    pub fn with_fallbacks(mut self, others: impl IntoIterator<Item = Url>) -> Self {
        for u in others {
            if u != self.gateway && !self.fallbacks.contains(&u) {
                self.fallbacks.push(u);
            }
        }
        self
    }

    pub fn gateway_label(&self) -> String {
        label(&self.gateway)
    }

    /// One block, verified: from the gateway, else from the first fallback
    /// that has a good copy. When none has, the first gateway's reason.
    pub async fn block(&self, cid: &Cid) -> Result<Bytes, BlockError> {
        let first = self.block_from(&self.gateway, cid).await;
        if first.is_ok() || self.fallbacks.is_empty() {
            return first;
        }
        for g in &self.fallbacks {
            if let Ok(b) = self.block_from(g, cid).await {
                return Ok(b);
            }
        }
        first
    }

    async fn block_from(&self, gw: &Url, cid: &Cid) -> Result<Bytes, BlockError> {
        let gateway = label(gw);
        let unreachable = |reason: String| BlockError::Unreachable {
            gateway: gateway.clone(),
            reason,
        };
        let mut u = gw.clone();
        u.set_path(&format!("/ipfs/{cid}"));
        u.set_query(Some("format=raw"));
        let mut rb = self
            .client
            .gateway_http()
            .get(u)
            .header("Accept", "application/vnd.ipld.raw")
            .timeout(self.timeout);
        if self.only_if_cached {
            rb = rb.header("Cache-Control", "only-if-cached");
        }
        let mut resp = rb.send().await.map_err(|e| {
            unreachable(if e.is_timeout() {
                "no answer in time".into()
            } else {
                transport_reason(&e)
            })
        })?;
        match resp.status() {
            s if s.is_success() => {}
            // 412: not in its blockstore (only-if-cached); 404/410: gone.
            StatusCode::PRECONDITION_FAILED | StatusCode::NOT_FOUND | StatusCode::GONE => {
                return Err(BlockError::Missing {
                    gateway,
                    cid: cid.to_string(),
                })
            }
            StatusCode::GATEWAY_TIMEOUT => {
                return Err(BlockError::Missing {
                    gateway,
                    cid: cid.to_string(),
                })
            }
            s => return Err(unreachable(format!("HTTP {}", s.as_u16()))),
        }
        let mut block = Vec::new();
        while let Some(chunk) = resp
            .chunk()
            .await
            .map_err(|e| unreachable(transport_reason(&e)))?
        {
            block.extend_from_slice(&chunk);
            if block.len() > MAX_BLOCK {
                // No block is this large: whatever this is, it is not the block.
                return Err(BlockError::Corrupt {
                    gateway,
                    cid: cid.to_string(),
                });
            }
        }
        if !block_matches(cid, &block) {
            return Err(BlockError::Corrupt {
                gateway,
                cid: cid.to_string(),
            });
        }
        Ok(Bytes::from(block))
    }

    /// A block, decoded, its links within [`Limits::links`].
    pub async fn node(&self, cid: &Cid) -> Result<Node, BlockError> {
        let block = self.block(cid).await?;
        decode_within(cid, block, &self.limits)
    }

    /// What `cid` is and how big, from its root block.
    pub async fn stat(&self, cid: &Cid) -> Result<Stat, BlockError> {
        Ok(match self.node(cid).await? {
            Node::File { size, .. } => Stat {
                kind: Kind::File,
                size,
            },
            Node::Dir { entries, .. } => Stat {
                kind: Kind::Dir,
                size: entries.iter().map(|e| e.tsize).sum(),
            },
            Node::Symlink(t) => Stat {
                kind: Kind::Symlink,
                size: t.len() as u64,
            },
        })
    }

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
        let (mut all, mut shards) = match self.node(cid).await? {
            Node::Dir { entries, shards } => (entries, shards),
            _ => {
                return Err(BlockError::NotA {
                    cid: cid.to_string(),
                    wanted: Kind::Dir,
                })
            }
        };
        let mut held = Held::new(cid, &self.limits);
        held.add(&all)?;
        on_batch(&all);
        let mut seen = Seen::default();
        seen.first(cid);
        let mut level = 0;
        while !shards.is_empty() {
            level += 1;
            if level > self.limits.depth {
                return Err(BlockError::Limit {
                    item: cid.to_string(),
                    what: format!("HAMT shards more than {} levels deep", self.limits.depth),
                    limit: "depth".into(),
                });
            }
            let batch = std::mem::take(&mut shards);
            for c in &batch {
                if !seen.first(c) {
                    return Err(BlockError::Malformed {
                        cid: cid.to_string(),
                        what: format!(
                            "HAMT shard {c} is linked more than once: a malformed folder"
                        ),
                    });
                }
            }
            let mut s = futures_util::stream::iter(batch)
                .map(|c| async move { (c, self.node(&c).await) })
                .buffer_unordered(AHEAD);
            while let Some((c, r)) = s.next().await {
                match r? {
                    Node::Dir {
                        entries,
                        shards: more,
                    } => {
                        held.add(&entries)?;
                        on_batch(&entries);
                        all.extend(entries);
                        shards.extend(more);
                    }
                    _ => {
                        return Err(BlockError::Malformed {
                            cid: c.to_string(),
                            what: "a HAMT shard that is not a shard".into(),
                        })
                    }
                }
            }
        }
        all.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(all)
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

    /// A file's bytes in order, at most `limit` and never more than the
    /// file declares, each piece verified before `out` sees it. Returns the
    /// bytes given to `out`. A leaf linked many times is honest (kubo
    /// writes one block for every run of identical chunks) and is read each
    /// time, so the walk's work is bounded by the declared size; blocks that
    /// give no data are capped by [`Limits::blocks_without_data`].
    pub async fn read(
        &self,
        cid: &Cid,
        limit: Option<u64>,
        out: &mut (dyn FnMut(&[u8]) -> std::io::Result<()> + Send),
    ) -> Result<u64, ReadError> {
        let declared = match self.node(cid).await? {
            Node::File { size, .. } => size,
            _ => {
                return Err(ReadError::Block(BlockError::NotA {
                    cid: cid.to_string(),
                    wanted: Kind::File,
                }))
            }
        };
        let mut walk = Reading {
            item: *cid,
            left: limit.unwrap_or(u64::MAX).min(declared),
            written: 0,
            dry: 0,
        };
        self.read_node(*cid, 0, &mut walk, out).await?;
        Ok(walk.written)
    }

    fn read_node<'a>(
        &'a self,
        cid: Cid,
        depth: usize,
        walk: &'a mut Reading,
        out: &'a mut (dyn FnMut(&[u8]) -> std::io::Result<()> + Send),
    ) -> BoxFuture<'a, Result<(), ReadError>> {
        async move {
            if depth > self.limits.depth {
                return Err(walk.limit(
                    format!("a file more than {} levels deep", self.limits.depth),
                    "depth",
                ));
            }
            let node = self.node(&cid).await?;
            let (inline, children) = match node {
                Node::File {
                    inline, children, ..
                } => (inline, children),
                _ => {
                    return Err(ReadError::Block(BlockError::Malformed {
                        cid: cid.to_string(),
                        what: "a file's child that is not file data".into(),
                    }))
                }
            };
            walk.emit(&inline, out, &self.limits)?;
            // Children come `AHEAD` at a time, in order; leaves are emitted
            // as they come, inner nodes are read in turn.
            let mut s = futures_util::stream::iter(children)
                .map(|c| async move { (c, self.node(&c).await) })
                .buffered(AHEAD);
            while let Some((c, n)) = s.next().await {
                if walk.left == 0 {
                    break;
                }
                match n? {
                    Node::File {
                        inline, children, ..
                    } if children.is_empty() => walk.emit(&inline, out, &self.limits)?,
                    Node::File { .. } => self.read_node(c, depth + 1, walk, out).await?,
                    _ => {
                        return Err(ReadError::Block(BlockError::Malformed {
                            cid: c.to_string(),
                            what: "a file's child that is not file data".into(),
                        }))
                    }
                }
            }
            Ok(())
        }
        .boxed()
    }
}

/// Where a file's read stands.
struct Reading {
    item: Cid,
    /// Bytes still wanted: the caller's limit, at most what the file declares.
    left: u64,
    written: u64,
    /// Blocks read since the last byte of data.
    dry: u64,
}

impl Reading {
    fn emit(
        &mut self,
        bytes: &[u8],
        out: &mut (dyn FnMut(&[u8]) -> std::io::Result<()> + Send),
        limits: &Limits,
    ) -> Result<(), ReadError> {
        let n = (bytes.len() as u64).min(self.left) as usize;
        if n > 0 {
            out(&bytes[..n]).map_err(ReadError::Output)?;
            self.dry = 0;
        } else {
            self.dry += 1;
            if self.dry > limits.blocks_without_data {
                return Err(self.limit(
                    format!(
                        "{} blocks in a row without file data",
                        limits.blocks_without_data
                    ),
                    "blocks without data",
                ));
            }
        }
        self.left -= n as u64;
        self.written += n as u64;
        Ok(())
    }

    fn limit(&self, what: String, limit: &str) -> ReadError {
        ReadError::Block(BlockError::Limit {
            item: self.item.to_string(),
            what,
            limit: limit.into(),
        })
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

/// Why reading a file stopped.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error(transparent)]
    Block(#[from] BlockError),
    /// Where the bytes were going refused them (a closed pipe).
    #[error("{0}")]
    Output(std::io::Error),
}

/// Decodes a verified block.
pub fn decode(cid: &Cid, block: Bytes) -> Result<Node, BlockError> {
    decode_within(cid, block, &Limits::default())
}

/// Decodes a verified block whose links are within `limits`.
pub fn decode_within(cid: &Cid, block: Bytes, limits: &Limits) -> Result<Node, BlockError> {
    let bad = |what: &str| BlockError::Malformed {
        cid: cid.to_string(),
        what: what.to_string(),
    };
    match cid.codec() {
        RAW => {
            return Ok(Node::File {
                size: block.len() as u64,
                inline: block,
                children: Vec::new(),
            })
        }
        DAG_PB => {}
        c => return Err(bad(&format!("codec 0x{c:x} is not UnixFS"))),
    }
    let pb = PbNode::decode(&block).map_err(|e| bad(&e.to_string()))?;
    if pb.links.len() > limits.links {
        return Err(BlockError::Limit {
            item: cid.to_string(),
            what: format!("a block of {} links", pb.links.len()),
            limit: format!("{} links per node", limits.links),
        });
    }
    let data =
        UnixfsData::decode(pb.data.as_deref().unwrap_or(&[])).map_err(|e| bad(&e.to_string()))?;
    let link_cid = |l: &crate::unixfs::PbLink| {
        Cid::try_from(l.hash.as_slice()).map_err(|_| bad("a link that is not a CID"))
    };
    match data.kind {
        Some(DataType::File) | Some(DataType::Raw) => {
            let inline = Bytes::from(data.data.unwrap_or_default());
            let size = data.filesize.unwrap_or(inline.len() as u64);
            let children = pb.links.iter().map(link_cid).collect::<Result<_, _>>()?;
            Ok(Node::File {
                size,
                inline,
                children,
            })
        }
        Some(DataType::Directory) => Ok(Node::Dir {
            entries: pb
                .links
                .iter()
                .map(|l| {
                    Ok(Entry {
                        name: l.name.clone(),
                        cid: link_cid(l)?,
                        tsize: l.tsize,
                    })
                })
                .collect::<Result<_, _>>()?,
            shards: Vec::new(),
        }),
        Some(DataType::HamtShard) => {
            // Links named by a two-hex-digit prefix alone lead to sub-shards;
            // longer names are entries (prefix + name).
            let mut entries = Vec::new();
            let mut shards = Vec::new();
            for l in &pb.links {
                let c = link_cid(l)?;
                match l.name.get(2..) {
                    Some(rest) if !rest.is_empty() => entries.push(Entry {
                        name: rest.to_string(),
                        cid: c,
                        tsize: l.tsize,
                    }),
                    _ => shards.push(c),
                }
            }
            Ok(Node::Dir { entries, shards })
        }
        Some(DataType::Symlink) => Ok(Node::Symlink(
            String::from_utf8_lossy(data.data.as_deref().unwrap_or(&[])).into_owned(),
        )),
        _ => Err(bad("not a file, folder or symlink")),
    }
}
