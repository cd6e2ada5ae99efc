//! `audit`: fixity, peer by peer, through each peer's own gateway.

use std::collections::HashSet;
use std::io::Write;
use std::path::PathBuf;

use super::output::*;
use super::Ctx;
use crate::cluster::audit::{
    counts_text, reach, summary, Audit, Check, Depth, Holder, Outcome, Reach, Target, Targets,
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
    check_args(a)?;
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
    check_reach(a, &holders, &members)?;
    let seed: u64 = rand::random();
    let depth = if a.sample.is_some() {
        Depth::Sample
    } else {
        Depth::Full
    };
    let mut pins = targets(cx, a, &members, seed).await?;
    let mut journal = AuditJournal::locate(cx, a, depth, &answering).await?;
    let done = journal.resume(a.restart, &pins, &members);
    let checked: HashSet<String> = done.iter().map(|c| c.cid.clone()).collect();
    pins.retain(|p| !checked.contains(&p.cid));
    let audit = Audit {
        client: cx.client.clone(),
        holders,
        members,
        depth,
        peer: a.peer.clone(),
        seed,
    };
    let all = check(cx, &audit, pins, &journal, done).await;
    journal.finish();
    keep_findings(cx, &answering, &all).await;
    summary_lines(cx, &all);
    let worst = all.iter().map(|c| c.outcome).max().unwrap_or(Outcome::Ok);
    Ok(audit_code(worst))
}

/// What the command line asks, before anything is asked of the cluster.
fn check_args(a: &AuditArgs) -> Result<(), CmdError> {
    if a.sample == Some(0) {
        return Err(CmdError::usage("--sample 0", "sample at least one item"));
    }
    for c in &a.cids {
        if let Err(e) = crate::unixfs::parse_cid(c) {
            return Err(CmdError::usage(c, format!("not a valid CID: {e}")));
        }
    }
    Ok(())
}

/// A gateway to audit through, and the peer asked for among the members.
fn check_reach(
    a: &AuditArgs,
    holders: &[Holder],
    members: &[(String, String)],
) -> Result<(), CmdError> {
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
    Ok(())
}

/// The items to audit (the ones named, or the pinset; with `--peer`, those
/// that peer should hold), or a sample of them, streamed into what the
/// audit needs of each: the whole pinset at a million pins would be over a
/// gigabyte.
async fn targets(
    cx: &Ctx,
    a: &AuditArgs,
    members: &[(String, String)],
    seed: u64,
) -> Result<Vec<Target>, CmdError> {
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
    Ok(targets.finish())
}

/// A full audit's journal of the checks it made, so an interrupted one
/// resumes there; no file for a sample or items named, nor when the
/// journal cannot be read.
struct AuditJournal {
    path: Option<PathBuf>,
    /// The cluster its lines are of.
    cluster: String,
}

impl AuditJournal {
    /// A full audit of the pinset resumes where the last one stopped. Its
    /// journal is the cluster's: the answering peer's ID, asked once by
    /// `reach` (asked again only if that failed, so the failure is said).
    async fn locate(
        cx: &Ctx,
        a: &AuditArgs,
        depth: Depth,
        answering: &Option<String>,
    ) -> Result<Self, CmdError> {
        let cluster = match (depth == Depth::Full && a.cids.is_empty(), answering) {
            (false, _) => None,
            (true, Some(id)) => Some(id.clone()),
            (true, None) => Some(state_files::cluster_key(&cx.client).await?),
        };
        let path = cluster
            .as_deref()
            .and_then(|c| journal_path(c, a.peer.as_deref()));
        Ok(AuditJournal {
            path,
            cluster: cluster.unwrap_or_default(),
        })
    }

    /// The checks an earlier run found good, which need not be made again
    /// (none with `--restart`, which forgets them).
    fn resume(
        &mut self,
        restart: bool,
        pins: &[Target],
        members: &[(String, String)],
    ) -> Vec<Check> {
        let Some(j) = self.path.clone() else {
            return Vec::new();
        };
        if restart {
            state_files::remove(&j);
            return Vec::new();
        }
        match state_files::read(&j) {
            Err(e) => {
                tell!("ccs-tui: the audit's journal is not used: {e}");
                self.path = None;
                Vec::new()
            }
            Ok(None) => Vec::new(),
            Ok(Some(text)) => {
                let done = found_good(&text, &self.cluster, pins, members, &j);
                // The journal keeps only what stands.
                let kept: String = done
                    .iter()
                    .filter_map(|c| self.line(c))
                    .map(|l| l + "\n")
                    .collect();
                let _ = state_files::replace(&j, &kept);
                done
            }
        }
    }

    /// A check as a line of the journal.
    fn line(&self, check: &Check) -> Option<String> {
        serde_json::to_string(&Noted {
            cluster: self.cluster.clone(),
            check: check.clone(),
        })
        .ok()
    }

    /// The journal open to add checks to, if it is kept.
    fn appender(&self) -> Option<std::fs::File> {
        self.path
            .as_ref()
            .and_then(|j| match state_files::append(j) {
                Ok(f) => Some(f),
                Err(e) => {
                    tell!("ccs-tui: the audit's journal is not kept: {e}");
                    None
                }
            })
    }

    /// The audit ran to its end: nothing to resume.
    fn finish(&self) {
        if let Some(j) = &self.path {
            state_files::remove(j);
        }
    }
}

/// Peer → why it could not be asked, and how many items it was not asked
/// about.
type Unreachable = std::collections::BTreeMap<String, (String, usize)>;

/// Audits `pins`, noting each check in the journal and reporting what is
/// not ok as it is found; every check, the resumed `done` first.
async fn check(
    cx: &Ctx,
    audit: &Audit,
    pins: Vec<Target>,
    journal: &AuditJournal,
    done: Vec<Check>,
) -> Vec<Check> {
    let mut file = journal.appender();
    let mut unreachable = Unreachable::default();
    for c in &done {
        report(cx, c, &mut unreachable);
    }
    let total = pins.len();
    let mut n = 0;
    let progress = progress_on();
    let mut all = done;
    audit
        .run(pins, |checks| {
            n += 1;
            if let Some(f) = file.as_mut() {
                for line in checks.iter().filter_map(|c| journal.line(c)) {
                    let _ = writeln!(f, "{line}");
                }
            }
            for c in &checks {
                report(cx, c, &mut unreachable);
            }
            if progress {
                super::output::progress(format_args!("audited {n} / {total} items   "));
            }
            all.extend(checks);
        })
        .await;
    end_progress();
    say_unreachable(&unreachable);
    all
}

/// A peer that cannot be asked is one line, not one per item.
fn say_unreachable(unreachable: &Unreachable) {
    for (peer, (why, n)) in unreachable {
        // The reason names the peer when its gateway is known.
        let why = if why.starts_with(peer.as_str()) {
            why.clone()
        } else {
            format!("{peer}: {why}")
        };
        say!("{:<12} {why} ({n} item(s) not checked)", "UNREACHABLE");
    }
}

/// What the audit found stands (the console's problems, risk) until a
/// later audit finds otherwise.
async fn keep_findings(cx: &Ctx, answering: &Option<String>, all: &[Check]) {
    let key = match answering {
        Some(id) => Some(id.clone()),
        None => state_files::cluster_key(&cx.client).await.ok(),
    };
    if let Some(k) = key {
        if let Err(e) = crate::cluster::fixity::record(&k, all) {
            tell!("ccs-tui: the audit's findings are not kept: {e}");
        }
    }
}

/// What an earlier audit of this cluster found good and may be skipped:
/// lines of this cluster, about items of this audit and peers that should
/// hold them; anything else is said and asked again.
fn found_good(
    text: &str,
    cluster: &str,
    pins: &[Target],
    members: &[(String, String)],
    path: &std::path::Path,
) -> Vec<Check> {
    let all = noted(text, cluster, path);
    let whole = wholly_ok(&all, pins, members);
    let done: Vec<Check> = all.into_iter().filter(|c| whole.contains(&c.cid)).collect();
    if !done.is_empty() {
        let items: HashSet<&str> = done.iter().map(|c| c.cid.as_str()).collect();
        tell!(
            "ccs-tui: resuming the audit: {} item(s) already found ok{} (--restart starts over)",
            items.len(),
            last_run(path)
        );
    }
    done
}

/// The checks the journal's lines note on this cluster; the others said
/// (once) and left out.
fn noted(text: &str, cluster: &str, path: &std::path::Path) -> Vec<Check> {
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
    all
}

/// The items of this audit every peer that should hold was found ok on,
/// none not ok: anything else is asked again (it may have been repaired).
fn wholly_ok(all: &[Check], pins: &[Target], members: &[(String, String)]) -> HashSet<String> {
    let wanted: std::collections::HashMap<&str, &Target> =
        pins.iter().map(|p| (p.cid.as_str(), p)).collect();
    let bad: HashSet<&str> = all
        .iter()
        .filter(|c| c.outcome != Outcome::Ok)
        .map(|c| c.cid.as_str())
        .collect();
    let mut by_item: std::collections::HashMap<&str, HashSet<&str>> = Default::default();
    for c in all.iter().filter(|c| c.outcome == Outcome::Ok) {
        by_item.entry(&c.cid).or_default().insert(&c.peer_id);
    }
    by_item
        .iter()
        .filter(|(cid, _)| !bad.contains(*cid))
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
        .collect()
}

/// When the journal was last written to (`, last 5 min ago`), or nothing
/// if that is not known.
fn last_run(path: &std::path::Path) -> String {
    std::fs::metadata(path)
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
        })
}

/// One check: JSON, a line each; text, only what is not ok (a peer that
/// cannot be asked is gathered into one line at the end).
fn report(cx: &Ctx, c: &Check, unreachable: &mut Unreachable) {
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
