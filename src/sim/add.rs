//! `POST /add`: multipart parsed as boxo's `NewFileFromPartReader` does,
//! content imported with kubo's importer and stored, then cluster-pinned.

use std::collections::HashMap;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use tokio::sync::mpsc;

use super::pin::{commit_pin, pin_options, QueryPinOptions};
use super::state::check_replication;
use super::stream::{streaming_200, Out, Trailers};
use super::{json_error, Ctx, Fail};
use crate::cluster::gojson::{encode, List};
use crate::cluster::types::AddedOutput;
use crate::unixfs::{FileBuilder, ImportOptions, TreeImporter};

/// Go's `strconv.ParseBool`.
fn parse_bool(v: &str) -> Option<bool> {
    match v {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

struct AddParams {
    pin: QueryPinOptions,
    local: bool,
    wrap: bool,
    stream_channels: bool,
    progress: bool,
    no_pin: bool,
    import: ImportOptions,
}

fn params(q: &[(String, String)]) -> Result<AddParams, Fail> {
    let map: HashMap<&str, &str> = q.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let boolean = |name: &str, default: bool| -> Result<bool, Fail> {
        match map.get(name) {
            None | Some(&"") => Ok(default),
            Some(v) => {
                parse_bool(v).ok_or_else(|| Fail::bad_request(format!("parameter {name} invalid")))
            }
        }
    };
    let format = map.get("format").copied().unwrap_or("");
    if !matches!(format, "" | "unixfs") {
        if format == "car" {
            return Err(Fail::bad_request(
                "format=car is not supported by the simulator",
            ));
        }
        return Err(Fail::bad_request("format parameter is invalid"));
    }
    let layout = map.get("layout").copied().unwrap_or("");
    if !matches!(layout, "" | "balanced") {
        if layout == "trickle" {
            return Err(Fail::bad_request(
                "layout=trickle is not supported by the simulator",
            ));
        }
        return Err(Fail::bad_request("layout parameter is invalid"));
    }
    if let Some(h) = map.get("hash") {
        if !h.is_empty() && *h != "sha2-256" {
            return Err(Fail::bad_request("hash function name not known"));
        }
    }
    let cid_version = match map.get("cid-version") {
        None | Some(&"") => 0,
        Some(v) => v
            .parse::<u8>()
            .ok()
            .filter(|v| *v <= 1)
            .ok_or_else(|| Fail::bad_request("parameter cid-version invalid"))?,
    };
    let raw_leaves = match map.get("raw-leaves") {
        None | Some(&"") => None,
        Some(_) => Some(boolean("raw-leaves", false)?),
    };
    let import = ImportOptions::new(cid_version, raw_leaves)
        .with_chunker(map.get("chunker").copied().unwrap_or(""))
        .map_err(|e| Fail::bad_request(e.to_string()))?;
    Ok(AddParams {
        pin: pin_options(q)?,
        local: boolean("local", false)?,
        wrap: boolean("wrap-with-directory", false)?,
        stream_channels: boolean("stream-channels", true)?,
        progress: boolean("progress", false)?,
        no_pin: boolean("no-pin", false)?,
        import,
    })
}

pub async fn add(State(ctx): State<Ctx>, req: Request) -> Response {
    let q: Vec<(String, String)> =
        url::form_urlencoded::parse(req.uri().query().unwrap_or("").as_bytes())
            .into_owned()
            .collect();
    let ct = req
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let is_multipart = ct.starts_with("multipart/form-data") || ct.starts_with("multipart/mixed");
    let boundary =
        multer::parse_boundary(ct.replacen("multipart/mixed", "multipart/form-data", 1)).ok();
    let Some(boundary) = boundary.filter(|_| is_multipart) else {
        return json_error(
            StatusCode::BAD_REQUEST,
            "request Content-Type isn't multipart/form-data",
        );
    };
    let p = match params(&q) {
        Ok(p) => p,
        Err(r) => return r.into_response(),
    };
    let faults = ctx.faults();
    let body = req.into_body().into_data_stream();
    let multipart = multer::Multipart::new(body, boundary);
    let (tx, rx) = mpsc::channel(256);
    let stream_channels = p.stream_channels;
    let bug_2123 = faults.add_empty_200;
    let ctx2 = ctx.clone();
    let worker = tokio::spawn(async move { run_add(ctx2, p, multipart, tx, bug_2123).await });
    if !stream_channels {
        // Buffered: one JSON array, or a 500 with the error.
        let mut rx = rx;
        let mut items: Vec<serde_json::Value> = Vec::new();
        let mut err = None;
        while let Some(o) = rx.recv().await {
            match o {
                Out::Line(l) => {
                    if let Ok(v) = serde_json::from_slice(&l) {
                        items.push(v);
                    }
                }
                Out::Lines { buf, .. } => {
                    for l in buf.split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
                        if let Ok(v) = serde_json::from_slice(l) {
                            items.push(v);
                        }
                    }
                }
                Out::Error(e) => err = Some(e),
            }
        }
        let _ = worker.await;
        if let Some(e) = err {
            return json_error(StatusCode::INTERNAL_SERVER_ERROR, &e);
        }
        return add_headers(super::json_ok(&items), false);
    }
    // Streaming: the daemon sends 200 before doing any work, so errors can only
    // travel in the trailer.
    add_headers(streaming_200(None, rx, faults, Trailers::OnlyErrors), true)
}

fn add_headers(mut r: Response, streaming: bool) -> Response {
    let h = r.headers_mut();
    h.insert("cache-control", HeaderValue::from_static("no-cache"));
    h.insert("connection", HeaderValue::from_static("close"));
    if streaming {
        h.insert("x-chunked-output", HeaderValue::from_static("1"));
    }
    r
}

async fn run_add(
    ctx: Ctx,
    p: AddParams,
    mut mp: multer::Multipart<'static>,
    tx: mpsc::Sender<Out>,
    bug_2123: bool,
) {
    // Allocations are chosen before any block moves (the adder needs them).
    let decided: Result<Vec<u16>, Option<String>> = {
        let st = ctx.state.read();
        let rmin = if p.pin.rmin == 0 {
            st.default_rmin
        } else {
            p.pin.rmin
        };
        let rmax = if p.pin.rmax == 0 {
            st.default_rmax
        } else {
            p.pin.rmax
        };
        if bug_2123 || check_replication(rmin, rmax).is_err() {
            // ipfs-cluster#2123: early failures give 200, no objects, no trailer value.
            Err(None)
        } else {
            // The root's CID is not known before the import: like the daemon
            // at this point, nothing is allocated yet.
            st.allocate(rmin, rmax, &p.pin.user_allocations, p.local, &[])
                .map_err(Some)
        }
    };
    let allocs = match decided {
        Ok(a) => a,
        Err(e) => {
            drain(&mut mp).await;
            if let Some(e) = e {
                let _ = tx.send(Out::Error(e)).await;
            }
            return;
        }
    };
    // The peers the blocks go to: everywhere means every peer that is up.
    let alloc_ids: List<String> = {
        let st = ctx.state.read();
        let ids: Vec<String> = if allocs.is_empty() {
            st.peers
                .iter()
                .filter(|p| p.offline.is_none())
                .map(|p| p.id.clone())
                .collect()
        } else {
            allocs
                .iter()
                .map(|i| st.peers[usize::from(*i)].id.clone())
                .collect()
        };
        List::from(ids)
    };
    let mut tree = TreeImporter::new(p.import, p.wrap);
    let mut blocks: Vec<(cid::Cid, Vec<u8>)> = Vec::new();
    let mut any = false;
    loop {
        let field = match mp.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => {
                let _ = tx
                    .send(Out::Error(format!("error reading multipart: {e}")))
                    .await;
                return;
            }
        };
        let raw_name = field.file_name().unwrap_or("").to_string();
        // boxo: QueryUnescape (so '+' is a space), then path.Clean("/"+name).
        let name = url::form_urlencoded::parse(format!("n={raw_name}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
            .unwrap_or(raw_name);
        let kind = field
            .content_type()
            .map(|m| m.essence_str().to_string())
            .unwrap_or_default();
        any = true;
        match kind.as_str() {
            "application/x-directory" => {
                if let Err(e) = tree.add_dir(&name) {
                    let _ = tx.send(Out::Error(e.to_string())).await;
                    return;
                }
            }
            "application/symlink" => {
                let target = match field.bytes().await {
                    Ok(b) => String::from_utf8_lossy(&b).into_owned(),
                    Err(e) => {
                        let _ = tx.send(Out::Error(e.to_string())).await;
                        return;
                    }
                };
                let mut sink = |c: &cid::Cid, b: Vec<u8>| blocks.push((*c, b));
                match tree.add_symlink(&name, &target, &mut sink) {
                    Ok(a) => {
                        let _ = tx.send(Out::Line(encode(&line(&a, &alloc_ids)))).await;
                    }
                    Err(e) => {
                        let _ = tx.send(Out::Error(e.to_string())).await;
                        return;
                    }
                }
            }
            _ => {
                let inner = TreeImporter::clean_path(&name);
                let progress_name = if inner.len() > 1 {
                    inner[1..].join("/")
                } else {
                    String::new()
                };
                let mut field = field;
                let mut sink = |c: &cid::Cid, b: Vec<u8>| blocks.push((*c, b));
                let mut fb = FileBuilder::new(p.import, &mut sink);
                // The daemon reports at every 256 KiB of the file, then its size.
                const STEP: u64 = 256 * 1024;
                let mut next_report = STEP;
                let mut failed = None;
                loop {
                    match field.chunk().await {
                        Ok(Some(chunk)) => {
                            fb.write(&chunk);
                            while p.progress && fb.bytes_written() >= next_report {
                                let prog = AddedOutput {
                                    name: progress_name.clone(),
                                    cid: None,
                                    bytes: next_report,
                                    ..Default::default()
                                };
                                next_report += STEP;
                                let _ = tx.try_send(Out::Line(encode(&prog)));
                            }
                        }
                        Ok(None) => break,
                        Err(e) => {
                            failed = Some(e.to_string());
                            break;
                        }
                    }
                }
                if let Some(e) = failed {
                    let _ = tx
                        .send(Out::Error(format!("error reading multipart: {e}")))
                        .await;
                    return;
                }
                let total = fb.bytes_written();
                let node = fb.finish();
                if p.progress && total != next_report - STEP {
                    let prog = AddedOutput {
                        name: progress_name,
                        cid: None,
                        bytes: total,
                        ..Default::default()
                    };
                    let _ = tx.send(Out::Line(encode(&prog))).await;
                }
                // Move blocks into the store as each file completes so memory
                // is not held twice for big adds.
                ctx.store_blocks(std::mem::take(&mut blocks));
                match tree.add_leaf(&name, node) {
                    Ok(a) => {
                        let _ = tx.send(Out::Line(encode(&line(&a, &alloc_ids)))).await;
                    }
                    Err(e) => {
                        let _ = tx.send(Out::Error(e.to_string())).await;
                        return;
                    }
                }
            }
        }
    }
    if !any {
        let _ = tx
            .send(Out::Error("no files were provided in the request".into()))
            .await;
        return;
    }
    let mut sink = |c: &cid::Cid, b: Vec<u8>| blocks.push((*c, b));
    let (dirs, root) = match tree.finish(&mut sink) {
        Ok(r) => r,
        Err(e) => {
            let _ = tx.send(Out::Error(e.to_string())).await;
            return;
        }
    };
    ctx.store_blocks(blocks);
    for d in &dirs {
        let _ = tx.send(Out::Line(encode(&line(d, &alloc_ids)))).await;
    }
    let Some(root) = root else { return };
    if p.no_pin {
        return;
    }
    let mut opts = p.pin.clone();
    if !allocs.is_empty() {
        opts.user_allocations = alloc_ids.to_vec();
    }
    let pinned = commit_pin(
        &mut ctx.state.write(),
        &root.cid.to_string(),
        &opts,
        p.local,
    );
    if let Err(e) = pinned {
        let _ = tx.send(Out::Error(e.1)).await;
    }
}

fn line(a: &crate::unixfs::Added, allocs: &List<String>) -> AddedOutput {
    AddedOutput {
        name: a.name.clone(),
        cid: Some(a.cid.to_string()),
        bytes: 0,
        size: a.size,
        allocations: allocs.clone(),
    }
}

async fn drain(mp: &mut multer::Multipart<'static>) {
    while let Ok(Some(mut f)) = mp.next_field().await {
        while let Ok(Some(_)) = f.chunk().await {}
    }
}
