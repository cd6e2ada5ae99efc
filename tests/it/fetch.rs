//! Fetching from every holder, and resuming what was cut (issue 30).
//! `both::` runs on the real cluster too.

use crate::common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use common::backend::{unique_bytes, Backend};
use common::cli::{run, Out};
use common::proxy::Proxy;

/// A configuration naming each peer with the gateway given for it.
fn config(b: &Backend, dir: &Path, gateways: &[String]) -> PathBuf {
    let mut yaml = format!(
        "cluster:\n  default_node: {}\n  basic_auth_user: {}\n  basic_auth_password: {}\nnodes:\n",
        b.peers[0].name, b.user, b.password
    );
    for (p, g) in b.peers.iter().zip(gateways) {
        yaml.push_str(&format!(
            "  {}:\n    host: {}\n    gateway: {g}\n",
            p.name, p.api
        ));
    }
    let path = dir.join(format!("ccs-{}.yml", rand::random::<u32>()));
    std::fs::write(&path, yaml).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    path
}

/// A file of `mib` random MiB, added and pinned on every peer.
async fn add_big(b: &Backend, dir: &Path, mib: usize) -> (String, Vec<u8>) {
    let data = unique_bytes(mib << 20);
    let f = dir.join("payload.bin");
    std::fs::write(&f, &data).unwrap();
    let cid = b.add(&f, &[]).await;
    b.wait_pinned(&cid, Duration::from_secs(120)).await;
    std::fs::remove_file(&f).unwrap();
    (cid, data)
}

async fn get(cfg: &Path, cid: &str, out: &Path, extra: &[&str]) -> Out {
    let mut a = vec![
        "get".to_string(),
        cid.to_string(),
        "-o".into(),
        out.display().to_string(),
        "--json".into(),
        "--config".into(),
        cfg.display().to_string(),
    ];
    a.extend(extra.iter().map(|s| s.to_string()));
    run(a, vec![]).await
}

/// A folder of `big` files of 12 MiB, 30 small ones and a subfolder of
/// small ones (with 3, a folder cut into parts: above the split), added
/// and pinned on every peer; and where its bytes are kept to compare.
async fn add_folder(b: &Backend, dir: &Path, big: usize) -> (String, PathBuf) {
    let src = dir.join("collection");
    std::fs::create_dir_all(src.join("letters")).unwrap();
    for i in 0..big {
        std::fs::write(src.join(format!("scan-{i}.tif")), unique_bytes(12 << 20)).unwrap();
    }
    for i in 0..30 {
        std::fs::write(src.join(format!("note-{i:02}.txt")), unique_bytes(4000 + i)).unwrap();
        std::fs::write(src.join("letters").join(format!("l{i}")), unique_bytes(900)).unwrap();
    }
    let cid = b.add(&src, &[]).await;
    b.wait_pinned(&cid, Duration::from_secs(120)).await;
    (cid, src)
}

/// Every file under `a` and `b`, by path, with its bytes, equal.
fn same_tree(a: &Path, b: &Path) {
    fn files(root: &Path, at: &Path, out: &mut Vec<(PathBuf, Vec<u8>)>) {
        for e in std::fs::read_dir(at).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                files(root, &p, out);
            } else {
                out.push((
                    p.strip_prefix(root).unwrap().into(),
                    std::fs::read(&p).unwrap(),
                ));
            }
        }
    }
    let (mut x, mut y) = (Vec::new(), Vec::new());
    files(a, a, &mut x);
    files(b, b, &mut y);
    x.sort();
    y.sort();
    assert_eq!(x.len(), y.len(), "as many files");
    for (f, g) in x.iter().zip(&y) {
        assert_eq!(f.0, g.0);
        assert!(f.1 == g.1, "{} differs", f.0.display());
    }
}

/// `get CID -o OUT --from PEER` through `quiet` (a proxy that goes quiet
/// after `half` bytes), stopped by SIGTERM `after` it went quiet: it exits
/// 2, says once that what was verified is kept, and leaves nothing under
/// the final name.
async fn get_stopped_midway(
    cfg: &Path,
    (cid, out, peer): (&str, &Path, &str),
    quiet: &Proxy,
    half: u64,
    after: Duration,
) {
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_ccs-tui"))
        .args(["get", cid, "-o"])
        .arg(out)
        .args(["--from", peer, "--config"])
        .arg(cfg)
        .env("HOME", cfg.with_file_name("home"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let t0 = std::time::Instant::now();
    while quiet.passed() < half && t0.elapsed() < Duration::from_secs(120) {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(quiet.passed() >= half, "the get never got halfway");
    tokio::time::sleep(after).await;
    crate::common::cli::terminate(&child);
    let o = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
        .await
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("interrupted; what was verified is kept"),
        "{stderr}"
    );
    assert!(
        !stderr.lines().any(|l| l.trim() == "ccs-tui: cancelled"),
        "said once, not undone by a bare 'cancelled': {stderr}"
    );
    assert!(!out.exists(), "nothing under the final name");
}

/// The same get again through a proxy that counts, `--from` the first
/// peer: it completes, says it resumes, and asks at most what was left
/// (`total` less what it kept) and `slack`. What it kept.
async fn resumed_asking_only_the_rest(
    b: &Backend,
    tmp: &Path,
    (cid, out): (&str, &Path),
    total: u64,
    slack: u64,
) -> u64 {
    let counting = Proxy::start(&b.peers[0].gateway, None).await;
    let mut gws: Vec<String> = b.peers.iter().map(|p| p.gateway.clone()).collect();
    gws[0] = counting.url.clone();
    let peer = b.peers[0].name.as_str();
    let o = get(&config(b, tmp, &gws), cid, out, &["--from", peer]).await;
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(o.stderr.contains("resuming: "), "{}", o.stderr);
    let v: serde_json::Value = serde_json::from_str(o.stdout.trim()).unwrap();
    let resumed = v["resumed"].as_u64().unwrap();
    let rest = total.saturating_sub(resumed);
    assert!(
        counting.passed() <= rest + slack,
        "asked {} bytes for a remainder of {rest}",
        counting.passed()
    );
    assert!(hidden(tmp).is_empty(), "nothing partial left");
    resumed
}

fn hidden(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with('.'))
        .collect()
}

mod both {
    use super::*;

    /// A link that drops midway leaves nothing under the final name and
    /// keeps what was verified, privately; the same get then asks the
    /// gateway for the rest only (the bytes through it are at most the
    /// remainder and one block) and says so.
    #[tokio::test]
    async fn a_cut_get_resumes_asking_only_for_the_rest() {
        let b = Backend::start().await;
        let tmp = tempfile::tempdir().unwrap();
        let (cid, data) = add_big(&b, tmp.path(), 24).await;
        let mut gws: Vec<String> = b.peers.iter().map(|p| p.gateway.clone()).collect();
        let cut = Proxy::start(&gws[0], Some(10 << 20)).await;
        gws[0] = cut.url.clone();
        let out = tmp.path().join("big.bin");
        let from = ["--from", b.peers[0].name.as_str()];
        let o = get(&config(&b, tmp.path(), &gws), &cid, &out, &from).await;
        assert_eq!(o.code, 2, "{}", o.stderr);
        assert!(o.stderr.contains("the same get resumes"), "{}", o.stderr);
        assert!(!out.exists(), "nothing under the final name");
        let kept = hidden(tmp.path());
        assert_eq!(kept.len(), 2, "the bytes and their record: {kept:?}");
        #[cfg(unix)]
        for k in &kept {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(k).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "{}", k.display());
        }

        let counting = Proxy::start(&b.peers[0].gateway, None).await;
        gws[0] = counting.url.clone();
        let o = get(&config(&b, tmp.path(), &gws), &cid, &out, &from).await;
        assert_eq!(o.code, 0, "{}", o.stderr);
        assert!(o.stderr.contains("resuming: "), "{}", o.stderr);
        let v: serde_json::Value = serde_json::from_str(o.stdout.trim()).unwrap();
        let resumed = v["resumed"].as_u64().unwrap();
        assert!(resumed >= 4 << 20, "kept {resumed} of the 10 MiB that came");
        assert_eq!(
            std::fs::read(&out).unwrap(),
            data,
            "the whole file, as added"
        );
        let rest = data.len() as u64 - resumed;
        assert!(
            counting.passed() <= rest + (256 << 10),
            "asked {} bytes for a remainder of {rest}",
            counting.passed()
        );
        assert!(hidden(tmp.path()).is_empty(), "nothing partial left");
    }

    /// Every holder serves a share; one that stops midway is dropped and
    /// the others finish it.
    #[tokio::test]
    async fn every_holder_serves_and_one_stopping_midway_does_not_stop_it() {
        let b = Backend::start().await;
        let tmp = tempfile::tempdir().unwrap();
        let (cid, data) = add_big(&b, tmp.path(), 40).await;
        let mut gws: Vec<String> = b.peers.iter().map(|p| p.gateway.clone()).collect();
        let stops = Proxy::start(&gws[0], Some(3 << 20)).await;
        gws[0] = stops.url.clone();
        let out = tmp.path().join("big.bin");
        let o = get(&config(&b, tmp.path(), &gws), &cid, &out, &[]).await;
        let said = format!("{}\n{}", o.stdout, o.stderr);
        assert_eq!(o.code, 0, "{said}");
        assert_eq!(std::fs::read(&out).unwrap(), data);
        let v: serde_json::Value = serde_json::from_str(o.stdout.trim()).unwrap();
        let served = v["sources"].as_array().unwrap();
        assert_eq!(served.len(), b.peers.len(), "every holder is asked: {said}");
        let stopped = served
            .iter()
            .find(|s| s["source"] == b.peers[0].name.as_str())
            .unwrap_or_else(|| panic!("{} is a source: {said}", b.peers[0].name));
        assert!(stopped["dropped"].is_string(), "{said}");
        assert!(
            o.stderr
                .contains(&format!("{} is no longer asked", b.peers[0].name)),
            "{said}"
        );
        let serving = served
            .iter()
            .filter(|s| s["bytes"].as_u64().unwrap_or(0) > 0)
            .count();
        assert!(serving >= 2, "{}", o.stdout);
        assert!(hidden(tmp.path()).is_empty());
    }

    /// SIGTERM midway (the link gone quiet, the user gives up): exit 2,
    /// what was verified kept; the same get then asks only for the rest,
    /// at most one block more, and says so. 256 MiB on the real cluster.
    #[tokio::test]
    async fn a_get_stopped_midway_fetches_only_the_rest_when_run_again() {
        let b = Backend::start().await;
        let tmp = tempfile::tempdir().unwrap();
        let mib = if b.is_real() { 256 } else { 48 };
        let (cid, data) = add_big(&b, tmp.path(), mib).await;
        let mut gws: Vec<String> = b.peers.iter().map(|p| p.gateway.clone()).collect();
        let half = (mib as u64) << 19;
        let quiet = Proxy::stalling(&gws[0], half).await;
        gws[0] = quiet.url.clone();
        let cfg = config(&b, tmp.path(), &gws);
        let out = tmp.path().join("big.bin");
        let peer = b.peers[0].name.clone();
        get_stopped_midway(
            &cfg,
            (&cid, &out, &peer),
            &quiet,
            half,
            Duration::from_millis(300),
        )
        .await;

        let total = data.len() as u64;
        let resumed =
            resumed_asking_only_the_rest(&b, tmp.path(), (&cid, &out), total, 256 << 10).await;
        assert!(
            resumed >= half / 2,
            "kept {resumed} of the {half} that came"
        );
        assert!(
            std::fs::read(&out).unwrap() == data,
            "the whole file, as added"
        );
    }

    /// The only gateway's link drops for a moment midway: the get waits
    /// and tries again (further apart each time) and completes, instead of
    /// giving up after two failures.
    #[tokio::test]
    async fn a_moment_without_the_only_gateway_does_not_end_the_get() {
        let b = Backend::start().await;
        let tmp = tempfile::tempdir().unwrap();
        let (cid, data) = add_big(&b, tmp.path(), 24).await;
        let mut gws: Vec<String> = b.peers.iter().map(|p| p.gateway.clone()).collect();
        let blip = Proxy::blip(&gws[0], 8 << 20, Duration::from_millis(1200)).await;
        gws[0] = blip.url.clone();
        let out = tmp.path().join("big.bin");
        let from = ["--from", b.peers[0].name.as_str()];
        let o = get(&config(&b, tmp.path(), &gws), &cid, &out, &from).await;
        assert_eq!(o.code, 0, "{}", o.stderr);
        assert!(
            std::fs::read(&out).unwrap() == data,
            "the whole file, as added"
        );
        assert!(hidden(tmp.path()).is_empty(), "nothing partial left");
    }
    /// A folder comes from every holder too: its parts spread over them,
    /// its large files as ranges from all at once; one that stops midway
    /// is dropped and the others finish it.
    #[tokio::test]
    async fn a_folder_comes_from_every_holder_and_one_stopping_does_not_stop_it() {
        let b = Backend::start().await;
        let tmp = tempfile::tempdir().unwrap();
        let (cid, src) = add_folder(&b, tmp.path(), 3).await;
        let mut gws: Vec<String> = b.peers.iter().map(|p| p.gateway.clone()).collect();
        // Early enough to be among the small parts, whichever order the
        // holders are asked in.
        let stops = Proxy::start(&gws[0], Some(16 << 10)).await;
        gws[0] = stops.url.clone();
        let out = tmp.path().join("fetched");
        let o = get(&config(&b, tmp.path(), &gws), &cid, &out, &[]).await;
        let said = format!("{}\n{}", o.stdout, o.stderr);
        assert_eq!(o.code, 0, "{said}");
        same_tree(&src, &out);
        let v: serde_json::Value = serde_json::from_str(o.stdout.trim()).unwrap();
        let served = v["sources"].as_array().unwrap();
        assert_eq!(served.len(), b.peers.len(), "every holder is asked: {said}");
        let stopped = served
            .iter()
            .find(|s| s["source"] == b.peers[0].name.as_str())
            .unwrap_or_else(|| panic!("{} is a source: {said}", b.peers[0].name));
        assert!(stopped["dropped"].is_string(), "{said}");
        let serving = served
            .iter()
            .filter(|s| s["bytes"].as_u64().unwrap_or(0) > 0)
            .count();
        assert!(serving >= 2, "{said}");
        assert!(hidden(tmp.path()).is_empty(), "nothing partial left");
    }

    /// A folder get stopped midway keeps the parts it finished and the
    /// verified pieces of the file it was in; the same get then asks only
    /// for the rest (and the folder's listing), and says so.
    #[tokio::test]
    async fn a_folder_get_stopped_midway_fetches_only_the_rest_when_run_again() {
        let b = Backend::start().await;
        let tmp = tempfile::tempdir().unwrap();
        let (cid, src) = add_folder(&b, tmp.path(), 3).await;
        let total: u64 = 3 * (12 << 20) + 30 * (4000 + 900) + 435;
        let mut gws: Vec<String> = b.peers.iter().map(|p| p.gateway.clone()).collect();
        let half = total / 2;
        let quiet = Proxy::stalling(&gws[0], half).await;
        gws[0] = quiet.url.clone();
        let cfg = config(&b, tmp.path(), &gws);
        let out = tmp.path().join("fetched");
        let peer = b.peers[0].name.clone();
        get_stopped_midway(
            &cfg,
            (&cid, &out, &peer),
            &quiet,
            half,
            Duration::from_millis(1500),
        )
        .await;
        assert_eq!(hidden(tmp.path()).len(), 2, "the parts and their record");
        // A finished file changed in place since, its size kept (found by a
        // newcomer: it was kept and said verified): checked again, fetched again.
        let staging = hidden(tmp.path())
            .into_iter()
            .find(|p| p.is_dir())
            .expect("the hidden folder");
        let note = staging.join("note-00.txt");
        let mut bytes = std::fs::read(&note).expect("a finished note");
        bytes.iter_mut().for_each(|b| *b = !*b);
        std::fs::write(&note, &bytes).unwrap();

        let resumed =
            resumed_asking_only_the_rest(&b, tmp.path(), (&cid, &out), total, 512 << 10).await;
        assert!(
            resumed >= half / 2,
            "kept {resumed} of the {half} that came"
        );
        same_tree(&src, &out);
    }
    /// `get CID/path`, as `ls` and `cat` take it (found trying it as a
    /// newcomer: refused as "not a valid CID"): a subfolder and a file
    /// inside an item, each under its own name when no `-o` is given.
    #[tokio::test]
    async fn a_path_inside_an_item_is_fetched_as_ls_and_cat_take_it() {
        let b = Backend::start().await;
        let tmp = tempfile::tempdir().unwrap();
        let src = tmp.path().join("box");
        std::fs::create_dir_all(src.join("letters")).unwrap();
        std::fs::write(src.join("letters").join("a.txt"), unique_bytes(3000)).unwrap();
        std::fs::write(src.join("letters").join("b.txt"), unique_bytes(5000)).unwrap();
        std::fs::write(src.join("top.txt"), unique_bytes(100)).unwrap();
        let cid = b.add(&src, &[]).await;
        b.wait_pinned(&cid, Duration::from_secs(60)).await;
        let gws: Vec<String> = b.peers.iter().map(|p| p.gateway.clone()).collect();
        let cfg = config(&b, tmp.path(), &gws);
        let out = tmp.path().join("got");
        let o = get(&cfg, &format!("{cid}/letters"), &out, &[]).await;
        assert_eq!(o.code, 0, "{}", o.stderr);
        same_tree(&src.join("letters"), &out);
        let into = tmp.path().join("into");
        std::fs::create_dir(&into).unwrap();
        let o = get(&cfg, &format!("{cid}/letters/b.txt"), &into, &[]).await;
        assert_eq!(o.code, 0, "{}", o.stderr);
        assert_eq!(
            std::fs::read(into.join("b.txt")).unwrap(),
            std::fs::read(src.join("letters").join("b.txt")).unwrap()
        );
        let o = get(&cfg, &format!("{cid}/nope"), &tmp.path().join("x"), &[]).await;
        assert_eq!(o.code, 2, "{}", o.stderr);
        assert!(o.stderr.contains("nope"), "{}", o.stderr);
    }
    /// A CID no peer pins is said as such at once, with the way to check
    /// (found trying it as a newcomer: "the cluster at …:port answered 404"
    /// on the simulator; on the real cluster kubo looked for it for 30 s).
    #[tokio::test]
    async fn a_cid_not_in_the_pinset_is_said_as_such() {
        let b = Backend::start().await;
        let tmp = tempfile::tempdir().unwrap();
        let gws: Vec<String> = b.peers.iter().map(|p| p.gateway.clone()).collect();
        let cfg = config(&b, tmp.path(), &gws);
        let never = "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy";
        let t0 = std::time::Instant::now();
        let o = get(&cfg, never, &tmp.path().join("x"), &[]).await;
        assert_eq!(o.code, 2, "{}", o.stderr);
        assert!(o.stderr.contains("is it in the pinset?"), "{}", o.stderr);
        assert!(!o.stderr.contains("the cluster at"), "{}", o.stderr);
        assert!(t0.elapsed() < Duration::from_secs(10), "{:?}", t0.elapsed());
    }
}
