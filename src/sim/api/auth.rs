//! Basic auth and JWT bearer tokens, as the daemon checks them, and the
//! `/token` route that issues one.

use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::response::Response;
use base64::Engine;

use crate::sim::{json_error, json_ok, Ctx};

const REALM: &str = "Restricted IPFS Cluster API";

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
pub(super) fn authenticate(ctx: &Ctx, req: &Request) -> Option<Response> {
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
        let ok = crate::sim::jwt::verify(&header[7..], |user| {
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

pub(super) async fn token(State(ctx): State<Ctx>, req: Request) -> Response {
    let Some((user, pass)) = ctx.state.read().basic_auth.clone() else {
        return json_error(StatusCode::UNAUTHORIZED, "unauthorized");
    };
    let _ = req;
    json_ok(&crate::cluster::types::Token {
        token: crate::sim::jwt::sign(&user, &pass),
    })
}
