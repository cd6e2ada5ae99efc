//! Faults the real daemons can be put in, on both backends: a cluster peer
//! that dies and comes back, an IPFS daemon that stops. The real suite runs
//! these one at a time (`--test-threads=1`): they stop daemons of the shared
//! cluster, and each restores what it stopped.

use crate::common;

use std::time::Duration;

use ccs_tui::cluster::types::TrackerStatus;
use ccs_tui::cluster::AddOptions;
use common::backend::{eventually, unique_text, Backend};
use tokio_util::sync::CancellationToken;

const SOON: Duration = Duration::from_secs(60);

async fn add_one(b: &Backend, what: &str) -> (tempfile::TempDir, String) {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("item.txt");
    std::fs::write(&path, unique_text(what)).unwrap();
    let cid = b
        .client()
        .add(
            &path,
            &AddOptions::default(),
            None,
            CancellationToken::new(),
        )
        .await
        .unwrap()
        .root
        .cid
        .unwrap();
    (tmp, cid)
}

/// The real binary, as a user runs it (the simulator keeps serving meanwhile).
async fn ccs_tui(b: &Backend, args: &[&str]) -> std::process::Output {
    let mut all: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    all.extend(b.cli_args());
    tokio::process::Command::new(env!("CARGO_BIN_EXE_ccs-tui"))
        .args(&all)
        .env("HOME", std::env::temp_dir().join("ccs-tui-no-home"))
        .stdin(std::process::Stdio::null())
        .output()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_dead_peer_is_dropped_by_the_cluster_and_shown_missing() {
    let b = Backend::start().await;
    let c = b.client();
    let (_tmp, cid) = add_one(&b, "before meerkat dies").await;
    b.wait_pinned(&cid, SOON).await;
    b.stop_peer("meerkat").await;
    // crdt drops it from the peer list once its heartbeat expires...
    eventually("meerkat dropped from /peers", SOON, || async {
        let n = c.peers().await.map_err(|e| e.to_string())?.collect().await;
        match n {
            Ok(v) if v.len() == 2 => Ok(()),
            other => Err(format!("{other:?}")),
        }
    })
    .await;
    // ...and from every status: the item looks fully pinned on two peers.
    let st = c.pin_status(&cid, false).await.unwrap();
    assert_eq!(st.peer_map.len(), 2, "{st:#?}");
    assert_eq!(st.count(TrackerStatus::Pinned), 2);
    // Its ping alert remains: ccs-tui still counts it, as missing.
    let members = eventually("meerkat reported missing", SOON, || async {
        let m = c.members().await.map_err(|e| e.to_string())?;
        match m.iter().find(|p| p.peername == "meerkat") {
            Some(p) if p.error.starts_with("missing: no heartbeat since ") => Ok(m),
            other => Err(format!("{other:?}")),
        }
    })
    .await;
    assert_eq!(members.len(), 3);
    let o = ccs_tui(&b, &["peers"]).await;
    assert_eq!(o.status.code(), Some(1), "a member is down: partial");
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("| meerkat | ERROR: missing: no heartbeat since"),
        "{text}"
    );
    let o = ccs_tui(&b, &["health", "--json"]).await;
    assert_eq!(o.status.code(), Some(2));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        (v["peers"]["total"].as_u64(), v["peers"]["online"].as_u64()),
        (Some(3), Some(2))
    );
    // Back: listed again, nothing missing, its copy pinned.
    b.start_peer("meerkat").await;
    eventually("meerkat back", SOON, || async {
        let m = c.members().await.map_err(|e| e.to_string())?;
        if m.len() == 3 && m.iter().all(|p| p.error.is_empty()) {
            Ok(())
        } else {
            Err(format!("{m:#?}"))
        }
    })
    .await;
    b.wait_pinned(&cid, SOON).await;
    c.unpin(&cid).await.unwrap();
}

#[tokio::test]
async fn a_stopped_ipfs_daemon_gives_pin_errors_that_recover_heals() {
    let b = Backend::start().await;
    let c = b.client();
    b.stop_ipfs("chll").await;
    let (_tmp, cid) = add_one(&b, "while chll's kubo is down").await;
    let err = eventually("a pin error on chll", SOON, || async {
        let st = c.pin_status(&cid, false).await.map_err(|e| e.to_string())?;
        match st.peer_map.values().find(|p| p.peername == "chll") {
            Some(p) if p.status == TrackerStatus::PinError => Ok(p.clone()),
            other => Err(format!("{other:?}")),
        }
    })
    .await;
    assert!(err.error.contains("connection refused"), "{}", err.error);
    assert!(err.attempt_count >= 1);
    // The peer is up but cannot pin: a problem, said as such.
    let members = c.members().await.unwrap();
    let chll = members.iter().find(|p| p.peername == "chll").unwrap();
    assert!(
        chll.error.starts_with("its IPFS daemon does not answer: "),
        "{}",
        chll.error
    );
    b.start_ipfs("chll").await;
    eventually("chll's kubo answers again", SOON, || async {
        let m = c.members().await.map_err(|e| e.to_string())?;
        if m.iter().all(|p| p.error.is_empty()) {
            Ok(())
        } else {
            Err(format!("{m:#?}"))
        }
    })
    .await;
    let o = ccs_tui(&b, &["recover", &cid]).await;
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    b.wait_pinned(&cid, SOON).await;
    c.unpin(&cid).await.unwrap();
}

#[tokio::test]
async fn when_the_peer_it_talks_to_dies_the_client_fails_over() {
    let b = Backend::start().await;
    // The real cluster: nas's API goes away with its peer. The simulator has
    // one API for all its peers: a closed port stands in for the dead one.
    let dead = if b.is_real() {
        b.stop_peer("nas").await;
        b.peers[0].api.clone()
    } else {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", l.local_addr().unwrap());
        drop(l);
        url
    };
    let live = b.peers[1].api.clone();
    let hosts = vec![
        ccs_tui::cluster::parse_host(&dead, false).unwrap(),
        ccs_tui::cluster::parse_host(&live, false).unwrap(),
    ];
    let mut cfg = ccs_tui::cluster::ClientConfig::new(hosts);
    cfg.auth = b.auth();
    let c = ccs_tui::cluster::ClusterClient::new(cfg).unwrap();
    let v = c.version().await.unwrap();
    assert_eq!(v.version, "1.1.6");
    assert_eq!(
        c.endpoint().label(),
        live.trim_start_matches("http://"),
        "kept the peer that answered"
    );
    // The same from the command line: `--host dead,live`.
    let o = tokio::process::Command::new(env!("CARGO_BIN_EXE_ccs-tui"))
        .args(["peers", "--host", &format!("{dead},{live}")])
        .args(["--basic-auth", &b.credentials()])
        .env("HOME", std::env::temp_dir().join("ccs-tui-no-home"))
        .stdin(std::process::Stdio::null())
        .output()
        .await
        .unwrap();
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        matches!(o.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        text.contains("| chll |") && text.contains("| meerkat |"),
        "{text}"
    );
    if b.is_real() {
        b.start_peer("nas").await;
        eventually("nas back", SOON, || async {
            let m = b.client().members().await.map_err(|e| e.to_string())?;
            if m.len() == 3 && m.iter().all(|p| p.error.is_empty()) {
                Ok(())
            } else {
                Err(format!("{m:#?}"))
            }
        })
        .await;
    }
}

/// The audit asks each peer through its own gateway: a peer whose kubo is
/// stopped is unreachable (exit 1), the others ok; once back, all ok.
#[tokio::test]
async fn the_audit_finds_a_stopped_ipfs_daemon_unreachable() {
    let b = Backend::start().await;
    let (tmp, cid) = add_one(&b, "audited while chll's kubo stops").await;
    b.wait_pinned(&cid, SOON).await;
    let config = b.config_file(tmp.path());
    let state = tempfile::tempdir().unwrap();
    let audit = || {
        common::cli::run(
            vec![
                "audit".into(),
                cid.clone(),
                "--config".into(),
                config.display().to_string(),
            ],
            vec![("XDG_STATE_HOME", state.path().display().to_string())],
        )
    };
    b.stop_ipfs("chll").await;
    let o = audit().await;
    b.start_ipfs("chll").await;
    assert_eq!(o.code, 1, "{}\n{}", o.stdout, o.stderr);
    assert!(
        o.stdout.contains("UNREACHABLE  chll (127.0.0.1:"),
        "{}",
        o.stdout
    );
    assert!(o.stdout.contains("(1 item(s) not checked)"), "{}", o.stdout);
    assert!(o.stdout.contains("nas: 1 ok"), "{}", o.stdout);
    assert!(o.stdout.contains("chll: 1 unreachable"), "{}", o.stdout);
    let o = eventually("chll serves its copy again", SOON, || async {
        let o = audit().await;
        if o.code == 0 {
            Ok(o)
        } else {
            Err(o.stdout)
        }
    })
    .await;
    assert!(o.stdout.contains("chll: 1 ok"), "{}", o.stdout);
}

/// `ensure-pins`, as ccs v0.4 (from its TOML configuration): every item gets
/// the profile's primary and the backup node, its name and metadata kept.
/// It re-pins the whole pinset, so it runs here, alone.
#[tokio::test]
async fn ensure_pins_puts_the_primary_and_backup_on_every_item() {
    let b = Backend::start().await;
    let c = b.client();
    let ids = b.peer_ids().await;
    let tmp = tempfile::tempdir().unwrap();
    let cid = add_on_meerkat(&b, tmp.path(), &[("meerkat-only.txt", 1)])
        .await
        .remove(0);
    // The daemon allocates only to peers with fresh metrics: a kubo
    // restarted by the test before this one reports free space again first.
    b.fresh_metrics().await;
    let config = ccs_toml(&b, tmp.path(), "");
    let ensure = |extra: &[&str]| {
        let mut a: Vec<String> = ["ensure-pins", "--profile", "hrdag"]
            .map(String::from)
            .to_vec();
        a.extend(extra.iter().map(|s| s.to_string()));
        steward(tmp.path(), &config, a)
    };
    let o = ensure(&["--dry-run"]).await;
    assert_eq!(o.code, 1, "{}{}", o.stdout, o.stderr);
    assert!(
        o.stdout.contains("ensure-pins [DRY RUN] profile=hrdag"),
        "{}",
        o.stdout
    );
    assert!(
        o.stdout.contains("meerkat-only.txt would fix (+nas +chll"),
        "{}",
        o.stdout
    );
    assert_eq!(
        c.allocation(&cid).await.unwrap().allocations.len(),
        1,
        "dry run"
    );
    let o = ensure(&[]).await;
    assert_eq!(o.code, 1, "changed: {}{}", o.stdout, o.stderr);
    assert!(
        o.stdout.contains("meerkat-only.txt: +nas +chll asked"),
        "{}",
        o.stdout
    );
    assert!(o.stdout.contains("replication 1..3"), "{}", o.stdout);
    let p = c.allocation(&cid).await.unwrap();
    for n in ["nas", "chll", "meerkat"] {
        assert!(p.allocations.iter().any(|a| *a == ids[n]), "{n}: {p:#?}");
    }
    assert_eq!(p.name, "meerkat-only.txt", "name kept");
    assert_eq!(p.metadata.get("org"), Some("hrdag"), "metadata kept");
    // Its own bounds, widened only as far as its three copies need: the
    // daemon keeps valid allocations within them.
    assert_eq!((p.replication_factor_min, p.replication_factor_max), (1, 3));
    let o = ensure(&[]).await;
    assert_eq!(o.code, 0, "nothing left to do: {}{}", o.stdout, o.stderr);
    let o = common::cli::run(
        vec![
            "ensure-pins".into(),
            "--profile".into(),
            "nobody".into(),
            "--config".into(),
            config.display().to_string(),
        ],
        vec![],
    )
    .await;
    assert_eq!(o.code, 3, "{}", o.stderr);
    c.unpin(&cid).await.unwrap();
}

/// A ccs v0.4 configuration naming the backend's peers, nas the primary of
/// `hrdag` and chll the backup, and the credentials in an `auth_file`.
fn ccs_toml(b: &Backend, dir: &std::path::Path, extra: &str) -> std::path::PathBuf {
    std::fs::write(dir.join("auth"), b.credentials()).unwrap();
    let mut toml = format!(
        "[cluster]\ndefault_node = \"nas\"\nbackup_node = \"chll\"\nauth_file = \"{}\"\n{extra}[profiles.hrdag]\nprimary = \"nas\"\n",
        dir.join("auth").display()
    );
    for p in &b.peers {
        toml.push_str(&format!("[nodes.{}]\nhost = \"{}\"\n", p.name, p.api));
    }
    let config = dir.join("ccs.toml");
    std::fs::write(&config, toml).unwrap();
    config
}

/// `ccs-tui ARGS --wait 120 --config CONFIG`, journals under `dir/state`.
async fn steward(
    dir: &std::path::Path,
    config: &std::path::Path,
    mut args: Vec<String>,
) -> common::cli::Out {
    args.extend([
        "--wait".to_string(),
        "120".into(),
        "--config".into(),
        config.display().to_string(),
    ]);
    common::cli::run(
        args,
        vec![("XDG_STATE_HOME", dir.join("state").display().to_string())],
    )
    .await
}

/// Items added with `rmin..rmax` copies, meerkat among them, `size` metadata.
async fn add_on_meerkat(b: &Backend, dir: &std::path::Path, what: &[(&str, i32)]) -> Vec<String> {
    use ccs_tui::cluster::types::PinOptions;
    let c = b.client();
    let ids = b.peer_ids().await;
    let mut cids = Vec::new();
    for (name, copies) in what {
        let path = dir.join(name);
        let text = unique_text(name);
        std::fs::write(&path, &text).unwrap();
        let opts = AddOptions {
            pin: PinOptions {
                name: Some(name.to_string()),
                replication_min: Some(*copies),
                replication_max: Some(*copies),
                user_allocations: vec![ids["meerkat"].clone()],
                metadata: vec![
                    ("org".into(), "hrdag".into()),
                    ("size".into(), text.len().to_string()),
                ],
                ..Default::default()
            },
            ..Default::default()
        };
        let cid = c
            .add(&path, &opts, None, CancellationToken::new())
            .await
            .unwrap()
            .root
            .cid
            .unwrap();
        let p = c.allocation(&cid).await.unwrap();
        assert!(p.allocations.contains(&ids["meerkat"]), "{name}: {p:?}");
        cids.push(cid);
    }
    for cid in &cids {
        b.wait_status(cid, SOON, |s| {
            matches!(s, TrackerStatus::Pinned | TrackerStatus::Remote)
        })
        .await;
    }
    cids
}

#[tokio::test]
async fn drain_moves_items_off_a_peer_never_below_their_pinned_copies() {
    let b = Backend::start().await;
    let c = b.client();
    let tmp = tempfile::tempdir().unwrap();
    let cids = add_on_meerkat(
        &b,
        tmp.path(),
        &[("two-a.txt", 2), ("two-b.txt", 2), ("one.txt", 1)],
    )
    .await;
    b.fresh_metrics().await;
    let meerkat = c
        .members()
        .await
        .unwrap()
        .into_iter()
        .find(|m| m.peername == "meerkat")
        .unwrap()
        .id;
    let config = ccs_toml(&b, tmp.path(), "");
    let before: Vec<usize> = {
        let mut v = Vec::new();
        for cid in &cids {
            v.push(b.held_by(cid).await.len());
        }
        v
    };
    assert_eq!(before, [2, 2, 1]);
    let drain = |extra: &[&str]| {
        let mut a = vec!["drain".to_string(), "meerkat".into()];
        a.extend(cids.iter().cloned());
        a.extend(extra.iter().map(|s| s.to_string()));
        steward(tmp.path(), &config, a)
    };
    let o = drain(&["--dry-run"]).await;
    assert_eq!(o.code, 1, "{}{}", o.stdout, o.stderr);
    assert!(
        o.stdout
            .contains("drain meerkat [DRY RUN]: 3 item(s) to move"),
        "{}",
        o.stdout
    );
    assert!(o.stdout.contains("one.txt  meerkat → "), "{}", o.stdout);

    // Sampled while the drain runs, from each peer's IPFS daemon (the
    // cluster reports `pinning` for a moment on peers that keep their copy
    // when the allocations change): no item ever has fewer pinned copies.
    let stop = CancellationToken::new();
    let sampler = async {
        let mut samples = 0;
        while !stop.is_cancelled() {
            for (cid, min) in cids.iter().zip(&before) {
                let held = b.held_by(cid).await;
                assert!(
                    held.len() >= *min,
                    "{cid}: pinned on {held:?} only, had {min}"
                );
            }
            samples += 1;
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        samples
    };
    let run = async {
        let o = drain(&[]).await;
        stop.cancel();
        o
    };
    let (o, samples) = tokio::join!(run, sampler);
    assert_eq!(o.code, 1, "moved: {}{}", o.stdout, o.stderr);
    assert!(samples >= 3, "sampled {samples} times");
    assert!(o.stdout.contains("meerkat released"), "{}", o.stdout);
    assert!(
        o.stdout.contains("0 item(s) still allocated to meerkat"),
        "{}",
        o.stdout
    );
    for (i, cid) in cids.iter().enumerate() {
        let p = c.allocation(cid).await.unwrap();
        assert!(!p.allocations.contains(&meerkat), "{p:?}");
        assert_eq!(p.allocations.len(), before[i], "{p:?}");
        assert_eq!(
            (p.replication_factor_min, p.replication_factor_max),
            (before[i] as i32, before[i] as i32),
            "its own bounds again"
        );
        assert_eq!(p.metadata.get("org"), Some("hrdag"), "metadata kept");
        assert!(!p.name.is_empty(), "name kept");
    }
    let o = drain(&[]).await;
    assert_eq!(o.code, 0, "nothing left: {}{}", o.stdout, o.stderr);
    for cid in &cids {
        c.unpin(cid).await.unwrap();
    }
}

#[tokio::test]
async fn rebalance_converges_items_to_ccs_rule() {
    let b = Backend::start().await;
    let c = b.client();
    let tmp = tempfile::tempdir().unwrap();
    let mut cids = add_on_meerkat(
        &b,
        tmp.path(),
        &[("stray.txt", 1), ("crowded.txt", 3), ("guarded.txt", 3)],
    )
    .await;
    b.fresh_metrics().await;
    let ids = b.peer_ids().await;
    // crowded: three copies with a minimum of 2, which the rule trims;
    // guarded: a steward's minimum of 3, which rebalance keeps.
    let crowded = c.allocation(&cids[1]).await.unwrap();
    let p = c
        .pin(
            &cids[1],
            &ccs_tui::cluster::types::PinOptions {
                name: Some(crowded.name.clone()),
                replication_min: Some(2),
                replication_max: Some(3),
                metadata: crowded
                    .metadata
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(p.allocations.len(), 3, "valid and within bounds: kept");
    let guarded = cids.pop().unwrap();
    let config = ccs_toml(&b, tmp.path(), "replication_min = 2\nreplication_max = 2\n");
    let rebalance = |extra: &[&str]| {
        let mut a = vec!["rebalance".to_string()];
        a.extend(cids.iter().cloned());
        a.push(guarded.clone());
        a.extend(extra.iter().map(|s| s.to_string()));
        steward(tmp.path(), &config, a)
    };
    let o = rebalance(&["--dry-run"]).await;
    assert_eq!(o.code, 1, "{}{}", o.stdout, o.stderr);
    assert!(
        o.stdout.contains("rebalance [DRY RUN] target=2-2"),
        "{}",
        o.stdout
    );
    let line = |name: &str| {
        o.stdout
            .lines()
            .find(|l| l.contains(name))
            .unwrap_or_default()
            .to_string()
    };
    assert!(
        line("stray.txt").ends_with("[add_replicas] +nas +chll -meerkat"),
        "{}",
        o.stdout
    );
    assert!(
        line("crowded.txt").ends_with("[remove_replicas] -meerkat"),
        "{}",
        o.stdout
    );
    let o = rebalance(&["--dry-run", "--json"]).await;
    let report: serde_json::Value = serde_json::from_str(&o.stdout).expect(&o.stdout);
    assert_eq!(report["total_pins"], 3);
    assert_eq!(report["added_replicas"], 1);
    // As ccs counts: an item that gains and loses a peer counts in both.
    assert_eq!(report["removed_replicas"], 2);
    assert_eq!(
        report["node_summary"]["meerkat"]["after"], 1,
        "guarded keeps its copy"
    );
    // As ccs lists actions: only the items that change, under its keys.
    let actions = report["actions"].as_array().expect("actions");
    assert_eq!(actions.len(), 2, "{report}");
    for a in actions {
        for k in [
            "cid",
            "name",
            "action",
            "current_allocations",
            "new_allocations",
            "added_peers",
            "removed_peers",
        ] {
            assert!(!a[k].is_null(), "{k} in {a}");
        }
        assert_ne!(a["action"], "already_correct", "{a}");
    }

    let o = rebalance(&[]).await;
    assert_eq!(o.code, 1, "changed: {}{}", o.stdout, o.stderr);
    for (cid, orig) in cids.iter().zip([(1, 1), (2, 3)]) {
        let p = c.allocation(cid).await.unwrap();
        let mut got: Vec<&str> = p.allocations.iter().map(String::as_str).collect();
        got.sort_unstable();
        let mut want = vec![ids["nas"].as_str(), ids["chll"].as_str()];
        want.sort_unstable();
        assert_eq!(got, want, "{}: {}", p.name, o.stdout);
        assert_eq!(p.metadata.get("org"), Some("hrdag"), "metadata kept");
        // Its own bounds, widened only as far as its two copies need.
        assert_eq!(
            (p.replication_factor_min, p.replication_factor_max),
            (orig.0.min(2), orig.1.max(2))
        );
    }
    let o = rebalance(&[]).await;
    assert_eq!(o.code, 0, "nothing left: {}{}", o.stdout, o.stderr);
    let g = c.allocation(&guarded).await.unwrap();
    assert_eq!(g.allocations.len(), 3, "its own minimum kept");
    assert_eq!((g.replication_factor_min, g.replication_factor_max), (3, 3));
    for cid in cids.iter().chain([&guarded]) {
        c.unpin(cid).await.unwrap();
    }
}
