//! A kubo-compatible UnixFS importer: the CIDs `ipfs add` (and ipfs-cluster's `/add`)
//! would give for a file or a folder, computed locally and in constant memory.
//!
//! Defaults match kubo: CIDv0, dag-pb leaves, 256 KiB fixed-size chunks, the
//! balanced layout with at most 174 links per node, and HAMT sharding of any
//! folder whose estimated node size passes 256 KiB. `cid_version = 1` switches
//! raw leaves on unless `raw_leaves` is given, exactly as kubo does.
//!
//! The simulator stores the blocks it produces (through a [`BlockSink`]); the
//! console and the scripting commands pass a no-op sink to compute a CID only.

mod dir;
mod file;
mod hamt;
pub(crate) mod pb;
pub mod tree;

pub use dir::DirBuilder;
pub use file::FileBuilder;
pub use pb::{DataType, PbLink, PbNode, UnixfsData};
pub use tree::{import_path, Added, TreeImporter};

use cid::Cid;
use sha2::{Digest, Sha256};

/// Default chunk size of kubo (`size-262144`).
pub const DEFAULT_CHUNK_SIZE: usize = 262_144;
/// Maximum links per internal file node in kubo's balanced layout.
pub const MAX_LINKS: usize = 174;
/// Folders whose estimated size passes this are sharded (boxo `HAMTShardingSize`).
pub const HAMT_SHARDING_SIZE: usize = 262_144;

const DAG_PB: u64 = 0x70;
const RAW: u64 = 0x55;
const SHA2_256: u64 = 0x12;

#[derive(Debug, thiserror::Error)]
pub enum UnixfsError {
    #[error("malformed block: {0}")]
    Malformed(&'static str),
    #[error("unsupported option: {0}")]
    Unsupported(String),
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

/// Importer options, named as `ipfs add` / `/add` name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImportOptions {
    pub cid_version: u8,
    pub raw_leaves: bool,
    pub chunk_size: usize,
    /// A folder whose estimated size passes this is HAMT-sharded (kubo's
    /// `Internal.UnixFSShardingSizeThreshold`, 256 KiB by default).
    pub sharding_threshold: usize,
}

impl Default for ImportOptions {
    fn default() -> Self {
        Self {
            cid_version: 0,
            raw_leaves: false,
            chunk_size: DEFAULT_CHUNK_SIZE,
            sharding_threshold: HAMT_SHARDING_SIZE,
        }
    }
}

impl ImportOptions {
    /// kubo's rule: CIDv1 implies raw leaves unless raw-leaves is given explicitly.
    pub fn new(cid_version: u8, raw_leaves: Option<bool>) -> Self {
        Self {
            cid_version,
            raw_leaves: raw_leaves.unwrap_or(cid_version > 0),
            chunk_size: DEFAULT_CHUNK_SIZE,
            sharding_threshold: HAMT_SHARDING_SIZE,
        }
    }

    /// Parses a kubo chunker spec. Only fixed-size chunking is implemented.
    pub fn with_chunker(mut self, spec: &str) -> Result<Self, UnixfsError> {
        if spec.is_empty() || spec == "default" {
            return Ok(self);
        }
        let size = spec
            .strip_prefix("size-")
            .and_then(|n| n.parse::<usize>().ok())
            .filter(|n| *n > 0 && *n <= 1024 * 1024)
            .ok_or_else(|| UnixfsError::Unsupported(format!("chunker {spec:?}")))?;
        self.chunk_size = size;
        Ok(self)
    }

    pub(crate) fn pb_cid(&self, block: &[u8]) -> Cid {
        let mh = sha256_multihash(block);
        if self.cid_version == 0 {
            Cid::new_v0(mh).unwrap_or_else(|_| Cid::new_v1(DAG_PB, mh))
        } else {
            Cid::new_v1(DAG_PB, mh)
        }
    }

    pub(crate) fn raw_cid(&self, block: &[u8]) -> Cid {
        Cid::new_v1(RAW, sha256_multihash(block))
    }
}

fn sha256_multihash(block: &[u8]) -> cid::multihash::Multihash<64> {
    let digest = Sha256::digest(block);
    // A 32-byte digest always fits the 64-byte multihash.
    cid::multihash::Multihash::wrap(SHA2_256, &digest).expect("32-byte digest fits")
}

/// Whether `block` is what `cid` names: its sha2-256 digest (the only hash
/// kubo's importer uses by default). Any other hash function is refused.
pub fn block_matches(cid: &Cid, block: &[u8]) -> bool {
    cid.hash().code() == SHA2_256 && *cid.hash() == sha256_multihash(block)
}

/// Whether `data` is the file data of the leaf `cid` names, without the
/// block in hand: a raw leaf is its data; a dag-pb leaf is the data wrapped
/// as kubo's importer wraps it (`PBNode{Data: UnixFS{File, data, filesize}}`),
/// hashed in place so a fetch never copies the bytes to check them. False
/// for any other encoding: the caller then asks for the block itself.
pub fn leaf_matches(cid: &Cid, data: &[u8]) -> bool {
    if cid.hash().code() != SHA2_256 {
        return false;
    }
    let digest = match cid.codec() {
        RAW => Sha256::digest(data),
        DAG_PB => {
            let (head, tail) = pb::file_leaf_frame(data.len());
            let mut h = Sha256::new();
            h.update(&head);
            h.update(data);
            h.update(&tail);
            h.finalize()
        }
        _ => return false,
    };
    cid.hash().digest() == digest.as_slice()
}

/// The most bytes a download of `cid` can honestly carry, from its root block
/// alone: a file's declared size; for a folder (fetched as a tar), its
/// cumulative DAG size with room for a tar header per block.
pub fn declared_bound(cid: &Cid, root: &[u8]) -> Option<u64> {
    if cid.codec() == RAW {
        return Some(root.len() as u64);
    }
    let pb = PbNode::decode(root).ok()?;
    let data = UnixfsData::decode(pb.data.as_deref().unwrap_or(&[])).ok()?;
    match data.kind? {
        DataType::File | DataType::Raw => Some(
            data.filesize
                .unwrap_or_else(|| data.data.as_ref().map_or(0, |d| d.len() as u64)),
        ),
        DataType::Directory | DataType::HamtShard => {
            let dag: u64 = pb.links.iter().map(|l| l.tsize).sum();
            // A tar entry costs at most 1 KiB of headers and padding, and a
            // folder has at most one entry per block (each over 2 bytes).
            Some(dag + (dag / 2 + pb.links.len() as u64 + 2) * 1024 + 1024)
        }
        _ => None,
    }
}

/// Where finished blocks go. The simulator keeps them; CID-only callers drop them.
pub trait BlockSink: Send {
    fn put(&mut self, cid: &Cid, block: Vec<u8>);
}

/// Drops every block: for computing a CID only.
#[derive(Debug, Default, Clone, Copy)]
pub struct NullSink;

impl BlockSink for NullSink {
    fn put(&mut self, _cid: &Cid, _block: Vec<u8>) {}
}

impl<F: FnMut(&Cid, Vec<u8>) + Send> BlockSink for F {
    fn put(&mut self, cid: &Cid, block: Vec<u8>) {
        self(cid, block)
    }
}

/// One named entry of a folder (plain or HAMT-sharded).
#[derive(Debug, Clone)]
pub struct DirEntryLink {
    pub name: String,
    pub node: NodeRef,
}

/// A finished node: its CID and the cumulative DAG size kubo reports (`Tsize`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeRef {
    pub cid: Cid,
    pub size: u64,
}

/// Stores a dag-pb node and returns its reference.
pub(crate) fn put_pb(opts: &ImportOptions, sink: &mut dyn BlockSink, node: &PbNode) -> NodeRef {
    let block = node.encode();
    let size = block.len() as u64 + node.links.iter().map(|l| l.tsize).sum::<u64>();
    let cid = opts.pb_cid(&block);
    sink.put(&cid, block);
    NodeRef { cid, size }
}

/// Parses a CID as go-cid does (CIDv0 base58 `Qm…`, CIDv1 in any multibase),
/// failing with go-cid's words, which the daemons put in their answers.
pub fn parse_cid(s: &str) -> Result<Cid, String> {
    let s = s.trim();
    if s.is_empty() {
        return Err("empty CID".into());
    }
    if s.len() < 2 {
        return Err("invalid cid: cid too short".into());
    }
    let v0 = s.len() == 46 && s.starts_with("Qm");
    // go-multibase's prefixes: anything else is not a multibase string.
    const MULTIBASE: &str = "0179fFvVtTbBcChkKzZmMuUp";
    if !v0 && !s.starts_with(|c| MULTIBASE.contains(c)) {
        return Err("invalid cid: selected encoding not supported".into());
    }
    Cid::try_from(s).map_err(|e| format!("invalid cid: {e}"))
}

/// The CID of `bytes` as a single-file `ipfs add` would give it.
pub fn cid_of_bytes(bytes: &[u8], opts: ImportOptions) -> NodeRef {
    let mut sink = NullSink;
    let mut b = FileBuilder::new(opts, &mut sink);
    b.write(bytes);
    b.finish()
}
