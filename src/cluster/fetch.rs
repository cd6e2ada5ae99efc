//! Fetching an item to disk: streamed, written beside the target under a
//! temporary name, verified by recomputing its CID, and only then renamed.
//! Nothing half-written ever sits under the final name.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use tokio::io::AsyncWriteExt;
use tokio_util::sync::CancellationToken;
use url::Url;

use super::{ClientError, ClusterClient};
use crate::unixfs::{self, FileBuilder, ImportOptions, NullSink};

/// Called with bytes received so far and the total when known.
pub type Progress = Arc<dyn Fn(u64, Option<u64>) + Send + Sync>;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verified {
    /// The recomputed CID matches.
    Match,
    /// The bytes are not what the CID names; they were kept at `kept`.
    Mismatch { got: String, kept: PathBuf },
}

#[derive(Debug, Clone)]
pub struct FetchReport {
    pub path: PathBuf,
    pub bytes: u64,
    pub is_dir: bool,
    pub verified: Verified,
}

fn io(path: &Path, e: impl std::fmt::Display) -> ClientError {
    ClientError::Io {
        path: path.display().to_string(),
        message: e.to_string(),
    }
}

/// The importer options an item was most likely added with, from its CID:
/// kubo's defaults for CIDv0, raw leaves for CIDv1.
fn options_for(cid: &cid::Cid) -> ImportOptions {
    if cid.version() == cid::Version::V0 {
        ImportOptions::default()
    } else {
        ImportOptions::new(1, None)
    }
}

fn temp_beside(dest: &Path, tag: &str) -> PathBuf {
    let name = dest
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "download".into());
    let dir = dest
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    dir.join(format!(".{name}.{tag}-{:08x}.part", rand::random::<u32>()))
}

/// The name a fetch saves an item under when none is given: its name as a
/// file name (escaped for disk), else its CID; with the original file's
/// extension when the name has none (`minutes-2024-05` added from
/// `minutes.json` is saved as `minutes-2024-05.json`): from the `filename`
/// its upload kept, else from the type the gateway sees in its bytes.
pub fn suggested_name(
    name: &str,
    cid: &str,
    filename: Option<&str>,
    content_type: Option<&str>,
) -> String {
    let base = Path::new(name)
        .file_name()
        .map(|n| crate::sanitize::for_disk(&n.to_string_lossy()).into_owned())
        .filter(|n| !n.is_empty() && n != "." && n != "..")
        .unwrap_or_else(|| cid.to_string());
    if Path::new(&base).extension().is_some() || base == cid {
        return base;
    }
    let ext = filename
        .and_then(|f| Path::new(f).extension())
        .map(|e| crate::sanitize::for_disk(&e.to_string_lossy()).into_owned())
        .or_else(|| content_type.and_then(extension_of).map(String::from));
    match ext {
        Some(e) if !e.is_empty() && !e.contains('/') => format!("{base}.{e}"),
        _ => base,
    }
}

/// The name `cid` is best saved under, asked of the cluster: its pinned
/// name (`name` when given, e.g. an entry inside a folder), the original
/// file name its upload kept, else the type its gateway sees.
pub async fn suggest_name(client: &ClusterClient, cid: &str, name: Option<&str>) -> String {
    let pin = client.allocation(cid).await.ok();
    let filename = pin
        .as_ref()
        .and_then(|p| p.metadata.get(crate::cluster::add::FILENAME_KEY))
        .map(String::from);
    let name = name
        .map(String::from)
        .or_else(|| pin.map(|p| p.name))
        .unwrap_or_default();
    let content_type = client
        .gateway_head(&client.default_gateway(), cid, "")
        .await
        .ok()
        .filter(|h| !h.is_dir)
        .and_then(|h| h.content_type);
    suggested_name(&name, cid, filename.as_deref(), content_type.as_deref())
}

/// A file extension for a content type a gateway names, when it is
/// specific (not plain text, HTML or bytes, which say nothing of the file).
fn extension_of(content_type: &str) -> Option<&'static str> {
    let ct = content_type.split(';').next()?.trim().to_ascii_lowercase();
    Some(match ct.as_str() {
        "application/pdf" => "pdf",
        "application/json" => "json",
        "application/zip" => "zip",
        "application/x-gzip" | "application/gzip" => "gz",
        "application/ogg" | "audio/ogg" => "ogg",
        "image/png" => "png",
        "image/jpeg" => "jpg",
        "image/gif" => "gif",
        "image/webp" => "webp",
        "image/tiff" => "tif",
        "image/bmp" => "bmp",
        "audio/mpeg" => "mp3",
        "audio/wave" | "audio/wav" | "audio/x-wav" => "wav",
        "audio/flac" => "flac",
        "video/mp4" => "mp4",
        "video/webm" => "webm",
        "text/csv" => "csv",
        _ => return None,
    })
}

#[cfg(test)]
mod name_tests {
    use super::suggested_name;

    #[test]
    fn a_name_without_extension_gets_the_original_files() {
        assert_eq!(
            suggested_name("minutes-2024-05", "Qm", Some("minutes.json"), None),
            "minutes-2024-05.json"
        );
        assert_eq!(
            suggested_name("scan", "Qm", None, Some("image/jpeg")),
            "scan.jpg"
        );
        assert_eq!(
            suggested_name("notes", "Qm", None, Some("text/plain; charset=utf-8")),
            "notes"
        );
        assert_eq!(
            suggested_name("report.pdf", "Qm", Some("x.doc"), None),
            "report.pdf"
        );
        assert_eq!(suggested_name("", "QmX", Some("a.json"), None), "QmX");
        assert_eq!(
            suggested_name("../../etc/passwd", "Qm", None, None),
            "passwd"
        );
    }
}

/// A root block is a few hundred bytes (a HAMT shard a few kilobytes).
const MAX_ROOT_BLOCK: usize = 2 << 20;

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
}

impl Default for FetchOptions {
    fn default() -> Self {
        FetchOptions {
            overwrite: false,
            max_bytes: None,
            max_entries: DEFAULT_MAX_ENTRIES,
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

/// Counts the entries of a tar as its bytes stream past: a header every
/// 512 bytes, then the entry's data rounded up to 512.
#[derive(Debug, Default)]
struct TarCounter {
    header: Vec<u8>,
    /// Data bytes left before the next header.
    skip: u64,
    entries: u64,
    /// Bytes of the files' own data (what the item holds, not the tar's
    /// headers and padding).
    data: u64,
}

impl TarCounter {
    fn feed(&mut self, mut bytes: &[u8]) {
        while !bytes.is_empty() {
            if self.skip > 0 {
                let n = (self.skip.min(bytes.len() as u64)) as usize;
                self.skip -= n as u64;
                bytes = &bytes[n..];
                continue;
            }
            let n = (512 - self.header.len()).min(bytes.len());
            self.header.extend_from_slice(&bytes[..n]);
            bytes = &bytes[n..];
            if self.header.len() < 512 {
                return;
            }
            let h = std::mem::take(&mut self.header);
            if h.iter().all(|b| *b == 0) {
                continue; // the end-of-archive blocks
            }
            let size = tar_size(&h[124..136]);
            // PAX and GNU long-name records describe the next entry.
            if !matches!(h[156], b'x' | b'g' | b'L' | b'K') {
                self.entries += 1;
            }
            if matches!(h[156], b'0' | 0) {
                self.data += size;
            }
            self.skip = size.div_ceil(512).saturating_mul(512);
        }
    }
}

/// A tar header's size: octal, or base-256 when the top bit is set.
fn tar_size(field: &[u8]) -> u64 {
    if field.first().is_some_and(|b| b & 0x80 != 0) {
        return field[1..].iter().fold(0u64, |n, b| {
            n.saturating_mul(256).saturating_add(u64::from(*b))
        });
    }
    field
        .iter()
        .skip_while(|b| **b == b' ')
        .take_while(|b| (b'0'..=b'7').contains(b))
        .fold(0u64, |n, b| {
            n.saturating_mul(8).saturating_add(u64::from(b - b'0'))
        })
}

/// What a download may still bring: the item's declared bound, the
/// operator's caps, the room on the disk, and (a folder's tar) its entries.
struct Budget {
    limit: Option<u64>,
    max_bytes: Option<u64>,
    max_entries: u64,
    room: Option<u64>,
    tar: Option<TarCounter>,
}

impl Budget {
    fn new(caps: &FetchOptions, limit: Option<u64>, tmp: &Path, is_dir: bool) -> Self {
        // A folder is on disk twice for a moment: its tar and what it unpacks to.
        let copies = if is_dir { 2 } else { 1 };
        Budget {
            limit,
            max_bytes: caps.max_bytes,
            max_entries: caps.max_entries,
            room: tmp
                .parent()
                .and_then(free_space)
                .map(|free| free.saturating_sub(DISK_RESERVE) / copies),
            tar: is_dir.then(TarCounter::default),
        }
    }

    /// `chunk` has arrived, `got` bytes in all: within every bound, or why not.
    fn take(&mut self, cid: &str, got: u64, chunk: &[u8]) -> Result<(), String> {
        use crate::format::{count, human_bytes};
        if let Some(limit) = self.limit.filter(|l| got > *l) {
            return Err(format!(
                "the gateway sent more than the item's {limit} bytes; stopped"
            ));
        }
        if let Some(max) = self.max_bytes.filter(|m| got > *m) {
            return Err(format!(
                "{cid} is larger than {} (--max-bytes); stopped, nothing kept",
                human_bytes(max)
            ));
        }
        if let Some(room) = self.room.filter(|r| got > *r) {
            return Err(format!(
                "{cid} would fill the disk: more than the {} free there; stopped, nothing kept",
                human_bytes(room)
            ));
        }
        if let Some(t) = self.tar.as_mut() {
            t.feed(chunk);
            if t.entries > self.max_entries {
                return Err(format!(
                    "{cid} holds more than {} files and folders (--max-entries); stopped, nothing kept",
                    count(self.max_entries as usize)
                ));
            }
        }
        Ok(())
    }
}

/// Downloads `cid` to `dest`. A folder comes as a tar and is unpacked.
pub async fn fetch(
    client: &ClusterClient,
    gateway: &Url,
    cid_text: &str,
    dest: &Path,
    caps: &FetchOptions,
    progress: Option<Progress>,
    cancel: CancellationToken,
) -> Result<FetchReport, ClientError> {
    let overwrite = caps.overwrite;
    let cid = unixfs::parse_cid(cid_text).map_err(|e| ClientError::Io {
        path: cid_text.to_string(),
        message: format!("not a valid CID: {e}"),
    })?;
    let cid_s = cid.to_string();
    if dest.exists() && !overwrite {
        return Err(io(dest, "already exists (not overwritten)"));
    }
    if let Some(parent) = dest.parent().filter(|p| !p.as_os_str().is_empty()) {
        if !parent.is_dir() {
            return Err(io(parent, "no such folder"));
        }
    }
    // Every wait is cancellable, the first bytes included (a stalled gateway).
    let head = tokio::select! {
        h = client.gateway_head(gateway, &cid_s, "") => h?,
        _ = cancel.cancelled() => return Err(ClientError::Cancelled),
    };
    if overwrite && dest.is_dir() && !head.is_dir {
        return Err(io(dest, "is a folder; not replaced by a file"));
    }
    // What the root block says the item holds bounds the download: a gateway
    // that announces a little and streams forever must not fill the disk.
    let declared = tokio::select! {
        b = client.gateway_block(gateway, &cid, MAX_ROOT_BLOCK) => b
            .ok()
            .and_then(|root| unixfs::declared_bound(&cid, &root)),
        _ = cancel.cancelled() => return Err(ClientError::Cancelled),
    };
    let mut stream = tokio::select! {
        s = client.gateway_get(gateway, &cid_s, "", head.is_dir) => s?,
        _ = cancel.cancelled() => return Err(ClientError::Cancelled),
    };
    let total = stream.length;
    let limit = match (declared, total) {
        (Some(d), Some(t)) => Some(d.min(t)),
        (d, t) => d.or(t),
    };
    let tmp = temp_beside(dest, "ccs-tui");
    let mut budget = Budget::new(caps, limit, &tmp, head.is_dir);
    // Buffered: each tokio::fs write is a trip to the blocking pool.
    let mut file = tokio::io::BufWriter::with_capacity(
        1 << 20,
        tokio::fs::File::create(&tmp)
            .await
            .map_err(|e| io(&tmp, e))?,
    );
    let opts = options_for(&cid);
    // Hash on another core while this task writes: verification costs
    // (almost) no time on a two-core machine.
    let (hash_tx, hash_rx) = std::sync::mpsc::sync_channel::<bytes::Bytes>(32);
    let hasher = (!head.is_dir).then(|| {
        tokio::task::spawn_blocking(move || {
            let mut sink = NullSink;
            let mut b = FileBuilder::new(opts, &mut sink);
            for chunk in hash_rx {
                b.write(&chunk);
            }
            b.finish()
        })
    });
    let hash_tx = hasher.as_ref().map(|_| hash_tx);
    let mut got = 0u64;
    let result: Result<(), ClientError> = async {
        loop {
            let next = tokio::select! {
                n = stream.next() => n,
                _ = cancel.cancelled() => return Err(ClientError::Cancelled),
            };
            let Some(chunk) = next else { break };
            let chunk = chunk?;
            if let Some(tx) = &hash_tx {
                // The hasher only stops early if it panicked; the check below
                // then reports a mismatch rather than a false success.
                let _ = tx.send(chunk.clone());
            }
            got += chunk.len() as u64;
            budget
                .take(&cid_s, got, &chunk)
                .map_err(|why| io(dest, why))?;
            file.write_all(&chunk).await.map_err(|e| io(&tmp, e))?;
            if let Some(p) = &progress {
                // A folder comes as a tar: its files' bytes are what the
                // item holds (a 5.8 kB folder is a 53 kB tar).
                match &budget.tar {
                    Some(t) => p(t.data, None),
                    None => p(got, total),
                }
            }
        }
        file.flush().await.map_err(|e| io(&tmp, e))?;
        file.get_ref().sync_all().await.map_err(|e| io(&tmp, e))?;
        Ok(())
    }
    .await;
    drop(file);
    drop(hash_tx);
    if let Err(e) = result {
        let _ = tokio::fs::remove_file(&tmp).await;
        return Err(e);
    }
    if let Some(t) = total {
        if t != got {
            let _ = tokio::fs::remove_file(&tmp).await;
            return Err(io(dest, format!("the gateway sent {got} of {t} bytes")));
        }
    }
    if let Some(h) = hasher {
        let root = h
            .await
            .map_err(|e| io(dest, format!("verification failed: {e}")))?;
        if root.cid != cid {
            return Ok(FetchReport {
                path: dest.to_path_buf(),
                bytes: got,
                is_dir: false,
                verified: Verified::Mismatch {
                    got: root.cid.to_string(),
                    kept: tmp,
                },
            });
        }
        if overwrite && dest.is_dir() {
            let _ = tokio::fs::remove_file(&tmp).await;
            return Err(io(dest, "is a folder; not replaced by a file"));
        }
        tokio::fs::rename(&tmp, dest)
            .await
            .map_err(|e| io(dest, e))?;
        return Ok(FetchReport {
            path: dest.to_path_buf(),
            bytes: got,
            is_dir: false,
            verified: Verified::Match,
        });
    }
    // A folder: unpack the tar beside the target, verify, then rename.
    let dest_owned = dest.to_path_buf();
    let tmp_tar = tmp.clone();
    let cid_for_task = cid;
    let report = tokio::task::spawn_blocking(move || {
        unpack_and_verify(&tmp_tar, &dest_owned, &cid_for_task, overwrite)
    })
    .await
    .map_err(|e| io(dest, e))?;
    let _ = std::fs::remove_file(&tmp);
    let (verified, path) = report?;
    Ok(FetchReport {
        path,
        bytes: budget.tar.map_or(got, |t| t.data),
        is_dir: true,
        verified,
    })
}

/// Whatever modes the tar claimed (setuid, world-writable…), what is unpacked
/// gets ordinary ones: folders 0755, files 0644 (0755 when executable). A
/// copy kept aside after a mismatch is no more dangerous than a good one.
fn ordinary_modes(root: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let Ok(meta) = std::fs::symlink_metadata(root) else {
            return;
        };
        if meta.file_type().is_symlink() {
            return;
        }
        let mode = if meta.is_dir() || meta.permissions().mode() & 0o111 != 0 {
            0o755
        } else {
            0o644
        };
        let _ = std::fs::set_permissions(root, std::fs::Permissions::from_mode(mode));
        if meta.is_dir() {
            if let Ok(rd) = std::fs::read_dir(root) {
                for e in rd.filter_map(Result::ok) {
                    ordinary_modes(&e.path());
                }
            }
        }
    }
    #[cfg(not(unix))]
    let _ = root;
}

/// Renames, deepest first, every entry under `root` whose name holds a
/// control or format character to its escaped form (`<U+202E>txt.exe`).
fn escape_names(root: &Path) {
    let Ok(rd) = std::fs::read_dir(root) else {
        return;
    };
    for e in rd.filter_map(Result::ok) {
        let path = e.path();
        if e.file_type().is_ok_and(|t| t.is_dir()) {
            escape_names(&path);
        }
        let name = e.file_name();
        let Some(text) = name.to_str() else { continue };
        let safe = crate::sanitize::for_disk(text);
        if safe != text {
            let mut to = root.join(safe.as_ref());
            let mut n = 1;
            while to.exists() {
                to = root.join(format!("{safe}~{n}"));
                n += 1;
            }
            let _ = std::fs::rename(&path, &to);
        }
    }
}

fn unpack_and_verify(
    tar_path: &Path,
    dest: &Path,
    cid: &cid::Cid,
    overwrite: bool,
) -> Result<(Verified, PathBuf), ClientError> {
    let stage = temp_beside(dest, "ccs-tui-dir");
    std::fs::create_dir(&stage).map_err(|e| io(&stage, e))?;
    let cleanup = |e: ClientError| {
        let _ = std::fs::remove_dir_all(&stage);
        e
    };
    let f = std::fs::File::open(tar_path).map_err(|e| cleanup(io(tar_path, e)))?;
    let mut ar = tar::Archive::new(f);
    ar.set_preserve_permissions(false);
    // Times are set below: the archive's when it holds one, else the time
    // of the fetch (a zero mtime would make every restored file 1970).
    ar.set_preserve_mtime(false);
    let mut times: Vec<(PathBuf, u64)> = Vec::new();
    let entries = ar.entries().map_err(|e| cleanup(io(tar_path, e)))?;
    for entry in entries {
        let mut entry = entry.map_err(|e| cleanup(io(tar_path, e)))?;
        let path = entry.path().map(|p| p.to_path_buf()).unwrap_or_default();
        if let Ok(t) = entry.header().mtime() {
            if t > 0 {
                times.push((path.clone(), t));
            }
        }
        // unpack_in refuses paths that would leave the folder (.., absolute).
        let inside = entry.unpack_in(&stage).map_err(|e| cleanup(io(&path, e)))?;
        if !inside {
            return Err(cleanup(io(
                &path,
                "refused: the path would escape the target folder",
            )));
        }
    }
    // Deepest first: setting a file's time after its folder's would not
    // change the folder's, but writing into a folder would.
    times.sort_by_key(|(p, _)| std::cmp::Reverse(p.components().count()));
    let inside = stage.canonicalize().unwrap_or_else(|_| stage.clone());
    for (p, t) in times {
        // Only what was unpacked, never through a link to elsewhere.
        let target = stage.join(&p);
        let real = match target.canonicalize() {
            Ok(r) if r.starts_with(&inside) => r,
            _ => continue,
        };
        if std::fs::symlink_metadata(&target).is_ok_and(|m| m.file_type().is_symlink()) {
            continue;
        }
        let at = std::time::UNIX_EPOCH + std::time::Duration::from_secs(t);
        if let Ok(f) = std::fs::File::open(real) {
            let _ = f.set_modified(at);
        }
    }
    ordinary_modes(&stage);
    // The tar holds one top-level folder (named by the CID).
    let mut tops = std::fs::read_dir(&stage)
        .map_err(|e| cleanup(io(&stage, e)))?
        .filter_map(Result::ok)
        .collect::<Vec<_>>();
    if tops.len() != 1 {
        return Err(cleanup(io(
            dest,
            "the gateway's tar does not hold one folder",
        )));
    }
    let top = tops.remove(0).path();
    let (_, root) = unixfs::import_path(&top, options_for(cid), true, false)
        .map_err(|e| cleanup(io(&top, e)))?;
    let got = root.map(|r| r.cid.to_string()).unwrap_or_default();
    if got != cid.to_string() {
        return Ok((Verified::Mismatch { got, kept: top }, dest.to_path_buf()));
    }
    // Verified under the names the item gives; on disk, a name cannot carry
    // a control or a bidi override into the operator's next `ls`.
    escape_names(&top);
    if dest.exists() {
        if !overwrite {
            return Err(cleanup(io(dest, "already exists (not overwritten)")));
        }
        let old = temp_beside(dest, "ccs-tui-old");
        std::fs::rename(dest, &old).map_err(|e| cleanup(io(dest, e)))?;
        std::fs::rename(&top, dest).map_err(|e| cleanup(io(dest, e)))?;
        let _ = if old.is_dir() {
            std::fs::remove_dir_all(&old)
        } else {
            std::fs::remove_file(&old)
        };
    } else {
        std::fs::rename(&top, dest).map_err(|e| cleanup(io(dest, e)))?;
    }
    let _ = std::fs::remove_dir_all(&stage);
    Ok((Verified::Match, dest.to_path_buf()))
}

#[cfg(test)]
mod tar_count_tests {
    use super::TarCounter;

    #[test]
    fn entries_are_counted_however_the_stream_is_cut() {
        let mut b = tar::Builder::new(Vec::new());
        for (i, size) in [0usize, 1, 511, 512, 513, 70_000].iter().enumerate() {
            let mut h = tar::Header::new_ustar();
            h.set_size(*size as u64);
            h.set_mode(0o644);
            h.set_cksum();
            let long = format!("{}/{}", "d".repeat(150), i); // a PAX or GNU name
            b.append_data(&mut h, long, &vec![7u8; *size][..]).unwrap();
        }
        let bytes = b.into_inner().unwrap();
        for cut in [1, 7, 512, 4096, bytes.len()] {
            let mut c = TarCounter::default();
            for piece in bytes.chunks(cut) {
                c.feed(piece);
            }
            assert_eq!(c.entries, 6, "pieces of {cut}");
            assert_eq!(c.data, 1 + 511 + 512 + 513 + 70_000, "the files' own bytes");
        }
    }
}

#[cfg(all(test, unix))]
mod mode_tests {
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn unpacked_files_get_ordinary_modes_whatever_the_tar_said() {
        let tmp = tempfile::tempdir().unwrap();
        let d = tmp.path().join("item");
        std::fs::create_dir(&d).unwrap();
        let setuid = d.join("run.sh");
        let writable = d.join("notes.txt");
        std::fs::write(&setuid, "#!/bin/sh\n").unwrap();
        std::fs::write(&writable, "notes\n").unwrap();
        std::fs::set_permissions(&setuid, std::fs::Permissions::from_mode(0o4777)).unwrap();
        std::fs::set_permissions(&writable, std::fs::Permissions::from_mode(0o666)).unwrap();
        std::fs::set_permissions(&d, std::fs::Permissions::from_mode(0o777)).unwrap();
        super::ordinary_modes(&d);
        let mode =
            |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o7777;
        assert_eq!(mode(&d), 0o755);
        assert_eq!(mode(&setuid), 0o755);
        assert_eq!(mode(&writable), 0o644);
    }
}

#[cfg(all(test, unix))]
mod time_tests {
    /// A one-folder tar: `item/` with `old.txt` (mtime set) and `new.txt` (mtime 0).
    fn tar() -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        let mut dir = tar::Header::new_ustar();
        dir.set_entry_type(tar::EntryType::Directory);
        dir.set_mode(0o755);
        dir.set_size(0);
        dir.set_mtime(1_600_000_000);
        b.append_data(&mut dir, "item/", std::io::empty()).unwrap();
        for (name, mtime) in [("item/old.txt", 1_500_000_000u64), ("item/new.txt", 0)] {
            let mut h = tar::Header::new_ustar();
            h.set_mode(0o644);
            h.set_size(2);
            h.set_mtime(mtime);
            b.append_data(&mut h, name, &b"hi"[..]).unwrap();
        }
        b.into_inner().unwrap()
    }

    #[test]
    fn restored_files_keep_the_archive_times_else_the_fetch_time() {
        let tmp = tempfile::tempdir().unwrap();
        let tar_path = tmp.path().join("item.tar");
        std::fs::write(&tar_path, tar()).unwrap();
        let dest = tmp.path().join("out");
        let cid =
            crate::unixfs::parse_cid("QmWgWsT9pjwWGuiU9i8Z4LZ8Ba9tJjMq4jWGTzydqWJo5m").unwrap();
        let before = std::time::SystemTime::now() - std::time::Duration::from_secs(5);
        // The CID does not match this folder: it is kept aside, unpacked as any other.
        let (verified, _) = super::unpack_and_verify(&tar_path, &dest, &cid, false).unwrap();
        let kept = match verified {
            super::Verified::Mismatch { kept, .. } => kept,
            super::Verified::Match => panic!("cannot match"),
        };
        let mtime = |n: &str| std::fs::metadata(kept.join(n)).unwrap().modified().unwrap();
        assert_eq!(
            mtime("old.txt"),
            std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_500_000_000)
        );
        assert!(mtime("new.txt") >= before, "a zero time is not 1970");
        assert_eq!(
            std::fs::metadata(&kept).unwrap().modified().unwrap(),
            std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_600_000_000),
            "the folder's time survives its files being written"
        );
    }
}

#[cfg(test)]
mod tar_properties {
    use proptest::prelude::*;

    /// A tar whose entry names are written raw: `..`, absolute paths and all.
    fn tar_with(names: &[String], sizes: &[usize]) -> Vec<u8> {
        let mut out = Vec::new();
        for (name, size) in names.iter().zip(sizes) {
            let mut h = tar::Header::new_old();
            let n = name.as_bytes();
            let len = n.len().min(99);
            h.as_old_mut().name[..len].copy_from_slice(&n[..len]);
            h.set_size(*size as u64);
            h.set_mode(0o644);
            h.set_entry_type(if name.ends_with('/') {
                tar::EntryType::Directory
            } else {
                tar::EntryType::Regular
            });
            h.set_cksum();
            out.extend_from_slice(h.as_bytes());
            out.extend(std::iter::repeat_n(b'x', *size));
            out.resize(out.len().div_ceil(512) * 512, 0);
        }
        out.extend_from_slice(&[0u8; 1024]);
        out
    }

    fn cid() -> cid::Cid {
        crate::unixfs::parse_cid("QmWgWsT9pjwWGuiU9i8Z4LZ8Ba9tJjMq4jWGTzydqWJo5m").unwrap()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        /// Whatever the tar holds, nothing lands outside the target's folder,
        /// nothing unverified lands under the target's name, and nothing panics.
        #[test]
        fn no_tar_escapes_or_lands_unverified(
            names in proptest::collection::vec("(\\.\\.|/|[a-c]|\\.){1,4}(/(\\.\\.|[a-c])){0,3}/?", 1..6),
            sizes in proptest::collection::vec(0usize..1500, 6),
            garbage in proptest::collection::vec(any::<u8>(), 0..600),
            use_garbage in any::<bool>(),
        ) {
            let outer = tempfile::tempdir().unwrap();
            let work = outer.path().join("work");
            std::fs::create_dir(&work).unwrap();
            let tar_path = work.join("item.tar");
            let bytes = if use_garbage { garbage } else { tar_with(&names, &sizes) };
            std::fs::write(&tar_path, &bytes).unwrap();
            let dest = work.join("item");
            let _ = super::unpack_and_verify(&tar_path, &dest, &cid(), false);
            // Nothing beside `work` in the outer folder.
            let outside: Vec<_> = std::fs::read_dir(outer.path()).unwrap().filter_map(Result::ok).map(|e| e.file_name()).collect();
            prop_assert_eq!(outside.len(), 1, "{:?}", outside);
            // The content does not match the CID: nothing under the final name.
            prop_assert!(!dest.exists());
        }
    }
}
