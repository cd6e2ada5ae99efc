//! The one call of a peer's kubo RPC API a test needs: `pin/ls` of an item,
//! what that peer's IPFS daemon really holds, whatever the cluster reports
//! meanwhile. The real kubo serves it on its RPC port (5001); the simulator
//! on the peer's gateway port.

use std::time::Instant;

use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use super::Ctx;

#[derive(serde::Deserialize)]
pub(super) struct PinLs {
    arg: String,
}

/// `POST /api/v0/pin/ls?arg=CID`, answered as kubo 0.42 answers it.
pub(super) async fn pin_ls(
    State(ctx): State<Ctx>,
    axum::Extension(peer): axum::Extension<Option<String>>,
    Query(q): Query<PinLs>,
) -> Response {
    let st = ctx.state.read();
    let idx = peer.as_deref().and_then(|p| st.peer_by_name_or_id(p));
    let held = match (idx, st.pins.get(&q.arg)) {
        (Some(i), Some(rec)) => st.holds(rec, i, Instant::now()),
        _ => false,
    };
    let (status, body) = if held {
        (
            StatusCode::OK,
            serde_json::json!({"Keys": {q.arg.clone(): {"Type": "recursive", "Name": ""}}}),
        )
    } else {
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            serde_json::json!({"Message": format!("path '{}' is not pinned", q.arg), "Code": 0, "Type": "error"}),
        )
    };
    let mut r = (status, format!("{body}\n")).into_response();
    r.headers_mut()
        .insert("content-type", HeaderValue::from_static("application/json"));
    r
}
