//! What a folder fetch finds when it starts: its hidden folder (the user's
//! own, private, locked while it runs), the parts an earlier run of the
//! same cut finished that are still whole and, checked again against
//! their CIDs, still the item's, and the folders the cut
//! opens, made without following a link put in their place.

use std::path::{Component, Path};

use futures_util::StreamExt;

use super::partial::{bytes_at, entries_at, mine, FileState, FolderState, Locked, Partial};
use super::recheck::matches;
use super::tally::Tally;
use super::tree::{Part, Plan};
use super::{byte_cap, io, Event, FetchOptions, Watch};
use crate::cluster::dag::Dag;
use crate::cluster::ClientError;

/// The hidden folder, made private and held under an exclusive lock for as
/// long as the fetch runs (a second get of the same item to the same place
/// is refused, not let to write beside it). One another user made in a
/// shared folder is not used.
pub(super) fn open_staging(path: &Path) -> std::io::Result<Locked> {
    use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.is_dir() => {}
        Ok(_) => std::fs::remove_file(path)?,
        Err(_) => {}
    }
    match std::fs::DirBuilder::new().mode(0o700).create(path) {
        Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists => return Err(e),
        _ => {}
    }
    let f = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(nix::libc::O_NOFOLLOW | nix::libc::O_DIRECTORY)
        .open(path)?;
    if !mine(&f.metadata()?) {
        return Err(std::io::Error::other(
            "belongs to another user; not used (remove it, or fetch elsewhere)",
        ));
    }
    f.set_permissions(std::fs::Permissions::from_mode(0o700))?;
    nix::fcntl::Flock::lock(f, nix::fcntl::FlockArg::LockExclusiveNonblock).map_err(|(_, e)| {
        if e == nix::errno::Errno::EWOULDBLOCK {
            std::io::Error::other(
                "another get of this item to this place is running; not fetched twice",
            )
        } else {
            std::io::Error::from(e)
        }
    })
}

/// Whether a large file left verified pieces in the hidden folder.
pub(super) fn has_partial_file(dir: &Path) -> bool {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return false;
    };
    rd.filter_map(Result::ok).any(|e| {
        let p = e.path();
        let n = e.file_name().to_string_lossy().into_owned();
        let ours = n.starts_with('.') && n.contains(".ccs-tui-") && n.ends_with(".resume");
        ours || (p.is_dir() && !p.is_symlink() && has_partial_file(&p))
    })
}

/// Makes `rel` under `root`, each level a folder: whatever else stands in
/// the way (a link, a file an unfinished part left) is removed, never
/// followed.
fn make_dirs(root: &Path, rel: &Path) -> std::io::Result<()> {
    let mut at = root.to_path_buf();
    for c in rel.components() {
        let Component::Normal(name) = c else {
            return Err(std::io::Error::other("not a plain path"));
        };
        at.push(name);
        match std::fs::symlink_metadata(&at) {
            Ok(m) if m.is_dir() => continue,
            Ok(_) => std::fs::remove_file(&at)?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
        std::fs::create_dir(&at)?;
    }
    Ok(())
}

/// A folder fetch about to run its parts.
pub(super) struct Start<'a> {
    pub cid: &'a str,
    pub plan: &'a Plan,
    pub partial: &'a Partial,
    pub dest: &'a Path,
    pub caps: &'a FetchOptions,
    pub dag: &'a Dag,
}

impl Start<'_> {
    /// The parts `earlier` finished whose bytes and entries on disk are
    /// still the ones it recorded (a first, cheap look).
    fn recorded_whole(&self, earlier: Option<FolderState>) -> Vec<(Part, (u64, u64))> {
        let Some(earlier) = earlier else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for part in &self.plan.parts {
            let Some(&(bytes, entries)) = earlier.done.get(&part.key()) else {
                continue;
            };
            let at = self.partial.data.join(part.rel());
            if bytes_at(&at).ok() == Some(bytes) && entries_at(&at).ok() == Some(entries) {
                out.push((part.clone(), (bytes, entries)));
            }
        }
        out
    }

    /// Of the parts `earlier` finished, those still whole and, checked
    /// again against their CIDs on disk, still the item's, into `st`.
    async fn still_finished(
        &self,
        earlier: Option<FolderState>,
        st: &mut FolderState,
        watch: &Watch,
    ) {
        let whole = self.recorded_whole(earlier);
        if whole.is_empty() {
            return;
        }
        let recorded = whole.iter().map(|(_, d)| d.0).sum();
        watch.event(Event::Rechecking { recorded });
        let checked: Vec<(String, (u64, u64), bool)> = futures_util::stream::iter(whole)
            .map(|(part, d)| async move {
                let depth = match &part {
                    Part::Car { depth, .. } => *depth,
                    Part::File { .. } => 1,
                };
                let at = self.partial.data.join(part.rel());
                let ok = matches(self.dag, *part.cid(), at, depth).await;
                (part.key(), d, ok)
            })
            .buffer_unordered(4)
            .collect()
            .await;
        for (key, d, ok) in checked {
            if ok {
                st.done.insert(key, d);
            }
        }
    }

    /// What is verified when it starts: the parts finished, and the pieces
    /// of large files an earlier run recorded.
    fn verified(&self, st: &FolderState) -> u64 {
        let files: u64 = self
            .plan
            .parts
            .iter()
            .filter(|p| matches!(p, Part::File { .. }) && !st.done.contains_key(&p.key()))
            .map(|p| {
                let dest = self.partial.data.join(p.rel());
                let cid = p.cid().to_string();
                FileState::recorded(&Partial::of(&cid, &dest), &cid, &dest)
            })
            .sum();
        st.bytes() + files
    }

    /// What an earlier run finished that is still whole, counted against
    /// the caps and said when there is any; the cut's folders made. The
    /// record to go on with, and the bytes found verified.
    pub(super) async fn resume(
        &self,
        earlier: Option<FolderState>,
        tally: &Tally,
        watch: &Watch,
    ) -> Result<(FolderState, u64), ClientError> {
        let mut state = FolderState::new(self.cid, self.dest, self.plan.fingerprint());
        self.still_finished(earlier, &mut state, watch).await;
        let resumed = self.verified(&state);
        tally.cap_bytes(byte_cap(self.caps, self.cid, self.dest, state.bytes()));
        let _ = tally.bytes(state.bytes());
        tally
            .entries(state.entries())
            .map_err(|why| io(self.dest, why))?;
        if resumed > 0 {
            watch.event(Event::Resuming {
                verified: resumed,
                total: self.plan.total,
            });
        }
        for d in &self.plan.dirs {
            make_dirs(&self.partial.data, d).map_err(|e| io(&self.partial.data.join(d), e))?;
        }
        Ok((state, resumed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A link an unfinished part left where the cut wants a folder is
    /// removed, not followed: nothing is made outside the hidden folder.
    #[test]
    fn a_link_in_the_way_of_a_folder_is_not_followed() {
        let d = tempfile::tempdir().unwrap();
        let staging = d.path().join("staging");
        let outside = d.path().join("outside");
        std::fs::create_dir_all(&staging).unwrap();
        std::fs::create_dir_all(&outside).unwrap();
        std::os::unix::fs::symlink(&outside, staging.join("a")).unwrap();
        make_dirs(&staging, Path::new("a/b")).unwrap();
        assert!(std::fs::symlink_metadata(staging.join("a"))
            .unwrap()
            .is_dir());
        assert!(staging.join("a/b").is_dir());
        assert_eq!(std::fs::read_dir(&outside).unwrap().count(), 0);
        assert!(make_dirs(&staging, Path::new("../x")).is_err());
    }

    /// A finished part is trusted again only while its bytes and entries
    /// are what was recorded: an empty file deleted from it is noticed.
    #[test]
    fn a_finished_part_missing_an_entry_is_fetched_again() {
        let d = tempfile::tempdir().unwrap();
        let dest = d.path().join("out");
        let partial = Partial::of("QmX", &dest);
        let cid = "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy"
            .parse()
            .unwrap();
        let part = Part::Car {
            cid,
            rel: "notes".into(),
            depth: 1,
        };
        let plan = Plan {
            parts: vec![part.clone()],
            ..Plan::default()
        };
        let at = partial.data.join("notes");
        std::fs::create_dir_all(&at).unwrap();
        std::fs::write(at.join("empty"), b"").unwrap();
        std::fs::write(at.join("one"), b"x").unwrap();
        let mut earlier = FolderState::new("QmX", &dest, plan.fingerprint());
        earlier.done.insert(part.key(), (1, 2));
        let client = std::sync::Arc::new(
            crate::cluster::ClusterClient::new(crate::cluster::ClientConfig::new(vec![
                crate::cluster::parse_host("http://127.0.0.1:9", false).unwrap(),
            ]))
            .unwrap(),
        );
        let dag = Dag::new(client, "http://127.0.0.1:9".parse().unwrap());
        let start = Start {
            cid: "QmX",
            plan: &plan,
            partial: &partial,
            dest: &dest,
            caps: &FetchOptions::default(),
            dag: &dag,
        };
        assert_eq!(
            start.recorded_whole(Some(earlier.clone())).len(),
            1,
            "whole: looked at"
        );
        std::fs::remove_file(at.join("empty")).unwrap();
        let st: Vec<_> = start.recorded_whole(Some(earlier));
        assert!(st.is_empty(), "an entry gone: fetched again");
    }
}
