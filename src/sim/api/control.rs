//! The simulator's own controls (`/_sim/…`): faults, peers stopped and
//! restarted, pin errors and pins outside the cluster, for the tests.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::sim::faults::Faults;
use crate::sim::{json_error, json_ok, Ctx};

pub(super) async fn get_faults(State(ctx): State<Ctx>) -> Response {
    json_ok(&ctx.faults())
}

pub(super) async fn put_faults(State(ctx): State<Ctx>, body: axum::body::Bytes) -> Response {
    match serde_json::from_slice::<Faults>(&body) {
        Ok(f) => {
            ctx.set_faults(f.clone());
            json_ok(&f)
        }
        Err(e) => json_error(StatusCode::BAD_REQUEST, &format!("bad faults: {e}")),
    }
}

pub(super) async fn ipfs_down(State(ctx): State<Ctx>, Path(peer): Path<String>) -> Response {
    set_ipfs(&ctx, &peer, true)
}

pub(super) async fn ipfs_up(State(ctx): State<Ctx>, Path(peer): Path<String>) -> Response {
    set_ipfs(&ctx, &peer, false)
}

/// What a peer's kubo announces besides its tailnet address (a JSON list
/// of multiaddrs): a member that breaks the archive's privacy.
pub(super) async fn announces(
    State(ctx): State<Ctx>,
    Path(peer): Path<String>,
    body: bytes::Bytes,
) -> Response {
    let Ok(addrs) = serde_json::from_slice::<Vec<String>>(&body) else {
        return json_error(StatusCode::BAD_REQUEST, "a JSON list of multiaddrs");
    };
    if ctx.set_announces(&peer, addrs) {
        StatusCode::NO_CONTENT.into_response()
    } else {
        json_error(StatusCode::NOT_FOUND, "no such peer")
    }
}

fn set_ipfs(ctx: &Ctx, peer: &str, down: bool) -> Response {
    if ctx.set_ipfs_down(peer, down) {
        StatusCode::NO_CONTENT.into_response()
    } else {
        json_error(StatusCode::NOT_FOUND, "no such peer")
    }
}

pub(super) async fn peer_offline(
    State(ctx): State<Ctx>,
    Path(peer): Path<String>,
    body: String,
) -> Response {
    let msg = if body.trim().is_empty() {
        "context deadline exceeded".to_string()
    } else {
        body.trim().to_string()
    };
    if ctx.set_peer_offline(&peer, Some(msg)) {
        StatusCode::NO_CONTENT.into_response()
    } else {
        json_error(StatusCode::NOT_FOUND, "no such peer")
    }
}

pub(super) async fn peer_online(State(ctx): State<Ctx>, Path(peer): Path<String>) -> Response {
    if ctx.set_peer_offline(&peer, None) {
        StatusCode::NO_CONTENT.into_response()
    } else {
        json_error(StatusCode::NOT_FOUND, "no such peer")
    }
}

#[derive(serde::Deserialize)]
struct InjectError {
    peer: String,
    #[serde(default)]
    message: Option<String>,
}

pub(super) async fn inject_error(
    State(ctx): State<Ctx>,
    Path(cid): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    let Ok(req) = serde_json::from_slice::<InjectError>(&body) else {
        return json_error(
            StatusCode::BAD_REQUEST,
            "body must be {\"peer\":…,\"message\":…}",
        );
    };
    let msg = req
        .message
        .unwrap_or_else(|| "context deadline exceeded".into());
    if ctx.inject_pin_error(&cid, &req.peer, &msg) {
        StatusCode::NO_CONTENT.into_response()
    } else {
        json_error(StatusCode::NOT_FOUND, "no such pin or peer")
    }
}

/// `ipfs pin add` on one peer's kubo, outside the cluster.
pub(super) async fn kubo_pin(
    State(ctx): State<Ctx>,
    Path((peer, cid)): Path<(String, String)>,
) -> Response {
    if ctx.kubo_pin(&peer, &cid) {
        StatusCode::NO_CONTENT.into_response()
    } else {
        json_error(StatusCode::NOT_FOUND, "no such peer")
    }
}
