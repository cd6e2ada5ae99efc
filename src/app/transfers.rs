//! The transfers view's rows, one per task the console runs: uploads and
//! fetches (in bytes), audits, stewardship plans carried out and edits (in
//! items: `Task.bytes` then counts those).

use std::time::Instant;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TaskKind {
    Upload,
    Fetch,
    /// Items checked, not bytes.
    Audit,
    /// Items moved (rebalance, drain), not bytes.
    Steward,
    /// One item's edit.
    Edit,
    /// Items erased (unpinned, collected, checked on every peer).
    Erase,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TaskState {
    Running,
    Done(String),
    Failed(String),
    Cancelled,
}

#[derive(Debug, Clone)]
pub struct Task {
    pub id: u64,
    pub kind: TaskKind,
    pub what: String,
    pub bytes: u64,
    pub total: Option<u64>,
    pub started: Instant,
    pub state: TaskState,
    /// What it said on its way, shown while it runs (a fetch resuming, a
    /// holder no longer asked).
    pub note: Option<String>,
}

impl Task {
    /// A task that starts now.
    pub fn running(
        id: u64,
        kind: TaskKind,
        what: String,
        total: Option<u64>,
        now: Instant,
    ) -> Self {
        Task {
            id,
            kind,
            what,
            bytes: 0,
            total,
            started: now,
            state: TaskState::Running,
            note: None,
        }
    }

    pub fn finished(&self) -> bool {
        self.state != TaskState::Running
    }

    /// `12 MB / 40 MB · 3.1 MB/s · ETA 9 s`
    pub fn progress_text(&self, now: Instant) -> String {
        use crate::format::human_bytes;
        let secs = now
            .saturating_duration_since(self.started)
            .as_secs_f64()
            .max(0.001);
        let rate = self.bytes as f64 / secs;
        if matches!(
            self.kind,
            TaskKind::Audit | TaskKind::Steward | TaskKind::Edit | TaskKind::Erase
        ) {
            // Items, not bytes.
            return match self.total {
                Some(t) => format!("{} / {t} items", self.bytes),
                None => "listing the pinset…".into(),
            };
        }
        let mut s = human_bytes(self.bytes);
        if let Some(t) = self.total {
            s.push_str(&format!(" / {}", human_bytes(t)));
        }
        if self.state == TaskState::Running {
            s.push_str(&format!(" · {}/s", human_bytes(rate as u64)));
            if let Some(t) = self.total.filter(|_| rate > 0.0) {
                let eta = (t.saturating_sub(self.bytes)) as f64 / rate;
                s.push_str(&format!(" · ETA {:.0} s", eta));
            }
        }
        s
    }

    pub fn ratio(&self) -> f64 {
        match self.total {
            Some(t) if t > 0 => (self.bytes as f64 / t as f64).min(1.0),
            _ if self.finished() => 1.0,
            _ => 0.0,
        }
    }
}
