//! A part of a folder (the whole folder, a small file, a subfolder) walked
//! from one CAR stream (`order=dfs; dups=y`): every block in the order a
//! depth-first walk meets it, repeats included. The walk knows which CID
//! must come next, so each block is checked against it and written where
//! it belongs as it arrives: no tar on disk, no second pass to verify. The
//! caps (entries, bytes, depth, links) hold as it streams, over every part.

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use bytes::Bytes;
use cid::Cid;

use super::tally::Tally;
use crate::cluster::dag::{Limits, RAW};
use crate::unixfs::{block_matches, DataType, PbNode, UnixfsData};

/// Why a walk stopped.
#[derive(Debug)]
pub enum WalkError {
    /// The gateway sent what the item is not: ask another.
    Source(String),
    /// The item itself, or the caps, end the fetch.
    Refused(String),
    /// The disk.
    Io(PathBuf, std::io::Error),
    Cancelled,
}

enum Expect {
    /// An entry (or the root), its kind known once its block is here.
    Entry {
        cid: Cid,
        path: PathBuf,
        depth: usize,
    },
    /// A HAMT shard of the folder at `dir`.
    Shard {
        cid: Cid,
        dir: PathBuf,
        depth: usize,
    },
    /// A block of the file being written.
    Chunk { cid: Cid, depth: usize },
    /// The file being written is complete.
    EndFile,
}

struct Open {
    path: PathBuf,
    file: std::io::BufWriter<File>,
    written: u64,
    size: u64,
}

/// The walk of one part of a folder into its place on disk.
pub struct Walker {
    stack: Vec<Expect>,
    limits: Limits,
    tally: Arc<Tally>,
    /// What this walk added to the tally (given back when it fails).
    entries: u64,
    bytes: u64,
    blocks_without_data: u64,
    open: Option<Open>,
    /// Names used on disk, per folder (names are escaped; two may meet).
    used: HashMap<PathBuf, std::collections::HashSet<String>>,
    cid_text: String,
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> WalkError + '_ {
    move |e| WalkError::Io(path.to_path_buf(), e)
}

/// An entry's name on disk among the names `used` in its folder: escaped,
/// never a path, and apart from the others (`name~1`). Why not, when it
/// would leave its folder.
pub fn disk_name(used: &mut HashSet<String>, name: &str) -> Result<String, String> {
    if name.is_empty() || name == "." || name == ".." || name.contains(['/', '\0']) {
        return Err(format!(
            "an entry named {:?} would leave its folder; refused",
            crate::sanitize::for_disk(name)
        ));
    }
    let safe = crate::sanitize::for_disk(name).into_owned();
    let mut pick = safe.clone();
    let mut n = 1;
    while used.contains(&pick) {
        pick = format!("{safe}~{n}");
        n += 1;
    }
    used.insert(pick.clone());
    Ok(pick)
}

impl Walker {
    /// The walk of `cid` into `path`: the folder itself when `depth` is 0
    /// (`path` is made already), else an entry of it to be made there.
    pub fn new(cid: Cid, path: PathBuf, depth: usize, limits: Limits, tally: Arc<Tally>) -> Self {
        Walker {
            stack: vec![Expect::Entry { cid, path, depth }],
            limits,
            tally,
            entries: 0,
            bytes: 0,
            blocks_without_data: 0,
            open: None,
            used: HashMap::new(),
            cid_text: cid.to_string(),
        }
    }

    /// Bytes of file data this walk wrote.
    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// Entries this walk met inside its part.
    pub fn entries(&self) -> u64 {
        self.entries
    }

    /// Whether every block the item links to has come.
    pub fn finish(&mut self) -> Result<bool, WalkError> {
        self.close_ended()?;
        Ok(self.stack.is_empty())
    }

    fn close_ended(&mut self) -> Result<(), WalkError> {
        while matches!(self.stack.last(), Some(Expect::EndFile)) {
            self.stack.pop();
            if let Some(mut o) = self.open.take() {
                o.file.flush().map_err(io(&o.path))?;
                if o.written != o.size {
                    return Err(WalkError::Refused(format!(
                        "{}: a file that declares {} bytes holds {}: a malformed item",
                        self.cid_text, o.size, o.written
                    )));
                }
            }
        }
        Ok(())
    }

    fn refuse_depth(&self, depth: usize) -> Result<(), WalkError> {
        if depth > self.limits.depth {
            return Err(WalkError::Refused(format!(
                "{}: more than {} levels deep; the walk was stopped: a malformed or hostile item",
                self.cid_text, self.limits.depth
            )));
        }
        Ok(())
    }

    fn count_entry(&mut self) -> Result<(), WalkError> {
        self.entries += 1;
        self.tally.entries(1).map_err(WalkError::Refused)
    }

    /// The name an entry gets on disk in `dir`.
    fn disk_name(&mut self, dir: &Path, name: &str) -> Result<PathBuf, WalkError> {
        let used = self.used.entry(dir.to_path_buf()).or_default();
        disk_name(used, name)
            .map(|n| dir.join(n))
            .map_err(|why| WalkError::Refused(format!("{}: {why}", self.cid_text)))
    }

    fn write(&mut self, data: &[u8]) -> Result<(), WalkError> {
        if data.is_empty() {
            self.blocks_without_data += 1;
            if self.blocks_without_data > self.limits.blocks_without_data {
                return Err(WalkError::Refused(format!(
                    "{}: {} blocks in a row without data; the walk was stopped: a malformed or hostile item",
                    self.cid_text, self.limits.blocks_without_data
                )));
            }
            return Ok(());
        }
        self.blocks_without_data = 0;
        self.bytes += data.len() as u64;
        self.tally
            .bytes(data.len() as u64)
            .map_err(WalkError::Refused)?;
        let Some(o) = self.open.as_mut() else {
            return Err(WalkError::Refused(format!(
                "{}: file data outside a file: a malformed item",
                self.cid_text
            )));
        };
        o.written += data.len() as u64;
        if o.written > o.size {
            return Err(WalkError::Refused(format!(
                "{}: a file holds more than the {} bytes it declares: a malformed item",
                self.cid_text, o.size
            )));
        }
        o.file.write_all(data).map_err(io(&o.path))
    }

    /// Takes the next block of the stream.
    pub fn block(&mut self, cid: Cid, block: Bytes) -> Result<(), WalkError> {
        self.close_ended()?;
        let Some(next) = self.stack.pop() else {
            return Err(WalkError::Source(format!(
                "it sent block {cid} after the whole item"
            )));
        };
        let want = match &next {
            Expect::Entry { cid, .. } | Expect::Shard { cid, .. } | Expect::Chunk { cid, .. } => {
                *cid
            }
            Expect::EndFile => unreachable!("closed above"),
        };
        if want != cid {
            return Err(WalkError::Source(format!(
                "it sent block {cid} where {want} comes next"
            )));
        }
        if !block_matches(&cid, &block) {
            return Err(WalkError::Source(format!(
                "MISMATCH: block {cid} does not match its CID"
            )));
        }
        match next {
            Expect::Entry { path, depth, .. } => self.entry(cid, block, path, depth),
            Expect::Shard { dir, depth, .. } => {
                let (pb, d) = self.decode(&cid, &block)?;
                if d.kind != Some(DataType::HamtShard) {
                    return Err(self.malformed(&cid, "a shard that is not one"));
                }
                self.links(&cid, pb, &dir, depth, true)
            }
            Expect::Chunk { depth, .. } => {
                if cid.codec() == RAW {
                    return self.write(&block);
                }
                let (pb, d) = self.decode(&cid, &block)?;
                if !matches!(d.kind, Some(DataType::File) | Some(DataType::Raw)) {
                    return Err(self.malformed(&cid, "a file block that is not one"));
                }
                self.write(d.data.as_deref().unwrap_or(&[]))?;
                self.chunks(&cid, &pb, depth)
            }
            Expect::EndFile => Ok(()),
        }
    }

    fn malformed(&self, cid: &Cid, what: &str) -> WalkError {
        WalkError::Refused(format!(
            "{}: block {cid}: {what}: a malformed item",
            self.cid_text
        ))
    }

    fn decode(&self, cid: &Cid, block: &[u8]) -> Result<(PbNode, UnixfsData), WalkError> {
        let pb = PbNode::decode(block).map_err(|e| self.malformed(cid, &e.to_string()))?;
        if pb.links.len() > self.limits.links {
            return Err(WalkError::Refused(format!(
                "{}: a block of {} links (limit {} links per node); the walk was stopped: a malformed or hostile item",
                self.cid_text,
                pb.links.len(),
                self.limits.links
            )));
        }
        let d = UnixfsData::decode(pb.data.as_deref().unwrap_or(&[]))
            .map_err(|e| self.malformed(cid, &e.to_string()))?;
        Ok((pb, d))
    }

    fn link_cid(&self, cid: &Cid, l: &crate::unixfs::PbLink) -> Result<Cid, WalkError> {
        Cid::try_from(l.hash.as_slice())
            .map_err(|_| self.malformed(cid, "a link that is not a CID"))
    }

    /// A file's children come next, in order.
    fn chunks(&mut self, cid: &Cid, pb: &PbNode, depth: usize) -> Result<(), WalkError> {
        self.refuse_depth(depth + 1)?;
        let mut kids = Vec::with_capacity(pb.links.len());
        for l in &pb.links {
            kids.push(Expect::Chunk {
                cid: self.link_cid(cid, l)?,
                depth: depth + 1,
            });
        }
        self.stack.extend(kids.into_iter().rev());
        Ok(())
    }

    /// A folder's (or shard's) links come next, in order.
    fn links(
        &mut self,
        cid: &Cid,
        pb: PbNode,
        dir: &Path,
        depth: usize,
        hamt: bool,
    ) -> Result<(), WalkError> {
        self.refuse_depth(depth + 1)?;
        let mut next = Vec::with_capacity(pb.links.len());
        for l in &pb.links {
            let c = self.link_cid(cid, l)?;
            if hamt && l.name.len() <= 2 {
                next.push(Expect::Shard {
                    cid: c,
                    dir: dir.to_path_buf(),
                    depth: depth + 1,
                });
                continue;
            }
            // A shard's entry names start with two hex digits: anything
            // else (a name cut inside a character) is a malformed shard.
            let name = if hamt {
                l.name
                    .get(2..)
                    .ok_or_else(|| self.malformed(cid, "a shard entry without its prefix"))?
            } else {
                &l.name[..]
            };
            self.count_entry()?;
            next.push(Expect::Entry {
                cid: c,
                path: self.disk_name(dir, name)?,
                depth: depth + 1,
            });
        }
        self.stack.extend(next.into_iter().rev());
        Ok(())
    }

    fn entry(
        &mut self,
        cid: Cid,
        block: Bytes,
        path: PathBuf,
        depth: usize,
    ) -> Result<(), WalkError> {
        let create = |path: &Path, size: u64| -> Result<Open, WalkError> {
            let mut o = std::fs::OpenOptions::new();
            o.write(true).create_new(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                o.mode(0o644).custom_flags(nix::libc::O_NOFOLLOW);
            }
            let f = o.open(path).map_err(io(path))?;
            Ok(Open {
                path: path.to_path_buf(),
                file: std::io::BufWriter::with_capacity(256 << 10, f),
                written: 0,
                size,
            })
        };
        if cid.codec() == RAW {
            self.open = Some(create(&path, block.len() as u64)?);
            self.write(&block)?;
            self.stack.push(Expect::EndFile);
            return Ok(());
        }
        let (pb, d) = self.decode(&cid, &block)?;
        match d.kind {
            Some(DataType::Directory) | Some(DataType::HamtShard) => {
                if depth > 0 {
                    std::fs::create_dir(&path).map_err(io(&path))?;
                }
                let hamt = d.kind == Some(DataType::HamtShard);
                self.links(&cid, pb, &path, depth, hamt)
            }
            Some(DataType::File) | Some(DataType::Raw) => {
                if depth == 0 {
                    return Err(self.malformed(&cid, "a file where a folder was expected"));
                }
                let inline = d.data.as_deref().unwrap_or(&[]);
                let size = d
                    .filesize
                    .unwrap_or_else(|| inline.len() as u64 + d.blocksizes.iter().sum::<u64>());
                self.open = Some(create(&path, size)?);
                self.write(inline)?;
                self.stack.push(Expect::EndFile);
                self.chunks(&cid, &pb, depth)
            }
            Some(DataType::Symlink) => {
                let target = String::from_utf8_lossy(d.data.as_deref().unwrap_or(&[])).into_owned();
                #[cfg(unix)]
                std::os::unix::fs::symlink(&target, &path).map_err(io(&path))?;
                Ok(())
            }
            _ => Err(self.malformed(&cid, "not a file, folder or symlink")),
        }
    }
}
