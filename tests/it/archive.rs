//! Inside the archive: folders listed and files read from verified blocks
//! (`ls CID[/path]`, `cat`, the reader the console browses with), and the
//! fixity audit that asks each peer, through its own gateway, for what it
//! should hold. `both::` runs on the simulator and on the real cluster.

use crate::common;

use std::sync::Arc;
use std::time::Duration;

use ccs_tui::cluster::dag::{BlockError, Dag, Kind};
use ccs_tui::sim::faults::PeerGatewayFault;
use common::backend::{unique_bytes, unique_text, Backend};
use common::cli::{run, Out};

/// A folder item shaped like an archive's: an index, JSON, a subfolder of scans.
fn folder(dir: &std::path::Path) -> (Vec<u8>, String) {
    std::fs::create_dir_all(dir.join("scans")).unwrap();
    let json = unique_text(r#"{"title":"commit","items":[1,2,3]}"#);
    std::fs::write(dir.join("data.json"), &json).unwrap();
    std::fs::write(dir.join("index.html"), unique_text("<h1>commit</h1>")).unwrap();
    let scan = unique_bytes(700_000);
    std::fs::write(dir.join("scans/page-0001.tif"), &scan).unwrap();
    (scan, json)
}

async fn add(b: &Backend, dir: &std::path::Path) -> String {
    let mut a = vec![
        "add".to_string(),
        dir.display().to_string(),
        "--json".into(),
    ];
    a.extend(b.cli_args());
    let o = run(a, vec![]).await;
    assert_eq!(o.code, 0, "{}", o.stderr);
    let v: serde_json::Value = serde_json::from_str(o.stdout.trim()).unwrap();
    let cid = v["cid"]
        .as_str()
        .or(v["root_cid"].as_str())
        .unwrap()
        .to_string();
    b.wait_pinned(&cid, Duration::from_secs(60)).await;
    cid
}

async fn cli(b: &Backend, rest: &[&str]) -> Out {
    let mut a: Vec<String> = rest.iter().map(|s| s.to_string()).collect();
    a.extend(b.cli_args());
    run(a, vec![]).await
}

async fn audit(config: &std::path::Path, rest: &[&str]) -> Out {
    let mut a = vec![
        "audit".to_string(),
        "--config".into(),
        config.display().to_string(),
    ];
    a.extend(rest.iter().map(|s| s.to_string()));
    let state = tempfile::tempdir().unwrap();
    run(
        a,
        vec![("XDG_STATE_HOME", state.path().display().to_string())],
    )
    .await
}

fn json_lines(o: &Out) -> Vec<serde_json::Value> {
    o.stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("one object per line"))
        .collect()
}

mod both {
    use super::*;

    #[tokio::test]
    async fn ls_and_cat_inside_a_folder_item() {
        let b = Backend::start().await;
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("commit_2026-11-27");
        let (scan, json) = folder(&dir);
        let cid = add(&b, &dir).await;
        let o = cli(&b, &["ls", &cid]).await;
        assert_eq!(o.code, 0, "{}", o.stderr);
        let names: Vec<&str> = o
            .stdout
            .lines()
            .map(|l| l.rsplit(' ').next().unwrap())
            .collect();
        assert_eq!(names, ["data.json", "index.html", "scans/"]);
        let o = cli(&b, &["ls", &format!("{cid}/scans"), "--json-lines"]).await;
        let v = json_lines(&o);
        assert_eq!(v.len(), 1);
        assert_eq!(v[0]["name"], "page-0001.tif");
        assert_eq!(v[0]["type"], "file");
        assert_eq!(v[0]["size"], 700_000);
        // cat: the verified bytes, exactly.
        let mut a = vec![
            "cat".to_string(),
            format!("/ipfs/{cid}/scans/page-0001.tif"),
        ];
        a.extend(b.cli_args());
        let out = tokio::task::spawn_blocking(move || {
            std::process::Command::new(env!("CARGO_BIN_EXE_ccs-tui"))
                .args(&a)
                .env("HOME", std::env::temp_dir())
                .output()
                .unwrap()
        })
        .await
        .unwrap();
        assert!(out.status.success());
        assert!(out.stdout == scan, "cat gives the file byte for byte");
        let o = cli(&b, &["cat", &format!("{cid}/data.json")]).await;
        assert_eq!(o.stdout, json);
        // Bad paths and folders say so.
        let o = cli(&b, &["cat", &format!("{cid}/nope.txt")]).await;
        assert_eq!(o.code, 2);
        assert!(
            o.stderr.contains("nope.txt: no such file or folder"),
            "{}",
            o.stderr
        );
        let o = cli(&b, &["cat", &format!("{cid}/scans")]).await;
        assert_eq!(o.code, 2);
        assert!(o.stderr.contains("a folder, not a file"), "{}", o.stderr);
        let o = cli(&b, &["ls", "notacid/x"]).await;
        assert_eq!(o.code, 2);
        assert!(o.stderr.contains("not a valid CID"), "{}", o.stderr);
    }

    /// Every peer that should hold the item serves it whole, through its own
    /// gateway. A stopped kubo is in `faults.rs`, which the real suite runs
    /// alone: every `both::` test shares the real cluster at once, and one
    /// that stops a daemon breaks the others' pins.
    #[tokio::test]
    async fn audit_asks_each_peer_through_its_own_gateway() {
        let b = Backend::start().await;
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("audited");
        folder(&dir);
        let cid = add(&b, &dir).await;
        let config = b.config_file(tmp.path());
        let o = audit(&config, &[&cid, "--json-lines"]).await;
        assert_eq!(o.code, 0, "{}\n{}", o.stdout, o.stderr);
        let v = json_lines(&o);
        let peers: Vec<&str> = v.iter().map(|c| c["peer"].as_str().unwrap()).collect();
        assert_eq!(v.len(), 3, "each of the three peers holds it: {peers:?}");
        assert!(v
            .iter()
            .all(|c| c["outcome"] == "ok" && c["blocks"].as_u64() > Some(3)));
    }
}

/// A folder of 4,000 files with long names is HAMT-sharded (as kubo shards it): its shards
/// are read as they come, and every entry is listed.
#[tokio::test]
async fn a_hamt_sharded_folder_lists_every_entry() {
    let b = Backend::start_sim().await;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("letters");
    std::fs::create_dir(&dir).unwrap();
    for i in 0..4000 {
        std::fs::write(
            dir.join(format!("letter-from-the-community-archive-{i:05}.txt")),
            format!("letter {i}\n"),
        )
        .unwrap();
    }
    let cid = add(&b, &dir).await;
    let dag = Dag::new(Arc::new(b.client()), url::Url::parse(b.gateway()).unwrap());
    let root = ccs_tui::unixfs::parse_cid(&cid).unwrap();
    let block = dag.block(&root).await.unwrap();
    let pb = ccs_tui::unixfs::PbNode::decode(&block).unwrap();
    let data = ccs_tui::unixfs::UnixfsData::decode(pb.data.as_deref().unwrap()).unwrap();
    assert_eq!(data.kind, Some(ccs_tui::unixfs::DataType::HamtShard));
    let mut batches = 0;
    let entries = dag.list_with(&root, |_| batches += 1).await.unwrap();
    assert_eq!(entries.len(), 4000);
    assert!(batches > 1, "shards arrive one by one");
    assert_eq!(
        entries[0].name,
        "letter-from-the-community-archive-00000.txt"
    );
    let at = dag
        .resolve(&root, "letter-from-the-community-archive-03999.txt")
        .await
        .unwrap();
    let mut out = Vec::new();
    dag.read(&at, None, &mut |b: &[u8]| {
        out.extend_from_slice(b);
        Ok(())
    })
    .await
    .unwrap();
    assert_eq!(out, b"letter 3999\n");
    assert_eq!(dag.stat(&at).await.unwrap().kind, Kind::File);
    let o = cli(&b, &["ls", &cid]).await;
    assert_eq!(o.stdout.lines().count(), 4000);
}

/// One peer's copy went bad: its blocks never reach the reader, and the
/// audit names that peer, among healthy ones, with exit 2; a peer that lost
/// its copy is missing (exit 1); sampling, one peer, and resuming.
#[tokio::test]
async fn the_audit_finds_the_one_corrupted_peer() {
    let b = Backend::start_sim().await;
    let h = b.sim().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("fixity");
    folder(&dir);
    let cid = add(&b, &dir).await;
    let config = b.config_file(tmp.path());
    let set = |peer: &str, f: Option<PeerGatewayFault>| {
        let mut faults = ccs_tui::sim::Faults::default();
        if let Some(f) = f {
            faults.peer_gateways.insert(peer.into(), f);
        }
        h.set_faults(faults);
    };
    set("meerkat", Some(PeerGatewayFault::Corrupt));
    // The reader: a corrupted block is an error naming the gateway, never data.
    let meerkat = b.peers.iter().find(|p| p.name == "meerkat").unwrap();
    let dag = Dag::new(
        Arc::new(b.client()),
        url::Url::parse(&meerkat.gateway).unwrap(),
    );
    let root = ccs_tui::unixfs::parse_cid(&cid).unwrap();
    match dag.block(&root).await {
        Err(BlockError::Corrupt { gateway, .. }) => {
            assert!(meerkat.gateway.ends_with(&gateway), "{gateway}")
        }
        other => panic!("{other:?}"),
    }
    // Reading falls back to another gateway: any verified copy will do.
    let others: Vec<url::Url> = b
        .peers
        .iter()
        .map(|p| url::Url::parse(&p.gateway).unwrap())
        .collect();
    let dag = dag.with_fallbacks(others);
    assert_eq!(dag.stat(&root).await.unwrap().kind, Kind::Dir);
    let o = audit(&config, &[&cid, "--json-lines"]).await;
    assert_eq!(o.code, 2, "{}\n{}", o.stdout, o.stderr);
    let v = json_lines(&o);
    for c in &v {
        let want = if c["peer"] == "meerkat" {
            "corrupt"
        } else {
            "ok"
        };
        assert_eq!(c["outcome"], want, "{c}");
    }
    let o = audit(&config, &[&cid]).await;
    assert!(o.stdout.contains("CORRUPT      meerkat"), "{}", o.stdout);
    assert!(o.stdout.contains("does not match its CID"), "{}", o.stdout);
    assert!(
        o.stdout.contains("from meerkat (127.0.0.1:"),
        "the peer is named: {}",
        o.stdout
    );
    // Lost, not changed: missing, exit 1.
    set("chll", Some(PeerGatewayFault::Missing));
    let o = audit(&config, &[&cid, "--peer", "chll"]).await;
    assert_eq!(o.code, 1, "{}\n{}", o.stdout, o.stderr);
    assert!(o.stdout.contains("MISSING      chll"), "{}", o.stdout);
    assert!(
        !o.stdout.contains("nas"),
        "--peer: chll alone\n{}",
        o.stdout
    );
    set("chll", None);
    // A spot check of the whole pinset: a path of blocks per item.
    let o = audit(&config, &["--sample", "5", "--json-lines"]).await;
    assert_eq!(o.code, 0, "{}\n{}", o.stdout, o.stderr);
    assert!(!json_lines(&o).is_empty());
    // An audit that cannot run is 3, never taken for a corrupt copy (2).
    let o = audit(&config, &["--peer", "nobody"]).await;
    assert_eq!(o.code, 3);
    assert!(o.stderr.contains("no such member peer"), "{}", o.stderr);
    let o = audit(&config, &["notacid"]).await;
    assert_eq!(o.code, 3);
    let o = audit(&config, &["--sample", "0"]).await;
    assert_eq!(o.code, 3);
}

/// A full audit interrupted resumes where it stopped: checked items are not
/// asked again, and the report still counts them.
#[tokio::test]
async fn a_full_audit_resumes_where_it_stopped() {
    let b = Backend::start_sim().await;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("resumed");
    folder(&dir);
    let cid = add(&b, &dir).await;
    let config = b.config_file(tmp.path());
    let state = tempfile::tempdir().unwrap();
    let journal_dir = state.path().join("ccs-tui");
    std::fs::create_dir_all(&journal_dir).unwrap();
    // As if a run had checked this item on nas, then stopped. Journals
    // are the cluster's (the answering peer's ID), not its address's.
    let cluster = b.client().id().await.unwrap().id;
    let key: String = format!("{cluster}-all")
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    // Every peer that should hold it was found ok: the item is done.
    let lines: String = b
        .peer_ids()
        .await
        .iter()
        .map(|(name, id)| {
            let v = serde_json::json!({
                "cluster": cluster, "peer": name, "peer_id": id, "cid": cid,
                "name": "resumed", "outcome": "ok", "blocks": 7
            });
            format!("{v}\n")
        })
        .collect();
    let journal = journal_dir.join(format!("audit-{key}.jsonl"));
    std::fs::write(&journal, lines).unwrap();
    let env = vec![("XDG_STATE_HOME", state.path().display().to_string())];
    let a = vec![
        "audit".to_string(),
        "--config".into(),
        config.display().to_string(),
        "--json-lines".into(),
    ];
    let o = run(a.clone(), env.clone()).await;
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(
        o.stderr
            .contains("resuming the audit: 1 item(s) already found ok"),
        "{}",
        o.stderr
    );
    let v = json_lines(&o);
    let ours: Vec<_> = v.iter().filter(|c| c["cid"] == cid.as_str()).collect();
    assert_eq!(
        ours.len(),
        3,
        "the checked item is not asked again: {ours:?}"
    );
    assert!(ours.iter().all(|c| c["blocks"] == 7), "{ours:?}");
    // Finished: the next run starts over.
    let o = run(a, env).await;
    assert!(!o.stderr.contains("resuming"), "{}", o.stderr);
}
