//! How fast each gateway gives, and when one is slow enough to drop.

use std::time::{Duration, Instant};

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
    /// When the last gateway left is asked again after a failure.
    retry_at: Option<Instant>,
    /// Why it takes no more work.
    pub(super) dropped: Option<String>,
    /// It served bytes that are not the item's.
    lied: bool,
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

/// What a worker does next with its gateway.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Next {
    /// Ask it again now.
    Now,
    /// The last gateway left: ask again after this (a link that drops for
    /// a moment comes back).
    After(Duration),
    /// It takes no more work; with why, when that is news to tell.
    Dropped(Option<String>),
}

/// Failures in a row the last gateway left is allowed (0.5 to 4 s apart).
const LAST_TRIES: u32 = 5;

/// Whether a gateway other than `i` still takes work: the last one left is
/// never dropped for being slow, and is given more tries when it fails.
fn others_serving(rates: &[Rate], i: usize) -> bool {
    rates
        .iter()
        .enumerate()
        .any(|(j, r)| j != i && r.dropped.is_none())
}

/// A request of gateway `i` failed at `now`: its failures in a row are
/// counted over all its requests at once (two requests each failing once
/// is a gateway that failed twice), and the second drops it. The last
/// gateway left is given [`LAST_TRIES`] waits, 0.5 to 4 s apart (7.5 s in
/// all); its requests that fail during one wait count once, since a link
/// that drops fails them all together.
pub(super) fn after_failure(rates: &mut [Rate], i: usize, now: Instant, why: String) -> Next {
    if rates[i].dropped.is_some() {
        return Next::Dropped(None);
    }
    let last = !others_serving(rates, i);
    if let Some(at) = rates[i].retry_at.filter(|at| last && *at > now) {
        return Next::After(at - now);
    }
    rates[i].failures += 1;
    match (last, rates[i].failures) {
        (false, n) if n < 2 => Next::Now,
        (true, n) if n < LAST_TRIES => {
            let wait = Duration::from_millis(250 << n);
            rates[i].retry_at = Some(now + wait);
            Next::After(wait)
        }
        _ => drop_source(rates, i, why, false),
    }
}

/// A request of gateway `i` came back whole, `bytes` in `took`: its
/// failures are forgiven, and it is dropped if it is slow on average.
pub(super) fn after_success(rates: &mut [Rate], i: usize, bytes: u64, took: Duration) -> Next {
    let r = &mut rates[i];
    r.add(bytes, took);
    r.failures = 0;
    r.retry_at = None;
    match slow(rates, i) {
        Some(why) => drop_source(rates, i, why, false),
        None => Next::Now,
    }
}

/// Gateway `i` takes no more work. Said once; but a gateway that lied
/// (`lied`: it served bytes that are not the item's) is said to have, even
/// when a plainer reason dropped it first.
pub(super) fn drop_source(rates: &mut [Rate], i: usize, why: String, lied: bool) -> Next {
    let r = &mut rates[i];
    let news = r.dropped.is_none() || (lied && !r.lied);
    if news {
        r.dropped = Some(why.clone());
        r.lied |= lied;
    }
    Next::Dropped(news.then_some(why))
}

/// What each gateway gave a fetch, and why one was dropped, as reported.
pub(super) fn served(rates: &[Rate], sources: &[super::Source]) -> Vec<super::Served> {
    rates
        .iter()
        .zip(sources)
        .map(|(r, s)| super::Served {
            source: s.name.clone(),
            bytes: r.bytes,
            dropped: r.dropped.clone(),
        })
        .collect()
}

/// How long a request runs before its pace is judged.
pub(super) const LAG_AFTER: Duration = Duration::from_secs(5);

fn slower_than_others(rates: &[Rate], i: usize, mine: f64) -> Option<String> {
    if !others_serving(rates, i) {
        return None;
    }
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

    fn fail(rates: &mut [Rate], i: usize, at: Instant) -> Next {
        after_failure(rates, i, at, "cut".into())
    }

    #[test]
    fn a_gateway_whose_two_requests_each_fail_once_is_dropped() {
        // Its two requests in flight are cut at once: that is two failures
        // of one gateway, whichever request saw them (CI on the real
        // cluster once finished a get without ever dropping a gateway
        // that had stopped).
        let mut rates = vec![Rate::default(); 3];
        let t = Instant::now();
        assert_eq!(fail(&mut rates, 0, t), Next::Now);
        assert_eq!(fail(&mut rates, 0, t), Next::Dropped(Some("cut".into())));
        assert_eq!(fail(&mut rates, 0, t), Next::Dropped(None), "said once");
    }

    #[test]
    fn the_last_gateway_gets_more_tries_further_apart() {
        let mut rates = vec![Rate::default(); 2];
        rates[1].dropped = Some("gone".into());
        let mut t = Instant::now();
        let mut waits = Vec::new();
        loop {
            match fail(&mut rates, 0, t) {
                Next::After(w) => {
                    waits.push(w.as_millis());
                    t += w;
                }
                other => {
                    assert_eq!(other, Next::Dropped(Some("cut".into())));
                    break;
                }
            }
        }
        assert_eq!(waits, [500, 1000, 2000, 4000]);
    }

    /// Both requests of the last gateway fail when its link drops: that is
    /// one failure, not two, or a link down for 3 s would end the get.
    #[test]
    fn the_last_gateways_requests_failing_together_count_once() {
        let mut rates = vec![Rate::default(); 2];
        rates[1].dropped = Some("gone".into());
        let t = Instant::now();
        assert_eq!(
            fail(&mut rates, 0, t),
            Next::After(Duration::from_millis(500))
        );
        let later = t + Duration::from_millis(100);
        assert_eq!(
            fail(&mut rates, 0, later),
            Next::After(Duration::from_millis(400)),
            "the other request waits for the same retry"
        );
        assert_eq!(rates[0].failures, 1);
    }

    #[test]
    fn a_lie_is_said_even_after_a_plainer_reason_dropped_the_gateway() {
        let mut rates = vec![Rate::default(); 3];
        let t = Instant::now();
        fail(&mut rates, 0, t);
        assert!(matches!(fail(&mut rates, 0, t), Next::Dropped(Some(_))));
        let lie = drop_source(&mut rates, 0, "MISMATCH: not block X".into(), true);
        assert_eq!(lie, Next::Dropped(Some("MISMATCH: not block X".into())));
        assert_eq!(
            drop_source(&mut rates, 0, "MISMATCH: again".into(), true),
            Next::Dropped(None)
        );
    }

    #[test]
    fn a_good_answer_forgives_the_failures_before_it() {
        let mut rates = vec![Rate::default(); 3];
        let t = Instant::now();
        fail(&mut rates, 0, t);
        assert_eq!(
            after_success(&mut rates, 0, 1 << 20, Duration::from_millis(10)),
            Next::Now
        );
        assert_eq!(fail(&mut rates, 0, t), Next::Now, "a first failure again");
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
