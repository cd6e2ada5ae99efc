//! `edit`: change an item's name, replication, allocations or metadata
//! without losing the rest. The daemon forgets on a re-pin whatever it is not
//! given again (name, metadata), so every edit reads the pin, merges, and
//! writes it whole.

use std::io::IsTerminal;

use serde::Serialize;

use super::output::*;
use super::Ctx;
use crate::cluster::steward::edit::{diff, Editable};
use crate::cluster::types::{PeerId, Pin, PinOptions};
use crate::unixfs;

/// `ccs-tui edit`
#[derive(clap::Args, Debug, Clone)]
pub struct EditArgs {
    cid: String,
    /// A new name.
    #[arg(long)]
    name: Option<String>,
    /// Replication minimum (-1: everywhere, with --rmax -1).
    #[arg(long, alias = "replication-min", allow_hyphen_values = true)]
    rmin: Option<i32>,
    /// Replication maximum.
    #[arg(long, alias = "replication-max", allow_hyphen_values = true)]
    rmax: Option<i32>,
    /// Peers to prefer (names or IDs, comma-separated): used where copies are needed.
    #[arg(long, value_delimiter = ',')]
    allocations: Vec<String>,
    /// Set metadata (key=value, repeatable; `org=hrdag`).
    #[arg(long = "meta", alias = "metadata", value_name = "KEY=VALUE")]
    meta: Vec<String>,
    /// Remove a metadata key (repeatable).
    #[arg(long = "unset-meta", value_name = "KEY")]
    unset: Vec<String>,
    /// Show the change; change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Do not ask before copies are released (required when not on a
    /// terminal).
    #[arg(long, short = 'y')]
    yes: bool,
}

/// The edit applied to what the pin holds: what is not changed is kept.
pub fn merge(
    before: &Editable,
    a: &EditArgs,
    meta: &[(String, String)],
) -> Result<Editable, String> {
    let mut after = before.clone();
    if let Some(n) = &a.name {
        after.name = n.clone();
    }
    if let Some(v) = a.rmin {
        after.replication_min = v;
    }
    if let Some(v) = a.rmax {
        after.replication_max = v;
    }
    let (min, max) = (after.replication_min, after.replication_max);
    if min >= 0 && max >= 0 && min > max {
        return Err(format!("replication min {min} is more than max {max}"));
    }
    crate::cluster::replicas::check_replication(after.replication_min, after.replication_max)?;
    for k in &a.unset {
        after.metadata.retain(|(x, _)| x != k);
    }
    for (k, v) in meta {
        after.metadata.retain(|(x, _)| x != k);
        after.metadata.push((k.clone(), v.clone()));
    }
    after.metadata.sort();
    Ok(after)
}

#[derive(Serialize)]
struct Report<'a> {
    cid: &'a str,
    before: &'a Editable,
    after: &'a Editable,
    changes: &'a [String],
    dry_run: bool,
    /// Preferred peers the cluster did not allocate (it moves a valid
    /// allocation only when more copies are needed).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    not_allocated: Vec<String>,
}

pub(super) async fn run(cx: &Ctx, a: &EditArgs) -> Result<u8, CmdError> {
    if let Err(e) = unixfs::parse_cid(&a.cid) {
        return Err(CmdError::usage(&a.cid, format!("not a valid CID: {e}")));
    }
    let meta = parse_metadata(&a.meta)?;
    let pin = cx.client.allocation(&a.cid).await?;
    let before = Editable::of(&pin);
    let after = merge(&before, a, &meta).map_err(|e| CmdError::usage("replication", e))?;
    warn_unset_absent(a, &before);
    let members = cx.client.members().await?;
    let wanted = preferred_peers(a, &members)?;
    check_allocatable(cx, &pin, &members, &wanted).await?;
    let release = Release::of(&pin, &after, members.len());
    let changes = changes(a, &before, &after, &wanted, &release);
    let mut report = Report {
        cid: &a.cid,
        before: &before,
        after: &after,
        changes: &changes,
        dry_run: a.dry_run,
        not_allocated: Vec::new(),
    };
    if changes.is_empty() {
        report_or_say(cx, &report, &format!("{}: nothing to change", a.cid));
        return Ok(OK);
    }
    if !cx.json {
        for c in &changes {
            say!("{c}");
        }
    }
    if let Consent::Stop(code) = consent(a, &pin, &release) {
        return Ok(code);
    }
    if a.dry_run {
        report_or_say(cx, &report, "dry run: nothing changed");
        return Ok(OK);
    }
    let written = write(cx, a, &after, &wanted).await?;
    report.not_allocated = not_allocated(&wanted, &written, &members);
    say_edited(cx, &report);
    Ok(if report.not_allocated.is_empty() {
        OK
    } else {
        PARTIAL
    })
}

/// A key `--unset-meta` names that the item does not have is said, not
/// refused.
fn warn_unset_absent(a: &EditArgs, before: &Editable) {
    for k in &a.unset {
        if !before.metadata.iter().any(|(x, _)| x == k) {
            tell!("{}: no metadata key {k:?} to unset", a.cid);
        }
    }
}

fn say_edited(cx: &Ctx, report: &Report) {
    if cx.json {
        print_json(&serde_json::to_value(report).unwrap_or_default());
    } else {
        say!("edited {}", report.cid);
        if !report.not_allocated.is_empty() {
            say!(
                "not allocated to {}: the cluster keeps copies that are valid and within the bounds (raise --rmin to add one)",
                report.not_allocated.join(", ")
            );
        }
    }
}

/// The report with `--json`, else one line of text.
fn report_or_say(cx: &Ctx, report: &Report, line: &str) {
    if cx.json {
        print_json(&serde_json::to_value(report).unwrap_or_default());
    } else {
        say!("{line}");
    }
}

/// The preferred peers `--allocations` names (by name or ID), by ID.
fn preferred_peers(a: &EditArgs, members: &[PeerId]) -> Result<Vec<String>, CmdError> {
    let mut wanted = Vec::new();
    for p in &a.allocations {
        match members.iter().find(|m| m.peername == *p || m.id == *p) {
            Some(m) => wanted.push(m.id.clone()),
            None => {
                return Err(CmdError::usage(
                    format!("--allocations {p}"),
                    "no such member peer",
                ))
            }
        }
    }
    Ok(wanted)
}

/// A preferred peer the cluster cannot allocate to now is refused in the
/// dry run as in the live run, not found "not allocated" afterwards.
async fn check_allocatable(
    cx: &Ctx,
    pin: &Pin,
    members: &[PeerId],
    wanted: &[String],
) -> Result<(), CmdError> {
    if wanted.is_empty() {
        return Ok(());
    }
    let metrics = cx.client.metrics("freespace").await?;
    let fleet = crate::config::fleet(&cx.resolved.file, members).with_metrics(&metrics);
    let new: Vec<&String> = wanted
        .iter()
        .filter(|w| !pin.allocations.contains(w))
        .collect();
    match fleet.cannot_add(new) {
        Some(why) => Err(CmdError::usage("--allocations", why)),
        None => Ok(()),
    }
}

/// The copies a lower maximum makes the daemon unpin.
struct Release {
    /// Copies held now.
    held: usize,
    /// At most this many kept.
    keep: usize,
    released: usize,
}

impl Release {
    fn of(pin: &Pin, after: &Editable, members: usize) -> Self {
        let held = if pin.allocations.is_empty() {
            members
        } else {
            pin.allocations.len()
        };
        let keep = usize::try_from(after.replication_max).unwrap_or(held);
        Release {
            held,
            keep,
            released: held.saturating_sub(keep),
        }
    }
}

/// The edit's changes, a line each.
fn changes(
    a: &EditArgs,
    before: &Editable,
    after: &Editable,
    wanted: &[String],
    release: &Release,
) -> Vec<String> {
    let mut changes = diff(before, after, &|id: &str| id.to_string());
    if !wanted.is_empty() {
        changes.push(format!("preferred peers: {}", a.allocations.join(", ")));
    }
    let Release {
        held,
        keep,
        released,
    } = release;
    if *released > 0 {
        changes.push(format!(
            "copies: {released} of {held} released (at most {keep} kept)"
        ));
    }
    changes
}

/// Whether the edit may go on.
enum Consent {
    Given,
    /// No: the run ends with this exit code.
    Stop(u8),
}

/// Copies released: as `rm`, not without a yes (`--yes`, or asked on a
/// terminal).
fn consent(a: &EditArgs, pin: &Pin, release: &Release) -> Consent {
    let Release { held, released, .. } = release;
    if *released == 0 || a.dry_run || a.yes {
        return Consent::Given;
    }
    let interactive = std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
    if !interactive {
        tell!("ccs-tui: edit: refusing to release {released} of {held} copies without --yes when not on a terminal");
        return Consent::Stop(FAIL);
    }
    let label = crate::cluster::types::item_label(&pin.name, &a.cid);
    if !confirm(&format!("release {released} of {held} copies of {label}?")) {
        say!("nothing changed");
        return Consent::Stop(OK);
    }
    Consent::Given
}

/// The pin written whole: the daemon keeps nothing it is not given again.
async fn write(
    cx: &Ctx,
    a: &EditArgs,
    after: &Editable,
    wanted: &[String],
) -> Result<Pin, CmdError> {
    let opts = PinOptions {
        name: Some(after.name.clone()),
        replication_min: Some(after.replication_min),
        replication_max: Some(after.replication_max),
        user_allocations: wanted.to_vec(),
        metadata: after.metadata.clone(),
        ..Default::default()
    };
    Ok(cx.client.pin(&a.cid, &opts).await?)
}

/// The preferred peers the cluster did not allocate, by name.
fn not_allocated(wanted: &[String], written: &Pin, members: &[PeerId]) -> Vec<String> {
    wanted
        .iter()
        .filter(|w| !written.allocations.iter().any(|x| x == *w))
        .map(|w| {
            members
                .iter()
                .find(|m| m.id == *w)
                .map_or_else(|| w.clone(), |m| m.peername.clone())
        })
        .collect()
}
