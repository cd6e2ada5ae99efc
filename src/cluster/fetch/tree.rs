//! How a folder is cut into parts, each asked of whichever holder is free
//! and each kept once verified, so a cut fetch asks only for the parts it
//! lacks. A folder below [`SPLIT`] is one part: one CAR, the fastest way
//! to bring thousands of small files. A larger one is opened (its listing
//! read, HAMT shards and all, each block verified): a file of [`BIG`] or
//! more comes as byte ranges from every holder at once, resumable piece by
//! piece; a large subfolder is opened in turn; every other entry is a part
//! of its own, unless a folder holds more than [`MANY`] of them, when it
//! comes whole (thousands of requests would cost more than one holder).
//! The cut depends on the item alone, so a second run cuts it the same way.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use cid::Cid;
use futures_util::StreamExt;

use super::folder::disk_name;
use super::tally::Tally;
use crate::cluster::dag::{BlockError, Dag, Entry, Node};
use crate::unixfs::PbNode;

/// A folder smaller than this comes whole, as one CAR.
pub const SPLIT: u64 = 32 << 20;
/// A file this large comes as ranges from every holder.
pub const BIG: u64 = 8 << 20;
/// More small entries than this in one folder: it comes whole.
pub const MANY: usize = 1_000;
/// Entries whose kind is asked at once.
const AHEAD: usize = 8;

/// One part of a folder, placed at `rel` (relative to the folder; empty:
/// the folder itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    /// Walked from one CAR: the whole folder, a subfolder, a small file, a link.
    Car {
        cid: Cid,
        rel: PathBuf,
        depth: usize,
    },
    /// A large file: ranges from every holder.
    File { cid: Cid, rel: PathBuf, size: u64 },
}

impl Part {
    pub fn cid(&self) -> &Cid {
        match self {
            Part::Car { cid, .. } | Part::File { cid, .. } => cid,
        }
    }

    pub fn rel(&self) -> &PathBuf {
        match self {
            Part::Car { rel, .. } | Part::File { rel, .. } => rel,
        }
    }

    /// Its name in a record: where it goes and what it is.
    pub fn key(&self) -> String {
        format!("{} {}", self.cid(), self.rel().display())
    }
}

/// A folder cut into parts.
#[derive(Debug, Default)]
pub struct Plan {
    /// Folders made before any part comes (parents first).
    pub dirs: Vec<PathBuf>,
    pub parts: Vec<Part>,
    /// What the parts weigh, as their parents say (a little above the
    /// bytes on disk: block framing included).
    pub total: u64,
}

/// What kind an entry of a large size is, read from its first block.
enum Kind {
    File(u64),
    Dir,
    Other,
}

async fn kind_of(dag: &Dag, e: &Entry) -> Result<Kind, BlockError> {
    Ok(match dag.node(&e.cid).await? {
        Node::File { size, .. } => Kind::File(size),
        Node::Dir { .. } => Kind::Dir,
        Node::Symlink(_) => Kind::Other,
    })
}

/// What a folder's block says its links weigh (a HAMT's shards included).
fn weight(block: &[u8]) -> u64 {
    PbNode::decode(block).map_or(0, |pb| {
        pb.links
            .iter()
            .fold(0u64, |sum, l| sum.saturating_add(l.tsize))
    })
}

/// Cuts the folder `root` (its verified block `root_block`), counting the
/// entries of every folder it opens into `tally` (the entries of a part
/// are counted as it is walked). A folder below [`SPLIT`] costs no request.
pub async fn plan(dag: &Dag, root: Cid, root_block: &[u8], tally: &Tally) -> Result<Plan, String> {
    let mut out = Plan::default();
    let mut open = vec![(root, PathBuf::new(), 0usize, weight(root_block))];
    while let Some((cid, rel, depth, weight)) = open.pop() {
        if depth > dag.limits.depth {
            return Err(format!(
                "{root}: more than {} levels deep; the walk was stopped: a malformed or hostile item",
                dag.limits.depth
            ));
        }
        let whole = |out: &mut Plan, cid, rel, weight| {
            out.total = out.total.saturating_add(weight);
            out.parts.push(Part::Car { cid, rel, depth });
        };
        if weight < SPLIT {
            whole(&mut out, cid, rel, weight);
            continue;
        }
        // A listing no gateway gives (a hostile shape, a block past the
        // reader's size) leaves the folder whole: the walk of its CAR
        // checks every block and holds every cap, and says what is wrong.
        let Ok(entries) = dag.list(&cid).await else {
            whole(&mut out, cid, rel, weight);
            continue;
        };
        if entries.iter().filter(|e| e.tsize < BIG).count() > MANY {
            whole(&mut out, cid, rel, weight);
            continue;
        }
        tally.entries(entries.len() as u64)?;
        if depth > 0 {
            out.dirs.push(rel.clone());
        }
        let mut used = HashSet::new();
        let named: Vec<(PathBuf, &Entry)> = entries
            .iter()
            .map(|e| {
                disk_name(&mut used, &e.name)
                    .map(|n| (rel.join(n), e))
                    .map_err(|why| format!("{root}: {why}"))
            })
            .collect::<Result<_, _>>()?;
        // Each large CID asked once: a folder may link one item many times.
        let mut seen = HashSet::new();
        let large: Vec<Entry> = named
            .iter()
            .filter(|(_, e)| e.tsize >= BIG && seen.insert(e.cid))
            .map(|(_, e)| (*e).clone())
            .collect();
        let kinds: HashMap<Cid, Result<Kind, BlockError>> = futures_util::stream::iter(large)
            .map(|e| async move { (e.cid, kind_of(dag, &e).await) })
            .buffered(AHEAD)
            .collect()
            .await;
        for (path, e) in named {
            // An entry whose first block no gateway gives is walked as a
            // part: its walk says why.
            match kinds.get(&e.cid).and_then(|k| k.as_ref().ok()) {
                Some(Kind::File(size)) => {
                    out.total = out.total.saturating_add(e.tsize);
                    out.parts.push(Part::File {
                        cid: e.cid,
                        rel: path,
                        size: *size,
                    });
                }
                Some(Kind::Dir) if e.tsize >= SPLIT => open.push((e.cid, path, depth + 1, e.tsize)),
                _ => {
                    out.total = out.total.saturating_add(e.tsize);
                    out.parts.push(Part::Car {
                        cid: e.cid,
                        rel: path,
                        depth: depth + 1,
                    });
                }
            }
        }
    }
    Ok(out)
}
