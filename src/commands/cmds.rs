//! The subcommands' bodies. Each returns an exit code; messages for humans go
//! to stderr, results to stdout.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;
use tokio_util::sync::CancellationToken;

use super::Command;
use crate::cli::Cli;
use crate::cluster::types::{GlobalPinInfo, PinOptions, TrackerStatus, RECOVERABLE_FILTER};
use crate::cluster::{AddOptions, ClientError, ClusterClient, PinTypeFilter};
use crate::config::{self, Resolved};
use crate::transfer::fetch::{fetch, Verified};
use crate::unixfs::{self, ImportOptions};

const OK: u8 = 0;
const PARTIAL: u8 = 1;
const FAIL: u8 = 2;

struct Ctx {
    client: ClusterClient,
    resolved: Resolved,
    json: bool,
}

fn fail(msg: impl std::fmt::Display) -> ExitCode {
    eprintln!("ccs-tui: {msg}");
    ExitCode::from(FAIL)
}

fn print_json(v: &serde_json::Value) {
    println!("{v}");
}

fn progress_on() -> bool {
    std::io::stderr().is_terminal()
}

/// A progress line on stderr (`sending 1.2 GB / 4.0 GB (310 MB/s)`), at most
/// five times a second; nothing when stderr is not a terminal.
struct ProgressLine {
    verb: &'static str,
    started: Instant,
    last: std::sync::Mutex<Option<Instant>>,
}

impl ProgressLine {
    fn new(verb: &'static str) -> Option<Arc<Self>> {
        progress_on().then(|| {
            Arc::new(Self {
                verb,
                started: Instant::now(),
                last: std::sync::Mutex::new(None),
            })
        })
    }

    fn show(&self, done: u64, total: Option<u64>) {
        use crate::app::rows::human_bytes;
        let Ok(mut last) = self.last.lock() else {
            return;
        };
        let finished = total.is_some_and(|t| done >= t);
        if last.is_some_and(|l| l.elapsed() < Duration::from_millis(200)) && !finished {
            return;
        }
        *last = Some(Instant::now());
        let secs = self.started.elapsed().as_secs_f64().max(0.001);
        let total = total.map(human_bytes).unwrap_or_else(|| "?".into());
        eprint!(
            "\r{} {} / {total} ({}/s)   ",
            self.verb,
            human_bytes(done),
            human_bytes((done as f64 / secs) as u64)
        );
    }
}

/// Ctrl-C cancels the transfer (and so leaves nothing behind) instead of
/// killing the process mid-write.
fn cancel_on_ctrl_c() -> (CancellationToken, tokio::task::JoinHandle<()>) {
    let cancel = CancellationToken::new();
    let c2 = cancel.clone();
    let task = tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            c2.cancel();
        }
    });
    (cancel, task)
}

pub async fn run(cli: &Cli, cmd: &Command) -> ExitCode {
    if let Command::Config { validate_only } = cmd {
        return config_cmd(cli, *validate_only);
    }
    let (client, resolved) = match cli.connect() {
        Ok(x) => x,
        Err(e) => return fail(e),
    };
    let cx = Ctx {
        client,
        resolved,
        json: cli.json(),
    };
    let r = match cmd {
        Command::Add { .. } => add(&cx, cmd).await,
        Command::Ls { filter } => ls(&cx, filter.as_deref()).await,
        Command::Status { cids } => status(&cx, cids).await,
        Command::Get { cid, output, force } => get(&cx, cid, output.as_deref(), *force).await,
        Command::Rm { cids, yes } => rm(&cx, cids, *yes).await,
        Command::Peers => peers(&cx).await,
        Command::Health => health(&cx).await,
        Command::Recover { cids, dry_run } => recover(&cx, cids, *dry_run).await,
        Command::Config { .. } => Ok(OK),
    };
    match r {
        Ok(code) => ExitCode::from(code),
        Err(e) => fail(e),
    }
}

fn parse_metadata(items: &[String]) -> Result<Vec<(String, String)>, ClientError> {
    items
        .iter()
        .map(|kv| {
            kv.split_once('=')
                .filter(|(k, _)| !k.trim().is_empty())
                .map(|(k, v)| (k.trim().to_string(), v.to_string()))
                .ok_or_else(|| ClientError::Io {
                    path: kv.clone(),
                    message: "metadata must be key=value".into(),
                })
        })
        .collect()
}

/// Counts pinned peers against what the item wants.
fn replicas(g: &GlobalPinInfo) -> (usize, usize) {
    let pinned = g.count(TrackerStatus::Pinned);
    let wanted = if g.allocations.is_empty() {
        g.peer_map
            .values()
            .filter(|p| p.status != TrackerStatus::ClusterError)
            .count()
    } else {
        g.allocations.len()
    };
    (pinned, wanted)
}

async fn add(cx: &Ctx, cmd: &Command) -> Result<u8, ClientError> {
    let Command::Add {
        path,
        name,
        replication_min,
        replication_max,
        metadata,
        user_allocations,
        wait,
        wait_timeout,
        output_json,
        cid_version,
        raw_leaves,
        chunker,
        hidden,
        local,
        wrap_with_directory,
        no_stream,
    } = cmd
    else {
        return Ok(FAIL);
    };
    let metadata = parse_metadata(metadata)?;
    let import = ImportOptions::new(*cid_version, *raw_leaves)
        .with_chunker(chunker.as_deref().unwrap_or(""))
        .map_err(|e| ClientError::Io {
            path: "--chunker".into(),
            message: e.to_string(),
        })?;
    // Refuse bad paths before anything is sent, with a clear message.
    crate::cluster::add::plan(path, *hidden)?;
    // Is it already there? The CID kubo would give, computed here.
    if progress_on() {
        eprint!("computing the CID of {}…\r", path.display());
    }
    let p2 = path.clone();
    let (h, w) = (*hidden, *wrap_with_directory);
    let local_cid = tokio::task::spawn_blocking(move || unixfs::import_path(&p2, import, h, w))
        .await
        .ok()
        .and_then(Result::ok)
        .and_then(|(_, root)| root.map(|r| r.cid.to_string()));
    if let Some(c) = &local_cid {
        if let Ok(pin) = cx.client.allocation(c).await {
            let st = cx.client.pin_status(c, false).await.ok();
            let (pinned, wanted) = st.as_ref().map(replicas).unwrap_or((0, 0));
            if cx.json {
                print_json(
                    &json!({"root_cid": c, "already_in_archive": true, "name": pin.name, "pinned": pinned, "wanted": wanted}),
                );
            } else {
                println!(
                    "already in the archive as '{}' ({c}), {pinned}/{wanted} pinned",
                    pin.name
                );
            }
            return Ok(OK);
        }
    }
    let default_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let opts = AddOptions {
        pin: PinOptions {
            name: Some(name.clone().unwrap_or(default_name)),
            replication_min: *replication_min,
            replication_max: *replication_max,
            user_allocations: user_allocations
                .as_deref()
                .map(|s| {
                    s.split(',')
                        .map(|p| p.trim().to_string())
                        .filter(|p| !p.is_empty())
                        .collect()
                })
                .unwrap_or_default(),
            metadata,
            ..Default::default()
        },
        local: *local,
        wrap_with_directory: *wrap_with_directory,
        cid_version: *cid_version,
        raw_leaves: *raw_leaves,
        chunker: chunker.clone(),
        hidden: *hidden,
        stream_channels: !*no_stream,
        no_pin: false,
    };
    let line = ProgressLine::new("sending");
    let progress = line.clone().map(|l| {
        Arc::new(move |sent: u64, total: u64| l.show(sent, Some(total)))
            as crate::cluster::add::Progress
    });
    let (cancel, ctrlc) = cancel_on_ctrl_c();
    let res = cx.client.add(path, &opts, progress, cancel).await;
    ctrlc.abort();
    if line.is_some() {
        eprintln!();
    }
    let res = res?;
    let root = res.root.cid.clone().unwrap_or_default();
    let mut code = OK;
    let mut replica_count = 0;
    if *wait {
        let deadline = Instant::now() + Duration::from_secs(*wait_timeout);
        let min = cx
            .client
            .allocation(&root)
            .await
            .map(|p| p.replication_factor_min)
            .unwrap_or(1);
        loop {
            let st = cx.client.pin_status(&root, false).await?;
            let (pinned, wanted) = replicas(&st);
            replica_count = pinned;
            let need = if min < 1 { wanted } else { min as usize };
            if st
                .peer_map
                .values()
                .any(|p| p.status == TrackerStatus::PinError)
            {
                eprintln!("ccs-tui: {root}: a peer failed to pin it ({pinned}/{wanted} pinned)");
                code = PARTIAL;
                break;
            }
            if pinned >= need.max(1) {
                break;
            }
            if Instant::now() > deadline {
                eprintln!(
                    "ccs-tui: {root}: {pinned}/{need} replicas pinned after {wait_timeout} s"
                );
                code = PARTIAL;
                break;
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }
    let manifest = json!({
        "root_cid": root,
        "root_path": path.display().to_string(),
        "added_at": chrono::Utc::now().to_rfc3339(),
        "cluster_host": cx.client.endpoint().label(),
        "entries": res.entries.iter().map(|e| json!({"path": e.name, "cid": e.cid, "size": e.size, "is_root": e.cid.as_deref() == Some(root.as_str())})).collect::<Vec<_>>(),
        "allocations": res.root.allocations.to_vec(),
        "replica_count": replica_count,
        "returncode": code,
        "complete": true,
    });
    if let Some(file) = output_json {
        write_atomic(file, format!("{manifest:#}\n").as_bytes())?;
    }
    if cx.json {
        print_json(&manifest);
    } else {
        for e in &res.entries {
            println!("added {} {}", e.cid.as_deref().unwrap_or(""), e.name);
        }
    }
    Ok(code)
}

fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), ClientError> {
    let io = |e: std::io::Error| ClientError::Io {
        path: path.display().to_string(),
        message: e.to_string(),
    };
    let tmp = path.with_extension(format!("tmp-{:08x}", rand::random::<u32>()));
    let mut f = std::fs::File::create(&tmp).map_err(io)?;
    f.write_all(bytes).map_err(io)?;
    f.sync_all().map_err(io)?;
    std::fs::rename(&tmp, path).map_err(io)
}

async fn ls(cx: &Ctx, filter: Option<&str>) -> Result<u8, ClientError> {
    let mut out = std::io::stdout().lock();
    if let Some(f) = filter {
        let mut s = cx.client.pins(Some(f), &[], false).await?;
        while let Some(g) = s.next().await {
            let g = g?;
            if cx.json {
                let _ = writeln!(out, "{}", serde_json::to_string(&g).unwrap_or_default());
            } else {
                let mut by: Vec<String> = g
                    .peer_map
                    .values()
                    .map(|p| format!("{}:{}", p.peername, p.status.upper()))
                    .collect();
                by.sort();
                let _ = writeln!(out, "{} | {} | {}", g.cid, g.name, by.join(" "));
            }
        }
        return Ok(OK);
    }
    let mut s = cx.client.allocations(PinTypeFilter::Pin).await?;
    while let Some(p) = s.next().await {
        let p = p?;
        if cx.json {
            let _ = writeln!(out, "{}", serde_json::to_string(&p).unwrap_or_default());
        } else {
            let repl = if p.replication_factor_min == -1 {
                "everywhere".to_string()
            } else {
                format!("{}--{}", p.replication_factor_min, p.replication_factor_max)
            };
            let _ = writeln!(
                out,
                "{} | {} | org {} | size {} | Repl. Factor: {} | Added: {}",
                p.cid,
                p.name,
                p.metadata.get("org").unwrap_or("-"),
                p.metadata.get("size").unwrap_or("-"),
                repl,
                p.timestamp.0.format("%Y-%m-%d %H:%M:%S")
            );
        }
    }
    Ok(OK)
}

fn status_text(g: &GlobalPinInfo) -> String {
    let mut s = if g.name.is_empty() {
        format!("{}:\n", g.cid)
    } else {
        format!("{} | {}:\n", g.cid, g.name)
    };
    // ipfs-cluster-ctl: peers sorted by peer ID, labelled by name.
    for (id, p) in &g.peer_map {
        let label = if p.peername.is_empty() {
            id.clone()
        } else {
            p.peername.clone()
        };
        let err = if p.error.is_empty() {
            String::new()
        } else {
            format!(": {}", p.error)
        };
        s.push_str(&format!(
            "    > {label:<20} : {}{err} | {} | Attempts: {} | Priority: {}\n",
            p.status.upper(),
            p.timestamp,
            p.attempt_count,
            p.priority_pin
        ));
    }
    s
}

/// The whole pinset's status, one item as it arrives (NDJSON with `--json`).
async fn status_all(cx: &Ctx) -> Result<u8, ClientError> {
    let mut out = std::io::stdout().lock();
    let mut code = OK;
    let mut s = cx.client.pins(None, &[], false).await?;
    while let Some(g) = s.next().await {
        let g = g?;
        if g.peer_map.values().any(|p| p.status.is_recoverable()) {
            code = PARTIAL;
        }
        let _ = if cx.json {
            writeln!(out, "{}", serde_json::to_string(&g).unwrap_or_default())
        } else {
            write!(out, "{}", status_text(&g))
        };
    }
    Ok(code)
}

async fn status(cx: &Ctx, cids: &[String]) -> Result<u8, ClientError> {
    if cids.is_empty() {
        return status_all(cx).await;
    }
    let mut code = OK;
    let mut docs = Vec::new();
    for c in cids {
        if let Err(e) = unixfs::parse_cid(c) {
            eprintln!("ccs-tui: {c}: not a valid CID: {e}");
            code = FAIL;
            continue;
        }
        let g = cx.client.pin_status(c, false).await?;
        let in_pinset = g.peer_map.values().any(|p| {
            p.status != TrackerStatus::Unpinned && p.status != TrackerStatus::ClusterError
        });
        let (pinned, wanted) = replicas(&g);
        if !in_pinset {
            eprintln!("ccs-tui: {c} is not in the pinset");
            code = FAIL;
        } else if g.peer_map.values().any(|p| {
            matches!(
                p.status,
                TrackerStatus::PinError | TrackerStatus::UnpinError
            )
        }) {
            code = code.max(FAIL);
        } else if pinned < wanted {
            code = code.max(PARTIAL);
        }
        if cx.json {
            docs.push(serde_json::to_value(&g).unwrap_or_default());
        } else {
            print!("{}", status_text(&g));
        }
    }
    if cx.json {
        print_json(&if docs.len() == 1 {
            docs.remove(0)
        } else {
            serde_json::Value::Array(docs)
        });
    }
    Ok(code)
}

async fn get(cx: &Ctx, cid: &str, output: Option<&Path>, force: bool) -> Result<u8, ClientError> {
    unixfs::parse_cid(cid).map_err(|e| ClientError::Io {
        path: cid.to_string(),
        message: format!("not a valid CID: {e}"),
    })?;
    let dest: PathBuf = match output {
        Some(p) => p.to_path_buf(),
        None => {
            let name = cx
                .client
                .allocation(cid)
                .await
                .map(|p| p.name)
                .unwrap_or_default();
            let safe = Path::new(&name)
                .file_name()
                .map(|n| n.to_string_lossy().into_owned());
            PathBuf::from(
                safe.filter(|n| !n.is_empty())
                    .unwrap_or_else(|| cid.to_string()),
            )
        }
    };
    // Prefer the gateway of a peer that has it pinned.
    let mut gateway = cx.client.default_gateway();
    if let Ok(st) = cx.client.pin_status(cid, false).await {
        let holders: Vec<&str> = st
            .peer_map
            .values()
            .filter(|p| p.status == TrackerStatus::Pinned)
            .map(|p| p.peername.as_str())
            .collect();
        let this = cx
            .client
            .endpoint()
            .api
            .host_str()
            .unwrap_or("")
            .to_string();
        let here_pinned = st.peer_map.values().any(|p| {
            p.status == TrackerStatus::Pinned
                && cx
                    .resolved
                    .file
                    .nodes
                    .get(&p.peername)
                    .is_some_and(|n| n.host() == this)
        });
        if !here_pinned {
            if let Some(spec) = holders.iter().find_map(|h| cx.resolved.file.nodes.get(*h)) {
                if let Ok(ep) = crate::cluster::parse_host(spec.host(), false) {
                    gateway = ep.gateway;
                }
            }
        }
    }
    let line = ProgressLine::new("receiving");
    let progress = line.clone().map(|l| {
        Arc::new(move |got: u64, total: Option<u64>| l.show(got, total))
            as crate::transfer::fetch::Progress
    });
    let (cancel, ctrlc) = cancel_on_ctrl_c();
    let r = fetch(&cx.client, &gateway, cid, &dest, force, progress, cancel).await;
    ctrlc.abort();
    if line.is_some() {
        eprintln!();
    }
    let r = r?;
    match &r.verified {
        Verified::Match => {
            if cx.json {
                print_json(
                    &json!({"cid": cid, "path": r.path, "bytes": r.bytes, "folder": r.is_dir, "verified": true}),
                );
            } else {
                println!(
                    "fetched {cid} to {} (verified: matches {cid})",
                    r.path.display()
                );
            }
            Ok(OK)
        }
        Verified::Mismatch { got, kept } => {
            eprintln!(
                "ccs-tui: MISMATCH: {cid} arrived as {got}; {} was not written, the download is kept at {}",
                dest.display(),
                kept.display()
            );
            if cx.json {
                print_json(
                    &json!({"cid": cid, "path": dest, "verified": false, "got": got, "kept": kept}),
                );
            }
            Ok(FAIL)
        }
    }
}

fn confirm(question: &str) -> bool {
    eprint!("{question} [y/N] ");
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    std::io::stdin().read_line(&mut line).is_ok()
        && matches!(line.trim(), "y" | "Y" | "yes" | "YES")
}

async fn rm(cx: &Ctx, cids: &[String], yes: bool) -> Result<u8, ClientError> {
    let interactive = std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
    if !yes && !interactive {
        eprintln!("ccs-tui: refusing to unpin without --yes when not on a terminal");
        return Ok(FAIL);
    }
    let mut code = OK;
    for c in cids {
        if let Err(e) = unixfs::parse_cid(c) {
            eprintln!("ccs-tui: {c}: not a valid CID: {e}");
            code = FAIL;
            continue;
        }
        if !yes {
            let name = cx
                .client
                .allocation(c)
                .await
                .map(|p| p.name)
                .unwrap_or_default();
            if !confirm(&format!(
                "Unpin '{name}' ({c}) from every peer of the cluster?"
            )) {
                eprintln!("kept {c}");
                continue;
            }
        }
        match cx.client.unpin(c).await {
            Ok(p) => {
                if cx.json {
                    println!("{}", serde_json::to_string(&p).unwrap_or_default());
                } else {
                    println!("unpinned {} {}", p.cid, p.name);
                }
            }
            Err(ClientError::Api { status: 404, .. }) => {
                eprintln!("ccs-tui: {c} is not in the pinset");
                code = FAIL;
            }
            Err(e) => return Err(e),
        }
    }
    Ok(code)
}

async fn peers(cx: &Ctx) -> Result<u8, ClientError> {
    let list = cx.client.members().await?;
    if cx.json {
        print_json(&serde_json::to_value(&list).unwrap_or_default());
    } else {
        for p in &list {
            if p.error.is_empty() {
                println!(
                    "{} | {} | Sees {} other peers",
                    p.id,
                    p.peername,
                    p.cluster_peers.len().saturating_sub(1)
                );
            } else if p.peername.is_empty() {
                println!("{} | ERROR: {}", p.id, p.error);
            } else {
                println!("{} | {} | ERROR: {}", p.id, p.peername, p.error);
            }
        }
    }
    Ok(if list.iter().any(|p| !p.error.is_empty()) {
        PARTIAL
    } else {
        OK
    })
}

async fn health(cx: &Ctx) -> Result<u8, ClientError> {
    let list = cx.client.members().await?;
    let online = list.iter().filter(|p| p.error.is_empty()).count();
    let mut total = 0u64;
    let mut s = cx.client.allocations(PinTypeFilter::Pin).await?;
    while let Some(p) = s.next().await {
        p?;
        total += 1;
    }
    let problems = cx
        .client
        .pins(Some(RECOVERABLE_FILTER), &[], false)
        .await?
        .collect()
        .await?;
    let mut errors = Vec::new();
    for g in &problems {
        for p in g.peer_map.values() {
            if p.status.is_recoverable() {
                errors.push((
                    g.cid.clone(),
                    g.name.clone(),
                    p.peername.clone(),
                    p.error.clone(),
                ));
            }
        }
    }
    let (label, code) = if online < list.len() {
        ("error", FAIL)
    } else if !errors.is_empty() {
        ("degraded", PARTIAL)
    } else {
        ("ok", OK)
    };
    if cx.json {
        print_json(&json!({
            "status": label,
            "checked_at": chrono::Utc::now().to_rfc3339(),
            "peers": {
                "total": list.len(), "online": online, "offline": list.len() - online,
                "list": list.iter().map(|p| json!({"name": p.peername, "peer_id": p.id, "online": p.error.is_empty(), "error": p.error})).collect::<Vec<_>>(),
            },
            "pins": {
                "total": total,
                "errors": errors.iter().map(|(c, n, node, e)| json!({"cid": c, "name": n, "node": node, "error": e})).collect::<Vec<_>>(),
            },
        }));
    } else {
        println!("cluster health: {label}");
        println!("peers: {online}/{} online", list.len());
        for p in &list {
            if !p.error.is_empty() {
                println!(
                    "  {} OFFLINE: {}",
                    if p.peername.is_empty() {
                        &p.id
                    } else {
                        &p.peername
                    },
                    p.error
                );
            }
        }
        println!("pins: {total} total");
        if !errors.is_empty() {
            println!("pin errors:");
            for (c, n, node, e) in errors.iter().take(20) {
                println!("  {c} {n} on {node}: {e}");
            }
            if errors.len() > 20 {
                println!("  … and {} more", errors.len() - 20);
            }
        }
    }
    Ok(code)
}

async fn recover(cx: &Ctx, cids: &[String], dry_run: bool) -> Result<u8, ClientError> {
    let targets: Vec<GlobalPinInfo> = if cids.is_empty() {
        cx.client
            .pins(Some(RECOVERABLE_FILTER), &[], false)
            .await?
            .collect()
            .await?
    } else {
        let mut v = Vec::new();
        for c in cids {
            v.push(cx.client.pin_status(c, false).await?);
        }
        v
    };
    let mut code = OK;
    for g in &targets {
        let bad: Vec<String> = g
            .peer_map
            .values()
            .filter(|p| p.status.is_recoverable())
            .map(|p| format!("{}: {}", p.peername, p.error))
            .collect();
        if bad.is_empty() {
            if !cids.is_empty() && !cx.json {
                println!("{} {}: nothing to recover", g.cid, g.name);
            }
            continue;
        }
        if dry_run {
            if cx.json {
                println!(
                    "{}",
                    json!({"cid": g.cid, "name": g.name, "would_recover": bad})
                );
            } else {
                println!("would recover {} {} ({})", g.cid, g.name, bad.join("; "));
            }
            continue;
        }
        match cx.client.recover(&g.cid, false).await {
            Ok(after) => {
                if cx.json {
                    println!("{}", serde_json::to_string(&after).unwrap_or_default());
                } else {
                    println!("recovering {} {} (was: {})", g.cid, g.name, bad.join("; "));
                }
            }
            Err(e) => {
                eprintln!("ccs-tui: {}: {e}", g.cid);
                code = FAIL;
            }
        }
    }
    Ok(code)
}

fn config_cmd(cli: &Cli, validate_only: bool) -> ExitCode {
    let mut errors: Vec<String> = Vec::new();
    let r = config::resolve(&cli.overrides());
    let resolved = match r {
        Ok(r) => Some(r),
        Err(e) => {
            errors.push(e.to_string());
            None
        }
    };
    if let Some(r) = &resolved {
        let f = &r.file;
        let known = |n: &str| f.nodes.contains_key(n);
        for (k, v) in [
            (
                "default_node",
                f.cluster.default_node.as_ref().or(f.default_node.as_ref()),
            ),
            (
                "backup_node",
                f.cluster.backup_node.as_ref().or(f.backup_node.as_ref()),
            ),
        ] {
            if let Some(n) = v {
                if !f.nodes.is_empty() && !known(n) {
                    errors.push(format!("{k} {n:?} is not one of nodes"));
                }
            }
        }
        for (org, p) in &f.profiles {
            if let Some(n) = &p.primary {
                if !known(n) {
                    errors.push(format!("profile {org}: primary {n:?} is not one of nodes"));
                }
            }
        }
        if let Some(min) = f.cluster.replication_min {
            if min < 1 && min != -1 {
                errors.push("cluster.replication_min must be at least 1 (or -1)".into());
            }
            if let Some(max) = f.cluster.replication_max {
                if max != -1 && max < min {
                    errors.push("cluster.replication_max is smaller than replication_min".into());
                }
            }
        }
    }
    if !validate_only {
        if cli.json() {
            let v = match &resolved {
                Some(r) => json!({
                    "config_file": r.file_path.as_ref().map(|p| config::display_path(p)),
                    "hosts": r.hosts.iter().map(|h| h.api.as_str()).collect::<Vec<_>>(),
                    "user": r.user(),
                    "has_password": r.user().is_some(),
                    "credential_source": r.credential_source,
                    "nodes": r.file.nodes.iter().map(|(n, s)| (n.clone(), json!({"host": s.host(), "peer_id": s.peer_id()}))).collect::<serde_json::Map<_, _>>(),
                    "warnings": r.warnings,
                    "errors": errors,
                }),
                None => json!({"errors": errors}),
            };
            print_json(&v);
        } else if let Some(r) = &resolved {
            println!(
                "config file: {}",
                r.file_path
                    .as_ref()
                    .map(|p| config::display_path(p))
                    .unwrap_or_else(|| "(none)".into())
            );
            for (i, h) in r.hosts.iter().enumerate() {
                println!(
                    "{} {} (gateway {})",
                    if i == 0 { "host:    " } else { "failover:" },
                    h.api,
                    h.gateway
                );
            }
            match r.user() {
                Some(u) => println!(
                    "user:     {u} (password ****, from {})",
                    r.credential_source
                ),
                None => println!("user:     (no authentication)"),
            }
            for (n, s) in &r.file.nodes {
                let pid = s
                    .peer_id()
                    .map(|p| p.chars().take(16).collect::<String>())
                    .unwrap_or_else(|| "-".into());
                println!("node {n:<10} {:<28} {pid}", s.host());
            }
        }
    }
    if let Some(r) = &resolved {
        for w in &r.warnings {
            eprintln!("⚠ {w}");
        }
    }
    for e in &errors {
        eprintln!("✗ {e}");
    }
    if errors.is_empty() {
        if !cli.json() {
            eprintln!("✓ config is valid");
        }
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
