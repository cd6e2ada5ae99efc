//! `add`: upload a file or folder and pin it.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;

use super::output::*;
use super::Ctx;
use crate::cluster::add::Existing;
use crate::cluster::replicas::Repl;
use crate::cluster::types::{PinOptions, TrackerStatus};
use crate::cluster::{AddOptions, ClientError};
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
    let AddArgs {
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
    } = a;
    let metadata = parse_metadata(metadata)?;
    let import = ImportOptions::new(*cid_version, *raw_leaves)
        .with_chunker(chunker.as_deref().unwrap_or(""))
        .map_err(|e| CmdError::usage("--chunker", e.to_string()))?;
    // Refuse bad paths before anything is sent, with a clear message.
    let (_, total) = crate::cluster::add::plan(path, *hidden)?;
    let metadata = crate::cluster::add::with_size(metadata, total);
    let metadata = crate::cluster::add::with_filename(metadata, path, name.as_deref());
    // Is it already there? The CID kubo would give, computed here.
    if progress_on() {
        eprint!("computing the CID of {}…\r", path.display());
    }
    let existing = cx
        .client
        .existing(path, import, *hidden, *wrap_with_directory)
        .await;
    if let Some(Existing { cid, pin, replicas }) = existing {
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
        return Ok(OK);
    }
    let default_name = crate::cluster::add::default_name(path);
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
            let r = Repl::of_status(&st);
            let (pinned, wanted) = (usize::from(r.pinned), usize::from(r.allocated));
            replica_count = pinned;
            let need = if min < 1 { wanted } else { min as usize };
            if st
                .peer_map
                .values()
                .any(|p| p.status == TrackerStatus::PinError)
            {
                tell!("ccs-tui: {root}: a peer failed to pin it ({pinned}/{wanted} pinned)");
                code = PARTIAL;
                break;
            }
            if pinned >= need.max(1) {
                break;
            }
            if Instant::now() > deadline {
                tell!("ccs-tui: {root}: {pinned}/{need} replicas pinned after {wait_timeout} s");
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
            say!("added {} {}", e.cid.as_deref().unwrap_or(""), e.name);
        }
    }
    Ok(code)
}
