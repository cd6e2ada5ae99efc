//! What an interrupted fetch keeps: its bytes, beside the target under a
//! hidden name, and which of them were verified, in a file of its own.
//! Both are private to the user (0600), named after the CID and the
//! target together (another item, or the same one fetched elsewhere, never
//! picks them up), and removed when the fetch completes. The final name
//! only ever holds a whole, verified item.

use std::collections::BTreeMap;
use std::fs::OpenOptions;
use std::io::Write;
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// A state file larger than this is not one of ours.
const MAX_STATE: u64 = 16 << 20;

/// The two files of a fetch in progress.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Partial {
    /// The bytes (a file), or the folder being filled.
    pub data: PathBuf,
    /// What is verified in it.
    pub state: PathBuf,
}

/// The target as an absolute path, for naming and recording: `out.bin` and
/// `./out.bin` are the same fetch.
pub fn absolute(dest: &Path) -> PathBuf {
    let name = dest.file_name().map(|n| n.to_os_string());
    let parent = dest
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    match (parent.canonicalize(), name) {
        (Ok(p), Some(n)) => p.join(n),
        _ => dest.to_path_buf(),
    }
}

impl Partial {
    pub fn of(cid: &str, dest: &Path) -> Partial {
        let abs = absolute(dest);
        let mut h = Sha256::new();
        h.update(cid.as_bytes());
        h.update([0]);
        h.update(abs.as_os_str().as_encoded_bytes());
        let tag: String = h.finalize()[..6]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        // The target's name, cut to leave room for the rest within a
        // file name's 255 bytes (the tag keeps them apart).
        let name: String = dest
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "download".into())
            .chars()
            .scan(0usize, |bytes, c| {
                *bytes += c.len_utf8();
                (*bytes <= 200).then_some(c)
            })
            .collect();
        let dir = dest
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        Partial {
            data: dir.join(format!(".{name}.ccs-tui-{tag}.part")),
            state: dir.join(format!(".{name}.ccs-tui-{tag}.resume")),
        }
    }

    /// Removes both (a completed or abandoned fetch).
    pub fn remove(&self) {
        if self.data.is_dir() {
            let _ = std::fs::remove_dir_all(&self.data);
        } else {
            let _ = std::fs::remove_file(&self.data);
        }
        let _ = std::fs::remove_file(&self.state);
    }
}

/// What a file fetch has verified so far.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileState {
    pub version: u32,
    pub cid: String,
    pub dest: PathBuf,
    pub size: u64,
    /// Byte ranges written, synced to disk and verified.
    pub verified: Vec<(u64, u64)>,
}

impl FileState {
    pub fn new(cid: &str, dest: &Path, size: u64) -> Self {
        FileState {
            version: 1,
            cid: cid.to_string(),
            dest: absolute(dest),
            size,
            verified: Vec::new(),
        }
    }

    /// The bytes verified, in all.
    pub fn bytes(&self) -> u64 {
        self.verified.iter().map(|(a, b)| b - a).sum()
    }

    /// Whether `r` lies within what is verified.
    pub fn covers(&self, r: &Range<u64>) -> bool {
        self.verified
            .iter()
            .any(|(a, b)| *a <= r.start && r.end <= *b)
    }

    /// Ranges, merged where they touch.
    pub fn set(&mut self, mut ranges: Vec<Range<u64>>) {
        ranges.sort_by_key(|r| r.start);
        let mut out: Vec<(u64, u64)> = Vec::new();
        for r in ranges {
            match out.last_mut() {
                Some(last) if last.1 >= r.start => last.1 = last.1.max(r.end),
                _ => out.push((r.start, r.end)),
            }
        }
        self.verified = out;
    }

    /// The state an earlier run left for this very fetch, if it is one.
    pub fn load(p: &Partial, cid: &str, dest: &Path, size: u64) -> Option<FileState> {
        let data = std::fs::symlink_metadata(&p.data).ok()?;
        if !data.is_file() || data.len() != size {
            return None;
        }
        let st: FileState = read_state(p)?;
        let ok = st.version == 1
            && st.cid == cid
            && st.dest == absolute(dest)
            && st.size == size
            && st.verified.iter().all(|(a, b)| a < b && *b <= size);
        ok.then_some(st)
    }

    pub fn save(&self, p: &Partial) -> std::io::Result<()> {
        save_state(self, p)
    }

    /// The bytes an earlier run recorded verified for this very fetch,
    /// whatever the size (read before the file's size is known).
    pub fn recorded(p: &Partial, cid: &str, dest: &Path) -> u64 {
        read_state::<FileState>(p)
            .filter(|st| st.version == 1 && st.cid == cid && st.dest == absolute(dest))
            .map_or(0, |st| st.bytes())
    }
}

/// Written beside, then renamed over the old: a reader finds the old
/// state or the new, never half of one. Not flushed: a resume checks
/// everything a record names against its CIDs, so a record a power cut
/// tore only costs what it named; and each flush forces a journal commit
/// that makes the get wait on the whole file system (on a disk mounted
/// with `discard`, on trimming a gigabyte another program just deleted:
/// a 1 GiB get after `rm` and `sync` took 1.6–2.8 s, 1.25 s without).
fn save_state(st: &impl Serialize, p: &Partial) -> std::io::Result<()> {
    let tmp = p.state.with_extension("resume-new");
    let _ = std::fs::remove_file(&tmp);
    let mut f = private_new(&tmp)?;
    f.write_all(serde_json::to_string(st)?.as_bytes())?;
    drop(f);
    std::fs::rename(&tmp, &p.state)
}

/// A state file of ours, if it is one (a regular file of a sane size,
/// the user's own: in a shared folder another's is not trusted).
fn read_state<T: serde::de::DeserializeOwned>(p: &Partial) -> Option<T> {
    let meta = std::fs::symlink_metadata(&p.state).ok()?;
    if !meta.is_file() || meta.len() > MAX_STATE || !mine(&meta) {
        return None;
    }
    serde_json::from_str(&std::fs::read_to_string(&p.state).ok()?).ok()
}

/// What a folder fetch has finished: its parts (by [`Part::key`]), each
/// with the bytes and entries it put on disk, for the cut named by `plan`;
/// a resumed fetch asks only for the rest.
///
/// [`Part::key`]: super::tree::Part::key
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FolderState {
    pub version: u32,
    pub cid: String,
    pub dest: PathBuf,
    /// The cut's fingerprint.
    pub plan: String,
    pub done: BTreeMap<String, (u64, u64)>,
}

impl FolderState {
    pub fn new(cid: &str, dest: &Path, plan: String) -> Self {
        FolderState {
            version: 2,
            cid: cid.to_string(),
            dest: absolute(dest),
            plan,
            done: BTreeMap::new(),
        }
    }

    /// The bytes of the parts finished.
    pub fn bytes(&self) -> u64 {
        self.done.values().map(|d| d.0).sum()
    }

    /// The entries of the parts finished.
    pub fn entries(&self) -> u64 {
        self.done.values().map(|d| d.1).sum()
    }

    /// The state an earlier run left for this very fetch, if it is one
    /// and its folder is still there.
    pub fn load(p: &Partial, cid: &str, dest: &Path) -> Option<FolderState> {
        let data = std::fs::symlink_metadata(&p.data).ok()?;
        if !data.is_dir() {
            return None;
        }
        let st: FolderState = read_state(p)?;
        (st.version == 2 && st.cid == cid && st.dest == absolute(dest)).then_some(st)
    }

    pub fn save(&self, p: &Partial) -> std::io::Result<()> {
        save_state(self, p)
    }
}

/// The entries under `path` (a folder's, links not followed; a file has
/// none): with its bytes, what a finished part left.
pub fn entries_at(path: &Path) -> std::io::Result<u64> {
    if !std::fs::symlink_metadata(path)?.is_dir() {
        return Ok(0);
    }
    let mut n = 0;
    for e in std::fs::read_dir(path)? {
        n += 1 + entries_at(&e?.path())?;
    }
    Ok(n)
}

/// The bytes of the files at `path` (a file, or a folder's, links not
/// followed): what a finished part left, to tell it is still whole.
pub fn bytes_at(path: &Path) -> std::io::Result<u64> {
    let meta = std::fs::symlink_metadata(path)?;
    if meta.is_file() {
        return Ok(meta.len());
    }
    if !meta.is_dir() {
        return Ok(0);
    }
    let mut sum = 0;
    for e in std::fs::read_dir(path)? {
        sum += bytes_at(&e?.path())?;
    }
    Ok(sum)
}

/// Whether the user owns what `meta` describes.
pub fn mine(meta: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    meta.uid() == nix::unistd::getuid().as_raw()
}

/// A new file only the user can read, never opened through a link.
pub fn private_new(path: &Path) -> std::io::Result<std::fs::File> {
    let mut o = OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600).custom_flags(nix::libc::O_NOFOLLOW);
    }
    o.open(path)
}

/// The partial data file, held under an exclusive lock for as long as the
/// fetch runs (a second get of the same item to the same place is refused,
/// not let to write beside it), opened to go on (`resume`) or made anew.
pub type Locked = nix::fcntl::Flock<std::fs::File>;

pub fn open_data(path: &Path, size: u64, resume: bool) -> std::io::Result<Locked> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let mut o = OpenOptions::new();
    // Never through a link, never blocked by a FIFO put in its place.
    o.read(true)
        .write(true)
        .create(true)
        .mode(0o600)
        .custom_flags(nix::libc::O_NOFOLLOW | nix::libc::O_NONBLOCK);
    let f = o.open(path)?;
    if !f.metadata()?.is_file() {
        return Err(std::io::Error::other("not a regular file; not used"));
    }
    let f = nix::fcntl::Flock::lock(f, nix::fcntl::FlockArg::LockExclusiveNonblock).map_err(
        |(_, e)| {
            if e == nix::errno::Errno::EWOULDBLOCK {
                std::io::Error::other(
                    "another get of this item to this place is running; not fetched twice",
                )
            } else {
                std::io::Error::from(e)
            }
        },
    )?;
    f.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    // A new file is not truncated: ext4 takes a truncate to zero for a
    // file being replaced and writes the whole of it out when it is closed
    // (auto_da_alloc): 0.29 s of a 1 GiB get spent in close(2).
    if !resume && f.metadata()?.len() > 0 {
        f.set_len(0)?;
    }
    f.set_len(size)?;
    Ok(f)
}

/// The mode a finished file gets: what a file the user makes gets, under
/// their umask (read from /proc: asking the kernel sets it, for every thread).
pub fn finished_mode() -> u32 {
    0o666 & !umask()
}

/// The mode a finished folder gets, as [`finished_mode`] for a file.
pub fn finished_dir_mode() -> u32 {
    0o777 & !umask()
}

fn umask() -> u32 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("Umask:"))
                .and_then(|v| u32::from_str_radix(v.trim(), 8).ok())
        })
        .unwrap_or(0o022)
}

/// Renames `from` to `to` unless `to` exists, in one step where the
/// kernel and the file system can (no window in which a file made at `to`
/// is replaced), else checked just before.
pub fn rename_no_replace(from: &Path, to: &Path) -> std::io::Result<()> {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        use nix::errno::Errno;
        use nix::fcntl::{renameat2, RenameFlags, AT_FDCWD};
        match renameat2(AT_FDCWD, from, AT_FDCWD, to, RenameFlags::RENAME_NOREPLACE) {
            Ok(()) => return Ok(()),
            Err(Errno::EINVAL | Errno::ENOSYS | Errno::EOPNOTSUPP) => {}
            Err(e) => return Err(e.into()),
        }
    }
    if std::fs::symlink_metadata(to).is_ok() {
        return Err(std::io::Error::from(std::io::ErrorKind::AlreadyExists));
    }
    std::fs::rename(from, to)
}

/// Flushes the folder that holds `path`, so a rename into it survives a
/// power cut.
pub fn sync_parent(path: &Path) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::File::open(dir)?.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_merge_and_cover() {
        let mut s = FileState::new("Qm", Path::new("x"), 100);
        s.set(vec![10..20, 0..10, 30..40, 35..50]);
        assert_eq!(s.verified, vec![(0, 20), (30, 50)]);
        assert_eq!(s.bytes(), 40);
        assert!(s.covers(&(5..20)));
        assert!(!s.covers(&(15..35)));
    }

    #[test]
    fn a_state_is_for_its_cid_and_target_only() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("out.bin");
        let p = Partial::of("QmA", &dest);
        assert_ne!(p, Partial::of("QmB", &dest));
        assert_ne!(p, Partial::of("QmA", &dir.path().join("other.bin")));
        let f = open_data(&p.data, 64, false).unwrap();
        drop(f);
        let mut s = FileState::new("QmA", &dest, 64);
        s.set(std::iter::once(0..32).collect());
        s.save(&p).unwrap();
        assert_eq!(FileState::load(&p, "QmA", &dest, 64), Some(s));
        assert_eq!(FileState::load(&p, "QmB", &dest, 64), None);
        assert_eq!(FileState::load(&p, "QmA", &dest, 65), None);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            for f in [&p.data, &p.state] {
                let mode = std::fs::metadata(f).unwrap().permissions().mode();
                assert_eq!(mode & 0o777, 0o600, "{}", f.display());
            }
        }
        p.remove();
        assert!(!p.data.exists() && !p.state.exists());
    }

    #[test]
    fn a_second_get_to_the_same_place_is_refused_while_one_runs() {
        let dir = tempfile::tempdir().unwrap();
        let p = Partial::of("QmA", &dir.path().join("out.bin"));
        let first = open_data(&p.data, 64, false).unwrap();
        let second = open_data(&p.data, 64, false).unwrap_err();
        assert!(second.to_string().contains("another get"), "{second}");
        assert_eq!(std::fs::metadata(&p.data).unwrap().len(), 64, "untouched");
        drop(first);
        assert!(open_data(&p.data, 64, true).is_ok(), "free once it ends");
    }

    #[test]
    fn a_partial_file_that_is_a_link_or_a_fifo_is_not_used() {
        let dir = tempfile::tempdir().unwrap();
        let p = Partial::of("QmA", &dir.path().join("out.bin"));
        let target = dir.path().join("elsewhere");
        std::fs::write(&target, b"keep").unwrap();
        std::os::unix::fs::symlink(&target, &p.data).unwrap();
        assert!(open_data(&p.data, 64, false).is_err());
        assert_eq!(std::fs::read(&target).unwrap(), b"keep");
        std::fs::remove_file(&p.data).unwrap();
        let made = std::process::Command::new("mkfifo").arg(&p.data).status();
        if made.map(|s| s.success()).unwrap_or(false) {
            assert!(open_data(&p.data, 64, false).is_err(), "no hang, no use");
        }
    }
}
