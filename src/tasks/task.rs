//! A background task the transfers view follows: its cancel token, its
//! progress, and the one `TaskDone` that ends it.

use std::future::Future;
use std::sync::Mutex;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::effects::{Cancels, Effects};
use crate::app::msg::TaskOutcome;
use crate::app::Msg;
use crate::throttle::Throttle;

/// How often the console hears of a transfer's progress.
const PROGRESS_EVERY: Duration = Duration::from_millis(100);

/// Forgets a task's cancel token when dropped: however the task ends.
struct Forget {
    cancels: Cancels,
    id: u64,
}

impl Drop for Forget {
    fn drop(&mut self) {
        if let Ok(mut m) = self.cancels.lock() {
            m.remove(&self.id);
        }
    }
}

/// Reports a task's progress, throttled; the last report always goes out.
pub(super) fn reporter(tx: mpsc::Sender<Msg>, id: u64) -> impl Fn(u64, Option<u64>) + Send + Sync {
    let throttle = Mutex::new(Throttle::new(PROGRESS_EVERY));
    move |bytes, total| {
        let Ok(mut t) = throttle.lock() else { return };
        if t.due(total.is_some_and(|t| bytes >= t)) {
            let _ = tx.try_send(Msg::TaskProgress { id, bytes, total });
        }
    }
}

impl Effects {
    /// Runs task `id` in the background. `work` gets its cancel token (`c`
    /// in the transfers view) and hears it where stopping is safe; it says
    /// how the task ended, or nothing when it was refused before it began
    /// (its form says why). However it ends, the token is forgotten, and
    /// then the outcome goes to the console as the task's one `TaskDone`.
    pub(super) fn spawn_task<W, F>(&self, id: u64, work: W)
    where
        W: FnOnce(CancellationToken) -> F + Send + 'static,
        F: Future<Output = Option<TaskOutcome>> + Send + 'static,
    {
        let cancel = CancellationToken::new();
        if let Ok(mut m) = self.cancels.lock() {
            m.insert(id, cancel.clone());
        }
        let forget = Forget {
            cancels: self.cancels.clone(),
            id,
        };
        let tx = self.tx.clone();
        tokio::spawn(async move {
            let outcome = work(cancel).await;
            drop(forget);
            if let Some(outcome) = outcome {
                let _ = tx.send(Msg::TaskDone { id, outcome }).await;
            }
        });
    }

    pub fn cancel(&self, id: u64) {
        if let Ok(m) = self.cancels.lock() {
            if let Some(t) = m.get(&id) {
                t.cancel();
            }
        }
    }
}
