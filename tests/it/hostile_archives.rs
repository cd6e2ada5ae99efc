//! Items built to hurt whoever reads them (issue 24): any member can pin
//! anything, and every operator who browses, reads or audits it must come
//! out whole. Each item is a few valid blocks that verify against their
//! CIDs; a counting gateway on loopback serves them.

use crate::common;

use std::sync::Arc;
use std::time::Duration;

use ccs_tui::app::msg::Msg;
use ccs_tui::cluster::dag::{BlockError, Dag};
use ccs_tui::cluster::{parse_host, ClientConfig, ClusterClient};
use common::backend::Backend;
use common::blocks::{measured, Blocks, Gateway};

/// `ccs-tui` with the cluster's API and `gw` as its gateway.
fn args(b: &Backend, gw: &Gateway, rest: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = rest.iter().map(|s| s.to_string()).collect();
    v.extend([
        "--host".into(),
        b.peers[0].api.clone(),
        "--gateway".into(),
        gw.url.clone(),
        "--basic-auth".into(),
        b.credentials(),
    ]);
    v
}

fn client(b: &Backend, gw: &Gateway) -> ClusterClient {
    let mut ep = parse_host(&b.peers[0].api, false).unwrap();
    ep.gateway = url::Url::parse(&gw.url).unwrap();
    let mut cfg = ClientConfig::new(vec![ep]);
    cfg.auth = ccs_tui::cluster::Auth::Basic {
        user: b.user.clone(),
        password: b.password.clone(),
    };
    ClusterClient::new(cfg).unwrap()
}

#[tokio::test]
async fn the_two_block_hamt_bomb_is_one_clear_error_in_ls_and_the_browse_pane() {
    let b = Backend::start_sim().await;
    let mut blocks = Blocks::default();
    let root = blocks.hamt_bomb(40_000);
    assert_eq!(blocks.map.len(), 3, "two shard blocks and the file");
    assert!(blocks.map.values().all(|b| b.len() < 2 << 20));
    let gw = Gateway::serve(&blocks).await;
    let o = measured(args(&b, &gw, &["ls", &root.to_string()]), vec![]).await;
    assert_eq!(o.code, 2, "{}\n{}", o.stdout, o.stderr);
    assert!(
        o.stderr.contains("linked more than once") && o.stderr.contains(&root.to_string()),
        "names the item and why: {}",
        o.stderr
    );
    assert!(o.stdout.is_empty(), "nothing listed: {}", o.stdout);
    assert!(
        gw.most_asked() <= 1,
        "each block asked once, not 135 times: {}",
        gw.most_asked()
    );
    assert!(gw.requests() <= 3, "{} requests", gw.requests());
    assert!(o.peak_mib < 150.0, "peak {:.0} MiB", o.peak_mib);
    assert!(o.secs < 30.0, "{:.1} s", o.secs);

    // The console's browse: the first shard's entries, then the error in
    // the pane (never an exit).
    let (tx, mut rx) = tokio::sync::mpsc::channel(64);
    let fx = ccs_tui::tasks::effects::Effects::new(Arc::new(client(&b, &gw)), tx);
    fx.browse_list(1, root.to_string());
    let mut rows = 0usize;
    let error = loop {
        match tokio::time::timeout(Duration::from_secs(20), rx.recv()).await {
            Ok(Some(Msg::BrowseEntries {
                entries,
                done,
                error,
                ..
            })) => {
                rows += entries.len();
                if done {
                    break error;
                }
            }
            Ok(Some(_)) => {}
            other => panic!("no answer: {other:?}"),
        }
    };
    let error = error.expect("the pane shows an error");
    assert!(error.contains("linked more than once"), "{error}");
    assert!(rows <= 40_000, "no duplicate rows beyond one shard: {rows}");

    // `cat` of a name inside: the same error, at once.
    let before = gw.requests();
    let o = measured(args(&b, &gw, &["cat", &format!("{root}/1f")]), vec![]).await;
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert!(o.stderr.contains("linked more than once"), "{}", o.stderr);
    assert!(gw.requests() - before <= 3);
    assert!(o.peak_mib < 150.0, "peak {:.0} MiB", o.peak_mib);

    // `get`: the gateway streams its 1.6 billion entries (as kubo would);
    // the fetch stops at its cap, nothing left behind.
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("bomb");
    let o = measured(
        args(
            &b,
            &gw,
            &[
                "get",
                &root.to_string(),
                "-o",
                &out.display().to_string(),
                "--max-entries",
                "20000",
            ],
        ),
        vec![],
    )
    .await;
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert!(
        o.stderr.contains("more than 20,000 files and folders"),
        "{}",
        o.stderr
    );
    assert!(std::fs::read_dir(tmp.path()).unwrap().next().is_none());
    assert!(o.peak_mib < 150.0, "peak {:.0} MiB", o.peak_mib);

    // `audit`: three distinct blocks, three requests a peer.
    b.client()
        .pin(&root.to_string(), &Default::default())
        .await
        .unwrap();
    let config = tmp.path().join("ccs.yml");
    std::fs::write(&config, nodes_at(&b, &gw)).unwrap();
    let before = gw.requests();
    let o = measured(
        vec![
            "audit".into(),
            "--config".into(),
            config.display().to_string(),
            root.to_string(),
            "--json".into(),
        ],
        vec![],
    )
    .await;
    assert_eq!(o.code, 0, "{}\n{}", o.stdout, o.stderr);
    assert_eq!(gw.requests() - before, 3 * b.peers.len() as u64);
}

/// A configuration whose every node's gateway is `gw`.
fn nodes_at(b: &Backend, gw: &Gateway) -> String {
    let mut yaml = format!(
        "cluster:\n  default_node: nas\n  basic_auth_user: {}\n  basic_auth_password: {}\nnodes:\n",
        b.user, b.password
    );
    for p in &b.peers {
        yaml.push_str(&format!(
            "  {}:\n    host: {}\n    gateway: {}\n",
            p.name, p.api, gw.url
        ));
    }
    yaml
}

#[tokio::test]
async fn a_listing_past_its_named_caps_ends_with_the_item_and_the_limit() {
    let b = Backend::start_sim().await;
    let mut blocks = Blocks::default();
    let file = blocks.leaf(b"x");
    // Distinct shards, each honest-looking: 300 shards of 200 entries.
    let shards: Vec<_> = (0..300)
        .map(|s| {
            let entries: Vec<(String, cid::Cid)> =
                (0..200).map(|i| (format!("s{s}-{i}"), file)).collect();
            blocks.shard(&entries, &[])
        })
        .collect();
    let root = blocks.shard(&[], &shards);
    let gw = Gateway::serve(&blocks).await;
    let mut dag = Dag::new(Arc::new(client(&b, &gw)), url::Url::parse(&gw.url).unwrap());
    dag.limits.entries = 50_000;
    match dag.list(&root).await {
        Err(e @ BlockError::Limit { .. }) => {
            let text = e.to_string();
            assert!(text.contains(&root.to_string()), "{text}");
            assert!(text.contains("entries per folder"), "{text}");
            assert!(text.contains("50,000"), "{text}");
        }
        other => panic!("{:?}", other.map(|v| v.len())),
    }
    dag.limits.entries = 1_000_000;
    assert_eq!(
        dag.list(&root).await.unwrap().len(),
        60_000,
        "under the cap"
    );
    dag.limits.listing_bytes = 1 << 20;
    let e = dag.list(&root).await.unwrap_err().to_string();
    assert!(e.contains("bytes held for one listing"), "{e}");
}

#[tokio::test]
async fn a_chain_linked_twenty_times_is_audited_in_one_request_per_block() {
    let b = Backend::start_sim().await;
    let mut blocks = Blocks::default();
    let root = blocks.chain(3, 20);
    assert_eq!(blocks.map.len(), 4);
    // Four such items: before, they held all of the audit's worker slots.
    let roots: Vec<String> = (0..4)
        .map(|k| {
            let leaf = blocks.leaf(format!("z{k}").as_bytes());
            let mut at = leaf;
            let mut size = 2;
            for _ in 0..3 {
                size *= 20;
                at = blocks.file(&vec![at; 20], size);
            }
            at.to_string()
        })
        .chain([root.to_string()])
        .collect();
    let gw = Gateway::serve(&blocks).await;
    let c = b.client();
    for r in &roots {
        c.pin(r, &Default::default()).await.unwrap();
    }
    let tmp = tempfile::tempdir().unwrap();
    let config = tmp.path().join("ccs.yml");
    std::fs::write(&config, nodes_at(&b, &gw)).unwrap();
    let state = tempfile::tempdir().unwrap();
    let mut a = vec![
        "audit".to_string(),
        "--config".into(),
        config.display().to_string(),
    ];
    a.extend(roots.iter().cloned());
    a.push("--json-lines".into());
    let o = measured(
        a,
        vec![("XDG_STATE_HOME", state.path().display().to_string())],
    )
    .await;
    assert_eq!(o.code, 0, "{}\n{}", o.stdout, o.stderr);
    let peers = b.peers.len() as u64;
    assert_eq!(
        gw.requests(),
        5 * 4 * peers,
        "four blocks per item per peer, not 8,421"
    );
    for l in o.stdout.lines() {
        let v: serde_json::Value = serde_json::from_str(l).unwrap();
        assert_eq!(v["outcome"], "ok", "{v}");
        assert_eq!(v["blocks"], 4, "{v}");
    }
    // Reading the file is bounded by what it declares: 8,000 bytes.
    let o = measured(args(&b, &gw, &["cat", &root.to_string()]), vec![]).await;
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert_eq!(o.stdout.len(), 8_000);
    assert!(o.stdout.bytes().all(|c| c == b'z'));
}

#[tokio::test]
async fn a_file_of_empty_blocks_or_that_claims_less_than_it_holds_is_bounded() {
    let b = Backend::start_sim().await;
    let mut blocks = Blocks::default();
    // Empty leaves, linked 200 times at each of three levels: eight
    // million visits for no data.
    let empty = blocks.leaf(b"");
    let mut at = empty;
    for _ in 0..3 {
        at = blocks.file(&vec![at; 200], 1 << 30);
    }
    let gw = Gateway::serve(&blocks).await;
    let o = measured(args(&b, &gw, &["cat", &at.to_string()]), vec![]).await;
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert!(o.stderr.contains("blocks without data"), "{}", o.stderr);
    assert!(gw.requests() < 10_000, "{}", gw.requests());
    // A file that declares 5 bytes over 400 bytes of leaves: 5 bytes.
    let mut blocks = Blocks::default();
    let leaf = blocks.leaf(&[b'a'; 100]);
    let liar = blocks.file(&[leaf; 4], 5);
    let gw = Gateway::serve(&blocks).await;
    let o = measured(args(&b, &gw, &["cat", &liar.to_string()]), vec![]).await;
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert_eq!(o.stdout, "aaaaa");
}

#[tokio::test]
async fn a_cycle_under_forged_cids_is_refused_as_corrupt() {
    let b = Backend::start_sim().await;
    let mut blocks = Blocks::default();
    // A folder that names itself: only possible by serving bytes under a
    // CID they do not match, which every read checks.
    let leaf = blocks.leaf(b"ok");
    let honest = blocks.dir(&[("a".into(), leaf, 2)]);
    let fake: cid::Cid = "bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi"
        .parse()
        .unwrap();
    let mut loops = Blocks::default();
    let looping = loops.dir(&[("self".into(), fake, 1)]);
    blocks.forge(fake, loops.map[&looping].to_vec());
    let root = blocks.dir(&[("loop".into(), fake, 1), ("ok".into(), honest, 1)]);
    let gw = Gateway::serve(&blocks).await;
    let o = measured(
        args(&b, &gw, &["ls", &format!("{root}/loop/self/self")]),
        vec![],
    )
    .await;
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert!(o.stderr.contains("does not match its CID"), "{}", o.stderr);
    assert!(gw.requests() < 10, "{}", gw.requests());
}

/// Bidi overrides and other format characters (Unicode Cf) are shown as
/// `<U+202E>` wherever control characters are cleaned: `ls`, the browse
/// pane, `peers`, and the names a fetch writes to disk.
#[tokio::test]
async fn format_characters_in_names_are_shown_escaped_everywhere() {
    let evil = "\u{202e}txt.exe";
    let b = Backend::start_sim().await;
    let mut blocks = Blocks::default();
    let leaf = blocks.leaf(b"MZ");
    let root = blocks.dir(&[(evil.into(), leaf, 2)]);
    let gw = Gateway::serve(&blocks).await;
    let o = measured(args(&b, &gw, &["ls", &root.to_string()]), vec![]).await;
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(o.stdout.contains("<U+202E>txt.exe"), "{}", o.stdout);
    assert!(!o.stdout.contains('\u{202e}'), "{:?}", o.stdout);

    let (tx, mut rx) = tokio::sync::mpsc::channel(64);
    let fx = ccs_tui::tasks::effects::Effects::new(Arc::new(client(&b, &gw)), tx);
    fx.browse_list(1, root.to_string());
    let mut names = Vec::new();
    while let Some(m) = rx.recv().await {
        if let Msg::BrowseEntries { entries, done, .. } = m {
            names.extend(entries.into_iter().map(|e| e.0));
            if done {
                break;
            }
        }
    }
    assert_eq!(names, ["<U+202E>txt.exe"]);

    // A peer's name, in `peers`.
    let mut st = ccs_tui::sim::SimState::new(&["nas".into(), "gpj\u{202e}exe".into()], 3);
    st.timings = ccs_tui::sim::Timings::instant();
    let h = common::start(st).await;
    let o = measured(vec!["peers".into(), "--host".into(), h.api_url()], vec![]).await;
    assert!(o.stdout.contains("gpj<U+202E>exe"), "{}", o.stdout);
    assert!(!o.stdout.contains('\u{202e}'), "{:?}", o.stdout);

    // Written to disk: the folder verifies under its own names, then the
    // name on disk is the escaped one.
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("letters");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(evil), "MZ").unwrap();
    std::fs::write(dir.join("plain.txt"), "hello").unwrap();
    let mut a = vec![
        "add".to_string(),
        dir.display().to_string(),
        "--json".into(),
    ];
    a.extend(b.cli_args());
    let o = common::cli::run(a, vec![]).await;
    assert_eq!(o.code, 0, "{}", o.stderr);
    let v: serde_json::Value = serde_json::from_str(o.stdout.trim()).unwrap();
    let cid = v["root_cid"]
        .as_str()
        .or(v["cid"].as_str())
        .unwrap()
        .to_string();
    b.wait_pinned(&cid, Duration::from_secs(30)).await;
    let out = tmp.path().join("fetched");
    let mut a = vec![
        "get".to_string(),
        cid,
        "-o".into(),
        out.display().to_string(),
    ];
    a.extend(b.cli_args());
    let o = common::cli::run(a, vec![]).await;
    assert_eq!(o.code, 0, "{}", o.stderr);
    let mut names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["<U+202E>txt.exe", "plain.txt"]);
}

/// Puts `blocks` into the simulator (every peer holds them) and pins `root`.
async fn pin_into_sim(b: &Backend, blocks: &Blocks, root: &cid::Cid) {
    let h = b.sim().expect("the simulator");
    {
        let mut st = h.state().write();
        for (c, bytes) in &blocks.map {
            st.blocks.insert(c.to_bytes(), bytes.clone());
        }
    }
    b.client()
        .pin(&root.to_string(), &Default::default())
        .await
        .unwrap();
    b.wait_pinned(&root.to_string(), Duration::from_secs(30))
        .await;
}

/// A folder of 40,000 links to one folder of 40,000 files is 1.6 billion
/// files from three blocks: `get` stops at its cap on entries, and at its
/// cap on bytes, each raised by a flag, and leaves nothing behind.
#[tokio::test]
async fn get_of_a_folder_bomb_stops_at_its_caps_and_leaves_nothing() {
    let b = Backend::start_sim().await;
    let mut blocks = Blocks::default();
    let file = blocks.leaf(&[b'b'; 4096]);
    let inner = blocks.folder_bomb(40_000, file, 4106);
    let root = blocks.folder_bomb(40_000, inner, 40_000 * 4200);
    pin_into_sim(&b, &blocks, &root).await;
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("bomb");
    let get = |extra: &[&str]| {
        let mut a = vec![
            "get".to_string(),
            root.to_string(),
            "-o".into(),
            out.display().to_string(),
        ];
        a.extend(extra.iter().map(|s| s.to_string()));
        a.extend(b.cli_args());
        a
    };
    let o = measured(get(&["--max-entries", "3000"]), vec![]).await;
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert!(
        o.stderr
            .contains("more than 3,000 files and folders (--max-entries)"),
        "{}",
        o.stderr
    );
    assert!(o.peak_mib < 150.0, "peak {:.0} MiB", o.peak_mib);
    let o = measured(get(&["--max-bytes", "4M"]), vec![]).await;
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert!(
        o.stderr.contains("larger than 4.2 MB (--max-bytes)"),
        "{}",
        o.stderr
    );
    let left: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().collect();
    assert!(left.is_empty(), "nothing left behind: {left:?}");
    let o = measured(get(&["--max-bytes", "lots"]), vec![]).await;
    assert_eq!(o.code, 2);
    assert!(o.stderr.contains("a size is a number"), "{}", o.stderr);
}

/// A root that claims a petabyte: one 256-byte leaf linked 40,000 times by
/// one block, linked 40,000 times by another, under a root linking that
/// 1,000 times (four blocks). The claim meets the disk's cap before any
/// block below the root is read. A claim the disk could hold, 10 GB of
/// 256-byte pieces (three blocks), stops the layout at its absolute size,
/// in bounded memory.
#[tokio::test]
async fn a_petabyte_claimed_by_four_blocks_is_refused_before_it_is_walked() {
    let b = Backend::start_sim().await;
    let mut blocks = Blocks::default();
    let leaf = blocks.leaf(&[b'x'; 256]);
    let l1 = blocks.file_sized(&vec![(leaf, 256); 40_000]);
    let l2 = blocks.file_sized(&vec![(l1, 40_000 * 256); 40_000]);
    let root = blocks.file_sized(&vec![(l2, 40_000 * 40_000 * 256); 1_000]);
    pin_into_sim(&b, &blocks, &root).await;
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("petabyte");
    let get = |extra: &[&str]| {
        let mut a = vec![
            "get".to_string(),
            root.to_string(),
            "-o".into(),
            out.display().to_string(),
        ];
        a.extend(extra.iter().map(|s| s.to_string()));
        a.extend(b.cli_args());
        a
    };
    let o = measured(get(&[]), vec![]).await;
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert!(o.stderr.contains("would fill the disk"), "{}", o.stderr);
    assert!(o.peak_mib < 100.0, "peak {:.0} MiB", o.peak_mib);
    let ten_gb = blocks.file_sized(&vec![(l1, 40_000 * 256); 1_000]);
    let gw = Gateway::serve(&blocks).await;
    let ten = ten_gb.to_string();
    let o = measured(
        args(&b, &gw, &["get", &ten, "-o", &out.display().to_string()]),
        vec![],
    )
    .await;
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert!(o.stderr.contains("a layout held in memory"), "{}", o.stderr);
    assert!(o.peak_mib < 600.0, "peak {:.0} MiB", o.peak_mib);
    let left: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().collect();
    assert!(left.is_empty(), "nothing left behind: {left:?}");
}

/// A shard entry whose name is cut inside a character where its two-digit
/// prefix should end (`aé`): a malformed folder, said as such; no panic.
#[tokio::test]
async fn a_shard_entry_cut_inside_a_character_is_malformed_not_a_panic() {
    let b = Backend::start_sim().await;
    let mut blocks = Blocks::default();
    let file = blocks.leaf(b"x");
    let root = blocks.shard_named(&[("aé", file)]);
    let gw = Gateway::serve(&blocks).await;
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("shard");
    let o = measured(
        args(
            &b,
            &gw,
            &["get", &root.to_string(), "-o", &out.display().to_string()],
        ),
        vec![],
    )
    .await;
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert!(
        o.stderr.contains("a shard entry without its prefix"),
        "{}",
        o.stderr
    );
    assert!(!o.stderr.contains("panicked"), "{}", o.stderr);
    let left: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().collect();
    assert!(left.is_empty(), "nothing left behind: {left:?}");
}

/// Folder entries named to climb out (`..`, `../x`, `/etc/x`, `a/b`): the
/// whole get is refused, nothing is written outside the target, nothing
/// under its name. A symbolic link is written as a link, never followed.
#[tokio::test]
async fn get_of_names_that_would_leave_the_folder_is_refused() {
    for evil in ["..", "../escaped.txt", "/tmp/escaped.txt", "a/b", "."] {
        let b = Backend::start_sim().await;
        let mut blocks = Blocks::default();
        let file = blocks.leaf(b"owned");
        let root = blocks.dir(&[("fine.txt".into(), file, 5), (evil.into(), file, 5)]);
        pin_into_sim(&b, &blocks, &root).await;
        let tmp = tempfile::tempdir().unwrap();
        let inside = tmp.path().join("deep");
        std::fs::create_dir(&inside).unwrap();
        let out = inside.join("fetched");
        let mut a = vec![
            "get".to_string(),
            root.to_string(),
            "-o".into(),
            out.display().to_string(),
        ];
        a.extend(b.cli_args());
        let o = measured(a, vec![]).await;
        assert_eq!(o.code, 2, "{evil}: {}", o.stderr);
        assert!(o.stderr.contains("would leave its folder"), "{}", o.stderr);
        let left: Vec<_> = std::fs::read_dir(&inside).unwrap().collect();
        assert!(left.is_empty(), "{evil}: nothing left: {left:?}");
        let above: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().collect();
        assert_eq!(above.len(), 1, "{evil}: nothing beside: {above:?}");
    }
}

/// The journal file an audit of the whole pinset keeps for `b`'s cluster.
async fn audit_journal(b: &Backend, state: &std::path::Path) -> (String, std::path::PathBuf) {
    let cluster = b.client().id().await.unwrap().id;
    let key: String = format!("{cluster}-all")
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    (
        cluster,
        state.join("ccs-tui").join(format!("audit-{key}.jsonl")),
    )
}

async fn add_files(b: &Backend, dir: &std::path::Path, n: usize) -> Vec<String> {
    let mut cids = Vec::new();
    for i in 0..n {
        cids.push(b.add_file(dir, &format!("letter-{i}.txt"), &[], 3).await);
    }
    cids
}

/// The audit's journal: never written through a link planted in its
/// place; a 0700 folder and 0600 files; lines forged without this
/// cluster's identity (or naming another) are said and ignored, so their
/// items are audited and their MISSING findings kept.
#[cfg(unix)]
#[tokio::test]
async fn the_audit_journal_is_private_never_followed_and_only_this_clusters() {
    use std::os::unix::fs::PermissionsExt;
    let b = Backend::start_sim().await;
    let tmp = tempfile::tempdir().unwrap();
    let cids = add_files(&b, tmp.path(), 3).await;
    let config = b.config_file(tmp.path());
    let state = tempfile::tempdir().unwrap();
    let (cluster, journal) = audit_journal(&b, state.path()).await;
    let env = vec![("XDG_STATE_HOME", state.path().display().to_string())];
    let audit = vec![
        "audit".to_string(),
        "--config".into(),
        config.display().to_string(),
    ];
    // A link where the journal goes: the file it points to is not touched.
    std::fs::create_dir_all(journal.parent().unwrap()).unwrap();
    let precious = tmp.path().join("precious.txt");
    std::fs::write(&precious, "keep me\n").unwrap();
    std::os::unix::fs::symlink(&precious, &journal).unwrap();
    let o = common::cli::run(audit.clone(), env.clone()).await;
    assert_eq!(o.code, 0, "{}\n{}", o.stdout, o.stderr);
    assert!(o.stderr.contains("symbolic link"), "{}", o.stderr);
    assert_eq!(std::fs::read_to_string(&precious).unwrap(), "keep me\n");
    std::fs::remove_file(&journal).unwrap();
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;

    // Three forged "ok" lines: one without a cluster, one of another, one
    // that does not parse. Every peer misses nothing but chll, whose kubo
    // lost everything: all three items are MISSING there.
    let ids = b.peer_ids().await;
    let forged: String = cids
        .iter()
        .enumerate()
        .map(|(i, cid)| {
            let mut v = serde_json::json!({
                "peer": "chll", "peer_id": ids["chll"], "cid": cid, "name": "x",
                "outcome": "ok", "blocks": 1
            });
            match i {
                0 => {}
                1 => v["cluster"] = "12D3KooWOtherCluster".into(),
                _ => return "{\"outcome\":\"ok\"".to_string() + "\n",
            }
            format!("{v}\n")
        })
        .collect();
    std::fs::write(&journal, forged).unwrap();
    let h = b.sim().unwrap();
    let mut faults = ccs_tui::sim::Faults::default();
    faults.peer_gateways.insert(
        "chll".into(),
        ccs_tui::sim::faults::PeerGatewayFault::Missing,
    );
    h.set_faults(faults);
    let o = common::cli::run(audit.clone(), env.clone()).await;
    assert_eq!(o.code, 1, "{}\n{}", o.stdout, o.stderr);
    assert!(!o.stderr.contains("resuming"), "{}", o.stderr);
    assert_eq!(
        mode(journal.parent().unwrap()),
        0o700,
        "its folder made private"
    );
    assert!(
        o.stderr
            .contains("1 line(s) that do not parse and 2 of another cluster, ignored"),
        "{}",
        o.stderr
    );
    for cid in &cids {
        assert!(
            o.stdout.lines().any(|l| l.starts_with("MISSING")
                && l.contains("chll")
                && l.contains(cid.as_str())),
            "{cid}: {}",
            o.stdout
        );
    }
    // This cluster's own line for one peer is not the whole item: still asked.
    let line = serde_json::json!({
        "cluster": cluster, "peer": "nas", "peer_id": ids["nas"], "cid": cids[0],
        "name": "x", "outcome": "ok", "blocks": 1
    });
    std::fs::write(&journal, format!("{line}\n")).unwrap();
    assert_eq!(mode(&journal), 0o644, "as the test wrote it");
    let o = common::cli::run(audit, env).await;
    assert_eq!(o.code, 1);
    assert!(
        o.stdout
            .lines()
            .any(|l| l.starts_with("MISSING") && l.contains(cids[0].as_str())),
        "{}",
        o.stdout
    );
}

/// A rebalance journal line forged to lower an item's minimum from 2 to 1
/// is refused: a journal only finishes what a run began.
#[tokio::test]
async fn a_forged_rebalance_journal_line_cannot_lower_an_items_minimum() {
    let b = Backend::start_sim().await;
    let tmp = tempfile::tempdir().unwrap();
    let cid = b
        .add_file(tmp.path(), "photo.jpg", &["--rmin", "2", "--rmax", "2"], 2)
        .await;
    let pin = b.client().allocation(&cid).await.unwrap();
    assert_eq!(
        (pin.replication_factor_min, pin.replication_factor_max),
        (2, 2)
    );
    let config = tmp.path().join("ccs.yml");
    let yaml = std::fs::read_to_string(b.config_file(tmp.path()))
        .unwrap()
        .replace(
            "cluster:\n",
            "cluster:\n  replication_min: 2\n  replication_max: 3\n",
        );
    std::fs::write(&config, yaml).unwrap();
    let state = tempfile::tempdir().unwrap();
    let cluster = b.client().id().await.unwrap().id;
    let dir = state.path().join("ccs-tui");
    std::fs::create_dir_all(&dir).unwrap();
    let key: String = format!("{cluster}-all")
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    let line = serde_json::json!({
        "cluster": cluster, "cid": cid, "before": {"bounds": [1, 2], "copies": 2}
    });
    std::fs::write(
        dir.join(format!("rebalance-{key}.jsonl")),
        format!("{line}\n"),
    )
    .unwrap();
    let o = common::cli::run(
        vec![
            "rebalance".into(),
            "--config".into(),
            config.display().to_string(),
            cid.clone(),
        ],
        vec![("XDG_STATE_HOME", state.path().display().to_string())],
    )
    .await;
    assert!(
        o.stderr
            .contains(&format!("journal record for {cid} not used")),
        "{}\n{}",
        o.stdout,
        o.stderr
    );
    let pin = b.client().allocation(&cid).await.unwrap();
    assert!(pin.replication_factor_min >= 2, "{pin:?}\n{}", o.stdout);
    assert!(pin.allocations.len() >= 2, "{pin:?}");
}

/// Bounds `config --validate-only` refuses are refused by every command,
/// in the same words: `rebalance` once ran with `target=0-0` and took an
/// item from 3 copies to 2.
#[tokio::test]
async fn every_command_refuses_what_config_validate_only_refuses() {
    let b = Backend::start_sim().await;
    let tmp = tempfile::tempdir().unwrap();
    for (min, max, says) in [
        (
            "0",
            "0",
            "cluster.replication_min must be at least 1 (or -1), not 0",
        ),
        (
            "5",
            "2",
            "cluster.replication_max (2) is smaller than replication_min (5)",
        ),
        ("-1", "3", "must both be -1 (everywhere) when one is"),
    ] {
        let toml = tmp.path().join("ccs.toml");
        std::fs::write(
            &toml,
            format!(
                "[cluster]\ndefault_node = \"nas\"\nreplication_min = {min}\nreplication_max = {max}\nbasic_auth_user = \"{}\"\nbasic_auth_password = \"{}\"\n[nodes.nas]\nhost = \"{}\"\n",
                b.user, b.password, b.peers[0].api
            ),
        )
        .unwrap();
        let cfg = toml.display().to_string();
        let o = common::cli::run(
            vec![
                "config".into(),
                "--validate-only".into(),
                "--config".into(),
                cfg.clone(),
            ],
            vec![],
        )
        .await;
        assert_eq!(o.code, 1, "{}", o.stderr);
        assert!(o.stderr.contains(says), "{}", o.stderr);
        for cmd in [
            vec!["rebalance", "--dry-run"],
            vec!["rebalance"],
            vec!["peers"],
            vec!["ls"],
        ] {
            let mut a: Vec<String> = cmd.iter().map(|s| s.to_string()).collect();
            a.extend(["--config".to_string(), cfg.clone()]);
            let o = common::cli::run(a, vec![]).await;
            assert_eq!(o.code, 2, "{cmd:?}: {}{}", o.stdout, o.stderr);
            assert!(o.stderr.contains(says), "{cmd:?}: {}", o.stderr);
            assert!(
                o.stdout.is_empty(),
                "{cmd:?}: nothing planned: {}",
                o.stdout
            );
        }
    }
}

/// `auth_file` must be a small regular file of one user:password line:
/// `/etc/shadow`-like files and `/dev/zero` are refused without printing
/// a byte of them.
#[tokio::test]
async fn an_auth_file_that_is_not_one_credentials_line_is_refused_unread() {
    let b = Backend::start_sim().await;
    let tmp = tempfile::tempdir().unwrap();
    let shadow = tmp.path().join("shadow");
    std::fs::write(
        &shadow,
        "root:$6$salt$SECRETHASH:19000:0:99999:7:::\nbin:*:19000:0:99999:7:::\n",
    )
    .unwrap();
    for (file, says) in [
        (shadow.display().to_string(), "it holds 2 lines"),
        ("/dev/zero".to_string(), "not a regular file"),
    ] {
        let toml = tmp.path().join("ccs.toml");
        std::fs::write(
            &toml,
            format!(
                "[cluster]\ndefault_node = \"nas\"\nauth_file = \"{file}\"\n[nodes.nas]\nhost = \"{}\"\n",
                b.peers[0].api
            ),
        )
        .unwrap();
        let o = measured(
            vec![
                "peers".into(),
                "--config".into(),
                toml.display().to_string(),
            ],
            vec![],
        )
        .await;
        assert_eq!(o.code, 2, "{}", o.stderr);
        assert!(o.stderr.contains(says), "{}", o.stderr);
        assert!(
            !o.stderr.contains("SECRETHASH") && !o.stderr.contains("root"),
            "{}",
            o.stderr
        );
        assert!(o.peak_mib < 100.0, "{:.0} MiB", o.peak_mib);
    }
}
