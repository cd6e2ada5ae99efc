//! Where ccs-tui keeps what a long run needs to resume (the journals of
//! audits, drains and rebalances), kept as a file of secrets is: a 0700
//! folder, 0600 files, never opened through a symbolic link, and named by the
//! cluster they belong to, not by the address that reached it (two clusters
//! behind one tunnel are two clusters).
//!
//! What a journal says is still checked where it is used: a journal can
//! only finish what a run began.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// A journal file is a list of small lines; anything larger is not ours.
const MAX_JOURNAL: u64 = 256 << 20;

/// This process's own state folder, when it has one (see [`use_state_dir`]).
static OWN: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();

/// Keeps this process's state under `base` instead: `--demo` runs a fresh
/// simulated cluster each time, and what it journals or logs (an erase, an
/// audit's findings) must not meet the real state folder, nor an earlier
/// demo's cluster of the same identity.
pub fn use_state_dir(base: PathBuf) {
    let _ = OWN.set(base);
}

/// `$XDG_STATE_HOME/ccs-tui` (else `~/.local/state/ccs-tui`).
pub fn state_dir() -> Option<PathBuf> {
    if let Some(base) = OWN.get() {
        return Some(base.join("ccs-tui"));
    }
    let base = std::env::var_os("XDG_STATE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/state")))?;
    Some(base.join("ccs-tui"))
}

/// The journal of `kind` for a cluster (its identity: the ID of the peer
/// that answers, see [`cluster_key`]) and what the run is about.
pub fn path(kind: &str, cluster: &str, about: &str) -> Option<PathBuf> {
    let key: String = format!("{cluster}-{about}")
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    Some(state_dir()?.join(format!("{kind}-{key}.jsonl")))
}

/// The cluster's identity for its journals: the peer ID that answers the
/// API (from `/id`), never host:port.
pub async fn cluster_key(client: &super::ClusterClient) -> Result<String, super::ClientError> {
    Ok(client.id().await?.id)
}

/// Why a state file was not used.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error("{0}: a symbolic link where ccs-tui keeps its state; not followed")]
    Symlink(PathBuf),
    #[error("{0}: not a plain file; not used")]
    NotAFile(PathBuf),
    #[error("{0}: {1}")]
    Io(PathBuf, std::io::Error),
}

/// Makes the state folder 0700 (creating it), refusing a link in its place.
fn ensure_dir(dir: &Path) -> Result<(), StateError> {
    match std::fs::symlink_metadata(dir) {
        Ok(m) if m.file_type().is_symlink() => return Err(StateError::Symlink(dir.into())),
        Ok(m) if !m.is_dir() => return Err(StateError::NotAFile(dir.into())),
        Ok(_) => {}
        Err(_) => {
            let mut b = std::fs::DirBuilder::new();
            b.recursive(true);
            #[cfg(unix)]
            std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
            b.create(dir).map_err(|e| StateError::Io(dir.into(), e))?;
        }
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700));
    }
    Ok(())
}

fn options() -> std::fs::OpenOptions {
    let mut o = std::fs::OpenOptions::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.custom_flags(libc::O_NOFOLLOW).mode(0o600);
    }
    o
}

fn opened(path: &Path, r: std::io::Result<std::fs::File>) -> Result<std::fs::File, StateError> {
    match r {
        Ok(f) => {
            let m = f.metadata().map_err(|e| StateError::Io(path.into(), e))?;
            if !m.is_file() {
                return Err(StateError::NotAFile(path.into()));
            }
            Ok(f)
        }
        // O_NOFOLLOW on a link fails with ELOOP.
        Err(e) if e.raw_os_error() == Some(libc::ELOOP) => Err(StateError::Symlink(path.into())),
        Err(e) => Err(StateError::Io(path.into(), e)),
    }
}

/// The file's text; `Ok(None)` when there is none.
pub fn read(path: &Path) -> Result<Option<String>, StateError> {
    let f = match options().read(true).open(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        r => opened(path, r)?,
    };
    let mut text = String::new();
    f.take(MAX_JOURNAL)
        .read_to_string(&mut text)
        .map_err(|e| StateError::Io(path.into(), e))?;
    Ok(Some(text))
}

/// Opens the file to append lines (created 0600).
pub fn append(path: &Path) -> Result<std::fs::File, StateError> {
    if let Some(dir) = path.parent() {
        ensure_dir(dir)?;
    }
    let r = options().create(true).append(true).open(path);
    let f = opened(path, r)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = f.set_permissions(std::fs::Permissions::from_mode(0o600));
    }
    Ok(f)
}

/// Replaces the file's text whole (written beside it, then renamed).
pub fn replace(path: &Path, text: &str) -> Result<(), StateError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    ensure_dir(dir)?;
    let tmp = dir.join(format!(
        ".{}.{:08x}.tmp",
        path.file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default(),
        rand::random::<u32>()
    ));
    let r = options().write(true).create_new(true).open(&tmp);
    let mut f = opened(&tmp, r)?;
    f.write_all(text.as_bytes())
        .and_then(|_| f.sync_all())
        .map_err(|e| StateError::Io(tmp.clone(), e))?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        StateError::Io(path.into(), e)
    })
}

/// Removes the file (a link in its place is removed, never followed).
pub fn remove(path: &Path) {
    let _ = std::fs::remove_file(path);
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn files_are_private_and_links_are_not_followed() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("state/ccs-tui");
        let p = dir.join("audit-x.jsonl");
        let mut f = append(&p).unwrap();
        writeln!(f, "one").unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&p), 0o600);
        replace(&p, "two\n").unwrap();
        assert_eq!(mode(&p), 0o600);
        assert_eq!(read(&p).unwrap().unwrap(), "two\n");
        // A link planted in its place: neither read, written nor truncated.
        let target = tmp.path().join("precious");
        std::fs::write(&target, "keep me").unwrap();
        let link = dir.join("audit-y.jsonl");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        assert!(matches!(read(&link), Err(StateError::Symlink(_))));
        assert!(matches!(append(&link), Err(StateError::Symlink(_))));
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep me");
        // The folder itself a link: refused.
        let elsewhere = tmp.path().join("elsewhere");
        std::fs::create_dir(&elsewhere).unwrap();
        let linked_dir = tmp.path().join("linked");
        std::os::unix::fs::symlink(&elsewhere, &linked_dir).unwrap();
        assert!(matches!(
            append(&linked_dir.join("a.jsonl")),
            Err(StateError::Symlink(_))
        ));
        assert_eq!(read(&dir.join("none.jsonl")).unwrap(), None);
    }
}
