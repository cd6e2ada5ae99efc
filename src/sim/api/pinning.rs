//! Pinning and unpinning, by CID (`/pins/{cid}`) or by path
//! (`/pins/{ipfs|ipld}/{path}`).

use std::time::Instant;

use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::CidPath;
use crate::sim::pin::{commit_pin, pin_options, QueryPinOptions};
use crate::sim::state::{Unpinning, NOT_IN_PINSET};
use crate::sim::{json_error, json_ok, Ctx, Fail};

pub(super) async fn pin_cid(
    State(ctx): State<Ctx>,
    CidPath(cid): CidPath,
    req: Request,
) -> Response {
    let mut opts = match pin_options(&query_pairs(req.uri().query())) {
        Ok(o) => o,
        Err(r) => return r.into_response(),
    };
    // Quirk: this route forces max_depth -1, so mode=direct is stored recursive.
    opts.direct = false;
    do_pin(&ctx, &cid, &opts)
}

fn do_pin(ctx: &Ctx, cid: &str, opts: &QueryPinOptions) -> Response {
    let mut st = ctx.state.write();
    let pinned = commit_pin(&mut st, cid, opts, false);
    if let Some(bad) = &opts.update_error {
        // 1.1.6 writes the 400, then pins anyway and writes the pin after it.
        let mut body = crate::cluster::gojson::encode(&crate::cluster::types::ApiError {
            code: 400,
            message: bad.clone(),
        });
        body.push(b'\n');
        if let Ok(pin) = &pinned {
            body.extend_from_slice(&crate::cluster::gojson::encode(pin));
            body.push(b'\n');
        }
        let mut r = (StatusCode::BAD_REQUEST, body).into_response();
        r.headers_mut().insert(
            "content-type",
            axum::http::HeaderValue::from_static("application/json"),
        );
        return r;
    }
    match pinned {
        Ok(pin) => json_ok(&pin),
        Err(f) => f.into_response(),
    }
}

fn path_cid(ns: &str, path: &str) -> Result<String, Fail> {
    if ns != "ipfs" && ns != "ipld" {
        return Err(Fail::bad_request(format!(
            "error parsing path: path /{ns}/{path} cannot be resolved by the simulator"
        )));
    }
    let first = path.split('/').next().unwrap_or("");
    crate::unixfs::parse_cid(first)
        .map(|c| c.to_string())
        .map_err(|e| Fail::bad_request(format!("error parsing path: invalid cid: {e}")))
}

pub(super) async fn pin_path(
    State(ctx): State<Ctx>,
    Path((ns, path)): Path<(String, String)>,
    req: Request,
) -> Response {
    let cid = match path_cid(&ns, &path) {
        Ok(c) => c,
        Err(r) => return r.into_response(),
    };
    match pin_options(&query_pairs(req.uri().query())) {
        Ok(opts) => do_pin(&ctx, &cid, &opts),
        Err(r) => r.into_response(),
    }
}

pub(super) async fn unpin_path(
    State(ctx): State<Ctx>,
    Path((ns, path)): Path<(String, String)>,
) -> Response {
    match path_cid(&ns, &path) {
        Ok(cid) => do_unpin(&ctx, &cid),
        Err(r) => r.into_response(),
    }
}

pub(super) async fn unpin_cid(State(ctx): State<Ctx>, CidPath(cid): CidPath) -> Response {
    do_unpin(&ctx, &cid)
}

fn do_unpin(ctx: &Ctx, cid: &str) -> Response {
    let mut st = ctx.state.write();
    let Some(rec) = st.pins.remove(cid) else {
        return json_error(StatusCode::NOT_FOUND, NOT_IN_PINSET);
    };
    st.account(&rec, -1);
    st.left_behind(&rec);
    let pin = st.pin_json(&rec);
    st.unpinning.insert(
        cid.to_string(),
        Unpinning {
            rec,
            since: Instant::now(),
        },
    );
    json_ok(&pin)
}

fn query_pairs(req_query: Option<&str>) -> Vec<(String, String)> {
    url::form_urlencoded::parse(req_query.unwrap_or("").as_bytes())
        .into_owned()
        .collect()
}
