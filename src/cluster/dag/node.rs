//! A block of a UnixFS DAG, decoded: a file, a folder (or a shard of one)
//! or a symlink, with its links.

use bytes::Bytes;
use cid::Cid;

use super::error::BlockError;
use super::limits::Limits;
use crate::unixfs::{DataType, PbLink, PbNode, UnixfsData};

/// The raw codec: a leaf of file data, no links.
pub const RAW: u64 = 0x55;
/// The protobuf codec every other UnixFS block uses.
pub const DAG_PB: u64 = 0x70;

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

/// Decodes a verified block.
pub fn decode(cid: &Cid, block: Bytes) -> Result<Node, BlockError> {
    decode_within(cid, block, &Limits::default())
}

/// Decodes a verified block whose links are within `limits`.
pub fn decode_within(cid: &Cid, block: Bytes, limits: &Limits) -> Result<Node, BlockError> {
    match cid.codec() {
        RAW => {
            return Ok(Node::File {
                size: block.len() as u64,
                inline: block,
                children: Vec::new(),
            })
        }
        DAG_PB => {}
        c => return Err(malformed(cid, &format!("codec 0x{c:x} is not UnixFS"))),
    }
    let pb = PbNode::decode(&block).map_err(|e| malformed(cid, &e.to_string()))?;
    if pb.links.len() > limits.links {
        return Err(BlockError::Limit {
            item: cid.to_string(),
            what: format!("a block of {} links", pb.links.len()),
            limit: format!("{} links per node", limits.links),
        });
    }
    let data = UnixfsData::decode(pb.data.as_deref().unwrap_or(&[]))
        .map_err(|e| malformed(cid, &e.to_string()))?;
    match data.kind {
        Some(DataType::File) | Some(DataType::Raw) => file(cid, data, &pb),
        Some(DataType::Directory) => Ok(Node::Dir {
            entries: folder_entries(cid, &pb)?,
            shards: Vec::new(),
        }),
        Some(DataType::HamtShard) => hamt_shard(cid, &pb),
        Some(DataType::Symlink) => Ok(Node::Symlink(
            String::from_utf8_lossy(data.data.as_deref().unwrap_or(&[])).into_owned(),
        )),
        _ => Err(malformed(cid, "not a file, folder or symlink")),
    }
}

/// A file node: the bytes it holds itself, and its children in order.
fn file(cid: &Cid, data: UnixfsData, pb: &PbNode) -> Result<Node, BlockError> {
    let inline = Bytes::from(data.data.unwrap_or_default());
    let size = data.filesize.unwrap_or(inline.len() as u64);
    let children = pb
        .links
        .iter()
        .map(|l| link_cid(cid, l))
        .collect::<Result<_, _>>()?;
    Ok(Node::File {
        size,
        inline,
        children,
    })
}

/// A plain folder's entries, each link one.
fn folder_entries(cid: &Cid, pb: &PbNode) -> Result<Vec<Entry>, BlockError> {
    pb.links
        .iter()
        .map(|l| {
            Ok(Entry {
                name: l.name.clone(),
                cid: link_cid(cid, l)?,
                tsize: l.tsize,
            })
        })
        .collect()
}

/// A HAMT shard: links named by a two-hex-digit prefix alone lead to
/// sub-shards; longer names are entries (prefix + name).
fn hamt_shard(cid: &Cid, pb: &PbNode) -> Result<Node, BlockError> {
    let mut entries = Vec::new();
    let mut shards = Vec::new();
    for l in &pb.links {
        let c = link_cid(cid, l)?;
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

fn link_cid(cid: &Cid, l: &PbLink) -> Result<Cid, BlockError> {
    Cid::try_from(l.hash.as_slice()).map_err(|_| malformed(cid, "a link that is not a CID"))
}

fn malformed(cid: &Cid, what: &str) -> BlockError {
    BlockError::Malformed {
        cid: cid.to_string(),
        what: what.to_string(),
    }
}
