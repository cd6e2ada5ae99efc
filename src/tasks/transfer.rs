//! Uploads and fetches: files to and from the cluster, cancellable, with
//! progress. Each is refused before it starts (said in its form) when what
//! it would read or write is not right; once started it is a task.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::effects::Effects;
use super::paths::expand_tilde;
use super::task::reporter;
use crate::app::msg::{TaskOutcome, UploadRequest};
use crate::app::transfers::TaskKind;
use crate::app::Msg;
use crate::cluster::audit::Node;
use crate::cluster::fetch::{fetch, sources, FetchOptions, FetchReport, Watch};
use crate::cluster::types::PinOptions;
use crate::cluster::{AddOptions, ClientError, ClusterClient};
use crate::unixfs::ImportOptions;

impl Effects {
    pub fn upload(&self, req: UploadRequest) {
        let (client, tx) = (self.client.clone(), self.tx.clone());
        self.spawn_task(req.id, move |cancel| upload(client, tx, req, cancel));
    }

    pub fn fetch(&self, id: u64, cid: String, dest: String, create_folder: bool) {
        let (client, tx, nodes) = (self.client.clone(), self.tx.clone(), self.nodes.clone());
        self.spawn_task(id, move |cancel| async move {
            let dest = fetch_target(&client, &tx, &cid, &dest, create_folder).await?;
            Some(fetch_to(&client, &tx, &nodes, id, &cid, &dest, cancel).await)
        });
    }
}

async fn upload(
    client: Arc<ClusterClient>,
    tx: mpsc::Sender<Msg>,
    req: UploadRequest,
    cancel: CancellationToken,
) -> Option<TaskOutcome> {
    let path = expand_tilde(&req.path);
    let total = upload_size(&tx, &path).await?;
    if already_there(&client, &tx, &path).await {
        return None;
    }
    let what = crate::cluster::add::default_name(&path);
    let _ = tx
        .send(Msg::TaskStarted {
            id: req.id,
            kind: TaskKind::Upload,
            what: what.clone(),
            total: Some(total),
        })
        .await;
    let opts = add_options(&req, &path, &what, total);
    let report = reporter(tx.clone(), req.id);
    let progress: crate::cluster::add::Progress =
        Arc::new(move |sent, total| report(sent, Some(total)));
    Some(
        match client.add(&path, &opts, Some(progress), cancel).await {
            Ok(res) => {
                let cid = res.root.cid.clone().unwrap_or_default();
                // Named as it is pinned: the name given, else the file's.
                let named = opts.pin.name.clone().unwrap_or(what);
                TaskOutcome::Done {
                    message: format!("added '{}' as {cid}", crate::sanitize::clean(&named)),
                    select: Some(cid),
                }
            }
            Err(ClientError::Cancelled) => TaskOutcome::Cancelled,
            Err(e) => TaskOutcome::Failed(e.to_string()),
        },
    )
}

/// The bytes the upload will send, or None with the form told why it
/// cannot be read.
async fn upload_size(tx: &mpsc::Sender<Msg>, path: &Path) -> Option<u64> {
    let p = path.to_path_buf();
    let planned = tokio::task::spawn_blocking(move || crate::cluster::add::plan(&p, false)).await;
    let refused = match planned {
        Ok(Ok((_, total))) => return Some(total),
        Ok(Err(e)) => e.to_string(),
        Err(e) => e.to_string(),
    };
    let _ = tx.send(Msg::FormRefused(refused)).await;
    None
}

/// Whether the content is in the archive already (its CID computed here,
/// as kubo would): then nothing is sent, and the form says so.
async fn already_there(client: &ClusterClient, tx: &mpsc::Sender<Msg>, path: &Path) -> bool {
    let found = client
        .existing(path, ImportOptions::default(), false, false)
        .await;
    let Some(e) = found else { return false };
    let summary = e
        .replicas
        .map_or_else(|| "status unknown".into(), |r| r.summary());
    let _ = tx
        .send(Msg::UploadExists {
            cid: e.cid,
            name: e.pin.name,
            summary,
        })
        .await;
    true
}

/// The pin the form asked for, with the size and file name recorded.
fn add_options(req: &UploadRequest, path: &Path, what: &str, total: u64) -> AddOptions {
    let metadata = crate::cluster::add::with_size(req.metadata.clone(), total);
    let metadata = crate::cluster::add::with_filename(metadata, path, req.name.as_deref());
    AddOptions {
        pin: PinOptions {
            name: Some(req.name.clone().unwrap_or_else(|| what.to_string())),
            replication_min: req.replication_min,
            replication_max: req.replication_max,
            metadata,
            ..Default::default()
        },
        ..Default::default()
    }
}

/// Where the fetch writes: a folder given means inside it, under the
/// item's own name (as `get -o FOLDER` does). None, with the form told
/// why, when the name is taken or its folder is missing (and not to be
/// made) or cannot be.
async fn fetch_target(
    client: &ClusterClient,
    tx: &mpsc::Sender<Msg>,
    cid: &str,
    dest: &str,
    create_folder: bool,
) -> Option<PathBuf> {
    let mut dest = expand_tilde(dest);
    if dest.is_dir() {
        let file = crate::cluster::fetch::suggest_name(client, cid, None).await;
        dest = dest.join(file);
    }
    let refused = if dest.exists() {
        Msg::FormRefused(format!(
            "{} already exists: choose another name",
            dest.display()
        ))
    } else {
        match dest
            .parent()
            .filter(|p| !p.as_os_str().is_empty() && !p.is_dir())
        {
            None => return Some(dest),
            Some(parent) if parent.exists() => {
                Msg::FormRefused(format!("{} is not a folder", parent.display()))
            }
            Some(parent) if !create_folder => Msg::FetchNeedsFolder(parent.display().to_string()),
            Some(parent) => match std::fs::create_dir_all(parent) {
                Ok(()) => return Some(dest),
                Err(e) => Msg::FormRefused(format!("cannot create {}: {e}", parent.display())),
            },
        }
    };
    let _ = tx.send(refused).await;
    None
}

/// Fetches from every peer that pins it, at once; an earlier cut fetch of
/// the same item to the same place resumes. Its events (a gateway
/// dropped, a resume) are the task's notes.
async fn fetch_to(
    client: &Arc<ClusterClient>,
    tx: &mpsc::Sender<Msg>,
    nodes: &[Node],
    id: u64,
    cid: &str,
    dest: &Path,
    cancel: CancellationToken,
) -> TaskOutcome {
    let _ = tx
        .send(Msg::TaskStarted {
            id,
            kind: TaskKind::Fetch,
            what: format!("{cid} → {}", dest.display()),
            total: None,
        })
        .await;
    let progress: crate::cluster::fetch::Progress = Arc::new(reporter(tx.clone(), id));
    let ntx = tx.clone();
    let watch = Watch {
        progress: Some(progress),
        events: Some(Arc::new(move |e: crate::cluster::fetch::Event| {
            let note = e.to_string();
            let _ = ntx.try_send(Msg::TaskNote { id, note });
        })),
    };
    let opts = FetchOptions::default();
    let r = match sources(client, nodes, cid, None).await {
        Ok(from) => fetch(client, &from, cid, dest, &opts, &watch, cancel).await,
        Err(e) => Err(e),
    };
    match r {
        Ok(rep) => {
            let _ = tx.try_send(Msg::TaskProgress {
                id,
                bytes: rep.bytes,
                total: Some(rep.bytes),
            });
            TaskOutcome::Done {
                message: fetched(&rep, cid),
                select: None,
            }
        }
        Err(ClientError::Cancelled) => TaskOutcome::Cancelled,
        Err(e) => TaskOutcome::Failed(e.to_string()),
    }
}

/// What a finished fetch says: where, that it matches, what was resumed.
fn fetched(rep: &FetchReport, cid: &str) -> String {
    let resumed = if rep.resumed > 0 {
        format!(
            "; resumed: {} was verified before",
            crate::format::human_bytes(rep.resumed)
        )
    } else {
        String::new()
    };
    format!(
        "fetched {} (verified: matches {cid}{resumed})",
        rep.path.display()
    )
}
