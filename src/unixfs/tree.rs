//! Whole-tree import: what `/add` and `ipfs add -r` do with several entries.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use cid::Cid;

use super::dir::{symlink_node, DirBuilder};
use super::{BlockSink, FileBuilder, ImportOptions, NodeRef, NullSink, UnixfsError};

/// One line of `/add` output: a file or folder with its CID and DAG size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Added {
    pub name: String,
    pub cid: Cid,
    pub size: u64,
}

#[derive(Debug)]
enum Entry {
    Leaf(NodeRef),
    Dir(DirTree),
}

#[derive(Debug, Default)]
struct DirTree {
    // BTreeMap<String> orders bytewise, as kubo lists a folder.
    children: BTreeMap<String, Entry>,
}

/// Collects the entries of one add (files already built by the caller through
/// [`FileBuilder`]) and writes the folders at the end, as kubo's adder does:
/// files are reported as they arrive, then folders bottom-up, root last.
#[derive(Debug)]
pub struct TreeImporter {
    opts: ImportOptions,
    wrap: bool,
    root: DirTree,
    last_top: Option<String>,
}

impl TreeImporter {
    pub fn new(opts: ImportOptions, wrap: bool) -> Self {
        Self {
            opts,
            wrap,
            root: DirTree::default(),
            last_top: None,
        }
    }

    pub fn options(&self) -> ImportOptions {
        self.opts
    }

    /// Cleans a multipart filename as boxo does: `path.Clean("/" + name)`, then
    /// relative. Returns the components.
    pub fn clean_path(name: &str) -> Vec<String> {
        let mut parts: Vec<String> = Vec::new();
        for seg in name.split('/') {
            match seg {
                "" | "." => {}
                ".." => {
                    parts.pop();
                }
                s => parts.push(s.to_string()),
            }
        }
        parts
    }

    fn dir_mut(&mut self, parts: &[String]) -> Result<&mut DirTree, UnixfsError> {
        let mut cur = &mut self.root;
        for p in parts {
            let e = cur
                .children
                .entry(p.clone())
                .or_insert_with(|| Entry::Dir(DirTree::default()));
            cur = match e {
                Entry::Dir(d) => d,
                Entry::Leaf(_) => {
                    return Err(UnixfsError::Unsupported(format!(
                        "{} is a file and a folder",
                        parts.join("/")
                    )))
                }
            };
        }
        Ok(cur)
    }

    fn note_top(&mut self, parts: &[String]) {
        if let Some(first) = parts.first() {
            self.last_top = Some(first.clone());
        }
    }

    /// Records a folder (it may be empty). Parents are created implicitly.
    pub fn add_dir(&mut self, path: &str) -> Result<(), UnixfsError> {
        let parts = Self::clean_path(path);
        if parts.is_empty() {
            return Ok(());
        }
        self.note_top(&parts);
        self.dir_mut(&parts).map(|_| ())
    }

    /// Records a finished file (or symlink) node; returns its output line.
    pub fn add_leaf(&mut self, path: &str, node: NodeRef) -> Result<Added, UnixfsError> {
        let mut parts = Self::clean_path(path);
        let Some(name) = parts.pop() else {
            return Err(UnixfsError::Unsupported("a file part has no name".into()));
        };
        let full = if parts.is_empty() {
            name.clone()
        } else {
            format!("{}/{}", parts.join("/"), name)
        };
        let dir = self.dir_mut(&parts)?;
        dir.children.insert(name.clone(), Entry::Leaf(node.clone()));
        parts.push(name);
        self.note_top(&parts);
        Ok(Added {
            name: full,
            cid: node.cid,
            size: node.size,
        })
    }

    /// Adds a symlink entry.
    pub fn add_symlink(
        &mut self,
        path: &str,
        target: &str,
        sink: &mut dyn BlockSink,
    ) -> Result<Added, UnixfsError> {
        let node = symlink_node(target, &self.opts, sink);
        self.add_leaf(path, node)
    }

    /// Writes every folder; returns their output lines (bottom-up, root last when
    /// wrapping) and the root that gets pinned (`None` when nothing was added).
    pub fn finish(
        self,
        sink: &mut dyn BlockSink,
    ) -> Result<(Vec<Added>, Option<NodeRef>), UnixfsError> {
        let mut out = Vec::new();
        let mut tops: BTreeMap<String, NodeRef> = BTreeMap::new();
        let opts = self.opts;
        let mut wrapper = DirBuilder::new();
        for (name, entry) in self.root.children {
            let node = match entry {
                Entry::Leaf(n) => n,
                Entry::Dir(d) => write_dir(d, &name, &opts, sink, &mut out)?,
            };
            wrapper.add(name.clone(), node.clone());
            tops.insert(name, node);
        }
        if self.wrap {
            let root = wrapper.finish(&opts, sink)?;
            out.push(Added {
                name: String::new(),
                cid: root.cid,
                size: root.size,
            });
            return Ok((out, Some(root)));
        }
        let root = self.last_top.and_then(|t| tops.remove(&t));
        Ok((out, root))
    }
}

fn write_dir(
    dir: DirTree,
    path: &str,
    opts: &ImportOptions,
    sink: &mut dyn BlockSink,
    out: &mut Vec<Added>,
) -> Result<NodeRef, UnixfsError> {
    let mut b = DirBuilder::new();
    for (name, entry) in dir.children {
        let node = match entry {
            Entry::Leaf(n) => n,
            Entry::Dir(d) => write_dir(d, &format!("{path}/{name}"), opts, sink, out)?,
        };
        b.add(name, node);
    }
    let node = b.finish(opts, sink)?;
    out.push(Added {
        name: path.to_string(),
        cid: node.cid,
        size: node.size,
    });
    Ok(node)
}

/// What a local walk found, in the order an add sends it: parents before
/// children, names sorted bytewise, depth first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WalkKind {
    File { len: u64 },
    Dir,
    Symlink { target: String },
}

#[derive(Debug, Clone)]
pub struct WalkEntry {
    /// Relative name as sent in the multipart filename (`top/sub/file`).
    pub rel: String,
    pub abs: PathBuf,
    pub kind: WalkKind,
}

fn io_err(path: &Path, source: std::io::Error) -> UnixfsError {
    UnixfsError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// Walks `path` (a file or a folder). Dotfiles are skipped unless `hidden`, as
/// `ipfs-cluster-ctl add -H` decides. Special files (sockets, devices, FIFOs)
/// are refused rather than silently read.
pub fn walk(path: &Path, hidden: bool) -> Result<Vec<WalkEntry>, UnixfsError> {
    let meta = std::fs::symlink_metadata(path).map_err(|e| io_err(path, e))?;
    let top = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .or_else(|| {
            std::fs::canonicalize(path)
                .ok()
                .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        })
        .unwrap_or_else(|| "root".to_string());
    let mut out = Vec::new();
    walk_into(path, top, &meta, hidden, &mut out)?;
    Ok(out)
}

fn walk_into(
    path: &Path,
    rel: String,
    meta: &std::fs::Metadata,
    hidden: bool,
    out: &mut Vec<WalkEntry>,
) -> Result<(), UnixfsError> {
    let ft = meta.file_type();
    if ft.is_symlink() {
        let target = std::fs::read_link(path).map_err(|e| io_err(path, e))?;
        out.push(WalkEntry {
            rel,
            abs: path.to_path_buf(),
            kind: WalkKind::Symlink {
                target: target.to_string_lossy().into_owned(),
            },
        });
    } else if ft.is_file() {
        out.push(WalkEntry {
            rel,
            abs: path.to_path_buf(),
            kind: WalkKind::File { len: meta.len() },
        });
    } else if ft.is_dir() {
        out.push(WalkEntry {
            rel: rel.clone(),
            abs: path.to_path_buf(),
            kind: WalkKind::Dir,
        });
        let mut names = Vec::new();
        for entry in std::fs::read_dir(path).map_err(|e| io_err(path, e))? {
            let entry = entry.map_err(|e| io_err(path, e))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if !hidden && name.starts_with('.') {
                continue;
            }
            names.push(name);
        }
        names.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
        for name in names {
            let child = path.join(&name);
            let cmeta = std::fs::symlink_metadata(&child).map_err(|e| io_err(&child, e))?;
            walk_into(&child, format!("{rel}/{name}"), &cmeta, hidden, out)?;
        }
    } else {
        return Err(io_err(
            path,
            std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "is a special file (socket, device or FIFO); only files, folders and symlinks can be added",
            ),
        ));
    }
    Ok(())
}

/// Imports a local file or folder as `ipfs add -r [-w]` would, without storing
/// blocks: the CIDs an upload of `path` will get. Reads in 1 MiB pieces.
pub fn import_path(
    path: &Path,
    opts: ImportOptions,
    hidden: bool,
    wrap: bool,
) -> Result<(Vec<Added>, Option<NodeRef>), UnixfsError> {
    let mut sink = NullSink;
    let mut tree = TreeImporter::new(opts, wrap);
    let mut files = Vec::new();
    let mut buf = vec![0u8; 1 << 20];
    for e in walk(path, hidden)? {
        match e.kind {
            WalkKind::Dir => tree.add_dir(&e.rel)?,
            WalkKind::Symlink { target } => {
                files.push(tree.add_symlink(&e.rel, &target, &mut sink)?)
            }
            WalkKind::File { .. } => {
                let mut f = std::fs::File::open(&e.abs).map_err(|err| io_err(&e.abs, err))?;
                let mut b = FileBuilder::new(opts, &mut sink);
                loop {
                    let n = f.read(&mut buf).map_err(|err| io_err(&e.abs, err))?;
                    if n == 0 {
                        break;
                    }
                    b.write(&buf[..n]);
                }
                let node = b.finish();
                files.push(tree.add_leaf(&e.rel, node)?);
            }
        }
    }
    let (dirs, root) = tree.finish(&mut sink)?;
    files.extend(dirs);
    Ok((files, root))
}
