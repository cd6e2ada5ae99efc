//! A kubo-style path gateway (`/ipfs/{cid}[/path]`) over the simulator's blocks:
//! files with Range support, folder redirects and listings, `?format=tar`.

use std::time::Duration;

use axum::body::Body;
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use bytes::Bytes;
use cid::Cid;
use http_body::Frame;
use http_body_util::StreamBody;
use tokio::sync::mpsc;

use super::faults::PeerGatewayFault;
use super::Ctx;
use crate::unixfs::{DataType, PbNode, UnixfsData};

const RAW: u64 = 0x55;

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

/// An error as kubo's gateway writes it: plain text, not to be sniffed.
fn text(status: StatusCode, msg: String) -> Response {
    let mut r = (status, format!("{msg}\n")).into_response();
    r.headers_mut().insert(
        "content-type",
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    r.headers_mut().insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    r
}

fn text_at(status: StatusCode, msg: String, ipfs_path: &str) -> Response {
    let mut r = text(status, msg);
    if let Ok(v) = HeaderValue::from_str(ipfs_path) {
        r.headers_mut().insert("x-ipfs-path", v);
    }
    r
}

const IMMUTABLE: &str = "public, max-age=29030400, immutable";

/// `attachment; filename="X"; filename*=UTF-8''X`, as kubo names downloads.
fn attachment(name: &str) -> Option<HeaderValue> {
    HeaderValue::from_str(&format!(
        "attachment; filename=\"{name}\"; filename*=UTF-8''{name}"
    ))
    .ok()
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

enum Node {
    File,
    Dir(Vec<(String, Cid)>),
    Symlink(String),
}

fn get_block(ctx: &Ctx, c: &Cid) -> Option<Bytes> {
    ctx.state.read().blocks.get(&c.to_bytes()).cloned()
}

fn decode(ctx: &Ctx, c: &Cid) -> Result<Node, String> {
    let block = get_block(ctx, c).ok_or_else(|| format!("block {c} not found"))?;
    if c.codec() == RAW {
        return Ok(Node::File);
    }
    let pb = PbNode::decode(&block).map_err(|e| e.to_string())?;
    let data = UnixfsData::decode(pb.data.as_deref().unwrap_or(&[])).map_err(|e| e.to_string())?;
    match data.kind {
        Some(DataType::File) | Some(DataType::Raw) => Ok(Node::File),
        Some(DataType::Directory) => Ok(Node::Dir(links(&pb, 0)?)),
        Some(DataType::HamtShard) => {
            let mut out = Vec::new();
            hamt_links(ctx, &pb, &mut out)?;
            out.sort_by(|a, b| a.0.cmp(&b.0));
            Ok(Node::Dir(out))
        }
        Some(DataType::Symlink) => Ok(Node::Symlink(
            String::from_utf8_lossy(data.data.as_deref().unwrap_or(&[])).into_owned(),
        )),
        _ => Err("unsupported UnixFS node".into()),
    }
}

fn links(pb: &PbNode, strip: usize) -> Result<Vec<(String, Cid)>, String> {
    pb.links
        .iter()
        .map(|l| {
            let c = Cid::try_from(l.hash.as_slice()).map_err(|e| e.to_string())?;
            Ok((l.name.get(strip..).unwrap_or("").to_string(), c))
        })
        .collect()
}

fn hamt_links(ctx: &Ctx, pb: &PbNode, out: &mut Vec<(String, Cid)>) -> Result<(), String> {
    for (name, c) in links(pb, 0)? {
        if name.len() > 2 {
            let entry = name
                .get(2..)
                .ok_or_else(|| format!("a shard entry without its prefix: {name:?}"))?;
            out.push((entry.to_string(), c));
        } else {
            let block = get_block(ctx, &c).ok_or_else(|| format!("block {c} not found"))?;
            let child = PbNode::decode(&block).map_err(|e| e.to_string())?;
            hamt_links(ctx, &child, out)?;
        }
    }
    Ok(())
}

/// Leaves of a file (CID and content length), in order.
fn leaves(ctx: &Ctx, c: &Cid, out: &mut Vec<(Cid, u64)>) -> Result<(), String> {
    if c.codec() == RAW {
        let len = get_block(ctx, c).map_or(0, |b| b.len() as u64);
        out.push((*c, len));
        return Ok(());
    }
    let block = get_block(ctx, c).ok_or_else(|| format!("block {c} not found"))?;
    let pb = PbNode::decode(&block).map_err(|e| e.to_string())?;
    if pb.links.is_empty() {
        let data =
            UnixfsData::decode(pb.data.as_deref().unwrap_or(&[])).map_err(|e| e.to_string())?;
        out.push((*c, data.data.map_or(0, |d| d.len() as u64)));
        return Ok(());
    }
    for (_, child) in links(&pb, 0)? {
        leaves(ctx, &child, out)?;
    }
    Ok(())
}

fn leaf_bytes(ctx: &Ctx, c: &Cid) -> Option<Bytes> {
    let block = get_block(ctx, c)?;
    if c.codec() == RAW {
        return Some(block);
    }
    let pb = PbNode::decode(&block).ok()?;
    let data = UnixfsData::decode(pb.data.as_deref().unwrap_or(&[])).ok()?;
    Some(Bytes::from(data.data.unwrap_or_default()))
}

fn content_type(name: &str, first: &[u8]) -> String {
    if let Some(m) = mime_guess::from_path(name).first() {
        if name.contains('.') {
            // Go's mime table, which kubo uses, names the charset of text types.
            return if m.type_() == mime_guess::mime::TEXT {
                format!("{}; charset=utf-8", m.essence_str())
            } else {
                m.essence_str().to_string()
            };
        }
    }
    if first.is_empty() || std::str::from_utf8(&first[..first.len().min(512)]).is_ok() {
        "text/plain; charset=utf-8".into()
    } else {
        "application/octet-stream".into()
    }
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

fn body_from(rx: mpsc::Receiver<Result<Bytes, BoxError>>) -> Body {
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|r| (r.map(Frame::data), rx))
    });
    Body::new(StreamBody::new(stream))
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

/// `?format=raw`: the block itself, verifiable against its CID.
fn serve_raw(ctx: &Ctx, c: Cid, mut h: HeaderMap, head: bool, corrupt: bool) -> Response {
    let Some(mut block) = get_block(ctx, &c) else {
        return text(StatusCode::NOT_FOUND, format!("block {c} not found"));
    };
    if corrupt && !block.is_empty() {
        let mut b = block.to_vec();
        let mid = b.len() / 2;
        b[mid] ^= 0x20;
        block = Bytes::from(b);
    }
    h.insert(
        "content-type",
        HeaderValue::from_static("application/vnd.ipld.raw"),
    );
    h.insert("accept-ranges", HeaderValue::from_static("bytes"));
    if let Some(v) = attachment(&format!("{c}.bin")) {
        h.insert("content-disposition", v);
    }
    if let Ok(v) = HeaderValue::from_str(&format!("\"{c}.raw\"")) {
        h.insert("etag", v);
    }
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    h.insert("cache-control", HeaderValue::from_static(IMMUTABLE));
    if let Ok(v) = HeaderValue::from_str(&block.len().to_string()) {
        h.insert("content-length", v);
    }
    let mut r = if head {
        StatusCode::OK.into_response()
    } else {
        Response::new(Body::from(block))
    };
    r.headers_mut().extend(h);
    r
}

/// The blocks of a DAG in depth-first order, each once.
fn dag_blocks(ctx: &Ctx, root: Cid) -> Result<Vec<(Cid, Bytes)>, String> {
    let mut out = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut stack = vec![root];
    while let Some(c) = stack.pop() {
        if !seen.insert(c) {
            continue;
        }
        let block = get_block(ctx, &c).ok_or_else(|| format!("block {c} not found"))?;
        if c.codec() != RAW {
            let pb = PbNode::decode(&block).map_err(|e| e.to_string())?;
            let children: Vec<Cid> = pb
                .links
                .iter()
                .filter_map(|l| Cid::try_from(&l.hash[..]).ok())
                .collect();
            stack.extend(children.into_iter().rev());
        }
        out.push((c, block));
    }
    Ok(out)
}

fn uvarint(mut n: u64, out: &mut Vec<u8>) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

/// Whether the client asked for every repeat of a block (IPIP-412 `dups=y`).
fn car_dups(req: &Request) -> bool {
    req.headers()
        .get("accept")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("application/vnd.ipld.car") && a.contains("dups=y"))
}

fn car_section(c: &Cid, b: &[u8]) -> Bytes {
    let cb = c.to_bytes();
    let mut out = Vec::with_capacity(cb.len() + b.len() + 10);
    uvarint((cb.len() + b.len()) as u64, &mut out);
    out.extend_from_slice(&cb);
    out.extend_from_slice(b);
    Bytes::from(out)
}

/// A CARv1 with every block as often as a depth-first walk meets it
/// (`order=dfs; dups=y`), made as it is sent: a folder of 40,000 links to
/// one large folder streams until the client stops reading, as kubo's does.
fn serve_car_dups(ctx: Ctx, root: Cid, mut h: HeaderMap, head: bool, corrupt: bool) -> Response {
    if get_block(&ctx, &root).is_none() {
        return text(StatusCode::NOT_FOUND, format!("block {root} not found"));
    }
    h.insert(
        "content-type",
        HeaderValue::from_static("application/vnd.ipld.car; version=1; order=dfs; dups=y"),
    );
    h.insert("accept-ranges", HeaderValue::from_static("none"));
    h.insert("cache-control", HeaderValue::from_static(IMMUTABLE));
    if head {
        let mut r = StatusCode::OK.into_response();
        r.headers_mut().extend(h);
        return r;
    }
    let (tx, rx) = mpsc::channel::<Result<Bytes, BoxError>>(16);
    tokio::spawn(async move {
        let cid_bytes = root.to_bytes();
        let mut hdr = vec![0xa2, 0x65];
        hdr.extend_from_slice(b"roots");
        hdr.extend_from_slice(&[0x81, 0xd8, 0x2a, 0x58, (cid_bytes.len() + 1) as u8, 0x00]);
        hdr.extend_from_slice(&cid_bytes);
        hdr.push(0x67);
        hdr.extend_from_slice(b"version");
        hdr.push(0x01);
        let mut first = Vec::new();
        uvarint(hdr.len() as u64, &mut first);
        first.extend_from_slice(&hdr);
        if tx.send(Ok(Bytes::from(first))).await.is_err() {
            return;
        }
        let mut stack = vec![root];
        let mut corrupted = false;
        while let Some(c) = stack.pop() {
            let Some(block) = get_block(&ctx, &c) else {
                let _ = tx.send(Err(format!("block {c} not found").into())).await;
                return;
            };
            if c.codec() != RAW {
                if let Ok(pb) = PbNode::decode(&block) {
                    let kids: Vec<Cid> = pb
                        .links
                        .iter()
                        .filter_map(|l| Cid::try_from(&l.hash[..]).ok())
                        .collect();
                    stack.extend(kids.into_iter().rev());
                }
            }
            let mut b = block.to_vec();
            if corrupt && !corrupted && c != root && !b.is_empty() {
                b[0] ^= 0xff;
                corrupted = true;
            }
            if tx.send(Ok(car_section(&c, &b))).await.is_err() {
                return;
            }
        }
    });
    let mut r = Response::new(body_from(rx));
    r.headers_mut().extend(h);
    r
}

/// `?format=car`: a CARv1 of the whole DAG (order=dfs, dups=n).
fn serve_car(ctx: &Ctx, root: Cid, mut h: HeaderMap, head: bool) -> Response {
    let blocks = match dag_blocks(ctx, root) {
        Ok(b) => b,
        Err(e) => return text(StatusCode::NOT_FOUND, e),
    };
    // The header is dag-cbor {"roots": [root], "version": 1}.
    let cid_bytes = root.to_bytes();
    let mut hdr = vec![0xa2, 0x65];
    hdr.extend_from_slice(b"roots");
    hdr.extend_from_slice(&[0x81, 0xd8, 0x2a, 0x58, (cid_bytes.len() + 1) as u8, 0x00]);
    hdr.extend_from_slice(&cid_bytes);
    hdr.push(0x67);
    hdr.extend_from_slice(b"version");
    hdr.push(0x01);
    let mut car = Vec::new();
    uvarint(hdr.len() as u64, &mut car);
    car.extend_from_slice(&hdr);
    for (c, b) in &blocks {
        let cb = c.to_bytes();
        uvarint((cb.len() + b.len()) as u64, &mut car);
        car.extend_from_slice(&cb);
        car.extend_from_slice(b);
    }
    h.insert(
        "content-type",
        HeaderValue::from_static("application/vnd.ipld.car; version=1; order=dfs; dups=n"),
    );
    h.insert("accept-ranges", HeaderValue::from_static("none"));
    if let Some(v) = attachment(&format!("{root}.car")) {
        h.insert("content-disposition", v);
    }
    if let Ok(v) = HeaderValue::from_str(&format!("W/\"{root}.car.ccssim1\"")) {
        h.insert("etag", v);
    }
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    h.insert("cache-control", HeaderValue::from_static(IMMUTABLE));
    if let Ok(v) = HeaderValue::from_str(&car.len().to_string()) {
        h.insert("content-length", v);
    }
    let mut r = if head {
        StatusCode::OK.into_response()
    } else {
        Response::new(Body::from(car))
    };
    r.headers_mut().extend(h);
    r
}

fn parse_range(v: &str, size: u64) -> Option<(u64, u64)> {
    let spec = v.strip_prefix("bytes=")?;
    let (a, b) = spec.split_once('-')?;
    if a.is_empty() {
        let n: u64 = b.parse().ok()?;
        return (n > 0 && size > 0).then(|| (size.saturating_sub(n), size - 1));
    }
    let start: u64 = a.parse().ok()?;
    let end: u64 = if b.is_empty() {
        size.checked_sub(1)?
    } else {
        b.parse::<u64>().ok()?.min(size.checked_sub(1)?)
    };
    (start <= end && start < size).then_some((start, end))
}

fn serve_file(
    ctx: Ctx,
    c: Cid,
    name: &str,
    req: &Request,
    mut h: HeaderMap,
    head: bool,
    faults: &super::faults::Faults,
) -> Response {
    let mut list = Vec::new();
    if let Err(e) = leaves(&ctx, &c, &mut list) {
        return text(StatusCode::NOT_FOUND, format!("ipfs cat {c}: {e}"));
    }
    let size: u64 = list.iter().map(|(_, l)| l).sum();
    if req
        .headers()
        .get("if-none-match")
        .and_then(|v| v.to_str().ok())
        == Some(&format!("\"{c}\""))
    {
        return StatusCode::NOT_MODIFIED.into_response();
    }
    let first = list
        .first()
        .and_then(|(lc, _)| leaf_bytes(&ctx, lc))
        .unwrap_or_default();
    let ct = content_type(name, &first);
    let range = req
        .headers()
        .get("range")
        .and_then(|v| v.to_str().ok())
        .map(|v| parse_range(v, size));
    let (status, start, end) = match range {
        None => (StatusCode::OK, 0, size),
        Some(Some((s, e))) => (StatusCode::PARTIAL_CONTENT, s, e + 1),
        Some(None) => {
            let mut r = text(
                StatusCode::RANGE_NOT_SATISFIABLE,
                "invalid range: failed to overlap".into(),
            );
            let rh = r.headers_mut();
            if let Ok(v) = HeaderValue::from_str(&format!("bytes */{size}")) {
                rh.insert("content-range", v);
            }
            if let Ok(v) = HeaderValue::from_str(&format!("\"{c}\"")) {
                rh.insert("etag", v);
            }
            rh.insert("cache-control", HeaderValue::from_static(IMMUTABLE));
            rh.extend(h);
            return r;
        }
    };
    h.insert("accept-ranges", HeaderValue::from_static("bytes"));
    h.insert("cache-control", HeaderValue::from_static(IMMUTABLE));
    if let Ok(v) = HeaderValue::from_str(&ct) {
        h.insert("content-type", v);
    }
    if let Ok(v) = HeaderValue::from_str(&format!("\"{c}\"")) {
        h.insert("etag", v);
    }
    if status == StatusCode::PARTIAL_CONTENT {
        if let Ok(v) = HeaderValue::from_str(&format!("bytes {start}-{}/{size}", end - 1)) {
            h.insert("content-range", v);
        }
    }
    if let Ok(v) = HeaderValue::from_str(&(end - start).to_string()) {
        h.insert("content-length", v);
    }
    if head {
        let mut r = status.into_response();
        r.headers_mut().extend(h);
        return r;
    }
    let (tx, rx) = mpsc::channel::<Result<Bytes, BoxError>>(8);
    let corrupt = faults.gateway_corrupt;
    let drop_after = faults.gateway_drop_after_bytes;
    tokio::spawn(async move {
        let mut pos = 0u64;
        let mut sent = 0u64;
        let mut corrupted = false;
        for (lc, len) in list {
            let (lo, hi) = (pos, pos + len);
            pos = hi;
            if hi <= start || lo >= end {
                continue;
            }
            let Some(data) = leaf_bytes(&ctx, &lc) else {
                let _ = tx.send(Err("block vanished".into())).await;
                return;
            };
            let a = start.saturating_sub(lo) as usize;
            let b = (end.min(hi) - lo) as usize;
            let mut piece = data.slice(a..b.min(data.len()));
            if corrupt && !corrupted && !piece.is_empty() {
                let mut v = piece.to_vec();
                v[0] ^= 0xff;
                piece = Bytes::from(v);
                corrupted = true;
            }
            if let Some(limit) = drop_after {
                if sent + piece.len() as u64 > limit {
                    let keep = (limit - sent) as usize;
                    let _ = tx.send(Ok(piece.slice(..keep))).await;
                    let _ = tx
                        .send(Err("connection dropped (simulated fault)".into()))
                        .await;
                    return;
                }
            }
            sent += piece.len() as u64;
            if tx.send(Ok(piece)).await.is_err() {
                return;
            }
        }
    });
    let mut r = Response::new(body_from(rx));
    *r.status_mut() = status;
    r.headers_mut().extend(h);
    r
}

fn serve_tar(ctx: Ctx, root: Cid, mut h: HeaderMap, head: bool) -> Response {
    h.insert(
        "content-type",
        HeaderValue::from_static("application/x-tar"),
    );
    if let Some(v) = attachment(&format!("{root}.tar")) {
        h.insert("content-disposition", v);
    }
    if let Ok(v) = HeaderValue::from_str(&format!("W/\"{root}.x-tar\"")) {
        h.insert("etag", v);
    }
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    h.insert("cache-control", HeaderValue::from_static(IMMUTABLE));
    // A single file's tar has a known length (kubo sends it); a folder's streams.
    if let Ok(Node::File) = decode(&ctx, &root) {
        let mut list = Vec::new();
        if leaves(&ctx, &root, &mut list).is_ok() {
            let size: u64 = list.iter().map(|(_, l)| l).sum();
            let len = 512 + size.div_ceil(512) * 512 + 1024;
            if let Ok(v) = HeaderValue::from_str(&len.to_string()) {
                h.insert("content-length", v);
            }
        }
    }
    if head {
        let mut r = StatusCode::OK.into_response();
        r.headers_mut().extend(h);
        return r;
    }
    let (tx, rx) = mpsc::channel::<Result<Bytes, BoxError>>(8);
    tokio::spawn(async move {
        if let Err(e) = tar_entry(&ctx, &root, root.to_string(), &tx).await {
            let _ = tx.send(Err(e.into())).await;
            return;
        }
        let _ = tx.send(Ok(Bytes::from(vec![0u8; 1024]))).await;
    });
    let mut r = Response::new(body_from(rx));
    r.headers_mut().extend(h);
    r
}

/// A ustar header as Go's archive/tar writes it for kubo (mtime: now); a
/// path too long for ustar's name and prefix goes in a PAX record first.
fn tar_header(
    path: &str,
    kind: tar::EntryType,
    size: u64,
    link: Option<&str>,
) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    let mut hdr = tar::Header::new_ustar();
    if hdr.set_path(path).is_err() {
        let record = pax_record("path", path);
        let mut pax = tar::Header::new_ustar();
        pax.set_entry_type(tar::EntryType::XHeader);
        pax.set_size(record.len() as u64);
        pax.set_path("PaxHeaders/entry")
            .map_err(|e| e.to_string())?;
        pax.set_mode(0o644);
        pax.set_cksum();
        out.extend_from_slice(pax.as_bytes());
        out.extend_from_slice(&record);
        pad(&mut out);
        let short: String = path
            .chars()
            .rev()
            .take(99)
            .collect::<String>()
            .chars()
            .rev()
            .collect();
        hdr.as_ustar_mut()
            .map(|u| {
                let n = short.len().min(100);
                u.name[..n].copy_from_slice(&short.as_bytes()[..n]);
            })
            .ok_or("tar header")?;
    }
    hdr.set_entry_type(kind);
    hdr.set_size(size);
    hdr.set_mode(if kind == tar::EntryType::Directory {
        0o755
    } else {
        0o644
    });
    hdr.set_mtime(chrono::Utc::now().timestamp().max(0) as u64);
    if let Some(l) = link {
        hdr.set_link_name(l).map_err(|e| e.to_string())?;
    }
    hdr.set_cksum();
    out.extend_from_slice(hdr.as_bytes());
    Ok(out)
}

/// One PAX record: "LEN key=value\n", LEN counting itself.
fn pax_record(key: &str, value: &str) -> Vec<u8> {
    let body = format!(" {key}={value}\n");
    let mut len = body.len() + 1;
    while (len.to_string().len() + body.len()) != len {
        len = len.to_string().len() + body.len();
    }
    format!("{len}{body}").into_bytes()
}

fn pad(out: &mut Vec<u8>) {
    let rem = out.len() % 512;
    if rem != 0 {
        out.resize(out.len() + 512 - rem, 0);
    }
}

async fn tar_entry(
    ctx: &Ctx,
    c: &Cid,
    path: String,
    tx: &mpsc::Sender<Result<Bytes, BoxError>>,
) -> Result<(), String> {
    match decode(ctx, c)? {
        Node::Dir(entries) => {
            let hdr = tar_header(&path, tar::EntryType::Directory, 0, None)?;
            tx.send(Ok(Bytes::from(hdr)))
                .await
                .map_err(|_| "client gone")?;
            for (n, child) in entries {
                Box::pin(tar_entry(ctx, &child, format!("{path}/{n}"), tx)).await?;
            }
        }
        Node::Symlink(target) => {
            let hdr = tar_header(&path, tar::EntryType::Symlink, 0, Some(&target))?;
            tx.send(Ok(Bytes::from(hdr)))
                .await
                .map_err(|_| "client gone")?;
        }
        Node::File => {
            let mut list = Vec::new();
            leaves(ctx, c, &mut list)?;
            let size: u64 = list.iter().map(|(_, l)| l).sum();
            let hdr = tar_header(&path, tar::EntryType::Regular, size, None)?;
            tx.send(Ok(Bytes::from(hdr)))
                .await
                .map_err(|_| "client gone")?;
            for (lc, _) in list {
                let data = leaf_bytes(ctx, &lc).ok_or("block vanished")?;
                tx.send(Ok(data)).await.map_err(|_| "client gone")?;
            }
            let rem = (size % 512) as usize;
            if rem != 0 {
                tx.send(Ok(Bytes::from(vec![0u8; 512 - rem])))
                    .await
                    .map_err(|_| "client gone")?;
            }
        }
    }
    Ok(())
}
