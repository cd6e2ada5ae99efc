//! A folder fetched part by part ([`tree`](super::tree)) into a hidden
//! folder beside the target, from every holder at once, renamed into
//! place when whole. Each part is asked of whichever holder is free (a
//! large file of all of them at once); a holder that fails hands its part
//! back to the others. What is finished is recorded, so a cut fetch
//! resumes with the parts it lacks.

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cid::Cid;
use tokio_util::sync::CancellationToken;

use super::folder::WalkError;
use super::folder_parts::{car_part, clear, file_part};
use super::folder_resume::{has_partial_file, open_staging, Start};
use super::folder_run::{lock, Run, Stop};
use super::partial::{FolderState, Partial};
use super::rate::{after_failure, after_success, served, Next, Rate};
use super::tally::Tally;
use super::tree::{plan, Part, PlanError};
use super::{io, FetchOptions, Served, Source, Watch};
use crate::cluster::dag::Dag;
use crate::cluster::{ClientError, ClusterClient};

/// Requests in flight per gateway.
const PER_SOURCE: usize = 2;
/// How often what is finished is recorded.
const CHECKPOINT: Duration = Duration::from_secs(1);

/// One worker: takes parts for gateway `i` until none is left or the
/// gateway is dropped (it failed twice, or turned out slow).
async fn worker(run: &Run<'_>, i: usize) -> Result<(), Stop> {
    let src = &run.sources[i];
    loop {
        if run.cancel.is_cancelled() {
            return Err(Stop::Cancelled);
        }
        if lock(&run.rates)[i].dropped.is_some() {
            return Ok(());
        }
        // Taken and counted under one lock: an idle worker never sees an
        // empty queue and no part in flight while one is being taken.
        let next = {
            let mut q = lock(&run.queue);
            let p = q.pop_front();
            if p.is_some() {
                run.busy.fetch_add(1, Ordering::AcqRel);
            }
            p
        };
        let Some(part) = next else {
            if run.busy.load(Ordering::Acquire) == 0 {
                return Ok(());
            }
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_millis(20)) => {}
                _ = run.cancel.cancelled() => return Err(Stop::Cancelled),
            }
            continue;
        };
        let t0 = Instant::now();
        let r = car_part(run, src, &part).await;
        let next = match r {
            Ok((bytes, entries)) => {
                run.finished(&part, bytes, entries);
                run.next(i, |r| after_success(r, i, bytes, t0.elapsed()))
            }
            Err(e) => {
                lock(&run.queue).push_front(part);
                match e {
                    WalkError::Source(why) => {
                        run.next(i, |r| after_failure(r, i, Instant::now(), why))
                    }
                    WalkError::Cancelled => {
                        run.busy.fetch_sub(1, Ordering::AcqRel);
                        return Err(Stop::Cancelled);
                    }
                    WalkError::Refused(why) => {
                        run.busy.fetch_sub(1, Ordering::AcqRel);
                        return Err(Stop::Refused(why));
                    }
                    WalkError::Io(p, e) => {
                        run.busy.fetch_sub(1, Ordering::AcqRel);
                        return Err(Stop::Failed(io(&p, e)));
                    }
                }
            }
        };
        run.busy.fetch_sub(1, Ordering::AcqRel);
        match next {
            Next::Now => {}
            Next::After(wait) => tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = run.cancel.cancelled() => return Err(Stop::Cancelled),
            },
            Next::Dropped(_) => return Ok(()),
        }
    }
}

/// Every part not finished: the CAR parts by every gateway's workers, then
/// the large files one by one, each from every gateway; the record saved
/// every second beside them.
async fn run_parts(run: &Run<'_>, files: Vec<Part>, partial: &Partial) -> Result<(), Stop> {
    let work = async {
        let workers =
            futures_util::future::join_all((0..PER_SOURCE).flat_map(|_| 0..run.sources.len()).map(
                |i| async move {
                    let r = worker(run, i).await;
                    if r.is_err() {
                        run.cancel.cancel();
                    }
                    r
                },
            ))
            .await;
        first_stop(workers)?;
        if !lock(&run.queue).is_empty() {
            return Err(Stop::Failed(gone(run)));
        }
        for part in &files {
            let bytes = file_part(run, part).await?;
            run.finished(part, bytes, 0);
        }
        Ok(())
    };
    super::ticking(work, CHECKPOINT, || run.save(partial)).await
}

/// The stop that ends the fetch: the first, a cancel only when nothing
/// else went wrong.
fn first_stop(results: Vec<Result<(), Stop>>) -> Result<(), Stop> {
    let mut out = Ok(());
    for e in results.into_iter().filter_map(Result::err) {
        if matches!(out, Ok(()) | Err(Stop::Cancelled)) {
            out = Err(e);
        }
    }
    out
}

/// Every gateway dropped with parts left: why each was.
fn gone(run: &Run<'_>) -> ClientError {
    let rates = lock(&run.rates);
    let why: Vec<String> = run
        .sources
        .iter()
        .zip(rates.iter())
        .filter_map(|(s, r)| Some(format!("{}: {}", s.name, r.dropped.as_ref()?)))
        .collect();
    io(
        &run.staging,
        format!("no gateway could give the rest ({})", why.join("; ")),
    )
}

/// A folder fetched into `dest`: its bytes, what an earlier run had
/// verified, and what each gateway gave.
pub async fn fetch_folder(
    client: &Arc<ClusterClient>,
    sources: &[Source],
    (root, root_block): (Cid, &[u8]),
    dest: &Path,
    caps: &FetchOptions,
    watch: &Watch,
    cancel: CancellationToken,
) -> Result<(u64, u64, Vec<Served>), ClientError> {
    let cid = root.to_string();
    let partial = Partial::of(&cid, dest);
    let _held = open_staging(&partial.data).map_err(|e| io(&partial.data, e))?;
    let earlier = FolderState::load(&partial, &cid, dest);
    let tally = Arc::new(Tally::new(cid.clone(), caps.max_entries));
    let mut dag = Dag::new(client.clone(), sources[0].gateway.clone())
        .with_fallbacks(sources.iter().map(|s| s.gateway.clone()));
    dag.timeout = client.config().request_timeout;
    let planned = tokio::select! {
        p = plan(&dag, root, root_block, &tally) => p,
        _ = cancel.cancelled() => Err(PlanError::Failed(String::new())),
    };
    let plan = match planned {
        Ok(p) => p,
        Err(e) => return Err(unplanned(e, &partial, earlier.is_some(), dest, &cancel)),
    };
    let earlier = earlier.filter(|e| e.plan == plan.fingerprint());
    if earlier.is_none() {
        let _ = std::fs::remove_file(&partial.state);
        clear(&partial.data, true).map_err(|e| io(&partial.data, e))?;
    }
    let start = Start {
        cid: &cid,
        plan: &plan,
        partial: &partial,
        dest,
        caps,
        dag: &dag,
    };
    let (state, resumed) = start.resume(earlier, &tally, watch).await?;
    let (cars, files): (Vec<Part>, Vec<Part>) = plan
        .parts
        .iter()
        .filter(|p| !state.done.contains_key(&p.key()))
        .cloned()
        .partition(|p| matches!(p, Part::Car { .. }));
    let run = Run {
        client,
        sources,
        staging: partial.data.clone(),
        queue: Mutex::new(cars.into()),
        busy: AtomicUsize::new(0),
        state: Mutex::new(state),
        saved: AtomicUsize::new(usize::MAX),
        record: plan.parts.len() > 1,
        tally,
        rates: Mutex::new(vec![Rate::default(); sources.len()]),
        watch,
        cancel: cancel.child_token(),
    };
    run.report();
    run.save(&partial).await;
    let r = run_parts(&run, files, &partial).await;
    let from: Vec<Served> = served(&lock(&run.rates), sources);
    match r {
        Ok(()) => {
            run.save(&partial).await;
            let bytes = lock(&run.state).bytes();
            place_folder(&partial, dest, caps).await?;
            Ok((bytes, resumed, from))
        }
        Err(Stop::Refused(why)) => {
            partial.remove();
            Err(io(dest, why))
        }
        Err(stop) => {
            run.save(&partial).await;
            if lock(&run.state).done.is_empty() && resumed == 0 && !has_partial_file(&partial.data)
            {
                partial.remove();
            }
            match stop {
                Stop::Failed(e) if !cancel.is_cancelled() => Err(resumable(e, &run)),
                _ => Err(ClientError::Cancelled),
            }
        }
    }
}

/// A folder that could not be cut: refused (nothing kept), cancelled or
/// failed (what an earlier run kept stays).
fn unplanned(
    e: PlanError,
    partial: &Partial,
    kept: bool,
    dest: &Path,
    cancel: &CancellationToken,
) -> ClientError {
    if !kept || matches!(e, PlanError::Refused(_)) {
        partial.remove();
    }
    match e {
        _ if cancel.is_cancelled() => ClientError::Cancelled,
        PlanError::Refused(why) => io(dest, why),
        PlanError::Failed(why) if kept => io(
            dest,
            format!("{why}; what an earlier run verified is kept, the same get resumes"),
        ),
        PlanError::Failed(why) => io(dest, why),
    }
}

/// An unfinished fetch's error, with what it keeps for the next run.
fn resumable(e: ClientError, run: &Run<'_>) -> ClientError {
    let kept = lock(&run.state).bytes();
    match e {
        ClientError::Io { path, message } if !message.contains("resumes") => ClientError::Io {
            path,
            message: format!(
                "{message}; {} of finished files kept, the same get resumes",
                crate::format::human_bytes(kept)
            ),
        },
        e => e,
    }
}

/// Flushes (unless asked not to) and gives the verified folder its name
/// and the mode a folder the user makes gets.
async fn place_folder(
    partial: &Partial,
    dest: &Path,
    caps: &FetchOptions,
) -> Result<(), ClientError> {
    if caps.sync {
        super::flush_all(&partial.data).await?;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = super::partial::finished_dir_mode();
        let _ = std::fs::set_permissions(&partial.data, std::fs::Permissions::from_mode(mode));
    }
    if let Err(e) = super::place(&partial.data, dest, caps.overwrite) {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(&partial.data, std::fs::Permissions::from_mode(0o700));
        }
        return Err(e);
    }
    let _ = std::fs::remove_file(&partial.state);
    if caps.sync {
        let _ = super::partial::sync_parent(dest);
    }
    Ok(())
}
