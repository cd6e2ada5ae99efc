//! A folder: the redirect to its slash, its `index.html`, or its listing.

use axum::extract::Request;
use axum::http::HeaderMap;
use axum::http::HeaderValue;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::response::Response;
use bytes::Bytes;
use cid::Cid;
use tokio::sync::mpsc;

use super::file::serve_file;
use super::reply::{body_from, BoxError};
use crate::sim::faults::Faults;
use crate::sim::Ctx;

/// A folder a path resolved to.
pub(super) struct Folder {
    pub cid: Cid,
    pub entries: Vec<(String, Cid)>,
    /// `/ipfs/{path}` as asked.
    pub ipfs_path: String,
}

pub(super) fn serve_folder(
    ctx: Ctx,
    folder: Folder,
    req: &Request,
    h: HeaderMap,
    head: bool,
    faults: &Faults,
) -> Response {
    if !req.uri().path().ends_with('/') {
        return redirect_to_slash(req, &h);
    }
    if let Some((_, idx)) = folder.entries.iter().find(|(n, _)| n == "index.html") {
        return serve_file(ctx, *idx, "index.html", req, h, head, faults);
    }
    if head {
        // kubo answers HEAD of a listing with a bare 200.
        return StatusCode::OK.into_response();
    }
    listing(&folder, h)
}

/// A folder asked without its trailing slash: kubo's 301 to it.
fn redirect_to_slash(req: &Request, h: &HeaderMap) -> Response {
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
    r
}

/// The folder's HTML listing, streamed (chunked) as kubo renders it.
fn listing(folder: &Folder, mut h: HeaderMap) -> Response {
    let ipfs_path = &folder.ipfs_path;
    let mut html = format!(
        "<!DOCTYPE html>\n<html><head><title>{ipfs_path}</title></head><body>\n<h1>Index of {ipfs_path}</h1>\n<ul>\n"
    );
    for (n, c) in &folder.entries {
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
    if let Ok(v) = HeaderValue::from_str(&format!("\"DirIndex-ccssim1_CID-{}\"", folder.cid)) {
        h.insert("etag", v);
    }
    let (tx, rx) = mpsc::channel::<Result<Bytes, BoxError>>(1);
    tokio::spawn(async move {
        let _ = tx.send(Ok(Bytes::from(html))).await;
    });
    let mut r = Response::new(body_from(rx));
    r.headers_mut().extend(h);
    r
}
