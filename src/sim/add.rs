//! `POST /add`: multipart parsed as boxo's `NewFileFromPartReader` does,
//! content imported with kubo's importer and stored, then cluster-pinned.

use std::collections::HashMap;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use cid::Cid;
use tokio::sync::mpsc;

use super::pin::{commit_pin, pin_options, QueryPinOptions};
use super::state::check_replication;
use super::stream::{streaming_200, Out, Trailers};
use super::{json_error, Ctx, Fail};
use crate::cluster::gojson::{encode, List};
use crate::cluster::types::AddedOutput;
use crate::unixfs::{Added, FileBuilder, ImportOptions, NodeRef, TreeImporter};

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
    let Some(boundary) = multipart_boundary(&req) else {
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
    let worker = tokio::spawn(run_add(ctx, p, multipart, tx, bug_2123));
    if !stream_channels {
        return buffered(rx, worker).await;
    }
    // Streaming: the daemon sends 200 before doing any work, so errors can only
    // travel in the trailer.
    add_headers(streaming_200(None, rx, faults, Trailers::OnlyErrors), true)
}

/// The multipart boundary, for `multipart/form-data` or `multipart/mixed`.
fn multipart_boundary(req: &Request) -> Option<String> {
    let ct = req
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let is_multipart = ct.starts_with("multipart/form-data") || ct.starts_with("multipart/mixed");
    let boundary =
        multer::parse_boundary(ct.replacen("multipart/mixed", "multipart/form-data", 1)).ok();
    boundary.filter(|_| is_multipart)
}

/// `stream-channels=false`: one JSON array once the add is done, or a 500
/// with its error.
async fn buffered(mut rx: mpsc::Receiver<Out>, worker: tokio::task::JoinHandle<()>) -> Response {
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
    add_headers(super::json_ok(&items), false)
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

/// Why an add stops before reading its content.
enum Refused {
    /// ipfs-cluster#2123: early failures give 200, no objects, no trailer value.
    Silently,
    Because(String),
}

async fn run_add(
    ctx: Ctx,
    p: AddParams,
    mut mp: multer::Multipart<'static>,
    tx: mpsc::Sender<Out>,
    bug_2123: bool,
) {
    let allocs = match allocate(&ctx, &p, bug_2123) {
        Ok(a) => a,
        Err(refused) => {
            drain(&mut mp).await;
            if let Refused::Because(e) = refused {
                let _ = tx.send(Out::Error(e)).await;
            }
            return;
        }
    };
    if let Err(e) = import_and_pin(&ctx, &p, mp, &tx, &allocs).await {
        let _ = tx.send(Out::Error(e)).await;
    }
}

/// Allocations are chosen before any block moves (the adder needs them).
fn allocate(ctx: &Ctx, p: &AddParams, bug_2123: bool) -> Result<Vec<u16>, Refused> {
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
        return Err(Refused::Silently);
    }
    // The root's CID is not known before the import: like the daemon at this
    // point, nothing is allocated yet.
    st.allocate(rmin, rmax, &p.pin.user_allocations, p.local, &[])
        .map_err(Refused::Because)
}

/// The peers the blocks go to: everywhere means every peer that is up.
fn block_holders(ctx: &Ctx, allocs: &[u16]) -> List<String> {
    let st = ctx.state.read();
    if !allocs.is_empty() {
        return st.peer_ids(allocs);
    }
    let up: Vec<String> = st
        .peers
        .iter()
        .filter(|p| p.offline.is_none())
        .map(|p| p.id.clone())
        .collect();
    List::from(up)
}

type Blocks = Vec<(Cid, Vec<u8>)>;

/// Imports every part, reporting each entry as it is done, then the
/// folders; stores the blocks and pins the root.
async fn import_and_pin(
    ctx: &Ctx,
    p: &AddParams,
    mut mp: multer::Multipart<'static>,
    tx: &mpsc::Sender<Out>,
    allocs: &[u16],
) -> Result<(), String> {
    let holders = block_holders(ctx, allocs);
    let mut tree = TreeImporter::new(p.import, p.wrap);
    let mut blocks: Blocks = Vec::new();
    let mut any = false;
    while let Some(field) = mp
        .next_field()
        .await
        .map_err(|e| format!("error reading multipart: {e}"))?
    {
        any = true;
        if let Some(added) = import_part(ctx, p, &mut tree, field, &mut blocks, tx).await? {
            send_added(tx, &added, &holders).await;
        }
    }
    if !any {
        return Err("no files were provided in the request".into());
    }
    let mut sink = |c: &Cid, b: Vec<u8>| blocks.push((*c, b));
    let (dirs, root) = tree.finish(&mut sink).map_err(|e| e.to_string())?;
    ctx.store_blocks(blocks);
    for d in &dirs {
        send_added(tx, d, &holders).await;
    }
    match root {
        Some(root) if !p.no_pin => pin_root(ctx, p, &root.cid, allocs, &holders),
        _ => Ok(()),
    }
}

/// One multipart part: a folder, a symlink or a file, by its content type.
/// Folders are reported with the others at the end.
async fn import_part(
    ctx: &Ctx,
    p: &AddParams,
    tree: &mut TreeImporter,
    field: multer::Field<'static>,
    blocks: &mut Blocks,
    tx: &mpsc::Sender<Out>,
) -> Result<Option<Added>, String> {
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
    match kind.as_str() {
        "application/x-directory" => {
            tree.add_dir(&name).map_err(|e| e.to_string())?;
            Ok(None)
        }
        "application/symlink" => {
            let target = field.bytes().await.map_err(|e| e.to_string())?;
            let target = String::from_utf8_lossy(&target);
            let mut sink = |c: &Cid, b: Vec<u8>| blocks.push((*c, b));
            let added = tree.add_symlink(&name, &target, &mut sink);
            added.map(Some).map_err(|e| e.to_string())
        }
        _ => {
            let node = import_file(p, &name, field, blocks, tx).await?;
            // Move blocks into the store as each file completes so memory
            // is not held twice for big adds.
            ctx.store_blocks(std::mem::take(blocks));
            tree.add_leaf(&name, node)
                .map(Some)
                .map_err(|e| e.to_string())
        }
    }
}

/// A file's content, chunked and built into its DAG as it arrives.
async fn import_file(
    p: &AddParams,
    name: &str,
    mut field: multer::Field<'static>,
    blocks: &mut Blocks,
    tx: &mpsc::Sender<Out>,
) -> Result<NodeRef, String> {
    let mut sink = |c: &Cid, b: Vec<u8>| blocks.push((*c, b));
    let mut fb = FileBuilder::new(p.import, &mut sink);
    let mut progress = p.progress.then(|| Progress::new(name));
    loop {
        match field.chunk().await {
            Ok(Some(chunk)) => {
                fb.write(&chunk);
                if let Some(pr) = progress.as_mut() {
                    pr.reached(fb.bytes_written(), tx);
                }
            }
            Ok(None) => break,
            Err(e) => return Err(format!("error reading multipart: {e}")),
        }
    }
    let total = fb.bytes_written();
    let node = fb.finish();
    if let Some(pr) = progress {
        pr.finish(total, tx).await;
    }
    Ok(node)
}

/// `progress=true`: the daemon reports at every 256 KiB of a file, then its
/// size.
struct Progress {
    /// The file's path below the top folder.
    name: String,
    next: u64,
}

impl Progress {
    const STEP: u64 = 256 * 1024;

    fn new(name: &str) -> Self {
        let inner = TreeImporter::clean_path(name);
        let name = if inner.len() > 1 {
            inner[1..].join("/")
        } else {
            String::new()
        };
        Self {
            name,
            next: Self::STEP,
        }
    }

    fn line(&self, bytes: u64) -> Out {
        Out::Line(encode(&AddedOutput {
            name: self.name.clone(),
            cid: None,
            bytes,
            ..Default::default()
        }))
    }

    /// A line for every step the file passed; dropped when the client lags.
    fn reached(&mut self, written: u64, tx: &mpsc::Sender<Out>) {
        while written >= self.next {
            let _ = tx.try_send(self.line(self.next));
            self.next += Self::STEP;
        }
    }

    /// The file's size, unless the last step said it.
    async fn finish(self, total: u64, tx: &mpsc::Sender<Out>) {
        if total != self.next - Self::STEP {
            let _ = tx.send(self.line(total)).await;
        }
    }
}

/// Pins the root with the add's options; when allocations were chosen, the
/// peers that received the blocks are the pin's allocations.
fn pin_root(
    ctx: &Ctx,
    p: &AddParams,
    root: &Cid,
    allocs: &[u16],
    holders: &List<String>,
) -> Result<(), String> {
    let mut opts = p.pin.clone();
    if !allocs.is_empty() {
        opts.user_allocations = holders.to_vec();
    }
    commit_pin(&mut ctx.state.write(), &root.to_string(), &opts, p.local)
        .map(drop)
        .map_err(|e| e.1)
}

async fn send_added(tx: &mpsc::Sender<Out>, a: &Added, holders: &List<String>) {
    let _ = tx.send(Out::Line(encode(&line(a, holders)))).await;
}

fn line(a: &Added, allocs: &List<String>) -> AddedOutput {
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
