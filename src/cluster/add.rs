//! `POST /add`: a file or a folder streamed from disk as multipart, in constant
//! memory, with progress and cancellation.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use bytes::Bytes;
use reqwest::Method;
use tokio::io::AsyncReadExt;
use tokio_util::sync::CancellationToken;

use super::client::ClusterClient;
use super::error::{transport_reason, ClientError};
use super::stream::NdjsonStream;
use super::types::{AddedOutput, PinOptions};
use crate::unixfs::tree::{walk, WalkEntry, WalkKind};

/// The options of `ipfs-cluster-ctl add` that the API honours.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddOptions {
    /// Name, replication, allocations, metadata: what the root is pinned with.
    pub pin: PinOptions,
    pub local: bool,
    pub wrap_with_directory: bool,
    pub cid_version: u8,
    pub raw_leaves: Option<bool>,
    pub chunker: Option<String>,
    /// Include dotfiles (`-H`).
    pub hidden: bool,
    /// `false` buffers the answer into one array (behind nginx, say).
    pub stream_channels: bool,
    pub no_pin: bool,
}

impl Default for AddOptions {
    fn default() -> Self {
        Self {
            pin: PinOptions::default(),
            local: false,
            wrap_with_directory: false,
            cid_version: 0,
            raw_leaves: None,
            chunker: None,
            hidden: false,
            stream_channels: true,
            no_pin: false,
        }
    }
}

impl AddOptions {
    fn query(&self) -> Vec<(String, String)> {
        let mut q: Vec<(String, String)> = vec![
            ("cid-version".into(), self.cid_version.to_string()),
            ("hidden".into(), self.hidden.to_string()),
            ("local".into(), self.local.to_string()),
            ("no-pin".into(), self.no_pin.to_string()),
            ("recursive".into(), "true".into()),
            ("stream-channels".into(), self.stream_channels.to_string()),
            (
                "wrap-with-directory".into(),
                self.wrap_with_directory.to_string(),
            ),
        ];
        q.extend(self.pin.to_query());
        if let Some(r) = self.raw_leaves {
            q.push(("raw-leaves".into(), r.to_string()));
        }
        if let Some(c) = &self.chunker {
            q.push(("chunker".into(), c.clone()));
        }
        q
    }
}

/// The outcome of an add: every line, and the root (the last line).
#[derive(Debug, Clone)]
pub struct AddResult {
    pub entries: Vec<AddedOutput>,
    pub root: AddedOutput,
}

/// Called with the content bytes sent so far and the total to send.
pub type Progress = Arc<dyn Fn(u64, u64) + Send + Sync>;

fn part_header(boundary: &str, e: &WalkEntry) -> Vec<u8> {
    // Go's url.QueryEscape of the relative path ('/' becomes %2F, ' ' becomes '+').
    let name: String = url::form_urlencoded::byte_serialize(e.rel.as_bytes()).collect();
    let ct = match e.kind {
        WalkKind::Dir => "application/x-directory",
        WalkKind::Symlink { .. } => "application/symlink",
        WalkKind::File { .. } => "application/octet-stream",
    };
    format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: {ct}\r\n\r\n"
    )
    .into_bytes()
}

fn io(path: &Path, e: impl std::fmt::Display) -> ClientError {
    ClientError::Io {
        path: path.display().to_string(),
        message: e.to_string(),
    }
}

/// Checks everything is readable before a byte is sent, so a bad path fails
/// with a clear message instead of a half-sent upload.
/// As ccs does: an item carries `size` (the bytes added) unless it was
/// given one; the one rule for the console's uploads and `add`.
pub fn with_size(mut metadata: Vec<(String, String)>, total: u64) -> Vec<(String, String)> {
    if !metadata.iter().any(|(k, _)| k == "size") {
        metadata.push(("size".into(), total.to_string()));
    }
    metadata
}

pub fn plan(path: &Path, hidden: bool) -> Result<(Vec<WalkEntry>, u64), ClientError> {
    // The path once: the one that failed (a file inside a folder, or the
    // path given), then why.
    let entries = walk(path, hidden).map_err(|e| match e {
        crate::unixfs::UnixfsError::Io { source, path } => ClientError::Io {
            path,
            message: match source.kind() {
                std::io::ErrorKind::NotFound => "no such file or folder".into(),
                std::io::ErrorKind::PermissionDenied => "permission denied".into(),
                _ => source.to_string(),
            },
        },
        other => ClientError::Io {
            path: path.display().to_string(),
            message: other.to_string(),
        },
    })?;
    let mut total = 0;
    for e in &entries {
        if let WalkKind::File { len } = e.kind {
            std::fs::File::open(&e.abs).map_err(|err| io(&e.abs, err))?;
            total += len;
        }
    }
    Ok((entries, total))
}

fn body_stream(
    entries: Vec<WalkEntry>,
    boundary: String,
    total: u64,
    progress: Option<Progress>,
    cancel: CancellationToken,
) -> impl futures_util::Stream<Item = Result<Bytes, std::io::Error>> + Send {
    struct St {
        entries: std::vec::IntoIter<WalkEntry>,
        file: Option<(tokio::fs::File, PathBuf)>,
        boundary: String,
        sent: u64,
        total: u64,
        progress: Option<Progress>,
        done: bool,
        buf: Vec<u8>,
        cancel: CancellationToken,
    }
    let st = St {
        entries: entries.into_iter(),
        file: None,
        boundary,
        sent: 0,
        total,
        progress,
        done: false,
        buf: vec![0u8; 256 * 1024],
        cancel,
    };
    futures_util::stream::unfold(st, |mut st| async move {
        if st.done {
            return None;
        }
        if st.cancel.is_cancelled() {
            // Breaking the body mid-way makes the daemon's multipart reader
            // fail, so it pins nothing.
            st.done = true;
            return Some((Err(std::io::Error::other("cancelled")), st));
        }
        if let Some((f, p)) = st.file.as_mut() {
            match f.read(&mut st.buf).await {
                Ok(0) => {
                    st.file = None;
                    return Some((Ok(Bytes::from_static(b"\r\n")), st));
                }
                Ok(n) => {
                    st.sent += n as u64;
                    if let Some(cb) = &st.progress {
                        cb(st.sent, st.total);
                    }
                    return Some((Ok(Bytes::copy_from_slice(&st.buf[..n])), st));
                }
                Err(e) => {
                    let err = std::io::Error::new(e.kind(), format!("{}: {e}", p.display()));
                    st.done = true;
                    return Some((Err(err), st));
                }
            }
        }
        let Some(e) = st.entries.next() else {
            st.done = true;
            return Some((Ok(Bytes::from(format!("--{}--\r\n", st.boundary))), st));
        };
        let mut head = part_header(&st.boundary, &e);
        match &e.kind {
            WalkKind::Dir => head.extend_from_slice(b"\r\n"),
            WalkKind::Symlink { target } => {
                head.extend_from_slice(target.as_bytes());
                head.extend_from_slice(b"\r\n");
            }
            WalkKind::File { .. } => match tokio::fs::File::open(&e.abs).await {
                Ok(f) => st.file = Some((f, e.abs.clone())),
                Err(err) => {
                    st.done = true;
                    let err =
                        std::io::Error::new(err.kind(), format!("{}: {err}", e.abs.display()));
                    return Some((Err(err), st));
                }
            },
        }
        Some((Ok(Bytes::from(head)), st))
    })
}

impl ClusterClient {
    /// Uploads `path` (a file or a folder). Memory stays at one 256 KiB read
    /// buffer whatever the size. Cancelling drops the connection mid-body, so
    /// the cluster never sees a complete request and pins nothing.
    pub async fn add(
        &self,
        path: &Path,
        opts: &AddOptions,
        progress: Option<Progress>,
        cancel: CancellationToken,
    ) -> Result<AddResult, ClientError> {
        let (entries, total) = plan(path, opts.hidden)?;
        let before = stamps(&entries);
        let ep = self.endpoint().clone();
        let boundary = format!("ccs-tui-{:032x}", rand::random::<u128>());
        let mut url = ep.api.clone();
        url.set_path("/add");
        url.query_pairs_mut().extend_pairs(opts.query());
        let body = reqwest::Body::wrap_stream(body_stream(
            entries,
            boundary.clone(),
            total,
            progress,
            cancel.clone(),
        ));
        let req = self
            .auth(self.http.request(Method::POST, url))
            .header(
                "Content-Type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .header("TE", "trailers")
            .body(body);
        let host = ep.label();
        let run = async {
            let resp = req.send().await.map_err(|e| {
                if e.is_body() || e.is_request() {
                    ClientError::Add {
                        host: host.clone(),
                        message: transport_reason(&e),
                    }
                } else {
                    ClientError::Unreachable {
                        host: host.clone(),
                        reason: transport_reason(&e),
                    }
                }
            })?;
            let resp = self.check(resp, &ep).await?;
            let mut lines: Vec<AddedOutput> = if opts.stream_channels {
                let mut s: NdjsonStream<AddedOutput> =
                    NdjsonStream::new(Some(resp), host.clone(), self.cfg.idle_timeout);
                let mut out = Vec::new();
                while let Some(item) = s.next().await {
                    match item {
                        Ok(o) => out.push(o),
                        Err(ClientError::Stream { messages, .. }) => {
                            return Err(ClientError::Add {
                                host: host.clone(),
                                message: messages.join("; "),
                            })
                        }
                        Err(e) => return Err(e),
                    }
                }
                out
            } else {
                let bytes = resp.bytes().await.map_err(|e| ClientError::Add {
                    host: host.clone(),
                    message: transport_reason(&e),
                })?;
                // One array, or (older daemons) one object.
                serde_json::from_slice::<Vec<AddedOutput>>(&bytes)
                    .or_else(|_| serde_json::from_slice::<AddedOutput>(&bytes).map(|o| vec![o]))
                    .map_err(|e| ClientError::Decode {
                        host: host.clone(),
                        what: format!("/add answer: {e}"),
                    })?
            };
            // Progress lines carry no CID.
            lines.retain(|l| l.cid.is_some());
            let Some(root) = lines.last().cloned() else {
                return Err(ClientError::Add {
                    host: host.clone(),
                    message: "the cluster answered 200 but added nothing (ipfs-cluster#2123: often bad replication factors); nothing was pinned".into(),
                });
            };
            Ok(AddResult {
                entries: lines,
                root,
            })
        };
        let r = tokio::select! {
            r = run => r,
            _ = cancel.cancelled() => Err(ClientError::Cancelled),
        };
        // The body stream breaks itself on cancel, so the request may fail
        // with a transport error first: report what really happened.
        let added = match r {
            Err(_) if cancel.is_cancelled() => return Err(ClientError::Cancelled),
            r => r?,
        };
        // A file that changed while it was sent was pinned as a snapshot that
        // is neither the old file nor the new one: take it back and say so.
        if let Some(why) = changed(&before) {
            if !opts.no_pin {
                if let Some(root) = &added.root.cid {
                    let _ = self.unpin(root).await;
                }
            }
            return Err(ClientError::Io {
                path: why.0.display().to_string(),
                message: format!(
                    "changed while it was uploaded ({}); the cluster's copy would not be this file, so it was unpinned: add it again once it is complete",
                    why.1
                ),
            });
        }
        Ok(added)
    }
}

type Stamp = (std::path::PathBuf, u64, Option<std::time::SystemTime>);

/// Size and modification time of every file of an upload.
fn stamps(entries: &[WalkEntry]) -> Vec<Stamp> {
    entries
        .iter()
        .filter(|e| matches!(e.kind, WalkKind::File { .. }))
        .map(|e| {
            let m = std::fs::metadata(&e.abs).ok();
            (
                e.abs.clone(),
                m.as_ref().map_or(0, |m| m.len()),
                m.and_then(|m| m.modified().ok()),
            )
        })
        .collect()
}

/// The first file whose size or modification time moved, and how.
fn changed(before: &[Stamp]) -> Option<(std::path::PathBuf, String)> {
    before.iter().find_map(|(path, len, mtime)| {
        let now = std::fs::metadata(path).ok();
        let now_len = now.as_ref().map_or(0, |m| m.len());
        let now_mtime = now.and_then(|m| m.modified().ok());
        if now_len != *len {
            Some((path.clone(), format!("{len} bytes, then {now_len}")))
        } else if now_mtime != *mtime {
            Some((path.clone(), "modified meanwhile".to_string()))
        } else {
            None
        }
    })
}

/// An item the archive already holds: what an upload of the same content
/// would have pinned.
#[derive(Debug, Clone)]
pub struct Existing {
    pub cid: String,
    pub pin: super::types::Pin,
    /// Its replication now; `None` when the status did not answer.
    pub replicas: Option<super::replicas::Repl>,
}

impl ClusterClient {
    /// Is `path`, imported as its upload would be, already in the pinset? The
    /// CID comes from kubo's importer run here, on a blocking thread. An import
    /// that fails says nothing here: the upload itself will say why.
    pub async fn existing(
        &self,
        path: &Path,
        import: crate::unixfs::ImportOptions,
        hidden: bool,
        wrap: bool,
    ) -> Option<Existing> {
        let p = path.to_path_buf();
        let cid = tokio::task::spawn_blocking(move || {
            crate::unixfs::import_path(&p, import, hidden, wrap)
        })
        .await
        .ok()?
        .ok()?
        .1?
        .cid
        .to_string();
        let pin = self.allocation(&cid).await.ok()?;
        let replicas = self
            .pin_status(&cid, false)
            .await
            .ok()
            .map(|g| super::replicas::Repl::of_status(&g));
        Some(Existing { cid, pin, replicas })
    }
}

/// Metadata key for a single file's own name, kept when the item is named
/// otherwise (`minutes.json` added as `minutes-2024-05`): a fetch saves it
/// with its extension.
pub const FILENAME_KEY: &str = "filename";

/// `metadata` with the file's own name when `name` drops its extension.
pub fn with_filename(
    mut metadata: Vec<(String, String)>,
    path: &Path,
    name: Option<&str>,
) -> Vec<(String, String)> {
    let own = default_name(path);
    let keeps = |n: &str| Path::new(n).extension().is_some() || n == own;
    if path.is_file()
        && name.is_some_and(|n| !keeps(n))
        && Path::new(&own).extension().is_some()
        && !metadata.iter().any(|(k, _)| k == FILENAME_KEY)
    {
        metadata.push((FILENAME_KEY.into(), own));
    }
    metadata
}

/// The name an upload is pinned with when none is given: the file's or the
/// folder's own name, as `ccs add` names it; `.` and `..` are resolved first.
pub fn default_name(path: &Path) -> String {
    let named = |p: &Path| p.file_name().map(|n| n.to_string_lossy().into_owned());
    named(path)
        .filter(|n| n != "." && n != "..")
        .or_else(|| std::fs::canonicalize(path).ok().as_deref().and_then(named))
        .unwrap_or_else(|| path.display().to_string())
}
