//! `get`: fetch an item to disk, verified and atomic.

use std::path::PathBuf;
use std::sync::Arc;

use serde_json::json;

use super::output::*;
use super::Ctx;
use crate::cluster::fetch::{fetch, sources, Event, Source, Watch};

/// `ccs-tui get`
#[derive(clap::Args, Debug, Clone)]
pub struct GetArgs {
    /// The item: CID, or CID/path for a file or folder inside one (or a
    /// file or folder inside one by its own CID).
    cid: String,
    /// Where to write it [default: the item's name in the current folder];
    /// an existing folder (or a path ending in /): inside it, under the
    /// item's name, as cp does.
    #[arg(long, short = 'o', alias = "dest")]
    output: Option<PathBuf>,
    /// Replace an existing target.
    #[arg(long)]
    force: bool,
    /// Stop a download larger than this (e.g. 20G, 500M) [default: what the
    /// disk has room for, less 256 MiB].
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    max_bytes: Option<u64>,
    /// Fetch from this peer's gateway only (name or ID) [default: every
    /// peer that pins it, at once].
    #[arg(long, value_name = "PEER")]
    from: Option<String>,
    /// Stop a folder that unpacks into more files and folders than this.
    #[arg(long, value_name = "N", default_value_t = crate::cluster::fetch::DEFAULT_MAX_ENTRIES)]
    max_entries: u64,
    /// Do not wait for the disk before the fetched item takes its name
    /// (faster; a power cut right after may leave it empty or torn).
    #[arg(long)]
    no_sync: bool,
}

/// `20G`, `500M`, `64k`, `1000`: bytes, with binary multiples.
fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let (num, mult) = match t.char_indices().find(|(_, c)| c.is_ascii_alphabetic()) {
        Some((i, _)) => {
            let unit = t[i..].to_ascii_lowercase();
            let m: u64 = match unit.trim_end_matches("ib").trim_end_matches('b') {
                "" => 1,
                "k" => 1 << 10,
                "m" => 1 << 20,
                "g" => 1 << 30,
                "t" => 1 << 40,
                _ => return Err(format!("{s:?}: a size is a number with K, M, G or T")),
            };
            (&t[..i], m)
        }
        None => (t, 1),
    };
    num.trim()
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(mult))
        .filter(|n| *n > 0)
        .ok_or_else(|| format!("{s:?}: a size is a number with K, M, G or T"))
}

/// The CID at `path` inside `root` (the root itself when empty), each
/// block on the way verified, read from the gateways of its holders.
async fn inside(cx: &Ctx, from: &[Source], root: cid::Cid, path: &str) -> Result<String, CmdError> {
    if path.is_empty() {
        return Ok(root.to_string());
    }
    let gws = from.iter().map(|s| s.gateway.clone());
    let first = from
        .first()
        .map_or_else(|| cx.client.default_gateway(), |s| s.gateway.clone());
    let dag = crate::cluster::dag::Dag::new(cx.client.clone(), first).with_fallbacks(gws);
    let at = dag.resolve(&root, path).await.map_err(CmdError::Block)?;
    Ok(at.to_string())
}

pub(super) async fn run(cx: &Ctx, a: &GetArgs) -> Result<u8, CmdError> {
    let (output, force) = (a.output.as_deref(), a.force);
    // `CID/path` as ls and cat take it (found trying it as a newcomer).
    let (root, inner) = super::browse::split_target(&a.cid)?;
    let cid = &root.to_string();
    // A folder given (existing, or written with a trailing slash) means
    // inside it, under the item's own name, as cp and curl -O do.
    let into_folder = output.filter(|p| p.is_dir() || p.to_string_lossy().ends_with('/'));
    if let Some(dir) = into_folder.filter(|p| !p.is_dir()) {
        return Err(CmdError::usage(
            dir.display().to_string(),
            "no such folder (create it first, or name a file)",
        ));
    }
    let dest: PathBuf = match output {
        Some(p) if into_folder.is_none() => p.to_path_buf(),
        _ => {
            let file = match inner.rsplit('/').next().filter(|n| !n.is_empty()) {
                Some(last) => crate::sanitize::for_disk(last).into_owned(),
                None => crate::cluster::fetch::suggest_name(&cx.client, cid, None).await,
            };
            match into_folder {
                Some(dir) => dir.join(file),
                None => PathBuf::from(file),
            }
        }
    };
    // Said before anything is asked of the cluster, with the way out.
    if !force && (dest.exists() || dest.is_symlink()) {
        return Err(CmdError::usage(
            dest.display().to_string(),
            "already exists (not overwritten; --force replaces it)",
        ));
    }
    // Every peer that pins it, as the configuration names their gateways.
    let nodes = crate::config::node_gateways(&cx.resolved.file, false).unwrap_or_default();
    let from = sources(&cx.client, &nodes, cid, a.from.as_deref())
        .await
        .map_err(CmdError::Client)?;
    let target = &inside(cx, &from, root, &inner).await?;
    let line = ProgressLine::new("receiving");
    let progress = line.clone().map(|l| {
        Arc::new(move |got: u64, total: Option<u64>| l.show(got, total))
            as crate::cluster::fetch::Progress
    });
    let (cancel, ctrlc) = cancel_on_ctrl_c();
    let opts = crate::cluster::fetch::FetchOptions {
        overwrite: force,
        max_bytes: a.max_bytes,
        max_entries: a.max_entries,
        sync: !a.no_sync,
    };
    let watch = Watch {
        progress,
        events: Some(Arc::new(move |e: Event| match e {
            Event::Rechecking { .. } | Event::Resuming { .. } => tell!("{e}"),
            Event::Dropped { .. } => tell!("ccs-tui: {e}"),
        })),
    };
    let r = fetch(&cx.client, &from, target, &dest, &opts, &watch, cancel).await;
    ctrlc.abort();
    end_progress();
    let r = match r {
        Err(crate::cluster::ClientError::Cancelled) => {
            // Named by the CID as the fetch wrote it (any base the user typed).
            let p = crate::cluster::fetch::Partial::of(target, &dest);
            // Said once, whole: a bare "cancelled" after it read as if
            // the work was thrown away (found trying it as a newcomer).
            if p.state.exists() {
                tell!(
                    "ccs-tui: interrupted; what was verified is kept beside {} (hidden): the same get resumes",
                    dest.display()
                );
            } else {
                tell!("ccs-tui: interrupted before anything was verified; nothing kept");
            }
            return Ok(super::output::FAIL);
        }
        r => r?,
    };
    let sources: Vec<serde_json::Value> = r
        .from
        .iter()
        .map(|s| json!({"source": s.source, "bytes": s.bytes, "dropped": s.dropped}))
        .collect();
    if cx.json {
        print_json(&json!({
            "cid": a.cid, "fetched_cid": target, "path": r.path, "bytes": r.bytes, "folder": r.is_dir,
            "verified": true, "resumed": r.resumed, "sources": sources,
        }));
    } else {
        say!(
            "fetched {} to {} (verified: matches {target})",
            a.cid,
            r.path.display()
        );
    }
    Ok(OK)
}
