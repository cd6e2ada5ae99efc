//! Background pollers: each owns its timing, keeps one request in flight,
//! backs off exponentially on failure, and reports through `Msg`s. They never
//! touch UI types; the UI never waits on them.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::{mpsc, watch};

use crate::app::rows::PeerRow;
use crate::app::Msg;
use crate::cluster::types::PROBLEM_FILTER;
use crate::cluster::{ClusterClient, PinTypeFilter};
use crate::pinset::Pinset;

/// Intervals (from the config's `console:` section, or these defaults).
#[derive(Debug, Clone, Copy)]
pub struct PollConfig {
    pub peers: Duration,
    pub metrics: Duration,
    /// Least time between two pinset reloads; large pinsets wait longer.
    pub pinset: Duration,
    pub status: Duration,
    pub problems: Duration,
    pub max_backoff: Duration,
}

impl Default for PollConfig {
    fn default() -> Self {
        Self {
            peers: Duration::from_secs(5),
            metrics: Duration::from_secs(30),
            pinset: Duration::from_secs(30),
            status: Duration::from_secs(5),
            problems: Duration::from_secs(15),
            max_backoff: Duration::from_secs(60),
        }
    }
}

/// What the rows on screen are, for the status poller.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Watched {
    pub visible: Vec<String>,
    pub selected: Option<String>,
}

/// Handles to steer the pollers from the event loop.
pub struct Pollers {
    refresh: watch::Sender<u64>,
    frozen: watch::Sender<bool>,
    watched: watch::Sender<Watched>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Pollers {
    pub fn refresh_now(&self) {
        self.refresh.send_modify(|n| *n += 1);
    }
    pub fn freeze(&self, on: bool) {
        let _ = self.frozen.send(on);
    }
    pub fn watch(&self, w: Watched) {
        self.watched.send_if_modified(|cur| {
            if *cur == w {
                false
            } else {
                *cur = w;
                true
            }
        });
    }
}

impl Drop for Pollers {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

struct Ctl {
    refresh: watch::Receiver<u64>,
    frozen: watch::Receiver<bool>,
}

impl Ctl {
    /// Sleeps `d`, or less if a refresh is asked for; then waits while frozen.
    async fn pause(&mut self, d: Duration) {
        tokio::select! {
            _ = tokio::time::sleep(d) => {}
            _ = self.refresh.changed() => {}
        }
        while *self.frozen.borrow() {
            tokio::select! {
                _ = self.frozen.changed() => {}
                _ = self.refresh.changed() => break,
            }
        }
    }
}

fn backoff(base: Duration, failures: u32, max: Duration) -> Duration {
    let f = failures.min(6);
    (base.max(Duration::from_secs(1)) * 2u32.pow(f)).min(max)
}

pub fn spawn(client: Arc<ClusterClient>, tx: mpsc::Sender<Msg>, cfg: PollConfig) -> Pollers {
    let (refresh, refresh_rx) = watch::channel(0u64);
    let (frozen, frozen_rx) = watch::channel(false);
    let (watched, watched_rx) = watch::channel(Watched::default());
    let ctl = || Ctl {
        refresh: refresh_rx.clone(),
        frozen: frozen_rx.clone(),
    };
    let tasks = vec![
        tokio::spawn(peers(client.clone(), tx.clone(), cfg, ctl())),
        tokio::spawn(pinset(client.clone(), tx.clone(), cfg, ctl())),
        tokio::spawn(status(client.clone(), tx.clone(), cfg, ctl(), watched_rx)),
        tokio::spawn(tailnet(tx.clone(), ctl())),
        tokio::spawn(problems(client, tx, cfg, ctl())),
    ];
    Pollers {
        refresh,
        frozen,
        watched,
        tasks,
    }
}

async fn peers(c: Arc<ClusterClient>, tx: mpsc::Sender<Msg>, cfg: PollConfig, mut ctl: Ctl) {
    let mut failures = 0;
    let mut last_metrics: Option<Instant> = None;
    loop {
        let res = async { c.members().await }.await;
        let delay = match res {
            Ok(list) => {
                failures = 0;
                let rows = list.iter().map(PeerRow::from_api).collect();
                if tx.send(Msg::Peers(Ok(rows), cfg.peers)).await.is_err() {
                    return;
                }
                if last_metrics.is_none_or(|t| t.elapsed() >= cfg.metrics) {
                    if let Ok(m) = c.metrics("freespace").await {
                        last_metrics = Some(Instant::now());
                        let _ = tx.send(Msg::Freespace(m)).await;
                    }
                }
                cfg.peers
            }
            Err(e) => {
                failures += 1;
                let d = backoff(cfg.peers, failures, cfg.max_backoff);
                if tx.send(Msg::Peers(Err(e.to_string()), d)).await.is_err() {
                    return;
                }
                d
            }
        };
        ctl.pause(delay).await;
    }
}

/// The operator's tailnet every 30 s; without Tailscale (or when it does
/// not answer) it asks again only every ten minutes and says nothing.
async fn tailnet(tx: mpsc::Sender<Msg>, mut ctl: Ctl) {
    loop {
        let delay = match crate::tailnet::status().await {
            Some(t) => {
                if tx.send(Msg::Tailnet(t)).await.is_err() {
                    return;
                }
                Duration::from_secs(30)
            }
            None => Duration::from_secs(600),
        };
        ctl.pause(delay).await;
    }
}

const CHUNK: usize = 5000;

/// What full pinset reloads may ask of the cluster on average: the serving
/// peer reads its whole state for each (about 560 MB at a million pins), so
/// a large pinset is reloaded every few minutes (about 10 at a million),
/// Ctrl-R at once, while rows on screen and problems have their own requests.
pub const PINSET_BYTES_PER_SEC: u64 = 700_000;

/// The same for the problems list, which grows with what is wrong.
pub const PROBLEMS_BYTES_PER_SEC: u64 = 100_000;

/// The same for the statuses of the rows on screen (a row's status lists
/// every peer: fifty peers make it a few kilobytes). With the peers and
/// metrics, the console asks at most about 1 MB/s of the cluster.
pub const STATUS_BYTES_PER_SEC: u64 = 120_000;

/// The next delay of a poller whose last answer was `bytes` long: its own
/// interval, or longer so that it asks at most `budget` bytes a second.
pub fn within_budget(interval: Duration, bytes: u64, budget: u64) -> Duration {
    interval.max(Duration::from_secs_f64(bytes as f64 / budget.max(1) as f64))
}

async fn pinset(c: Arc<ClusterClient>, tx: mpsc::Sender<Msg>, cfg: PollConfig, mut ctl: Ctl) {
    let mut generation = 0u64;
    let mut failures = 0;
    let mut every = cfg.pinset;
    loop {
        generation += 1;
        let res = stream_pinset(&c, &tx, generation, |elapsed, bytes| {
            // A pinset that takes long to stream, or that is large, is not
            // re-fetched often.
            every = within_budget(cfg.pinset.max(elapsed * 10), bytes, PINSET_BYTES_PER_SEC);
            every
        })
        .await;
        let delay = match res {
            Ok(()) => {
                failures = 0;
                every
            }
            Err(LoadError::Closed) => return,
            Err(LoadError::Cluster(e)) => {
                failures += 1;
                let d = backoff(
                    cfg.pinset.min(Duration::from_secs(5)),
                    failures,
                    cfg.max_backoff,
                );
                if tx
                    .send(Msg::PinsetFailed {
                        generation,
                        error: e,
                        retry_in: d,
                    })
                    .await
                    .is_err()
                {
                    return;
                }
                d
            }
        };
        ctl.pause(delay).await;
    }
}

/// Why a pinset load stopped before its end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoadError {
    /// Nobody reads the messages any more: the console is gone.
    Closed,
    /// The cluster failed, as the text says.
    Cluster(String),
}

/// Streams the pinset once into `PinsetChunk` messages: small batches at
/// first so rows appear at once, then big ones. `next_every` gets the time the
/// listing took and returns the delay announced with the last chunk.
pub async fn stream_pinset(
    c: &ClusterClient,
    tx: &mpsc::Sender<Msg>,
    generation: u64,
    mut next_every: impl FnMut(Duration, u64) -> Duration,
) -> Result<(), LoadError> {
    let cluster = |e: crate::cluster::ClientError| LoadError::Cluster(e.to_string());
    let started = Instant::now();
    let mut s = c
        .allocations(PinTypeFilter::Pin)
        .await
        .map_err(cluster)?
        .read_ahead();
    let mut batch = Pinset::default();
    let mut last_send = Instant::now();
    while let Some(line) = s.next_with(|line| batch.push_json_line(line)).await {
        line.map_err(cluster)?;
        // The clock is read for a batch's first rows (a slow stream's rows
        // show at once), then every 64th: once a line, it cost 2% of a load.
        let n = batch.len();
        if n >= CHUNK
            || (n > 0
                && (n < 64 || n % 64 == 0)
                && last_send.elapsed() > Duration::from_millis(100))
        {
            let rows = batch.take_rows();
            tx.send(Msg::PinsetChunk {
                generation,
                rows,
                done: false,
                every: Duration::ZERO,
            })
            .await
            .map_err(|_| LoadError::Closed)?;
            last_send = Instant::now();
        }
    }
    let every = next_every(started.elapsed(), s.bytes());
    tx.send(Msg::PinsetChunk {
        generation,
        rows: batch.take_rows(),
        done: true,
        every,
    })
    .await
    .map_err(|_| LoadError::Closed)
}

async fn status(
    c: Arc<ClusterClient>,
    tx: mpsc::Sender<Msg>,
    cfg: PollConfig,
    mut ctl: Ctl,
    mut watched: watch::Receiver<Watched>,
) {
    let mut failures = 0;
    loop {
        let w = watched.borrow_and_update().clone();
        let mut delay = cfg.status;
        if !w.visible.is_empty() {
            // The rows on screen: one request, however many rows.
            let cids: Vec<String> = w.visible.iter().take(200).cloned().collect();
            let res = async {
                let mut s = c.pins(None, &cids, false).await?;
                let mut list = Vec::new();
                while let Some(g) = s.next().await {
                    list.push(g?);
                }
                Ok::<_, crate::cluster::ClientError>((list, s.bytes()))
            }
            .await;
            match res {
                Ok((list, bytes)) => {
                    failures = 0;
                    delay = within_budget(cfg.status, bytes, STATUS_BYTES_PER_SEC);
                    if tx.send(Msg::Statuses(list)).await.is_err() {
                        return;
                    }
                }
                Err(_) => {
                    failures += 1;
                    delay = backoff(cfg.status, failures, cfg.max_backoff);
                }
            }
        }
        if let Some(cid) = &w.selected {
            let r = c.pin_status(cid, false).await.map_err(|e| e.to_string());
            let d = if r.is_ok() {
                delay
            } else {
                delay.max(backoff(cfg.status, failures + 1, cfg.max_backoff))
            };
            if tx.send(Msg::Selected(r, d)).await.is_err() {
                return;
            }
        }
        tokio::select! {
            _ = ctl.pause(delay) => {}
            // A new selection or a scroll asks at once.
            r = watched.changed() => if r.is_err() { return },
        }
    }
}

async fn problems(c: Arc<ClusterClient>, tx: mpsc::Sender<Msg>, cfg: PollConfig, mut ctl: Ctl) {
    let mut failures = 0;
    loop {
        let res = async {
            let mut s = c.pins(Some(PROBLEM_FILTER), &[], false).await?;
            let mut list = Vec::new();
            while let Some(g) = s.next().await {
                list.push(g?);
            }
            Ok::<_, crate::cluster::ClientError>((list, s.bytes()))
        }
        .await;
        let delay = match res {
            Ok((list, bytes)) => {
                failures = 0;
                let every = within_budget(cfg.problems, bytes, PROBLEMS_BYTES_PER_SEC);
                if tx.send(Msg::Problems(Ok(list), every)).await.is_err() {
                    return;
                }
                every
            }
            Err(e) => {
                failures += 1;
                let d = backoff(cfg.problems, failures, cfg.max_backoff);
                if tx.send(Msg::Problems(Err(e.to_string()), d)).await.is_err() {
                    return;
                }
                d
            }
        };
        ctl.pause(delay).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_answers_are_asked_for_less_often() {
        let base = Duration::from_secs(30);
        assert_eq!(within_budget(base, 560_000, PINSET_BYTES_PER_SEC), base);
        // A million pins: about 560 MB a listing.
        let at_1m = within_budget(base, 560_000_000, PINSET_BYTES_PER_SEC);
        assert!(at_1m >= Duration::from_secs(600), "{at_1m:?}");
        assert!(at_1m <= Duration::from_secs(900), "{at_1m:?}");
    }
}
