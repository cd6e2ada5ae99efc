//! The REST API routes (`api/rest/restapi.go`) and the middleware chain of
//! `api/common/api.go`: auth, CORS `Vary`, trailing-slash 307, then routing.

use std::collections::HashMap;
use std::time::Instant;

use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use base64::Engine;
use tokio::sync::mpsc;

use super::pin::{commit_pin, pin_options, QueryPinOptions};
use super::state::{PinRec, SimState, Unpinning, NOT_IN_PINSET};
use super::stream::{respond, send_line, Out};
use super::{json_error, json_ok, Ctx, Fail};
use crate::cluster::types::{parse_status_filter, Metric, Version};

const REALM: &str = "Restricted IPFS Cluster API";

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

/// Latency and error faults, auth, `Vary: Origin`, trailing-slash redirect.
async fn gate(State(ctx): State<Ctx>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    let faults = ctx.faults();
    if let Some(d) = faults.latency_for(&path) {
        tokio::time::sleep(d).await;
    }
    let mut resp = if let Some(r) = authenticate(&ctx, &req) {
        r
    } else if path.len() > 1 && path.ends_with('/') {
        let mut loc = path[..path.len() - 1].to_string();
        if let Some(q) = req.uri().query() {
            loc.push('?');
            loc.push_str(q);
        }
        let body = if req.method() == Method::GET || req.method() == Method::HEAD {
            format!("<a href=\"{loc}\">Temporary Redirect</a>.\n\n")
        } else {
            String::new()
        };
        let mut r = (StatusCode::TEMPORARY_REDIRECT, body).into_response();
        if let Ok(v) = HeaderValue::from_str(&loc) {
            r.headers_mut().insert("location", v);
        }
        r.headers_mut().insert(
            "content-type",
            HeaderValue::from_static("text/html; charset=utf-8"),
        );
        r
    } else if let Some(e) = faults
        .error_for(&path)
        .filter(|_| !path.starts_with("/_sim"))
    {
        json_error(
            StatusCode::from_u16(e.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            &e.message,
        )
    } else {
        next.run(req).await
    };
    resp.headers_mut()
        .append("vary", HeaderValue::from_static("Origin"));
    resp
}

fn unauthorized(message: &str, challenges: &[String]) -> Response {
    let mut r = json_error(StatusCode::UNAUTHORIZED, message);
    for c in challenges {
        if let Ok(v) = HeaderValue::from_str(c) {
            r.headers_mut().append("www-authenticate", v);
        }
    }
    r
}

/// Returns a 401 response when the request may not pass.
fn authenticate(ctx: &Ctx, req: &Request) -> Option<Response> {
    let creds = ctx.state.read().basic_auth.clone()?;
    let path = req.uri().path();
    if req.method() == Method::OPTIONS
        || (req.method() == Method::GET && path == "/health")
        || path.starts_with("/_sim/")
    {
        return None;
    }
    let basic = format!("Basic realm=\"{REALM}\"");
    let header = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if header.is_empty() {
        return Some(unauthorized(
            "unauthorized: no auth provided",
            &[format!("Bearer realm=\"{REALM}\""), basic],
        ));
    }
    if header.len() > 7 && header[..7].eq_ignore_ascii_case("bearer ") {
        let ok = super::jwt::verify(&header[7..], |user| {
            (user == creds.0).then(|| creds.1.clone())
        });
        return (!ok).then(|| {
            unauthorized(
                "unauthorized: invalid token",
                &[format!("Bearer realm=\"{REALM}\", error=\"invalid_token\"")],
            )
        });
    }
    let ok = header
        .strip_prefix("Basic ")
        .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| {
            s.split_once(':')
                .map(|(u, p)| (u.to_string(), p.to_string()))
        })
        .is_some_and(|(u, p)| u == creds.0 && !p.is_empty() && p == creds.1);
    (!ok).then(|| unauthorized("unauthorized: access denied", &[basic]))
}

async fn id(State(ctx): State<Ctx>) -> Response {
    let st = ctx.state.read();
    json_ok(&st.peer_id_json(0))
}

async fn version() -> Response {
    json_ok(&Version {
        version: super::state::CLUSTER_VERSION.into(),
    })
}

async fn health() -> Response {
    StatusCode::NO_CONTENT.into_response()
}

async fn token(State(ctx): State<Ctx>, req: Request) -> Response {
    let Some((user, pass)) = ctx.state.read().basic_auth.clone() else {
        return json_error(StatusCode::UNAUTHORIZED, "unauthorized");
    };
    let _ = req;
    json_ok(&crate::cluster::types::Token {
        token: super::jwt::sign(&user, &pass),
    })
}

async fn peers(State(ctx): State<Ctx>) -> Response {
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

/// The daemon's state-key order: CIDs by their bytes, so every CIDv1
/// (`b…`, first byte 0x01) comes before every CIDv0 (`Qm…`, 0x12); within
/// each, the string order is the byte order. Resumes after `after`.
fn state_key_order<'a>(
    pins: &'a std::collections::BTreeMap<String, PinRec>,
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

async fn allocations(State(ctx): State<Ctx>, Query(q): Query<HashMap<String, String>>) -> Response {
    let filter = q.get("filter").map(String::as_str).unwrap_or("");
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
    if !any_valid {
        return json_error(StatusCode::BAD_REQUEST, "invalid filter value");
    }
    // A few batches in flight: memory stays bounded and the producer yields
    // to the connection instead of rendering the whole pinset up front.
    let (tx, rx) = mpsc::channel(4);
    if want_pin {
        let state = ctx.state.clone();
        tokio::spawn(async move {
            // Walk the pinset in key order, a batch at a time, so the lock is
            // never held across a send and a million pins stream steadily.
            let mut after: Option<String> = None;
            loop {
                let batch = {
                    let st = state.read();
                    let range = state_key_order(&st.pins, after.as_ref());
                    let mut buf = Vec::with_capacity(2048 * 600);
                    let mut ends = Vec::with_capacity(2048);
                    let mut last = None;
                    let ids = st.quoted_peer_ids();
                    for (k, rec) in range.take(2048) {
                        st.write_pin_line(rec, &ids, &mut buf);
                        ends.push(buf.len());
                        last = Some(k);
                    }
                    after = last.cloned();
                    (buf, ends)
                };
                if batch.1.is_empty() {
                    break;
                }
                if tx
                    .send(Out::Lines {
                        buf: batch.0,
                        ends: batch.1,
                    })
                    .await
                    .is_err()
                {
                    return;
                }
            }
        });
    }
    respond(rx, ctx.faults()).await
}

async fn allocation(State(ctx): State<Ctx>, CidPath(cid): CidPath) -> Response {
    let st = ctx.state.read();
    match st.pins.get(&cid) {
        Some(rec) => json_ok(&st.pin_json(rec)),
        None => json_error(StatusCode::NOT_FOUND, NOT_IN_PINSET),
    }
}

fn local_flag(q: &HashMap<String, String>) -> bool {
    // Only the literal "true" counts, as in the daemon.
    q.get("local").map(String::as_str) == Some("true")
}

async fn pins(State(ctx): State<Ctx>, Query(q): Query<HashMap<String, String>>) -> Response {
    let local = local_flag(&q);
    let (tx, rx) = mpsc::channel(1024);
    let cids: Vec<String> = q
        .get("cids")
        .map(|c| {
            c.split(',')
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .map(String::from)
                .collect()
        })
        .unwrap_or_default();
    let state = ctx.state.clone();
    if !cids.is_empty() {
        tokio::spawn(async move {
            for c in cids {
                let out = match crate::unixfs::parse_cid(&c) {
                    Ok(parsed) => {
                        let gi = state
                            .read()
                            .status_of(&parsed.to_string(), local, Instant::now());
                        Out::Line(crate::cluster::gojson::encode(&gi))
                    }
                    Err(e) => Out::Error(format!("error decoding Cid: {e}")),
                };
                if tx.send(out).await.is_err() {
                    return;
                }
            }
        });
        return respond(rx, ctx.faults()).await;
    }
    let filter = match q.get("filter").map(String::as_str).unwrap_or("") {
        "" => 0,
        f => match parse_status_filter(f) {
            Some(bits) => bits,
            None => return json_error(StatusCode::BAD_REQUEST, "invalid filter value"),
        },
    };
    tokio::spawn(async move {
        // The daemon emits in Go map order; we start at a random key of the
        // pinset and wrap around: unordered enough that a client relying on
        // order notices, while still streaming in batches under a short lock.
        use std::ops::Bound::{Excluded, Included, Unbounded};
        let pivot: Option<String> = {
            let st = state.read();
            let n = st.pins.len();
            if n == 0 {
                return;
            }
            st.pins.keys().nth(rand::random::<usize>() % n).cloned()
        };
        let Some(pivot) = pivot else { return };
        for phase in 0..2 {
            let mut lo = if phase == 0 {
                Included(pivot.clone())
            } else {
                Unbounded
            };
            let hi = if phase == 0 {
                Unbounded
            } else {
                Excluded(pivot.clone())
            };
            loop {
                let (lines, last) = {
                    let st = state.read();
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
                            lines.push(crate::cluster::gojson::encode(&gi));
                        }
                    }
                    (lines, last)
                };
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
    });
    respond(rx, ctx.faults()).await
}

async fn pin_status(
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

fn query_pairs(req_query: Option<&str>) -> Vec<(String, String)> {
    url::form_urlencoded::parse(req_query.unwrap_or("").as_bytes())
        .into_owned()
        .collect()
}

async fn pin_cid(State(ctx): State<Ctx>, CidPath(cid): CidPath, req: Request) -> Response {
    let mut opts = match pin_options(&query_pairs(req.uri().query())) {
        Ok(o) => o,
        Err(r) => return r.into_response(),
    };
    // Quirk: this route forces max_depth -1, so mode=direct is stored recursive.
    opts.direct = false;
    do_pin(&ctx, &cid, &opts)
}

fn do_pin(ctx: &Ctx, cid: &str, opts: &QueryPinOptions) -> Response {
    let mut st = ctx.state.write();
    let pinned = commit_pin(&mut st, cid, opts, false);
    if let Some(bad) = &opts.update_error {
        // 1.1.6 writes the 400, then pins anyway and writes the pin after it.
        let mut body = crate::cluster::gojson::encode(&crate::cluster::types::ApiError {
            code: 400,
            message: bad.clone(),
        });
        body.push(b'\n');
        if let Ok(pin) = &pinned {
            body.extend_from_slice(&crate::cluster::gojson::encode(pin));
            body.push(b'\n');
        }
        let mut r = (StatusCode::BAD_REQUEST, body).into_response();
        r.headers_mut().insert(
            "content-type",
            axum::http::HeaderValue::from_static("application/json"),
        );
        return r;
    }
    match pinned {
        Ok(pin) => json_ok(&pin),
        Err(f) => f.into_response(),
    }
}

fn path_cid(ns: &str, path: &str) -> Result<String, Fail> {
    if ns != "ipfs" && ns != "ipld" {
        return Err(Fail::bad_request(format!(
            "error parsing path: path /{ns}/{path} cannot be resolved by the simulator"
        )));
    }
    let first = path.split('/').next().unwrap_or("");
    crate::unixfs::parse_cid(first)
        .map(|c| c.to_string())
        .map_err(|e| Fail::bad_request(format!("error parsing path: invalid cid: {e}")))
}

async fn pin_path(
    State(ctx): State<Ctx>,
    Path((ns, path)): Path<(String, String)>,
    req: Request,
) -> Response {
    let cid = match path_cid(&ns, &path) {
        Ok(c) => c,
        Err(r) => return r.into_response(),
    };
    match pin_options(&query_pairs(req.uri().query())) {
        Ok(opts) => do_pin(&ctx, &cid, &opts),
        Err(r) => r.into_response(),
    }
}

async fn unpin_path(State(ctx): State<Ctx>, Path((ns, path)): Path<(String, String)>) -> Response {
    match path_cid(&ns, &path) {
        Ok(cid) => do_unpin(&ctx, &cid),
        Err(r) => r.into_response(),
    }
}

async fn unpin_cid(State(ctx): State<Ctx>, CidPath(cid): CidPath) -> Response {
    do_unpin(&ctx, &cid)
}

fn do_unpin(ctx: &Ctx, cid: &str) -> Response {
    let mut st = ctx.state.write();
    let Some(rec) = st.pins.remove(cid) else {
        return json_error(StatusCode::NOT_FOUND, NOT_IN_PINSET);
    };
    st.account(&rec, -1);
    st.left_behind(&rec);
    let pin = st.pin_json(&rec);
    st.unpinning.insert(
        cid.to_string(),
        Unpinning {
            rec,
            since: Instant::now(),
        },
    );
    json_ok(&pin)
}

async fn bad_recover_cid() -> Response {
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

async fn recover_one(
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

async fn recover_all(State(ctx): State<Ctx>, Query(q): Query<HashMap<String, String>>) -> Response {
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

async fn metric_names() -> Response {
    // What a 1.1.6 peer with the default informers knows (Go map order; sorted here).
    json_ok(&["freespace", "ping", "pinqueue", "tag:group"])
}

async fn metrics(State(ctx): State<Ctx>, Path(name): Path<String>) -> Response {
    let st = ctx.state.read();
    let now_ns = chrono::Utc::now().timestamp_nanos_opt().unwrap_or(0);
    let mut out: Vec<Metric> = Vec::new();
    // A peer just stopped keeps its last metrics until they expire (as
    // long as crdt still lists it with its dial error), as on 1.1.6.
    let grace = st.timings.peer_grace;
    let reports = |p: &&crate::sim::state::SimPeer| match (&p.offline, p.offline_since) {
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

async fn alerts(State(ctx): State<Ctx>) -> Response {
    let st = ctx.state.read();
    let mut a = st.alerts.clone();
    a.reverse();
    json_ok(&a)
}

async fn get_faults(State(ctx): State<Ctx>) -> Response {
    json_ok(&ctx.faults())
}

async fn put_faults(State(ctx): State<Ctx>, body: axum::body::Bytes) -> Response {
    match serde_json::from_slice::<super::faults::Faults>(&body) {
        Ok(f) => {
            ctx.set_faults(f.clone());
            json_ok(&f)
        }
        Err(e) => json_error(StatusCode::BAD_REQUEST, &format!("bad faults: {e}")),
    }
}

async fn ipfs_down(State(ctx): State<Ctx>, Path(peer): Path<String>) -> Response {
    set_ipfs(&ctx, &peer, true)
}

async fn ipfs_up(State(ctx): State<Ctx>, Path(peer): Path<String>) -> Response {
    set_ipfs(&ctx, &peer, false)
}

/// What a peer's kubo announces besides its tailnet address (a JSON list
/// of multiaddrs): a member that breaks the archive's privacy.
async fn announces(
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

async fn peer_offline(State(ctx): State<Ctx>, Path(peer): Path<String>, body: String) -> Response {
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

async fn peer_online(State(ctx): State<Ctx>, Path(peer): Path<String>) -> Response {
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

async fn inject_error(
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
async fn kubo_pin(State(ctx): State<Ctx>, Path((peer, cid)): Path<(String, String)>) -> Response {
    if ctx.kubo_pin(&peer, &cid) {
        StatusCode::NO_CONTENT.into_response()
    } else {
        json_error(StatusCode::NOT_FOUND, "no such peer")
    }
}
