//! `/health`, `/health/alerts` and `/monitor/metrics`: what the peers'
//! informers report.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::cluster::types::Metric;
use crate::sim::state::SimPeer;
use crate::sim::{json_ok, Ctx};

pub(super) async fn health() -> Response {
    StatusCode::NO_CONTENT.into_response()
}

pub(super) async fn metric_names() -> Response {
    // What a 1.1.6 peer with the default informers knows (Go map order; sorted here).
    json_ok(&["freespace", "ping", "pinqueue", "tag:group"])
}

pub(super) async fn metrics(State(ctx): State<Ctx>, Path(name): Path<String>) -> Response {
    let st = ctx.state.read();
    let now_ns = chrono::Utc::now().timestamp_nanos_opt().unwrap_or(0);
    let mut out: Vec<Metric> = Vec::new();
    // A peer just stopped keeps its last metrics until they expire (as
    // long as crdt still lists it with its dial error), as on 1.1.6.
    let grace = st.timings.peer_grace;
    let reports = |p: &&SimPeer| match (&p.offline, p.offline_since) {
        (None, _) => true,
        (Some(_), Some(t)) => t.elapsed() < grace,
        (Some(_), None) => false,
    };
    for p in st.peers.iter().filter(reports) {
        let (value, weight) = match name.as_str() {
            "freespace" => (p.free_now().to_string(), p.free_now() as i64),
            "ping" => (
                serde_json::json!({
                    "peer_name": p.name,
                    "ipfs_id": p.ipfs_id,
                    "ipfs_addresses": p.ipfs_addresses(),
                })
                .to_string(),
                0,
            ),
            _ => continue,
        };
        out.push(Metric {
            name: name.clone(),
            peer: p.id.clone(),
            value,
            expire: now_ns + 30_000_000_000,
            valid: true,
            weight,
            partitionable: false,
            received_at: now_ns,
        });
    }
    out.sort_by(|a, b| a.peer.cmp(&b.peer));
    json_ok(&out)
}

pub(super) async fn alerts(State(ctx): State<Ctx>) -> Response {
    let st = ctx.state.read();
    let mut a = st.alerts.clone();
    a.reverse();
    json_ok(&a)
}
