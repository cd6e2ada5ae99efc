//! Plans do what they say (issue 26): over generated cluster states on
//! ccs-sim (peers up, down and gone; items at every bound, everywhere
//! included; allocations naming the down and the gone peer; the org's
//! primary and the backup; free space near the reserve), each of drain,
//! rebalance and ensure-pins is run dry, then live on the same state: every
//! item the dry run said would move is moved, every item it left is left,
//! nothing fails, and no item is ever seen with fewer pinned copies than
//! it started with (sampled while the run goes).

use crate::common;

use std::collections::{BTreeSet, HashMap};
use std::time::Instant;

use ccs_tui::cluster::types::TrackerStatus;
use ccs_tui::sim::state::PinRec;
use ccs_tui::sim::{SimHandle, SimState, Timings};
use rand::{Rng, SeedableRng};
use serde_json::Value;

const NAMES: [&str; 5] = ["nas", "chll", "meerkat", "pihost", "ghost"];
/// Down, still a member by its alert and the configuration.
const DOWN: u16 = 3;
/// Gone: offline since before the start, no alert, no node names it.
const GONE: u16 = 4;
const ORGS: [&str; 3] = ["hrdag", "tfc", "dignidad"];

/// A cluster state from `seed`.
fn state(seed: u64) -> SimState {
    let names: Vec<String> = NAMES.iter().map(|s| s.to_string()).collect();
    let mut st = SimState::new(&names, seed);
    st.timings = Timings::instant();
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    const GB: u64 = 1_000_000_000;
    for (i, p) in st.peers.iter_mut().enumerate() {
        // One peer has room for little more than its reserve (50 GiB).
        p.free_space = if i == 2 && seed % 2 == 0 {
            54 * GB + 3 * GB
        } else {
            rng.gen_range(200..2000) * GB
        };
    }
    st.peers[usize::from(GONE)].offline = Some("gone for weeks".into());
    let now = chrono::Utc::now().timestamp();
    for k in 0..14 {
        let (rmin, rmax) = [(-1, -1), (1, 1), (1, 2), (2, 2), (2, 3), (3, 3)][rng.gen_range(0..6)];
        let allocations: Vec<u16> = if rmin < 0 {
            Vec::new()
        } else {
            // Some on the down or the gone peer; at least one up.
            let mut pool: Vec<u16> = vec![0, 1, 2];
            if rng.gen_bool(0.3) {
                pool.push(DOWN);
            }
            if rng.gen_bool(0.3) {
                pool.push(GONE);
            }
            let n = rng.gen_range(1..=rmax as usize).min(pool.len());
            let mut a: Vec<u16> = Vec::new();
            while a.len() < n {
                let p = pool[rng.gen_range(0..pool.len())];
                if !a.contains(&p) {
                    a.push(p);
                }
            }
            if a.iter().all(|p| *p >= DOWN) {
                a[0] = 0;
            }
            a
        };
        // Content the peers can fetch, as an added item has.
        let mut blocks = common::blocks::Blocks::default();
        let root = blocks.leaf(format!("plans-{seed}-{k}").as_bytes());
        for (c, b) in blocks.map {
            st.insert_block(&c, b);
        }
        let cid = root.to_string();
        st.pins.insert(
            cid.clone(),
            PinRec {
                cid: cid.clone(),
                name: format!("item-{k}"),
                metadata: vec![
                    ("org".into(), ORGS[k % ORGS.len()].into()),
                    ("size".into(), (rng.gen_range(1..40) * GB).to_string()),
                ],
                rmin,
                rmax,
                allocations,
                user_allocations: Vec::new(),
                mode_direct: false,
                expire_at: 0,
                timestamp: now - 1000 + k as i64,
                started: Instant::now(),
                available: true,
                overrides: Vec::new(),
                pin_update: None,
            },
        );
    }
    st
}

/// The configuration: the four members as nodes (the gone one named by
/// nothing), reserves, hrdag's primary and the backup.
fn config(h: &SimHandle, dir: &std::path::Path, bounds: bool) -> std::path::PathBuf {
    let mut y = format!(
        "cluster:\n  default_node: nas\n  backup_node: chll\n{}profiles:\n  hrdag: {{primary: nas}}\n  tfc: {{primary: meerkat}}\n  dignidad: {{primary: pihost}}\nnodes:\n",
        if bounds {
            "  replication_min: 2\n  replication_max: 3\n"
        } else {
            ""
        }
    );
    for (name, id, addr) in h.peer_gateways.iter().filter(|(n, _, _)| n != "ghost") {
        y.push_str(&format!(
            "  {name}:\n    host: {}\n    peer_id: {id}\n    gateway: http://{addr}\n    reserved_min_gb: 50\n",
            h.api_url()
        ));
    }
    let p = dir.join("config.yml");
    std::fs::write(&p, y).unwrap();
    p
}

async fn start(seed: u64) -> SimHandle {
    let h = common::start(state(seed)).await;
    // Down with an alert: a member the cluster no longer lists.
    h.set_peer_offline("pihost", Some("dial backoff"));
    h
}

/// Every JSON value the command printed (lines, and documents after them).
fn values(stdout: &str) -> Vec<Value> {
    serde_json::Deserializer::from_str(stdout)
        .into_iter::<Value>()
        .map(|v| v.unwrap_or_else(|e| panic!("{e}: {stdout}")))
        .flat_map(|v| match v {
            Value::Array(a) => a,
            v => vec![v],
        })
        .collect()
}

/// What a dry run announces: the items that move, the items left (why).
fn announced(values: &[Value]) -> (BTreeSet<String>, BTreeSet<String>) {
    let mut moving = BTreeSet::new();
    let mut left = BTreeSet::new();
    for v in values {
        // drain and ensure-pins: plan items.
        if v.get("target").is_some() && v.get("event").is_none() {
            let cid = v["cid"].as_str().unwrap().to_string();
            let moves = !v["target"].as_array().unwrap().is_empty() && v["blocked"].is_null();
            if moves {
                moving.insert(cid);
            } else if !v["blocked"].is_null() {
                left.insert(cid);
            }
        }
        // rebalance: ccs's report.
        for a in v["actions"].as_array().into_iter().flatten() {
            let cid = a["cid"].as_str().unwrap().to_string();
            if a["action"] == "left_as_it_is" {
                left.insert(cid);
            } else {
                moving.insert(cid);
            }
        }
    }
    (moving, left)
}

/// What a live run did: items done, items failed (with why).
fn carried_out(values: &[Value]) -> (BTreeSet<String>, Vec<String>) {
    let mut done = BTreeSet::new();
    let mut failed = Vec::new();
    for v in values {
        match v["event"].as_str() {
            Some("done") => {
                done.insert(v["cid"].as_str().unwrap().to_string());
            }
            Some("failed") | Some("interrupted") => failed.push(v.to_string()),
            _ => {}
        }
        // rebalance: its report says what each item came to.
        for a in v["actions"].as_array().into_iter().flatten() {
            if let Some(e) = a.get("error") {
                failed.push(format!("{}: {e}", a["cid"]));
            } else if a["action"] != "left_as_it_is" {
                done.insert(a["cid"].as_str().unwrap().to_string());
            }
        }
    }
    (done, failed)
}

/// Pinned copies per item, as the cluster reports them now.
fn pinned(h: &SimHandle) -> HashMap<String, usize> {
    let st = h.state().read();
    let now = Instant::now();
    st.pins
        .values()
        .map(|rec| {
            let n = (0..st.peers.len() as u16)
                .filter(|&p| st.peer_status(rec, p, now).status == TrackerStatus::Pinned)
                .count();
            (rec.cid.clone(), n)
        })
        .collect()
}

async fn run(
    h: &SimHandle,
    dir: &std::path::Path,
    config: &std::path::Path,
    args: &[&str],
) -> common::cli::Out {
    let mut a: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    a.extend([
        "--json".to_string(),
        "--wait".into(),
        "30".into(),
        "--config".into(),
        config.display().to_string(),
    ]);
    let _ = h;
    common::cli::run(a, vec![("XDG_STATE_HOME", dir.display().to_string())]).await
}

/// One operation on one generated state: dry, then live on a fresh copy of
/// the same state, sampled.
async fn check(seed: u64, op: &[&str], bounds: bool) {
    let what = format!("seed {seed}: {}", op.join(" "));
    let dir = tempfile::tempdir().unwrap();
    let h = start(seed).await;
    let cfg = config(&h, dir.path(), bounds);
    let mut dry_args = op.to_vec();
    dry_args.push("--dry-run");
    let dry = run(&h, dir.path(), &cfg, &dry_args).await;
    // Its exit code says what is left (2 for items that cannot move);
    // what it announces is in its JSON.
    assert!(
        !dry.stdout.trim().is_empty(),
        "{what} dry run: {}",
        dry.stderr
    );
    let (moving, left) = announced(&values(&dry.stdout));
    h.shutdown().await;

    let h = start(seed).await;
    let cfg = config(&h, dir.path(), bounds);
    let before = pinned(&h);
    let stop = tokio_util::sync::CancellationToken::new();
    let sampler = async {
        let mut worst: Vec<String> = Vec::new();
        while !stop.is_cancelled() {
            for (cid, had) in &before {
                let n = pinned(&h).get(cid).copied().unwrap_or(0);
                if n < *had {
                    worst.push(format!("{cid}: {n} pinned, had {had}"));
                }
            }
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        worst
    };
    let live = async {
        let o = run(&h, dir.path(), &cfg, op).await;
        stop.cancel();
        o
    };
    let (live, fewer) = tokio::join!(live, sampler);
    let (done, failed) = carried_out(&values(&live.stdout));
    assert!(
        failed.is_empty(),
        "{what}: the live run failed where the dry run planned: {failed:?}\n{}",
        live.stderr
    );
    assert_eq!(
        done, moving,
        "{what}: moved ≠ announced\n{}\n{}",
        dry.stdout, live.stdout
    );
    assert!(done.is_disjoint(&left), "{what}: an item left was moved");
    assert!(
        fewer.is_empty(),
        "{what}: fewer copies while running: {fewer:?}"
    );
    h.shutdown().await;
}

/// An edit's dry run refuses what its live run refuses (a preferred peer
/// that is down or gone), and what it accepts the live run carries out.
async fn check_edit(seed: u64) {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed ^ 0xED17);
    for k in 0..4 {
        let h = start(seed).await;
        let cfg = config(&h, dir.path(), true);
        let cid = {
            let st = h.state().read();
            let mut v: Vec<&PinRec> = st
                .pins
                .values()
                .filter(|r| !r.allocations.is_empty())
                .collect();
            v.sort_by_key(|r| r.timestamp);
            v[k % v.len()].cid.clone()
        };
        let pool = ["nas", "chll", "meerkat", "pihost"];
        let a = pool[rng.gen_range(0..pool.len())];
        let b = pool[rng.gen_range(0..pool.len())];
        let wanted = if a == b {
            a.to_string()
        } else {
            format!("{a},{b}")
        };
        let what = format!("seed {seed}: edit {cid} --allocations {wanted}");
        let args = |dry: bool| {
            let mut v = vec![
                "edit".to_string(),
                cid.clone(),
                "--allocations".into(),
                wanted.clone(),
                "--yes".into(),
                "--config".into(),
                cfg.display().to_string(),
            ];
            if dry {
                v.push("--dry-run".into());
            }
            v
        };
        let env = || vec![("XDG_STATE_HOME", dir.path().display().to_string())];
        let dry = common::cli::run(args(true), env()).await;
        let before = h.state().read().pins[&cid].allocations.clone();
        let live = common::cli::run(args(false), env()).await;
        assert_eq!(
            dry.code == 2,
            live.code == 2,
            "{what}: dry {} ({}) vs live {} ({})",
            dry.code,
            dry.stderr,
            live.code,
            live.stderr
        );
        if dry.code == 2 {
            assert_eq!(
                h.state().read().pins[&cid].allocations,
                before,
                "{what}: refused, yet changed"
            );
        }
        h.shutdown().await;
    }
}

#[tokio::test]
async fn every_live_run_does_what_its_dry_run_said() {
    for seed in 1..=6u64 {
        check(seed, &["drain", "meerkat"], true).await;
        check(seed, &["rebalance"], seed % 2 == 0).await;
        check(seed, &["ensure-pins", "--profile", "tfc"], true).await;
        // Its primary is down: nothing can add it, and the dry run says so.
        check(seed, &["ensure-pins", "--profile", "dignidad"], true).await;
        check_edit(seed).await;
    }
}

/// meerkat stopped, cluster peer and kubo, until the cluster drops it from
/// its list, with a configuration that does not name it: each live drain,
/// rebalance and ensure-pins does what its dry run said, and no item is ever
/// seen with fewer pinned copies on the peers that are up.
///
/// On 1.1.6 a peer just stopped is listed with its dial error while its
/// last metrics are still valid: it counts as down (its copies are left,
/// said why), never as up (a plan that released its copy was refused live
/// before this rule), and is gone only once nothing names it any more.
mod both {
    use super::*;
    use common::backend::{unique_text, Backend};

    /// The peers up that pin `cid` (their kubo, asked directly).
    async fn held(b: &Backend, cid: &str) -> usize {
        let http = reqwest::Client::new();
        let mut n = 0;
        for p in b.peers.iter().filter(|p| p.name != "meerkat") {
            let r = http
                .post(format!("{}/api/v0/pin/ls?arg={cid}&type=recursive", p.rpc))
                .send()
                .await;
            if r.is_ok_and(|r| r.status().is_success()) {
                n += 1;
            }
        }
        n
    }

    fn config(b: &Backend, dir: &std::path::Path) -> std::path::PathBuf {
        let mut y = format!(
            "cluster:\n  default_node: nas\n  backup_node: chll\n  basic_auth_user: {}\n  basic_auth_password: {}\nprofiles:\n  hrdag: {{primary: nas}}\nnodes:\n",
            b.user, b.password
        );
        for p in b.peers.iter().filter(|p| p.name != "meerkat") {
            y.push_str(&format!(
                "  {}:\n    host: {}\n    gateway: {}\n",
                p.name, p.api, p.gateway
            ));
        }
        let path = dir.join("config.yml");
        std::fs::write(&path, y).unwrap();
        path
    }

    async fn steward(b: &Backend, dir: &std::path::Path, op: &[&str], cids: &[String]) {
        let what = op.join(" ");
        let cfg = config(b, dir);
        let run = |dry: bool| {
            let mut a: Vec<String> = op.iter().map(|s| s.to_string()).collect();
            if op[0] != "ensure-pins" {
                a.extend(cids.iter().cloned());
            }
            if dry {
                a.push("--dry-run".into());
            }
            a.extend([
                "--json".into(),
                "--wait".into(),
                "60".into(),
                "--config".into(),
                cfg.display().to_string(),
            ]);
            common::cli::run(a, vec![("XDG_STATE_HOME", dir.display().to_string())])
        };
        let dry = run(true).await;
        assert!(!dry.stdout.trim().is_empty(), "{what}: {}", dry.stderr);
        let (moving, _left) = announced(&values(&dry.stdout));
        let mut before = Vec::new();
        for c in cids {
            before.push(held(b, c).await);
        }
        let stop = tokio_util::sync::CancellationToken::new();
        let sampler = async {
            let mut fewer = Vec::new();
            while !stop.is_cancelled() {
                for (c, had) in cids.iter().zip(&before) {
                    let n = held(b, c).await;
                    if n < *had {
                        fewer.push(format!("{c}: {n}, had {had}"));
                    }
                }
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
            fewer
        };
        let live = async {
            let o = run(false).await;
            stop.cancel();
            o
        };
        let (live, fewer) = tokio::join!(live, sampler);
        let (done, failed) = carried_out(&values(&live.stdout));
        // ensure-pins looks at the whole (shared) pinset: ours only.
        let ours = |s: &BTreeSet<String>| -> BTreeSet<String> {
            s.iter().filter(|c| cids.contains(c)).cloned().collect()
        };
        assert!(
            failed.is_empty(),
            "{what}: {failed:?}\nDRY RUN: {}\n{}",
            dry.stdout,
            live.stderr
        );
        assert_eq!(
            ours(&done),
            ours(&moving),
            "{what}\n{}\n{}",
            dry.stdout,
            live.stdout
        );
        assert!(fewer.is_empty(), "{what}: fewer copies: {fewer:?}");
    }

    #[tokio::test]
    async fn with_a_peer_dropped_each_live_run_does_what_its_dry_run_said() {
        let b = Backend::start().await;
        let tmp = tempfile::tempdir().unwrap();
        let mut cids = Vec::new();
        for (i, flags) in [["--rmin", "2"], ["--rmin", "2"], ["--rmin", "1"]]
            .iter()
            .enumerate()
        {
            let f = tmp.path().join(format!("plan-{i}.txt"));
            std::fs::write(&f, unique_text("plans")).unwrap();
            let mut a = vec!["add".to_string(), f.display().to_string(), "--json".into()];
            a.extend(flags.iter().map(|s| s.to_string()));
            a.extend(["--rmax".into(), flags[1].into()]);
            a.extend(b.cli_args());
            let o = common::cli::run(a, vec![]).await;
            assert_eq!(o.code, 0, "{}", o.stderr);
            let v: Value = serde_json::from_str(o.stdout.trim()).unwrap();
            cids.push(
                v["cid"]
                    .as_str()
                    .or(v["root_cid"].as_str())
                    .unwrap()
                    .to_string(),
            );
        }
        for c in &cids {
            b.wait_status(c, std::time::Duration::from_secs(60), |s| {
                s == TrackerStatus::Pinned || s == TrackerStatus::Remote
            })
            .await;
        }
        let meerkat = b.peer_ids().await.get("meerkat").cloned();
        let c = b.client();
        b.stop_peer("meerkat").await;
        b.stop_ipfs("meerkat").await;
        let state = tmp.path().join("state");
        std::fs::create_dir_all(&state).unwrap();
        let r = async {
            // At once: listed with its dial error, its last metrics valid.
            steward(&b, &state, &["drain", "chll"], &cids).await;
            steward(&b, &state, &["rebalance"], &cids).await;
            steward(&b, &state, &["ensure-pins", "--profile", "hrdag"], &cids).await;
            // Then dropped from the cluster's list (an alert names it).
            common::backend::eventually(
                "meerkat dropped",
                std::time::Duration::from_secs(90),
                || async {
                    let listed = c
                        .peers()
                        .await
                        .map_err(|e| e.to_string())?
                        .collect()
                        .await
                        .map_err(|e| e.to_string())?;
                    let named = listed
                        .iter()
                        .any(|p| p.peername == "meerkat" || Some(&p.id) == meerkat.as_ref());
                    if named {
                        Err("still listed".to_string())
                    } else {
                        Ok(())
                    }
                },
            )
            .await;
            steward(&b, &state, &["drain", "nas"], &cids).await;
            steward(&b, &state, &["rebalance"], &cids).await;
            steward(&b, &state, &["ensure-pins", "--profile", "hrdag"], &cids).await;
        };
        // Back up whatever happened: the cluster is shared with the next module.
        let outcome = futures_util::FutureExt::catch_unwind(std::panic::AssertUnwindSafe(r)).await;
        b.start_ipfs("meerkat").await;
        b.start_peer("meerkat").await;
        b.fresh_metrics().await;
        if let Err(e) = outcome {
            std::panic::resume_unwind(e);
        }
    }
}
