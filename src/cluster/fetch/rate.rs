//! How fast each gateway gives, and when one is slow enough to drop.

use std::time::Duration;

/// A gateway this many times slower than the fastest stops taking work.
const SLOW: f64 = 8.0;
/// Bytes a gateway gives before its pace is judged.
const JUDGED_AFTER: u64 = 8 << 20;

/// What one gateway gave so far.
#[derive(Clone, Default)]
pub(super) struct Rate {
    pub(super) bytes: u64,
    busy: Duration,
    segments: u32,
    /// Failed requests since its last good one.
    pub(super) failures: u32,
    /// Why it takes no more work.
    pub(super) dropped: Option<String>,
}

impl Rate {
    pub(super) fn add(&mut self, bytes: u64, took: Duration) {
        self.bytes += bytes;
        self.busy += took;
        self.segments += 1;
    }

    /// Bytes per second per request, over all its requests: one slow
    /// answer on a busy machine says little, a slow average says a lot.
    fn per_second(&self) -> Option<f64> {
        (self.segments >= 2 && self.bytes >= JUDGED_AFTER)
            .then(|| self.bytes as f64 / self.busy.as_secs_f64().max(1e-6))
    }
}

/// Why gateway `i` should stop taking work, if it should: it is many times
/// slower than another that still serves. The last one always stays.
pub(super) fn slow(rates: &[Rate], i: usize) -> Option<String> {
    slower_than_others(rates, i, rates[i].per_second()?)
}

/// Why a request of gateway `i` still running, `bytes` in `took`, should
/// give its range back: it crawls where another serves many times faster
/// (a gateway that trickles a byte a second would hold its ranges for a
/// day). Judged after [`LAG_AFTER`]; the last gateway always stays.
pub(super) fn lagging(rates: &[Rate], i: usize, bytes: u64, took: Duration) -> Option<String> {
    if took < LAG_AFTER {
        return None;
    }
    slower_than_others(rates, i, bytes as f64 / took.as_secs_f64())
}

/// After a failed request: when the gateway is asked again, if it is.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Retry {
    Now,
    /// The last gateway left: a link that drops for a moment comes back.
    After(Duration),
    Dropped,
}

/// Failures in a row the last gateway left is allowed (0.5 to 4 s apart).
const LAST_TRIES: u32 = 5;

/// Counts a failed request of gateway `i`: its failures in a row over all
/// its requests at once (two requests each failing once is a gateway that
/// failed twice). The second drops it, unless it is the last left, which
/// gets [`LAST_TRIES`], further and further apart.
pub(super) fn after_failure(rates: &mut [Rate], i: usize) -> Retry {
    if rates[i].dropped.is_some() {
        return Retry::Dropped;
    }
    rates[i].failures += 1;
    let n = rates[i].failures;
    let last = !rates
        .iter()
        .enumerate()
        .any(|(j, r)| j != i && r.dropped.is_none());
    match (last, n) {
        (false, n) if n < 2 => Retry::Now,
        (true, n) if n < LAST_TRIES => Retry::After(Duration::from_millis(250 << n)),
        _ => Retry::Dropped,
    }
}

/// How long a request runs before its pace is judged.
pub(super) const LAG_AFTER: Duration = Duration::from_secs(5);

fn slower_than_others(rates: &[Rate], i: usize, mine: f64) -> Option<String> {
    let best = rates
        .iter()
        .enumerate()
        .filter(|(j, r)| *j != i && r.dropped.is_none())
        .filter_map(|(_, r)| r.per_second())
        .fold(0.0, f64::max);
    (mine * SLOW < best).then(|| {
        format!(
            "slow: {:.1} MB/s where another gives {:.1} MB/s",
            mine / 1e6,
            best / 1e6
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rate(mb_per_s: f64, segments: u32) -> Rate {
        let bytes = JUDGED_AFTER * segments as u64;
        Rate {
            bytes,
            busy: Duration::from_secs_f64(bytes as f64 / (mb_per_s * 1e6)),
            segments,
            ..Rate::default()
        }
    }

    #[test]
    fn a_gateway_whose_two_requests_each_fail_once_is_dropped() {
        // Its two requests in flight are cut at once: that is two failures
        // of one gateway, whichever request saw them (CI on the real
        // cluster once finished a get without ever dropping a gateway
        // that had stopped).
        let mut rates = vec![Rate::default(); 3];
        assert_eq!(after_failure(&mut rates, 0), Retry::Now);
        assert_eq!(after_failure(&mut rates, 0), Retry::Dropped);
    }

    #[test]
    fn the_last_gateway_gets_more_tries_further_apart() {
        let mut rates = vec![Rate::default(); 2];
        rates[1].dropped = Some("gone".into());
        let waits: Vec<Retry> = (0..5).map(|_| after_failure(&mut rates, 0)).collect();
        assert_eq!(
            waits,
            [500, 1000, 2000, 4000]
                .map(|ms| Retry::After(Duration::from_millis(ms)))
                .into_iter()
                .chain([Retry::Dropped])
                .collect::<Vec<_>>()
        );
    }

    #[test]
    fn one_slow_answer_drops_no_gateway() {
        // A busy machine delays one answer: not enough to judge.
        let rates = [rate(400.0, 5), rate(30.0, 1)];
        assert!(slow(&rates, 1).is_none());
    }

    #[test]
    fn a_gateway_slow_on_average_is_dropped_but_never_the_last() {
        let mut rates = [rate(400.0, 5), rate(30.0, 3), rate(350.0, 4)];
        assert!(slow(&rates, 1).unwrap().starts_with("slow: "));
        assert!(slow(&rates, 0).is_none() && slow(&rates, 2).is_none());
        rates[0].dropped = Some("gone".into());
        rates[2].dropped = Some("gone".into());
        assert!(slow(&rates, 1).is_none(), "the last gateway stays");
    }

    #[test]
    fn a_request_that_trickles_gives_its_range_back_unless_it_is_the_last() {
        let mut rates = [rate(400.0, 5), rate(400.0, 0)];
        let trickle = |r: &[Rate]| lagging(r, 1, 5_000, Duration::from_secs(6));
        assert!(
            lagging(&rates, 1, 5_000, Duration::from_secs(2)).is_none(),
            "too soon"
        );
        assert!(trickle(&rates).unwrap().starts_with("slow: "));
        rates[0].dropped = Some("gone".into());
        assert!(trickle(&rates).is_none(), "the last gateway stays");
    }
}
