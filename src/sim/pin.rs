//! Pinning as the daemon does it: pin options from the query (with its 400
//! messages) and the commit into the shared state. Used by `POST /pins` and
//! by `/add` for the root it imported.

use std::time::Instant;

use super::state::{check_replication, PinRec, SimState};
use super::Fail;
use crate::cluster::gojson::{GoTime, List, Map};
use crate::cluster::types::Pin;

/// PinOptions from the query, with the daemon's 400 messages.
#[derive(Debug, Default, Clone)]
pub struct QueryPinOptions {
    pub name: String,
    pub rmin: i32,
    pub rmax: i32,
    pub direct: bool,
    pub user_allocations: Vec<String>,
    pub metadata: Vec<(String, String)>,
    pub expire_at: i64,
    /// `pin-update=FROM`: pin this CID as FROM is pinned (its allocations,
    /// replication and metadata; only the name may change).
    pub pin_update: Option<String>,
    /// The daemon answers 400 for a bad `pin-update` and pins anyway with
    /// the options it read before it (`FromQuery` returns early, the handler
    /// goes on).
    pub update_error: Option<String>,
}

pub fn pin_options(q: &[(String, String)]) -> Result<QueryPinOptions, Fail> {
    let mut o = QueryPinOptions::default();
    let int = |k: &str, v: &str| -> Result<i32, Fail> {
        v.parse::<i32>()
            .map_err(|_| Fail::bad_request(format!("parameter {k} invalid")))
    };
    for (k, v) in q {
        match k.as_str() {
            "name" => o.name = v.clone(),
            "mode" => o.direct = v == "direct",
            "replication" => {
                let n = int(k, v)?;
                o.rmin = n;
                o.rmax = n;
            }
            "replication-min" => o.rmin = int(k, v)?,
            "replication-max" => o.rmax = int(k, v)?,
            "user-allocations" => {
                // Bad peer IDs are silently dropped by the daemon.
                o.user_allocations = v
                    .split(',')
                    .map(str::trim)
                    .filter(|p| bs58::decode(p).into_vec().is_ok() && p.len() > 40)
                    .map(String::from)
                    .collect();
            }
            "expire-at" => {
                o.expire_at = chrono::DateTime::parse_from_rfc3339(v)
                    .map(|d| d.timestamp())
                    .map_err(|_| Fail::bad_request("parameter expire-at invalid"))?;
            }
            "expire-in" if o.expire_at == 0 => {
                if let Some(secs) = parse_go_duration(v) {
                    o.expire_at = chrono::Utc::now().timestamp() + secs;
                }
            }
            "pin-update" if !v.is_empty() => match crate::unixfs::parse_cid(v) {
                Ok(c) => o.pin_update = Some(c.to_string()),
                Err(e) => {
                    o.update_error = Some(format!("error decoding update option parameter: {e}"))
                }
            },
            k if k.starts_with("meta-") => {
                o.metadata.push((k["meta-".len()..].to_string(), v.clone()));
            }
            _ => {}
        }
    }
    o.metadata.sort();
    Ok(o)
}

fn parse_go_duration(s: &str) -> Option<i64> {
    let (num, unit) = s.split_at(s.find(|c: char| c.is_ascii_alphabetic())?);
    let n: f64 = num.parse().ok()?;
    let mult = match unit {
        "s" => 1.0,
        "m" => 60.0,
        "h" => 3600.0,
        _ => return None,
    };
    Some((n * mult) as i64).filter(|s| *s >= 1)
}

/// Commits a pin as the daemon's `pin()` does; returns the in-memory echo.
pub fn commit_pin(
    st: &mut SimState,
    cid: &str,
    opts: &QueryPinOptions,
    force_local: bool,
) -> Result<Pin, Fail> {
    if let Some(from) = opts.pin_update.as_deref().filter(|f| *f != cid) {
        return commit_update(st, cid, from, opts);
    }
    let rmin = if opts.rmin == 0 {
        st.default_rmin
    } else {
        opts.rmin
    };
    let rmax = if opts.rmax == 0 {
        st.default_rmax
    } else {
        opts.rmax
    };
    check_replication(rmin, rmax).map_err(internal)?;
    if opts.expire_at != 0 && opts.expire_at < chrono::Utc::now().timestamp() {
        return Err(internal("pin.ExpireAt set before current time".into()));
    }
    let available = st.content_known(cid);
    let current = st
        .pins
        .get(cid)
        .map(|p| p.allocations.clone())
        .unwrap_or_default();
    let allocations = st
        .allocate(rmin, rmax, &opts.user_allocations, force_local, &current)
        .map_err(internal)?;
    let rec = PinRec {
        cid: cid.to_string(),
        name: opts.name.clone(),
        metadata: opts.metadata.clone(),
        rmin,
        rmax,
        allocations,
        user_allocations: opts.user_allocations.clone(),
        mode_direct: opts.direct,
        expire_at: opts.expire_at,
        timestamp: chrono::Utc::now().timestamp(),
        started: st.pins.get(cid).map_or_else(Instant::now, |p| p.started),
        available,
        overrides: st
            .pins
            .get(cid)
            .map(|p| p.overrides.clone())
            .unwrap_or_default(),
        pin_update: None,
    };
    Ok(store(st, rec, None))
}

/// `pin-update=FROM` (cluster.go `PinUpdate`): FROM's pin under the new CID,
/// FROM kept; a name given replaces FROM's, nothing else does.
fn commit_update(
    st: &mut SimState,
    cid: &str,
    from: &str,
    opts: &QueryPinOptions,
) -> Result<Pin, Fail> {
    let Some(existing) = st.pins.get(from) else {
        return Err(Fail(
            axum::http::StatusCode::NOT_FOUND,
            "pin is not part of the pinset".into(),
        ));
    };
    let mut rec = existing.clone();
    rec.cid = cid.to_string();
    if !opts.name.is_empty() {
        rec.name = opts.name.clone();
    }
    if opts.expire_at > chrono::Utc::now().timestamp() {
        rec.expire_at = opts.expire_at;
    }
    rec.timestamp = chrono::Utc::now().timestamp();
    rec.started = Instant::now();
    rec.available = st.content_known(cid);
    rec.overrides = Vec::new();
    rec.pin_update = Some(from.to_string());
    Ok(store(st, rec, Some(from.to_string())))
}

fn internal(message: String) -> Fail {
    Fail(axum::http::StatusCode::INTERNAL_SERVER_ERROR, message)
}

/// Puts `rec` in the pinset: peers newly allocated start pinning now, the
/// space the copies take moves from the old holders to the new ones.
fn store(st: &mut SimState, mut rec: PinRec, update_from: Option<String>) -> Pin {
    let now = chrono::Utc::now();
    if let Some(old) = st.pins.get(&rec.cid) {
        let changed = !old.allocations.is_empty() && {
            let (mut a, mut b) = (old.allocations.clone(), rec.allocations.clone());
            a.sort_unstable();
            b.sort_unstable();
            a != b
        };
        if changed {
            requeue_moved(st, old, &mut rec);
        }
        let old = old.clone();
        st.account(&old, -1);
    }
    st.account(&rec, 1);
    let echo = echo(st, &rec, update_from, now);
    st.unpinning.remove(&rec.cid);
    st.pins.insert(rec.cid.clone(), rec);
    echo
}

/// 1.1.6 re-queues the pin on every allocated peer when the allocations
/// change: peers that had it show `pinning` again for a moment while kubo
/// keeps their pin; new peers start.
fn requeue_moved(st: &SimState, old: &PinRec, rec: &mut PinRec) {
    let now = Instant::now();
    let held: Vec<(u16, bool)> = rec
        .allocations
        .iter()
        .map(|p| {
            let had = old.allocations.contains(p) && st.holds(old, *p, now);
            (*p, had)
        })
        .collect();
    // A peer that holds it pins again at once (kubo has the blocks).
    let t = st.timings;
    let quick = now
        .checked_sub((t.queue + t.pin).saturating_sub(std::time::Duration::from_millis(100)))
        .unwrap_or(now);
    for (p, had) in held {
        let o = rec.override_mut(p);
        o.restarted = Some(if had { quick } else { now });
        o.held = had;
        if !had {
            o.error = None;
        }
    }
}

/// What a pin answers: the in-memory object, not a state read-back. An
/// update echoes the stored pin it copied (null metadata when empty).
fn echo(
    st: &SimState,
    rec: &PinRec,
    update_from: Option<String>,
    now: chrono::DateTime<chrono::Utc>,
) -> Pin {
    let mut echo = st.pin_json(rec);
    echo.metadata = if update_from.is_some() && rec.metadata.is_empty() {
        Map::null()
    } else {
        Map::from(rec.metadata.clone())
    };
    echo.origins = if update_from.is_some() {
        List::empty()
    } else {
        List::null()
    };
    echo.user_allocations = List::null();
    echo.pin_update = update_from;
    echo.timestamp = GoTime(now.with_timezone(&st.tz));
    echo
}
