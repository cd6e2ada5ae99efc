//! `add`: upload a file or folder and pin it.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;

use super::output::*;
use super::Ctx;
use crate::cluster::add::Existing;
use crate::cluster::replicas::Repl;
use crate::cluster::types::{PinOptions, TrackerStatus};
use crate::cluster::{AddOptions, AddResult, ClientError};
use crate::unixfs::ImportOptions;

/// `ccs-tui add`
#[derive(clap::Args, Debug, Clone)]
pub struct AddArgs {
    path: PathBuf,
    /// Pin name [default: the basename, as ccs add names it].
    #[arg(long, short = 'n')]
    name: Option<String>,
    #[arg(long, alias = "rmin", value_name = "N", allow_negative_numbers = true)]
    replication_min: Option<i32>,
    #[arg(long, alias = "rmax", value_name = "N", allow_negative_numbers = true)]
    replication_max: Option<i32>,
    /// Metadata key=value (repeat).
    #[arg(long = "metadata", value_name = "K=V")]
    metadata: Vec<String>,
    /// Peer IDs that must hold it (comma-separated).
    #[arg(long, alias = "allocations", value_name = "PEERS")]
    user_allocations: Option<String>,
    /// Wait until at least the minimum number of replicas is pinned.
    #[arg(long, short = 'w')]
    wait: bool,
    /// Give up waiting after this many seconds.
    #[arg(long, default_value_t = 600, value_name = "SECS")]
    wait_timeout: u64,
    /// Write a manifest of every entry's path and CID here (as ccs add).
    #[arg(long, value_name = "FILE")]
    output_json: Option<PathBuf>,
    #[arg(long, default_value_t = 0)]
    cid_version: u8,
    #[arg(long)]
    raw_leaves: Option<bool>,
    #[arg(long, short = 's', value_name = "size-N")]
    chunker: Option<String>,
    /// Include dotfiles.
    #[arg(long, short = 'H')]
    hidden: bool,
    /// Only ingest into the receiving peer's kubo first.
    #[arg(long)]
    local: bool,
    #[arg(long, short = 'W')]
    wrap_with_directory: bool,
    /// Ask for one buffered answer (behind nginx).
    #[arg(long)]
    no_stream: bool,
}

pub(super) async fn run(cx: &Ctx, a: &AddArgs) -> Result<u8, CmdError> {
    let metadata = parse_metadata(&a.metadata)?;
    let import = ImportOptions::new(a.cid_version, a.raw_leaves)
        .with_chunker(a.chunker.as_deref().unwrap_or(""))
        .map_err(|e| CmdError::usage("--chunker", e.to_string()))?;
    // Refuse bad paths before anything is sent, with a clear message.
    let (_, total) = crate::cluster::add::plan(&a.path, a.hidden)?;
    let metadata = crate::cluster::add::with_size(metadata, total);
    let metadata = crate::cluster::add::with_filename(metadata, &a.path, a.name.as_deref());
    if let Some(existing) = already_there(cx, a, import).await {
        say_already_there(cx, existing);
        return Ok(OK);
    }
    let res = upload(cx, &a.path, &add_options(a, metadata)).await?;
    let root = res.root.cid.clone().unwrap_or_default();
    let waited = if a.wait {
        wait_pinned(cx, &root, a.wait_timeout).await?
    } else {
        Waited {
            code: OK,
            pinned: 0,
        }
    };
    let manifest = manifest(cx, a, &res, &root, &waited);
    if let Some(file) = &a.output_json {
        write_atomic(file, format!("{manifest:#}\n").as_bytes())?;
    }
    if cx.json {
        print_json(&manifest);
    } else {
        for e in &res.entries {
            say!("added {} {}", e.cid.as_deref().unwrap_or(""), e.name);
        }
    }
    Ok(waited.code)
}

/// The item, if the archive has it already: the CID kubo would give,
/// computed here.
async fn already_there(cx: &Ctx, a: &AddArgs, import: ImportOptions) -> Option<Existing> {
    if progress_on() {
        eprint!("computing the CID of {}…\r", a.path.display());
    }
    cx.client
        .existing(&a.path, import, a.hidden, a.wrap_with_directory)
        .await
}

fn say_already_there(cx: &Ctx, Existing { cid, pin, replicas }: Existing) {
    let (pinned, wanted) = replicas.map_or((0, 0), |r| (r.pinned, r.allocated));
    if cx.json {
        print_json(
            &json!({"root_cid": cid, "already_in_archive": true, "name": pin.name, "pinned": pinned, "wanted": wanted}),
        );
    } else {
        say!(
            "already in the archive as '{}' ({cid}), {pinned}/{wanted} pinned",
            pin.name
        );
    }
}

/// The add as the cluster is asked for it.
fn add_options(a: &AddArgs, metadata: Vec<(String, String)>) -> AddOptions {
    let default_name = crate::cluster::add::default_name(&a.path);
    AddOptions {
        pin: PinOptions {
            name: Some(a.name.clone().unwrap_or(default_name)),
            replication_min: a.replication_min,
            replication_max: a.replication_max,
            user_allocations: a
                .user_allocations
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
        local: a.local,
        wrap_with_directory: a.wrap_with_directory,
        cid_version: a.cid_version,
        raw_leaves: a.raw_leaves,
        chunker: a.chunker.clone(),
        hidden: a.hidden,
        stream_channels: !a.no_stream,
        no_pin: false,
    }
}

/// Sends the file or folder, with a progress line and Ctrl-C.
async fn upload(cx: &Ctx, path: &Path, opts: &AddOptions) -> Result<AddResult, ClientError> {
    let line = ProgressLine::new("sending");
    let progress = line.clone().map(|l| {
        Arc::new(move |sent: u64, total: u64| l.show(sent, Some(total)))
            as crate::cluster::add::Progress
    });
    let (cancel, ctrlc) = cancel_on_ctrl_c();
    let res = cx.client.add(path, opts, progress, cancel).await;
    ctrlc.abort();
    end_progress();
    if let Err(
        ClientError::Cancelled
        | ClientError::Unreachable { .. }
        | ClientError::Timeout { .. }
        | ClientError::Stream { .. }
        | ClientError::Add { .. },
    ) = &res
    {
        // Unlike `get`: the cluster's /add is one request, and keeps
        // nothing of one that was cut.
        tell!("ccs-tui: an upload cannot resume (the cluster's /add is one request): the same add sends it again whole");
    }
    res
}

/// How waiting for the replicas ended.
struct Waited {
    /// OK with the minimum pinned, PARTIAL on a pin error or the deadline.
    code: u8,
    /// The copies pinned when the wait ended.
    pinned: usize,
}

/// Waits until the item's minimum of copies is pinned, a peer fails to pin
/// it, or `wait_timeout` seconds pass.
async fn wait_pinned(cx: &Ctx, root: &str, wait_timeout: u64) -> Result<Waited, CmdError> {
    let deadline = Instant::now() + Duration::from_secs(wait_timeout);
    let min = cx
        .client
        .allocation(root)
        .await
        .map(|p| p.replication_factor_min)
        .unwrap_or(1);
    loop {
        let st = cx.client.pin_status(root, false).await?;
        let r = Repl::of_status(&st);
        let (pinned, wanted) = (usize::from(r.pinned), usize::from(r.allocated));
        let need = if min < 1 { wanted } else { min as usize };
        let partial = Waited {
            code: PARTIAL,
            pinned,
        };
        if st
            .peer_map
            .values()
            .any(|p| p.status == TrackerStatus::PinError)
        {
            tell!("ccs-tui: {root}: a peer failed to pin it ({pinned}/{wanted} pinned)");
            return Ok(partial);
        }
        if pinned >= need.max(1) {
            return Ok(Waited { code: OK, pinned });
        }
        if Instant::now() > deadline {
            tell!("ccs-tui: {root}: {pinned}/{need} replicas pinned after {wait_timeout} s");
            return Ok(partial);
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

/// What was added, as ccs add's manifest.
fn manifest(
    cx: &Ctx,
    a: &AddArgs,
    res: &AddResult,
    root: &str,
    waited: &Waited,
) -> serde_json::Value {
    json!({
        "root_cid": root,
        "root_path": a.path.display().to_string(),
        "added_at": chrono::Utc::now().to_rfc3339(),
        "cluster_host": cx.client.endpoint().label(),
        "entries": res.entries.iter().map(|e| json!({"path": e.name, "cid": e.cid, "size": e.size, "is_root": e.cid.as_deref() == Some(root)})).collect::<Vec<_>>(),
        "allocations": res.root.allocations.to_vec(),
        "replica_count": waited.pinned,
        "returncode": waited.code,
        "complete": true,
    })
}
