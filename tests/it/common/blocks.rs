//! Hostile items, block by block: a small builder of valid UnixFS blocks
//! (every block verifies against its CID, as an attacker's would), a
//! gateway on loopback that serves them and counts what it was asked, and
//! a run of the binary that reports its peak memory.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use bytes::Bytes;
use ccs_tui::unixfs::{DataType, PbLink, PbNode, UnixfsData};
use cid::Cid;
use sha2::Digest;

/// Blocks by CID.
#[derive(Default, Clone)]
pub struct Blocks {
    pub map: HashMap<Cid, Bytes>,
}

fn pb_cid(block: &[u8]) -> Cid {
    let digest = sha2::Sha256::digest(block);
    let mh = cid::multihash::Multihash::<64>::wrap(0x12, &digest).unwrap();
    Cid::new_v1(0x70, mh)
}

fn link(name: &str, cid: &Cid, tsize: u64) -> PbLink {
    PbLink {
        hash: cid.to_bytes(),
        name: name.to_string(),
        tsize,
    }
}

impl Blocks {
    fn put(&mut self, links: Vec<PbLink>, data: UnixfsData) -> Cid {
        let block = PbNode {
            links,
            data: Some(data.encode()),
        }
        .encode();
        let cid = pb_cid(&block);
        self.map.insert(cid, Bytes::from(block));
        cid
    }

    /// A file leaf holding `bytes`.
    pub fn leaf(&mut self, bytes: &[u8]) -> Cid {
        self.put(
            Vec::new(),
            UnixfsData {
                kind: Some(DataType::File),
                data: Some(bytes.to_vec()),
                filesize: Some(bytes.len() as u64),
                ..Default::default()
            },
        )
    }

    /// A file node over `children`, declaring `filesize` bytes.
    pub fn file(&mut self, children: &[Cid], filesize: u64) -> Cid {
        let links = children.iter().map(|c| link("", c, 0)).collect();
        self.put(
            links,
            UnixfsData {
                kind: Some(DataType::File),
                filesize: Some(filesize),
                ..Default::default()
            },
        )
    }

    /// A file node over `children` as kubo writes one: each child's size in
    /// `blocksizes`, their sum as the file's size (whatever they hold).
    pub fn file_sized(&mut self, children: &[(Cid, u64)]) -> Cid {
        let links = children.iter().map(|(c, _)| link("", c, 0)).collect();
        self.put(
            links,
            UnixfsData {
                kind: Some(DataType::File),
                filesize: Some(children.iter().map(|(_, s)| s).sum()),
                blocksizes: children.iter().map(|(_, s)| *s).collect(),
                ..Default::default()
            },
        )
    }

    /// A plain folder of `(name, cid, tsize)`.
    pub fn dir(&mut self, entries: &[(String, Cid, u64)]) -> Cid {
        let links = entries.iter().map(|(n, c, t)| link(n, c, *t)).collect();
        self.put(
            links,
            UnixfsData {
                kind: Some(DataType::Directory),
                ..Default::default()
            },
        )
    }

    /// A HAMT shard whose links are named exactly as given (a hostile one).
    pub fn shard_named(&mut self, links: &[(&str, Cid)]) -> Cid {
        let links = links.iter().map(|(n, c)| link(n, c, 10)).collect();
        self.put(
            links,
            UnixfsData {
                kind: Some(DataType::HamtShard),
                data: Some(vec![0xff; 32]),
                hash_type: Some(0x22),
                fanout: Some(256),
                ..Default::default()
            },
        )
    }

    /// A HAMT shard of `entries` (each name given its two-digit prefix) and
    /// of inner `shards`.
    pub fn shard(&mut self, entries: &[(String, Cid)], shards: &[Cid]) -> Cid {
        let mut named: Vec<(String, Cid)> = entries
            .iter()
            .enumerate()
            .map(|(i, (n, c))| (format!("{:02X}{n}", i % 256), *c))
            .collect();
        named.extend(
            shards
                .iter()
                .enumerate()
                .map(|(i, c)| (format!("{:02X}", i % 256), *c)),
        );
        let links: Vec<(&str, Cid)> = named.iter().map(|(n, c)| (n.as_str(), *c)).collect();
        self.shard_named(&links)
    }

    /// Bytes served under a CID they do not match (a cycle can only be
    /// named this way: a real CID cannot name its own ancestor).
    pub fn forge(&mut self, cid: Cid, bytes: Vec<u8>) {
        self.map.insert(cid, Bytes::from(bytes));
    }

    /// The two-block HAMT bomb: a root of `n` links all to one shard that
    /// holds `n` entries (`n`² names, two blocks).
    pub fn hamt_bomb(&mut self, n: usize) -> Cid {
        let file = self.leaf(b"x");
        let entries: Vec<(String, Cid)> = (0..n).map(|i| (format!("{i:x}"), file)).collect();
        let inner = self.shard(&entries, &[]);
        let shards = vec![inner; n];
        self.shard(&[], &shards)
    }

    /// A chain: each of `levels` file nodes links the one before `fan`
    /// times; the bottom is a leaf of one byte. Honest-looking and small,
    /// `fan`^`levels` leaf visits if walked without memory.
    pub fn chain(&mut self, levels: usize, fan: usize) -> Cid {
        let mut at = self.leaf(b"z");
        let mut size = 1u64;
        for _ in 0..levels {
            size = size.saturating_mul(fan as u64);
            at = self.file(&vec![at; fan], size);
        }
        at
    }

    /// A folder of `n` entries, all the same `file` of `size` bytes.
    pub fn folder_bomb(&mut self, n: usize, file: Cid, size: u64) -> Cid {
        let entries: Vec<(String, Cid, u64)> = (0..n)
            .map(|i| (format!("copy-{i:06}"), file, size))
            .collect();
        self.dir(&entries)
    }
}

/// What the gateway serves and counts.
type Served = (
    Arc<HashMap<Cid, Bytes>>,
    Arc<AtomicU64>,
    Arc<Mutex<HashMap<String, u64>>>,
);

/// A gateway on loopback serving `?format=raw` blocks (412 for any other
/// request), counting every request.
pub struct Gateway {
    pub url: String,
    requests: Arc<AtomicU64>,
    pub asked: Arc<Mutex<HashMap<String, u64>>>,
}

impl Gateway {
    pub async fn serve(blocks: &Blocks) -> Gateway {
        let map = Arc::new(blocks.map.clone());
        let requests = Arc::new(AtomicU64::new(0));
        let asked = Arc::new(Mutex::new(HashMap::new()));
        let st = (map, requests.clone(), asked.clone());
        async fn one(
            State((map, n, asked)): State<Served>,
            method: axum::http::Method,
            headers: axum::http::HeaderMap,
            Path(path): Path<String>,
            Query(q): Query<HashMap<String, String>>,
        ) -> axum::response::Response {
            n.fetch_add(1, Ordering::Relaxed);
            *asked.lock().unwrap().entry(path.clone()).or_default() += 1;
            let Some(cid) = Cid::try_from(path.as_str()).ok() else {
                return (StatusCode::BAD_REQUEST, "not a CID").into_response();
            };
            let Some(block) = map.get(&cid).cloned() else {
                return (StatusCode::PRECONDITION_FAILED, "not in local datastore").into_response();
            };
            let format = q.get("format").map(String::as_str);
            if format == Some("raw") {
                return (StatusCode::OK, block).into_response();
            }
            let dir = is_dir(&block);
            if method == axum::http::Method::HEAD {
                // As kubo: a folder without its trailing slash moves.
                return if dir {
                    (
                        StatusCode::MOVED_PERMANENTLY,
                        [("location", format!("/ipfs/{cid}/"))],
                    )
                        .into_response()
                } else {
                    StatusCode::OK.into_response()
                };
            }
            if wants_car(&headers) {
                // Every block as a depth-first walk meets it (dups=y), made
                // as it is sent, as kubo streams it.
                let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(16);
                let map = map.clone();
                std::thread::spawn(move || car_walk(&map, cid, &tx));
                let body = axum::body::Body::from_stream(tokio_stream_from(rx));
                return (
                    StatusCode::OK,
                    [(
                        "content-type",
                        "application/vnd.ipld.car; version=1; order=dfs; dups=y",
                    )],
                    body,
                )
                    .into_response();
            }
            if format == Some("tar") {
                // Streamed as kubo streams it, entry by entry, without
                // looking for repeats: whatever the item names.
                let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(16);
                let map = map.clone();
                std::thread::spawn(move || {
                    let _ = tar_walk(&map, &cid, &cid.to_string(), &tx);
                });
                let body = axum::body::Body::from_stream(tokio_stream_from(rx));
                return (
                    StatusCode::OK,
                    [("content-type", "application/x-tar")],
                    body,
                )
                    .into_response();
            }
            (StatusCode::BAD_REQUEST, "ask ?format=raw or ?format=tar").into_response()
        }
        let app = axum::Router::new()
            .route("/ipfs/{*path}", axum::routing::get(one).head(one))
            .with_state(st);
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/", l.local_addr().unwrap());
        tokio::spawn(async move {
            let _ = axum::serve(l, app).await;
        });
        Gateway {
            url,
            requests,
            asked,
        }
    }

    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    /// The most times any one path was asked for.
    pub fn most_asked(&self) -> u64 {
        self.asked
            .lock()
            .unwrap()
            .values()
            .copied()
            .max()
            .unwrap_or(0)
    }
}

fn node(block: &[u8]) -> Option<(PbNode, UnixfsData)> {
    let pb = PbNode::decode(block).ok()?;
    let data = UnixfsData::decode(pb.data.as_deref().unwrap_or(&[])).ok()?;
    Some((pb, data))
}

fn is_dir(block: &[u8]) -> bool {
    node(block).is_some_and(|(_, d)| {
        matches!(
            d.kind,
            Some(DataType::Directory) | Some(DataType::HamtShard)
        )
    })
}

fn tokio_stream_from(
    mut rx: tokio::sync::mpsc::Receiver<Result<Bytes, std::io::Error>>,
) -> impl futures_util::Stream<Item = Result<Bytes, std::io::Error>> {
    futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx))
}

type TarTx = tokio::sync::mpsc::Sender<Result<Bytes, std::io::Error>>;

/// One tar entry's header, as bytes.
fn tar_header(path: &str, dir: bool, size: u64) -> Vec<u8> {
    let mut out = Vec::new();
    let mut h = tar::Header::new_gnu();
    h.set_entry_type(if dir {
        tar::EntryType::Directory
    } else {
        tar::EntryType::Regular
    });
    h.set_size(size);
    h.set_mode(if dir { 0o755 } else { 0o644 });
    if path.len() > 99 {
        let mut long = tar::Header::new_gnu();
        long.set_entry_type(tar::EntryType::GNULongName);
        let name = format!("{path}\0");
        long.set_size(name.len() as u64);
        long.set_cksum();
        out.extend_from_slice(long.as_bytes());
        out.extend_from_slice(name.as_bytes());
        out.resize(out.len().div_ceil(512) * 512, 0);
        h.as_gnu_mut().unwrap().name[..10].copy_from_slice(b"long-name\0");
    } else {
        h.set_path(path).unwrap();
    }
    h.set_cksum();
    out.extend_from_slice(h.as_bytes());
    out
}

/// A folder's entries, HAMT shards followed as they come (repeats and all).
fn entries(
    map: &HashMap<Cid, Bytes>,
    pb: &PbNode,
    hamt: bool,
    f: &mut dyn FnMut(String, Cid) -> bool,
) -> bool {
    for l in &pb.links {
        let Ok(c) = Cid::try_from(l.hash.as_slice()) else {
            continue;
        };
        if hamt && l.name.len() <= 2 {
            let Some((child, _)) = map.get(&c).and_then(|b| node(b)) else {
                continue;
            };
            if !entries(map, &child, true, f) {
                return false;
            }
        } else {
            let name = if hamt {
                l.name[2..].to_string()
            } else {
                l.name.clone()
            };
            if !f(name, c) {
                return false;
            }
        }
    }
    true
}

fn file_bytes(map: &HashMap<Cid, Bytes>, c: &Cid, out: &mut dyn FnMut(&[u8]) -> bool) -> bool {
    let Some((pb, data)) = map.get(c).and_then(|b| node(b)) else {
        return true;
    };
    if let Some(d) = &data.data {
        if !out(d) {
            return false;
        }
    }
    for l in &pb.links {
        if let Ok(child) = Cid::try_from(l.hash.as_slice()) {
            if !file_bytes(map, &child, out) {
                return false;
            }
        }
    }
    true
}

/// Streams `c` at `path` as tar entries; false once the reader is gone.
fn tar_walk(map: &HashMap<Cid, Bytes>, c: &Cid, path: &str, tx: &TarTx) -> bool {
    let send = |b: Vec<u8>| tx.blocking_send(Ok(Bytes::from(b))).is_ok();
    let Some((pb, data)) = map.get(c).and_then(|b| node(b)) else {
        return true;
    };
    match data.kind {
        Some(DataType::Directory) | Some(DataType::HamtShard) => {
            if !send(tar_header(&format!("{path}/"), true, 0)) {
                return false;
            }
            let hamt = data.kind == Some(DataType::HamtShard);
            entries(map, &pb, hamt, &mut |name, child| {
                tar_walk(map, &child, &format!("{path}/{name}"), tx)
            })
        }
        _ => {
            let size = data.filesize.unwrap_or(0);
            if !send(tar_header(path, false, size)) {
                return false;
            }
            let mut sent = 0u64;
            let ok = file_bytes(map, c, &mut |b| {
                sent += b.len() as u64;
                send(b.to_vec())
            });
            ok && send(vec![0; (sent.div_ceil(512) * 512 - sent) as usize])
        }
    }
}

fn wants_car(h: &axum::http::HeaderMap) -> bool {
    h.get("accept")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("application/vnd.ipld.car"))
}

/// A CARv1 of `root`'s DAG, depth first, repeats included, until the reader
/// stops reading (written by the simulator's own CAR writer).
fn car_walk(map: &HashMap<Cid, Bytes>, root: Cid, tx: &TarTx) {
    use ccs_tui::sim::car;
    if tx
        .blocking_send(Ok(Bytes::from(car::header(&root))))
        .is_err()
    {
        return;
    }
    let mut stack = vec![root];
    while let Some(c) = stack.pop() {
        let Some(block) = map.get(&c) else { return };
        stack.extend(car::links(&c, block).into_iter().rev());
        if tx.blocking_send(Ok(car::section(&c, block))).is_err() {
            return;
        }
    }
}

/// What a measured run of the binary gave.
pub struct Measured {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    /// Peak resident memory (the kernel's VmHWM, read as it runs), MiB.
    pub peak_mib: f64,
    pub secs: f64,
}

/// Runs the binary, reading its peak memory from /proc while it runs.
pub async fn measured(args: Vec<String>, env: Vec<(&'static str, String)>) -> Measured {
    tokio::task::spawn_blocking(move || {
        use std::io::Read;
        let t0 = std::time::Instant::now();
        let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_ccs-tui"));
        c.args(&args)
            .env("HOME", std::env::temp_dir().join("ccs-tui-no-home"))
            .env_remove("CLUSTER_CREDENTIALS")
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        for (k, v) in env {
            c.env(k, v);
        }
        let mut child = c.spawn().unwrap();
        let mut out = child.stdout.take().unwrap();
        let mut err = child.stderr.take().unwrap();
        let o = std::thread::spawn(move || {
            let mut s = Vec::new();
            let _ = out.read_to_end(&mut s);
            s
        });
        let e = std::thread::spawn(move || {
            let mut s = Vec::new();
            let _ = err.read_to_end(&mut s);
            s
        });
        let status_path = format!("/proc/{}/status", child.id());
        let mut peak_kib = 0u64;
        let code = loop {
            if let Ok(s) = std::fs::read_to_string(&status_path) {
                if let Some(kib) = s
                    .lines()
                    .find(|l| l.starts_with("VmHWM:"))
                    .and_then(|l| l.split_whitespace().nth(1))
                    .and_then(|n| n.parse::<u64>().ok())
                {
                    peak_kib = peak_kib.max(kib);
                }
            }
            if let Some(st) = child.try_wait().unwrap() {
                break st.code().unwrap_or(-1);
            }
            if t0.elapsed() > std::time::Duration::from_secs(120) {
                let _ = child.kill();
            }
            std::thread::sleep(std::time::Duration::from_millis(5));
        };
        Measured {
            code,
            stdout: String::from_utf8_lossy(&o.join().unwrap()).into_owned(),
            stderr: String::from_utf8_lossy(&e.join().unwrap()).into_owned(),
            peak_mib: peak_kib as f64 / 1024.0,
            secs: t0.elapsed().as_secs_f64(),
        }
    })
    .await
    .unwrap()
}
