//! `risk`: what is fragile now, and what a peer's failure would cost.

use std::collections::HashMap;

use super::output::*;
use super::Ctx;
use crate::cluster::steward::risk::{risk_over, AtRisk, Risk, RiskItem};
use crate::cluster::types::{PeerId, TrackerStatus, PROBLEM_FILTER};
use crate::cluster::PinTypeFilter;
use crate::pinset::Pinset;

/// `ccs-tui risk`
#[derive(clap::Args, Debug, Clone)]
pub struct RiskArgs {
    /// And if this peer failed (name or ID)? Exit 1 when its failure would
    /// lose items or leave any below their minimum.
    #[arg(long = "if-fails", alias = "peer", value_name = "PEER")]
    if_fails: Option<String>,
}

pub(super) async fn run(cx: &Ctx, a: &RiskArgs) -> Result<u8, CmdError> {
    let members = cx.client.members().await?;
    let fail = failing_peer(a, &members)?;
    let not_pinned = not_pinned(cx).await?;
    let pins = pinset(cx).await?;
    let orgs = crate::config::node_orgs(&cx.resolved.file);
    let org_of = |id: &str| -> Option<String> {
        let m = members.iter().find(|m| m.id == id)?;
        orgs.iter()
            .find(|(n, _)| *n == m.peername)
            .map(|(_, o)| o.clone())
    };
    let up: Vec<&str> = members
        .iter()
        .filter(|m| m.error.is_empty())
        .map(|m| m.id.as_str())
        .collect();
    let ids: Vec<&str> = members.iter().map(|m| m.id.as_str()).collect();
    let fixity = audit_findings(cx).await;
    let r = risk_over(
        pins.iter().map(|r| RiskItem {
            cid: r.cid(),
            name: r.name(),
            allocations: r.allocations().iter().map(|a| &**a).collect(),
            replication_min: r.rmin(),
        }),
        &up,
        &ids,
        |cid, peer| {
            not_pinned
                .get(cid)
                .is_some_and(|v| v.iter().any(|x| x == peer))
                || fixity.damaged(cid, peer)
        },
        &org_of,
        fail.as_deref(),
    );
    if cx.json {
        print_json(&serde_json::to_value(&r).unwrap_or_default());
    } else {
        say!(
            "{} items, {}/{} peers up",
            pins.len(),
            up.len(),
            members.len()
        );
        print_text(&r, &members, !orgs.is_empty());
    }
    Ok(exit_code(&r))
}

/// The member `--if-fails` names, by ID.
fn failing_peer(a: &RiskArgs, members: &[PeerId]) -> Result<Option<String>, CmdError> {
    let Some(p) = &a.if_fails else {
        return Ok(None);
    };
    match members.iter().find(|m| m.peername == *p || m.id == *p) {
        Some(m) => Ok(Some(m.id.clone())),
        None => Err(CmdError::usage(
            format!("--if-fails {p}"),
            "no such member peer",
        )),
    }
}

/// Who lacks a pinned copy of what (CID → peer IDs): the problems list
/// names only them.
async fn not_pinned(cx: &Ctx) -> Result<HashMap<String, Vec<String>>, CmdError> {
    let mut not_pinned: HashMap<String, Vec<String>> = HashMap::new();
    let mut s = cx.client.pins(Some(PROBLEM_FILTER), &[], false).await?;
    while let Some(g) = s.next().await {
        let g = g?;
        let who = g
            .peer_map
            .iter()
            .filter(|(_, p)| p.status != TrackerStatus::Pinned)
            .map(|(id, _)| id.clone())
            .collect();
        not_pinned.insert(g.cid.clone(), who);
    }
    Ok(not_pinned)
}

/// The pinset, into the console's compact table, not a list of whole pins:
/// a million of those held 840 MB (a small machine's memory) where this
/// holds 120.
async fn pinset(cx: &Ctx) -> Result<Pinset, CmdError> {
    let mut pins = Pinset::default();
    let mut s = cx.client.allocations(PinTypeFilter::Pin).await?;
    // A million pins take seconds: say how far it is, on a terminal.
    let progress = progress_on();
    while let Some(line) = s.next_with(|l| pins.push_json_line(l)).await {
        line?;
        if progress && pins.len() % 100_000 == 0 {
            eprint!("\rreading the pinset: {} items ", pins.len());
        }
    }
    if progress && pins.len() >= 100_000 {
        eprint!("\r\x1b[2K");
    }
    Ok(pins)
}

/// What audits found missing or corrupt: it does not serve either.
async fn audit_findings(cx: &Ctx) -> crate::cluster::fixity::Findings {
    match crate::cluster::state_files::cluster_key(&cx.client).await {
        Ok(k) => crate::cluster::fixity::load(&k).unwrap_or_else(|e| {
            tell!("ccs-tui: the audits' findings are not counted: {e}");
            Default::default()
        }),
        Err(_) => Default::default(),
    }
}

/// The lists of items at risk, the first 20 of each, by peer names.
fn print_text(r: &Risk, members: &[PeerId], orgs_known: bool) {
    let name = |id: &str| {
        members
            .iter()
            .find(|m| m.id == id)
            .map(|m| m.peername.clone())
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| id.to_string())
    };
    section("with no serving copy now".into(), &r.none_serving);
    section("below their replication minimum now".into(), &r.below_min);
    section("with a single serving copy".into(), &r.single_copy);
    if orgs_known {
        say!("with every copy at one org: {}", r.one_org.len());
        for o in r.one_org.iter().take(20) {
            let name = if o.name.is_empty() { "" } else { " " };
            say!("  {}{name}{} ({})", o.cid, o.name, o.org);
        }
        if r.one_org.len() > 20 {
            say!("  … and {} more (--json lists all)", r.one_org.len() - 20);
        }
    }
    if let Some(f) = &r.if_failed {
        let who = name(&f.peer);
        section(format!("if {who} failed, lost"), &f.lost);
        section(
            format!("if {who} failed, below their minimum"),
            &f.below_min,
        );
        if f.already_down {
            say!("{who} is down already: the lists above count without it");
        }
    }
}

/// One list of items at risk: its count and its first 20.
fn section(title: String, list: &[AtRisk]) {
    say!("{title}: {}", list.len());
    for a in list.iter().take(20) {
        let name = if a.name.is_empty() { "" } else { " " };
        say!(
            "  {}{name}{} ({} serving, min {})",
            a.cid,
            a.name,
            a.serving,
            a.min
        );
    }
    if list.len() > 20 {
        say!("  … and {} more (--json lists all)", list.len() - 20);
    }
}

/// PARTIAL when anything is at risk. "Can PEER go down?" is answered by
/// the exit code too: no while it would lose items or leave any below
/// their minimum.
fn exit_code(r: &Risk) -> u8 {
    let costly = r
        .if_failed
        .as_ref()
        .is_some_and(|f| !f.lost.is_empty() || !f.below_min.is_empty());
    if r.below_min.is_empty() && r.single_copy.is_empty() && r.one_org.is_empty() && !costly {
        OK
    } else {
        PARTIAL
    }
}
