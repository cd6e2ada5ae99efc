//! Fetching an item to disk, verified block by block, from every peer that
//! holds it, resumable, and atomic: nothing but a whole, verified item ever
//! sits under the final name.
//!
//! - A file is read as its layout (its inner blocks), then as byte ranges
//!   spread over the holders' gateways; each leaf is checked against its
//!   CID as it arrives ([`file`]). What is verified is recorded beside the
//!   target, so a cut fetch resumes ([`partial`]).
//! - A folder is cut into parts ([`tree`]): a small folder is one CAR
//!   stream whose every block is checked against the CID a depth-first
//!   walk expects next, and written as it arrives ([`folder`]); a large one
//!   comes part by part from every holder at once, its large files as
//!   ranges, and what is finished is recorded so a cut fetch resumes
//!   ([`folder_fetch`]).

mod car;
mod file;
mod folder;
mod folder_fetch;
mod folder_parts;
mod folder_resume;
mod folder_run;
mod layout;
mod leaf;
mod name;
mod partial;
mod rate;
mod recheck;
mod sources;
mod tally;
mod tree;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use bytes::Bytes;
use cid::Cid;
use tokio_util::sync::CancellationToken;

pub use name::{suggest_name, suggested_name};
pub use partial::Partial;
pub use sources::{sources, Source};

use super::dag::Dag;
use super::{ClientError, ClusterClient};
use crate::unixfs::{self, DataType, PbNode, UnixfsData};

/// Called with bytes verified so far and the total when known.
pub type Progress = Arc<dyn Fn(u64, Option<u64>) + Send + Sync>;

/// What a fetch has to say while it runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// An earlier run recorded this many bytes verified: they are read
    /// back and checked before they are trusted.
    Rechecking { recorded: u64 },
    /// An earlier run's verified bytes are kept.
    Resuming { verified: u64, total: u64 },
    /// A gateway is no longer asked.
    Dropped { source: String, reason: String },
}

/// As the operator reads it, on stderr and in the console's transfers.
impl std::fmt::Display for Event {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Event::Rechecking { recorded } => write!(
                f,
                "re-checking the {} an earlier run verified",
                crate::format::human_bytes(*recorded)
            ),
            Event::Resuming { verified, total } => write!(
                f,
                "resuming: {} of {} already verified",
                crate::format::human_bytes(*verified),
                crate::format::human_bytes(*total)
            ),
            Event::Dropped { source, reason } => {
                write!(f, "{source} is no longer asked: {reason}")
            }
        }
    }
}

/// Who hears a fetch: its progress and its events.
#[derive(Clone, Default)]
pub struct Watch {
    pub progress: Option<Progress>,
    pub events: Option<Arc<dyn Fn(Event) + Send + Sync>>,
}

impl Watch {
    fn event(&self, e: Event) {
        if let Some(f) = &self.events {
            f(e)
        }
    }
}

#[derive(Debug, Clone)]
pub struct FetchReport {
    pub path: PathBuf,
    /// The item's bytes (a folder: its files' bytes).
    pub bytes: u64,
    pub is_dir: bool,
    /// Bytes an earlier, interrupted run had verified.
    pub resumed: u64,
    /// What each gateway gave, and why one was dropped.
    pub from: Vec<Served>,
}

/// What one gateway gave a fetch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Served {
    pub source: String,
    /// Verified bytes it gave.
    pub bytes: u64,
    /// Why it was no longer asked, if it was not.
    pub dropped: Option<String>,
}

fn io(path: &Path, e: impl std::fmt::Display) -> ClientError {
    ClientError::Io {
        path: path.display().to_string(),
        message: e.to_string(),
    }
}

const RAW: u64 = 0x55;
const DAG_PB: u64 = 0x70;

/// The largest block a fetch takes: kubo sends at most 2 MiB between peers,
/// but a folder's root put by hand may be larger; twice that, and no more.
const MAX_FETCH_BLOCK: usize = 4 << 20;

/// Room a fetch leaves free on the target's disk.
const DISK_RESERVE: u64 = 256 << 20;

/// How a fetch may write. A folder of 40,000 links to one large file is two
/// blocks and 40,000 copies on disk; these stop it before the disk fills.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchOptions {
    /// Replace an existing target.
    pub overwrite: bool,
    /// Bytes the download may bring (None: as many as the disk has room for).
    pub max_bytes: Option<u64>,
    /// Files, folders and links a folder may unpack into.
    pub max_entries: u64,
    /// Flush what was fetched to the disk before it takes its name, so a
    /// power cut right after "fetched" cannot leave an empty or torn file
    /// there (`get --no-sync` skips it, as curl and rsync do).
    pub sync: bool,
}

impl Default for FetchOptions {
    fn default() -> Self {
        FetchOptions {
            overwrite: false,
            max_bytes: None,
            max_entries: DEFAULT_MAX_ENTRIES,
            sync: true,
        }
    }
}

/// Entries a fetched folder may hold unless raised (`get --max-entries`).
pub const DEFAULT_MAX_ENTRIES: u64 = 1_000_000;

/// Bytes free for an unprivileged writer on the filesystem holding `dir`.
fn free_space(dir: &Path) -> Option<u64> {
    let st = nix::sys::statvfs::statvfs(dir).ok()?;
    Some((st.blocks_available() as u64).saturating_mul(st.fragment_size() as u64))
}

/// The most a fetch into `dest` may write, and why, from the operator's cap
/// and the room on the disk (less what an earlier run already wrote).
fn byte_cap(caps: &FetchOptions, cid: &str, dest: &Path, have: u64) -> Option<(u64, String)> {
    use crate::format::human_bytes;
    let dir = dest
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let room = free_space(dir).map(|f| f.saturating_sub(DISK_RESERVE).saturating_add(have));
    match (caps.max_bytes, room) {
        (Some(m), r) if r.is_none_or(|r| m <= r) => Some((
            m,
            format!(
                "{cid} is larger than {} (--max-bytes); stopped, nothing kept",
                human_bytes(m)
            ),
        )),
        (_, Some(r)) => Some((
            r,
            format!(
                "{cid} would fill the disk: more than the {} free there; stopped, nothing kept",
                human_bytes(r)
            ),
        )),
        _ => None,
    }
}

/// Whether a verified root block is a folder.
fn is_folder(cid: &Cid, root: &[u8]) -> Result<bool, ClientError> {
    if cid.codec() == RAW {
        return Ok(false);
    }
    let not_unixfs = || io(Path::new(&cid.to_string()), "not a UnixFS file or folder");
    if cid.codec() != DAG_PB {
        return Err(not_unixfs());
    }
    let pb = PbNode::decode(root).map_err(|_| not_unixfs())?;
    let d = UnixfsData::decode(pb.data.as_deref().unwrap_or(&[])).map_err(|_| not_unixfs())?;
    match d.kind {
        Some(DataType::Directory) | Some(DataType::HamtShard) => Ok(true),
        Some(DataType::File) | Some(DataType::Raw) => Ok(false),
        _ => Err(not_unixfs()),
    }
}

/// The root block, from the first source that gives a good copy. When
/// none does, a bad copy is named as one: MISMATCH, nothing written.
async fn root_block(
    client: &ClusterClient,
    sources: &[Source],
    cid: &Cid,
) -> Result<Bytes, ClientError> {
    let mut first = None;
    for s in sources {
        match client.gateway_block(&s.gateway, cid, MAX_FETCH_BLOCK).await {
            Ok(b) => return Ok(b),
            Err(ClientError::Decode { host, what }) if what.contains("does not match") => {
                first = Some(ClientError::Io {
                    path: "MISMATCH".into(),
                    message: format!("{host} sent a block that is not {cid}; nothing written"),
                });
            }
            // A gateway, not the cluster, and most often an item not
            // pinned (found trying it as a newcomer: "the cluster at
            // 127.0.0.1:8080 answered 404").
            Err(ClientError::Api {
                host, status: 404, ..
            }) => {
                first.get_or_insert(io(
                    Path::new(&cid.to_string()),
                    format!(
                        "the gateway at {host} does not have it (404); is it in the pinset? ccs-tui status {cid}"
                    ),
                ));
            }
            Err(e) => {
                first.get_or_insert(e);
            }
        }
    }
    Err(first.unwrap_or_else(|| io(Path::new(&cid.to_string()), "no gateway to ask")))
}

/// Downloads `cid` to `dest` from `sources` (see [`sources()`]).
pub async fn fetch(
    client: &Arc<ClusterClient>,
    sources: &[Source],
    cid_text: &str,
    dest: &Path,
    caps: &FetchOptions,
    watch: &Watch,
    cancel: CancellationToken,
) -> Result<FetchReport, ClientError> {
    let cid = unixfs::parse_cid(cid_text).map_err(|e| ClientError::Io {
        path: cid_text.to_string(),
        message: format!("not a valid CID: {e}"),
    })?;
    let cid_s = cid.to_string();
    if dest.exists() && !caps.overwrite {
        return Err(io(dest, "already exists (not overwritten)"));
    }
    if let Some(parent) = dest.parent().filter(|p| !p.as_os_str().is_empty()) {
        if !parent.is_dir() {
            return Err(io(parent, "no such folder"));
        }
    }
    // Every wait is cancellable, the first bytes included (a stalled gateway).
    let root = tokio::select! {
        b = root_block(client, sources, &cid) => b?,
        _ = cancel.cancelled() => return Err(ClientError::Cancelled),
    };
    if is_folder(&cid, &root)? {
        let (bytes, resumed, from) =
            folder_fetch::fetch_folder(client, sources, (cid, &root), dest, caps, watch, cancel)
                .await?;
        return Ok(FetchReport {
            path: dest.to_path_buf(),
            bytes,
            is_dir: true,
            resumed,
            from,
        });
    }
    if caps.overwrite && dest.is_dir() {
        return Err(io(dest, "is a folder; not replaced by a file"));
    }
    let mut dag = Dag::new(client.clone(), sources[0].gateway.clone())
        .with_fallbacks(sources.iter().map(|s| s.gateway.clone()));
    dag.timeout = client.config().request_timeout;
    // What the root claims is held against the caps before its layout is
    // read: a claim of a petabyte is refused here, not walked.
    let claimed =
        layout::declared_size(&cid, &root, &dag.limits).map_err(|e| io(Path::new(&cid_s), e))?;
    let have = partial::FileState::load(&Partial::of(&cid_s, dest), &cid_s, dest, claimed)
        .map_or(0, |s| s.bytes());
    if let Some((max, why)) = byte_cap(caps, &cid_s, dest, have) {
        if claimed > max {
            return Err(io(dest, why));
        }
    }
    let layout = tokio::select! {
        l = layout::layout(&dag, &cid, root) => l
            .map_err(|e| io(Path::new(&cid_s), e))?,
        _ = cancel.cancelled() => return Err(ClientError::Cancelled),
    };
    let layout = Arc::new(layout);
    let out = file::fetch_file(client, sources, layout.clone(), dest, caps, watch, cancel).await?;
    Ok(FetchReport {
        path: dest.to_path_buf(),
        bytes: layout.size,
        is_dir: false,
        resumed: out.resumed,
        from: out.from,
    })
}

/// Runs `work`, and `tick` every `every` beside it until `work` ends (a
/// tick under way is let finish): how a fetch records what it verified.
async fn ticking<T, F: std::future::Future<Output = ()>>(
    work: impl std::future::Future<Output = T>,
    every: std::time::Duration,
    mut tick: impl FnMut() -> F,
) -> T {
    let stop = CancellationToken::new();
    let work = async {
        let r = work.await;
        stop.cancel();
        r
    };
    let ticker = async {
        loop {
            tokio::select! {
                _ = tokio::time::sleep(every) => {}
                _ = stop.cancelled() => break,
            }
            tick().await;
        }
    };
    tokio::join!(work, ticker).0
}

/// Flushes the file system that holds `dir`: one call for a folder's
/// thousands of files, where an fsync each would cost more than the fetch.
async fn flush_all(dir: &Path) -> Result<(), ClientError> {
    let d = dir.to_path_buf();
    let r = tokio::task::spawn_blocking(move || {
        let f = std::fs::File::open(&d)?;
        #[cfg(any(target_os = "linux", target_os = "android"))]
        nix::unistd::syncfs(&f).map_err(std::io::Error::from)?;
        #[cfg(not(any(target_os = "linux", target_os = "android")))]
        f.sync_all()?;
        Ok::<(), std::io::Error>(())
    })
    .await;
    match r {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(io(dir, e)),
        Err(e) => Err(io(dir, e)),
    }
}

/// Moves the verified folder to its name (replacing what is there when asked).
fn place(staging: &Path, dest: &Path, overwrite: bool) -> Result<(), ClientError> {
    if std::fs::symlink_metadata(dest).is_ok() {
        if !overwrite {
            return Err(io(dest, "already exists (not overwritten)"));
        }
        let old = Partial::of("replaced", dest).data;
        std::fs::rename(dest, &old).map_err(|e| io(dest, e))?;
        if let Err(e) = std::fs::rename(staging, dest) {
            // What was there goes back: a failed replace replaces nothing.
            let _ = std::fs::rename(&old, dest);
            return Err(io(dest, e));
        }
        let _ = if old.is_dir() {
            std::fs::remove_dir_all(&old)
        } else {
            std::fs::remove_file(&old)
        };
        return Ok(());
    }
    partial::rename_no_replace(staging, dest).map_err(|e| match e.kind() {
        std::io::ErrorKind::AlreadyExists => io(dest, "already exists (not overwritten)"),
        _ => io(dest, e),
    })
}
