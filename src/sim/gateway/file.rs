//! A file's bytes (Range, ETag, `?format=raw`).

use axum::extract::Request;
use axum::http::HeaderMap;
use axum::http::HeaderValue;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::response::Response;
use bytes::Bytes;
use cid::Cid;
use tokio::sync::mpsc;

use super::blocks::{get_block, leaf_bytes, leaves};
use super::reply::{attachment, body_from, content_type, immutable, text, BoxError, IMMUTABLE};
use crate::sim::Ctx;

/// `?format=raw`: the block itself, verifiable against its CID.
pub(super) fn serve_raw(
    ctx: &Ctx,
    c: Cid,
    mut h: HeaderMap,
    head: bool,
    corrupt: bool,
) -> Response {
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
    immutable(h, block, head)
}

pub(super) fn parse_range(v: &str, size: u64) -> Option<(u64, u64)> {
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

pub(super) fn serve_file(
    ctx: Ctx,
    c: Cid,
    name: &str,
    req: &Request,
    mut h: HeaderMap,
    head: bool,
    faults: &crate::sim::faults::Faults,
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
