//! The simulator's blocks as the gateway reads them: a node decoded, a
//! folder's links (HAMT shards flattened), a file's leaves.

use bytes::Bytes;
use cid::Cid;

use crate::sim::Ctx;
use crate::unixfs::DataType;
use crate::unixfs::PbNode;
use crate::unixfs::UnixfsData;

pub(super) const RAW: u64 = 0x55;

pub(super) enum Node {
    File,
    Dir(Vec<(String, Cid)>),
    Symlink(String),
}

pub(super) fn get_block(ctx: &Ctx, c: &Cid) -> Option<Bytes> {
    ctx.state.read().blocks.get(&c.to_bytes()).cloned()
}

pub(super) fn decode(ctx: &Ctx, c: &Cid) -> Result<Node, String> {
    let block = get_block(ctx, c).ok_or_else(|| format!("block {c} not found"))?;
    if c.codec() == RAW {
        return Ok(Node::File);
    }
    let pb = PbNode::decode(&block).map_err(|e| e.to_string())?;
    let data = UnixfsData::decode(pb.data.as_deref().unwrap_or(&[])).map_err(|e| e.to_string())?;
    match data.kind {
        Some(DataType::File) | Some(DataType::Raw) => Ok(Node::File),
        Some(DataType::Directory) => Ok(Node::Dir(links(&pb, 0)?)),
        Some(DataType::HamtShard) => {
            let mut out = Vec::new();
            hamt_links(ctx, &pb, &mut out)?;
            out.sort_by(|a, b| a.0.cmp(&b.0));
            Ok(Node::Dir(out))
        }
        Some(DataType::Symlink) => Ok(Node::Symlink(
            String::from_utf8_lossy(data.data.as_deref().unwrap_or(&[])).into_owned(),
        )),
        _ => Err("unsupported UnixFS node".into()),
    }
}

pub(super) fn links(pb: &PbNode, strip: usize) -> Result<Vec<(String, Cid)>, String> {
    pb.links
        .iter()
        .map(|l| {
            let c = Cid::try_from(l.hash.as_slice()).map_err(|e| e.to_string())?;
            Ok((l.name.get(strip..).unwrap_or("").to_string(), c))
        })
        .collect()
}

pub(super) fn hamt_links(
    ctx: &Ctx,
    pb: &PbNode,
    out: &mut Vec<(String, Cid)>,
) -> Result<(), String> {
    for (name, c) in links(pb, 0)? {
        if name.len() > 2 {
            let entry = name
                .get(2..)
                .ok_or_else(|| format!("a shard entry without its prefix: {name:?}"))?;
            out.push((entry.to_string(), c));
        } else {
            let block = get_block(ctx, &c).ok_or_else(|| format!("block {c} not found"))?;
            let child = PbNode::decode(&block).map_err(|e| e.to_string())?;
            hamt_links(ctx, &child, out)?;
        }
    }
    Ok(())
}

/// Leaves of a file (CID and content length), in order.
pub(super) fn leaves(ctx: &Ctx, c: &Cid, out: &mut Vec<(Cid, u64)>) -> Result<(), String> {
    if c.codec() == RAW {
        let len = get_block(ctx, c).map_or(0, |b| b.len() as u64);
        out.push((*c, len));
        return Ok(());
    }
    let block = get_block(ctx, c).ok_or_else(|| format!("block {c} not found"))?;
    let pb = PbNode::decode(&block).map_err(|e| e.to_string())?;
    if pb.links.is_empty() {
        let data =
            UnixfsData::decode(pb.data.as_deref().unwrap_or(&[])).map_err(|e| e.to_string())?;
        out.push((*c, data.data.map_or(0, |d| d.len() as u64)));
        return Ok(());
    }
    for (_, child) in links(&pb, 0)? {
        leaves(ctx, &child, out)?;
    }
    Ok(())
}

pub(super) fn leaf_bytes(ctx: &Ctx, c: &Cid) -> Option<Bytes> {
    let block = get_block(ctx, c)?;
    if c.codec() == RAW {
        return Some(block);
    }
    let pb = PbNode::decode(&block).ok()?;
    let data = UnixfsData::decode(pb.data.as_deref().unwrap_or(&[])).ok()?;
    Some(Bytes::from(data.data.unwrap_or_default()))
}
