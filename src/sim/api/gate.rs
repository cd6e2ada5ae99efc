//! The middleware every request passes first, as `api/common/api.go`
//! chains it: injected latency, auth, the trailing-slash redirect, injected
//! errors, then `Vary: Origin` on every answer.

use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::auth::authenticate;
use crate::sim::{json_error, Ctx};

/// Latency and error faults, auth, `Vary: Origin`, trailing-slash redirect.
pub(super) async fn gate(State(ctx): State<Ctx>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    let faults = ctx.faults();
    if let Some(d) = faults.latency_for(&path) {
        tokio::time::sleep(d).await;
    }
    let mut resp = if let Some(r) = authenticate(&ctx, &req) {
        r
    } else if path.len() > 1 && path.ends_with('/') {
        without_slash(&req, &path)
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

/// A path with a trailing slash: the daemon's 307 to the path without it,
/// with a body only for GET and HEAD.
fn without_slash(req: &Request, path: &str) -> Response {
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
}
