//! A kubo-style path gateway (`/ipfs/{cid}[/path]`) over the simulator's blocks:
//! files with Range support, folder redirects and listings, `?format=tar`.

mod blocks;
mod car;
mod file;
mod folder;
mod reply;
mod ustar;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use axum::extract::Path;
use axum::extract::Query;
use axum::extract::Request;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::http::HeaderValue;
use axum::http::Method;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use cid::Cid;

use crate::sim::faults::{Faults, PeerGatewayFault};
use crate::sim::Ctx;
use blocks::{decode, Node};
use car::{car_dups, serve_car, serve_car_dups};
use file::{serve_file, serve_raw};
use folder::{serve_folder, Folder};
use reply::Refusal;
use ustar::serve_tar;

pub fn router(ctx: Ctx) -> Router {
    router_for(ctx, None)
}

/// Which peer a gateway belongs to (`None`: the cluster's shared one).
#[derive(Debug, Clone)]
struct PeerGateway(Option<String>);

/// A gateway as one peer's kubo serves it: what that peer's faults say.
pub fn router_for(ctx: Ctx, peer: Option<String>) -> Router {
    let mut r = Router::new().route("/ipfs/{*path}", get(serve).head(serve));
    if peer.is_some() {
        r = r.route(
            "/api/v0/pin/ls",
            axum::routing::post(super::kubo_rpc::pin_ls),
        );
    }
    r.fallback(|| async { (StatusCode::NOT_FOUND, "404 page not found\n").into_response() })
        .layer(axum::Extension(peer.clone()))
        .layer(axum::Extension(PeerGateway(peer)))
        .with_state(ctx)
}

/// What the client asked for besides the plain path answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Plain,
    Tar,
    Raw,
    Car,
}

fn requested_format(q: &HashMap<String, String>, req: &Request) -> Format {
    match q.get("format").map(String::as_str) {
        Some("tar") => return Format::Tar,
        Some("raw") => return Format::Raw,
        Some("car") => return Format::Car,
        _ => {}
    }
    let accept = req
        .headers()
        .get("accept")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if accept.contains("application/vnd.ipld.raw") {
        Format::Raw
    } else if accept.contains("application/vnd.ipld.car") {
        Format::Car
    } else if accept.contains("application/x-tar") {
        Format::Tar
    } else {
        Format::Plain
    }
}

async fn serve(
    State(ctx): State<Ctx>,
    Path(path): Path<String>,
    Query(q): Query<HashMap<String, String>>,
    req: Request,
) -> Response {
    let mut faults = ctx.faults();
    if faults.gateway_stall {
        // A gateway that accepted the connection and will never answer.
        tokio::time::sleep(Duration::from_secs(3600)).await;
    }
    let peer = req
        .extensions()
        .get::<PeerGateway>()
        .and_then(|p| p.0.clone());
    if let Some(down) = peer.as_deref().and_then(|p| daemon_down(&ctx, p)) {
        return down.into_response();
    }
    let (root, rest) = match split_path(&path) {
        Ok(parsed) => parsed,
        Err(bad) => return bad.into_response(),
    };
    if let Err(refused) = check_copy(&ctx, peer.as_deref(), &root, &path, &req, &mut faults) {
        return refused.into_response();
    }
    let target = match resolve(&ctx, root, &rest, &path) {
        Ok(t) => t,
        Err(unresolved) => return unresolved.into_response(),
    };
    let ipfs_path = format!("/ipfs/{path}");
    let h = path_headers(&ipfs_path, &target.roots);
    let head = req.method() == Method::HEAD;
    let corrupt = faults.gateway_corrupt;
    match requested_format(&q, &req) {
        Format::Raw => serve_raw(&ctx, target.cid, h, head, corrupt),
        Format::Car if car_dups(&req) => serve_car_dups(ctx, target.cid, h, head, corrupt),
        Format::Car => serve_car(&ctx, target.cid, h, head),
        Format::Tar => serve_tar(ctx, target.cid, h, head),
        Format::Plain => match target.node {
            Node::Dir(entries) => {
                let folder = Folder {
                    cid: target.cid,
                    entries,
                    ipfs_path,
                };
                serve_folder(ctx, folder, &req, h, head, &faults)
            }
            Node::Symlink(to) => {
                let mut r = to.into_response();
                r.headers_mut().extend(h);
                r
            }
            Node::File => serve_file(ctx, target.cid, &target.name, &req, h, head, &faults),
        },
    }
}

/// A stopped kubo refuses connections; the closest an open listener can
/// come is failing every request.
fn daemon_down(ctx: &Ctx, peer: &str) -> Option<Refusal> {
    let down = ctx
        .state
        .read()
        .peers
        .iter()
        .any(|x| x.name == peer && (x.offline.is_some() || x.ipfs_down));
    down.then(|| Refusal::new(StatusCode::BAD_GATEWAY, format!("{peer}: IPFS daemon down")))
}

/// `{cid}[/seg…]`: the root and the path below it, or kubo's 400.
fn split_path(path: &str) -> Result<(Cid, Vec<String>), Refusal> {
    let mut segs = path.split('/').filter(|s| !s.is_empty());
    let Some(root_s) = segs.next() else {
        return Err(Refusal::new(
            StatusCode::BAD_REQUEST,
            "invalid path \"/ipfs/\"".into(),
        ));
    };
    let rest: Vec<String> = segs.map(String::from).collect();
    let Ok(root) = Cid::try_from(root_s) else {
        return Err(Refusal::new(
            StatusCode::BAD_REQUEST,
            format!("invalid path \"/ipfs/{path}\": invalid cid: selected encoding not supported"),
        ));
    };
    Ok((root, rest))
}

/// Whether a peer's kubo has the root to serve, before its own faults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Holding {
    /// In its store, or fetched from whoever still has it.
    Held,
    /// Not in its store, and not to be had (or asked only-if-cached).
    NotHeld,
    /// No block of it anywhere.
    Unknown,
}

/// Asked only for what it stores, a kubo answers from its own blockstore;
/// otherwise it fetches from whoever still has it, and keeps a copy.
fn lookup(ctx: &Ctx, peer: Option<&str>, root: &Cid, cached_only: bool) -> Holding {
    let now = Instant::now();
    let (at, absent, stored, reachable) = {
        let st = ctx.state.read();
        // The shared gateway is the kubo of the peer `/id` answers for.
        let at = peer.and_then(|p| st.peer_by_name_or_id(p)).unwrap_or(0);
        (
            at,
            !st.blocks.contains_key(&root.to_bytes()),
            st.stored_at(at, root, now),
            st.network_has(root, now),
        )
    };
    if absent {
        return if cached_only {
            Holding::NotHeld
        } else {
            Holding::Unknown
        };
    }
    if stored {
        return Holding::Held;
    }
    if cached_only || !reachable {
        return Holding::NotHeld;
    }
    ctx.state.write().fetched(at, root, now);
    Holding::Held
}

/// Whether this kubo can answer for `root` at all, as its store, the
/// network and its own faults say; a bad copy of its own turns on the
/// corrupt fault.
fn check_copy(
    ctx: &Ctx,
    peer: Option<&str>,
    root: &Cid,
    path: &str,
    req: &Request,
    faults: &mut Faults,
) -> Result<(), Refusal> {
    let cached_only = req
        .headers()
        .get("cache-control")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("only-if-cached"));
    let peer_fault = peer.and_then(|p| faults.peer_gateways.get(p).copied());
    match (lookup(ctx, peer, root, cached_only), peer_fault) {
        // Nobody ever had it: resolving the path says so.
        (Holding::Unknown, _) => {}
        (Holding::NotHeld, _) | (Holding::Held, Some(PeerGatewayFault::Missing)) => {
            return Err(not_held(path, cached_only))
        }
        (Holding::Held, Some(PeerGatewayFault::Corrupt)) => faults.gateway_corrupt = true,
        (Holding::Held, None) => {}
    }
    if ctx.state.read().unavailable.contains(&root.to_string()) {
        return Err(timed_out());
    }
    Ok(())
}

/// Not in this peer's store: kubo answers 412 to only-if-cached, and times
/// out looking for it otherwise.
fn not_held(path: &str, cached_only: bool) -> Refusal {
    if cached_only {
        Refusal::new(
            StatusCode::PRECONDITION_FAILED,
            format!("\"/ipfs/{path}\" not in local datastore"),
        )
    } else {
        timed_out()
    }
}

fn timed_out() -> Refusal {
    Refusal::new(
        StatusCode::GATEWAY_TIMEOUT,
        "Unable to retrieve content within timeout period".into(),
    )
}

/// Where a path leads: the node at its end, its name, the CIDs on the way.
struct Target {
    cid: Cid,
    name: String,
    roots: Vec<String>,
    node: Node,
}

/// Walks `rest` down from `root`, folder by folder, as `ipfs resolve -r`.
fn resolve(ctx: &Ctx, root: Cid, rest: &[String], path: &str) -> Result<Target, Refusal> {
    let mut cur = root;
    let mut roots = vec![root.to_string()];
    let mut name = root.to_string();
    for seg in rest {
        let entries = match decode(ctx, &cur) {
            Ok(Node::Dir(entries)) => entries,
            Ok(_) => {
                return Err(Refusal::new(
                    StatusCode::NOT_FOUND,
                    format!("failed to resolve /ipfs/{path}: {cur} is not a folder"),
                ))
            }
            Err(_) => {
                return Err(Refusal::new(
                    StatusCode::NOT_FOUND,
                    format!("failed to resolve /ipfs/{path}: block {cur} not found"),
                ))
            }
        };
        let Some((_, c)) = entries.iter().find(|(n, _)| n == seg) else {
            return Err(Refusal::new(
                StatusCode::NOT_FOUND,
                format!("failed to resolve /ipfs/{path}: no link named \"{seg}\" under {cur}"),
            )
            .at(format!("/ipfs/{path}")));
        };
        cur = *c;
        name = seg.clone();
        roots.push(c.to_string());
    }
    match decode(ctx, &cur) {
        Ok(node) => Ok(Target {
            cid: cur,
            name,
            roots,
            node,
        }),
        Err(_) => Err(Refusal::new(
            StatusCode::NOT_FOUND,
            format!("ipfs resolve -r /ipfs/{path}: block {cur} not found"),
        )),
    }
}

/// `X-Ipfs-Path` and `X-Ipfs-Roots`, on every answer for a resolved path.
fn path_headers(ipfs_path: &str, roots: &[String]) -> HeaderMap {
    let mut h = HeaderMap::new();
    if let Ok(v) = HeaderValue::from_str(ipfs_path) {
        h.insert("x-ipfs-path", v);
    }
    if let Ok(v) = HeaderValue::from_str(&roots.join(",")) {
        h.insert("x-ipfs-roots", v);
    }
    h
}
