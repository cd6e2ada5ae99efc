//! The two kinds of part a folder fetch asks for: a subtree walked from
//! one CAR of whichever holder is free, and a large file as ranges from
//! all of them at once. Each starts from nothing where it goes (what an
//! unfinished run left there is removed) and says what it wrote.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use cid::Cid;

use super::folder::{WalkError, Walker};
use super::folder_run::{lock, Run, Stop};
use super::partial::{FileState, Partial};
use super::tree::Part;
use super::{car, io, root_block, Event, FetchOptions, Source, Watch};
use crate::cluster::dag::{BlockError, Dag, Limits};
use crate::cluster::error::transport_reason;
use crate::cluster::{ClientError, ClusterClient};

/// Removes what an unfinished part left at `path` (the folder itself: its
/// contents), so it comes again from nothing.
pub(super) fn clear(path: &Path, whole_folder: bool) -> std::io::Result<()> {
    if whole_folder {
        for e in std::fs::read_dir(path)? {
            clear(&e?.path(), false)?;
        }
        return Ok(());
    }
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.is_dir() => std::fs::remove_dir_all(path),
        Ok(_) => std::fs::remove_file(path),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    }
}

/// Asks `src` for `cid` as one CAR that repeats every block where the walk
/// meets it (dups=y), so each can be checked and written as it comes.
async fn ask_car(
    client: &ClusterClient,
    src: &Source,
    cid: &Cid,
) -> Result<reqwest::Response, WalkError> {
    let mut u = src.gateway.clone();
    u.set_path(&format!("/ipfs/{cid}"));
    let rb = client
        .gateway_http()
        .get(u)
        .header(
            "Accept",
            "application/vnd.ipld.car; version=1; order=dfs; dups=y",
        )
        .timeout(Duration::from_secs(24 * 3600));
    let resp = match tokio::time::timeout(client.config().request_timeout, rb.send()).await {
        Err(_) => {
            return Err(WalkError::Source(
                "the gateway did not start answering".into(),
            ))
        }
        Ok(Err(e)) => return Err(WalkError::Source(transport_reason(&e))),
        Ok(Ok(r)) => r,
    };
    let ct = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    if !resp.status().is_success() || !ct.starts_with("application/vnd.ipld.car") {
        return Err(WalkError::Source(format!(
            "HTTP {} ({ct}) for the folder's CAR",
            resp.status().as_u16()
        )));
    }
    if !ct.contains("dups=y") {
        return Err(WalkError::Source(
            "it does not send a CAR with repeated blocks (dups=y)".into(),
        ));
    }
    Ok(resp)
}

/// The walk, on a blocking thread: each chunk of the CAR cut into blocks,
/// each block checked and written by `walker`. The walker is handed back
/// (what it counted is given back when the part comes again).
fn walk_chunks(
    mut rx: tokio::sync::mpsc::Receiver<Bytes>,
    mut walker: Walker,
    report: impl Fn(),
) -> (Result<(), WalkError>, Walker) {
    let mut sections = car::Sections::default();
    let mut last = 0u64;
    while let Some(chunk) = rx.blocking_recv() {
        sections.feed(&chunk);
        loop {
            match sections.next() {
                Ok(Some((c, b))) => {
                    if let Err(e) = walker.block(c, b) {
                        return (Err(e), walker);
                    }
                }
                Ok(None) => break,
                Err(why) => return (Err(WalkError::Source(why)), walker),
            }
        }
        if walker.bytes() > last + (1 << 20) {
            last = walker.bytes();
            report();
        }
    }
    let whole = match walker.finish() {
        Ok(done) => done && sections.is_clean(),
        Err(e) => return (Err(e), walker),
    };
    if !whole {
        let why = "the stream ended before the item did".to_string();
        return (Err(WalkError::Source(why)), walker);
    }
    (Ok(()), walker)
}

/// Hands the answer's chunks to the walk until it ends: why it broke off,
/// if it did (None also when the walk stopped taking them: its error says
/// why).
async fn read_chunks(
    mut resp: reqwest::Response,
    tx: tokio::sync::mpsc::Sender<Bytes>,
    idle: Duration,
    cancel: tokio_util::sync::CancellationToken,
) -> Option<WalkError> {
    loop {
        let next = tokio::select! {
            c = tokio::time::timeout(idle, resp.chunk()) => c,
            _ = cancel.cancelled() => return Some(WalkError::Cancelled),
        };
        let why = match next {
            Err(_) => format!("the download stalled for {} s", idle.as_secs()),
            Ok(Err(e)) => format!("download broke: {}", transport_reason(&e)),
            Ok(Ok(None)) => return None,
            Ok(Ok(Some(c))) => match tx.send(c).await {
                Ok(()) => continue,
                Err(_) => return None,
            },
        };
        return Some(WalkError::Source(why));
    }
}

/// A part walked from one CAR of `src`: the bytes and entries written, or
/// why not. A
/// cancel stops the reading, and the walk is waited for before this
/// returns: nothing writes after.
pub(super) async fn car_part(
    run: &Run<'_>,
    src: &Source,
    part: &Part,
) -> Result<(u64, u64), WalkError> {
    let Part::Car { cid, rel, depth } = part else {
        return Ok((0, 0));
    };
    let path = run.path(part);
    clear(&path, rel.as_os_str().is_empty()).map_err(|e| WalkError::Io(path.clone(), e))?;
    let idle = run.client.config().idle_timeout;
    let resp = tokio::select! {
        r = ask_car(run.client, src, cid) => r?,
        _ = run.cancel.cancelled() => return Err(WalkError::Cancelled),
    };
    let (tx, rx) = tokio::sync::mpsc::channel::<Bytes>(64);
    let walker = Walker::new(*cid, path, *depth, Limits::default(), run.tally.clone());
    let (tally, progress) = (run.tally.clone(), run.watch.progress.clone());
    let report = move || {
        if let Some(p) = &progress {
            p(tally.written(), None);
        }
    };
    let walk = tokio::task::spawn_blocking(move || walk_chunks(rx, walker, report));
    // The answer is read by a task of its own: polled in this one, every
    // chunk woke it across threads (10,000 files: 39,800 futex calls, 14,300
    // now). Dropped with this part, the set ends it, and the walk ends with
    // its channel.
    let mut reader = tokio::task::JoinSet::new();
    reader.spawn(read_chunks(resp, tx, idle, run.cancel.clone()));
    let broke = match reader.join_next().await {
        Some(Ok(broke)) => broke,
        Some(Err(e)) => Some(WalkError::Source(format!("the download failed: {e}"))),
        None => None,
    };
    let (walked, walker) = walk
        .await
        .map_err(|e| WalkError::Source(format!("the walk failed: {e}")))?;
    let r = match (walked, broke) {
        (Ok(()), _) => Ok((walker.bytes(), walker.entries())),
        (Err(WalkError::Source(_)), Some(why)) => Err(why),
        (Err(e), _) => Err(e),
    };
    if r.is_err() {
        run.tally.take_back(walker.bytes(), walker.entries());
    }
    r
}

/// A large file, as ranges from every gateway still asked (resumable piece
/// by piece beside it in the hidden folder): its bytes.
pub(super) async fn file_part(run: &Run<'_>, part: &Part) -> Result<u64, Stop> {
    let Part::File { cid, size, .. } = part else {
        return Ok(0);
    };
    let alive = run.alive();
    if alive.is_empty() {
        return Err(Stop::Failed(io(&run.path(part), "no gateway left to ask")));
    }
    let dest = run.path(part);
    clear(&dest, false).map_err(|e| Stop::Failed(io(&dest, e)))?;
    // What an earlier run verified of it lies on the disk already: only
    // the rest is held against the room left.
    let cid_s = cid.to_string();
    let recorded = FileState::recorded(&Partial::of(&cid_s, &dest), &cid_s, &dest).min(*size);
    let charge = size - recorded;
    let base = run.tally.written();
    run.tally.bytes(charge).map_err(Stop::Refused)?;
    let fail = |e: ClientError| {
        run.tally.take_back(charge, 0);
        match e {
            ClientError::Cancelled => Stop::Cancelled,
            e => Stop::Failed(e),
        }
    };
    let root = tokio::select! {
        b = root_block(run.client, &alive, cid) => b.map_err(fail)?,
        _ = run.cancel.cancelled() => return Err(fail(ClientError::Cancelled)),
    };
    let dag = Dag::new(run.client.clone(), alive[0].gateway.clone())
        .with_fallbacks(alive.iter().map(|s| s.gateway.clone()));
    let laid = tokio::select! {
        l = super::layout::layout(&dag, cid, root) => l,
        _ = run.cancel.cancelled() => return Err(fail(ClientError::Cancelled)),
    };
    let layout = match laid {
        Ok(l) if l.size == *size => l,
        Ok(l) => {
            return Err(Stop::Refused(format!(
                "{cid}: a file that declares {size} bytes lays out {}: a malformed item",
                l.size
            )))
        }
        // A gateway down for a moment is not the item's fault.
        Err(e @ (BlockError::Unreachable { .. } | BlockError::Missing { .. })) => {
            return Err(fail(io(&dest, e)))
        }
        Err(e) => return Err(Stop::Refused(e.to_string())),
    };
    // The file's own progress counts from what it found verified.
    let progress = run.watch.progress.clone().map(|p| {
        Arc::new(move |v: u64, _: Option<u64>| p(base + v.saturating_sub(recorded), None))
            as super::Progress
    });
    let events = run.watch.events.clone().map(|f| {
        Arc::new(move |e: Event| {
            // The folder says what it resumes, once, for all its parts.
            if matches!(e, Event::Dropped { .. }) {
                f(e)
            }
        }) as Arc<dyn Fn(Event) + Send + Sync>
    });
    let inner = FetchOptions {
        overwrite: true,
        max_bytes: None,
        max_entries: 1,
        sync: false,
    };
    let watch = Watch { progress, events };
    let c = run.cancel.clone();
    let out = super::file::fetch_file(
        run.client,
        &alive,
        Arc::new(layout),
        &dest,
        &inner,
        &watch,
        c,
    )
    .await
    .map_err(fail)?;
    let mut rates = lock(&run.rates);
    for s in out.from {
        if let Some(i) = run.sources.iter().position(|x| x.name == s.source) {
            rates[i].bytes += s.bytes;
            if rates[i].dropped.is_none() {
                rates[i].dropped = s.dropped;
            }
        }
    }
    Ok(*size)
}
