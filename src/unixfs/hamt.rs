//! HAMT-sharded folders, byte-for-byte as boxo's `hamt.Shard` writes them.
//!
//! Fanout 256; each level consumes one byte of the 64-bit murmur3 hash of the
//! entry name (the first half of x64_128, seed 0, big-endian: spaolacci/murmur3
//! `New64`). A slot holding one entry links it as `%02X` + name; a slot where
//! names collide links a child shard named `%02X`. Insert-only HAMTs are
//! canonical, so building the trie from the final entry set gives kubo's CIDs.

use super::pb::{DataType, PbLink, PbNode, UnixfsData};
use super::DirEntryLink;
use super::{put_pb, BlockSink, ImportOptions, NodeRef, UnixfsError};

const FANOUT: usize = 256;
const MURMUR3_MULTICODEC: u64 = 0x22;

pub(crate) fn name_hash(name: &str) -> [u8; 8] {
    let mut cursor = std::io::Cursor::new(name.as_bytes());
    // Reading from an in-memory cursor cannot fail.
    let h = murmur3::murmur3_x64_128(&mut cursor, 0).unwrap_or(0);
    ((h & u128::from(u64::MAX)) as u64).to_be_bytes()
}

pub(crate) fn build(
    entries: Vec<DirEntryLink>,
    opts: &ImportOptions,
    sink: &mut dyn BlockSink,
) -> Result<NodeRef, UnixfsError> {
    let hashed: Vec<([u8; 8], DirEntryLink)> = entries
        .into_iter()
        .map(|e| (name_hash(&e.name), e))
        .collect();
    build_level(hashed, 0, opts, sink)
}

fn build_level(
    entries: Vec<([u8; 8], DirEntryLink)>,
    depth: usize,
    opts: &ImportOptions,
    sink: &mut dyn BlockSink,
) -> Result<NodeRef, UnixfsError> {
    if depth >= 8 {
        return Err(UnixfsError::Unsupported(
            "sharded directory too deep".into(),
        ));
    }
    let mut slots: Vec<Vec<([u8; 8], DirEntryLink)>> = (0..FANOUT).map(|_| Vec::new()).collect();
    for e in entries {
        slots[usize::from(e.0[depth])].push(e);
    }
    let mut bitfield = [0u8; FANOUT / 8];
    let mut links = Vec::new();
    for (idx, mut slot) in slots.into_iter().enumerate() {
        if slot.is_empty() {
            continue;
        }
        bitfield[FANOUT / 8 - 1 - idx / 8] |= 1 << (idx % 8);
        if slot.len() == 1 {
            let (_, e) = slot.remove(0);
            links.push(PbLink {
                hash: e.node.cid.to_bytes(),
                name: format!("{idx:02X}{}", e.name),
                tsize: e.node.size,
            });
        } else {
            let child = build_level(slot, depth + 1, opts, sink)?;
            links.push(PbLink {
                hash: child.cid.to_bytes(),
                name: format!("{idx:02X}"),
                tsize: child.size,
            });
        }
    }
    // go-bitfield's Bytes() drops leading zero bytes.
    let first = bitfield
        .iter()
        .position(|b| *b != 0)
        .unwrap_or(bitfield.len());
    let node = PbNode {
        links,
        data: Some(
            UnixfsData {
                kind: Some(DataType::HamtShard),
                data: Some(bitfield[first..].to_vec()),
                hash_type: Some(MURMUR3_MULTICODEC),
                fanout: Some(FANOUT as u64),
                ..Default::default()
            }
            .encode(),
        ),
    };
    Ok(put_pb(opts, sink, &node))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn murmur_matches_spaolacci_sum64() {
        // spaolacci/murmur3 test vector: Sum64("hello") with seed 0.
        assert_eq!(u64::from_be_bytes(name_hash("hello")), 0xcbd8a7b341bd9b02);
    }
}
