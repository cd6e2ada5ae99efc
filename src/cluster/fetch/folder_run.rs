//! One folder fetch under way: its parts still to ask for, what is
//! finished, each gateway's pace, and who hears of it.

use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use tokio_util::sync::CancellationToken;

use super::partial::{FolderState, Partial};
use super::rate::{Next, Rate};
use super::tally::Tally;
use super::tree::Part;
use super::{Event, Source, Watch};
use crate::cluster::{ClientError, ClusterClient};

/// Why a folder fetch stopped before the end.
pub(super) enum Stop {
    Cancelled,
    /// The item or the caps end it: nothing is kept.
    Refused(String),
    /// Anything else (the disk, every gateway gone): what is verified is kept.
    Failed(ClientError),
}

/// One folder fetch under way.
pub(super) struct Run<'a> {
    pub(super) client: &'a Arc<ClusterClient>,
    pub(super) sources: &'a [Source],
    pub(super) staging: PathBuf,
    /// Parts walked from a CAR, still to ask for.
    pub(super) queue: Mutex<VecDeque<Part>>,
    /// Parts being fetched now: an idle worker waits while one may come back.
    pub(super) busy: AtomicUsize,
    pub(super) state: Mutex<FolderState>,
    /// Parts finished when the record was last saved.
    pub(super) saved: AtomicUsize,
    /// Whether there is a record: a folder of one part has none (cut, it
    /// comes again whole).
    pub(super) record: bool,
    pub(super) tally: Arc<Tally>,
    pub(super) rates: Mutex<Vec<Rate>>,
    pub(super) watch: &'a Watch,
    pub(super) cancel: CancellationToken,
}

pub(super) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Run<'_> {
    pub(super) fn path(&self, part: &Part) -> PathBuf {
        self.staging.join(part.rel())
    }

    pub(super) fn finished(&self, part: &Part, bytes: u64, entries: u64) {
        lock(&self.state).done.insert(part.key(), (bytes, entries));
        self.report();
    }

    pub(super) fn report(&self) {
        if let Some(p) = &self.watch.progress {
            p(self.tally.written(), None);
        }
    }

    /// What the worker of gateway `i` does next; a drop is told at once.
    pub(super) fn next(&self, i: usize, decide: impl FnOnce(&mut [Rate]) -> Next) -> Next {
        let next = decide(&mut lock(&self.rates));
        if let Next::Dropped(Some(why)) = &next {
            self.watch.event(Event::Dropped {
                source: self.sources[i].name.clone(),
                reason: why.clone(),
            });
        }
        next
    }

    /// The gateways still asked.
    pub(super) fn alive(&self) -> Vec<Source> {
        let rates = lock(&self.rates);
        self.sources
            .iter()
            .zip(rates.iter())
            .filter(|(_, r)| r.dropped.is_none())
            .map(|(s, _)| s.clone())
            .collect()
    }

    /// Records the parts finished (a resume checks each again against its
    /// CIDs, so the record is not flushed, nor what the parts wrote). A
    /// failed save keeps the last good record.
    pub(super) async fn save(&self, partial: &Partial) {
        let st = lock(&self.state).clone();
        let n = st.done.len();
        if !self.record || n == self.saved.load(Ordering::Acquire) {
            return;
        }
        let p = partial.clone();
        let r = tokio::task::spawn_blocking(move || st.save(&p)).await;
        if let Ok(Ok(())) = r {
            self.saved.store(n, Ordering::Release);
        }
    }
}
