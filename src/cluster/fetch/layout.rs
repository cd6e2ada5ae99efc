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

/// The runs of pieces not `done`, each still to be asked for.
pub fn runs(layout: &Layout, done: &[bool]) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    for i in 0..layout.pieces.len() {
        match (done.get(i).copied().unwrap_or(false), start) {
            (true, Some(s)) => {
                out.push(s..i);
                start = None;
            }
            (false, None) => start = Some(i),
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push(s..layout.pieces.len());
    }
    out
}

/// Bytes asked of a gateway in one request, at least and at most. Few
/// requests spare kubo: it pays for each range it serves (measured on kubo
/// 0.42, a GiB in 2 ranges cost it 0.94 s of CPU, in 32 ranges 1.05 s, in
/// 128 ranges 1.24 s). A GiB keeps one request within a day on a slow
/// link.
const SEGMENT_MIN: u64 = 8 << 20;
const SEGMENT_MAX: u64 = 1 << 30;

/// The bytes of the next request, `left` being still unasked among
/// `workers`: an even share of what is left, so the first requests are
/// large and the last small, and no worker is left with much when the
/// others run out (a request is never cut short once asked: the bytes on
/// their way would be fetched for nothing).
pub fn next_request(left: u64, workers: usize) -> u64 {
    (left / workers.max(1) as u64).clamp(SEGMENT_MIN, SEGMENT_MAX)
}

/// Where the first `bytes` of the pieces `run` end (at least one piece).
pub fn cut(layout: &Layout, run: std::ops::Range<usize>, bytes: u64) -> usize {
    let Some(first) = layout.pieces.get(run.start) else {
        return run.end;
    };
    let until = first.offset.saturating_add(bytes);
    let after = layout.pieces[run.clone()].partition_point(|p| p.offset + p.len <= until);
    (run.start + after.max(1)).min(run.end)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn even(n: usize, len: u64) -> Layout {
        Layout {
            root: Cid::default(),
            size: n as u64 * len,
            pieces: (0..n)
                .map(|i| Piece {
                    offset: i as u64 * len,
                    len,
                    data: Data::Inline(Bytes::new()),
                })
                .collect(),
        }
    }

    /// A GiB from one gateway's two workers: 512 MiB, 256 MiB, … down to
    /// 8 MiB, 8 requests in all, where ranges of one size would need 128
    /// for the last to end within 8 MiB of the others.
    #[test]
    fn requests_start_large_and_end_small() {
        let l = even(4096, 256 << 10);
        let mut run = 0..l.pieces.len();
        let mut sizes = Vec::new();
        while !run.is_empty() {
            let left = (run.end - run.start) as u64 * (256 << 10);
            let at = cut(&l, run.clone(), next_request(left, 2));
            sizes.push(((at - run.start) as u64 * (256 << 10)) >> 20);
            run = at..run.end;
        }
        assert_eq!(sizes, [512, 256, 128, 64, 32, 16, 8, 8]);
        assert_eq!(next_request(100 << 30, 2), 1 << 30);
        assert_eq!(next_request(0, 0), 8 << 20);
    }

    /// The runs left between what an earlier run verified.
    #[test]
    fn what_is_left_is_the_runs_between_the_done_pieces() {
        let l = even(6, 1);
        assert_eq!(runs(&l, &[false; 6]), vec![0..6]);
        assert_eq!(
            runs(&l, &[true, false, false, true, true, false]),
            vec![1..3, 5..6]
        );
        assert_eq!(runs(&l, &[true; 6]), Vec::<std::ops::Range<usize>>::new());
    }

    /// A cut falls between pieces, takes at least one, never past the run.
    #[test]
    fn a_cut_is_between_pieces_of_the_run() {
        let l = even(10, 3 << 20);
        assert_eq!(cut(&l, 2..10, 8 << 20), 4);
        assert_eq!(cut(&l, 2..10, 9 << 20), 5);
        assert_eq!(cut(&l, 2..10, 1), 3);
        assert_eq!(cut(&l, 2..10, u64::MAX), 10);
        assert_eq!(cut(&l, 10..10, 1), 10);
    }
}
