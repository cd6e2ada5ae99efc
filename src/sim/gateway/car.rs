//! `?format=car` / `application/vnd.ipld.car`: the item's blocks as a
//! CAR, with `dups=y` as a stream in walk order.

use axum::extract::Request;
use axum::http::HeaderMap;
use axum::http::HeaderValue;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::response::Response;
use bytes::Bytes;
use cid::Cid;
use tokio::sync::mpsc;

use super::blocks::{get_block, RAW};
use super::reply::{attachment, body_from, immutable, text, BoxError, IMMUTABLE};
use crate::sim::{car, Ctx};
use crate::unixfs::PbNode;

/// The blocks of a DAG in depth-first order, each once.
pub(super) fn dag_blocks(ctx: &Ctx, root: Cid) -> Result<Vec<(Cid, Bytes)>, String> {
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

/// Whether the client asked for every repeat of a block (IPIP-412 `dups=y`).
pub(super) fn car_dups(req: &Request) -> bool {
    req.headers()
        .get("accept")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("application/vnd.ipld.car") && a.contains("dups=y"))
}

/// A CARv1 with every block as often as a depth-first walk meets it
/// (`order=dfs; dups=y`), made as it is sent: a folder of 40,000 links to
/// one large folder streams until the client stops reading, as kubo's does.
pub(super) fn serve_car_dups(
    ctx: Ctx,
    root: Cid,
    mut h: HeaderMap,
    head: bool,
    corrupt: bool,
) -> Response {
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
        if tx.send(Ok(Bytes::from(car::header(&root)))).await.is_err() {
            return;
        }
        let mut stack = vec![root];
        let mut corrupted = false;
        while let Some(c) = stack.pop() {
            let Some(block) = get_block(&ctx, &c) else {
                let _ = tx.send(Err(format!("block {c} not found").into())).await;
                return;
            };
            stack.extend(car::links(&c, &block).into_iter().rev());
            let mut b = block.to_vec();
            if corrupt && !corrupted && c != root && !b.is_empty() {
                b[0] ^= 0xff;
                corrupted = true;
            }
            if tx.send(Ok(car::section(&c, &b))).await.is_err() {
                return;
            }
        }
    });
    let mut r = Response::new(body_from(rx));
    r.headers_mut().extend(h);
    r
}

/// `?format=car`: a CARv1 of the whole DAG (order=dfs, dups=n).
pub(super) fn serve_car(ctx: &Ctx, root: Cid, mut h: HeaderMap, head: bool) -> Response {
    let blocks = match dag_blocks(ctx, root) {
        Ok(b) => b,
        Err(e) => return text(StatusCode::NOT_FOUND, e),
    };
    let mut out = car::header(&root);
    for (c, b) in &blocks {
        out.extend_from_slice(&car::section(c, b));
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
    immutable(h, Bytes::from(out), head)
}
