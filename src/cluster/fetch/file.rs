//! A file fetched as ranges from every holder at once. The layout names
//! each leaf's bytes and CID; each range comes from whichever gateway is
//! free, each leaf is checked as it arrives and written where it belongs.
//! A gateway that fails or serves bad bytes is dropped and its range asked
//! of another; a slow one stops taking work. What is verified is recorded
//! (after it is on disk), so a cut fetch resumes where it stopped.

use std::collections::VecDeque;
use std::ops::Range;
use std::path::Path;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use cid::Cid;
use tokio_util::sync::CancellationToken;

use super::layout::{cut, next_request, runs, Data, Layout};
use super::leaf::{read_at, recheck, write_at, Check};
use super::partial::{open_data, FileState, Locked, Partial};
use super::rate::{
    after_failure, after_success, drop_source, lagging, served, Next, Rate, LAG_AFTER,
};
use super::sources::Source;
use super::{io, Event, FetchOptions, Served, Watch};
use crate::cluster::dag::{decode, Node};
use crate::cluster::error::transport_reason;
use crate::cluster::{ClientError, ClusterClient};

/// Requests in flight per gateway.
const PER_SOURCE: usize = 2;
/// How often what is verified is recorded.
const CHECKPOINT: Duration = Duration::from_secs(1);

/// Why one range failed.
enum SegError {
    /// This gateway failed: ask another, and it again later.
    Source(String),
    /// It served bytes that are not what was asked: never ask it again.
    Lied(String),
    Cancelled,
    /// Nothing another gateway could fix (the disk, a malformed item).
    Fatal(ClientError),
}

/// What a finished file fetch did.
pub struct FileOutcome {
    /// Bytes found verified from an earlier run.
    pub resumed: u64,
    /// What each gateway gave, and why it was dropped.
    pub from: Vec<Served>,
}

/// What a file fetch's workers share; each worker is a task of its own,
/// so that the hashing and copying of two answers run on two cores (polled
/// in one task they took turns on one: 79% of a GiB's CPU on one thread).
struct Shared {
    client: ClusterClient,
    root: Cid,
    layout: Arc<Layout>,
    file: Arc<Locked>,
    file_path: std::path::PathBuf,
    /// Runs of pieces still to ask for.
    queue: Mutex<VecDeque<Range<usize>>>,
    /// Workers over every gateway, among whom what is left is shared.
    workers: usize,
    /// Per piece: verified and written.
    done: Mutex<Vec<bool>>,
    /// Pieces not yet verified.
    remaining: AtomicUsize,
    verified: AtomicU64,
    watch: Watch,
    cancel: CancellationToken,
    /// Per gateway: what it gave, how fast, and whether it is dropped.
    rates: Mutex<Vec<Rate>>,
    /// What the last record saved says is verified.
    saved: Mutex<FileState>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Shared {
    fn range(&self, s: &Range<usize>) -> Range<u64> {
        let p = &self.layout.pieces[s.clone()];
        let start = p.first().map_or(0, |p| p.offset);
        let end = p.last().map_or(0, |p| p.offset + p.len);
        start..end
    }

    fn verified_ranges(&self) -> Vec<Range<u64>> {
        let done = lock(&self.done).clone();
        let pieces = &self.layout.pieces;
        (0..pieces.len())
            .filter(|i| done[*i])
            .map(|i| pieces[i].offset..pieces[i].offset + pieces[i].len)
            .collect()
    }

    fn piece_done(&self, i: usize) {
        let mut done = lock(&self.done);
        if !done[i] {
            done[i] = true;
            self.remaining.fetch_sub(1, Ordering::AcqRel);
        }
    }

    /// The pieces of the next request: from the first run left, a share of
    /// all that is left.
    fn take(&self) -> Option<Range<usize>> {
        let mut queue = lock(&self.queue);
        let left: u64 = queue
            .iter()
            .map(|s| {
                let r = self.range(s);
                r.end - r.start
            })
            .sum();
        let run = queue.pop_front()?;
        let at = cut(&self.layout, run.clone(), next_request(left, self.workers));
        if at < run.end {
            queue.push_front(at..run.end);
        }
        Some(run.start..at)
    }

    /// What is left of `s` (its pieces not yet verified) goes back first.
    fn give_back(&self, s: Range<usize>) {
        let done = lock(&self.done);
        if let Some(first) = s.clone().find(|i| !done[*i]) {
            lock(&self.queue).push_front(first..s.end);
        }
    }

    /// What the worker of gateway `i` does next, decided with every
    /// gateway's state in hand (two gateways failing at once cannot each
    /// find the other still serving and both drop); a drop is told at once.
    fn next(&self, name: &str, decide: impl FnOnce(&mut [Rate]) -> Next) -> Next {
        let next = decide(&mut lock(&self.rates));
        if let Next::Dropped(Some(why)) = &next {
            self.watch.event(Event::Dropped {
                source: name.to_string(),
                reason: why.clone(),
            });
        }
        next
    }

    fn report(&self, bytes: u64) {
        let v = self.verified.fetch_add(bytes, Ordering::Relaxed) + bytes;
        if let Some(p) = &self.watch.progress {
            p(v, Some(self.layout.size));
        }
    }
}

/// Checks bytes the layout holds (or an empty leaf) and writes them in
/// place; false when they are not what the CID or the parent says.
fn check_and_write(sh: &Shared, data: &Data, offset: u64, bytes: &[u8]) -> Result<bool, SegError> {
    let mut check = Check::new(data, bytes.len() as u64);
    check.update(bytes);
    if !check.matches(bytes.len() as u64) {
        return Ok(false);
    }
    write_at(&sh.file, bytes, offset).map_err(|e| SegError::Fatal(io(&sh.file_path, e)))?;
    Ok(true)
}

/// A leaf whose bytes did not hash as kubo wraps them: its block, asked of
/// the same gateway, settles it. Another encoding of the same bytes is
/// fine (its data is written over what came); other bytes, or a bad block,
/// are the gateway's fault.
async fn settle_leaf(
    sh: &Shared,
    src: &Source,
    cid: &Cid,
    offset: u64,
    len: u64,
) -> Result<(), SegError> {
    let block = sh
        .client
        .gateway_block(&src.gateway, cid, crate::cluster::dag::MAX_BLOCK)
        .await
        .map_err(|e| SegError::Source(e.to_string()))?;
    let malformed = |what: &str| {
        SegError::Fatal(io(
            Path::new(&sh.root.to_string()),
            format!("block {cid} {what}: a malformed item"),
        ))
    };
    let data = match decode(cid, block) {
        Ok(Node::File {
            inline, children, ..
        }) if children.is_empty() => inline,
        _ => return Err(malformed("is not the leaf its parent says")),
    };
    if data.len() as u64 != len {
        return Err(malformed("is not the size its parent says"));
    }
    let mut came = vec![0u8; data.len()];
    let same = read_at(&sh.file, &mut came, offset).is_ok() && came[..] == data[..];
    write_at(&sh.file, &data, offset).map_err(|e| SegError::Fatal(io(&sh.file_path, e)))?;
    if !same {
        return Err(SegError::Lied(format!(
            "MISMATCH: it served bytes that are not block {cid}"
        )));
    }
    Ok(())
}

/// The next bytes of an answer, each silence bounded by the idle timeout.
async fn next_chunk(sh: &Shared, resp: &mut reqwest::Response) -> Result<Bytes, SegError> {
    let idle = sh.client.config().idle_timeout;
    let next = tokio::select! {
        c = tokio::time::timeout(idle, resp.chunk()) => c,
        _ = sh.cancel.cancelled() => return Err(SegError::Cancelled),
    };
    match next {
        Err(_) => Err(SegError::Source(format!(
            "the download stalled for {} s",
            idle.as_secs()
        ))),
        Ok(Err(e)) => Err(SegError::Source(format!(
            "download broke: {}",
            transport_reason(&e)
        ))),
        Ok(Ok(None)) => Err(SegError::Source("the answer ended early".into())),
        Ok(Ok(Some(c))) => Ok(c),
    }
}

/// Asks `src` for segment `s` and writes each verified piece: the bytes
/// asked of it.
async fn fetch_segment(
    sh: &Shared,
    i: usize,
    src: &Source,
    s: Range<usize>,
) -> Result<u64, SegError> {
    let t0 = Instant::now();
    let r = sh.range(&s);
    let pieces = &sh.layout.pieces[s.clone()];
    // Bytes the layout already holds (a small file's root) need no request.
    if r.is_empty() || pieces.iter().all(|p| matches!(p.data, Data::Inline(_))) {
        write_held(sh, src, s).await?;
        return Ok(0);
    }
    let mut resp = ask_range(sh, src, &r).await?;
    let mut carry = Bytes::new();
    let mut received = 0u64;
    for (k, p) in pieces.iter().enumerate() {
        let mut check = Check::new(&p.data, p.len);
        let (mut at, mut left) = (p.offset, p.len);
        // Each part is hashed and written as it passes: no copy, no wait.
        while left > 0 {
            if carry.is_empty() {
                carry = next_chunk(sh, &mut resp).await?;
                received += carry.len() as u64;
                // Judged only once a request has run a while: no lock on
                // the hot path of a request that answers in time.
                let took = t0.elapsed();
                if took >= LAG_AFTER {
                    if let Some(why) = lagging(&lock(&sh.rates), i, received, took) {
                        return Err(SegError::Source(why));
                    }
                }
            }
            let take = left.min(carry.len() as u64) as usize;
            let part = carry.split_to(take);
            check.update(&part);
            write_at(&sh.file, &part, at).map_err(|e| SegError::Fatal(io(&sh.file_path, e)))?;
            at += take as u64;
            left -= take as u64;
        }
        if !check.matches(p.len) {
            settle_piece(sh, src, &p.data, p.offset, p.len).await?;
        }
        sh.piece_done(s.start + k);
        sh.report(p.len);
    }
    Ok(received)
}

/// A piece whose bytes did not match: a leaf is asked again on its own
/// (a block answer proves or disproves the gateway); inline bytes cannot
/// be wrong but for the gateway.
async fn settle_piece(
    sh: &Shared,
    src: &Source,
    data: &Data,
    offset: u64,
    len: u64,
) -> Result<(), SegError> {
    match data {
        Data::Leaf(c) => settle_leaf(sh, src, c, offset, len).await,
        Data::Inline(_) => Err(SegError::Lied(
            "MISMATCH: it served bytes that are not the item's".into(),
        )),
    }
}

/// Pieces the layout holds itself (a small file's root, empty leaves):
/// written and checked with no range asked.
async fn write_held(sh: &Shared, src: &Source, s: Range<usize>) -> Result<(), SegError> {
    for (k, p) in sh.layout.pieces[s.clone()].iter().enumerate() {
        let bytes = match &p.data {
            Data::Inline(b) => b.clone(),
            Data::Leaf(_) => Bytes::new(),
        };
        if !check_and_write(sh, &p.data, p.offset, &bytes)? {
            if let Data::Leaf(c) = &p.data {
                settle_leaf(sh, src, c, p.offset, 0).await?;
            }
        }
        sh.piece_done(s.start + k);
        sh.report(p.len);
    }
    Ok(())
}

/// Asks `src` for bytes `r` of the item: the answer, once it has begun
/// with those bytes (a 206 naming them, or a 200 from the first byte).
async fn ask_range(
    sh: &Shared,
    src: &Source,
    r: &Range<u64>,
) -> Result<reqwest::Response, SegError> {
    let mut u = src.gateway.clone();
    u.set_path(&format!("/ipfs/{}", sh.root));
    let rb = sh
        .client
        .gateway_http()
        .get(u)
        .header("Range", format!("bytes={}-{}", r.start, r.end - 1))
        .header("Accept-Encoding", "identity")
        .timeout(Duration::from_secs(24 * 3600));
    let resp = tokio::select! {
        r = tokio::time::timeout(sh.client.config().request_timeout, rb.send()) => r,
        _ = sh.cancel.cancelled() => return Err(SegError::Cancelled),
    };
    let resp = match resp {
        Err(_) => {
            return Err(SegError::Source(
                "the gateway did not start answering".into(),
            ))
        }
        Ok(Err(e)) => return Err(SegError::Source(transport_reason(&e))),
        Ok(Ok(resp)) => resp,
    };
    match resp.status().as_u16() {
        206 => {
            let cr = resp
                .headers()
                .get("content-range")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            if !cr.starts_with(&format!("bytes {}-{}/", r.start, r.end - 1)) {
                return Err(SegError::Source(format!(
                    "it answered the range with another ({cr:?})"
                )));
            }
        }
        200 if r.start == 0 => {}
        code => {
            return Err(SegError::Source(format!(
                "HTTP {code} for bytes {}-{}",
                r.start,
                r.end - 1
            )))
        }
    }
    Ok(resp)
}

/// One worker: takes segments for `src` until none is left or the gateway
/// is dropped (it failed twice, lied, or turned out slow; any of its
/// workers may find that). Err only for what ends the whole fetch.
async fn worker(sh: &Shared, i: usize, src: &Source) -> Result<(), ClientError> {
    loop {
        if sh.cancel.is_cancelled() {
            return Err(ClientError::Cancelled);
        }
        if sh.remaining.load(Ordering::Acquire) == 0 || lock(&sh.rates)[i].dropped.is_some() {
            return Ok(());
        }
        let Some(s) = sh.take() else {
            // Others hold the rest; one may fail and hand it back.
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_millis(20)) => {}
                _ = sh.cancel.cancelled() => return Err(ClientError::Cancelled),
            }
            continue;
        };
        let t0 = Instant::now();
        let r = fetch_segment(sh, i, src, s.clone()).await;
        let name = src.name.as_str();
        let next = match r {
            Ok(bytes) => sh.next(name, |r| after_success(r, i, bytes, t0.elapsed())),
            Err(e) => {
                sh.give_back(s);
                match e {
                    SegError::Cancelled => return Err(ClientError::Cancelled),
                    SegError::Fatal(e) => return Err(e),
                    SegError::Lied(why) => sh.next(name, |r| drop_source(r, i, why, true)),
                    SegError::Source(why) => {
                        sh.next(name, |r| after_failure(r, i, Instant::now(), why))
                    }
                }
            }
        };
        match next {
            Next::Now => {}
            Next::After(wait) => {
                tokio::select! {
                    _ = tokio::time::sleep(wait) => {}
                    _ = sh.cancel.cancelled() => return Err(ClientError::Cancelled),
                }
            }
            Next::Dropped(_) => return Ok(()),
        }
    }
}

/// Records what is verified. No fsync: after a crash the record may name
/// pieces the disk lost, and that is fine, since a resume re-checks every
/// piece against its CID before it trusts it. A failed save keeps the last good record.
async fn checkpoint(sh: &Shared, partial: &Partial) {
    let ranges = sh.verified_ranges();
    let p = partial.clone();
    let mut st = lock(&sh.saved).clone();
    let r = tokio::task::spawn_blocking(move || {
        st.set(ranges);
        st.save(&p)?;
        Ok::<FileState, std::io::Error>(st)
    })
    .await;
    if let Ok(Ok(st)) = r {
        *lock(&sh.saved) = st;
    }
}

/// Opens the partial file, and says which pieces an earlier run left
/// verified (each re-checked against its CID on the disk).
async fn reopen(
    layout: &Layout,
    partial: &Partial,
    dest: &Path,
    watch: &Watch,
    cancel: &CancellationToken,
) -> Result<(Arc<Locked>, Vec<bool>), ClientError> {
    let cid = layout.root.to_string();
    let earlier = FileState::load(partial, &cid, dest, layout.size);
    let file = open_data(&partial.data, layout.size, earlier.is_some())
        .map_err(|e| io(&partial.data, e))?;
    let file = Arc::new(file);
    let n = layout.pieces.len();
    let done = match earlier {
        Some(st) => {
            watch.event(Event::Rechecking {
                recorded: st.bytes(),
            });
            let (f, l, stop) = (file.clone(), layout.clone(), cancel.clone());
            tokio::task::spawn_blocking(move || recheck(&f, &l, &st, &stop))
                .await
                .unwrap_or_else(|_| Some(vec![false; n]))
                .ok_or(ClientError::Cancelled)?
        }
        None => vec![false; n],
    };
    Ok((file, done))
}

/// Every source's workers, and the checkpoint ticker beside them until
/// they end: each worker's source index and result.
async fn run_workers(
    sh: &Arc<Shared>,
    sources: &[Source],
    partial: &Partial,
) -> Vec<Result<(), ClientError>> {
    // Each gateway's first worker before any second one: the first
    // requests of a file of two segments go to two gateways, not one.
    // Dropped (the fetch given up), the set ends every worker with it.
    let mut set = tokio::task::JoinSet::new();
    for (i, src) in (0..PER_SOURCE).flat_map(|_| sources.iter().enumerate()) {
        let (sh, src) = (sh.clone(), src.clone());
        set.spawn(async move {
            let r = worker(&sh, i, &src).await;
            if r.is_err() {
                sh.cancel.cancel();
            }
            r
        });
    }
    let workers = async move {
        let mut out = Vec::new();
        while let Some(r) = set.join_next().await {
            out.push(
                r.unwrap_or_else(|e| Err(io(&sh.file_path, format!("a fetch worker failed: {e}")))),
            );
        }
        out
    };
    super::ticking(workers, CHECKPOINT, || checkpoint(sh, partial)).await
}

/// The error that ends the fetch, if any: the first, a cancel only when
/// nothing else went wrong.
fn first_error(results: Vec<Result<(), ClientError>>) -> Option<ClientError> {
    let mut fatal = None;
    for e in results.into_iter().filter_map(Result::err) {
        if fatal.is_none() || matches!(fatal, Some(ClientError::Cancelled)) {
            fatal = Some(e);
        }
    }
    fatal
}

/// Flushes (unless asked not to) and gives the verified file its name.
async fn finish(
    file: Arc<Locked>,
    partial: &Partial,
    dest: &Path,
    caps: &FetchOptions,
) -> Result<(), ClientError> {
    if caps.sync {
        tokio::task::spawn_blocking(move || file.sync_all())
            .await
            .map_err(|e| io(&partial.data, e))?
            .map_err(|e| io(&partial.data, e))?;
    }
    if dest.is_dir() {
        return Err(io(dest, "is a folder; not replaced by a file"));
    }
    if dest.exists() && !caps.overwrite {
        return Err(io(dest, "already exists (not overwritten)"));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(
            &partial.data,
            std::fs::Permissions::from_mode(super::partial::finished_mode()),
        );
    }
    let placed = if caps.overwrite {
        std::fs::rename(&partial.data, dest)
    } else {
        super::partial::rename_no_replace(&partial.data, dest)
    };
    placed.map_err(|e| match e.kind() {
        std::io::ErrorKind::AlreadyExists => io(dest, "already exists (not overwritten)"),
        _ => io(dest, e),
    })?;
    let _ = std::fs::remove_file(&partial.state);
    if caps.sync {
        let d = dest.to_path_buf();
        let _ = tokio::task::spawn_blocking(move || super::partial::sync_parent(&d)).await;
    }
    Ok(())
}

/// Fetches the file laid out as `layout` to `dest`, from `sources`.
pub async fn fetch_file(
    client: &ClusterClient,
    sources: &[Source],
    layout: Arc<Layout>,
    dest: &Path,
    caps: &FetchOptions,
    watch: &Watch,
    cancel: CancellationToken,
) -> Result<FileOutcome, ClientError> {
    let cid = layout.root.to_string();
    let partial = Partial::of(&cid, dest);
    let (file, done) = reopen(&layout, &partial, dest, watch, &cancel).await?;
    let sh = Arc::new(Shared {
        client: client.clone(),
        root: layout.root,
        layout: layout.clone(),
        queue: Mutex::new(runs(&layout, &done).into()),
        workers: sources.len() * PER_SOURCE,
        remaining: AtomicUsize::new(done.iter().filter(|d| !**d).count()),
        done: Mutex::new(done),
        file,
        file_path: partial.data.clone(),
        verified: AtomicU64::new(0),
        watch: watch.clone(),
        cancel: cancel.child_token(),
        rates: Mutex::new(vec![Rate::default(); sources.len()]),
        saved: Mutex::new(FileState::new(&cid, dest, layout.size)),
    });
    let resumed: u64 = sh.verified_ranges().iter().map(|r| r.end - r.start).sum();
    if resumed > 0 {
        watch.event(Event::Resuming {
            verified: resumed,
            total: layout.size,
        });
        sh.report(resumed);
    }
    let results = run_workers(&sh, sources, &partial).await;
    let fatal = first_error(results);
    let from: Vec<Served> = served(&lock(&sh.rates), sources);
    if sh.remaining.load(Ordering::Acquire) == 0 {
        if let Err(e) = finish(sh.file.clone(), &partial, dest, caps).await {
            // Whole and verified, but not placed (the name taken since, a
            // disk error): the record says so for the next run.
            checkpoint(&sh, &partial).await;
            return Err(e);
        }
        return Ok(FileOutcome { resumed, from });
    }
    // Unfinished: what is verified stays for the next run (decided by what
    // is verified, not by whether the last record could be saved).
    checkpoint(&sh, &partial).await;
    if sh.verified_ranges().is_empty() {
        partial.remove();
    }
    if cancel.is_cancelled() {
        return Err(ClientError::Cancelled);
    }
    if let Some(e) = fatal.filter(|e| !matches!(e, ClientError::Cancelled)) {
        return Err(e);
    }
    let why: Vec<String> = from
        .iter()
        .filter_map(|s| Some(format!("{}: {}", s.source, s.dropped.as_ref()?)))
        .collect();
    Err(io(
        dest,
        format!(
            "no gateway could give the rest ({}); {} verified kept, the same get resumes",
            why.join("; "),
            crate::format::human_bytes(lock(&sh.saved).bytes())
        ),
    ))
}
