//! `/allocations`: the pinset itself, streamed in the daemon's state-key
//! order, and one item of it.

use std::collections::{BTreeMap, HashMap};

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use tokio::sync::mpsc;

use super::CidPath;
use crate::sim::state::{PinRec, Shared, SimState, NOT_IN_PINSET};
use crate::sim::stream::{respond, Out};
use crate::sim::{json_error, json_ok, Ctx};

/// The daemon's state-key order: CIDs by their bytes, so every CIDv1
/// (`b…`, first byte 0x01) comes before every CIDv0 (`Qm…`, 0x12); within
/// each, the string order is the byte order. Resumes after `after`.
fn state_key_order<'a>(
    pins: &'a BTreeMap<String, PinRec>,
    after: Option<&String>,
) -> Box<dyn Iterator<Item = (&'a String, &'a PinRec)> + 'a> {
    use std::ops::Bound::{Excluded, Included, Unbounded};
    let v1_start = "b".to_string();
    let v0 = pins.range::<String, _>((Unbounded, Excluded(v1_start.clone())));
    match after {
        None => Box::new(
            pins.range::<String, _>((Included(v1_start), Unbounded))
                .chain(v0),
        ),
        Some(k) if k.as_str() >= "b" => Box::new(
            pins.range::<String, _>((Excluded(k.clone()), Unbounded))
                .chain(v0),
        ),
        Some(k) => Box::new(pins.range::<String, _>((Excluded(k.clone()), Excluded(v1_start)))),
    }
}

pub(super) async fn allocations(
    State(ctx): State<Ctx>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let Some(want_pin) = wants_pins(q.get("filter").map(String::as_str).unwrap_or("")) else {
        return json_error(StatusCode::BAD_REQUEST, "invalid filter value");
    };
    // A few batches in flight: memory stays bounded and the producer yields
    // to the connection instead of rendering the whole pinset up front.
    let (tx, rx) = mpsc::channel(4);
    if want_pin {
        tokio::spawn(send_pinset(ctx.state.clone(), tx));
    }
    respond(rx, ctx.faults()).await
}

/// Whether `?filter=` asks for plain pins (the only kind the simulator
/// has); `None` when it names no kind the daemon knows.
fn wants_pins(filter: &str) -> Option<bool> {
    let mut want_pin = filter.is_empty();
    let mut any_valid = filter.is_empty();
    for f in filter.split(',').map(str::trim).filter(|f| !f.is_empty()) {
        match f {
            "pin" | "all" => {
                want_pin = true;
                any_valid = true;
            }
            "meta-pin" | "clusterdag-pin" | "shard-pin" => any_valid = true,
            _ => {}
        }
    }
    any_valid.then_some(want_pin)
}

/// Walks the pinset in key order, a batch at a time, so the lock is never
/// held across a send and a million pins stream steadily.
async fn send_pinset(state: Shared, tx: mpsc::Sender<Out>) {
    let mut after: Option<String> = None;
    loop {
        let (buf, ends, last) = pin_lines(&state.read(), after.as_ref());
        if ends.is_empty() {
            break;
        }
        after = last;
        if tx.send(Out::Lines { buf, ends }).await.is_err() {
            return;
        }
    }
}

/// Up to 2048 pins after `after`, encoded: the lines, where each ends, and
/// the last key.
fn pin_lines(st: &SimState, after: Option<&String>) -> (Vec<u8>, Vec<usize>, Option<String>) {
    let mut buf = Vec::with_capacity(2048 * 600);
    let mut ends = Vec::with_capacity(2048);
    let mut last = None;
    let ids = st.quoted_peer_ids();
    for (k, rec) in state_key_order(&st.pins, after).take(2048) {
        st.write_pin_line(rec, &ids, &mut buf);
        ends.push(buf.len());
        last = Some(k);
    }
    (buf, ends, last.cloned())
}

pub(super) async fn allocation(State(ctx): State<Ctx>, CidPath(cid): CidPath) -> Response {
    let st = ctx.state.read();
    match st.pins.get(&cid) {
        Some(rec) => json_ok(&st.pin_json(rec)),
        None => json_error(StatusCode::NOT_FOUND, NOT_IN_PINSET),
    }
}
