//! `rm`: unpin items, after a confirmation on a terminal; with `--erase`,
//! remove them from every peer's store and prove it (see `cluster::erase`).

use std::io::IsTerminal;

use super::output::*;
use super::Ctx;
use crate::cluster::erase::{Eraser, Verdict};
use crate::cluster::ClientError;
use crate::unixfs::{self};

/// `ccs-tui rm`
#[derive(clap::Args, Debug, Clone)]
pub struct RmArgs {
    #[arg(required = true)]
    cids: Vec<String>,
    /// Do not ask (required when not on a terminal).
    #[arg(long, short = 'y')]
    yes: bool,
    /// Remove the data, not only the pin: unpin, collect garbage on every
    /// peer (which frees everything unpinned there), then ask every peer's
    /// gateway for each block and report, peer by peer, what is left and
    /// why; logged (see `erased`). Exit 0 erased, 1 a peer could not be
    /// asked (pending), 2 a peer still stores it.
    #[arg(long)]
    erase: bool,
}

/// Said after every plain unpin: the seed promises removal, and an unpin
/// alone removes nothing from the disks.
pub const STILL_STORED: &str = "the data stays stored and served by every peer that had it until each collects garbage; `ccs-tui rm --erase` removes it and checks";

pub(super) async fn run(cx: &Ctx, a: &RmArgs) -> Result<u8, CmdError> {
    let (cids, yes) = (&a.cids, a.yes);
    let interactive = std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
    if !yes && !interactive {
        tell!(
            "ccs-tui: refusing to {} without --yes when not on a terminal",
            if a.erase { "erase" } else { "unpin" }
        );
        return Ok(FAIL);
    }
    // Every argument is checked before anything is unpinned: a typo in the
    // second CID must not leave the first one gone and the command "failed".
    for c in cids {
        if let Err(e) = unixfs::parse_cid(c) {
            return Err(CmdError::usage(c.as_str(), format!("not a valid CID: {e}")));
        }
    }
    if a.erase {
        return erase(cx, cids, yes).await;
    }
    let mut code = OK;
    let mut unpinned = 0;
    for c in cids {
        if !yes {
            let name = match cx.client.allocation(c).await {
                Ok(p) => p.name,
                Err(ClientError::Api { status: 404, .. }) => {
                    tell!("ccs-tui: {c} is not in the pinset");
                    code = FAIL;
                    continue;
                }
                Err(e) => return Err(e.into()),
            };
            if !confirm(&format!(
                "Unpin '{name}' ({c}) from every peer of the cluster? (Its data stays stored until collected; --erase removes it.)"
            )) {
                tell!("kept {c}");
                continue;
            }
        }
        match cx.client.unpin(c).await {
            Ok(p) => {
                unpinned += 1;
                if cx.json {
                    print_item(&p);
                } else {
                    say!("unpinned {} {}", p.cid, p.name);
                }
            }
            Err(ClientError::Api { status: 404, .. }) => {
                tell!("ccs-tui: {c} is not in the pinset");
                code = FAIL;
            }
            Err(e) => return Err(e.into()),
        }
    }
    if unpinned > 0 {
        tell!("note: {STILL_STORED}");
    }
    Ok(code)
}

/// What erasing needs: every member with its gateway, and the cluster's
/// identity for the log.
pub(super) async fn eraser(cx: &Ctx) -> Result<(Eraser, String), CmdError> {
    let nodes = crate::config::node_gateways(&cx.resolved.file, false)
        .map_err(|e| CmdError::usage("configuration", e.to_string()))?;
    let r = crate::cluster::audit::reach(&cx.client, &nodes).await?;
    let cluster = match r.answering {
        Some(id) => id,
        None => crate::cluster::state_files::cluster_key(&cx.client).await?,
    };
    Ok((
        Eraser {
            client: cx.client.clone(),
            holders: r.holders,
            members: r.members,
            wait: std::time::Duration::from_secs(120),
            settle: std::time::Duration::from_secs(6),
        },
        cluster,
    ))
}

async fn erase(cx: &Ctx, cids: &[String], yes: bool) -> Result<u8, CmdError> {
    let (eraser, cluster) = eraser(cx).await?;
    let mut code = OK;
    for c in cids {
        tell!("reading {c} and looking for blocks other items share…");
        let prepared = eraser.prepare(c).await?;
        let label = if prepared.name.is_empty() {
            c.clone()
        } else {
            format!("'{}' ({c})", crate::sanitize::clean(&prepared.name))
        };
        if !yes {
            for l in prepared.warning() {
                tell!("  {l}");
            }
            if !confirm(&format!("Erase {label}?")) {
                tell!("kept {c}");
                continue;
            }
        }
        let show = progress_on();
        let report = eraser
            .erase(&prepared, |s| {
                if show {
                    tell!("  {}", s.text());
                }
            })
            .await?;
        let entry = crate::cluster::erasures::Entry {
            kind: crate::cluster::erasures::Kind::Erase,
            cluster: cluster.clone(),
            config: config_label(cx),
            user: log_user(cx),
            check_blocks: prepared.check_blocks(),
            report,
        };
        match crate::cluster::erasures::append(&entry) {
            Ok(p) => tell!("logged in {}", p.display()),
            Err(e) => tell!("ccs-tui: the removal log could not be written: {e}"),
        }
        print_report(cx, &entry.report);
        code = code.max(erasure_code(entry.report.verdict));
    }
    Ok(code)
}

/// `~/.ccs/config.yml`, or where the settings came from.
pub(super) fn config_label(cx: &Ctx) -> String {
    cx.resolved
        .file_path
        .as_ref()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| "(flags and environment)".into())
}

/// Who the removal log names: the cluster user, else the local one.
pub(super) fn log_user(cx: &Ctx) -> String {
    cx.resolved.user().map(String::from).unwrap_or_else(|| {
        std::env::var("USER")
            .or_else(|_| std::env::var("LOGNAME"))
            .unwrap_or_default()
    })
}

/// A report: one line for the item, one per peer.
pub(super) fn print_report(cx: &Ctx, r: &crate::cluster::erase::Report) {
    if cx.json {
        print_item(r);
        return;
    }
    let name = crate::sanitize::clean(&r.name);
    let shared = if r.shared_blocks > 0 {
        let names: Vec<String> = r
            .shared
            .iter()
            .take(3)
            .map(|s| format!("'{}'", crate::sanitize::clean(&s.name)))
            .collect();
        format!(
            " ({} block(s) shared with {} stay)",
            r.shared_blocks,
            names.join(", ")
        )
    } else {
        String::new()
    };
    let verdict = match r.verdict {
        Verdict::Erased => format!("gone from every peer{shared}"),
        Verdict::Pending => format!("gone from every peer that answered; pending on some{shared}"),
        Verdict::Stored => format!("STILL STORED on some peer{shared}"),
    };
    say!("{:<8} {} {name}: {verdict}", r.verdict.label(), r.cid);
    if !r.listed_all {
        say!(
            "  only {} block(s) could be listed (part of the item could not be read): those were asked for, the rest could not be",
            r.blocks
        );
    }
    let w = r
        .peers
        .iter()
        .map(|p| p.peer.chars().count())
        .max()
        .unwrap_or(4);
    for p in &r.peers {
        let what = p.outcome.label();
        say!(
            "  {:<w$}  {:<7}  {}",
            crate::sanitize::clean(&p.peer),
            what,
            crate::sanitize::clean(&p.why)
        );
    }
}
