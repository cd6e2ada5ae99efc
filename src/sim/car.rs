//! CARv1 as the simulated gateway writes it (and the tests' gateway of
//! hand-built blocks): the header, one section a block, and a block's
//! links in the order a depth-first walk meets them.

use bytes::Bytes;
use cid::Cid;

use crate::unixfs::pb::put_varint;
use crate::unixfs::PbNode;

const RAW: u64 = 0x55;

/// The length-prefixed header, dag-cbor `{"roots": [root], "version": 1}`.
pub fn header(root: &Cid) -> Vec<u8> {
    let cid = root.to_bytes();
    let mut hdr = vec![0xa2, 0x65];
    hdr.extend_from_slice(b"roots");
    hdr.extend_from_slice(&[0x81, 0xd8, 0x2a, 0x58, (cid.len() + 1) as u8, 0x00]);
    hdr.extend_from_slice(&cid);
    hdr.push(0x67);
    hdr.extend_from_slice(b"version");
    hdr.push(0x01);
    let mut out = Vec::with_capacity(hdr.len() + 2);
    put_varint(&mut out, hdr.len() as u64);
    out.extend_from_slice(&hdr);
    out
}

/// One block's section: its length, its CID, its bytes.
pub fn section(c: &Cid, block: &[u8]) -> Bytes {
    let cb = c.to_bytes();
    let mut out = Vec::with_capacity(cb.len() + block.len() + 10);
    put_varint(&mut out, (cb.len() + block.len()) as u64);
    out.extend_from_slice(&cb);
    out.extend_from_slice(block);
    Bytes::from(out)
}

/// The blocks `c` links to, in order (none for a raw block, or one that
/// does not decode).
pub fn links(c: &Cid, block: &[u8]) -> Vec<Cid> {
    if c.codec() == RAW {
        return Vec::new();
    }
    PbNode::decode(block)
        .map(|pb| {
            pb.links
                .iter()
                .filter_map(|l| Cid::try_from(&l.hash[..]).ok())
                .collect()
        })
        .unwrap_or_default()
}
