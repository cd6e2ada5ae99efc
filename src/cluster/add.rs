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
use super::host::Endpoint;
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

/// As ccs does: an item carries `size` (the bytes added) unless it was
/// given one; the one rule for the console's uploads and `add`.
pub fn with_size(mut metadata: Vec<(String, String)>, total: u64) -> Vec<(String, String)> {
    if !metadata.iter().any(|(k, _)| k == "size") {
        metadata.push(("size".into(), total.to_string()));
    }
    metadata
}

/// Checks everything is readable before a byte is sent, so a bad path fails
/// with a clear message instead of a half-sent upload.
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

/// The multipart body of an upload, read from disk as it is sent.
fn body_stream(
    upload: Upload,
    boundary: String,
) -> impl futures_util::Stream<Item = Result<Bytes, std::io::Error>> + Send {
    let body = Body {
        entries: upload.entries.into_iter(),
        file: None,
        boundary,
        sent: 0,
        total: upload.total,
        progress: upload.progress,
        done: false,
        buf: vec![0u8; 256 * 1024],
        cancel: upload.cancel,
    };
    futures_util::stream::unfold(body, |mut body| async move {
        let piece = body.next().await?;
        Some((piece, body))
    })
}

/// Where the body stands: the parts still to send, the file being sent.
struct Body {
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

impl Body {
    /// The next piece of the body; `None` once it ended or failed.
    async fn next(&mut self) -> Option<Result<Bytes, std::io::Error>> {
        if self.done {
            return None;
        }
        if self.cancel.is_cancelled() {
            // Breaking the body mid-way makes the daemon's multipart reader
            // fail, so it pins nothing.
            return Some(self.fail(std::io::Error::other("cancelled")));
        }
        if let Some(piece) = self.file_bytes().await {
            return Some(piece);
        }
        let Some(e) = self.entries.next() else {
            self.done = true;
            return Some(Ok(Bytes::from(format!("--{}--\r\n", self.boundary))));
        };
        Some(self.part_start(&e).await)
    }

    /// The open file's next bytes, or the end of its part once all are
    /// sent; `None` when no file is open.
    async fn file_bytes(&mut self) -> Option<Result<Bytes, std::io::Error>> {
        let (f, p) = self.file.as_mut()?;
        Some(match f.read(&mut self.buf).await {
            Ok(0) => {
                self.file = None;
                Ok(Bytes::from_static(b"\r\n"))
            }
            Ok(n) => {
                self.sent += n as u64;
                if let Some(cb) = &self.progress {
                    cb(self.sent, self.total);
                }
                Ok(Bytes::copy_from_slice(&self.buf[..n]))
            }
            Err(e) => {
                let e = naming(p, e);
                self.fail(e)
            }
        })
    }

    /// A part's header, with a folder's or a symlink's whole content; a
    /// file's content follows, read as it is sent.
    async fn part_start(&mut self, e: &WalkEntry) -> Result<Bytes, std::io::Error> {
        let mut head = part_header(&self.boundary, e);
        match &e.kind {
            WalkKind::Dir => head.extend_from_slice(b"\r\n"),
            WalkKind::Symlink { target } => {
                head.extend_from_slice(target.as_bytes());
                head.extend_from_slice(b"\r\n");
            }
            WalkKind::File { .. } => match tokio::fs::File::open(&e.abs).await {
                Ok(f) => self.file = Some((f, e.abs.clone())),
                Err(err) => return self.fail(naming(&e.abs, err)),
            },
        }
        Ok(Bytes::from(head))
    }

    /// Ends the body with `e`.
    fn fail(&mut self, e: std::io::Error) -> Result<Bytes, std::io::Error> {
        self.done = true;
        Err(e)
    }
}

/// `e`, its message naming the file.
fn naming(path: &Path, e: std::io::Error) -> std::io::Error {
    std::io::Error::new(e.kind(), format!("{}: {e}", path.display()))
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
        let body = Upload {
            entries,
            total,
            progress,
            cancel: cancel.clone(),
        };
        let req = self.add_request(&ep, opts, body);
        let r = tokio::select! {
            r = self.send_add(req, &ep, opts) => r,
            _ = cancel.cancelled() => Err(ClientError::Cancelled),
        };
        // The body stream breaks itself on cancel, so the request may fail
        // with a transport error first: report what really happened.
        let added = match r {
            Err(_) if cancel.is_cancelled() => return Err(ClientError::Cancelled),
            r => r?,
        };
        self.unless_changed(&before, opts, added).await
    }

    /// `POST /add` with the upload as its multipart body.
    fn add_request(
        &self,
        ep: &Endpoint,
        opts: &AddOptions,
        upload: Upload,
    ) -> reqwest::RequestBuilder {
        let boundary = format!("ccs-tui-{:032x}", rand::random::<u128>());
        let mut url = ep.api.clone();
        url.set_path("/add");
        url.query_pairs_mut().extend_pairs(opts.query());
        let body = reqwest::Body::wrap_stream(body_stream(upload, boundary.clone()));
        self.auth(self.http.request(Method::POST, url))
            .header(
                "Content-Type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .header("TE", "trailers")
            .body(body)
    }

    /// Sends the upload and reads what the cluster added.
    async fn send_add(
        &self,
        req: reqwest::RequestBuilder,
        ep: &Endpoint,
        opts: &AddOptions,
    ) -> Result<AddResult, ClientError> {
        let host = ep.label();
        let resp = req.send().await.map_err(|e| send_failed(&host, &e))?;
        let resp = self.check(resp, ep).await?;
        let lines = if opts.stream_channels {
            self.streamed_lines(resp, &host).await?
        } else {
            buffered_lines(resp, &host).await?
        };
        added(lines, &host)
    }

    /// The answer as it streams, one line per object added.
    async fn streamed_lines(
        &self,
        resp: reqwest::Response,
        host: &str,
    ) -> Result<Vec<AddedOutput>, ClientError> {
        let mut s: NdjsonStream<AddedOutput> =
            NdjsonStream::new(Some(resp), host.to_string(), self.cfg.idle_timeout);
        let mut out = Vec::new();
        while let Some(item) = s.next().await {
            match item {
                Ok(o) => out.push(o),
                Err(ClientError::Stream { messages, .. }) => {
                    return Err(ClientError::Add {
                        host: host.to_string(),
                        message: messages.join("; "),
                    })
                }
                Err(e) => return Err(e),
            }
        }
        Ok(out)
    }

    /// A file that changed while it was sent was pinned as a snapshot that
    /// is neither the old file nor the new one: take it back and say so.
    async fn unless_changed(
        &self,
        before: &[Stamp],
        opts: &AddOptions,
        added: AddResult,
    ) -> Result<AddResult, ClientError> {
        let Some(why) = changed(before) else {
            return Ok(added);
        };
        if !opts.no_pin {
            if let Some(root) = &added.root.cid {
                let _ = self.unpin(root).await;
            }
        }
        Err(ClientError::Io {
            path: why.0.display().to_string(),
            message: format!(
                "changed while it was uploaded ({}); the cluster's copy would not be this file, so it was unpinned: add it again once it is complete",
                why.1
            ),
        })
    }
}

/// What an upload sends, and who hears how it goes.
struct Upload {
    entries: Vec<WalkEntry>,
    total: u64,
    progress: Option<Progress>,
    cancel: CancellationToken,
}

/// A request that failed while its body was sent is the upload's failure;
/// any other, the host's.
fn send_failed(host: &str, e: &reqwest::Error) -> ClientError {
    if e.is_body() || e.is_request() {
        ClientError::Add {
            host: host.to_string(),
            message: transport_reason(e),
        }
    } else {
        ClientError::Unreachable {
            host: host.to_string(),
            reason: transport_reason(e),
        }
    }
}

/// The answer in one piece: one array, or (older daemons) one object.
async fn buffered_lines(
    resp: reqwest::Response,
    host: &str,
) -> Result<Vec<AddedOutput>, ClientError> {
    let bytes = resp.bytes().await.map_err(|e| ClientError::Add {
        host: host.to_string(),
        message: transport_reason(&e),
    })?;
    serde_json::from_slice::<Vec<AddedOutput>>(&bytes)
        .or_else(|_| serde_json::from_slice::<AddedOutput>(&bytes).map(|o| vec![o]))
        .map_err(|e| ClientError::Decode {
            host: host.to_string(),
            what: format!("/add answer: {e}"),
        })
}

/// Every line that names an object (progress lines carry no CID); the root
/// is the last.
fn added(mut lines: Vec<AddedOutput>, host: &str) -> Result<AddResult, ClientError> {
    lines.retain(|l| l.cid.is_some());
    let Some(root) = lines.last().cloned() else {
        return Err(ClientError::Add {
            host: host.to_string(),
            message: "the cluster answered 200 but added nothing (ipfs-cluster#2123: often bad replication factors); nothing was pinned".into(),
        });
    };
    Ok(AddResult {
        entries: lines,
        root,
    })
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
