//! A file's bytes (Range, ETag, `?format=raw`).

use std::ops::Range;

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
use crate::sim::faults::Faults;
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

/// Which bytes of a file the client asked for (`Range`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Span {
    Whole,
    /// `start..end`, end excluded.
    Part {
        start: u64,
        end: u64,
    },
    Unsatisfiable,
}

fn requested_span(req: &Request, size: u64) -> Span {
    let range = req
        .headers()
        .get("range")
        .and_then(|v| v.to_str().ok())
        .map(|v| parse_range(v, size));
    match range {
        None => Span::Whole,
        Some(Some((start, end))) => Span::Part {
            start,
            end: end + 1,
        },
        Some(None) => Span::Unsatisfiable,
    }
}

pub(super) fn serve_file(
    ctx: Ctx,
    c: Cid,
    name: &str,
    req: &Request,
    mut h: HeaderMap,
    head: bool,
    faults: &Faults,
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
    let (status, start, end) = match requested_span(req, size) {
        Span::Whole => (StatusCode::OK, 0, size),
        Span::Part { start, end } => (StatusCode::PARTIAL_CONTENT, start, end),
        Span::Unsatisfiable => return unsatisfiable(c, size, h),
    };
    h.insert("accept-ranges", HeaderValue::from_static("bytes"));
    h.insert("cache-control", HeaderValue::from_static(IMMUTABLE));
    if let Ok(v) = HeaderValue::from_str(&content_type(name, &first)) {
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
    let mut r = if head {
        status.into_response()
    } else {
        let (tx, rx) = mpsc::channel::<Result<Bytes, BoxError>>(8);
        let cut = BodyFaults::of(faults);
        tokio::spawn(send_span(ctx, list, start..end, cut, tx));
        let mut r = Response::new(body_from(rx));
        *r.status_mut() = status;
        r
    };
    r.headers_mut().extend(h);
    r
}

/// A `Range` that overlaps nothing: 416, with the file's size.
fn unsatisfiable(c: Cid, size: u64, h: HeaderMap) -> Response {
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
    r
}

/// What the gateway's faults do to a file's body.
#[derive(Debug, Clone, Copy)]
struct BodyFaults {
    /// Flip the first byte sent.
    corrupt: bool,
    /// Cut the connection after this many bytes.
    drop_after: Option<u64>,
}

impl BodyFaults {
    fn of(faults: &Faults) -> Self {
        Self {
            corrupt: faults.gateway_corrupt,
            drop_after: faults.gateway_drop_after_bytes,
        }
    }
}

/// Sends the bytes `span` of the file made of `list`'s leaves, a leaf at a
/// time, as the faults allow.
async fn send_span(
    ctx: Ctx,
    list: Vec<(Cid, u64)>,
    span: Range<u64>,
    mut faults: BodyFaults,
    tx: mpsc::Sender<Result<Bytes, BoxError>>,
) {
    let mut pos = 0u64;
    let mut sent = 0u64;
    for (lc, len) in list {
        let (lo, hi) = (pos, pos + len);
        pos = hi;
        if hi <= span.start || lo >= span.end {
            continue;
        }
        let Some(data) = leaf_bytes(&ctx, &lc) else {
            let _ = tx.send(Err("block vanished".into())).await;
            return;
        };
        let a = span.start.saturating_sub(lo) as usize;
        let b = (span.end.min(hi) - lo) as usize;
        let mut piece = data.slice(a..b.min(data.len()));
        if faults.corrupt && !piece.is_empty() {
            let mut v = piece.to_vec();
            v[0] ^= 0xff;
            piece = Bytes::from(v);
            faults.corrupt = false;
        }
        if let Some(limit) = faults.drop_after {
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
}
