//! `erased`: the removal log, and whether it still holds. `--check` asks
//! every peer again for each logged item's blocks; `--collect` first runs
//! garbage collection again where some peer still stores one (a peer that
//! was down at the erase and came back with its copy).

use std::collections::{BTreeMap, HashSet};

use super::output::*;
use super::rm::{config_label, eraser, log_user, print_report};
use super::Ctx;
use crate::cluster::erase::{Collection, Eraser, PeerErasure, PeerOutcome, Report};
use crate::cluster::erasures::{self, Entry, Kind, Log, LOGGED_BLOCKS};

/// `ccs-tui erased`
#[derive(clap::Args, Debug, Clone)]
pub struct ErasedArgs {
    /// Ask every peer again, block by block, whether it stores a logged
    /// item (exit 0 none does, 1 a peer could not be asked, 2 one does).
    #[arg(long)]
    check: bool,
    /// With --check: collect garbage again on every peer first when one
    /// still stores a logged item.
    #[arg(long, requires = "check")]
    pub(super) collect: bool,
}

pub(super) async fn run(cx: &Ctx, a: &ErasedArgs) -> Result<u8, CmdError> {
    let (eraser, cluster) = eraser(cx).await?;
    let log =
        erasures::read(&cluster).map_err(|e| CmdError::usage("removal log", e.to_string()))?;
    for w in &log.warnings {
        tell!("ccs-tui: {w}");
    }
    let latest: Vec<Entry> = log.latest().into_iter().cloned().collect();
    if !a.check {
        list(cx, &latest);
        return Ok(OK);
    }
    let mut checks = check_each(cx, &eraser, &log, &latest).await;
    let stored = checks
        .iter()
        .any(|c| c.peers.iter().any(|x| x.outcome == PeerOutcome::Stored));
    let mut collections = BTreeMap::new();
    if a.collect && stored {
        tell!("a peer still stores a logged item: collecting garbage on every peer…");
        collections = eraser.collect().await?;
        recheck(&eraser, &log, &mut checks, &collections).await;
    }
    let mut code = OK;
    for c in checks {
        let entry = logged_check(cx, &cluster, &log, c, &collections);
        if let Err(err) = erasures::append(&entry) {
            tell!("ccs-tui: the removal log could not be written: {err}");
        }
        print_report(cx, &entry.report);
        code = code.max(erasure_code(entry.report.verdict));
    }
    if collections
        .values()
        .any(|c| matches!(c, Collection::Failed(_)))
    {
        tell!("note: some peer could not collect; it is named above");
    }
    Ok(code)
}

/// The log's latest entry of each item, a line each or JSON.
fn list(cx: &Ctx, latest: &[Entry]) {
    for e in latest {
        if cx.json {
            print_item(e);
        } else {
            list_line(e);
        }
    }
    if latest.is_empty() && !cx.json {
        tell!("nothing erased on this cluster yet");
    }
}

/// A logged item asked about again: its entry, the blocks asked for, and
/// what each peer answered.
struct Checked {
    entry: Entry,
    blocks: Vec<cid::Cid>,
    peers: Vec<PeerErasure>,
}

/// Every peer asked again for each logged item's blocks (those its first
/// erase logged), but for items pinned again since.
async fn check_each(cx: &Ctx, eraser: &Eraser, log: &Log, latest: &[Entry]) -> Vec<Checked> {
    let mut checks = Vec::new();
    for e in latest {
        let blocks: Vec<cid::Cid> = log
            .erase_of(&e.report.cid)
            .map_or(&e.check_blocks, |first| &first.check_blocks)
            .iter()
            .filter_map(|b| crate::unixfs::parse_cid(b).ok())
            .collect();
        // Pinned again since: kept on purpose, not a failed erase.
        if cx.client.allocation(&e.report.cid).await.is_ok() {
            tell!(
                "{}: pinned again since it was erased; not checked",
                e.report.cid
            );
            continue;
        }
        let mut peers = eraser
            .check(&blocks, &HashSet::new(), &BTreeMap::new(), &mut |_| {})
            .await;
        if let Some(first) = log.erase_of(&e.report.cid) {
            first.report.add_unlisted(&mut peers);
        }
        checks.push(Checked {
            entry: e.clone(),
            blocks,
            peers,
        });
    }
    checks
}

/// The same checks again, after garbage collection.
async fn recheck(
    eraser: &Eraser,
    log: &Log,
    checks: &mut [Checked],
    collections: &BTreeMap<String, Collection>,
) {
    for c in checks {
        c.peers = eraser
            .check(&c.blocks, &HashSet::new(), collections, &mut |_| {})
            .await;
        if let Some(first) = log.erase_of(&c.entry.report.cid) {
            first.report.add_unlisted(&mut c.peers);
        }
    }
}

/// A check as the removal log records it: the item's last report with what
/// the peers answered now.
fn logged_check(
    cx: &Ctx,
    cluster: &str,
    log: &Log,
    c: Checked,
    collections: &BTreeMap<String, Collection>,
) -> Entry {
    let Checked {
        entry: e,
        blocks,
        mut peers,
    } = c;
    explain_missed_unpin(log, &e, &mut peers);
    let own = e.report.blocks.saturating_sub(e.report.shared_blocks);
    let listed_all =
        e.report.listed_all && blocks.len() >= own.min(LOGGED_BLOCKS) && own <= LOGGED_BLOCKS;
    let report = Report {
        at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        verdict: Report::verdict_of(&peers, listed_all),
        listed_all,
        unpinned: false,
        peers,
        collections: collections.clone(),
        ..e.report.clone()
    };
    Entry {
        kind: Kind::Check,
        cluster: cluster.to_string(),
        config: config_label(cx),
        user: log_user(cx),
        check_blocks: blocks.iter().map(|b| b.to_string()).collect(),
        report,
    }
}

/// A peer that was down at the erase missed the unpin: its cluster peer
/// unpins once it has caught up, and only then can it collect.
fn explain_missed_unpin(log: &Log, e: &Entry, peers: &mut [PeerErasure]) {
    for p in peers
        .iter_mut()
        .filter(|p| p.outcome == PeerOutcome::Stored)
    {
        let was_down = log.erase_of(&e.report.cid).is_some_and(|first| {
            first
                .report
                .peers
                .iter()
                .any(|x| x.peer_id == p.peer_id && x.outcome == PeerOutcome::Pending)
        });
        if was_down {
            p.why = format!(
                "{} — it was down at the erase: its cluster peer unpins the item once it has caught up with the cluster (a minute or so after it is back), then --collect frees it",
                p.why
            );
        }
    }
}

/// `2026-12-07T04:00:00Z  erased   bafy…  name  (checked)`.
fn list_line(e: &Entry) {
    let pending: Vec<&str> = e
        .report
        .peers
        .iter()
        .filter(|p| p.outcome != PeerOutcome::Gone)
        .map(|p| p.peer.as_str())
        .collect();
    say!(
        "{}  {:<12} {}  {}{}{}",
        e.report.at,
        e.report.verdict.label(),
        e.report.cid,
        crate::sanitize::clean(&e.report.name),
        if pending.is_empty() {
            String::new()
        } else {
            format!(
                "  (not yet: {})",
                crate::sanitize::clean(&pending.join(", "))
            )
        },
        if e.kind == Kind::Check {
            "  [checked]"
        } else {
            ""
        }
    );
}
