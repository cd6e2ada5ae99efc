//! A finished part of a folder checked again against its CID, as it lies
//! on disk, before a resumed fetch keeps it: each file's bytes leaf by
//! leaf (only the file's inner blocks are asked, never its data), each
//! folder's entries by name and number, each link's target. A part that
//! was changed since, or cannot be checked, is fetched again.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;

use cid::Cid;

use super::folder::disk_name;
use super::layout::{layout, Data, Layout};
use super::leaf::read_at;
use crate::cluster::dag::{decode, Dag, Node};
use crate::unixfs::leaf_matches;

/// Whether the file at `path` holds exactly what `l` lays out.
fn file_matches(path: &Path, l: &Layout) -> bool {
    let Ok(f) = std::fs::File::open(path) else {
        return false;
    };
    if f.metadata().map(|m| m.len()).ok() != Some(l.size) {
        return false;
    }
    let mut buf = Vec::new();
    l.pieces.iter().all(|p| {
        buf.resize(p.len as usize, 0);
        read_at(&f, &mut buf, p.offset).is_ok()
            && match &p.data {
                Data::Leaf(c) => leaf_matches(c, &buf),
                Data::Inline(b) => b[..] == buf[..],
            }
    })
}

type Check<'a> = Pin<Box<dyn Future<Output = bool> + Send + 'a>>;

/// Whether `path` on disk is the item `cid` (a file, a folder, a link), as
/// a walk of it would have written it.
pub(super) fn matches(dag: &Dag, cid: Cid, path: PathBuf, depth: usize) -> Check<'_> {
    Box::pin(async move {
        let Ok(meta) = std::fs::symlink_metadata(&path) else {
            return false;
        };
        if depth > dag.limits.depth {
            return false;
        }
        let Ok(block) = dag.block(&cid).await else {
            return false;
        };
        let node = match cid.codec() {
            crate::cluster::dag::RAW => None,
            _ => match decode(&cid, block.clone()) {
                Ok(n) => Some(n),
                Err(_) => return false,
            },
        };
        match node {
            None | Some(Node::File { .. }) => {
                if !meta.is_file() {
                    return false;
                }
                let Ok(l) = layout(dag, &cid, block).await else {
                    return false;
                };
                tokio::task::spawn_blocking(move || file_matches(&path, &l))
                    .await
                    .unwrap_or(false)
            }
            Some(Node::Symlink(target)) => {
                meta.is_symlink() && std::fs::read_link(&path).ok() == Some(PathBuf::from(target))
            }
            Some(Node::Dir { .. }) => {
                if !meta.is_dir() {
                    return false;
                }
                let Ok(entries) = dag.list(&cid).await else {
                    return false;
                };
                let on_disk = std::fs::read_dir(&path).map_or(usize::MAX, |d| d.count());
                if on_disk != entries.len() {
                    return false;
                }
                let mut used = std::collections::HashSet::new();
                for e in entries {
                    let Ok(name) = disk_name(&mut used, &e.name) else {
                        return false;
                    };
                    if !matches(dag, e.cid, path.join(name), depth + 1).await {
                        return false;
                    }
                }
                true
            }
        }
    })
}
