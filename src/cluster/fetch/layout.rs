//! A file's layout: which leaf holds which bytes, read from its inner
//! blocks (a few kilobytes for a gigabyte) before any data is asked. With
//! it, any byte range can be asked of any holder and each leaf checked
//! against its CID as it arrives.

use std::collections::HashMap;

use bytes::Bytes;
use cid::Cid;

use crate::cluster::dag::{BlockError, Dag, Limits};
use crate::unixfs::{DataType, PbNode, UnixfsData};

const RAW: u64 = 0x55;
const DAG_PB: u64 = 0x70;

/// What a dag-pb leaf adds around its data (kubo writes at most 17 bytes):
/// a link whose cumulative size is within this of its data is a leaf; an
/// inner node's holds at least one more link.
const LEAF_FRAME: u64 = 32;

/// Bytes of the file, where they come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Data {
    /// A leaf block, asked of a gateway and checked against this CID.
    Leaf(Cid),
    /// Bytes inside an inner block, already verified with it.
    Inline(Bytes),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Piece {
    pub offset: u64,
    pub len: u64,
    pub data: Data,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    /// The file's CID.
    pub root: Cid,
    pub size: u64,
    /// In file order, end to end.
    pub pieces: Vec<Piece>,
}

/// What one inner block says.
struct Inner {
    inline: Bytes,
    children: Vec<(Cid, u64, u64)>, // (cid, bytes of file data, cumulative DAG size)
    size: u64,
}

fn malformed(cid: &Cid, what: impl Into<String>) -> BlockError {
    BlockError::Malformed {
        cid: cid.to_string(),
        what: what.into(),
    }
}

fn inner(cid: &Cid, block: &[u8], limits: &Limits) -> Result<Inner, BlockError> {
    let pb = PbNode::decode(block).map_err(|e| malformed(cid, e.to_string()))?;
    if pb.links.len() > limits.links {
        return Err(BlockError::Limit {
            item: cid.to_string(),
            what: format!("a block of {} links", pb.links.len()),
            limit: format!("{} links per node", limits.links),
        });
    }
    let d = UnixfsData::decode(pb.data.as_deref().unwrap_or(&[]))
        .map_err(|e| malformed(cid, e.to_string()))?;
    if !matches!(d.kind, Some(DataType::File) | Some(DataType::Raw)) {
        return Err(malformed(cid, "not a file"));
    }
    if !pb.links.is_empty() && d.blocksizes.len() != pb.links.len() {
        return Err(malformed(cid, "its links and their sizes do not pair up"));
    }
    let inline = Bytes::from(d.data.unwrap_or_default());
    let mut children = Vec::with_capacity(pb.links.len());
    let mut sum = inline.len() as u64;
    for (l, bs) in pb.links.iter().zip(&d.blocksizes) {
        let c = Cid::try_from(l.hash.as_slice()).map_err(|_| malformed(cid, "a bad link"))?;
        sum = sum
            .checked_add(*bs)
            .ok_or_else(|| malformed(cid, "sizes overflow"))?;
        children.push((c, *bs, l.tsize));
    }
    if d.filesize.is_some_and(|f| f != sum) {
        return Err(malformed(cid, "its size is not the sum of its parts"));
    }
    Ok(Inner {
        inline,
        children,
        size: sum,
    })
}

/// Pieces a layout may hold, whatever size the root claims: about 200 MiB
/// of layout, a 512 GiB file in kubo's 256 KiB blocks. A root that claims a
/// petabyte of one small block linked over and over stops here.
const MAX_PIECES: usize = 2 << 20;

/// The size the file's root block declares, before anything else is read
/// (to be held against the caps first).
pub fn declared_size(root: &Cid, root_block: &[u8], limits: &Limits) -> Result<u64, BlockError> {
    if root.codec() == RAW {
        return Ok(root_block.len() as u64);
    }
    inner(root, root_block, limits).map(|n| n.size)
}

/// The layout of the file `root` (its verified root block in hand), its
/// inner blocks read through `dag`. A tree that links one block a billion
/// times is refused, not walked: no honest leaf but a file's last is under
/// 256 bytes, so a file has at most one piece per 256 bytes (and 4,096
/// more), never more than [`MAX_PIECES`], and no leaf is larger than a block.
pub async fn layout(dag: &Dag, root: &Cid, root_block: Bytes) -> Result<Layout, BlockError> {
    if root.codec() == RAW {
        let len = root_block.len() as u64;
        return Ok(Layout {
            root: *root,
            size: len,
            pieces: vec![Piece {
                offset: 0,
                len,
                data: Data::Inline(root_block),
            }],
        });
    }
    if root.codec() != DAG_PB {
        return Err(malformed(
            root,
            format!("codec 0x{:x} is not UnixFS", root.codec()),
        ));
    }
    let limits = dag.limits;
    let top = inner(root, &root_block, &limits)?;
    let size = top.size;
    let max_pieces = (4096 + usize::try_from(size / 256).unwrap_or(usize::MAX)).min(MAX_PIECES);
    let mut cache: HashMap<Cid, std::sync::Arc<Inner>> = HashMap::new();
    cache.insert(*root, std::sync::Arc::new(top));
    let mut pieces: Vec<Piece> = Vec::new();
    // (block, where its bytes start, the size its parent gives it, depth)
    let mut stack: Vec<(Cid, u64, u64, usize)> = vec![(*root, 0, size, 0)];
    while let Some((cid, offset, want, depth)) = stack.pop() {
        if depth > limits.depth {
            return Err(BlockError::Limit {
                item: root.to_string(),
                what: format!("a file {depth} levels deep"),
                limit: format!("{} levels", limits.depth),
            });
        }
        let node = match cache.get(&cid) {
            Some(n) => n.clone(),
            None => {
                let block = dag.block(&cid).await?;
                let n = std::sync::Arc::new(inner(&cid, &block, &limits)?);
                cache.insert(cid, n.clone());
                n
            }
        };
        if node.size != want {
            return Err(malformed(&cid, "its size is not what its parent says"));
        }
        let mut at = offset;
        if !node.inline.is_empty() {
            pieces.push(Piece {
                offset: at,
                len: node.inline.len() as u64,
                data: Data::Inline(node.inline.clone()),
            });
            at += node.inline.len() as u64;
        }
        let mut deeper = Vec::new();
        for (c, bs, tsize) in &node.children {
            let leaf = c.codec() == RAW
                || (c.codec() == DAG_PB && *tsize > 0 && *tsize <= bs + LEAF_FRAME);
            if leaf {
                if *bs > crate::cluster::dag::MAX_BLOCK as u64 {
                    return Err(malformed(c, "a leaf larger than any block"));
                }
                pieces.push(Piece {
                    offset: at,
                    len: *bs,
                    data: Data::Leaf(*c),
                });
            } else {
                deeper.push((*c, at, *bs, depth + 1));
            }
            at += bs;
            if pieces.len() > max_pieces {
                return Err(BlockError::Limit {
                    item: root.to_string(),
                    what: format!("a file of more than {max_pieces} blocks"),
                    limit: format!(
                        "{max_pieces} blocks for its size (at most {MAX_PIECES}, a layout held in memory)"
                    ),
                });
            }
        }
        stack.extend(deeper.into_iter().rev());
    }
    // Walked depth first, in order: the pieces are in order already; sorted
    // all the same, as the rest relies on it.
    pieces.sort_by_key(|p| p.offset);
    Ok(Layout {
        root: *root,
        size,
        pieces,
    })
}

/// The pieces not `done`, grouped into runs of about `target` bytes, each
/// asked of a gateway in one request.
pub fn segments(layout: &Layout, done: &[bool], target: u64) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    let mut bytes = 0u64;
    for (i, p) in layout.pieces.iter().enumerate() {
        if done.get(i).copied().unwrap_or(false) {
            if let Some(s) = start.take() {
                out.push(s..i);
            }
            bytes = 0;
            continue;
        }
        let s = *start.get_or_insert(i);
        bytes += p.len;
        if bytes >= target {
            out.push(s..i + 1);
            start = None;
            bytes = 0;
        }
    }
    if let Some(s) = start {
        out.push(s..layout.pieces.len());
    }
    out
}
/// Bytes asked of a gateway in one request, at least and at most: kubo
/// pays about 3 ms of CPU for each range it serves (it walks the file's
/// tree to the range's start): measured on 1.1.6 + kubo 0.42, a GiB asked
/// 8 MiB at a time cost it 1.54 s of CPU, in one request 1.15 s, in
/// ranges of 64 MiB 1.19 s.
const SEGMENT_MIN: u64 = 8 << 20;
const SEGMENT_MAX: u64 = 32 << 20;

/// The bytes asked in one request: about two rounds of requests over the
/// `workers` of every gateway (so one that finishes early takes more),
/// within [`SEGMENT_MIN`] and [`SEGMENT_MAX`].
pub fn segment_size(size: u64, workers: usize) -> u64 {
    size.div_ceil(workers.max(1) as u64 * 2)
        .clamp(SEGMENT_MIN, SEGMENT_MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Few ranges for kubo to walk to, yet work for every gateway's
    /// workers: 1 GiB from one gateway in 32 MiB ranges, 64 MiB in four.
    #[test]
    fn a_request_asks_for_enough_to_spare_the_gateway_and_not_more() {
        assert_eq!(segment_size(1 << 30, 2), 32 << 20);
        assert_eq!(segment_size(64 << 20, 2), 16 << 20);
        assert_eq!(segment_size(64 << 20, 6), 8 << 20);
        assert_eq!(segment_size(1 << 20, 6), 8 << 20);
        assert_eq!(segment_size(0, 0), 8 << 20);
    }
}
