//! Hostile items, block by block: a small builder of valid UnixFS blocks
//! (every block verifies against its CID, as an attacker's would), a
//! gateway on loopback that serves them and counts what it was asked, and
//! a run of the binary that reports its peak memory.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use axum::extract::{Path, State};
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

    /// A HAMT shard: `entries` (named `XX` + name) and `shards` (named `XX`).
    pub fn shard(&mut self, entries: &[(String, Cid)], shards: &[Cid]) -> Cid {
        let mut links: Vec<PbLink> = entries
            .iter()
            .enumerate()
            .map(|(i, (n, c))| link(&format!("{:02X}{n}", i % 256), c, 10))
            .collect();
        links.extend(
            shards
                .iter()
                .enumerate()
                .map(|(i, c)| link(&format!("{:02X}", i % 256), c, 10)),
        );
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
            Path(path): Path<String>,
        ) -> axum::response::Response {
            n.fetch_add(1, Ordering::Relaxed);
            *asked.lock().unwrap().entry(path.clone()).or_default() += 1;
            match Cid::try_from(path.as_str())
                .ok()
                .and_then(|c| map.get(&c).cloned())
            {
                Some(b) => (StatusCode::OK, b).into_response(),
                None => (StatusCode::PRECONDITION_FAILED, "not in local datastore").into_response(),
            }
        }
        let app = axum::Router::new()
            .route("/ipfs/{*path}", axum::routing::get(one))
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
