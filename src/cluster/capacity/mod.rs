//! Capacity: how full each peer is, how fast the archive grows, and how long
//! the space lasts. Arithmetic over the pinset (each item's `size`
//! metadata, creation time, org and allocations) and each peer's free space
//! (the `freespace` metric); the console's capacity screen and
//! `ccs-tui capacity` share it. Items without size metadata are counted and
//! named, never guessed.

pub mod history;

use std::collections::HashMap;

use serde::Serialize;

/// The growth rate is the last 90 days'.
pub const RATE_WINDOW_DAYS: i64 = 90;
const DAY: i64 = 86_400;
/// A month, as a rate's unit: the Gregorian year's twelfth.
const MONTH_SECS: f64 = 30.436_875 * DAY as f64;
/// 2000-01-01: an item's time before this is no date.
const DATED_FROM: i64 = 946_684_800;
/// Items without size metadata named, at most (the rest are counted).
const WITHOUT_SIZE_NAMED: usize = 20;

/// An item as capacity needs it.
#[derive(Debug, Clone)]
pub struct Item<'a, S> {
    pub cid: &'a str,
    pub name: &'a str,
    /// Its `size` metadata.
    pub size: Option<u64>,
    /// Unix seconds.
    pub created: i64,
    pub org: &'a str,
    /// Peer IDs; empty: pinned everywhere (every member holds it).
    pub allocations: &'a [S],
}

/// A member peer: its free space (`None`: it reports none) and the reserve
/// the configuration keeps free on it (`reserved_min_gb`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Peer {
    pub id: String,
    pub name: String,
    pub free: Option<u64>,
    pub reserve: u64,
}

/// The members as capacity sees them: free space from fresh `freespace`
/// metrics, reserves from the configuration's nodes.
pub fn peers_of(
    fleet: &crate::cluster::steward::Fleet,
    members: &[crate::cluster::types::PeerId],
) -> Vec<Peer> {
    members
        .iter()
        .map(|m| Peer {
            id: m.id.clone(),
            name: if m.peername.is_empty() {
                fleet.name_of(&m.id)
            } else {
                m.peername.clone()
            },
            free: fleet.free.get(&m.id).copied(),
            reserve: fleet.node(&m.id).map_or(0, |n| n.reserve),
        })
        .collect()
}

/// How long a peer's space lasts at the last 90 days' rate.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Projection {
    /// It reports no free space.
    Unknown,
    /// Its free space is at or below its reserve already.
    Full,
    /// Nothing allocated to it was added in the last 90 days.
    NotFilling,
    /// Its free space above the reserve runs out in this many months.
    FullIn { months: f64 },
}

impl Projection {
    /// At the rate `per_month`, `available` bytes above the reserve.
    pub fn of(free: Option<u64>, reserve: u64, per_month: f64) -> Projection {
        let Some(free) = free else {
            return Projection::Unknown;
        };
        if free <= reserve {
            return Projection::Full;
        }
        if per_month <= 0.0 {
            return Projection::NotFilling;
        }
        Projection::FullIn {
            months: (free - reserve) as f64 / per_month,
        }
    }

    /// Whether it fills within `months`.
    pub fn fills_within(&self, months: f64) -> bool {
        match self {
            Projection::Full => true,
            Projection::FullIn { months: m } => *m <= months,
            _ => false,
        }
    }

    /// `full in about 7 months`, `not filling`…
    pub fn text(&self) -> String {
        match self {
            Projection::Unknown => "free space unknown".into(),
            Projection::Full => "at its reserve: full".into(),
            Projection::NotFilling => "not filling".into(),
            Projection::FullIn { months } if *months < 1.0 => "full within a month".into(),
            Projection::FullIn { months } if *months >= 120.0 => {
                "not filling (over 10 years)".into()
            }
            Projection::FullIn { months } => {
                let n = months.round() as u64;
                format!("full in about {n} month{}", if n == 1 { "" } else { "s" })
            }
        }
    }

    /// `7 mo`, `full`, `—`: for a narrow column.
    pub fn short(&self) -> String {
        match self {
            Projection::Unknown => "?".into(),
            Projection::Full => "FULL".into(),
            Projection::NotFilling => "—".into(),
            Projection::FullIn { months } if *months < 1.0 => "<1 mo".into(),
            Projection::FullIn { months } if *months >= 120.0 => ">10 y".into(),
            Projection::FullIn { months } => format!("{} mo", months.round() as u64),
        }
    }
}

/// One peer's share of the archive.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PeerCapacity {
    pub id: String,
    pub name: String,
    /// Items allocated to it (or pinned everywhere).
    pub items: usize,
    /// Their sizes.
    pub used: u64,
    /// Its items without size metadata (not in `used`).
    pub without_size: usize,
    pub free: Option<u64>,
    pub reserve: u64,
    /// Bytes of its items added in the last 90 days.
    pub recent: u64,
    /// `recent` as a monthly rate.
    pub per_month: f64,
    pub projection: Projection,
}

/// The archive's growth in one month: items and bytes added, by org.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Month {
    /// `2026-11`.
    pub month: String,
    pub items: usize,
    pub bytes: u64,
    /// (org, items, bytes), the most bytes first; `""` is no org.
    pub by_org: Vec<(String, usize, u64)>,
}

/// An org's part of the archive, and of its last 90 days.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrgGrowth {
    pub org: String,
    pub items: usize,
    pub bytes: u64,
    pub recent_items: usize,
    pub recent_bytes: u64,
}

/// The figures, as of `now`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Capacity {
    /// Unix seconds.
    pub now: i64,
    pub items: usize,
    /// Bytes of the items with size metadata.
    pub bytes: u64,
    /// Items without size metadata: counted, not guessed.
    pub without_size: usize,
    /// The first of them, (cid, name).
    pub without_size_named: Vec<(String, String)>,
    /// Items whose time is before 2000 (Go's zero time): in no month.
    pub undated: usize,
    pub peers: Vec<PeerCapacity>,
    /// Every month from the first item's to now's, in order.
    pub months: Vec<Month>,
    /// The most bytes first.
    pub orgs: Vec<OrgGrowth>,
}

impl Capacity {
    /// Peers that fill within `months` (or are full).
    pub fn filling_within(&self, months: f64) -> Vec<&PeerCapacity> {
        self.peers
            .iter()
            .filter(|p| p.projection.fills_within(months))
            .collect()
    }
}

/// `2026-11` of unix seconds, as (year, month).
fn month_of(secs: i64) -> (i32, u32) {
    use chrono::Datelike;
    let t = chrono::DateTime::from_timestamp(secs, 0).unwrap_or_default();
    (t.year(), t.month())
}

/// The figures for `items` held by `peers`, as of `now` (unix seconds).
pub fn compute<'a, S: AsRef<str> + 'a>(
    items: impl IntoIterator<Item = Item<'a, S>>,
    peers: &[Peer],
    now: i64,
) -> Capacity {
    let mut t = Tally::new(peers, now);
    for it in items {
        t.push(&it);
    }
    t.finish()
}

type MonthTally = (usize, u64, HashMap<String, (usize, u64)>);

/// The figures, item by item: a pinset streamed through it is never held
/// whole (a million pins are a gigabyte of JSON).
pub struct Tally<'p> {
    peers: &'p [Peer],
    index: HashMap<&'p str, usize>,
    now: i64,
    since: i64,
    /// Per peer: items, bytes, items without size, bytes in the window.
    used: Vec<(usize, u64, usize, u64)>,
    months: HashMap<(i32, u32), MonthTally>,
    orgs: HashMap<String, OrgGrowth>,
    total: usize,
    bytes: u64,
    without_size: usize,
    without_size_named: Vec<(String, String)>,
    undated: usize,
    first: i64,
}

impl<'p> Tally<'p> {
    pub fn new(peers: &'p [Peer], now: i64) -> Self {
        Tally {
            peers,
            index: peers
                .iter()
                .enumerate()
                .map(|(i, p)| (p.id.as_str(), i))
                .collect(),
            now,
            since: now - RATE_WINDOW_DAYS * DAY,
            used: vec![(0, 0, 0, 0); peers.len()],
            months: HashMap::new(),
            orgs: HashMap::new(),
            total: 0,
            bytes: 0,
            without_size: 0,
            without_size_named: Vec::new(),
            undated: 0,
            first: now,
        }
    }

    pub fn push<S: AsRef<str>>(&mut self, it: &Item<'_, S>) {
        self.total += 1;
        // A time before any archive of ours (Go's zero time, a clock that
        // was wrong) is not a month of growth: counted apart.
        let dated = it.created >= DATED_FROM;
        if dated {
            self.first = self.first.min(it.created);
        } else {
            self.undated += 1;
        }
        // Sizes are members' metadata: whatever they say, never an overflow.
        let size = it.size.unwrap_or(0);
        match it.size {
            Some(s) => self.bytes = self.bytes.saturating_add(s),
            None => {
                self.without_size += 1;
                if self.without_size_named.len() < WITHOUT_SIZE_NAMED {
                    self.without_size_named
                        .push((it.cid.to_string(), it.name.to_string()));
                }
            }
        }
        let recent = dated && it.created >= self.since;
        let used = &mut self.used;
        let mut hold = |i: usize| {
            let u = &mut used[i];
            u.0 += 1;
            u.1 = u.1.saturating_add(size);
            if it.size.is_none() {
                u.2 += 1;
            }
            if recent {
                u.3 = u.3.saturating_add(size);
            }
        };
        if it.allocations.is_empty() {
            (0..self.peers.len()).for_each(&mut hold);
        } else {
            for a in it.allocations {
                if let Some(&i) = self.index.get(a.as_ref()) {
                    hold(i);
                }
            }
        }
        if dated {
            let m = self.months.entry(month_of(it.created)).or_default();
            m.0 += 1;
            m.1 = m.1.saturating_add(size);
            let o = m.2.entry(it.org.to_string()).or_default();
            o.0 += 1;
            o.1 = o.1.saturating_add(size);
        }
        let g = self
            .orgs
            .entry(it.org.to_string())
            .or_insert_with(|| OrgGrowth {
                org: it.org.to_string(),
                items: 0,
                bytes: 0,
                recent_items: 0,
                recent_bytes: 0,
            });
        g.items += 1;
        g.bytes = g.bytes.saturating_add(size);
        if recent {
            g.recent_items += 1;
            g.recent_bytes = g.recent_bytes.saturating_add(size);
        }
    }

    pub fn finish(mut self) -> Capacity {
        let window_months = (RATE_WINDOW_DAYS * DAY) as f64 / MONTH_SECS;
        let peers = self
            .peers
            .iter()
            .zip(std::mem::take(&mut self.used))
            .map(|(p, (items, used, without_size, recent))| {
                let per_month = recent as f64 / window_months;
                PeerCapacity {
                    id: p.id.clone(),
                    name: p.name.clone(),
                    items,
                    used,
                    without_size,
                    free: p.free,
                    reserve: p.reserve,
                    recent,
                    per_month,
                    projection: Projection::of(p.free, p.reserve, per_month),
                }
            })
            .collect();
        // Every month from the first to now, empty ones too: a gap is news.
        let mut months = Vec::new();
        if self.total > 0 {
            let (mut y, mut m) = month_of(self.first);
            let end = month_of(self.now);
            while (y, m) <= end && months.len() < 1200 {
                let (items, bytes, by) = self.months.remove(&(y, m)).unwrap_or_default();
                let mut by_org: Vec<(String, usize, u64)> =
                    by.into_iter().map(|(o, (n, b))| (o, n, b)).collect();
                by_org.sort_by(|a, b| b.2.cmp(&a.2).then(b.1.cmp(&a.1)).then(a.0.cmp(&b.0)));
                months.push(Month {
                    month: format!("{y:04}-{m:02}"),
                    items,
                    bytes,
                    by_org,
                });
                (y, m) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
            }
        }
        let mut orgs: Vec<OrgGrowth> = self.orgs.into_values().collect();
        orgs.sort_by(|a, b| b.bytes.cmp(&a.bytes).then(a.org.cmp(&b.org)));
        Capacity {
            now: self.now,
            items: self.total,
            bytes: self.bytes,
            without_size: self.without_size,
            without_size_named: self.without_size_named,
            undated: self.undated,
            peers,
            months,
            orgs,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GB: u64 = 1_000_000_000;
    /// 2026-12-07T00:00:00Z.
    const NOW: i64 = 1_796_601_600;

    fn peer(id: &str, free: Option<u64>, reserve: u64) -> Peer {
        Peer {
            id: id.into(),
            name: id.into(),
            free,
            reserve,
        }
    }

    fn item<'a>(
        size: Option<u64>,
        days_ago: i64,
        org: &'a str,
        allocs: &'a [&'a str],
    ) -> Item<'a, &'a str> {
        Item {
            cid: "Qm",
            name: "n",
            size,
            created: NOW - days_ago * DAY,
            org,
            allocations: allocs,
        }
    }

    #[test]
    fn the_projection_is_the_space_above_the_reserve_over_the_last_90_days_rate() {
        // 30 GB over 90 days is 10.14 GB a month; 110 GB free less a 10 GB
        // reserve lasts 100 / 10.14 = 9.86 months.
        let c = compute(
            vec![
                item(Some(10 * GB), 10, "a", &["p"]),
                item(Some(20 * GB), 80, "a", &["p"]),
                item(Some(500 * GB), 200, "a", &["p"]), // before the window
            ],
            &[peer("p", Some(110 * GB), 10 * GB)],
            NOW,
        );
        let p = &c.peers[0];
        assert_eq!(p.recent, 30 * GB);
        assert_eq!(p.used, 530 * GB);
        let Projection::FullIn { months } = p.projection else {
            panic!("{:?}", p.projection);
        };
        let want = 100.0 / (30.0 / (90.0 / 30.436_875));
        assert!((months - want).abs() < 1e-9, "{months} != {want}");
        assert_eq!(p.projection.text(), "full in about 10 months");
        assert!(p.projection.fills_within(12.0) && !p.projection.fills_within(6.0));
    }

    #[test]
    fn nothing_recent_is_not_filling_and_below_the_reserve_is_full() {
        let c = compute(
            vec![item(Some(GB), 400, "a", &[])],
            &[
                peer("a", Some(50 * GB), GB),
                peer("b", Some(GB), 2 * GB),
                peer("c", None, 0),
            ],
            NOW,
        );
        assert_eq!(c.peers[0].projection, Projection::NotFilling);
        assert_eq!(c.peers[1].projection, Projection::Full);
        assert_eq!(c.peers[2].projection, Projection::Unknown);
        // Pinned everywhere: on every member.
        assert!(c.peers.iter().all(|p| p.used == GB && p.items == 1));
        assert_eq!(c.filling_within(6.0).len(), 1);
    }

    #[test]
    fn sizes_never_overflow_and_a_zero_time_is_in_no_month() {
        let c = compute(
            vec![
                item(Some(u64::MAX), 1, "a", &["p"]),
                item(Some(u64::MAX), 2, "a", &["p"]),
                Item {
                    created: -62_135_596_800, // Go's zero time
                    ..item(Some(1), 0, "a", &["p"])
                },
            ],
            &[peer("p", Some(GB), 0)],
            NOW,
        );
        assert_eq!(c.bytes, u64::MAX);
        assert_eq!(c.undated, 1);
        assert_eq!(c.months.len(), 1, "{:?}", c.months);
    }

    #[test]
    fn months_run_from_the_first_item_to_now_with_orgs_and_unsized_items_counted_apart() {
        let c = compute(
            vec![
                item(Some(3 * GB), 70, "tfc", &["p"]),
                item(Some(GB), 68, "hrdag", &["p"]),
                item(None, 5, "tfc", &["gone-peer"]),
            ],
            &[peer("p", Some(GB), 0)],
            NOW,
        );
        let names: Vec<&str> = c.months.iter().map(|m| m.month.as_str()).collect();
        assert_eq!(names, ["2026-09", "2026-10", "2026-11", "2026-12"]);
        assert_eq!(c.months[0].items, 2);
        assert_eq!(c.months[0].by_org[0], ("tfc".to_string(), 1, 3 * GB));
        assert_eq!(c.months[1].items, 0, "an empty month is shown");
        assert_eq!((c.without_size, c.bytes, c.items), (1, 4 * GB, 3));
        // A peer named by nothing holds nothing here.
        assert_eq!(c.peers[0].items, 2);
        assert_eq!(c.orgs[0].org, "tfc");
        assert_eq!(c.orgs[0].recent_items, 2);
    }
}
