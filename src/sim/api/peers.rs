//! `/id`, `/version` and `/peers`: who the cluster's members are.

use axum::extract::State;
use axum::response::Response;
use tokio::sync::mpsc;

use crate::cluster::types::Version;
use crate::sim::state::CLUSTER_VERSION;
use crate::sim::stream::{respond, send_line};
use crate::sim::{json_ok, Ctx};

pub(super) async fn id(State(ctx): State<Ctx>) -> Response {
    let st = ctx.state.read();
    json_ok(&st.peer_id_json(0))
}

pub(super) async fn version() -> Response {
    json_ok(&Version {
        version: CLUSTER_VERSION.into(),
    })
}

pub(super) async fn peers(State(ctx): State<Ctx>) -> Response {
    let (tx, rx) = mpsc::channel(64);
    let lines: Vec<_> = {
        let st = ctx.state.read();
        (0..st.peers.len())
            .filter(|i| !st.gone(*i))
            .map(|i| st.peer_id_json(i))
            .collect()
    };
    tokio::spawn(async move {
        for p in lines {
            if !send_line(&tx, &p).await {
                break;
            }
        }
    });
    respond(rx, ctx.faults()).await
}
