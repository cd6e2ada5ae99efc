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

    /// A block, decoded.
    pub async fn node(&self, cid: &Cid) -> Result<Node, BlockError> {
        let block = self.block(cid).await?;
        decode(cid, block)
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
    pub async fn list_with(
        &self,
        cid: &Cid,
        mut on_batch: impl FnMut(&[Entry]),
    ) -> Result<Vec<Entry>, BlockError> {
        let (mut all, mut shards) = match self.node(cid).await? {
            Node::Dir { entries, shards } => (entries, shards),
            _ => {
                return Err(BlockError::Malformed {
                    cid: cid.to_string(),
                    what: "not a folder".into(),
                })
            }
        };
        on_batch(&all);
        while !shards.is_empty() {
            let batch = std::mem::take(&mut shards);
            let mut s = futures_util::stream::iter(batch)
                .map(|c| async move { (c, self.node(&c).await) })
                .buffer_unordered(AHEAD);
            while let Some((c, r)) = s.next().await {
                match r? {
                    Node::Dir {
                        entries,
                        shards: more,
                    } => {
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
                BlockError::Malformed { .. } => BlockError::NoSuchPath {
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

    /// A file's bytes in order, at most `limit`, each piece verified before
    /// `out` sees it. Returns the bytes given to `out`.
    pub async fn read(
        &self,
        cid: &Cid,
        limit: Option<u64>,
        out: &mut (dyn FnMut(&[u8]) -> std::io::Result<()> + Send),
    ) -> Result<u64, ReadError> {
        let mut left = limit.unwrap_or(u64::MAX);
        let mut written = 0;
        self.read_node(*cid, &mut left, &mut written, out).await?;
        Ok(written)
    }

    fn read_node<'a>(
        &'a self,
        cid: Cid,
        left: &'a mut u64,
        written: &'a mut u64,
        out: &'a mut (dyn FnMut(&[u8]) -> std::io::Result<()> + Send),
    ) -> BoxFuture<'a, Result<(), ReadError>> {
        async move {
            let node = self.node(&cid).await?;
            let (inline, children) = match node {
                Node::File {
                    inline, children, ..
                } => (inline, children),
                _ => {
                    return Err(ReadError::Block(BlockError::Malformed {
                        cid: cid.to_string(),
                        what: "not a file".into(),
                    }))
                }
            };
            emit(&inline, left, written, out)?;
            // Children come `AHEAD` at a time, in order; leaves are emitted
            // as they come, inner nodes are read in turn.
            let mut s = futures_util::stream::iter(children)
                .map(|c| async move { (c, self.node(&c).await) })
                .buffered(AHEAD);
            while let Some((c, n)) = s.next().await {
                if *left == 0 {
                    break;
                }
                match n? {
                    Node::File {
                        inline, children, ..
                    } if children.is_empty() => emit(&inline, left, written, out)?,
                    Node::File { .. } => self.read_node(c, left, written, out).await?,
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

fn emit(
    bytes: &[u8],
    left: &mut u64,
    written: &mut u64,
    out: &mut (dyn FnMut(&[u8]) -> std::io::Result<()> + Send),
) -> Result<(), ReadError> {
    let n = (bytes.len() as u64).min(*left) as usize;
    if n > 0 {
        out(&bytes[..n]).map_err(ReadError::Output)?;
    }
    *left -= n as u64;
    *written += n as u64;
    Ok(())
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
