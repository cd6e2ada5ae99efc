//! A kubo-style path gateway (`/ipfs/{cid}[/path]`) over the simulator's blocks:
//! files with Range support, folder redirects and listings, `?format=tar`.

mod blocks;
mod car;
mod file;
mod reply;
mod ustar;

use std::time::Duration;

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
use bytes::Bytes;
use cid::Cid;
use tokio::sync::mpsc;

use crate::sim::faults::PeerGatewayFault;
use crate::sim::Ctx;
use blocks::{decode, Node};
use car::{car_dups, serve_car, serve_car_dups};
use file::{serve_file, serve_raw};
use reply::{body_from, text, text_at, BoxError};
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

fn requested_format(q: &std::collections::HashMap<String, String>, req: &Request) -> Format {
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
    Query(q): Query<std::collections::HashMap<String, String>>,
    req: Request,
) -> Response {
    let mut faults = ctx.faults();
    if faults.gateway_stall {
        // A gateway that accepted the connection and will never answer.
        tokio::time::sleep(Duration::from_secs(3600)).await;
    }
    let head = req.method() == Method::HEAD;
    let peer = req
        .extensions()
        .get::<PeerGateway>()
        .and_then(|p| p.0.clone());
    let peer_fault = peer
        .as_ref()
        .and_then(|p| faults.peer_gateways.get(p).copied());
    if let Some(p) = &peer {
        let down = ctx
            .state
            .read()
            .peers
            .iter()
            .any(|x| &x.name == p && (x.offline.is_some() || x.ipfs_down));
        if down {
            // A stopped kubo refuses connections; the closest an open
            // listener can come is failing every request.
            return text(StatusCode::BAD_GATEWAY, format!("{p}: IPFS daemon down"));
        }
    }
    let trailing = req.uri().path().ends_with('/');
    let mut segs = path.split('/').filter(|s| !s.is_empty());
    let Some(root_s) = segs.next() else {
        return text(StatusCode::BAD_REQUEST, "invalid path \"/ipfs/\"".into());
    };
    let rest: Vec<String> = segs.map(String::from).collect();
    let Ok(root) = Cid::try_from(root_s) else {
        return text(
            StatusCode::BAD_REQUEST,
            format!("invalid path \"/ipfs/{path}\": invalid cid: selected encoding not supported"),
        );
    };
    let cached_only = req
        .headers()
        .get("cache-control")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("only-if-cached"));
    // The shared gateway is the kubo of the peer `/id` answers for.
    let now = std::time::Instant::now();
    let (at, absent, stored, reachable) = {
        let st = ctx.state.read();
        let at = peer
            .as_ref()
            .and_then(|p| st.peer_by_name_or_id(p))
            .unwrap_or(0);
        (
            at,
            !st.blocks.contains_key(&root.to_bytes()),
            st.stored_at(at, &root, now),
            st.network_has(&root, now),
        )
    };
    // Asked only for what it stores, a kubo answers from its own blockstore;
    // otherwise it fetches from whoever still has it, and keeps a copy.
    let not_held = cached_only && !stored;
    let lost = !absent && !stored && !reachable;
    if !cached_only && !absent && !stored && reachable {
        ctx.state.write().fetched(at, &root, now);
    }
    let peer_fault = if not_held || absent || lost {
        Some(PeerGatewayFault::Missing)
    } else {
        peer_fault
    };
    match peer_fault {
        // Absent and not asked only-if-cached: resolving says so (below).
        Some(PeerGatewayFault::Missing) if absent && !cached_only => {}
        Some(PeerGatewayFault::Missing) => {
            // Not in this peer's store: kubo answers 412 to only-if-cached,
            // and times out looking for it otherwise.
            return if cached_only {
                text(
                    StatusCode::PRECONDITION_FAILED,
                    format!("\"/ipfs/{path}\" not in local datastore"),
                )
            } else {
                text(
                    StatusCode::GATEWAY_TIMEOUT,
                    "Unable to retrieve content within timeout period".into(),
                )
            };
        }
        Some(PeerGatewayFault::Corrupt) => faults.gateway_corrupt = true,
        None => {}
    }
    if ctx.state.read().unavailable.contains(&root.to_string()) {
        return text(
            StatusCode::GATEWAY_TIMEOUT,
            "Unable to retrieve content within timeout period".into(),
        );
    }
    // Resolve the path.
    let mut cur = root;
    let mut roots = vec![root.to_string()];
    let mut name = root.to_string();
    for seg in &rest {
        match decode(&ctx, &cur) {
            Ok(Node::Dir(entries)) => match entries.iter().find(|(n, _)| n == seg) {
                Some((_, c)) => {
                    cur = *c;
                    name = seg.clone();
                    roots.push(c.to_string());
                }
                None => {
                    return text_at(
                        StatusCode::NOT_FOUND,
                        format!(
                            "failed to resolve /ipfs/{path}: no link named \"{seg}\" under {cur}"
                        ),
                        &format!("/ipfs/{path}"),
                    )
                }
            },
            Ok(_) => {
                return text(
                    StatusCode::NOT_FOUND,
                    format!("failed to resolve /ipfs/{path}: {cur} is not a folder"),
                )
            }
            Err(_) => {
                return text(
                    StatusCode::NOT_FOUND,
                    format!("failed to resolve /ipfs/{path}: block {cur} not found"),
                )
            }
        }
    }
    let node = match decode(&ctx, &cur) {
        Ok(n) => n,
        Err(_) => {
            return text(
                StatusCode::NOT_FOUND,
                format!("ipfs resolve -r /ipfs/{path}: block {cur} not found"),
            )
        }
    };
    let mut h = HeaderMap::new();
    let ipfs_path = format!("/ipfs/{path}");
    if let Ok(v) = HeaderValue::from_str(&ipfs_path) {
        h.insert("x-ipfs-path", v);
    }
    if let Ok(v) = HeaderValue::from_str(&roots.join(",")) {
        h.insert("x-ipfs-roots", v);
    }
    let format = requested_format(&q, &req);
    match format {
        Format::Raw => return serve_raw(&ctx, cur, h, head, faults.gateway_corrupt),
        Format::Car if car_dups(&req) => {
            return serve_car_dups(ctx, cur, h, head, faults.gateway_corrupt)
        }
        Format::Car => return serve_car(&ctx, cur, h, head),
        Format::Tar => return serve_tar(ctx, cur, h, head),
        Format::Plain => {}
    }
    match node {
        Node::Dir(entries) => {
            if !trailing {
                let mut loc = format!("{}/", req.uri().path());
                if let Some(qs) = req.uri().query() {
                    loc = format!("{loc}?{qs}");
                }
                let body = format!("<a href=\"{loc}\">Moved Permanently</a>.\n\n");
                let mut r = (StatusCode::MOVED_PERMANENTLY, body).into_response();
                let rh = r.headers_mut();
                rh.insert(
                    "content-type",
                    HeaderValue::from_static("text/html; charset=utf-8"),
                );
                if let Ok(v) = HeaderValue::from_str(&loc) {
                    rh.insert("location", v);
                }
                if let Some(v) = h.get("x-ipfs-path") {
                    rh.insert("x-ipfs-path", v.clone());
                }
                return r;
            }
            if let Some((_, idx)) = entries.iter().find(|(n, _)| n == "index.html") {
                return serve_file(ctx, *idx, "index.html", &req, h, head, &faults);
            }
            if head {
                // kubo answers HEAD of a listing with a bare 200.
                return StatusCode::OK.into_response();
            }
            let mut html = format!(
                "<!DOCTYPE html>\n<html><head><title>{ipfs_path}</title></head><body>\n<h1>Index of {ipfs_path}</h1>\n<ul>\n"
            );
            for (n, c) in &entries {
                let esc = n
                    .replace('&', "&amp;")
                    .replace('<', "&lt;")
                    .replace('"', "&quot;");
                html.push_str(&format!(
                    "<li><a href=\"{ipfs_path}{esc}\">{esc}</a> {c}</li>\n"
                ));
            }
            html.push_str("</ul></body></html>\n");
            h.insert("content-type", HeaderValue::from_static("text/html"));
            h.insert(
                "cache-control",
                HeaderValue::from_static("public, max-age=604800, stale-while-revalidate=2678400"),
            );
            if let Ok(v) = HeaderValue::from_str(&format!("\"DirIndex-ccssim1_CID-{cur}\"")) {
                h.insert("etag", v);
            }
            // Listings are streamed (chunked), as kubo renders them.
            let (tx, rx) = mpsc::channel::<Result<Bytes, BoxError>>(1);
            tokio::spawn(async move {
                let _ = tx.send(Ok(Bytes::from(html))).await;
            });
            let mut r = Response::new(body_from(rx));
            r.headers_mut().extend(h);
            r
        }
        Node::Symlink(target) => {
            let mut r = target.into_response();
            r.headers_mut().extend(h);
            r
        }
        Node::File => serve_file(ctx, cur, &name, &req, h, head, &faults),
    }
}
