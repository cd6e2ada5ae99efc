//! `/pins` and `/pins/{cid}`: each item's status on every peer.

use std::collections::HashMap;
use std::ops::Bound::{self, Excluded, Included, Unbounded};
use std::time::Instant;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use tokio::sync::mpsc;

use super::{local_flag, CidPath};
use crate::cluster::gojson::encode;
use crate::cluster::types::parse_status_filter;
use crate::sim::state::{Shared, SimState};
use crate::sim::stream::{respond, Out};
use crate::sim::{json_error, json_ok, Ctx};

pub(super) async fn pins(
    State(ctx): State<Ctx>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let local = local_flag(&q);
    let (tx, rx) = mpsc::channel(1024);
    let cids = asked_cids(&q);
    let state = ctx.state.clone();
    if !cids.is_empty() {
        tokio::spawn(send_statuses_of(state, cids, local, tx));
        return respond(rx, ctx.faults()).await;
    }
    let filter = match q.get("filter").map(String::as_str).unwrap_or("") {
        "" => 0,
        f => match parse_status_filter(f) {
            Some(bits) => bits,
            None => return json_error(StatusCode::BAD_REQUEST, "invalid filter value"),
        },
    };
    tokio::spawn(send_pinset_statuses(state, filter, local, tx));
    respond(rx, ctx.faults()).await
}

/// `?cids=a,b,…`: the items asked for by name, in the order asked.
fn asked_cids(q: &HashMap<String, String>) -> Vec<String> {
    q.get("cids")
        .map(|c| {
            c.split(',')
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .map(String::from)
                .collect()
        })
        .unwrap_or_default()
}

/// The status of each item asked for, in or out of the pinset; a CID that
/// does not parse ends the stream with its error.
async fn send_statuses_of(state: Shared, cids: Vec<String>, local: bool, tx: mpsc::Sender<Out>) {
    for c in cids {
        let out = match crate::unixfs::parse_cid(&c) {
            Ok(parsed) => {
                let gi = state
                    .read()
                    .status_of(&parsed.to_string(), local, Instant::now());
                Out::Line(encode(&gi))
            }
            Err(e) => Out::Error(format!("error decoding Cid: {e}")),
        };
        if tx.send(out).await.is_err() {
            return;
        }
    }
}

/// Every item of the pinset the filter keeps. The daemon emits in Go map
/// order; this starts at a random key of the pinset and wraps around:
/// unordered enough that a client relying on order notices, while still
/// streaming in batches under a short lock.
async fn send_pinset_statuses(state: Shared, filter: u32, local: bool, tx: mpsc::Sender<Out>) {
    let pivot: Option<String> = {
        let st = state.read();
        let n = st.pins.len();
        if n == 0 {
            return;
        }
        st.pins.keys().nth(rand::random::<usize>() % n).cloned()
    };
    let Some(pivot) = pivot else { return };
    let halves = [
        (Included(pivot.clone()), Unbounded),
        (Unbounded, Excluded(pivot)),
    ];
    for (mut lo, hi) in halves {
        loop {
            let (lines, last) = status_batch(&state.read(), (&lo, &hi), filter, local);
            let Some(last) = last else { break };
            for line in lines {
                if tx.send(Out::Line(line)).await.is_err() {
                    return;
                }
            }
            lo = Excluded(last);
            // A filter that matches little never fills the channel: yield
            // so one expensive status query cannot starve other requests.
            tokio::task::yield_now().await;
        }
    }
}

/// The encoded statuses of up to 1024 items of `range` the filter keeps,
/// and the last key looked at (`None`: the range is done).
fn status_batch(
    st: &SimState,
    (lo, hi): (&Bound<String>, &Bound<String>),
    filter: u32,
    local: bool,
) -> (Vec<Vec<u8>>, Option<String>) {
    let now = Instant::now();
    let mut lines = Vec::new();
    let mut last = None;
    for (k, rec) in st
        .pins
        .range::<String, _>((lo.clone(), hi.clone()))
        .take(1024)
    {
        last = Some(k.clone());
        if let Some(gi) = st.global_info(rec, filter, local, now) {
            lines.push(encode(&gi));
        }
    }
    (lines, last)
}

pub(super) async fn pin_status(
    State(ctx): State<Ctx>,
    CidPath(cid): CidPath,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let gi = ctx
        .state
        .read()
        .status_of(&cid, local_flag(&q), Instant::now());
    json_ok(&gi)
}
