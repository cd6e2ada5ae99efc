//! How a folder is cut into parts, each asked of whichever holder is free
//! and each kept once verified, so a cut fetch asks only for the parts it
//! lacks. A folder below [`SPLIT`] is one part: one CAR, the fastest way
//! to bring thousands of small files. A larger one is opened (its listing
//! read, HAMT shards and all, each block verified): a file of [`BIG`] or
//! more comes as byte ranges from every holder at once, resumable piece by
//! piece; a large subfolder is opened in turn; every other entry is a part
//! of its own, unless a folder holds more than [`MANY`] of them of under
//! a MiB on average, when it comes whole (thousands of requests would cost
//! more than one holder). The cut depends on the item alone, so a second
//! run cuts it the same way (a record of another cut is not used).

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
/// More small entries than this in one folder, smaller than
/// [`SMALL_AVERAGE`] on average: it comes whole.
pub const MANY: usize = 1_000;
pub const SMALL_AVERAGE: u64 = 1 << 20;
/// More large entries than this in one folder: it comes whole.
pub const MANY_LARGE: usize = 10_000;
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

impl Plan {
    /// What the cut is, in a few characters: a record made for another
    /// cut (another version, a listing read otherwise) is not used.
    pub fn fingerprint(&self) -> String {
        use sha2::Digest;
        let mut h = sha2::Sha256::new();
        for p in &self.parts {
            h.update([matches!(p, Part::File { .. }) as u8]);
            h.update(p.key().as_bytes());
            h.update([0]);
        }
        h.finalize()[..8]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
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

/// Why a folder could not be cut.
#[derive(Debug)]
pub enum PlanError {
    /// The item itself, or the caps: nothing is kept.
    Refused(String),
    /// No gateway gave a block now: another run may.
    Failed(String),
}

/// A listing or a block no gateway gives for now (down, not holding it):
/// the cut waits for another run rather than change.
fn passing(e: &BlockError) -> bool {
    matches!(
        e,
        BlockError::Unreachable { .. } | BlockError::Missing { .. }
    )
}

/// Whether a folder opened comes whole all the same: its small entries are
/// many and small on average (a request each would cost more than one
/// holder), or its large ones are too many to ask each its kind.
fn whole_after_all(entries: &[Entry]) -> bool {
    let (small, large): (Vec<&Entry>, Vec<&Entry>) = entries.iter().partition(|e| e.tsize < BIG);
    let small_bytes = small.iter().fold(0u64, |s, e| s.saturating_add(e.tsize));
    let many_small = small.len() > MANY && small_bytes / (small.len() as u64) < SMALL_AVERAGE;
    many_small || large.len() > MANY_LARGE
}

/// Cuts the folder `root` (its verified block `root_block`), counting the
/// entries of every folder it opens into `tally` (the entries of a part
/// are counted as it is walked). A folder below [`SPLIT`] costs no request.
/// The cut is the item's alone: a folder whose listing is malformed comes
/// whole (its walk says what is wrong), one no gateway lists now fails.
pub async fn plan(
    dag: &Dag,
    root: Cid,
    root_block: &[u8],
    tally: &Tally,
) -> Result<Plan, PlanError> {
    let mut out = Plan::default();
    let mut open = vec![(root, PathBuf::new(), 0usize, weight(root_block))];
    while let Some((cid, rel, depth, weight)) = open.pop() {
        if depth > dag.limits.depth {
            return Err(PlanError::Refused(format!(
                "{root}: more than {} levels deep; the walk was stopped: a malformed or hostile item",
                dag.limits.depth
            )));
        }
        let whole = |out: &mut Plan, cid, rel, weight| {
            out.total = out.total.saturating_add(weight);
            out.parts.push(Part::Car { cid, rel, depth });
        };
        if weight < SPLIT {
            whole(&mut out, cid, rel, weight);
            continue;
        }
        let entries = match dag.list(&cid).await {
            Ok(e) => e,
            Err(e) if passing(&e) => return Err(PlanError::Failed(e.to_string())),
            Err(_) => {
                whole(&mut out, cid, rel, weight);
                continue;
            }
        };
        if whole_after_all(&entries) {
            whole(&mut out, cid, rel, weight);
            continue;
        }
        tally
            .entries(entries.len() as u64)
            .map_err(PlanError::Refused)?;
        if depth > 0 {
            out.dirs.push(rel.clone());
        }
        let mut used = HashSet::new();
        let named: Vec<(PathBuf, &Entry)> = entries
            .iter()
            .map(|e| {
                disk_name(&mut used, &e.name)
                    .map(|n| (rel.join(n), e))
                    .map_err(|why| PlanError::Refused(format!("{root}: {why}")))
            })
            .collect::<Result<_, _>>()?;
        let kinds = kinds(dag, &entries).await?;
        for (path, e) in named {
            // An entry whose first block is malformed is walked as a part:
            // its walk says why.
            match kinds.get(&e.cid) {
                Some(Kind::File(size)) if *size >= BIG => {
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

/// The kind of each large entry, each CID asked once (a folder may link
/// one item many times); a malformed one is left out.
async fn kinds(dag: &Dag, entries: &[Entry]) -> Result<HashMap<Cid, Kind>, PlanError> {
    let mut seen = HashSet::new();
    let large: Vec<Entry> = entries
        .iter()
        .filter(|e| e.tsize >= BIG && seen.insert(e.cid))
        .cloned()
        .collect();
    let got: Vec<(Cid, Result<Kind, BlockError>)> = futures_util::stream::iter(large)
        .map(|e| async move { (e.cid, kind_of(dag, &e).await) })
        .buffered(AHEAD)
        .collect()
        .await;
    let mut out = HashMap::new();
    for (cid, k) in got {
        match k {
            Ok(k) => {
                out.insert(cid, k);
            }
            Err(e) if passing(&e) => return Err(PlanError::Failed(e.to_string())),
            Err(_) => {}
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(n: usize, tsize: u64) -> Vec<Entry> {
        let cid: Cid = "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy"
            .parse()
            .unwrap();
        (0..n)
            .map(|i| Entry {
                name: format!("e{i}"),
                cid,
                tsize,
            })
            .collect()
    }

    /// 10,000 notes come as one CAR; 5,000 photos of 5 MB are parts of
    /// their own (each resumable, spread over the holders); a folder of
    /// more large entries than are worth asking one by one comes whole.
    #[test]
    fn a_folder_of_many_small_entries_comes_whole_unless_they_weigh() {
        assert!(whole_after_all(&entries(10_000, 4_000)));
        assert!(!whole_after_all(&entries(5_000, 5_000_000)));
        assert!(!whole_after_all(&entries(MANY, 4_000)));
        assert!(whole_after_all(&entries(MANY_LARGE + 1, BIG)));
        assert!(!whole_after_all(&entries(MANY_LARGE, BIG)));
    }

    /// A record names the cut it was made for: another cut of the same
    /// folder (a part fetched whole one run, opened the next) is not
    /// taken for it.
    #[test]
    fn another_cut_has_another_fingerprint() {
        let cid = entries(1, 0)[0].cid;
        let car = |rel: &str| Part::Car {
            cid,
            rel: rel.into(),
            depth: 1,
        };
        let a = Plan {
            parts: vec![car("a"), car("b")],
            ..Plan::default()
        };
        let same = Plan {
            parts: vec![car("a"), car("b")],
            ..Plan::default()
        };
        let other = Plan {
            parts: vec![
                car("a"),
                Part::File {
                    cid,
                    rel: "b".into(),
                    size: BIG,
                },
            ],
            ..Plan::default()
        };
        assert_eq!(a.fingerprint(), same.fingerprint());
        assert_ne!(a.fingerprint(), other.fingerprint());
    }
}
