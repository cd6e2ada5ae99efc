//! `/pins/recover` and `/pins/{cid}/recover`: the peers in error re-queued.

use std::collections::HashMap;
use std::time::Instant;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use tokio::sync::mpsc;

use super::{local_flag, CidPath};
use crate::sim::state::{PinRec, SimState};
use crate::sim::stream::{respond, Out};
use crate::sim::{json_error, json_ok, Ctx};

pub(super) async fn bad_recover_cid() -> Response {
    json_error(
        StatusCode::BAD_REQUEST,
        "error decoding Cid: invalid cid: selected encoding not supported",
    )
}

/// Re-queues every peer of `rec` in an error state; true if any was.
fn requeue(st: &SimState, rec: &mut PinRec, local: bool, now: Instant) -> bool {
    let mut any = false;
    for i in 0..st.peers.len() as u16 {
        if local && i != 0 {
            continue;
        }
        let s = st.peer_status(rec, i, now).status;
        if s.is_recoverable() {
            let o = rec.override_mut(i);
            o.error = None;
            o.attempts += 1;
            o.restarted = Some(now);
            any = true;
        }
    }
    if any {
        rec.available = st.content_known(&rec.cid) || rec.available;
    }
    any
}

pub(super) async fn recover_one(
    State(ctx): State<Ctx>,
    CidPath(cid): CidPath,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let local = local_flag(&q);
    let mut st = ctx.state.write();
    let now = Instant::now();
    if let Some(mut rec) = st.pins.remove(&cid) {
        requeue(&st, &mut rec, local, now);
        st.pins.insert(cid.clone(), rec);
    }
    let gi = st.status_of(&cid, local, now);
    json_ok(&gi)
}

pub(super) async fn recover_all(
    State(ctx): State<Ctx>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let local = local_flag(&q);
    let lines: Vec<Vec<u8>> = {
        let mut st = ctx.state.write();
        let now = Instant::now();
        let keys: Vec<String> = st.pins.keys().cloned().collect();
        let mut out = Vec::new();
        for k in keys {
            if let Some(mut rec) = st.pins.remove(&k) {
                let requeued = requeue(&st, &mut rec, local, now);
                st.pins.insert(k.clone(), rec);
                if requeued {
                    out.push(crate::cluster::gojson::encode(
                        &st.status_of(&k, local, now),
                    ));
                }
            }
        }
        out
    };
    let (tx, rx) = mpsc::channel(64);
    tokio::spawn(async move {
        for l in lines {
            if tx.send(Out::Line(l)).await.is_err() {
                break;
            }
        }
    });
    respond(rx, ctx.faults()).await
}
