//! Carrying out the console's actions: uploads and fetches (cancellable, with
//! progress), unpin and recover, path completion, browsing inside items,
//! previews and whole-file reads, fetch names, and audits. Results come back
//! as `Msg`s.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::app::msg::{TaskOutcome, UploadRequest};
use crate::app::transfers::TaskKind;
use crate::throttle::Throttle;

/// How often the console hears of a transfer's progress.
const PROGRESS_EVERY: Duration = Duration::from_millis(100);

/// Reports a task's progress, throttled; the last report always goes out.
fn reporter(tx: mpsc::Sender<Msg>, id: u64) -> impl Fn(u64, Option<u64>) + Send + Sync {
    let throttle = Mutex::new(Throttle::new(PROGRESS_EVERY));
    move |bytes, total| {
        let Ok(mut t) = throttle.lock() else { return };
        if t.due(total.is_some_and(|t| bytes >= t)) {
            let _ = tx.try_send(Msg::TaskProgress { id, bytes, total });
        }
    }
}
use crate::app::msg::PreviewAnswer;
use crate::app::Msg;
use crate::cluster::dag::{BlockError, Dag};
use crate::cluster::fetch::{fetch, sources, Watch};
use crate::cluster::types::PinOptions;
use crate::cluster::{AddOptions, ClusterClient};
use crate::sanitize::clean;
use crate::unixfs::ImportOptions;
use futures_util::StreamExt;

pub struct Effects {
    pub(super) client: Arc<ClusterClient>,
    pub(super) tx: mpsc::Sender<Msg>,
    pub(super) cancels: Arc<Mutex<HashMap<u64, CancellationToken>>>,
    /// The nodes and their gateways, for audits (from the configuration).
    pub(super) nodes: Vec<crate::cluster::audit::Node>,
    /// Which configuration and user the console runs as (for the removal
    /// log).
    pub(super) origin: Arc<(String, String)>,
    /// The configuration's stewardship rules (nodes, reserves, backup,
    /// primaries, replication), for rebalance and drain.
    pub(super) config: Arc<crate::config::FileConfig>,
}

/// `~` and `~/x` as the shell expands them.
pub fn expand_tilde(p: &str) -> PathBuf {
    let home = std::env::var_os("HOME").map(PathBuf::from);
    match (p, home) {
        ("~", Some(h)) => h,
        (p, Some(h)) if p.starts_with("~/") => h.join(&p[2..]),
        (p, _) => PathBuf::from(p),
    }
}

/// Completes `typed` against the file system: the longest common prefix of
/// the matching names, with `/` after a single folder; and the names that
/// matched (folders with a `/`), to list when there are several.
pub fn complete(typed: &str) -> (String, Vec<String>) {
    let (dir_part, prefix) = match typed.rfind('/') {
        Some(i) => (&typed[..=i], &typed[i + 1..]),
        None => ("", typed),
    };
    let dir = if dir_part.is_empty() {
        PathBuf::from(".")
    } else {
        expand_tilde(dir_part)
    };
    let Ok(rd) = std::fs::read_dir(&dir) else {
        return (typed.to_string(), Vec::new());
    };
    let mut names: Vec<(String, bool)> = rd
        .filter_map(Result::ok)
        .map(|e| {
            let is_dir = e.file_type().map(|t| t.is_dir()).unwrap_or(false);
            (e.file_name().to_string_lossy().into_owned(), is_dir)
        })
        .filter(|(n, _)| n.starts_with(prefix) && (prefix.starts_with('.') || !n.starts_with('.')))
        .collect();
    names.sort();
    let listed: Vec<String> = names
        .iter()
        .map(|(n, d)| format!("{n}{}", if *d { "/" } else { "" }))
        .collect();
    match names.len() {
        0 => (typed.to_string(), listed),
        1 => (format!("{dir_part}{}", listed[0]), listed),
        _ => {
            let first = &names[0].0;
            let common = names.iter().fold(first.len(), |acc, (n, _)| {
                first
                    .chars()
                    .zip(n.chars())
                    .take_while(|(a, b)| a == b)
                    .count()
                    .min(acc)
            });
            let c: String = first.chars().take(common).collect();
            (format!("{dir_part}{c}"), listed)
        }
    }
}

impl Effects {
    pub fn new(client: Arc<ClusterClient>, tx: mpsc::Sender<Msg>) -> Self {
        Self {
            client,
            tx,
            cancels: Arc::new(Mutex::new(HashMap::new())),
            nodes: Vec::new(),
            config: Arc::default(),
            origin: Arc::default(),
        }
    }

    /// Which configuration and user the console runs as.
    pub fn with_origin(mut self, config: String, user: String) -> Self {
        self.origin = Arc::new((config, user));
        self
    }

    /// What earlier audits found and left standing, from the state folder.
    pub fn load_fixity(&self) {
        let (client, tx) = (self.client.clone(), self.tx.clone());
        tokio::spawn(async move {
            let Ok(k) = crate::cluster::state_files::cluster_key(&client).await else {
                return;
            };
            let r = tokio::task::spawn_blocking(move || crate::cluster::fixity::load(&k)).await;
            if let Ok(Ok(f)) = r {
                if !f.is_empty() {
                    let _ = tx.send(Msg::Fixity(f)).await;
                }
            }
        });
    }

    /// What a spawned task needs of this.
    pub(super) fn clone_for_task(&self) -> Effects {
        Effects {
            client: self.client.clone(),
            tx: self.tx.clone(),
            cancels: self.cancels.clone(),
            nodes: self.nodes.clone(),
            config: self.config.clone(),
            origin: self.origin.clone(),
        }
    }

    /// The stewardship rules of the configuration.
    pub fn with_config(mut self, config: crate::config::FileConfig) -> Self {
        self.config = Arc::new(config);
        self
    }

    /// The nodes an audit asks, each through its own gateway.
    pub fn with_nodes(mut self, nodes: Vec<crate::cluster::audit::Node>) -> Self {
        self.nodes = nodes;
        self
    }

    /// The default gateway, then every node's: any verified copy will do.
    fn dag(&self) -> Dag {
        Dag::new(self.client.clone(), self.client.default_gateway())
            .with_fallbacks(self.nodes.iter().map(|n| n.gateway.clone()))
    }

    /// Lists a folder, a batch per HAMT shard as it arrives.
    pub fn browse_list(&self, generation: u64, cid: String) {
        let (dag, tx) = (self.dag(), self.tx.clone());
        tokio::spawn(async move {
            let Ok(c) = crate::unixfs::parse_cid(&cid) else {
                return;
            };
            let batch = |es: &[crate::cluster::dag::Entry]| {
                let entries = es
                    .iter()
                    .map(|e| (clean(&e.name).into_owned(), e.cid.to_string(), e.tsize))
                    .collect();
                let _ = tx.try_send(Msg::BrowseEntries {
                    generation,
                    entries,
                    done: false,
                    error: None,
                    root_file: false,
                });
            };
            let r = dag.list_with(&c, batch).await;
            let (entries, error, root_file) = match r {
                Ok(_) => (Vec::new(), None, false),
                // A file item: listed alone, so it is previewed and fetched
                // as any entry is.
                Err(BlockError::NotA { .. }) => match dag.stat(&c).await {
                    Ok(st) => (vec![(cid.clone(), cid.clone(), st.size)], None, true),
                    Err(e) => (Vec::new(), Some(e.to_string()), false),
                },
                Err(e) => (Vec::new(), Some(e.to_string()), false),
            };
            let _ = tx
                .send(Msg::BrowseEntries {
                    generation,
                    entries,
                    done: true,
                    error,
                    root_file,
                })
                .await;
        });
    }

    /// Types and sizes entries from their root blocks, a few at a time.
    pub fn browse_stat(&self, generation: u64, cids: Vec<String>) {
        let (dag, tx) = (self.dag(), self.tx.clone());
        tokio::spawn(async move {
            let dag = &dag;
            let mut s = futures_util::stream::iter(cids)
                .map(|cid| async move {
                    let r = match crate::unixfs::parse_cid(&cid) {
                        Ok(c) => dag
                            .stat(&c)
                            .await
                            .map(|st| (st.kind, st.size))
                            .map_err(|e| e.to_string()),
                        Err(e) => Err(e),
                    };
                    (cid, r)
                })
                .buffered(8);
            let mut stats = Vec::new();
            while let Some(x) = s.next().await {
                stats.push(x);
                if stats.len() >= 8 {
                    let _ = tx
                        .send(Msg::BrowseStats {
                            generation,
                            stats: std::mem::take(&mut stats),
                        })
                        .await;
                }
            }
            let _ = tx.send(Msg::BrowseStats { generation, stats }).await;
        });
    }

    /// The file name a fetch of `cid` is saved under: its name with the
    /// original file's extension (see [`crate::cluster::fetch::suggested_name`]).
    pub fn fetch_name(&self, cid: String, name: String) {
        let (client, tx) = (self.client.clone(), self.tx.clone());
        tokio::spawn(async move {
            let file = crate::cluster::fetch::suggest_name(&client, &cid, Some(&name)).await;
            let _ = tx.send(Msg::FetchNamed { cid, file }).await;
        });
    }

    /// Reads a file whole (verified, up to the reader's cap) for the reader.
    pub fn read_file(&self, generation: u64, cid: String, name: String) {
        let (dag, tx) = (self.dag(), self.tx.clone());
        tokio::spawn(async move {
            let result = async {
                let c = crate::unixfs::parse_cid(&cid)?;
                let size = match dag.node(&c).await.map_err(|e| e.to_string())? {
                    crate::cluster::dag::Node::File { size, .. } => size,
                    _ => return Err("not a file".to_string()),
                };
                let mut bytes = Vec::new();
                dag.read(
                    &c,
                    Some(crate::app::reader::READ_BYTES),
                    &mut |b: &[u8]| {
                        bytes.extend_from_slice(b);
                        Ok(())
                    },
                )
                .await
                .map_err(|e| e.to_string())?;
                // Rendering a large file is work: off the runtime's threads.
                let p = tokio::task::spawn_blocking(move || {
                    crate::preview::read_whole(&name, &bytes, size)
                })
                .await
                .map_err(|e| e.to_string())?;
                Ok((p, size))
            }
            .await;
            let _ = tx.send(Msg::ReaderText { generation, result }).await;
        });
    }

    /// Reads the start of a file (verified) and says what it is.
    pub fn preview(&self, generation: u64, cid: String, name: String) {
        let (dag, tx) = (self.dag(), self.tx.clone());
        tokio::spawn(async move {
            let result = async {
                let c = crate::unixfs::parse_cid(&cid)?;
                let node = dag.node(&c).await.map_err(|e| e.to_string())?;
                let size = match node {
                    crate::cluster::dag::Node::Dir { .. } => return Ok(PreviewAnswer::Folder),
                    crate::cluster::dag::Node::Symlink(t) => return Ok(PreviewAnswer::Symlink(t)),
                    crate::cluster::dag::Node::File { size, .. } => size,
                };
                let mut head = Vec::new();
                dag.read(
                    &c,
                    Some(crate::preview::PREVIEW_BYTES),
                    &mut |b: &[u8]| {
                        head.extend_from_slice(b);
                        Ok(())
                    },
                )
                .await
                .map_err(|e| e.to_string())?;
                Ok(PreviewAnswer::File(crate::preview::preview(
                    &name, &head, size,
                )))
            }
            .await;
            let _ = tx
                .send(Msg::Preview {
                    generation,
                    cid,
                    result,
                })
                .await;
        });
    }

    /// `:audit`: every item (or a sample) on every peer that should hold it.
    pub fn audit(&self, id: u64, sample: Option<usize>) {
        let (client, tx, nodes) = (self.client.clone(), self.tx.clone(), self.nodes.clone());
        let cancel = self.token(id);
        let cancels = self.cancels.clone();
        tokio::spawn(async move {
            use crate::cluster::audit::{self, Audit, Depth, Outcome};
            let run = async {
                let peers = client.members().await.map_err(|e| e.to_string())?;
                let members: Vec<(String, String)> = peers
                    .iter()
                    .map(|p| (p.id.clone(), p.peername.clone()))
                    .collect();
                let answering = client.id().await.ok().map(|p| p.id);
                let cluster = answering.clone();
                let holders = audit::holders_for(
                    &nodes,
                    &peers,
                    answering.as_deref(),
                    &client.default_gateway(),
                );
                if holders.is_empty() {
                    return Err("no peer's gateway is known: name each node with its gateway (nodes.NAME.gateway) in the configuration".to_string());
                }
                // Streamed into what the audit needs of each item (or a
                // sample of them): the whole pinset at a million pins would
                // be over a gigabyte beside the console's table.
                let seed: u64 = rand::random();
                let mut targets = audit::Targets::new(sample, seed);
                client
                    .each_pin(|p| targets.push(&p))
                    .await
                    .map_err(|e| e.to_string())?;
                let pins = targets.finish();
                let total = pins.len() as u64;
                let a = Audit {
                    client: client.clone(),
                    holders,
                    members,
                    depth: if sample.is_some() {
                        Depth::Sample
                    } else {
                        Depth::Full
                    },
                    peer: None,
                    seed,
                };
                let mut all = Vec::new();
                let mut done = 0u64;
                let report = reporter(tx.clone(), id);
                a.run(pins, |checks| {
                    done += 1;
                    all.extend(checks);
                    // One progress message, throttled (the last always goes).
                    report(done, Some(total));
                })
                .await;
                // What it found stands until a later audit finds otherwise.
                if let Some(k) = cluster {
                    let checks = all.clone();
                    let kept = tokio::task::spawn_blocking(move || {
                        crate::cluster::fixity::record(&k, &checks)
                    })
                    .await;
                    if let Ok(Ok(f)) = kept {
                        let _ = tx.send(Msg::Fixity(f)).await;
                    }
                }
                Ok(all)
            };
            let outcome = tokio::select! {
                _ = cancel.cancelled() => TaskOutcome::Cancelled,
                r = run => match r {
                    Err(e) => TaskOutcome::Failed(e),
                    Ok(all) => {
                        let lines: Vec<String> = audit::summary(&all)
                            .into_iter()
                            .map(|(peer, counts, _)| format!("{peer}: {}", audit::counts_text(&counts)))
                            .collect();
                        // The gravest first: corrupt, missing, then unreachable.
                        let mut bad: Vec<&audit::Check> =
                            all.iter().filter(|c| c.outcome != Outcome::Ok).collect();
                        bad.sort_by(|a, b| b.outcome.cmp(&a.outcome).then_with(|| a.name.cmp(&b.name)));
                        let named: Vec<String> = bad
                            .iter()
                            .take(4)
                            .map(|c| format!("{} {} on {}", c.outcome.label().to_uppercase(), c.name, c.peer))
                            .collect();
                        let more = bad.len().saturating_sub(named.len());
                        let message = format!(
                            "{}{}{}",
                            lines.join(" · "),
                            if named.is_empty() { String::new() } else { format!(" — {}", named.join("; ")) },
                            if more > 0 { format!("; and {more} more (ccs-tui audit lists all)") } else { String::new() }
                        );
                        if all.iter().all(|c| c.outcome == Outcome::Ok) {
                            TaskOutcome::Done { message, select: None }
                        } else {
                            TaskOutcome::Failed(message)
                        }
                    }
                },
            };
            if let Ok(mut m) = cancels.lock() {
                m.remove(&id);
            }
            let _ = tx.send(Msg::TaskDone { id, outcome }).await;
        });
    }

    pub(super) fn token(&self, id: u64) -> CancellationToken {
        let t = CancellationToken::new();
        if let Ok(mut m) = self.cancels.lock() {
            m.insert(id, t.clone());
        }
        t
    }

    pub fn cancel(&self, id: u64) {
        if let Ok(m) = self.cancels.lock() {
            if let Some(t) = m.get(&id) {
                t.cancel();
            }
        }
    }

    pub fn complete_path(&self, typed: String) {
        let tx = self.tx.clone();
        tokio::task::spawn_blocking(move || {
            let (completed, candidates) = complete(&typed);
            let _ = tx.blocking_send(Msg::Completion {
                typed,
                completed,
                candidates,
            });
        });
    }

    pub fn upload(&self, req: UploadRequest) {
        let (client, tx) = (self.client.clone(), self.tx.clone());
        let cancel = self.token(req.id);
        let cancels = self.cancels.clone();
        tokio::spawn(async move {
            let path = expand_tilde(&req.path);
            let p2 = path.clone();
            let planned =
                tokio::task::spawn_blocking(move || crate::cluster::add::plan(&p2, false)).await;
            let total = match planned {
                Ok(Ok((_, total))) => total,
                Ok(Err(e)) => {
                    let _ = tx.send(Msg::FormRefused(e.to_string())).await;
                    return;
                }
                Err(e) => {
                    let _ = tx.send(Msg::FormRefused(e.to_string())).await;
                    return;
                }
            };
            {
                // The CID kubo would give, computed here: is it already there?
                let found = client
                    .existing(&path, ImportOptions::default(), false, false)
                    .await;
                if let Some(e) = found {
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
                    return;
                }
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
            let metadata = crate::cluster::add::with_size(req.metadata.clone(), total);
            let metadata = crate::cluster::add::with_filename(metadata, &path, req.name.as_deref());
            let opts = AddOptions {
                pin: PinOptions {
                    name: Some(req.name.clone().unwrap_or_else(|| what.clone())),
                    replication_min: req.replication_min,
                    replication_max: req.replication_max,
                    metadata,
                    ..Default::default()
                },
                ..Default::default()
            };
            let ptx = tx.clone();
            let report = reporter(ptx, req.id);
            let progress: crate::cluster::add::Progress =
                Arc::new(move |sent, total| report(sent, Some(total)));
            let r = client.add(&path, &opts, Some(progress), cancel).await;
            let outcome = match r {
                Ok(res) => {
                    let cid = res.root.cid.clone().unwrap_or_default();
                    // Named as it is pinned: the name given, else the file's.
                    let named = opts.pin.name.clone().unwrap_or_else(|| what.clone());
                    TaskOutcome::Done {
                        message: format!("added '{}' as {cid}", crate::sanitize::clean(&named)),
                        select: Some(cid),
                    }
                }
                Err(crate::cluster::ClientError::Cancelled) => TaskOutcome::Cancelled,
                Err(e) => TaskOutcome::Failed(e.to_string()),
            };
            if let Ok(mut m) = cancels.lock() {
                m.remove(&req.id);
            }
            let _ = tx
                .send(Msg::TaskDone {
                    id: req.id,
                    outcome,
                })
                .await;
        });
    }

    pub fn fetch(&self, id: u64, cid: String, dest: String, create_folder: bool) {
        let (client, tx, nodes) = (self.client.clone(), self.tx.clone(), self.nodes.clone());
        let cancel = self.token(id);
        let cancels = self.cancels.clone();
        tokio::spawn(async move {
            // Every way out (a refused target included) forgets the token.
            let _forget = Forget { cancels, id };
            let mut dest = expand_tilde(&dest);
            // A folder given means inside it, under the item's own name (as
            // `get -o FOLDER` does).
            if dest.is_dir() {
                let file = crate::cluster::fetch::suggest_name(&client, &cid, None).await;
                dest = dest.join(file);
            }
            if dest.exists() {
                let _ = tx
                    .send(Msg::FormRefused(format!(
                        "{} already exists: choose another name",
                        dest.display()
                    )))
                    .await;
                return;
            }
            if let Some(parent) = dest.parent().filter(|p| !p.as_os_str().is_empty()) {
                if !parent.is_dir() {
                    if parent.exists() {
                        let _ = tx
                            .send(Msg::FormRefused(format!(
                                "{} is not a folder",
                                parent.display()
                            )))
                            .await;
                        return;
                    }
                    if !create_folder {
                        let _ = tx
                            .send(Msg::FetchNeedsFolder(parent.display().to_string()))
                            .await;
                        return;
                    }
                    if let Err(e) = std::fs::create_dir_all(parent) {
                        let _ = tx
                            .send(Msg::FormRefused(format!(
                                "cannot create {}: {e}",
                                parent.display()
                            )))
                            .await;
                        return;
                    }
                }
            }
            let _ = tx
                .send(Msg::TaskStarted {
                    id,
                    kind: TaskKind::Fetch,
                    what: format!("{cid} → {}", dest.display()),
                    total: None,
                })
                .await;
            let ptx = tx.clone();
            let progress: crate::cluster::fetch::Progress = Arc::new(reporter(ptx, id));
            let opts = crate::cluster::fetch::FetchOptions::default();
            let ntx = tx.clone();
            let watch = Watch {
                progress: Some(progress),
                events: Some(Arc::new(move |e: crate::cluster::fetch::Event| {
                    let note = e.to_string();
                    let _ = ntx.try_send(Msg::TaskNote { id, note });
                })),
            };
            // Every peer that pins it, at once; an earlier cut fetch of the
            // same item to the same place resumes.
            let r = match sources(&client, &nodes, &cid, None).await {
                Ok(from) => fetch(&client, &from, &cid, &dest, &opts, &watch, cancel).await,
                Err(e) => Err(e),
            };
            let outcome = match r {
                Ok(rep) => {
                    let _ = tx.try_send(Msg::TaskProgress {
                        id,
                        bytes: rep.bytes,
                        total: Some(rep.bytes),
                    });
                    TaskOutcome::Done {
                        message: fetched(&rep, &cid),
                        select: None,
                    }
                }
                Err(crate::cluster::ClientError::Cancelled) => TaskOutcome::Cancelled,
                Err(e) => TaskOutcome::Failed(e.to_string()),
            };
            let _ = tx.send(Msg::TaskDone { id, outcome }).await;
        });
    }

    pub fn unpin(&self, cids: Vec<String>) {
        let (client, tx) = (self.client.clone(), self.tx.clone());
        tokio::spawn(async move {
            let mut done: Vec<String> = Vec::new();
            let mut errors = Vec::new();
            for c in &cids {
                match client.unpin(c).await {
                    Ok(p) => done.push(
                        crate::sanitize::clean(crate::cluster::types::item_label(&p.name, c))
                            .into_owned(),
                    ),
                    Err(e) => errors.push(e.to_string()),
                }
            }
            // Which items, by name: a count alone says not what went.
            let which = |v: &[String]| match v {
                [one] => format!("'{one}'"),
                many if many.len() <= 3 => format!("{} items: {}", many.len(), many.join(", ")),
                many => format!(
                    "{} items: {}, … and {} more",
                    many.len(),
                    many[..3].join(", "),
                    many.len() - 3
                ),
            };
            let r = if errors.is_empty() {
                Ok(format!("unpinned {}", which(&done)))
            } else {
                Err(format!(
                    "unpinned {} of {}{}: {}",
                    done.len(),
                    cids.len(),
                    if done.is_empty() {
                        String::new()
                    } else {
                        format!(" ({})", which(&done))
                    },
                    errors.join("; ")
                ))
            };
            let _ = tx.send(Msg::ActionDone(r)).await;
        });
    }

    pub fn recover(&self, cid: Option<String>) {
        let (client, tx) = (self.client.clone(), self.tx.clone());
        tokio::spawn(async move {
            let r = match cid {
                Some(c) => client
                    .recover(&c, false)
                    .await
                    .map(|_| format!("recover requested for {c}"))
                    .map_err(|e| e.to_string()),
                None => match client.recover_all(false).await {
                    Ok(s) => s
                        .collect()
                        .await
                        .map(|v| format!("{} item(s) re-queued", v.len()))
                        .map_err(|e| e.to_string()),
                    Err(e) => Err(e.to_string()),
                },
            };
            let _ = tx.send(Msg::ActionDone(r)).await;
        });
    }
}

fn display(p: &Path) -> String {
    p.display().to_string()
}

/// What a finished fetch says: where, that it matches, what was resumed.
fn fetched(rep: &crate::cluster::fetch::FetchReport, cid: &str) -> String {
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
        display(&rep.path)
    )
}

/// Forgets a task's cancel token when dropped.
struct Forget {
    cancels: Arc<Mutex<HashMap<u64, CancellationToken>>>,
    id: u64,
}

impl Drop for Forget {
    fn drop(&mut self) {
        if let Ok(mut m) = self.cancels.lock() {
            m.remove(&self.id);
        }
    }
}
