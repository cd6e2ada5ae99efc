//! Answers as kubo's gateway writes them: plain-text errors, headers,
//! the content type sniffed, a streamed body.

use axum::body::Body;
use axum::http::StatusCode;
use axum::http::{HeaderMap, HeaderValue};
use axum::response::IntoResponse;
use axum::response::Response;
use bytes::Bytes;
use http_body::Frame;
use http_body_util::StreamBody;
use tokio::sync::mpsc;

/// An error as kubo's gateway writes it: plain text, not to be sniffed.
pub(super) fn text(status: StatusCode, msg: String) -> Response {
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

/// An answer with no content (a bad path, a block not to be had), as kubo's
/// gateway writes it: small enough to return in a `Result`.
#[derive(Debug)]
pub(super) struct Refusal {
    status: StatusCode,
    message: String,
    /// `X-Ipfs-Path`, on the answers kubo names the path in.
    ipfs_path: Option<String>,
}

impl Refusal {
    pub(super) fn new(status: StatusCode, message: String) -> Self {
        Self {
            status,
            message,
            ipfs_path: None,
        }
    }

    pub(super) fn at(mut self, ipfs_path: String) -> Self {
        self.ipfs_path = Some(ipfs_path);
        self
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        match self.ipfs_path {
            Some(p) => text_at(self.status, self.message, &p),
            None => text(self.status, self.message),
        }
    }
}

pub(super) const IMMUTABLE: &str = "public, max-age=29030400, immutable";

/// `attachment; filename="X"; filename*=UTF-8''X`, as kubo names downloads.
pub(super) fn attachment(name: &str) -> Option<HeaderValue> {
    HeaderValue::from_str(&format!(
        "attachment; filename=\"{name}\"; filename*=UTF-8''{name}"
    ))
    .ok()
}

pub(super) fn content_type(name: &str, first: &[u8]) -> String {
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

pub(super) type BoxError = Box<dyn std::error::Error + Send + Sync>;

pub(super) fn body_from(rx: mpsc::Receiver<Result<Bytes, BoxError>>) -> Body {
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|r| (r.map(Frame::data), rx))
    });
    Body::new(StreamBody::new(stream))
}

/// A whole answer that never changes (a block, a CAR): not sniffed, cached
/// for good, its length said; no body for HEAD.
pub(super) fn immutable(mut h: HeaderMap, body: Bytes, head: bool) -> Response {
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    h.insert("cache-control", HeaderValue::from_static(IMMUTABLE));
    if let Ok(v) = HeaderValue::from_str(&body.len().to_string()) {
        h.insert("content-length", v);
    }
    let mut r = if head {
        StatusCode::OK.into_response()
    } else {
        Response::new(Body::from(body))
    };
    r.headers_mut().extend(h);
    r
}
