//! Scenarios: the `demo` archive (from `assets/demo-scenario.yml`) and the
//! synthetic large pinsets used for scale tests and benchmarks.

use std::time::{Duration, Instant};

use rand::{Rng, SeedableRng};
use serde::Deserialize;

use super::state::{PinRec, SimState};
use crate::unixfs::{BlockSink, FileBuilder, ImportOptions, TreeImporter};

pub const DEMO_YAML: &str = include_str!("../../assets/demo-scenario.yml");

#[derive(Debug, Deserialize)]
pub struct Scenario {
    pub seed: u64,
    pub replication_min: i32,
    pub replication_max: i32,
    pub peers: Vec<PeerSpec>,
    pub collections: Vec<Collection>,
    #[serde(default)]
    pub errors: Vec<ErrorSpec>,
    #[serde(default)]
    pub pinning: Vec<usize>,
    /// The archive's past, before the collections: what the capacity
    /// screen draws.
    #[serde(default)]
    pub history: Option<History>,
}

/// Months of items before the collections, org by org.
#[derive(Debug, Deserialize)]
pub struct History {
    pub months: u32,
    pub orgs: Vec<OrgHistory>,
}

/// One org's items per month, their sizes, and its growth: over the last
/// `growing_months`, each month's count is `growth` times the one before.
#[derive(Debug, Deserialize)]
pub struct OrgHistory {
    pub org: String,
    pub kind: String,
    pub per_month: f64,
    /// The sizes the items stand for, in GB: uniform in [low, high].
    pub size_gb: (f64, f64),
    #[serde(default = "one")]
    pub growth: f64,
    #[serde(default)]
    pub growing_months: u32,
}

fn one() -> f64 {
    1.0
}

#[derive(Debug, Deserialize)]
pub struct PeerSpec {
    pub name: String,
    pub free_space_gb: u64,
    #[serde(default)]
    pub offline: Option<String>,
    /// Addresses its kubo announces besides its tailnet one (`/ip4/…/tcp/4001`).
    #[serde(default)]
    pub announces: Vec<String>,
}

#[derive(Debug, Deserialize)]
pub struct Collection {
    pub kind: String,
    pub count: usize,
    pub org: String,
}

#[derive(Debug, Deserialize)]
pub struct ErrorSpec {
    pub item: usize,
    pub peer: String,
    pub message: String,
}

pub fn demo() -> Result<SimState, String> {
    let sc: Scenario =
        serde_yaml::from_str(DEMO_YAML).map_err(|e| format!("demo scenario: {e}"))?;
    build(&sc)
}

fn started_ago(secs: u64) -> Instant {
    let now = Instant::now();
    now.checked_sub(Duration::from_secs(secs)).unwrap_or(now)
}

/// Deterministic filler bytes for demo files.
fn bytes(rng: &mut impl Rng, len: usize) -> Vec<u8> {
    let mut v = vec![0u8; len];
    rng.fill(v.as_mut_slice());
    v
}

/// Filler behind a real file header, so previews have something true to say.
fn with_header(header: &[u8], rng: &mut impl Rng, len: usize) -> Vec<u8> {
    let mut v = header.to_vec();
    v.extend(bytes(rng, len.saturating_sub(header.len())));
    v
}

/// A little-endian TIFF header whose one IFD says 2480 × 3508 (A4, 300 dpi).
fn tiff_header() -> Vec<u8> {
    let mut h = b"II*\0".to_vec();
    h.extend(8u32.to_le_bytes());
    h.extend(2u16.to_le_bytes());
    for (tag, v) in [(256u16, 2480u32), (257, 3508)] {
        h.extend(tag.to_le_bytes());
        h.extend(4u16.to_le_bytes());
        h.extend(1u32.to_le_bytes());
        h.extend(v.to_le_bytes());
    }
    h.extend(0u32.to_le_bytes());
    h
}

/// A JPEG start: SOI, a JFIF segment, then SOF0 for 800 × 600.
const JPEG_HEADER: &[u8] = &[
    0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0, 0xFF,
    0xC0, 0x00, 0x11, 0x08, 0x02, 0x58, 0x03, 0x20, 0x03, 0x01, 0x22, 0x00, 0x02, 0x11, 0x01, 0x03,
    0x11, 0x01,
];

/// An MPEG-1 layer III frame header: 128 kbit/s, 44.1 kHz.
const MP3_HEADER: &[u8] = &[0xFF, 0xFB, 0x90, 0x00];

struct Collect<'a>(&'a mut Vec<(cid::Cid, Vec<u8>)>);
impl BlockSink for Collect<'_> {
    fn put(&mut self, cid: &cid::Cid, block: Vec<u8>) {
        self.0.push((*cid, block));
    }
}

/// Imports an in-memory tree (`rel path -> bytes`) under `top`; returns root.
fn import(
    files: &[(String, Vec<u8>)],
    top: &str,
    blocks: &mut Vec<(cid::Cid, Vec<u8>)>,
) -> Result<(String, u64), String> {
    let opts = ImportOptions::default();
    let mut tree = TreeImporter::new(opts, false);
    let mut total = 0u64;
    for (rel, data) in files {
        let mut sink = Collect(blocks);
        let mut fb = FileBuilder::new(opts, &mut sink);
        fb.write(data);
        total += data.len() as u64;
        let node = fb.finish();
        let path = if rel.is_empty() {
            top.to_string()
        } else {
            format!("{top}/{rel}")
        };
        tree.add_leaf(&path, node).map_err(|e| e.to_string())?;
    }
    let mut sink = Collect(blocks);
    let (_, root) = tree.finish(&mut sink).map_err(|e| e.to_string())?;
    let root = root.ok_or("empty item")?;
    Ok((root.cid.to_string(), total))
}

/// A demo item of `kind`, the `i`th of its collection: its name and its
/// files (`rel path -> bytes`; an empty path is the item itself).
fn item(kind: &str, i: usize, rng: &mut impl Rng) -> (String, Vec<(String, Vec<u8>)>) {
    match kind {
        "commit" => commit_item(i, rng),
        "pincushion" => pincushion_item(i, rng),
        "scan" => (
            format!("scan-{:04}.tif", i + 1),
            vec![(
                String::new(),
                with_header(&tiff_header(), rng, 8_000 + (i % 11) * 1_500),
            )],
        ),
        _ => (
            format!("oral-history-{:03}.mp3", i + 1),
            vec![(
                String::new(),
                with_header(MP3_HEADER, rng, 16_000 + (i % 5) * 4_000),
            )],
        ),
    }
}

/// A ccs commit: the encrypted archive, its parity, its manifest and the
/// manifest's timestamp proof.
fn commit_item(i: usize, rng: &mut impl Rng) -> (String, Vec<(String, Vec<u8>)>) {
    let day = 1 + (i % 28);
    let month = 1 + (i / 28) % 12;
    let name = format!(
        "commit_2026-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        (i * 7) % 24,
        (i * 13) % 60,
        (i * 17) % 60
    );
    let files = vec![
        (
            "archive.dar.age".to_string(),
            bytes(rng, 24_000 + (i % 7) * 5_000),
        ),
        ("archive.par2".to_string(), bytes(rng, 3_000)),
        (
            "manifest.json".to_string(),
            format!("{{\"commit\":\"{name}\",\"files\":2}}\n").into_bytes(),
        ),
        ("manifest.json.ots".to_string(), bytes(rng, 500)),
    ];
    (name, files)
}

/// A Pincushion collection export: its pages, data, one pin's image and map.
fn pincushion_item(i: usize, rng: &mut impl Rng) -> (String, Vec<(String, Vec<u8>)>) {
    let name = format!("pincushion-collection-{:03}", i + 1);
    let files = vec![
        (
            "index.html".to_string(),
            format!("<html><body><h1>Collection {}</h1></body></html>\n", i + 1).into_bytes(),
        ),
        (
            "data.json".to_string(),
            format!(
                "{{\"user\":{},\"collections\":[],\"tours\":[],\"pins\":[{}]}}\n",
                1000 + i,
                i
            )
            .into_bytes(),
        ),
        (
            format!("pins/{}/index.html", 5000 + i),
            b"<html>pin</html>\n".to_vec(),
        ),
        (
            format!("pins/{}/image.jpg", 5000 + i),
            with_header(JPEG_HEADER, rng, 12_000),
        ),
        (
            "map/pins.geojson".to_string(),
            b"{\"type\":\"FeatureCollection\",\"features\":[]}\n".to_vec(),
        ),
    ];
    (name, files)
}

/// A demo item as the cluster keeps it: pinned long ago with the
/// scenario's bounds, its org and size as ccs sets them.
fn item_rec(
    cid: String,
    name: String,
    org: &str,
    size: u64,
    sc: &Scenario,
    allocations: Vec<u16>,
    timestamp: i64,
) -> PinRec {
    PinRec {
        cid,
        name,
        metadata: vec![
            ("org".into(), org.to_string()),
            ("size".into(), size.to_string()),
        ],
        rmin: sc.replication_min,
        rmax: sc.replication_max,
        allocations,
        user_allocations: Vec::new(),
        mode_direct: false,
        expire_at: 0,
        timestamp,
        started: started_ago(3600),
        available: true,
        overrides: Vec::new(),
        pin_update: None,
    }
}

pub fn build(sc: &Scenario) -> Result<SimState, String> {
    let names: Vec<String> = sc.peers.iter().map(|p| p.name.clone()).collect();
    let mut st = SimState::new(&names, sc.seed);
    st.default_rmin = sc.replication_min;
    st.default_rmax = sc.replication_max;
    for (p, spec) in st.peers.iter_mut().zip(&sc.peers) {
        p.free_space = spec.free_space_gb * 1_000_000_000;
        p.announces = spec.announces.clone();
    }
    let mut rng = rand::rngs::StdRng::seed_from_u64(sc.seed);
    let now = chrono::Utc::now().timestamp();
    add_collections(&mut st, sc, now, &mut rng)?;
    // Position in the archive = order of creation.
    let mut by_age: Vec<String> = st.pins.keys().cloned().collect();
    by_age.sort_by_key(|k| st.pins.get(k).map_or(0, |p| p.timestamp));
    inject_errors(&mut st, &sc.errors, &by_age)?;
    for &i in &sc.pinning {
        if let Some(rec) = by_age.get(i).and_then(|cid| st.pins.get_mut(cid)) {
            // Still fetching: restarted a second ago (past the state's
            // propagation, so every allocated peer says "pinning" from the
            // first request on), and the content is slow to find.
            rec.started = started_ago(1);
            rec.available = false;
        }
    }
    if let Some(h) = &sc.history {
        add_history(&mut st, h, sc, now, &mut rng)?;
    }
    take_offline(&mut st, sc, now);
    // The pinning item must stay "pinning" for the demo, not fail after seconds.
    st.timings.fail_after = Duration::from_secs(24 * 3600);
    Ok(st)
}

/// The collections' items, imported and pinned long ago, their creation
/// spread over the last months.
fn add_collections(
    st: &mut SimState,
    sc: &Scenario,
    now: i64,
    rng: &mut impl Rng,
) -> Result<(), String> {
    let mut blocks = Vec::new();
    let total: usize = sc.collections.iter().map(|c| c.count).sum();
    let mut index = 0usize;
    for col in &sc.collections {
        for i in 0..col.count {
            let (name, files) = item(&col.kind, i, rng);
            let (cid, size) = import(&files, &name, &mut blocks)?;
            let age = ((total - index) as i64) * 7_200;
            let allocations = rotated_allocations(st, sc, index)?;
            let rec = item_rec(cid, name, &col.org, size, sc, allocations, now - age);
            st.pins.insert(rec.cid.clone(), rec);
            index += 1;
        }
    }
    for (c, b) in blocks {
        st.insert_block(&c, bytes::Bytes::from(b));
    }
    Ok(())
}

/// As many peers as the allocator would choose, rotated by the item's
/// index so the archive spreads over the peers.
fn rotated_allocations(st: &SimState, sc: &Scenario, index: usize) -> Result<Vec<u16>, String> {
    let allocations = st.allocate(sc.replication_min, sc.replication_max, &[], false, &[])?;
    if allocations.is_empty() {
        return Ok(allocations);
    }
    let peers = st.peers.len();
    let shift = index % peers;
    Ok((0..allocations.len())
        .map(|j| ((shift + j) % peers) as u16)
        .collect())
}

/// The scenario's pin errors, by item position and peer; the item is moved
/// onto that peer if it was not allocated there.
fn inject_errors(st: &mut SimState, errors: &[ErrorSpec], by_age: &[String]) -> Result<(), String> {
    for e in errors {
        let (Some(cid), Some(peer)) = (by_age.get(e.item), st.peer_by_name_or_id(&e.peer)) else {
            return Err(format!(
                "scenario error entry {} / {} does not exist",
                e.item, e.peer
            ));
        };
        if let Some(rec) = st.pins.get_mut(cid) {
            if !rec.allocations.contains(&peer) && !rec.allocations.is_empty() {
                rec.allocations[0] = peer;
            }
            let o = rec.override_mut(peer);
            o.error = Some(e.message.clone());
            o.attempts = 3;
        }
    }
    Ok(())
}

/// Peers down since before the start: crdt has dropped them; their alert
/// stays.
fn take_offline(st: &mut SimState, sc: &Scenario, now: i64) {
    let offline: Vec<(String, String)> = sc
        .peers
        .iter()
        .filter_map(|p| p.offline.clone().map(|m| (p.name.clone(), m)))
        .collect();
    for (name, msg) in offline {
        if let Some(i) = st.peer_by_name_or_id(&name) {
            st.peers[usize::from(i)].offline = Some(msg);
            let since = st.secs_local(now - 2 * 3600);
            let alert = super::ping_alert(&st.peers[usize::from(i)], since);
            st.alerts.push(alert);
        }
    }
}

/// The archive's past: per org and month, items standing for the sizes
/// the scenario gives (the simulator keeps a short note as each one's
/// content, saying so; its `size` metadata is the size it stands for),
/// allocated in turn, as the collections are.
fn add_history(
    st: &mut SimState,
    h: &History,
    sc: &Scenario,
    now: i64,
    rng: &mut impl Rng,
) -> Result<(), String> {
    const MONTH: i64 = 2_629_746;
    let mut blocks = Vec::new();
    let mut turn = 0usize;
    for o in &h.orgs {
        for m in 0..h.months {
            // Month 0 is the oldest; the collections are the last month's.
            let from_end = h.months - m;
            let grown = o.growing_months.saturating_sub(from_end);
            let n = (o.per_month * o.growth.powi(grown as i32)).round() as usize;
            for k in 0..n {
                let created =
                    now - i64::from(from_end) * MONTH + (k as i64 * MONTH) / n.max(1) as i64;
                let gb = o.size_gb.0 + rng.gen::<f64>() * (o.size_gb.1 - o.size_gb.0).max(0.0);
                let size = (gb * 1e9) as u64;
                let month = chrono::DateTime::from_timestamp(created, 0)
                    .map(|t| t.format("%Y-%m").to_string())
                    .unwrap_or_default();
                let name = format!("{}-{month}-{:02}", o.kind, k + 1);
                let note = format!(
                    "{name}: {} of {}'s {} in this archive; the simulator keeps this note in its place.\n",
                    crate::format::human_bytes(size),
                    o.org,
                    o.kind
                );
                let (cid, _) = import(&[(String::new(), note.into_bytes())], &name, &mut blocks)?;
                let peers = st.peers.len();
                let copies = (sc.replication_max.max(1) as usize).min(peers);
                let allocations: Vec<u16> =
                    (0..copies).map(|j| ((turn + j) % peers) as u16).collect();
                turn += 1;
                let rec = item_rec(cid, name, &o.org, size, sc, allocations, created);
                st.pins.insert(rec.cid.clone(), rec);
            }
        }
    }
    for (c, b) in blocks {
        st.insert_block(&c, bytes::Bytes::from(b));
    }
    Ok(())
}

/// A synthetic pinset for scale: `pins` items over `peers` peers, each
/// allocated to three peers, all pinned. CIDs are real CIDv0 digests of the
/// item number (content no one holds; the gateway has no bytes for them).
pub fn synthetic(peers: usize, pins: usize, seed: u64) -> SimState {
    let names: Vec<String> = (0..peers.max(1))
        .map(|i| {
            if peers <= 5 {
                ["nas", "chll", "meerkat", "pihost", "ipfs1"][i].to_string()
            } else {
                format!("peer-{:02}", i + 1)
            }
        })
        .collect();
    let mut st = SimState::new(&names, seed);
    st.default_rmin = 2.min(names.len() as i32);
    st.default_rmax = 3.min(names.len() as i32);
    let orgs = ["hrdag", "historypin", "tfc", "dignidad"];
    let now = chrono::Utc::now().timestamp();
    let started = started_ago(3600);
    let n = names.len();
    // CIDs first, then records allocated in key order: iterating the pinset
    // (what /allocations does) then walks memory in order instead of
    // chasing a million scattered strings.
    let mut cids: Vec<(String, usize)> = (0..pins)
        .map(|i| {
            let digest = <sha2::Sha256 as sha2::Digest>::digest((i as u64).to_be_bytes());
            let mut mh = vec![0x12, 0x20];
            mh.extend_from_slice(&digest);
            (bs58::encode(mh).into_string(), i)
        })
        .collect();
    cids.sort_unstable();
    for (cid, i) in cids {
        let k = 3.min(n);
        let allocations: Vec<u16> = (0..k).map(|j| ((i + j * 7) % n) as u16).collect();
        st.pins.insert(
            cid.clone(),
            PinRec {
                cid,
                name: format!("item-{i:07}"),
                metadata: vec![
                    ("org".into(), orgs[i % orgs.len()].into()),
                    ("size".into(), (1000 + (i * 7919) % 5_000_000).to_string()),
                ],
                rmin: st.default_rmin,
                rmax: st.default_rmax,
                allocations,
                user_allocations: Vec::new(),
                mode_direct: false,
                expire_at: 0,
                timestamp: now - (pins - i) as i64,
                started,
                available: true,
                overrides: Vec::new(),
                pin_update: None,
            },
        );
    }
    st
}
