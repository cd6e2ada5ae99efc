//! The scripting subcommands against the simulator, as a user runs them:
//! the real binary, every command, both flag spellings, every exit code,
//! `--json` parsed back, and the `ccs` bugs it must not repeat.

use crate::common;

use serde_json::Value;

use common::cli::run;

fn args(h: &ccs_tui::sim::SimHandle, rest: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = rest.iter().map(|s| s.to_string()).collect();
    v.extend([
        "--host".into(),
        h.api_url(),
        "--gateway".into(),
        h.gateway_url(),
    ]);
    v
}

async fn demo_with_auth() -> ccs_tui::sim::SimHandle {
    let mut st = ccs_tui::sim::scenario::demo().unwrap();
    st.timings = ccs_tui::sim::Timings {
        fail_after: std::time::Duration::from_secs(3600),
        ..ccs_tui::sim::Timings::instant()
    };
    st.basic_auth = Some(("admin".into(), "secret".into()));
    common::start(st).await
}

fn creds() -> Vec<(&'static str, String)> {
    vec![("CLUSTER_CREDENTIALS", "admin:secret".into())]
}

#[tokio::test]
async fn peers_and_health() {
    let h = demo_with_auth().await;
    let o = run(args(&h, &["peers"]), creds()).await;
    assert_eq!(o.code, 1, "a peer is down: partial; {}", o.stderr);
    assert_eq!(o.stdout.lines().count(), 5);
    // crdt no longer lists pihost; its ping alert names it, so it is missing.
    assert!(
        o.stdout
            .contains("| pihost | ERROR: missing: no heartbeat since "),
        "{}",
        o.stdout
    );
    // Listings follow one rule: one JSON document (an array) with --json,
    // as ccs's is; one object per line with --json-lines.
    let o = run(args(&h, &["peers", "--json"]), creds()).await;
    let peers: Vec<Value> = serde_json::from_str(&o.stdout).expect("one document");
    assert_eq!(peers.len(), 5);
    let o = run(args(&h, &["peers", "--json-lines"]), creds()).await;
    let lines: Vec<Value> = o
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("one object per line"))
        .collect();
    assert_eq!(lines, peers);
    assert!(peers.iter().all(|p| p["id"].is_string()));
    let o = run(args(&h, &["health"]), creds()).await;
    assert_eq!(o.code, 2, "a peer offline is an error (as ccs health)");
    assert!(
        o.stdout
            .starts_with("cluster health: error\npeers: 4/5 online\n"),
        "{}",
        o.stdout
    );
    h.set_peer_offline("pihost", None);
    let o = run(args(&h, &["health", "--json"]), creds()).await;
    assert_eq!(o.code, 1, "pin errors: degraded");
    let v: Value = serde_json::from_str(&o.stdout).unwrap();
    assert_eq!(v["status"], "degraded");
    assert_eq!(v["pins"]["total"], common::demo_items());
    let errs = v["pins"]["errors"].as_array().unwrap();
    assert_eq!(errs.len(), 2);
    assert!(
        errs.iter().all(|e| e["cid"].as_str().unwrap().len() == 46),
        "full CIDs, not 20 characters"
    );
}

/// Items named to a plan are CIDs, and in the pinset; else nothing is
/// planned and the run says which.
#[tokio::test]
async fn plans_refuse_items_that_are_not_cids_or_not_in_the_pinset() {
    let h = demo_with_auth().await;
    for cmd in [&["rebalance"][..], &["drain", "nas"][..]] {
        let mut a: Vec<&str> = cmd.to_vec();
        a.extend(["notacid", "--dry-run"]);
        let o = run(args(&h, &a), creds()).await;
        assert_eq!(o.code, 2, "{cmd:?}: {}{}", o.stdout, o.stderr);
        assert!(o.stderr.contains("notacid"), "{}", o.stderr);
        assert!(o.stderr.contains("not a valid CID"), "{}", o.stderr);
        let absent = "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku";
        let mut a: Vec<&str> = cmd.to_vec();
        a.extend([absent, "--dry-run"]);
        let o = run(args(&h, &a), creds()).await;
        assert_eq!(o.code, 2, "{cmd:?}: {}{}", o.stdout, o.stderr);
        assert!(
            o.stderr.contains(&format!("{absent} is not in the pinset")),
            "{}",
            o.stderr
        );
        assert!(
            !o.stdout.contains("Results"),
            "nothing planned: {}",
            o.stdout
        );
    }
}

/// `status` of an item the pinset lacks says so once, not with a line per
/// peer.
#[tokio::test]
async fn status_of_an_item_not_in_the_pinset_is_one_line() {
    let h = demo_with_auth().await;
    let absent = "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku";
    let o = run(args(&h, &["status", absent]), creds()).await;
    assert_eq!(o.code, 2, "{}{}", o.stdout, o.stderr);
    assert!(o.stderr.contains("is not in the pinset"), "{}", o.stderr);
    assert!(!o.stdout.contains("UNPINNED"), "{}", o.stdout);
}

#[tokio::test]
async fn add_status_get_rm_cycle() {
    let h = demo_with_auth().await;
    let tmp = tempfile::tempdir().unwrap();
    let docs = tmp.path().join("docs");
    std::fs::create_dir_all(docs.join("sub")).unwrap();
    std::fs::write(docs.join("a.txt"), "a\n").unwrap();
    std::fs::write(docs.join("b.txt"), "b\n").unwrap();
    std::fs::write(docs.join("sub/c.txt"), "c\n").unwrap();
    let manifest = tmp.path().join("manifest.json");
    let o = run(
        args(
            &h,
            &[
                "add",
                docs.to_str().unwrap(),
                "--wait",
                "--metadata",
                "org=hrdag",
                "--rmin",
                "2",
                "--rmax",
                "3",
                "--output-json",
                manifest.to_str().unwrap(),
            ],
        ),
        creds(),
    )
    .await;
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(
        o.stdout
            .contains("added QmWgWsT9pjwWGuiU9i8Z4LZ8Ba9tJjMq4jWGTzydqWJo5m docs"),
        "{}",
        o.stdout
    );
    let m: Value = serde_json::from_str(&std::fs::read_to_string(&manifest).unwrap()).unwrap();
    assert_eq!(
        m["root_cid"],
        "QmWgWsT9pjwWGuiU9i8Z4LZ8Ba9tJjMq4jWGTzydqWJo5m"
    );
    assert_eq!(m["entries"].as_array().unwrap().len(), 5);
    assert!(m["replica_count"].as_u64().unwrap() >= 2);
    // Again: already there, exit 0, says so.
    let o = run(
        args(&h, &["add", docs.to_str().unwrap(), "--json"]),
        creds(),
    )
    .await;
    assert_eq!(o.code, 0);
    let v: Value = serde_json::from_str(&o.stdout).expect("only JSON on stdout");
    assert_eq!(v["already_in_archive"], true);
    // Status, text as ipfs-cluster-ctl prints it, and JSON.
    let root = "QmWgWsT9pjwWGuiU9i8Z4LZ8Ba9tJjMq4jWGTzydqWJo5m";
    let o = run(args(&h, &["status", root]), creds()).await;
    assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
    assert!(
        o.stdout.starts_with(&format!("{root} | docs:\n")),
        "{}",
        o.stdout
    );
    assert!(o.stdout.contains(": PINNED | "));
    let o = run(args(&h, &["status", root, "--enc", "json"]), creds()).await;
    let v: Value = serde_json::from_str(&o.stdout).unwrap();
    assert_eq!(v["cid"], root);
    // Get the folder back: same files.
    let back = tmp.path().join("back");
    let o = run(
        args(&h, &["get", root, "--output", back.to_str().unwrap()]),
        creds(),
    )
    .await;
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(o.stdout.contains("verified"));
    assert_eq!(
        std::fs::read_to_string(back.join("sub/c.txt")).unwrap(),
        "c\n"
    );
    // The ccs spelling --dest works too; a folder given means inside it
    // (issue 32); an existing target is not overwritten.
    for expect in [0, 2] {
        let o = run(
            args(&h, &["get", root, "--dest", back.to_str().unwrap()]),
            creds(),
        )
        .await;
        assert_eq!(o.code, expect, "{}{}", o.stdout, o.stderr);
        if expect == 2 {
            assert!(o.stderr.contains("already exists"), "{}", o.stderr);
            // The way out is said (a newcomer looked for it).
            assert!(o.stderr.contains("--force replaces it"), "{}", o.stderr);
        }
    }
    let inside: Vec<_> = std::fs::read_dir(&back)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(
        inside.iter().any(|n| n == "docs"),
        "the item's own folder inside: {inside:?}"
    );
    // rm needs --yes off a terminal.
    let o = run(args(&h, &["rm", root]), creds()).await;
    assert_eq!(o.code, 2);
    assert!(o.stderr.contains("--yes"));
    let o = run(args(&h, &["rm", root, "--yes"]), creds()).await;
    assert_eq!(o.code, 0, "{}", o.stderr);
    let o = run(args(&h, &["rm", root, "--yes"]), creds()).await;
    assert_eq!(o.code, 2);
    assert!(o.stderr.contains("not in the pinset"));
    let o = run(args(&h, &["status", root]), creds()).await;
    assert_eq!(o.code, 2);
}

#[tokio::test]
async fn ls_filters_recover_and_dry_run() {
    let h = demo_with_auth().await;
    let o = run(args(&h, &["ls", "--json"]), creds()).await;
    assert_eq!(o.code, 0);
    let doc: Vec<Value> =
        serde_json::from_str(&o.stdout).expect("one document (json.tool reads it)");
    assert_eq!(doc.len(), common::demo_items());
    let o = run(args(&h, &["ls", "--json-lines"]), creds()).await;
    let lines: Vec<Value> = o
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), common::demo_items(), "one object per line");
    // An empty listing is still one document.
    let o = run(
        args(&h, &["ls", "--filter", "unpin_queued", "--json"]),
        creds(),
    )
    .await;
    assert_eq!(o.stdout.trim(), "[]", "{}", o.stderr);
    let o = run(args(&h, &["ls", "--filter", "pin_error"]), creds()).await;
    assert_eq!(o.stdout.lines().count(), 2, "{}", o.stdout);
    assert!(o.stdout.contains("PIN_ERROR"));
    let o = run(args(&h, &["recover", "--dry-run"]), creds()).await;
    assert_eq!(o.code, 0);
    assert_eq!(o.stdout.matches("would recover").count(), 2);
    let o = run(args(&h, &["ls", "--filter", "pin_error"]), creds()).await;
    assert_eq!(o.stdout.lines().count(), 2, "dry run changed nothing");
    let o = run(args(&h, &["recover"]), creds()).await;
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert_eq!(o.stdout.matches("recovering").count(), 2);
    let o = run(args(&h, &["ls", "--filter", "pin_error"]), creds()).await;
    assert_eq!(o.stdout.lines().count(), 0, "{}", o.stdout);
}

#[tokio::test]
async fn bad_inputs_give_one_clear_line() {
    let h = demo_with_auth().await;
    // Wrong password: the friendly 401, never the password.
    let o = run(
        args(&h, &["peers"]),
        vec![("CLUSTER_CREDENTIALS", "admin:wrong".into())],
    )
    .await;
    assert_eq!(o.code, 2);
    assert_eq!(
        o.stderr.trim(),
        format!("ccs-tui: the cluster at {} refused user admin: check the password in CLUSTER_CREDENTIALS", h.api_addr)
    );
    assert!(!o.stderr.contains("wrong"));
    // ipfs-cluster-ctl spelling of the credentials.
    let mut a = args(&h, &["peers", "--json"]);
    a.extend(["--basic-auth".into(), "admin:secret".into()]);
    assert_eq!(run(a, vec![]).await.code, 1);
    // A bad CID, a missing path.
    let o = run(args(&h, &["status", "notacid"]), creds()).await;
    assert_eq!(o.code, 2);
    assert!(o.stderr.contains("not a valid CID"), "{}", o.stderr);
    let o = run(args(&h, &["add", "/nonexistent/thing"]), creds()).await;
    assert_eq!(o.code, 2);
    assert!(o.stderr.contains("no such file or folder"), "{}", o.stderr);
    assert_eq!(o.stderr.lines().count(), 1, "{}", o.stderr);
    // No config at all: one line, no traceback.
    let o = run(vec!["peers".into()], vec![]).await;
    assert_eq!(o.code, 2);
    assert_eq!(o.stderr.lines().count(), 1, "{}", o.stderr);
    assert!(o.stderr.contains("no cluster configured"), "{}", o.stderr);
    // An unreachable cluster.
    let o = run(
        vec!["peers".into(), "--host".into(), "127.0.0.1:9".into()],
        vec![],
    )
    .await;
    assert_eq!(
        o.stderr.trim(),
        "ccs-tui: cannot reach 127.0.0.1:9: connection refused"
    );
}

#[tokio::test]
async fn get_has_a_timeout_and_catches_corruption() {
    let h = demo_with_auth().await;
    let tmp = tempfile::tempdir().unwrap();
    let f = tmp.path().join("hello.txt");
    std::fs::write(&f, "hello world\n").unwrap();
    assert_eq!(
        run(args(&h, &["add", f.to_str().unwrap()]), creds())
            .await
            .code,
        0
    );
    let cid = "QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o";
    h.set_faults(ccs_tui::sim::Faults {
        gateway_corrupt: true,
        ..Default::default()
    });
    let out = tmp.path().join("out.txt");
    let o = run(
        args(&h, &["get", cid, "-o", out.to_str().unwrap()]),
        creds(),
    )
    .await;
    assert_eq!(o.code, 2);
    assert!(o.stderr.contains("MISMATCH"), "{}", o.stderr);
    assert!(!out.exists(), "nothing under the final name");
    h.set_faults(ccs_tui::sim::Faults {
        gateway_stall: true,
        ..Default::default()
    });
    let mut a = args(&h, &["get", cid, "-o", out.to_str().unwrap()]);
    a.extend(["--timeout".into(), "2".into()]);
    let t = std::time::Instant::now();
    let o = run(a, creds()).await;
    assert_eq!(o.code, 2);
    assert!(o.stderr.contains("did not"), "{}", o.stderr);
    assert!(t.elapsed() < std::time::Duration::from_secs(20));
    assert!(!out.exists());
}

#[tokio::test]
async fn config_shows_masked_and_validates() {
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("c.yml");
    std::fs::write(
        &p,
        "cluster:\n  basic_auth_user: admin\n  basic_auth_password: s3cr3t\n  default_node: nas\nnodes:\n  nas: 100.64.0.31\n",
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let o = run(
        vec!["config".into(), "--config".into(), p.display().to_string()],
        vec![],
    )
    .await;
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(o.stdout.contains("admin (password ****"), "{}", o.stdout);
    assert!(!o.stdout.contains("s3cr3t") && !o.stderr.contains("s3cr3t"));
    let o = run(
        vec![
            "config".into(),
            "--json".into(),
            "--config".into(),
            p.display().to_string(),
        ],
        vec![],
    )
    .await;
    let v: Value = serde_json::from_str(&o.stdout).unwrap();
    assert_eq!(v["has_password"], true);
    assert!(!o.stdout.contains("s3cr3t"));
    std::fs::write(
        &p,
        "cluster:\n  default_node: nope\nnodes:\n  nas: 100.64.0.31\n",
    )
    .unwrap();
    let o = run(
        vec![
            "config".into(),
            "--validate-only".into(),
            "--config".into(),
            p.display().to_string(),
        ],
        vec![],
    )
    .await;
    assert_eq!(o.code, 1);
    assert!(
        o.stderr
            .contains("default_node \"nope\" is not one of nodes"),
        "{}",
        o.stderr
    );
}

/// What the error for a missing configuration suggests works: `--demo`
/// answers a subcommand, before or after it, from the simulated cluster.
#[test]
fn demo_answers_a_subcommand_too() {
    let home = tempfile::tempdir().unwrap();
    for a in [
        &["--demo", "risk", "--json"][..],
        &["ls", "--demo", "--json"],
    ] {
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_ccs-tui"))
            .args(a)
            .env("HOME", home.path())
            .env_remove("CLUSTER_CREDENTIALS")
            .output()
            .unwrap();
        let out = String::from_utf8_lossy(&o.stdout);
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(o.status.code().is_some_and(|c| c < 2), "{a:?}: {err}");
        assert!(out.contains("\"cid\""), "{a:?}: {out}{err}");
    }
    // With the demo's configuration, as the console has it: the stewardship
    // rules and each node's gateway.
    let demo = |a: &[&str]| {
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_ccs-tui"))
            .arg("--demo")
            .args(a)
            .env("HOME", home.path())
            .output()
            .unwrap();
        (
            String::from_utf8_lossy(&o.stdout).to_string(),
            String::from_utf8_lossy(&o.stderr).to_string(),
        )
    };
    let (out, err) = demo(&["rebalance", "--dry-run"]);
    assert!(out.contains("target=2-3"), "{out}{err}");
    let (out, _) = demo(&["ls", "--json"]);
    let cid = out
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .find_map(|v| v["cid"].as_str().map(String::from))
        .unwrap();
    let (out, err) = demo(&["audit", &cid]);
    assert!(out.contains("blocks verified"), "{out}{err}");
    assert!(!err.contains("no gateway known"), "{err}");
}

#[test]
fn help_lists_every_command() {
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_ccs-tui"))
        .arg("--help")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&o.stdout);
    for c in [
        "add",
        "ls",
        "status",
        "get",
        "rm",
        "peers",
        "health",
        "recover",
        "config",
        "--demo",
        "--host",
        "--cluster-peername",
        "--basic-auth-file",
    ] {
        assert!(text.contains(c), "{c} missing from --help");
    }
}

#[tokio::test]
async fn ccs_flag_spellings() {
    let h = demo_with_auth().await;
    let tmp = tempfile::tempdir().unwrap();
    let cfg = tmp.path().join("config.yml");
    std::fs::write(&cfg, format!("nodes:\n  nas:\n    host: {}\n", h.api_url())).unwrap();
    let auth = tmp.path().join("auth");
    std::fs::write(&auth, "admin:secret\n").unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&auth, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let o = run(
        vec![
            "peers".into(),
            "--config".into(),
            cfg.display().to_string(),
            "--cluster-peername".into(),
            "nas".into(),
            "--basic-auth-file".into(),
            auth.display().to_string(),
        ],
        vec![],
    )
    .await;
    assert_eq!(o.code, 1, "{}", o.stderr);
    assert_eq!(o.stdout.lines().count(), 5);
    // A password file others can read: the ssh-style warning, still works.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&auth, std::fs::Permissions::from_mode(0o644)).unwrap();
        let o = run(
            vec![
                "peers".into(),
                "--config".into(),
                cfg.display().to_string(),
                "--cluster-peername".into(),
                "nas".into(),
                "--basic-auth-file".into(),
                auth.display().to_string(),
            ],
            vec![],
        )
        .await;
        assert!(o.stderr.contains("readable by others"), "{}", o.stderr);
        assert_eq!(o.stdout.lines().count(), 5);
    }
}

/// The subcommands on ccs-sim (default) and on the real cluster (`CCS_BACKEND=real`).
mod both {
    use serde_json::Value;

    use super::common::backend::{unique_bytes, unique_text, Backend};
    use super::run;

    fn args(b: &Backend, rest: &[&str]) -> Vec<String> {
        let mut v: Vec<String> = rest.iter().map(|s| s.to_string()).collect();
        v.extend(b.cli_args());
        v
    }

    /// An edit keeps what it does not change: the daemon forgets a re-pin's
    /// name and metadata unless they are given again.
    #[tokio::test]
    async fn edit_reads_merges_and_writes() {
        let b = Backend::start().await;
        let tmp = tempfile::tempdir().unwrap();
        let f = tmp.path().join("letter.txt");
        std::fs::write(&f, unique_text("edited")).unwrap();
        let o = run(
            args(
                &b,
                &[
                    "add",
                    f.to_str().unwrap(),
                    "--metadata",
                    "org=hrdag",
                    "--json",
                    "--wait",
                ],
            ),
            vec![],
        )
        .await;
        assert_eq!(o.code, 0, "{}", o.stderr);
        let v: Value = serde_json::from_str(o.stdout.trim()).unwrap();
        let cid = v["cid"]
            .as_str()
            .or(v["root_cid"].as_str())
            .unwrap()
            .to_string();
        let pin = |o: &super::common::cli::Out| -> Value {
            serde_json::from_str(o.stdout.trim()).unwrap()
        };
        // Dry run: the change said, nothing done (and allowed read-only).
        let o = run(
            args(
                &b,
                &["edit", &cid, "--meta", "box=14", "--dry-run", "--read-only"],
            ),
            vec![],
        )
        .await;
        assert_eq!(o.code, 0, "{}", o.stderr);
        assert!(o.stdout.contains("metadata: +box=14"), "{}", o.stdout);
        let o = run(args(&b, &["edit", &cid, "--meta", "box=14"]), vec![]).await;
        assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
        let o = run(args(&b, &["ls", "--json-lines"]), vec![]).await;
        let now: Value = o
            .stdout
            .lines()
            .map(|l| serde_json::from_str::<Value>(l).unwrap())
            .find(|p| p["cid"] == cid.as_str())
            .unwrap();
        assert_eq!(now["name"], "letter.txt", "the name is kept");
        assert_eq!(now["metadata"]["org"], "hrdag", "the metadata is kept");
        assert_eq!(now["metadata"]["box"], "14");
        assert!(now["metadata"]["size"].is_string());
        let lower = |yes: bool| {
            let mut a = vec![
                "edit",
                &cid,
                "--unset-meta",
                "box",
                "--name",
                "letter-1926.txt",
                "--rmin",
                "1",
                "--rmax",
                "2",
                "--json",
            ];
            if yes {
                a.push("--yes");
            }
            run(args(&b, &a), vec![])
        };
        // A lower maximum releases a copy: as rm, not without a yes.
        let o = lower(false).await;
        assert_eq!(o.code, 2, "{}", o.stdout);
        assert!(
            o.stderr
                .contains("refusing to release 1 of 3 copies without --yes"),
            "{}",
            o.stderr
        );
        let o = lower(true).await;
        assert_eq!(o.code, 0, "{}", o.stderr);
        let r = pin(&o);
        assert_eq!(r["after"]["name"], "letter-1926.txt");
        assert_eq!(r["after"]["replication_min"], 1);
        assert!(r["changes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c.as_str().unwrap().contains("-box=14")));
        // Unsetting a key the item does not have says so.
        let o = run(
            args(&b, &["edit", &cid, "--unset-meta", "shelf", "--dry-run"]),
            vec![],
        )
        .await;
        assert_eq!(o.code, 0, "{}", o.stderr);
        assert!(
            o.stderr.contains("no metadata key \"shelf\""),
            "{}",
            o.stderr
        );
        let o = run(
            args(&b, &["edit", &cid, "--rmin", "3", "--rmax", "2"]),
            vec![],
        )
        .await;
        assert_eq!(o.code, 2);
        assert!(
            o.stderr.contains("replication min 3 is more than max 2"),
            "{}",
            o.stderr
        );
        let o = run(
            args(&b, &["edit", &cid, "--meta", "x=1", "--read-only"]),
            vec![],
        )
        .await;
        assert_eq!(o.code, 2);
        assert!(o.stderr.contains("read-only"), "{}", o.stderr);
        let o = run(args(&b, &["rm", &cid, "--yes"]), vec![]).await;
        assert_eq!(o.code, 0);
    }

    #[tokio::test]
    async fn peers_health_and_ls() {
        let b = Backend::start().await;
        let o = run(args(&b, &["peers"]), vec![]).await;
        assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
        assert_eq!(o.stdout.lines().count(), 3, "{}", o.stdout);
        for n in ["nas", "chll", "meerkat"] {
            assert!(o.stdout.contains(n), "{}", o.stdout);
        }
        let o = run(args(&b, &["health", "--json"]), vec![]).await;
        let v: Value = serde_json::from_str(&o.stdout).expect("one JSON document");
        assert_eq!(v["peers"]["online"], 3, "{v:#}");
        let o = run(args(&b, &["ls", "--json"]), vec![]).await;
        assert_eq!(o.code, 0, "{}", o.stderr);
        let doc: Vec<Value> = serde_json::from_str(&o.stdout).expect("one JSON document");
        assert!(doc.iter().all(|p| p["cid"].is_string()));
        // The other both:: tests of this module pin and unpin meanwhile on
        // the real cluster: the two listings need not hold the same items.
        let o = run(args(&b, &["ls", "--json-lines"]), vec![]).await;
        assert!(o
            .stdout
            .lines()
            .all(|l| serde_json::from_str::<Value>(l).is_ok_and(|p| p["cid"].is_string())));
    }

    #[tokio::test]
    async fn add_status_get_rm_cycle() {
        let b = Backend::start().await;
        let tmp = tempfile::tempdir().unwrap();
        let docs = tmp.path().join("docs");
        std::fs::create_dir_all(docs.join("sub")).unwrap();
        std::fs::write(docs.join("a.txt"), unique_text("a")).unwrap();
        std::fs::write(docs.join("sub/c.bin"), unique_bytes(400_000)).unwrap();
        let manifest = tmp.path().join("manifest.json");
        let o = run(
            args(
                &b,
                &[
                    "add",
                    docs.to_str().unwrap(),
                    "--wait",
                    "--metadata",
                    "org=hrdag",
                    "--rmin",
                    "2",
                    "--rmax",
                    "3",
                    "--output-json",
                    manifest.to_str().unwrap(),
                ],
            ),
            vec![],
        )
        .await;
        assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
        let m: Value = serde_json::from_str(&std::fs::read_to_string(&manifest).unwrap()).unwrap();
        let root = m["root_cid"].as_str().unwrap().to_string();
        assert!(
            o.stdout.contains(&format!("added {root} docs")),
            "{}",
            o.stdout
        );
        assert_eq!(m["entries"].as_array().unwrap().len(), 4, "{m:#}");
        assert!(m["replica_count"].as_u64().unwrap() >= 2, "{m:#}");
        let o = run(args(&b, &["add", docs.to_str().unwrap(), "--json"]), vec![]).await;
        assert_eq!(o.code, 0, "{}", o.stderr);
        let v: Value = serde_json::from_str(&o.stdout).expect("only JSON on stdout");
        assert_eq!(v["already_in_archive"], true);
        let o = run(args(&b, &["status", &root]), vec![]).await;
        assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
        assert!(
            o.stdout.starts_with(&format!("{root} | docs:\n")),
            "{}",
            o.stdout
        );
        assert!(o.stdout.contains(": PINNED | "), "{}", o.stdout);
        let back = tmp.path().join("back");
        let o = run(
            args(&b, &["get", &root, "--output", back.to_str().unwrap()]),
            vec![],
        )
        .await;
        assert_eq!(o.code, 0, "{}", o.stderr);
        assert!(o.stdout.contains("verified"), "{}", o.stdout);
        for f in ["a.txt", "sub/c.bin"] {
            assert!(
                std::fs::read(back.join(f)).unwrap() == std::fs::read(docs.join(f)).unwrap(),
                "{f} differs"
            );
        }
        let o = run(args(&b, &["rm", &root, "--yes"]), vec![]).await;
        assert_eq!(o.code, 0, "{}", o.stderr);
        let o = run(args(&b, &["rm", &root, "--yes"]), vec![]).await;
        assert_eq!(o.code, 2);
        assert!(o.stderr.contains("not in the pinset"), "{}", o.stderr);
    }

    #[tokio::test]
    async fn bad_inputs_give_one_clear_line() {
        let b = Backend::start().await;
        let o = run(args(&b, &["status", "notacid"]), vec![]).await;
        assert_eq!(o.code, 2);
        assert_eq!(o.stderr.lines().count(), 1, "{}", o.stderr);
        let mut a = args(&b, &["peers"]);
        let n = a.len();
        a[n - 1] = format!("{}:wrong", b.user);
        let o = run(a, vec![]).await;
        assert_eq!(o.code, 2);
        assert!(o.stderr.contains("refused user admin"), "{}", o.stderr);
        assert!(
            !o.stderr.contains("wrong"),
            "never the password: {}",
            o.stderr
        );
    }
}

/// Text from the network never reaches the terminal raw; arguments are all
/// checked before anything changes; a closed pipe ends a command quietly.
mod hostile {
    use super::{args, creds, demo_with_auth, run};

    const EVIL: &str = "scan\u{1b}]0;pwned\u{7}\u{1b}[2J\r\nforged line\u{1b}]52;c;ZXZpbA==\u{7}";

    fn has_escapes(s: &str) -> bool {
        s.chars().any(|c| c.is_control() && c != '\n')
    }

    #[tokio::test]
    async fn names_and_errors_from_the_cluster_are_cleaned_in_text_output() {
        let h = demo_with_auth().await;
        let empty_dir = "QmUNLLsPACCz1vLxQVkXqqLX5R1X345qqfHbsf67hvA3Nn";
        let name: String = url::form_urlencoded::byte_serialize(EVIL.as_bytes()).collect();
        let r = reqwest::Client::new()
            .post(format!("{}/pins/{empty_dir}?name={name}", h.api_url()))
            .basic_auth("admin", Some("secret"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        // The same words as a peer's pin error, which health and recover print.
        assert!(h.inject_pin_error(empty_dir, "nas", EVIL));
        for cmd in [
            vec!["ls"],
            vec!["ls", "--filter", "pin_error"],
            vec!["status", empty_dir],
            vec!["status"],
            vec!["health"],
            vec!["recover", "--dry-run"],
        ] {
            let o = run(args(&h, &cmd), creds()).await;
            assert!(!has_escapes(&o.stdout), "{cmd:?}: {:?}", o.stdout);
            assert!(!has_escapes(&o.stderr), "{cmd:?}: {:?}", o.stderr);
            assert!(o.stdout.contains("scan"), "{cmd:?}: {}", o.stdout);
            assert!(!o.stdout.contains("pwned"), "an OSC title: {}", o.stdout);
            assert!(
                !o.stdout.lines().any(|l| l.starts_with("forged line")),
                "a forged line: {}",
                o.stdout
            );
        }
        // JSON stays exact: the name comes back byte for byte.
        let o = run(args(&h, &["status", empty_dir, "--json"]), creds()).await;
        let v: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
        assert_eq!(v["name"], EVIL);
        // An error body from the cluster, on stderr.
        h.set_faults(ccs_tui::sim::Faults {
            errors: vec![ccs_tui::sim::ErrorFault {
                route: "/peers".into(),
                status: 500,
                message: EVIL.into(),
            }],
            ..Default::default()
        });
        let o = run(args(&h, &["peers"]), creds()).await;
        assert_eq!(o.code, 2);
        assert!(!has_escapes(&o.stderr), "{:?}", o.stderr);
        assert_eq!(o.stderr.lines().count(), 1, "{:?}", o.stderr);
    }

    #[tokio::test]
    async fn rm_checks_every_argument_before_unpinning_any() {
        let h = demo_with_auth().await;
        let o = run(args(&h, &["ls", "--json-lines"]), creds()).await;
        let first: serde_json::Value =
            serde_json::from_str(o.stdout.lines().next().unwrap()).unwrap();
        let good = first["cid"].as_str().unwrap().to_string();
        let o = run(args(&h, &["rm", &good, "notacid", "--yes"]), creds()).await;
        assert_eq!(o.code, 2);
        assert!(
            o.stderr.contains("notacid: not a valid CID"),
            "{}",
            o.stderr
        );
        let o = run(args(&h, &["status", &good]), creds()).await;
        assert_ne!(o.code, 2, "still pinned: {}{}", o.stdout, o.stderr);
        assert!(o.stdout.starts_with(&good), "{}", o.stdout);
    }

    #[tokio::test]
    async fn add_dot_is_named_after_the_folder() {
        let h = demo_with_auth().await;
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("field-recordings");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("a.txt"), "a recording\n").unwrap();
        let bin = env!("CARGO_BIN_EXE_ccs-tui");
        let mut a = args(&h, &["add", ".", "--json"]);
        a.push("--basic-auth".into());
        a.push("admin:secret".into());
        let o = tokio::process::Command::new(bin)
            .args(&a)
            .current_dir(&dir)
            .env("HOME", std::env::temp_dir().join("ccs-tui-no-home"))
            .output()
            .await
            .unwrap();
        assert_eq!(
            o.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        let root = v["root_cid"].as_str().unwrap().to_string();
        let o = run(args(&h, &["status", &root, "--json"]), creds()).await;
        let v: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
        assert_eq!(v["name"], "field-recordings");
    }

    #[tokio::test]
    async fn a_reader_that_goes_away_ends_the_command_quietly() {
        let h = demo_with_auth().await;
        let a = args(&h, &["ls"]);
        let st = tokio::task::spawn_blocking(move || {
            use std::io::Read;
            let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_ccs-tui"))
                .args(&a)
                .env("CLUSTER_CREDENTIALS", "admin:secret")
                .env("HOME", std::env::temp_dir().join("ccs-tui-no-home"))
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap();
            // Read one line's worth, then close the pipe (as `| head -1` does).
            let mut out = child.stdout.take().unwrap();
            let mut buf = [0u8; 64];
            let _ = out.read(&mut buf);
            drop(out);
            let o = child.wait_with_output().unwrap();
            (
                o.status.code(),
                String::from_utf8_lossy(&o.stderr).into_owned(),
            )
        })
        .await
        .unwrap();
        assert_eq!(st.0, Some(141), "{}", st.1);
        assert!(!st.1.contains("panicked"), "{}", st.1);
    }
}

#[tokio::test]
async fn read_only_refuses_every_change_from_the_flag_or_the_config() {
    let h = demo_with_auth().await;
    let tmp = tempfile::tempdir().unwrap();
    let f = tmp.path().join("item.txt");
    std::fs::write(&f, "read only\n").unwrap();
    let f = f.to_str().unwrap();
    let cid = "QmNPYAS3nnXvNACDZxpQ92Yz3uTVVXv2d8tUNG8ow3cS5Z";
    for cmd in [
        vec!["add", f],
        vec!["rm", cid, "--yes"],
        vec!["recover"],
        vec!["recover", cid],
    ] {
        let mut a = cmd.clone();
        a.push("--read-only");
        let o = run(args(&h, &a), creds()).await;
        assert_eq!(o.code, 2, "{cmd:?}: {}", o.stdout);
        assert!(
            o.stderr.contains("read-only (--read-only): refusing to"),
            "{cmd:?}: {}",
            o.stderr
        );
    }
    // A dry run changes nothing: allowed.
    let o = run(args(&h, &["recover", "--dry-run", "--read-only"]), creds()).await;
    assert_eq!(o.code, 0, "{}", o.stderr);
    // The same from the configuration file.
    let cfg = tmp.path().join("config.yml");
    std::fs::write(
        &cfg,
        format!(
            "cluster:\n  basic_auth_user: admin\n  basic_auth_password: secret\n  default_node: nas\n  read_only: true\nnodes:\n  nas: {}\n",
            h.api_url()
        ),
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&cfg, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let o = run(
        vec![
            "rm".into(),
            cid.into(),
            "--yes".into(),
            "--config".into(),
            cfg.display().to_string(),
        ],
        vec![],
    )
    .await;
    assert_eq!(o.code, 2);
    assert!(o.stderr.contains("cluster.read_only"), "{}", o.stderr);
    let o = run(args(&h, &["status", cid]), creds()).await;
    assert_ne!(o.code, 2, "still pinned: {}", o.stderr);
}

#[tokio::test]
async fn a_password_in_a_host_url_is_used_and_never_shown() {
    let h = demo_with_auth().await;
    let with = |pw: &str| {
        h.api_url()
            .replace("http://", &format!("http://admin:{pw}@"))
    };
    for json in [false, true] {
        let mut a = vec!["config".to_string(), "--host".into(), with("secret")];
        if json {
            a.push("--json".into());
        }
        let o = run(a, vec![]).await;
        assert!(!o.stdout.contains("secret"), "{}", o.stdout);
        assert!(!o.stderr.contains("secret"), "{}", o.stderr);
        assert!(o.stdout.contains("admin"), "{}", o.stdout);
    }
    let o = run(
        vec!["peers".into(), "--host".into(), with("secret")],
        vec![],
    )
    .await;
    assert_eq!(o.code, 1, "the URL's credentials are used: {}", o.stderr);
    let o = run(vec!["peers".into(), "--host".into(), with("wrong")], vec![]).await;
    assert_eq!(o.code, 2);
    assert!(
        o.stderr
            .contains("check the password in the URL given with --host"),
        "{}",
        o.stderr
    );
    assert!(!o.stderr.contains("wrong"), "{}", o.stderr);
}

/// A gateway that serves the blocks of a 1 MB file, but answers a range
/// of its bytes with a kilobyte and then stalls. Returns it and the CID.
async fn stalling_gateway() -> (String, String) {
    use tokio::io::AsyncWriteExt;
    #[derive(Default)]
    struct Map(std::collections::HashMap<String, Vec<u8>>);
    impl ccs_tui::unixfs::BlockSink for Map {
        fn put(&mut self, cid: &cid::Cid, block: Vec<u8>) {
            self.0.insert(cid.to_string(), block);
        }
    }
    let mut map = Map::default();
    let mut b = ccs_tui::unixfs::FileBuilder::new(Default::default(), &mut map);
    b.write(&[7u8; 1_000_000]);
    let root = b.finish().cid.to_string();
    let blocks = std::sync::Arc::new(map.0);
    let url = common::rawhttp::fake_server(move |req, mut s| {
        let blocks = blocks.clone();
        Box::pin(async move {
            let path = req.split_whitespace().nth(1).unwrap_or("");
            let cid = path
                .trim_start_matches("/ipfs/")
                .split('?')
                .next()
                .unwrap_or("");
            if req.contains("format=raw") {
                let Some(block) = blocks.get(cid) else { return };
                let head = format!("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Type: application/vnd.ipld.raw\r\nContent-Length: {}\r\n\r\n", block.len());
                let _ = s.write_all(head.as_bytes()).await;
                let _ = s.write_all(block).await;
                return;
            }
            let head = b"HTTP/1.1 206 Partial Content\r\nConnection: close\r\nContent-Type: application/octet-stream\r\nContent-Range: bytes 0-999999/1000000\r\nContent-Length: 1000000\r\n\r\n";
            let _ = s.write_all(head).await;
            if req.starts_with("GET") {
                let _ = s.write_all(&[7u8; 1000]).await;
                tokio::time::sleep(std::time::Duration::from_secs(60)).await;
            }
        })
    })
    .await;
    (url, root)
}

#[tokio::test]
async fn sigterm_during_get_leaves_no_file_behind() {
    let h = demo_with_auth().await;
    let (gw, cid) = stalling_gateway().await;
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out.bin");
    let dir = tmp.path().to_path_buf();
    let api = h.api_url();
    let (code, leftovers) = tokio::task::spawn_blocking(move || {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_ccs-tui"))
            .args(["get", &cid, "-o"])
            .arg(&out)
            .args([
                "--host",
                &api,
                "--gateway",
                &gw,
                "--basic-auth",
                "admin:secret",
            ])
            .env("HOME", std::env::temp_dir().join("ccs-tui-no-home"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // Wait until the temporary file exists: the download is under way.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        let part = || {
            std::fs::read_dir(&dir)
                .unwrap()
                .filter_map(Result::ok)
                .any(|e| e.file_name().to_string_lossy().ends_with(".part"))
        };
        while !part() && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        assert!(part(), "the download never started");
        crate::common::cli::terminate(&child);
        let st = child.wait().unwrap();
        let left: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .filter_map(Result::ok)
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        (st.code(), left)
    })
    .await
    .unwrap();
    assert_eq!(code, Some(2), "cancelled is a failure, said as such");
    assert!(leftovers.is_empty(), "left behind: {leftovers:?}");
}

/// A gateway that serves the true root block of "hello world\n" but streams
/// the file forever, announcing no length.
async fn endless_gateway() -> (String, String) {
    use tokio::io::AsyncWriteExt;
    let mut blocks: Vec<(cid::Cid, Vec<u8>)> = Vec::new();
    let node = {
        let mut sink = |c: &cid::Cid, b: Vec<u8>| blocks.push((*c, b));
        let mut fb = ccs_tui::unixfs::FileBuilder::new(
            ccs_tui::unixfs::ImportOptions::new(0, None),
            &mut sink,
        );
        fb.write(b"hello world\n");
        fb.finish()
    };
    let root = blocks
        .iter()
        .find(|(c, _)| *c == node.cid)
        .map(|(_, b)| b.clone())
        .unwrap();
    let url = common::rawhttp::fake_server(move |req, mut s| {
        let root = root.clone();
        Box::pin(async move {
            if req.contains("format=raw") {
                let head = format!("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Type: application/vnd.ipld.raw\r\nContent-Length: {}\r\n\r\n", root.len());
                let _ = s.write_all(head.as_bytes()).await;
                let _ = s.write_all(&root).await;
                return;
            }
            let _ = s.write_all(common::rawhttp::CHUNKED_HEAD).await;
            if req.starts_with("GET") {
                let piece = common::rawhttp::chunk(&[b'x'; 64 * 1024]);
                for _ in 0..100_000 {
                    if s.write_all(&piece).await.is_err() {
                        return;
                    }
                }
            }
        })
    })
    .await;
    (url, node.cid.to_string())
}

#[tokio::test]
async fn a_download_is_bounded_by_what_the_root_block_declares() {
    let h = demo_with_auth().await;
    let (gw, cid) = endless_gateway().await;
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("hello.txt");
    let mut a = args(&h, &["get", &cid, "-o", out.to_str().unwrap()]);
    let n = a.len();
    a[n - 1] = gw;
    let o = run(a, creds()).await;
    // The root block holds the whole of it: nothing more is asked or read,
    // however much the gateway would stream.
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert_eq!(std::fs::read(&out).unwrap(), b"hello world\n");
    let left: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().collect();
    assert_eq!(left.len(), 1, "only the file: {left:?}");
}

/// ccs v0.4's TOML files, where it keeps them (`/etc/tfc`, moved here by
/// `CCS_TFC_DIR`), with its `auth_file` and a `common.toml`: no new file.
#[tokio::test]
async fn ccs_v04_toml_configuration_works_unchanged() {
    let h = demo_with_auth().await;
    let tfc = tempfile::tempdir().unwrap();
    let keys = tfc.path().join("keys");
    std::fs::create_dir(&keys).unwrap();
    std::fs::write(keys.join("ccs-auth"), "admin:secret\n").unwrap();
    std::fs::write(
        tfc.path().join("common.toml"),
        format!(
            "[org]\nname = \"hrdag\"\n[cluster]\nauth_file = \"{}\"\n",
            keys.join("ccs-auth").display()
        ),
    )
    .unwrap();
    std::fs::write(
        tfc.path().join("ccs.toml"),
        format!(
            "[cluster]\ndefault_node = \"nas\"\nbackup_node = \"chll\"\nreplication_min = 2\nreplication_max = 3\n[profiles.hrdag]\nprimary = \"nas\"\n[nodes.nas]\nhost = \"{}\"\nreserved_min_gb = 200\n[nodes.chll]\nhost = \"{}\"\n",
            h.api_url(),
            h.api_url()
        ),
    )
    .unwrap();
    let env = vec![("CCS_TFC_DIR", tfc.path().display().to_string())];
    let o = run(vec!["peers".into()], env.clone()).await;
    assert_eq!(o.code, 1, "pihost is down in the demo: {}", o.stderr);
    assert!(o.stdout.contains("| nas |"), "{}", o.stdout);
    let o = run(vec!["config".into()], env.clone()).await;
    assert!(o.stdout.contains("ccs.toml"), "{}", o.stdout);
    assert!(!o.stdout.contains("secret"), "{}", o.stdout);
    // Named on the command line, with --common elsewhere.
    let elsewhere = tempfile::tempdir().unwrap();
    std::fs::rename(
        tfc.path().join("common.toml"),
        elsewhere.path().join("shared.toml"),
    )
    .unwrap();
    let o = run(
        vec![
            "peers".into(),
            "--config".into(),
            tfc.path().join("ccs.toml").display().to_string(),
            "--common".into(),
            elsewhere.path().join("shared.toml").display().to_string(),
        ],
        vec![],
    )
    .await;
    assert!(o.stdout.contains("| nas |"), "{}{}", o.stdout, o.stderr);
}

/// "May this peer go down?" in the exit code: a healthy cluster exits 0,
/// and 1 with `--if-fails` when the failure would leave items below their
/// minimum, though it would lose none.
#[tokio::test]
async fn risk_if_fails_answers_in_its_exit_code() {
    let mut st = ccs_tui::sim::scenario::synthetic(2, 20, 1);
    st.timings = ccs_tui::sim::Timings::instant();
    let h = common::start(st).await;
    let o = run(args(&h, &["risk"]), vec![]).await;
    assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
    let o = run(args(&h, &["risk", "--if-fails", "nas", "--json"]), vec![]).await;
    let r: Value = serde_json::from_str(&o.stdout).expect(&o.stderr);
    assert_eq!(r["if_failed"]["lost"].as_array().map(Vec::len), Some(0));
    assert_eq!(
        r["if_failed"]["below_min"].as_array().map(Vec::len),
        Some(20)
    );
    assert_eq!(o.code, 1, "{}", o.stderr);
}

/// The risk report agrees with the cluster's own full statuses: an item is
/// below its minimum when fewer peers report it pinned, single when one does.
#[tokio::test]
async fn the_risk_report_matches_the_statuses() {
    let h = demo_with_auth().await;
    let o = run(
        args(&h, &["risk", "--if-fails", "meerkat", "--json"]),
        creds(),
    )
    .await;
    assert_eq!(o.code, 1, "the demo has items at risk: {}", o.stderr);
    let r: Value = serde_json::from_str(&o.stdout).unwrap();
    // Each item comes with its name and its serving copies, not as a bare
    // CID a script would have to look up again.
    let list = |v: &Value| -> Vec<String> {
        let mut l: Vec<String> = v
            .as_array()
            .unwrap()
            .iter()
            .map(|x| {
                assert!(x["name"].is_string() && x["serving"].is_u64() && x["min"].is_u64());
                x["cid"].as_str().unwrap().to_string()
            })
            .collect();
        l.sort();
        l
    };
    // From the API directly: every item's full status.
    let c = common::client_with(
        &h,
        ccs_tui::cluster::Auth::Basic {
            user: "admin".into(),
            password: "secret".into(),
        },
    );
    let statuses = c
        .pins(None, &[], false)
        .await
        .unwrap()
        .collect()
        .await
        .unwrap();
    let pins: std::collections::HashMap<String, ccs_tui::cluster::types::Pin> = c
        .allocations(ccs_tui::cluster::PinTypeFilter::Pin)
        .await
        .unwrap()
        .collect()
        .await
        .unwrap()
        .into_iter()
        .map(|p| (p.cid.clone(), p))
        .collect();
    let members = c.members().await.unwrap();
    let meerkat = members
        .iter()
        .find(|m| m.peername == "meerkat")
        .unwrap()
        .id
        .clone();
    let (mut below, mut single, mut lost) = (Vec::new(), Vec::new(), Vec::new());
    for g in &statuses {
        let pinned: Vec<&String> = g
            .peer_map
            .iter()
            .filter(|(_, p)| p.status == ccs_tui::cluster::types::TrackerStatus::Pinned)
            .map(|(id, _)| id)
            .collect();
        let pin = &pins[&g.cid];
        let min = if pin.replication_factor_min < 0 {
            members.len()
        } else {
            pin.replication_factor_min as usize
        };
        if pinned.len() < min {
            below.push(g.cid.clone());
        }
        if pinned.len() == 1 {
            single.push(g.cid.clone());
            if *pinned[0] == meerkat {
                lost.push(g.cid.clone());
            }
        }
    }
    below.sort();
    single.sort();
    lost.sort();
    assert!(!below.is_empty() && !single.is_empty());
    assert_eq!(list(&r["below_min"]), below);
    assert_eq!(list(&r["single_copy"]), single);
    let one_each = r["single_copy"].as_array().unwrap();
    assert!(one_each.iter().all(|x| x["serving"] == 1), "{one_each:?}");
    assert_eq!(list(&r["if_failed"]["lost"]), lost);
    let o = run(args(&h, &["risk", "--if-fails", "meerkat"]), creds()).await;
    assert!(
        o.stdout.contains("if meerkat failed, lost:"),
        "{}",
        o.stdout
    );
    let o = run(args(&h, &["risk", "--if-fails", "nobody"]), creds()).await;
    assert_eq!(o.code, 2);

    // With the orgs that run the peers: items whose pinned copies all sit
    // with one org, as the statuses say.
    let tmp = tempfile::tempdir().unwrap();
    let cfg = tmp.path().join("config.yml");
    let org = |n: &str| match n {
        "nas" | "chll" => Some("hrdag"),
        "meerkat" | "ipfs1" => Some("orgB"),
        _ => None,
    };
    let mut yaml = String::from("nodes:\n");
    for m in &members {
        yaml.push_str(&format!("  {}:\n    host: {}\n", m.peername, h.api_url()));
        if let Some(o) = org(&m.peername) {
            yaml.push_str(&format!("    org: {o}\n"));
        }
    }
    std::fs::write(&cfg, yaml).unwrap();
    let cfg = cfg.display().to_string();
    let o = run(args(&h, &["risk", "--json", "--config", &cfg]), creds()).await;
    let r: Value = serde_json::from_str(&o.stdout).expect(&o.stderr);
    let mut got: Vec<(String, String)> = r["one_org"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["cid"].as_str().unwrap().into(),
                x["org"].as_str().unwrap().into(),
            )
        })
        .collect();
    got.sort();
    let name_of = |id: &str| {
        members
            .iter()
            .find(|m| m.id == id)
            .unwrap()
            .peername
            .clone()
    };
    let mut want: Vec<(String, String)> = Vec::new();
    for g in &statuses {
        let orgs: Vec<Option<&str>> = g
            .peer_map
            .iter()
            .filter(|(_, p)| p.status == ccs_tui::cluster::types::TrackerStatus::Pinned)
            .map(|(id, _)| org(&name_of(id)))
            .collect();
        if let Some(Some(first)) = orgs.first() {
            if orgs.iter().all(|o| *o == Some(*first)) {
                want.push((g.cid.clone(), first.to_string()));
            }
        }
    }
    want.sort();
    assert!(!want.is_empty(), "the demo has items held by one org only");
    assert_eq!(got, want);
}

/// Ctrl-C in the middle of a drain (a new copy on its way) leaves every
/// item with its copies; the same command again finishes, and each item
/// ends with its own bounds, not the raised ones the interruption left.
#[tokio::test]
async fn an_interrupted_drain_resumes_and_settles_items_to_their_own_bounds() {
    use ccs_tui::cluster::types::PinOptions;
    use ccs_tui::cluster::AddOptions;
    let names: Vec<String> = ["a", "b", "c", "d"].map(String::from).to_vec();
    let mut st = ccs_tui::sim::SimState::new(&names, 7);
    // New copies take a while: the interruption lands while one is coming.
    st.timings = ccs_tui::sim::Timings {
        pin: std::time::Duration::from_millis(800),
        fail_after: std::time::Duration::from_secs(3600),
        ..ccs_tui::sim::Timings::instant()
    };
    let h = common::start(st).await;
    let c = common::client_for(&h);
    let a_id = h.ctx.state.read().peers[0].id.clone();
    let tmp = tempfile::tempdir().unwrap();
    let mut cids = Vec::new();
    for i in 0..3 {
        let path = tmp.path().join(format!("item-{i}.txt"));
        std::fs::write(&path, format!("item {i} of the drain\n")).unwrap();
        let opts = AddOptions {
            pin: PinOptions {
                name: Some(format!("item-{i}.txt")),
                replication_min: Some(2),
                replication_max: Some(2),
                user_allocations: vec![a_id.clone()],
                ..Default::default()
            },
            ..Default::default()
        };
        let r = c
            .add(
                &path,
                &opts,
                None,
                tokio_util::sync::CancellationToken::new(),
            )
            .await
            .unwrap();
        cids.push(r.root.cid.unwrap());
    }
    tokio::time::sleep(std::time::Duration::from_millis(900)).await;
    let state = tmp.path().join("state");
    let journal = state.join("ccs-tui");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_ccs-tui"));
    child
        .args(args(&h, &["drain", "a"]))
        .args(&cids)
        .env("XDG_STATE_HOME", &state)
        .env("HOME", tmp.path())
        .stdout(std::process::Stdio::piped())
        .stdin(std::process::Stdio::null());
    let child = child.spawn().unwrap();
    // The journal is written before the first item changes.
    for _ in 0..200 {
        if std::fs::read_dir(&journal).is_ok_and(|mut d| d.next().is_some()) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGINT,
    )
    .unwrap();
    // Waited off the runtime: the simulator answers on it meanwhile.
    let o = tokio::task::spawn_blocking(move || child.wait_with_output())
        .await
        .unwrap()
        .unwrap();
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(2), "{stdout}");
    assert!(stdout.contains("interrupted"), "{stdout}");
    #[cfg(unix)]
    {
        // Private: a 0700 folder of 0600 files.
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&journal), 0o700);
        for f in std::fs::read_dir(&journal).unwrap() {
            assert_eq!(mode(&f.unwrap().path()), 0o600);
        }
    }
    let mut grown = Vec::new();
    for cid in &cids {
        let p = c.allocation(cid).await.unwrap();
        assert!(p.allocations.len() >= 2, "never fewer copies: {p:?}");
        if p.allocations.len() == 3 {
            assert!(p.allocations.contains(&a_id), "a kept while the copy comes");
            assert_eq!(p.replication_factor_min, 3, "raised while it grows");
            grown.push(p.name);
        }
    }
    assert_eq!(grown.len(), 1, "one item was growing: {stdout}");

    let o = run(
        [args(&h, &["drain", "a"]), cids.clone()].concat(),
        vec![("XDG_STATE_HOME", state.display().to_string())],
    )
    .await;
    assert_eq!(o.code, 1, "{}{}", o.stdout, o.stderr);
    assert!(
        o.stdout.contains("already copied; release left"),
        "{}",
        o.stdout
    );
    for cid in &cids {
        let p = c.allocation(cid).await.unwrap();
        assert!(!p.allocations.contains(&a_id), "{p:?}");
        assert_eq!(p.allocations.len(), 2, "{p:?}");
        assert_eq!(
            (p.replication_factor_min, p.replication_factor_max),
            (2, 2),
            "its own bounds, from the journal: {}",
            o.stdout
        );
    }
    assert!(
        std::fs::read_dir(&journal).unwrap().next().is_none(),
        "nothing left open: the journal is gone"
    );
}

/// An upload cut midway cannot resume (the cluster's /add is one request),
/// and `add` says so instead of leaving the user to guess.
#[tokio::test]
async fn a_cut_add_says_it_cannot_resume() {
    let h = common::demo().await;
    let proxy = common::proxy::Proxy::start(&h.api_url(), Some(200)).await;
    let tmp = tempfile::tempdir().unwrap();
    let f = tmp.path().join("scans.bin");
    std::fs::write(&f, common::backend::unique_bytes(4 << 20)).unwrap();
    let o = run(
        vec![
            "add".into(),
            f.display().to_string(),
            "--host".into(),
            proxy.url.clone(),
        ],
        vec![],
    )
    .await;
    assert_ne!(o.code, 0, "{}", o.stderr);
    assert!(o.stderr.contains("an upload cannot resume"), "{}", o.stderr);
}

/// `--from` a peer that is not there: said once, with the peers that are.
#[tokio::test]
async fn get_from_an_unknown_peer_names_the_known_ones() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("x");
    let o = run(
        vec![
            "--demo".into(),
            "get".into(),
            "QmNMDHngkV6RtevPpq2LaPutnDtJb9X26Lu8ya1wsW8gWd".into(),
            "-o".into(),
            out.display().to_string(),
            "--from".into(),
            "nobody".into(),
        ],
        vec![],
    )
    .await;
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert_eq!(o.stderr.matches("--from nobody").count(), 1, "{}", o.stderr);
    assert!(
        o.stderr.contains("known: ") && o.stderr.contains("nas"),
        "{}",
        o.stderr
    );
    assert!(!out.exists());
}

/// Found trying the demo as a newcomer: `--encoding xml` printed text, as
/// any other word did. A script asking for a format gets it or an error.
#[tokio::test]
async fn an_encoding_that_is_not_text_or_json_is_refused() {
    let o = common::cli::run(
        ["--demo", "peers", "--encoding", "xml"]
            .map(String::from)
            .to_vec(),
        vec![],
    )
    .await;
    assert_eq!(o.code, 2, "{}", o.stdout);
    assert!(
        o.stderr.contains("xml") && o.stderr.contains("json"),
        "{}",
        o.stderr
    );
    assert!(o.stdout.is_empty(), "{}", o.stdout);
    let o = common::cli::run(
        ["--demo", "peers", "--encoding", "JSON"]
            .map(String::from)
            .to_vec(),
        vec![],
    )
    .await;
    // 1: the demo has a peer down; the listing is whole either way.
    assert!(o.code <= 1, "{}", o.stderr);
    let v: serde_json::Value = serde_json::from_str(o.stdout.trim()).unwrap();
    assert!(v.is_array(), "{v}");
}

/// Found trying the demo as a newcomer: `ccs-tui --demo ls | head -1` left
/// its demo configuration in the temporary folder (the exit for a reader
/// gone skips destructors). Nothing of the run stays behind.
#[test]
fn a_demo_cut_off_by_its_reader_leaves_nothing_behind() {
    use std::io::BufRead;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_ccs-tui"))
        .args(["--demo", "ls", "--json-lines"])
        .env("HOME", std::env::temp_dir().join("ccs-tui-no-home"))
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let pid = child.id();
    let mut first = String::new();
    let mut out = std::io::BufReader::new(child.stdout.take().unwrap());
    out.read_line(&mut first).unwrap();
    assert!(first.starts_with('{'), "{first}");
    drop(out);
    let st = child.wait().unwrap();
    assert_eq!(st.code(), Some(141), "{st:?}");
    let tmp = std::env::temp_dir();
    for left in [
        tmp.join(format!("ccs-tui-demo-{pid}.yml")),
        tmp.join(format!("ccs-tui-demo-state-{pid}")),
    ] {
        assert!(!left.exists(), "{} left behind", left.display());
    }
}

/// Found trying the demo as a newcomer: a status the daemon does not know
/// among good ones narrowed `ls --filter` silently (it drops the name), and
/// alone came back as the daemon's bare 400; `capacity --within abc` said
/// "invalid float literal".
#[tokio::test]
async fn a_filter_or_a_number_of_months_that_means_nothing_is_refused_with_what_would() {
    let o = common::cli::run(
        ["--demo", "ls", "--filter", "pinned,pined"]
            .map(String::from)
            .to_vec(),
        vec![],
    )
    .await;
    assert_eq!(o.code, 2, "{}", o.stdout);
    assert!(o.stderr.contains("no status pined"), "{}", o.stderr);
    assert!(o.stderr.contains("pin_error"), "{}", o.stderr);
    let o = common::cli::run(
        ["--demo", "capacity", "--within", "abc"]
            .map(String::from)
            .to_vec(),
        vec![],
    )
    .await;
    assert_eq!(o.code, 2, "{}", o.stdout);
    assert!(o.stderr.contains("not a number of months"), "{}", o.stderr);
}
