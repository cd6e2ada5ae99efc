//! `audit`: fixity, peer by peer, through each peer's own gateway.

use std::collections::HashSet;
use std::io::Write;
use std::path::PathBuf;

use super::output::*;
use super::Ctx;
use crate::cluster::audit::{
    counts_text, exit_code, reach, summary, Audit, Check, Depth, Outcome, Reach, Targets,
};
use crate::cluster::state_files;

/// `ccs-tui audit`
#[derive(clap::Args, Debug, Clone)]
pub struct AuditArgs {
    /// Items to audit (default: the whole pinset).
    cids: Vec<String>,
    /// Spot-check N random items, one random path of blocks each.
    #[arg(long, value_name = "N")]
    sample: Option<usize>,
    /// Only this peer (name or ID).
    #[arg(long, value_name = "NAME")]
    peer: Option<String>,
    /// Start a full audit over, forgetting where the last one stopped.
    #[arg(long)]
    restart: bool,
}

/// Where a full audit notes the items it has checked, so an interrupted
/// one resumes there (one JSON line per check).
fn journal_path(cluster: &str, peer: Option<&str>) -> Option<PathBuf> {
    state_files::path("audit", cluster, peer.unwrap_or("all"))
}

/// A line of the audit's journal: a check, and the cluster it was made on.
#[derive(serde::Serialize, serde::Deserialize)]
struct Noted {
    #[serde(default)]
    cluster: String,
    #[serde(flatten)]
    check: Check,
}

pub(super) async fn run(cx: &Ctx, a: &AuditArgs) -> Result<u8, CmdError> {
    match audit(cx, a).await {
        Ok(code) => Ok(code),
        Err(e) => {
            tell!("ccs-tui: {e}");
            Ok(CANNOT_RUN)
        }
    }
}

async fn audit(cx: &Ctx, a: &AuditArgs) -> Result<u8, CmdError> {
    if a.sample == Some(0) {
        return Err(CmdError::usage("--sample 0", "sample at least one item"));
    }
    for c in &a.cids {
        if let Err(e) = crate::unixfs::parse_cid(c) {
            return Err(CmdError::usage(c, format!("not a valid CID: {e}")));
        }
    }
    let nodes = crate::config::node_gateways(&cx.resolved.file, false)
        .map_err(|e| CmdError::usage("configuration", e.to_string()))?;
    let Reach {
        members: peers,
        holders,
        answering,
    } = reach(&cx.client, &nodes).await?;
    let members: Vec<(String, String)> = peers
        .iter()
        .map(|p| (p.id.clone(), p.peername.clone()))
        .collect();
    if holders.is_empty() {
        return Err(CmdError::usage(
            "audit",
            "no peer's gateway is known: name each node with its gateway (nodes.NAME.gateway, or a host whose port 8080 is its gateway) in the configuration",
        ));
    }
    if let Some(p) = &a.peer {
        if !members.iter().any(|(id, name)| id == p || name == p) {
            return Err(CmdError::usage(
                format!("--peer {p}"),
                "no such member peer",
            ));
        }
    }
    let seed: u64 = rand::random();
    let depth = if a.sample.is_some() {
        Depth::Sample
    } else {
        Depth::Full
    };
    // One peer: sample among the items it should hold.
    let ids: Vec<&str> = members
        .iter()
        .filter(|(id, name)| a.peer.as_deref().is_some_and(|p| id == p || name == p))
        .map(|(id, _)| id.as_str())
        .collect();
    let wanted = |pin: &crate::cluster::types::Pin| {
        a.peer.is_none()
            || pin.allocations.is_empty()
            || pin.allocations.iter().any(|x| ids.contains(&x.as_str()))
    };
    // Streamed into what the audit needs of each item (or a sample of
    // them): the whole pinset at a million pins would be over a gigabyte.
    let mut targets = Targets::new(a.sample, seed);
    if a.cids.is_empty() {
        cx.client
            .each_pin(|p| {
                if wanted(&p) {
                    targets.push(&p);
                }
            })
            .await?;
    } else {
        for c in &a.cids {
            let p = cx.client.allocation(c).await?;
            if wanted(&p) {
                targets.push(&p);
            }
        }
    }
    let mut pins = targets.finish();
    // A full audit of the pinset resumes where the last one stopped.
    // Its journal is the cluster's: the answering peer's ID, asked once
    // above (asked again only if that failed, so the failure is said).
    let cluster = match (depth == Depth::Full && a.cids.is_empty(), &answering) {
        (false, _) => None,
        (true, Some(id)) => Some(id.clone()),
        (true, None) => Some(state_files::cluster_key(&cx.client).await?),
    };
    let journal = cluster
        .as_deref()
        .and_then(|c| journal_path(c, a.peer.as_deref()));
    let cluster = cluster.unwrap_or_default();
    let mut done: Vec<Check> = Vec::new();
    let mut journal = journal;
    if let Some(j) = journal.clone() {
        if a.restart {
            state_files::remove(&j);
        } else {
            match state_files::read(&j) {
                Err(e) => {
                    tell!("ccs-tui: the audit's journal is not used: {e}");
                    journal = None;
                }
                Ok(None) => {}
                Ok(Some(text)) => {
                    done = resume(&text, &cluster, &pins, &members, &j);
                    // The journal keeps only what stands.
                    let kept: String = done
                        .iter()
                        .filter_map(|c| {
                            serde_json::to_string(&Noted {
                                cluster: cluster.clone(),
                                check: c.clone(),
                            })
                            .ok()
                        })
                        .map(|l| l + "\n")
                        .collect();
                    let _ = state_files::replace(&j, &kept);
                }
            }
        }
    }
    let checked: HashSet<String> = done.iter().map(|c| c.cid.clone()).collect();
    pins.retain(|p| !checked.contains(&p.cid));
    let mut file = journal.as_ref().and_then(|j| match state_files::append(j) {
        Ok(f) => Some(f),
        Err(e) => {
            tell!("ccs-tui: the audit's journal is not kept: {e}");
            None
        }
    });
    let mut unreachable: std::collections::BTreeMap<String, (String, usize)> = Default::default();
    for c in &done {
        report(cx, c, &mut unreachable);
    }
    let audit = Audit {
        client: cx.client.clone(),
        holders,
        members,
        depth,
        peer: a.peer.clone(),
        seed,
    };
    let total = pins.len();
    let mut n = 0;
    let progress = progress_on();
    let mut all = done;
    audit
        .run(pins, |checks| {
            n += 1;
            if let Some(f) = file.as_mut() {
                for c in &checks {
                    let noted = Noted {
                        cluster: cluster.clone(),
                        check: c.clone(),
                    };
                    if let Ok(line) = serde_json::to_string(&noted) {
                        let _ = writeln!(f, "{line}");
                    }
                }
            }
            for c in &checks {
                report(cx, c, &mut unreachable);
            }
            if progress {
                eprint!("\raudited {n} / {total} items   ");
            }
            all.extend(checks);
        })
        .await;
    if progress {
        eprintln!();
    }
    // A peer that cannot be asked is one line, not one per item.
    for (peer, (why, n)) in &unreachable {
        // The reason names the peer when its gateway is known.
        let why = if why.starts_with(peer.as_str()) {
            why.clone()
        } else {
            format!("{peer}: {why}")
        };
        say!("{:<12} {why} ({n} item(s) not checked)", "UNREACHABLE");
    }
    if let Some(j) = &journal {
        state_files::remove(j);
    }
    // What it found stands (the console's problems, risk) until a later
    // audit finds otherwise.
    let key = match &answering {
        Some(id) => Some(id.clone()),
        None => state_files::cluster_key(&cx.client).await.ok(),
    };
    if let Some(k) = key {
        if let Err(e) = crate::cluster::fixity::record(&k, &all) {
            tell!("ccs-tui: the audit's findings are not kept: {e}");
        }
    }
    summary_lines(cx, &all);
    let worst = all.iter().map(|c| c.outcome).max().unwrap_or(Outcome::Ok);
    Ok(exit_code(worst))
}

/// What an earlier audit of this cluster found good and may be skipped:
/// lines of this cluster, about items of this audit and peers that should
/// hold them; anything else is said and asked again.
fn resume(
    text: &str,
    cluster: &str,
    pins: &[crate::cluster::audit::Target],
    members: &[(String, String)],
    path: &std::path::Path,
) -> Vec<Check> {
    let (mut bad, mut foreign) = (0usize, 0usize);
    let mut all: Vec<Check> = Vec::new();
    for l in text.lines().filter(|l| !l.trim().is_empty()) {
        match serde_json::from_str::<Noted>(l) {
            Ok(n) if n.cluster == cluster => all.push(n.check),
            Ok(_) => foreign += 1,
            Err(_) => bad += 1,
        }
    }
    if bad + foreign > 0 {
        tell!(
            "ccs-tui: {}: {bad} line(s) that do not parse and {foreign} of another cluster, ignored",
            path.display()
        );
    }
    // An item counts as checked only if every peer that should hold it was
    // found ok; anything else is asked again (it may have been repaired).
    let wanted: std::collections::HashMap<&str, &crate::cluster::audit::Target> =
        pins.iter().map(|p| (p.cid.as_str(), p)).collect();
    let bad: HashSet<String> = all
        .iter()
        .filter(|c| c.outcome != Outcome::Ok)
        .map(|c| c.cid.clone())
        .collect();
    let mut by_item: std::collections::HashMap<&str, HashSet<&str>> = Default::default();
    for c in all.iter().filter(|c| c.outcome == Outcome::Ok) {
        by_item.entry(&c.cid).or_default().insert(&c.peer_id);
    }
    let whole: HashSet<String> = by_item
        .iter()
        .filter(|(cid, peers)| {
            wanted.get(*cid).is_some_and(|t| {
                if t.allocations.is_empty() {
                    members.iter().all(|(id, _)| peers.contains(id.as_str()))
                } else {
                    t.allocations.iter().all(|a| peers.contains(a.as_str()))
                }
            })
        })
        .map(|(cid, _)| cid.to_string())
        .collect();
    let done: Vec<Check> = all
        .into_iter()
        .filter(|c| !bad.contains(&c.cid) && whole.contains(&c.cid))
        .collect();
    if !done.is_empty() {
        let items: HashSet<&str> = done.iter().map(|c| c.cid.as_str()).collect();
        let age = std::fs::metadata(path)
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .map_or_else(String::new, |d| {
                let m = d.as_secs() / 60;
                if m >= 120 {
                    format!(", last {} h ago", m / 60)
                } else {
                    format!(", last {m} min ago")
                }
            });
        tell!(
            "ccs-tui: resuming the audit: {} item(s) already found ok{age} (--restart starts over)",
            items.len()
        );
    }
    done
}

/// One check: JSON, a line each; text, only what is not ok (a peer that
/// cannot be asked is gathered into one line at the end).
fn report(
    cx: &Ctx,
    c: &Check,
    unreachable: &mut std::collections::BTreeMap<String, (String, usize)>,
) {
    let peer = c.who();
    if cx.json {
        print_item(c);
    } else if c.outcome == Outcome::Unreachable {
        let e = unreachable
            .entry(peer.to_string())
            .or_insert_with(|| (c.detail.clone(), 0));
        e.1 += 1;
    } else if c.outcome != Outcome::Ok {
        say!(
            "{:<12} {} {} {}: {}",
            c.outcome.label().to_uppercase(),
            peer,
            c.cid,
            c.name,
            c.detail
        );
    }
}

/// Per peer, items by outcome (text on stdout, or stderr with --json).
fn summary_lines(cx: &Ctx, all: &[Check]) {
    let by = summary(all);
    if by.is_empty() {
        tell!("ccs-tui: nothing to audit");
    }
    for (peer, counts, blocks) in by {
        let line = format!(
            "{peer}: {} ({blocks} blocks verified)",
            counts_text(&counts)
        );
        if cx.json {
            tell!("{line}");
        } else {
            say!("{line}");
        }
    }
}
