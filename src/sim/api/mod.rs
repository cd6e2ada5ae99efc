//! The REST API routes (`api/rest/restapi.go`) and the middleware chain of
//! `api/common/api.go`: auth, CORS `Vary`, trailing-slash 307, then routing.
//! The handlers live by route family: peers, allocations, status, pinning,
//! recover, monitor, and the simulator's own `/_sim` controls.

mod allocations;
mod auth;
mod control;
mod gate;
mod monitor;
mod peers;
mod pinning;
mod recover;
mod status;

use std::collections::HashMap;

use axum::extract::Path;
use axum::http::StatusCode;
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;

use super::{json_error, Ctx, Fail};
use allocations::{allocation, allocations};
use auth::token;
use control::{
    announces, get_faults, inject_error, ipfs_down, ipfs_up, kubo_pin, peer_offline, peer_online,
    put_faults,
};
use gate::gate;
use monitor::{alerts, health, metric_names, metrics};
use peers::{id, peers, version};
use pinning::{pin_cid, pin_path, unpin_cid, unpin_path};
use recover::{bad_recover_cid, recover_all, recover_one};
use status::{pin_status, pins};

pub fn router(ctx: Ctx) -> Router {
    Router::new()
        .route("/id", get(id))
        .route("/version", get(version))
        .route("/peers", get(peers))
        .route("/allocations", get(allocations))
        .route("/allocations/{cid}", get(allocation))
        .route("/pins", get(pins))
        // Registered before /pins/{cid} in the daemon; other methods on this
        // path fall through to the {cid} routes there and fail to parse.
        .route(
            "/pins/recover",
            post(recover_all)
                .get(bad_recover_cid)
                .delete(bad_recover_cid),
        )
        .route(
            "/pins/{cid}",
            get(pin_status).post(pin_cid).delete(unpin_cid),
        )
        .route("/pins/{cid}/recover", post(recover_one))
        .route("/pins/{ns}/{*path}", post(pin_path).delete(unpin_path))
        .route("/add", post(super::add::add))
        .route("/monitor/metrics", get(metric_names))
        .route("/monitor/metrics/{name}", get(metrics))
        .route("/ipfs/gc", post(super::store::repo_gc))
        .route("/health/alerts", get(alerts))
        .route("/health", get(health))
        .route("/token", post(token))
        .route("/_sim/faults", get(get_faults).put(put_faults))
        .route("/_sim/peers/{peer}/offline", post(peer_offline))
        .route("/_sim/peers/{peer}/online", post(peer_online))
        .route("/_sim/peers/{peer}/ipfs-down", post(ipfs_down))
        .route("/_sim/peers/{peer}/ipfs-up", post(ipfs_up))
        .route(
            "/_sim/peers/{peer}/announces",
            axum::routing::put(announces),
        )
        .route("/_sim/pins/{cid}/error", post(inject_error))
        .route("/_sim/peers/{peer}/kubo-pins/{cid}", post(kubo_pin))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(ctx.clone(), gate))
        .with_state(ctx)
}

async fn not_found() -> Response {
    json_error(StatusCode::NOT_FOUND, "not found")
}

/// gorilla/mux answers a known path with the wrong method with an empty 405.
/// The daemon's router has no method-not-allowed handler: a known path with
/// another method is just not found.
async fn method_not_allowed() -> Response {
    json_error(StatusCode::NOT_FOUND, "not found")
}

/// A `{cid}` path segment, parsed as go-cid does; a bad one is the daemon's 400.
struct CidPath(String);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for CidPath {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, Response> {
        let Path(raw) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        parse_cid(&raw)
            .map(CidPath)
            .map_err(IntoResponse::into_response)
    }
}

fn parse_cid(s: &str) -> Result<String, Fail> {
    crate::unixfs::parse_cid(s)
        .map(|c| c.to_string())
        .map_err(|e| Fail::bad_request(format!("error decoding Cid: {e}")))
}

fn local_flag(q: &HashMap<String, String>) -> bool {
    // Only the literal "true" counts, as in the daemon.
    q.get("local").map(String::as_str) == Some("true")
}
