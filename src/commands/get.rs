//! `get`: fetch an item to disk, verified and atomic.

use std::path::PathBuf;
use std::sync::Arc;

use serde_json::json;

use super::output::*;
use super::Ctx;
use crate::cluster::fetch::{fetch, Verified};
use crate::cluster::types::TrackerStatus;
use crate::unixfs::{self};

/// `ccs-tui get`
#[derive(clap::Args, Debug, Clone)]
pub struct GetArgs {
    /// The item (or a file or folder inside one, by its own CID).
    cid: String,
    /// Where to write it [default: the item's name in the current folder].
    #[arg(long, short = 'o', alias = "dest")]
    output: Option<PathBuf>,
    /// Replace an existing target.
    #[arg(long)]
    force: bool,
    /// Stop a download larger than this (e.g. 20G, 500M) [default: what the
    /// disk has room for, less 256 MiB].
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    max_bytes: Option<u64>,
    /// Stop a folder that unpacks into more files and folders than this.
    #[arg(long, value_name = "N", default_value_t = crate::cluster::fetch::DEFAULT_MAX_ENTRIES)]
    max_entries: u64,
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

pub(super) async fn run(cx: &Ctx, a: &GetArgs) -> Result<u8, CmdError> {
    let (cid, output, force) = (a.cid.as_str(), a.output.as_deref(), a.force);
    unixfs::parse_cid(cid).map_err(|e| CmdError::usage(cid, format!("not a valid CID: {e}")))?;
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
            let file = crate::cluster::fetch::suggest_name(&cx.client, cid, None).await;
            match into_folder {
                Some(dir) => dir.join(file),
                None => PathBuf::from(file),
            }
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
            // The holder's gateway as the configuration gives it (its
            // `gateway:`, else port 8080 of its host).
            let nodes = crate::config::node_gateways(&cx.resolved.file, false).unwrap_or_default();
            if let Some(n) = holders
                .iter()
                .find_map(|h| nodes.iter().find(|n| n.name == *h))
            {
                gateway = n.gateway.clone();
            }
        }
    }
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
    };
    let r = fetch(&cx.client, &gateway, cid, &dest, &opts, progress, cancel).await;
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
                say!(
                    "fetched {cid} to {} (verified: matches {cid})",
                    r.path.display()
                );
            }
            Ok(OK)
        }
        Verified::Mismatch { got, kept } => {
            tell!(
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
