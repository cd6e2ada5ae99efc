//! Differential conformance: one script of requests — every endpoint the
//! product uses and every error it handles — sent as raw HTTP to the real
//! cluster and to ccs-sim, answers normalised (peer IDs to names, times,
//! ports and sizes that differ by machine) and compared: status, the headers
//! the client reads, body framing, trailers, JSON key order and types, error
//! messages, tar layout.
//!
//! The real answers are recorded in `tests/fixtures/real-cluster/exchanges.json`
//! (`CCS_BACKEND=real CCS_RECORD=1`, inside `scripts/real-cluster exec`), so a
//! plain `cargo test`, with no Go and no daemons, holds the simulator to them.
//! With `CCS_BACKEND=real` the live cluster is also checked against the
//! recording. What may legitimately differ is listed in `KNOWN` with its reason
//! (and in the README).

use crate::common;

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use ccs_tui::unixfs::ImportOptions;
use common::backend::{kind, Backend, Kind};
use common::rawhttp::{multipart, send, Framing, RawRequest, RawResponse};
use regex::Regex;
use serde_json::{json, Map, Value};
use sha2::Digest;

const FIXTURE: &str = "tests/fixtures/real-cluster/exchanges.json";
const BOUNDARY: &str = "ccsconformanceboundary";

/// Differences kept on purpose: (exchange, path inside its record, why).
/// A path ending in `*` covers everything under it.
const KNOWN: &[(&str, &str, &str)] = &[
    (
        "allocations-empty",
        "/headers",
        "hyper drops `Trailer:` from a 204 (no body to trail); the client does not read it there",
    ),
    (
        "pins-filter-empty",
        "/headers",
        "hyper drops `Trailer:` from a 204 (no body to trail); the client does not read it there",
    ),
    (
        "recover-all",
        "/headers",
        "hyper drops `Trailer:` from a 204 (no body to trail); the client does not read it there",
    ),
];

struct Target {
    api: String,
    gateway: String,
    auth: String,
    /// Peer IDs (cluster and kubo) to stable names.
    names: Vec<(String, String)>,
}

/// The content the script adds: fixed bytes, so CIDs are the same everywhere.
struct Content {
    dir: tempfile::TempDir,
}

impl Content {
    fn new() -> Content {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path();
        std::fs::write(p.join("hello.txt"), "hello world\n").unwrap();
        std::fs::create_dir_all(p.join("docs/sub")).unwrap();
        std::fs::write(p.join("docs/a.txt"), "a\n").unwrap();
        std::fs::write(p.join("docs/b.txt"), "b\n").unwrap();
        std::fs::write(p.join("docs/sub/c.txt"), "c\n").unwrap();
        std::fs::write(p.join("docs/.hidden"), "secret\n").unwrap();
        std::fs::write(p.join("big.bin"), big()).unwrap();
        std::fs::write(p.join("local.txt"), "pinned with local=true\n").unwrap();
        std::fs::write(p.join("nas-only.txt"), "allocated to nas only\n").unwrap();
        Content { dir }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    fn cid(&self, rel: &str, v: u8, raw: Option<bool>, hidden: bool, wrap: bool) -> String {
        common::local_cid(&self.path(rel), ImportOptions::new(v, raw), hidden, wrap)
    }

    fn file_part(&self, rel: &str) -> Vec<u8> {
        let bytes = std::fs::read(self.path(rel)).unwrap();
        multipart(&[(rel, Some(&bytes))], BOUNDARY)
    }

    fn docs_parts(&self, hidden: bool) -> Vec<u8> {
        let read = |r: &str| std::fs::read(self.path(r)).unwrap();
        let (h, a, b, c) = (
            read("docs/.hidden"),
            read("docs/a.txt"),
            read("docs/b.txt"),
            read("docs/sub/c.txt"),
        );
        let mut entries: Vec<(&str, Option<&[u8]>)> = vec![("docs", None)];
        if hidden {
            entries.push(("docs/.hidden", Some(&h)));
        }
        entries.extend([
            ("docs/a.txt", Some(&a[..])),
            ("docs/b.txt", Some(&b[..])),
            ("docs/sub", None),
            ("docs/sub/c.txt", Some(&c[..])),
        ]);
        multipart(&entries, BOUNDARY)
    }
}

fn big() -> Vec<u8> {
    (0..600_000u32)
        .map(|i| (i.wrapping_mul(31) % 251) as u8)
        .collect()
}

const EMPTY_DIR: &str = "QmUNLLsPACCz1vLxQVkXqqLX5R1X345qqfHbsf67hvA3Nn";

impl Target {
    async fn from(b: &Backend) -> Target {
        let mut t = Target {
            api: b.api().to_string(),
            gateway: b.gateway().to_string(),
            auth: format!(
                "Basic {}",
                base64::Engine::encode(&base64::engine::general_purpose::STANDARD, b.credentials())
            ),
            names: Vec::new(),
        };
        let peers = b.client().peers().await.unwrap().collect().await.unwrap();
        for p in peers {
            t.names.push((p.id.clone(), format!("<{}>", p.peername)));
            if let Some(ipfs) = Some(p.ipfs.id.as_str()).filter(|s| !s.is_empty()) {
                t.names
                    .push((ipfs.to_string(), format!("<{}.ipfs>", p.peername)));
            }
        }
        t
    }

    fn peer_id(&self, name: &str) -> String {
        let want = format!("<{name}>");
        self.names
            .iter()
            .find(|(_, n)| *n == want)
            .map(|(id, _)| id.clone())
            .expect("peer known")
    }

    fn api_req(&self, method: &str, path: &str) -> RawRequest {
        RawRequest::new(method, &format!("{}{path}", self.api))
            .header("Authorization", &self.auth)
            .header("TE", "trailers")
    }

    fn gw_req(&self, method: &str, path: &str) -> RawRequest {
        RawRequest::new(method, &format!("{}{path}", self.gateway))
    }
}

/// One recorded exchange.
struct Recorder<'a> {
    t: &'a Target,
    cids: Vec<(String, String)>,
    out: Vec<Value>,
}

impl Recorder<'_> {
    /// Plain API requests (exchange, method, path), in order.
    async fn api_all(&mut self, probes: &[(&str, &str, String)]) {
        for (name, method, path) in probes {
            let req = self.t.api_req(method, path);
            self.ex(name, req).await;
        }
    }

    async fn ex(&mut self, name: &str, req: RawRequest) -> RawResponse {
        let r = send(&req).await.unwrap_or_else(|e| panic!("{name}: {e}"));
        let rec = self.normalise(name, &req, &r);
        self.out.push(rec);
        r
    }

    fn norm_str(&self, s: &str) -> String {
        let mut s = s.to_string();
        for (cid, label) in &self.cids {
            s = s.replace(cid, label);
        }
        for (id, name) in &self.t.names {
            s = s.replace(id, name);
        }
        let peer = Regex::new(r"12D3KooW[1-9A-HJ-NP-Za-km-z]{44}").unwrap();
        let time =
            Regex::new(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})").unwrap();
        let addr =
            Regex::new(r"/ip[46]/[0-9a-f.:]+/(tcp|udp)/\d+(/quic-v1)?|127\.0\.0\.1:\d+").unwrap();
        let date =
            Regex::new(r"[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT").unwrap();
        s = peer.replace_all(&s, "<peer>").into_owned();
        s = time.replace_all(&s, "<time>").into_owned();
        s = addr.replace_all(&s, "<addr>").into_owned();
        s = date.replace_all(&s, "<date>").into_owned();
        // Validators that hash the daemon's own templates, not the content.
        let dir_index = Regex::new(r"DirIndex-[a-z0-9]+_").unwrap();
        let car_etag = Regex::new(r"\.car\.[a-z0-9]+").unwrap();
        s = dir_index
            .replace_all(&s, "DirIndex-<template>_")
            .into_owned();
        s = car_etag.replace_all(&s, ".car.<params>").into_owned();
        if s.len() >= 9 && s.bytes().all(|b| b.is_ascii_digit()) {
            return "<digits>".into();
        }
        s
    }

    fn norm_json(&self, v: &Value) -> Value {
        match v {
            Value::String(s) => Value::String(self.norm_str(s)),
            Value::Number(n) => match n.as_i64() {
                Some(i) if i.unsigned_abs() >= 100_000_000 => json!("<bignum>"),
                _ => v.clone(),
            },
            Value::Array(a) => {
                let mut v: Vec<Value> = a.iter().map(|x| self.norm_json(x)).collect();
                // Lists of peers and their addresses come in peer-ID order,
                // which differs between clusters; how many addresses a peer
                // announces depends on its interfaces.
                let peerish = |x: &Value| {
                    x.as_str()
                        .is_some_and(|s| s.contains('>') && s.contains('<'))
                };
                if !v.is_empty() && v.iter().all(peerish) {
                    v.sort_by_key(|x| x.to_string());
                    v.dedup();
                }
                // Other lists of names (metric names) come in Go's map order.
                if v.iter().all(Value::is_string) {
                    v.sort_by_key(|x| x.to_string());
                }
                // Metrics, one per peer: by peer.
                if v.iter().all(|x| x.get("peer").is_some()) {
                    v.sort_by_key(|x| x["peer"].to_string());
                }
                Value::Array(v)
            }
            Value::Object(o) => {
                let mut entries: Vec<(String, Value)> = o
                    .iter()
                    .map(|(k, x)| (self.norm_str(k), self.norm_json(x)))
                    .collect();
                // Go sorts map keys; keyed by peer ID the order is the IDs',
                // which differ between clusters: order by the names instead.
                if o.keys().all(|k| k.starts_with("12D3KooW")) {
                    entries.sort_by(|a, b| a.0.cmp(&b.0));
                }
                Value::Object(entries.into_iter().collect::<Map<_, _>>())
            }
            _ => v.clone(),
        }
    }

    /// A collection's answer, per peer: which of the script's items it
    /// freed (by label; any other block is `<other>`), or its error. The
    /// blocks of a kubo's own making differ between machines.
    fn norm_gc(body: Value) -> Value {
        let Value::Object(mut o) = body else {
            return body;
        };
        if let Some(Value::Object(peers)) = o.get_mut("json").and_then(|j| j.get_mut("peer_map")) {
            for entry in peers.values_mut() {
                let Some(keys) = entry.get_mut("keys") else {
                    continue;
                };
                if let Value::Array(list) = keys {
                    let mut labels: Vec<String> = list
                        .iter()
                        .map(|k| match k.get("key").and_then(Value::as_str) {
                            Some(s) if s.starts_with('<') => s.to_string(),
                            Some(_) => "<other>".to_string(),
                            None => format!("<error: {}>", k.get("error").unwrap_or(&Value::Null)),
                        })
                        .collect();
                    labels.sort();
                    labels.dedup();
                    *keys = json!(labels);
                }
            }
        }
        Value::Object(o)
    }

    fn normalise(&self, name: &str, req: &RawRequest, r: &RawResponse) -> Value {
        const READ: [&str; 12] = [
            "content-type",
            "trailer",
            "location",
            "www-authenticate",
            "content-range",
            "accept-ranges",
            "content-disposition",
            "etag",
            "x-ipfs-path",
            "x-content-type-options",
            "cache-control",
            "x-stream-error",
        ];
        let mut headers = Map::new();
        for h in READ {
            if let Some(v) = r.header(h) {
                headers.insert(h.into(), json!(self.norm_str(v)));
            }
        }
        let is_gateway = req.url.starts_with(&self.t.gateway);
        if is_gateway && r.status < 300 && req.method != "HEAD" {
            if let Some(v) = r.header("content-length") {
                headers.insert("content-length".into(), json!(v));
            }
        }
        let trailers: Vec<Value> = r
            .trailers
            .iter()
            .map(|(k, v)| json!([k.to_ascii_lowercase(), self.norm_str(v)]))
            .collect();
        let path = req
            .url
            .split_once("://")
            .and_then(|(_, rest)| rest.find('/').map(|i| rest[i..].to_string()))
            .unwrap_or_default();
        json!({
            "name": name,
            "request": format!("{} {}", req.method, self.norm_str(&path)),
            "status": r.status,
            "framing": match r.framing {
                Framing::Length => "length",
                Framing::Chunked => "chunked",
                Framing::Close => "close",
                Framing::None => "none",
            },
            "headers": headers,
            "trailers": trailers,
            "body": if name == "ipfs-gc" {
                Self::norm_gc(self.body(r, false))
            } else {
                self.body(r, path.starts_with("/allocations"))
            },
        })
    }

    fn body(&self, r: &RawResponse, ordered: bool) -> Value {
        if r.body.is_empty() {
            return Value::Null;
        }
        let ct = r.header("content-type").unwrap_or("");
        if ct.contains("x-tar") {
            return tar_layout(self, &r.body);
        }
        if ct.contains("vnd.ipld.car") {
            return self.car_layout(&r.body);
        }
        if ct.contains("vnd.ipld.raw") || ct.contains("octet-stream") {
            return json!({
                "bytes": r.body.len(),
                "sha256": hex(&sha2::Sha256::digest(&r.body)),
            });
        }
        if ct.contains("text/html") {
            let text = String::from_utf8_lossy(&r.body);
            let mut names: Vec<&str> = ["a.txt", "b.txt", "sub", ".hidden"]
                .into_iter()
                .filter(|n| text.contains(&format!(">{n}<")))
                .collect();
            names.sort_unstable();
            return json!({ "html_lists": names });
        }
        let text = String::from_utf8_lossy(&r.body).into_owned();
        if ct.contains("json") {
            if let Ok(v) = serde_json::from_str::<Value>(&text) {
                return json!({ "json": self.norm_json(&v) });
            }
            let lines: Result<Vec<Value>, _> = text
                .lines()
                .filter(|l| !l.trim().is_empty())
                .map(serde_json::from_str::<Value>)
                .collect();
            if let Ok(lines) = lines {
                let mut v: Vec<Value> = lines.iter().map(|v| self.norm_json(v)).collect();
                // Only /allocations promises an order (the state's keys);
                // peers and global status come as the peers answer.
                if !ordered {
                    v.sort_by_key(|x| {
                        x.get("cid")
                            .or_else(|| x.get("peername"))
                            .map(|c| c.to_string())
                            .unwrap_or_default()
                    });
                }
                return json!({ "ndjson": v });
            }
        }
        if ct.starts_with("text/") || ct.is_empty() {
            return json!({ "text": self.norm_str(&text) });
        }
        json!({
            "bytes": r.body.len(),
            "sha256": hex(&sha2::Sha256::digest(&r.body)),
        })
    }

    fn car_layout(&self, b: &[u8]) -> Value {
        let mut rest = b;
        let Some((hlen, n)) = uvarint(rest) else {
            return json!({"car": "bad header"});
        };
        let header = &rest[n..n + hlen as usize];
        rest = &rest[n + hlen as usize..];
        let mut blocks = Vec::new();
        while !rest.is_empty() {
            let Some((len, n)) = uvarint(rest) else { break };
            let sect = &rest[n..n + len as usize];
            let mut cur = std::io::Cursor::new(sect);
            match cid::Cid::read_bytes(&mut cur) {
                Ok(c) => blocks.push(self.norm_str(&c.to_string())),
                Err(_) => blocks.push("<bad cid>".into()),
            }
            rest = &rest[n + len as usize..];
        }
        json!({"car": {"header": hex(header), "blocks": blocks}})
    }
}

fn uvarint(b: &[u8]) -> Option<(u64, usize)> {
    let mut x = 0u64;
    for (i, byte) in b.iter().enumerate().take(10) {
        x |= u64::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            return Some((x, i + 1));
        }
    }
    None
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn tar_layout(r: &Recorder<'_>, b: &[u8]) -> Value {
    let mut a = tar::Archive::new(b);
    let mut out = Vec::new();
    let Ok(entries) = a.entries() else {
        return json!({"tar": "unreadable"});
    };
    for e in entries {
        let Ok(e) = e else {
            out.push(json!("<bad entry>"));
            continue;
        };
        let h = e.header();
        out.push(json!({
            "path": r.norm_str(&e.path().map(|p| p.display().to_string()).unwrap_or_default()),
            "type": format!("{:?}", h.entry_type()),
            "mode": format!("{:o}", h.mode().unwrap_or(0)),
            "size": h.size().unwrap_or(0),
            "mtime": if h.mtime().unwrap_or(0) == 0 { "zero" } else { "set" },
            "format": if h.as_ustar().is_some() { "ustar" } else if h.as_gnu().is_some() { "gnu" } else { "old" },
        }));
    }
    json!({ "tar": out })
}

/// A gateway request of the script: exchange, method, path, extra header.
type GatewayProbe = (
    &'static str,
    &'static str,
    String,
    Option<(&'static str, &'static str)>,
);

/// The script: the same requests, in the same order, against either backend.
async fn script(b: &Backend) -> Vec<Value> {
    let t = Target::from(b).await;
    let c = Content::new();
    let hello = c.cid("hello.txt", 0, None, false, false);
    let docs = c.cid("docs", 0, None, false, false);
    let docs_v1_hidden_wrapped = c.cid("docs", 1, None, true, true);
    let big_raw = c.cid("big.bin", 0, Some(true), false, false);
    let local = c.cid("local.txt", 0, None, false, false);
    let nas_only = c.cid("nas-only.txt", 0, None, false, false);
    // Never added: what a peer that lost its copy is asked for.
    let absent = ccs_tui::unixfs::cid_of_bytes(
        b"never added to the cluster\n",
        ccs_tui::unixfs::ImportOptions::default(),
    )
    .cid
    .to_string();
    let mut r = Recorder {
        t: &t,
        cids: vec![
            (hello.clone(), "<hello>".into()),
            (docs.clone(), "<docs>".into()),
            (
                docs_v1_hidden_wrapped.clone(),
                "<docs-v1-hidden-wrapped>".into(),
            ),
            (big_raw.clone(), "<big-raw>".into()),
            (local.clone(), "<local>".into()),
            (nas_only.clone(), "<nas-only>".into()),
            (absent.clone(), "<absent>".into()),
        ],
        out: Vec::new(),
    };
    // Leftovers of an earlier recording on the same cluster would change the answers.
    for cid in [
        &hello,
        &docs,
        &docs_v1_hidden_wrapped,
        &big_raw,
        &local,
        &nas_only,
    ] {
        let _ = b.client().unpin(cid).await;
    }
    let _ = b.client().unpin(EMPTY_DIR).await;
    for cid in [
        &hello,
        &docs,
        &docs_v1_hidden_wrapped,
        &big_raw,
        &local,
        &nas_only,
    ] {
        b.wait_status(cid, Duration::from_secs(60), |s| {
            s == ccs_tui::cluster::types::TrackerStatus::Unpinned
        })
        .await;
    }

    // Identity, peers, authentication.
    r.ex("version", t.api_req("GET", "/version")).await;
    r.ex("id", t.api_req("GET", "/id")).await;
    r.ex("peers", t.api_req("GET", "/peers")).await;
    r.ex(
        "401-no-credentials",
        RawRequest::new("GET", &format!("{}/version", t.api)),
    )
    .await;
    r.ex(
        "401-wrong-password",
        RawRequest::new("GET", &format!("{}/version", t.api))
            .header("Authorization", "Basic YWRtaW46d3Jvbmc="),
    )
    .await;
    r.ex(
        "401-bad-bearer",
        RawRequest::new("GET", &format!("{}/version", t.api))
            .header("Authorization", "Bearer not.a.token"),
    )
    .await;
    r.ex("404-route", t.api_req("GET", "/no/such/route")).await;
    r.ex("405-method", t.api_req("DELETE", "/version")).await;
    r.ex("307-trailing-slash", t.api_req("GET", "/peers/?x=1"))
        .await;

    // Empty pinset, bad and unknown CIDs.
    r.api_all(&[
        (
            "allocations-empty",
            "GET",
            "/allocations?filter=all".to_string(),
        ),
        (
            "pins-filter-empty",
            "GET",
            "/pins?filter=pin_error".to_string(),
        ),
        ("pins-filter-bad", "GET", "/pins?filter=bogus".to_string()),
        ("status-bad-cid", "GET", "/pins/notacid".to_string()),
        ("allocation-unknown", "GET", format!("/allocations/{hello}")),
        ("status-unknown", "GET", format!("/pins/{hello}")),
        ("unpin-unknown", "DELETE", format!("/pins/{hello}")),
    ])
    .await;

    // Adds, with each option the product sends.
    let mp = format!("multipart/form-data; boundary={BOUNDARY}");
    r.ex(
        "add-file-stream",
        t.api_req("POST", "/add?name=hello.txt&stream-channels=true")
            .header("Content-Type", &mp)
            .body(c.file_part("hello.txt")),
    )
    .await;
    r.ex(
        "add-folder-buffered",
        t.api_req("POST", "/add?name=docs&stream-channels=false")
            .header("Content-Type", &mp)
            .body(c.docs_parts(false)),
    )
    .await;
    r.ex(
        "add-folder-v1-hidden-wrap",
        t.api_req(
            "POST",
            "/add?name=docs-v1&cid-version=1&hidden=true&wrap-with-directory=true&stream-channels=true",
        )
        .header("Content-Type", &mp)
        .body(c.docs_parts(true)),
    )
    .await;
    r.ex(
        "add-raw-leaves-progress",
        t.api_req("POST", "/add?name=big.bin&raw-leaves=true&progress=true")
            .header("Content-Type", &mp)
            .body(c.file_part("big.bin")),
    )
    .await;
    r.ex(
        "add-local-metadata-replication",
        t.api_req(
            "POST",
            "/add?name=local.txt&local=true&replication-min=1&replication-max=1&meta-org=hrdag&meta-size=23",
        )
        .header("Content-Type", &mp)
        .body(c.file_part("local.txt")),
    )
    .await;
    let nas = t.peer_id("nas");
    r.ex(
        "add-allocations",
        t.api_req(
            "POST",
            &format!(
                "/add?name=nas-only.txt&replication-min=1&replication-max=1&user-allocations={nas}"
            ),
        )
        .header("Content-Type", &mp)
        .body(c.file_part("nas-only.txt")),
    )
    .await;
    r.ex(
        "add-not-multipart",
        t.api_req("POST", "/add")
            .header("Content-Type", "application/json")
            .body(b"{}".to_vec()),
    )
    .await;
    r.ex(
        "add-too-many-replicas",
        t.api_req("POST", "/add?replication-min=5&replication-max=5")
            .header("Content-Type", &mp)
            .body(c.file_part("hello.txt")),
    )
    .await;
    for cid in [&hello, &docs, &docs_v1_hidden_wrapped, &big_raw] {
        b.wait_pinned(cid, Duration::from_secs(60)).await;
    }
    for cid in [&local, &nas_only] {
        b.wait_status(cid, Duration::from_secs(60), |s| {
            matches!(
                s,
                ccs_tui::cluster::types::TrackerStatus::Pinned
                    | ccs_tui::cluster::types::TrackerStatus::Remote
            )
        })
        .await;
    }

    // The pinset and status, now with content.
    r.api_all(&[
        ("allocations", "GET", "/allocations?filter=pin".to_string()),
        ("allocation", "GET", format!("/allocations/{local}")),
        ("pins-cids", "GET", format!("/pins?cids={hello},{nas_only}")),
        (
            "pins-filter-pinned",
            "GET",
            "/pins?filter=pinned".to_string(),
        ),
        (
            "pins-filter-remote",
            "GET",
            "/pins?filter=remote".to_string(),
        ),
        ("status", "GET", format!("/pins/{nas_only}")),
        ("status-local", "GET", format!("/pins/{hello}?local=true")),
    ])
    .await;

    r.api_all(&[
        (
            "pin",
            "POST",
            format!(
                "/pins/{EMPTY_DIR}?name=empty&replication-min=2&replication-max=3&meta-org=hrdag"
            ),
        ),
        (
            "pin-too-many-replicas",
            "POST",
            format!("/pins/{nas_only}?replication-min=5&replication-max=5"),
        ),
        (
            "pin-bad-replication",
            "POST",
            format!("/pins/{nas_only}?replication-min=3&replication-max=2"),
        ),
        // `pin-update=FROM` pins a CID as FROM is pinned: FROM's
        // allocations, replication and metadata; only a name replaces FROM's.
        (
            "pin-update",
            "POST",
            format!("/pins/{absent}?pin-update={nas_only}&name=renamed&replication-min=3&replication-max=3&meta-k=v"),
        ),
        ("pin-update-read-back", "GET", format!("/allocations/{absent}")),
        ("unpin-updated", "DELETE", format!("/pins/{absent}")),
        (
            "pin-update-from-unpinned",
            "POST",
            format!("/pins/{nas_only}?pin-update={absent}"),
        ),
        // A bad pin-update is a 400, and the pin happens anyway.
        (
            "pin-update-bad",
            "POST",
            format!("/pins/{nas_only}?name=nas-only.txt&replication-min=1&replication-max=1&pin-update=nonsense"),
        ),
        ("recover-one", "POST", format!("/pins/{hello}/recover")),
        ("recover-all", "POST", "/pins/recover".to_string()),
        (
            "metrics-freespace",
            "GET",
            "/monitor/metrics/freespace".to_string(),
        ),
        ("metric-names", "GET", "/monitor/metrics".to_string()),
        ("alerts", "GET", "/health/alerts".to_string()),
    ])
    .await;

    // The gateway: (exchange, method, path, extra header).
    let gateway: [GatewayProbe; 16] = [
        ("gw-head-file", "HEAD", format!("/ipfs/{hello}"), None),
        ("gw-get-file", "GET", format!("/ipfs/{hello}"), None),
        ("gw-folder-redirect", "GET", format!("/ipfs/{docs}"), None),
        ("gw-folder-listing", "GET", format!("/ipfs/{docs}/"), None),
        ("gw-head-folder", "HEAD", format!("/ipfs/{docs}/"), None),
        ("gw-path", "GET", format!("/ipfs/{docs}/sub/c.txt"), None),
        (
            "gw-path-missing",
            "GET",
            format!("/ipfs/{docs}/nope.txt"),
            None,
        ),
        (
            "gw-range",
            "GET",
            format!("/ipfs/{big_raw}"),
            Some(("Range", "bytes=100-199")),
        ),
        (
            "gw-range-unsatisfiable",
            "GET",
            format!("/ipfs/{hello}"),
            Some(("Range", "bytes=500-600")),
        ),
        ("gw-tar", "GET", format!("/ipfs/{docs}?format=tar"), None),
        (
            "gw-tar-file",
            "GET",
            format!("/ipfs/{hello}?format=tar"),
            None,
        ),
        ("gw-raw", "GET", format!("/ipfs/{docs}?format=raw"), None),
        (
            "gw-raw-accept",
            "GET",
            format!("/ipfs/{hello}"),
            Some(("Accept", "application/vnd.ipld.raw")),
        ),
        ("gw-car", "GET", format!("/ipfs/{docs}?format=car"), None),
        // The audit's question: do you hold it yourself?
        (
            "gw-raw-only-if-cached",
            "GET",
            format!("/ipfs/{hello}?format=raw"),
            Some(("Cache-Control", "only-if-cached")),
        ),
        (
            "gw-raw-absent-only-if-cached",
            "GET",
            format!("/ipfs/{absent}?format=raw"),
            Some(("Cache-Control", "only-if-cached")),
        ),
    ];
    for (name, method, path, header) in gateway {
        let mut req = t.gw_req(method, &path);
        if let Some((k, v)) = header {
            req = req.header(k, v);
        }
        r.ex(name, req).await;
    }
    r.ex("gw-bad-cid", t.gw_req("GET", "/ipfs/notacid")).await;

    // Unpin, as the console and `rm` do.
    r.ex("unpin", t.api_req("DELETE", &format!("/pins/{hello}")))
        .await;
    r.ex(
        "unpin-again",
        t.api_req("DELETE", &format!("/pins/{hello}")),
    )
    .await;
    // Out of the pinset, every peer answers `unpinned` at once, whatever
    // its kubo is still doing (what an erase must not take as proof).
    r.ex("unpin-status", t.api_req("GET", &format!("/pins/{hello}")))
        .await;
    for cid in [&docs, &docs_v1_hidden_wrapped, &big_raw, &local, &nas_only] {
        let _ = b.client().unpin(cid).await;
    }
    let _ = b.client().unpin(EMPTY_DIR).await;
    // Unpinned is still stored and served, until the kubos collect garbage.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let cached = |name: &'static str| {
        (
            name,
            t.gw_req("GET", &format!("/ipfs/{hello}?format=raw"))
                .header("Cache-Control", "only-if-cached"),
        )
    };
    let (n, req) = cached("gw-unpinned-only-if-cached");
    r.ex(n, req).await;
    r.ex("ipfs-gc", t.api_req("POST", "/ipfs/gc")).await;
    let (n, req) = cached("gw-collected-only-if-cached");
    r.ex(n, req).await;
    r.out
}

/// Every difference between two recordings, as `exchange: path: a != b`.
fn differences(expected: &[Value], got: &[Value]) -> Vec<String> {
    let mut out = Vec::new();
    let by_name: HashMap<&str, &Value> = got
        .iter()
        .map(|v| (v["name"].as_str().unwrap_or(""), v))
        .collect();
    for e in expected {
        let name = e["name"].as_str().unwrap_or("");
        match by_name.get(name) {
            None => out.push(format!("{name}: not in the simulator's answers")),
            Some(g) => diff(name, "", e, g, &mut out),
        }
    }
    out.retain(|d| {
        !KNOWN.iter().any(|(ex, path, _)| {
            let Some(rest) = d.strip_prefix(&format!("{ex}: ")) else {
                return false;
            };
            match path.strip_suffix('*') {
                Some(prefix) => rest.starts_with(prefix),
                None => rest.starts_with(&format!("{path}:")),
            }
        })
    });
    out
}

fn diff(name: &str, path: &str, a: &Value, b: &Value, out: &mut Vec<String>) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let kx: Vec<&String> = x.keys().collect();
            let ky: Vec<&String> = y.keys().collect();
            if kx != ky {
                out.push(format!("{name}: {path}: keys {kx:?} != {ky:?}"));
            }
            for (k, v) in x {
                if let Some(w) = y.get(k) {
                    diff(name, &format!("{path}/{k}"), v, w, out);
                }
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            if x.len() != y.len() {
                out.push(format!(
                    "{name}: {path}: {} items != {} items",
                    x.len(),
                    y.len()
                ));
            }
            for (i, (v, w)) in x.iter().zip(y).enumerate() {
                diff(name, &format!("{path}/{i}"), v, w, out);
            }
        }
        _ if a == b => {}
        _ => out.push(format!("{name}: {path}: {a} != {b}")),
    }
}

fn load_fixture() -> Vec<Value> {
    let text = std::fs::read_to_string(FIXTURE)
        .unwrap_or_else(|e| panic!("{FIXTURE}: {e} (record it with scripts/real-cluster record)"));
    let v: Value = serde_json::from_str(&text).expect("fixture is JSON");
    v["exchanges"].as_array().cloned().expect("exchanges")
}

fn report(what: &str, diffs: &[String]) {
    assert!(
        diffs.is_empty(),
        "{what}: {} difference(s):\n{}",
        diffs.len(),
        diffs.join("\n")
    );
}

#[tokio::test]
async fn the_simulator_answers_as_the_real_cluster_recorded() {
    let expected = load_fixture();
    let sim = Backend::start_sim().await;
    let got = script(&sim).await;
    report(
        "ccs-sim vs the recorded real cluster",
        &differences(&expected, &got),
    );
}

#[tokio::test]
async fn the_real_cluster_still_answers_as_recorded() {
    if kind() != Kind::Real {
        // Plain `cargo test` has no daemons; the real suite runs this one.
        return;
    }
    let real = Backend::start().await;
    let got = script(&real).await;
    if std::env::var("CCS_RECORD").as_deref() == Ok("1") {
        let versions = real.client().version().await.unwrap().version;
        let doc = json!({
            "recorded_with": format!("ipfs-cluster {versions}, kubo (scripts/real-cluster)"),
            "how": "CCS_RECORD=1 scripts/real-cluster record",
            "exchanges": got,
        });
        std::fs::create_dir_all("tests/fixtures/real-cluster").unwrap();
        std::fs::write(FIXTURE, serde_json::to_string_pretty(&doc).unwrap() + "\n").unwrap();
        return;
    }
    report(
        "the real cluster vs its recording",
        &differences(&load_fixture(), &got),
    );
}
