//! How often progress is reported: the console's transfers and the
//! subcommands' progress line share one rule.

use std::time::{Duration, Instant};

/// Throttles progress reports: at most one per `every`, and always the last.
#[derive(Debug, Clone, Copy)]
pub struct Throttle {
    every: Duration,
    last: Option<Instant>,
}

impl Throttle {
    pub fn new(every: Duration) -> Self {
        Self { every, last: None }
    }

    /// Whether to report now; `finished` always reports.
    pub fn due(&mut self, finished: bool) -> bool {
        if !finished && self.last.is_some_and(|l| l.elapsed() < self.every) {
            return false;
        }
        self.last = Some(Instant::now());
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn throttle_lets_the_last_report_through() {
        let mut t = Throttle::new(Duration::from_secs(60));
        assert!(t.due(false));
        assert!(!t.due(false));
        assert!(t.due(true));
    }
}
